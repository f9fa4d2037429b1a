"""Answering a repeated request from its raw bytes, without parsing it again.

A client on a keep-alive connection sends the same head, byte for byte, each time it
asks for the same thing (pip and uv send the same ``Accept``, ``User-Agent`` and so on
with every request). :class:`Replays` remembers, per raw request head, the plain
``200`` it was answered with: the file it came from and that file's stamp, the encoded
status line and headers, and the access log line's text after its time stamp (for
keep-alive requests only: the others are the last on their connection). When the same
bytes come again (one whole head, nothing else, nothing before), the answer costs a
dictionary look-up and one ``stat``.

A small answer (a page, a ``.metadata`` file, a small wheel: up to ``_WHOLE`` bytes of
body) is also kept whole, as the bytes sent: headers, this second's ``Date`` and the
body in one ``bytes``, rebuilt once a second, so a repeat is one ``write`` of bytes
already made, no copy. Those copies are bounded (``_WHOLE_BYTES`` per worker); a larger
answer, or one past the bound, is sent as headers and the cached body side by side
(one ``writev``), the body looked up in the file cache each time, so a body the cache
dropped is never held here.

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
from typing import Union

from ._app import Response, Stamp, _FileCache
from ._http import Request, date_and_server

_ENTRIES = 4096  # remembered heads per worker ...
_HEAD = 2048  # ... of at most this many bytes each
_WHOLE = 64 * 1024  # bodies up to this size are kept with their headers, as sent ...
_WHOLE_BYTES = 32 * 1024 * 1024  # ... up to this many bytes of such copies per worker

#: What a repeat sends: one ``bytes`` to ``write``, or headers and body to ``writelines``.
Out = Union[bytes, tuple[bytes, bytes]]  # not ``|``: the alias is evaluated on 3.9 too


class Replay:
    """One remembered answer; ``wire`` is it whole as sent this second (``date``), or empty."""

    __slots__ = ("body", "date", "head", "log", "path", "stamp", "wire")

    def __init__(self, path: str, stamp: Stamp, head: bytes, body: bool, log: str) -> None:
        self.path = path
        self.stamp = stamp
        self.head = head  # status line and headers, Content-Length last; Date, Server follow
        self.body = body  # GET: the file's bytes follow; HEAD: nothing does
        self.log = log  # the access log line after its time stamp
        self.date = b""  # the Date and Server lines in ``wire``
        self.wire = b""


class Replays:
    """Raw request heads (with their blank line) → the plain ``200`` each was answered with."""

    def __init__(self, cache: _FileCache) -> None:
        self.cache = cache
        self._items: dict[bytes, Replay] = {}
        self.whole = 0  # bytes held in the entries' ``wire``

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
        old = items.pop(raw, None)
        if old is not None:
            self.whole -= len(old.wire)
        elif len(items) >= _ENTRIES:
            self.whole -= len(items.pop(next(iter(items))).wire)  # the oldest
        get = request.method == "GET"
        replay = Replay(source[0], source[1], response.head, get, log)
        body = response.body if get else b""
        if len(body) <= _WHOLE and self.whole + len(body) + 512 <= _WHOLE_BYTES:
            replay.date = date_and_server()
            replay.wire = b"".join((response.head, replay.date, b"\r\n", body))
            self.whole += len(replay.wire)
        items[raw] = replay

    def answer(self, raw: bytes) -> tuple[Out, Replay] | None:
        """What to send for ``raw`` and its entry, or ``None``: take the full path."""
        replay = self._items.get(raw)
        if replay is None:
            return None
        try:
            info = os.stat(replay.path)
        except OSError:
            return None
        if (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns) != replay.stamp:
            return None
        date = date_and_server()
        wire = replay.wire
        if wire:
            if replay.date is not date:  # a new second: the same bytes, another Date
                start = len(replay.head) + len(replay.date) + 2  # where the body starts
                replay.wire = wire = b"".join(
                    (replay.head, date, b"\r\n", memoryview(wire)[start:])
                )
                replay.date = date
            return wire, replay
        head = b"".join((replay.head, date, b"\r\n"))
        if not replay.body:
            return head, replay
        cached = self.cache.peek(replay.path, replay.stamp)
        if cached is None:
            return None
        return (head, cached), replay
