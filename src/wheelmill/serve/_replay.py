"""Answering a repeated request from its raw bytes, without parsing it again.

A client on a keep-alive connection sends the same head, byte for byte, each time it
asks for the same thing (pip and uv send the same ``Accept``, ``User-Agent`` and so on
with every request). :class:`Replays` remembers, per raw request head, the plain
``200`` it was answered with: the file it came from and that file's stamp, the encoded
status line and headers, and the access log line's text after its time stamp (for
keep-alive requests only: the others are the last on their connection). When the same
bytes come again (one whole head, nothing else, nothing before), the answer costs a
dictionary look-up and one ``stat``.

The guarantees are those of :class:`~wheelmill.serve._app.IndexApp`'s remembered
responses: an entry is only ever made from a response the full path answered (every
check made, the file read through a checked path), and it is only used while the file
at that path has the same (device, inode, size, mtime), so a publish, a replaced file
or a symlink put on the path since sends the request down the full path again. Only
connections without authentication use it (a request's answer then depends on its
bytes alone), and only for ``GET``/``HEAD`` without a body, a range or a condition.
"""

from __future__ import annotations

import os
from typing import NamedTuple

from ._app import Response, Stamp, _FileCache
from ._http import Request, date_and_server

_ENTRIES = 4096  # remembered heads per worker ...
_HEAD = 2048  # ... of at most this many bytes each


class Replay(NamedTuple):
    path: str
    stamp: Stamp
    head: bytes  # status line and headers, Content-Length last; Date, Server to follow
    body: bool  # GET: the file's bytes follow; HEAD: nothing does
    log: str  # the access log line after its time stamp


class Replays:
    """Raw request heads (with their blank line) → the plain ``200`` each was answered with."""

    def __init__(self, cache: _FileCache) -> None:
        self.cache = cache
        self._items: dict[bytes, Replay] = {}

    def remember(self, raw: bytes, request: Request, response: Response, log: str) -> None:
        """Keep ``response`` to the keep-alive request ``raw`` if it may be replayed (see
        the module's notes); ``log``: its access log line after the time stamp."""
        source = response.source
        if (
            source is None
            or not response.head
            or response.status != 200
            or response.file is not None
            or request.method not in ("GET", "HEAD")
            or len(raw) > _HEAD
        ):
            return
        items = self._items
        if len(items) >= _ENTRIES and raw not in items:
            del items[next(iter(items))]  # the oldest
        body = request.method == "GET"
        items[raw] = Replay(source[0], source[1], response.head, body, log)

    def answer(self, raw: bytes) -> tuple[bytes, Replay] | None:
        """The bytes to send for ``raw`` and its entry, or ``None``: take the full path."""
        replay = self._items.get(raw)
        if replay is None:
            return None
        try:
            info = os.stat(replay.path)
        except OSError:
            return None
        if (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns) != replay.stamp:
            return None
        body = self.cache.peek(replay.path, replay.stamp) if replay.body else b""
        if body is None:
            return None
        return b"".join((replay.head, date_and_server(), b"\r\n", body)), replay
