"""A fast reader for plain zip archives: one walk of the central directory.

Publishing reads thousands of small wheels; :mod:`zipfile` spends most of its
time there building objects. This reader answers only for plain archives, and
only when :mod:`zipfile` would give the same answer: anything unusual (a
comment, a prefix, zip64, extra fields, odd flags, encryption, a compression
other than stored or deflate, duplicate, non-ASCII or NUL-containing names, a
size or CRC mismatch, an archive past the expansion bounds) gives ``None``, and
:mod:`zipfile` decides, with its own error messages.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable

#: The zip records the reader understands (APPNOTE 4.3.16, 4.3.12, 4.3.7).
_END = struct.Struct("<4s4H2LH")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_LOCAL = struct.Struct("<4s5H3L2H")
#: Flag bits the reader accepts: deflate options, data descriptor, UTF-8 names.
_PLAIN_FLAGS = 0x0002 | 0x0004 | 0x0008 | 0x0800
_METADATA_SUFFIX = ".dist-info/METADATA"
_FEED = 1 << 16  # compressed bytes fed to zlib at a time
_CHUNK = 1 << 20  # most bytes zlib gives back at a time

_Entry = tuple[int, ...]  # the fields of a central directory record


def _walk(data: bytes) -> tuple[list[tuple[str, _Entry]], int] | None:
    """The central directory's (name, fields) of a plain archive, and where it starts."""
    end = len(data) - _END.size
    if end < 0:
        return None
    magic, disk, cd_disk, _, _, cd_size, cd_offset, comment = _END.unpack_from(data, end)
    if magic != b"PK\x05\x06" or disk or cd_disk or comment or cd_offset + cd_size != end:
        return None
    if data[end - 20 : end - 16] == b"PK\x06\x07":  # a zip64 locator (or what looks like one)
        return None
    entries = []
    pos = cd_offset
    while pos < end:
        if pos + _CENTRAL.size > end:
            return None
        fields = _CENTRAL.unpack_from(data, pos)
        magic, _, needed, *_, name_len, extra_len, comment_len, _, _, _, _ = fields
        start = pos + _CENTRAL.size
        member = data[start : start + name_len]
        pos = start + name_len + extra_len + comment_len
        if magic != b"PK\x01\x02" or needed > 63 or extra_len or not member.isascii():
            return None
        if b"\x00" in member:
            return None
        entries.append((member.decode("ascii"), fields))
    if pos != end:
        return None
    return entries, cd_offset


def _stored_bytes(data: bytes, name: str, fields: _Entry, cd_offset: int) -> memoryview | None:
    """The compressed bytes of one member, after checking its local header."""
    _, _, _, flags, method, _, _, _, size, _, _, _, _, _, _, _, offset = fields
    if flags & ~_PLAIN_FLAGS or method not in (0, 8) or offset + _LOCAL.size > cd_offset:
        return None
    magic, _, local_flags, _, _, _, _, _, _, local_name_len, local_extra_len = _LOCAL.unpack_from(
        data, offset
    )
    start = offset + _LOCAL.size
    if magic != b"PK\x03\x04" or local_flags & ~_PLAIN_FLAGS:
        return None
    if data[start : start + local_name_len] != name.encode("ascii"):
        return None
    start += local_name_len + local_extra_len
    if start + size > cd_offset:
        return None
    return memoryview(data)[start : start + size]


def _expand(
    data: bytes, name: str, fields: _Entry, cd_offset: int, sink: Callable[[bytes], None]
) -> bool:
    """Hand a member's content to ``sink`` in bounded chunks; whether it was whole and
    matched its CRC-32 and size (never more than its declared size is produced)."""
    stored = _stored_bytes(data, name, fields, cd_offset)
    if stored is None:
        return False
    method, crc, usize = fields[4], fields[7], fields[9]
    produced = 0
    check = 0
    if method == 0:
        if len(stored) != usize:
            return False
        for pos in range(0, usize, _CHUNK):
            piece = bytes(stored[pos : pos + _CHUNK])
            check = zlib.crc32(piece, check)
            sink(piece)
        return check == crc
    inflate = zlib.decompressobj(-15)
    if usize < _CHUNK:  # a small member (most are): one call, bounded all the same
        try:
            piece = inflate.decompress(stored, usize + 1)
        except zlib.error:
            return False
        if not inflate.eof or len(piece) != usize or zlib.crc32(piece) != crc:
            return False
        sink(piece)
        return True
    feeds: list[bytes | memoryview] = [
        stored[pos : pos + _FEED] for pos in range(0, len(stored), _FEED)
    ]
    try:
        for pending in [*feeds, b""]:  # the empty feed drains what zlib still holds
            while not inflate.eof:
                piece = inflate.decompress(pending, _CHUNK)
                produced += len(piece)
                if produced > usize:
                    return False
                check = zlib.crc32(piece, check)
                sink(piece)
                pending = inflate.unconsumed_tail
                if not pending and not piece:
                    break
                if not pending and len(piece) < _CHUNK:
                    break
    except zlib.error:
        return False
    return inflate.eof and produced == usize and check == crc


def _within_bounds(
    entries: list[tuple[str, _Entry]], archive_size: int, limits: tuple[int, int, int]
) -> bool:
    most, ratio, ratio_from = limits
    total = 0
    for _, fields in entries:
        size, usize = fields[8], fields[9]
        total += usize
        if usize > ratio_from and usize > ratio * size:
            return False
    return total <= most and not (total > ratio_from and total > ratio * archive_size)


def direct_metadata(
    data: bytes,
    choose: Callable[[list[str]], str | None],
    *,
    check_all: tuple[int, int, int] | None = None,
    every_member: bool = True,
) -> bytes | None:
    """The bytes of the METADATA ``choose`` picks among the ``*.dist-info/METADATA``
    members, or ``None`` (let :mod:`zipfile` decide).

    ``check_all`` (most bytes in all, largest ratio, size past which the ratio
    counts) also checks the expansion bounds and, unless ``every_member`` is false,
    every member's CRC-32 and size.
    """
    walked = _walk(data)
    if walked is None:
        return None
    entries, cd_offset = walked
    candidates = {
        name: fields
        for name, fields in entries
        if name.endswith(_METADATA_SUFFIX) and name.count("/") == 1
    }
    captured: dict[str, list[bytes]] = {}
    if check_all is not None:
        if len({name for name, _ in entries}) != len(entries):
            return None
        if not _within_bounds(entries, len(data), check_all):
            return None
        # names are unique: each METADATA is kept as read
        for name, fields in entries if every_member else ():
            sink = captured.setdefault(name, []).append if name in candidates else _ignore
            if not _expand(data, name, fields, cd_offset, sink):
                return None
    elif len(candidates) != sum(1 for name, _ in entries if name in candidates):
        return None  # the same METADATA twice
    chosen = choose(list(candidates))
    if chosen is None:
        return None
    if chosen in captured:
        return b"".join(captured[chosen])
    pieces: list[bytes] = []
    if not _expand(data, chosen, candidates[chosen], cd_offset, pieces.append):
        return None
    return b"".join(pieces)


def _ignore(piece: bytes) -> None:
    pass
