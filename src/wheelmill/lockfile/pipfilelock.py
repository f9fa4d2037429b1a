"""Read pipenv's ``Pipfile.lock`` into pins.

Both sections, ``default`` and ``develop``, are kept (a package in both must be
locked at one version). Each entry's ``version`` (``==X``), ``hashes`` and
``markers`` make its pin. Entries from git, a path, a file or an editable are
not pins from an index: one clear error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from .._exceptions import RequirementsError
from ._foreign import check_unconditional, hashes_of, load_json, marker, pin
from .pins import Pin

_NOT_FROM_AN_INDEX = ("git", "hg", "svn", "bzr", "path", "file", "editable")
_SECTIONS = ("default", "develop")


def parse_pipfile_lock(data: Mapping[str, Any], source: str) -> list[Pin]:
    """The pins of a parsed ``Pipfile.lock``."""
    spec = (data.get("_meta") or {}).get("pipfile-spec")
    if spec != 6:
        raise RequirementsError(
            f"{source}: pipfile-spec {spec!r} is not one wheelmill reads (6); re-lock with pipenv"
        )
    pins: dict[str, Pin] = {}
    for section in _SECTIONS:
        entries = data.get(section) or {}
        if not isinstance(entries, Mapping):
            raise RequirementsError(f"{source}: `{section}` is not a table of packages")
        for name, entry in entries.items():
            where = f"{source}: {section}.{name}"
            if not isinstance(entry, Mapping):
                raise RequirementsError(f"{where}: not a table")
            for kind in _NOT_FROM_AN_INDEX:
                if entry.get(kind):
                    raise RequirementsError(
                        f"{where}: packages from {kind} are not supported; lock a version "
                        "from an index instead"
                    )
            version = str(entry.get("version", ""))
            if not version.startswith("=="):
                raise RequirementsError(
                    f"{where}: version {version!r} is not pinned (==X); re-lock with pipenv"
                )
            found = pin(
                str(name),
                version[2:],
                hashes_of(entry.get("hashes") or [], where),
                marker(entry.get("markers"), where),
                where,
            )
            extras = frozenset(str(extra) for extra in entry.get("extras") or ())
            _add(pins, replace(found, extras=extras), where)
    return check_unconditional(list(pins.values()), source)


def _add(pins: dict[str, Pin], found: Pin, where: str) -> None:
    key = canonicalize_name(found.name)
    known = pins.get(key)
    if known is None:
        pins[key] = found
    elif known.version != found.version:
        raise RequirementsError(
            f"{where}: locked at {found.version} here and {known.version} in `default`; "
            "re-lock with pipenv"
        )


def read_pipfile_lock(path: Path) -> list[Pin]:
    return parse_pipfile_lock(load_json(path), str(path))
