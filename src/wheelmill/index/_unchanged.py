"""A publish where nothing changed, told before publish's machinery loads.

:func:`~wheelmill.index.publish.publish` leaves, after a run that left no wheel out
(none rejected, none excluded; the status page written or checked), a note of what
it saw (:data:`NOTE_FILE`): the listing of ``wheels/`` at
its end, the ``*.whl`` names, each one's size, mtime and inode (packed, not JSON),
the projects, the publish state's own stat and CRC, the yanks file's stat, and the
mtime and inode of ``wheels/`` itself, taken before the listing (a differing one
answers "changed" without the listing).

That stat *vouches* for the listing when it was taken in a later tick of the file
system's clock than the directory's mtime (:func:`_vouched`: a clock file's mtime,
set just before, is past it). Any entry added, removed or renamed after the stat
then gives ``wheels/`` another mtime, so an equal stat proves the listing the same,
and the listing is skipped. Otherwise (``wheels/`` changed within the tick) the
listing is compared, as it is for a note without that proof.

:func:`unchanged` says, from that (one stat of ``wheels/``, else one listing of it)
and one ``stat`` per wheel and per project page, whether publishing again would
read and write nothing: every
wheel as noted (a wheel replaced, written in place or touched changes its stat),
none added or removed, each with its ``.metadata``, the find-links listing and the
root page there, every project page there, the state and the yanks as they were,
and the status page current for its inputs (:mod:`._statuskey`). These are the
checks publish makes, on the same stats; when one fails, publish runs as usual, and
leaves a new note at its end (after a listing of ``wheels/`` that shows nothing
changed meanwhile), so the first publish after a change is told too. A publish that
left a wheel out (rejected, or excluded by ``gc``) forgets the note. The note is a
cache: deleting it costs one full check.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from array import array
from collections.abc import Mapping, Sequence
from pathlib import Path
from stat import S_ISREG

from ..store.layout import SIMPLE, STATE, WHEELS
from . import _statuskey

NOTE_FILE = "publish-noop"
#: Its mtime is set to the file system's "now" before ``wheels/`` is looked at.
CLOCK_FILE = "publish-clock"
#: publish's state (``_state.STATE_FILE``), the yanks (``yank.YANKED_FILE``) and the
#: find-links listing (``publish.FIND_LINKS_PAGE``): spelt out so that the check loads
#: none of those modules.
STATE_FILE = "index-state.json"
YANKED_FILE = "yanked.json"
FIND_LINKS_PAGE = "index.html"
_FORMAT = 3
_SEPARATOR = b"\0"


def _stat(path: Path) -> list[int] | None:
    try:
        info = os.stat(path, follow_symlinks=False)
    except OSError:
        return None
    return [info.st_size, info.st_mtime_ns, info.st_ino, info.st_mode]


def _directory(root: Path) -> list[int] | None:
    """The stat of ``wheels/`` that moves when an entry is added, removed or renamed
    (equal stats prove nothing within one timestamp tick: the listing is compared then)."""
    stat = _stat(root / WHEELS)
    return None if stat is None else stat[1:3]


def _vouched(root: Path) -> list[int] | None:
    """The stat of ``wheels/`` (:func:`_directory`) when it was taken in a later tick
    of the file system's clock than the directory's mtime, so that any later entry
    changed moves that mtime; ``None`` when ``wheels/`` changed within the tick (a few
    ticks are waited out) or the clock cannot be read."""
    clock = root / STATE / CLOCK_FILE
    for attempt in range(5):
        if attempt:
            time.sleep(0.005)  # past a coarse clock's tick (4 ms at 250 Hz)
        try:
            try:
                os.utime(clock)  # its mtime: the file system's "now"
            except FileNotFoundError:
                clock.touch()
            now = os.stat(clock).st_mtime_ns
        except OSError:
            return None
        directory = _directory(root)
        if directory is None:
            return None
        if directory[0] < now:
            return directory
    return None


def note(
    root: Path,
    wheels: Mapping[str, Sequence[int]],
    projects: Sequence[str],
    state: list[int] | None,
    crc: int,
) -> bytes | None:
    """The note of a publish that saw ``wheels`` (name: size, mtime, inode, in listing
    order) and left ``projects`` and the state whose stat is ``state``; ``None`` when
    ``wheels/`` does not list exactly those wheels, each with its ``.metadata``, and
    the find-links listing (something changed meanwhile)."""
    vouched = _vouched(root)
    directory = vouched or _directory(root)  # before the listing it stands for
    listing = os.listdir(root / WHEELS)
    found = [name for name in listing if name.endswith(".whl") and name[0] != "."]
    metadata = {name[:-9] for name in listing if name.endswith(".whl.metadata") and name[0] != "."}
    if found != list(wheels) or metadata != set(found) or FIND_LINKS_PAGE not in listing:
        return None
    header = {
        "format": _FORMAT,
        "directory": directory,
        "vouched": vouched is not None,
        "state": state,
        "crc": crc,
        "yanks": _stat(root / STATE / YANKED_FILE),
        "files": len(wheels),
        "projects": len(projects),
    }
    stamps = array("q")
    for size, mtime_ns, inode in wheels.values():
        stamps.extend((size, mtime_ns, inode))
    return _SEPARATOR.join(
        [
            json.dumps(header, separators=(",", ":")).encode(),
            "\n".join(listing).encode(),
            "\n".join(found).encode(),
            "\n".join(projects).encode(),
            stamps.tobytes(),
        ]
    )


def leave(
    root: Path,
    tmp: Path,
    wheels: Mapping[str, Sequence[int]],
    projects: Sequence[str],
    state: list[int] | None,
    crc: int,
    *,
    same: bool = True,
) -> None:
    """Write the note (:func:`note`) unless it is the one there (looked at only when
    ``same``: publish changed nothing); forget any note when there is none to write."""
    from ..store.wheelhouse import write_atomic

    data = note(root, wheels, projects, state, crc)
    path = note_path(root)
    if data is None:
        forget(root)
        return
    with contextlib.suppress(OSError):
        if same and path.read_bytes() == data:
            return
    write_atomic(path, data, tmp_dir=tmp)


def state_stat(root: Path) -> list[int] | None:
    """The stat of publish's state, as a note holds it."""
    return _stat(root / STATE / STATE_FILE)


