"""The framing of publish's cache files: a line ``MAGIC FORMAT CRC32`` over the body.

A file whose first line names another kind or format, or whose body does not have
the CRC the line gives (cut short, edited, a foreign file), is not read: the caller
rebuilds what it cached.
"""

from __future__ import annotations

import zlib

__all__ = ["frame", "unframe"]


def frame(magic: str, version: str, body: bytes, crc: int | None = None) -> bytes:
    """``body`` under its header line (``crc``: the body's, when the caller has it)."""
    crc = zlib.crc32(body) if crc is None else crc
    return f"{magic} {version} {crc:08x}\n".encode() + body


def unframe(data: bytes, magic: str, version: str) -> tuple[bytes, int] | None:
    """The body of ``data`` and its CRC, or ``None`` when the header or CRC is not
    what :func:`frame` wrote for ``magic`` and ``version``."""
    header, _, body = data.partition(b"\n")
    try:
        found_magic, found_version, text = header.decode("ascii").split()
        crc = int(text, 16)
    except ValueError:
        return None
    if (found_magic, found_version, crc) != (magic, version, zlib.crc32(body)):
        return None
    return body, crc
