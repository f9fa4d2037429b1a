"""Read PDM's ``pdm.lock`` into pins.

Every ``[[package]]`` is a pin, of every group, with its ``marker``; its
``files`` name files and hashes (with URLs only under the ``static_urls``
strategy), and the hashes are all wheelmill needs: the files are found on the
configured index. Packages from git, a path or a URL, and editables, are not
pins from an index: one clear error.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .._exceptions import RequirementsError
from ._foreign import check_unconditional, hashes_of, load_toml, marker, pin
from .pins import Pin

_NOT_FROM_AN_INDEX = ("git", "hg", "svn", "bzr", "path", "url", "editable")


def parse_pdm_lock(data: Mapping[str, Any], source: str) -> list[Pin]:
    """The pins of a parsed ``pdm.lock``."""
    lock_version = str((data.get("metadata") or {}).get("lock_version", ""))
    if not lock_version.startswith("4."):
        raise RequirementsError(
            f"{source}: lock_version {lock_version!r} is not a pdm lock wheelmill reads (4.x); "
            "re-lock with pdm 2.8 or newer"
        )
    packages = data.get("package")
    if not isinstance(packages, list) or not all(isinstance(p, dict) for p in packages):
        raise RequirementsError(f"{source}: no [[package]] array")
    pins = []
    for number, package in enumerate(packages):
        where = f"{source}: package[{number}] ({package.get('name')})"
        for kind in _NOT_FROM_AN_INDEX:
            if package.get(kind):
                raise RequirementsError(
                    f"{where}: packages from {kind} are not supported; lock a version from an "
                    "index instead"
                )
        hashes = hashes_of([f.get("hash") for f in package.get("files") or []], where)
        text = marker(package.get("marker"), where)
        pins.append(pin(str(package["name"]), package.get("version"), hashes, text, where))
    return check_unconditional(pins, source)


def read_pdm_lock(path: Path) -> list[Pin]:
    return parse_pdm_lock(load_toml(path), str(path))