def note_path(root: Path) -> Path:
    return root / STATE / NOTE_FILE


def forget(root: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        note_path(root).unlink()


def unchanged(root: Path) -> tuple[int, int] | None:
    """``(files, projects)`` as publish would report them, when publishing the
    wheelhouse at ``root`` again would read and write nothing; else ``None``."""
    try:
        data = note_path(root).read_bytes().split(_SEPARATOR, 4)
        header_bytes, listing, names, projects, stamps = data
        header = json.loads(header_bytes)
    except (OSError, ValueError):
        return None
    if not isinstance(header, dict) or header.get("format") != _FORMAT:
        return None
    if header.get("state") is None or header["state"] != state_stat(root):
        return None
    if header.get("yanks") != _stat(root / STATE / YANKED_FILE):
        return None
    if header.get("directory") != _directory(root):
        return None  # an entry of wheels/ added, removed or renamed: no listing needed
    try:
        vouched = header.get("vouched") is True  # the listing is as noted
        if not _listed(root / WHEELS, None if vouched else listing, names, stamps) or not _pages(
            root / SIMPLE, projects
        ):
            return None
    except OSError:
        return None
    files, count, crc = header.get("files"), header.get("projects"), header.get("crc")
    if not (isinstance(files, int) and isinstance(count, int) and isinstance(crc, int)):
        return None
    key = _statuskey.status_key(root, _statuskey.plain_wheels_key(crc, files))
    if not _statuskey.is_current(root, key):
        return None
    return files, count


def _listed(wheels: Path, listing: bytes | None, names: bytes, stamps: bytes) -> bool:
    """Whether ``wheels/`` lists what it listed (so each wheel still has its
    ``.metadata``, and the find-links listing is there; not looked at when
    ``listing`` is ``None``: the directory's stat vouched for it), and every noted
    wheel has its noted stat."""
    directory = os.open(wheels, os.O_RDONLY | os.O_DIRECTORY)
    try:
        if listing is not None:
            if "\n".join(os.listdir(directory)).encode() != listing:
                return False
            if not S_ISREG(os.stat(FIND_LINKS_PAGE, dir_fd=directory).st_mode):
                return False
        now = array("q")
        stat = os.stat
        for name in names.decode().split("\n") if names else ():
            info = stat(name, dir_fd=directory, follow_symlinks=False)
            if not S_ISREG(info.st_mode):
                return False
            now.extend((info.st_size, info.st_mtime_ns, info.st_ino))
    finally:
        os.close(directory)
    return now.tobytes() == stamps


def _pages(simple: Path, projects: bytes) -> bool:
    """Whether the root page and every noted project's page are there."""
    directory = os.open(simple, os.O_RDONLY | os.O_DIRECTORY)
    try:
        if not S_ISREG(os.stat("index.json", dir_fd=directory).st_mode):
            return False
        stat = os.stat
        for project in projects.decode().split("\n") if projects else ():
            stat(f"{project}/index.json", dir_fd=directory)
    finally:
        os.close(directory)
    return True
