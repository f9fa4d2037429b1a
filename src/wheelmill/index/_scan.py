"""One listing of ``wheels/``, shared by ``publish`` and the status page.

A wheel is a regular file named ``*.whl`` that does not start with a dot; links
are not followed, and anything else named ``*.whl`` is reported with why.
"""

from __future__ import annotations

import os
from pathlib import Path
from stat import S_ISREG

from .._wheelname import canonical_name
from ..store._integrity import not_regular

Stamp = list[int]  # size, mtime_ns, inode: a list, as the publish state's JSON has it


def scan_wheels(wheels: Path) -> tuple[dict[str, Stamp], set[str], dict[str, str]]:
    """The wheels (by name: size, mtime, inode), the ``.metadata`` files there are, and
    the ``*.whl`` entries that are no regular files (links are not followed), with why."""
    directory = os.open(wheels, os.O_RDONLY | os.O_DIRECTORY)
    found: dict[str, Stamp] = {}
    odd: dict[str, str] = {}
    try:
        listing = os.listdir(directory)
        stat = os.stat
        for name in [name for name in listing if name.endswith(".whl") and name[0] != "."]:
            try:
                info = stat(name, dir_fd=directory, follow_symlinks=False)
            except FileNotFoundError:
                continue  # gone since the listing
            if S_ISREG(info.st_mode):
                found[name] = [info.st_size, info.st_mtime_ns, info.st_ino]
            else:
                odd[name] = not_regular(name, info) or f"{name}: not a regular file, left out"
    finally:
        os.close(directory)
    metadata = {
        name[: -len(".metadata")]
        for name in listing
        if name.endswith(".whl.metadata") and name[0] != "."
    }
    return found, metadata, odd


def wheel_sizes(wheels: Path) -> dict[str, int]:
    """Every wheel's size (none when there is no ``wheels/``)."""
    try:
        found = scan_wheels(wheels)[0]
    except FileNotFoundError:
        return {}
    return {name: stamp[0] for name, stamp in found.items()}


class Projects(dict[str, str]):
    """A wheel's project, from its filename: the canonical form of the part before the
    first dash, which is what ``parse_wheel_filename`` returns for every valid name.
    So a project's wheels always land in one group; invalid names are rejected when read.
    """

    def __missing__(self, prefix: str) -> str:
        self[prefix] = project = canonical_name(prefix)
        return project

    def of(self, filename: str) -> str:
        return self[filename.partition("-")[0]]
