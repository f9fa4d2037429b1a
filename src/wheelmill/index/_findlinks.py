"""The find-links listing (``wheels/index.html``) spliced where it is known to be ours.

After ``publish`` writes the listing, it notes the listing's stat (size, mtime, ctime,
inode) and the CRC of the publish state it lists (:data:`STAMP_FILE`). When the next
publish finds both as noted, the listing is the one written for the state it has just
loaded, line for line: a change then removes the changed projects' lines and puts
their new ones in, each found by a binary search on the sorted names (a few dozen
lines read, at any size), instead of reading every line to check the listing is
whole (:func:`._pages.splice_find_links`, which any other listing still goes
through). A listing edited, replaced or touched changes its stat (its ctime at the
least); a state written without the listing changes the CRC: either way the stamp
does not hold. The stamp is a cache: without it, the next change checks every line.
"""

from __future__ import annotations

import contextlib
import os
import urllib.parse
from collections.abc import Collection, Mapping
from pathlib import Path

from ..store.wheelhouse import write_atomic
from ._pages import _FLAT_HEAD, _HTML_TAIL, FileEntry, _flat_line

STAMP_FILE = "find-links-stamp"
_HEAD = _FLAT_HEAD.encode()
_TAIL = _HTML_TAIL.encode()


def _stamp(page: Path, state_crc: int) -> bytes | None:
    try:
        info = os.lstat(page)
    except OSError:
        return None
    stat = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_mode)
    return f"{state_crc:08x} {' '.join(map(str, stat))}".encode()


def known(state: Path, page: Path, state_crc: int) -> bool:
    """Whether ``page`` is the listing written for the state whose CRC is ``state_crc``."""
    try:
        noted = (state / STAMP_FILE).read_bytes()
    except OSError:
        return False
    return noted == _stamp(page, state_crc)


def remember(state: Path, tmp: Path, page: Path, state_crc: int) -> None:
    """Note ``page``, just written for the state saved with ``state_crc``."""
    stamp = _stamp(page, state_crc)
    if stamp is None:
        forget(state)
    else:
        write_atomic(state / STAMP_FILE, stamp, tmp_dir=tmp)


def forget(state: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        (state / STAMP_FILE).unlink()


def _name(line: bytes) -> str:
    """The wheel a listing line links (its ``href`` up to the hash, unquoted)."""
    name = line[9 : line.find(b"#sha256=")].decode()  # after '<a href="'
    return urllib.parse.unquote(name) if "%" in name else name


def _where(lines: list[bytes], filename: str) -> int:
    """The first index whose line links a wheel not before ``filename`` (the lines are
    sorted by it): ``bisect_left`` with ``key=_name``, which Python 3.9 lacks."""
    low, high = 0, len(lines)
    while low < high:
        middle = (low + high) // 2
        if _name(lines[middle]) < filename:
            low = middle + 1
        else:
            high = middle
    return low


def splice_known(
    old: bytes,
    replaced: Collection[str],
    entries: list[FileEntry],
    yanks: Mapping[str, Mapping[str, str]],
) -> bytes | None:
    """What :func:`._pages.find_links_page` gives, from a listing :func:`known` says is
    its output for the state as loaded: the lines of ``replaced`` (wheels it lists) out,
    lines for ``entries`` in. ``None`` if a line to remove is not where it must be."""
    if not (old.startswith(_HEAD) and old.endswith(_TAIL)):
        return None
    lines = old[len(_HEAD) : len(old) - len(_TAIL)].split(b"\n")
    if lines.pop() != b"":
        return None
    for filename in replaced:
        at = _where(lines, filename)
        if at == len(lines) or _name(lines[at]) != filename:
            return None
        del lines[at]
    for entry in entries:
        at = _where(lines, entry.filename)
        lines.insert(at, _flat_line(entry, yanks)[:-1].encode())
    lines.append(b"")
    return b"".join([_HEAD, b"\n".join(lines), _TAIL])
