"""Read poetry's ``poetry.lock`` into pins.

Every ``[[package]]`` is a pin; its ``files`` name files and hashes without
URLs, and the hashes are all wheelmill needs: the files are found on the
configured index. Every group is kept (``main``, ``dev``, …). Poetry 2 locks
(``lock-version`` 2.1) carry each package's marker (one, or one per group);
for older locks the markers are taken from the dependency edges between the
locked packages (:func:`~wheelmill.lockfile._foreign.walk`), starting from the
packages nothing else in the lock needs. Packages from git, a directory, a file
or a URL are not pins from an index: one clear error.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from .._exceptions import RequirementsError
from ._foreign import Edge, check_unconditional, hashes_of, load_toml, marker, pin, walk
from .pins import Pin

_INDEX_SOURCES = ("legacy", "pypi", None)


def _package_marker(package: Mapping[str, Any], where: str) -> str | None:
    markers = package.get("markers")
    if isinstance(markers, Mapping):  # one per group: needed where any group needs it
        found = [marker(text, where) for text in markers.values()]
        if not found or any(m is None for m in found):
            return None
        return " or ".join(f"({m})" for m in sorted({str(m) for m in found}))
    return marker(markers, where)


def _edges(packages: list[Mapping[str, Any]], where: str) -> dict[str, list[Edge]]:
    edges: dict[str, list[Edge]] = {}
    for package in packages:
        found = []
        for name, spec in (package.get("dependencies") or {}).items():
            specs = spec if isinstance(spec, list) else [spec]  # several: one per marker
            for one in specs:
                text = one.get("markers") if isinstance(one, Mapping) else None
                found.append(Edge(canonicalize_name(str(name)), marker(text, where)))
        edges[canonicalize_name(str(package["name"]))] = found
    return edges


def parse_poetry_lock(data: Mapping[str, Any], source: str) -> list[Pin]:
    """The pins of a parsed ``poetry.lock``."""
    lock_version = str((data.get("metadata") or {}).get("lock-version", ""))
    if lock_version[:2] not in ("1.", "2."):
        raise RequirementsError(
            f"{source}: lock-version {lock_version!r} is not a poetry lock wheelmill reads "
            "(1.x, 2.x); re-lock with poetry"
        )
    packages = data.get("package")
    if not isinstance(packages, list) or not all(isinstance(p, dict) for p in packages):
        raise RequirementsError(f"{source}: no [[package]] array")
    with_markers = lock_version >= "2.1"
    needed: dict[str, str | None] = {}
    if not with_markers:
        edges = _edges(packages, source)
        depended = {edge.target for found in edges.values() for edge in found}
        roots = [Edge(name, None) for name in edges if name not in depended]
        needed = walk(roots, edges)
    pins = []
    for number, package in enumerate(packages):
        where = f"{source}: package[{number}] ({package.get('name')})"
        kind = (package.get("source") or {}).get("type")
        if kind not in _INDEX_SOURCES:
            raise RequirementsError(
                f"{where}: packages from a {kind} source are not supported; lock a version "
                "from an index instead"
            )
        hashes = hashes_of([f.get("hash") for f in package.get("files") or []], where)
        if with_markers:
            text = _package_marker(package, where)
        else:
            text = needed.get(canonicalize_name(str(package["name"])))
        pins.append(pin(str(package["name"]), package.get("version"), hashes, text, where))
    return check_unconditional(pins, source)


def read_poetry_lock(path: Path) -> list[Pin]:
    return parse_poetry_lock(load_toml(path), str(path))
