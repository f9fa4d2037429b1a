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
already made, no copy. It is rebuilt on its second repeat in a new second only: the
first goes out as the headers, the new ``Date`` and the rest of the old copy side by
side (one ``writev``), so an answer asked about once a second (one of thousands of
wheels, say) is never copied for a single use. Those copies are bounded
(``_WHOLE_BYTES`` per worker); a larger answer, or one past the bound, is sent as
headers and the cached body side by side (one ``writev``), the body looked up in the
file cache each time, so a body the cache dropped is never held here.

The guarantees are those of :class:`~wheelmill.serve._app.IndexApp`'s remembered
responses: an entry is only ever made from a response the full path answered (every
check made, the file read through a checked path), and it is only used while the file
at that path has the same (device, inode, size, mtime), so a publish, a replaced file
or a symlink put on the path since sends the request down the full path again. Only
connections without authentication use it (a request's answer then depends on its
bytes alone), and only for ``GET``/``HEAD`` without a body, a range or a condition.

Where the kernel can say what changed (:class:`~wheelmill._platform.net.Changes`,
Linux), the ``stat`` is skipped too. On an entry's first repeat (a request asked only
once costs nothing more), its file, every directory from it up to the wheelhouse (for
any change in them) and every directory above that up to ``/`` (for names coming and
going) are watched, then the ``stat`` is made: if it still gives the stamp, the entry
is *trusted*. Each repeat then asks the kernel only whether any event is pending (one
``ioctl``): none, and nothing on the file's path has changed since, so the answer
holds. Any event, whatever it is, ends every entry's trust, and each is checked again
by ``stat`` when next asked. A path with a symbolic link on it is never trusted (a
change where the link leads need not be on the watched path): such entries ``stat``
every time.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Union

from .._platform import net as _platform_net
from ._app import Response, Stamp, _FileCache
from ._http import Request, date_and_server

_ENTRIES = 4096  # remembered heads per worker ...
_HEAD = 2048  # ... of at most this many bytes each
_WHOLE = 64 * 1024  # bodies up to this size are kept with their headers, as sent ...
_WHOLE_BYTES = 32 * 1024 * 1024  # ... up to this many bytes of such copies per worker

#: What a repeat sends: one ``bytes`` to ``write``, or headers and body to ``writelines``.
Out = Union[bytes, tuple[Union[bytes, memoryview], ...]]  # 3.9 evaluates it: no ``|``


class Replay:
    """One remembered answer; ``wire`` is it whole as sent this second (``date``), or empty."""

    __slots__ = (
        *("body", "date", "head", "linkless", "log", "path", "seen", "stamp", "trust", "wire"),
    )

    def __init__(self, path: str, stamp: Stamp, head: bytes, body: bool, log: str) -> None:
        self.path = path
        self.stamp = stamp
        self.head = head  # status line and headers, Content-Length last; Date, Server follow
        self.body = body  # GET: the file's bytes follow; HEAD: nothing does
        self.log = log  # the access log line after its time stamp
        self.date = b""  # the Date and Server lines in ``wire``
        self.seen = b""  # the Date of the last repeat sent without ``wire`` rebuilt
        self.wire = b""
        self.trust = -1  # the watch generation it was last checked in (-1: never)
        self.linkless: bool | None = None  # no symbolic link on ``path`` (None: not known)


class Replays:
    """Raw request heads (with their blank line) → the plain ``200`` each was answered with."""

    def __init__(self, cache: _FileCache, root: Path | None = None) -> None:
        """``root``: the wheelhouse, to watch for changes (where the kernel can)."""
        self.cache = cache
        self._items: dict[bytes, Replay] = {}
        self.whole = 0  # bytes held in the entries' ``wire``
        self.root = None if root is None else str(root)
        self.changes = None if root is None else _platform_net.Changes.open()
        self.generation = 0  # one more after each batch of events
        self._watched: set[str] = set()  # watched since the last event

    def close(self) -> None:
        if self.changes is not None:
            self.changes.close()
            self.changes = None

    def _watch(self, path: str) -> bool:
        """Watch ``path`` (a file in the wheelhouse, no symbolic link on its way) and
        the directories above it; ``False`` if any of them cannot be."""
        changes, watched, root = self.changes, self._watched, self.root
        if changes is None or root is None:
            return False
        if path in watched:
            return True
        if not changes.watch(path, directory=False):
            return False
        folder = os.path.dirname(path)
        while folder not in watched:
            inside = folder == root or folder.startswith(root + os.sep)
            if not changes.watch(folder, directory=True, contents=inside):
                return False
            watched.add(folder)
            parent = os.path.dirname(folder)
            if parent == folder:
                break
            folder = parent
        watched.add(path)
        return True

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

    def _check(self, replay: Replay) -> bool:
        """Whether ``replay``'s file is still the one answered: watched first, when it can
        be, then one ``stat``; trusted until the next event if both hold."""
        watched = False
        if self.changes is not None:  # its path is looked at once, on the first repeat
            if replay.linkless is None:
                replay.linkless = _platform_net.real_path(replay.path) == replay.path
            watched = replay.linkless and self._watch(replay.path)
        try:
            info = os.stat(replay.path)
        except OSError:
            return False
        if (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns) != replay.stamp:
            return False
        if watched:
            replay.trust = self.generation
        return True

    def answer(self, raw: bytes) -> tuple[Out, Replay] | None:
        """What to send for ``raw`` and its entry, or ``None``: take the full path."""
        replay = self._items.get(raw)
        if replay is None:
            return None
        changes = self.changes
        if changes is not None and changes.pending():  # something changed: trust no entry
            changes.drain()
            self.generation += 1
            self._watched.clear()  # what was replaced is watched again on the next check
        if replay.trust != self.generation and not self._check(replay):
            return None
        date = date_and_server()
        wire = replay.wire
        if wire:
            if replay.date is not date:  # a new second: the same bytes, another Date
                rest = memoryview(wire)[len(replay.head) + len(replay.date) :]  # CRLF, body
                if replay.seen is not date:  # its first repeat this second: sent as is
                    replay.seen = date
                    return (replay.head, date, rest), replay
                replay.wire = wire = b"".join((replay.head, date, rest))
                replay.date = date
            return wire, replay
        head = b"".join((replay.head, date, b"\r\n"))
        if not replay.body:
            return head, replay
        cached = self.cache.peek(replay.path, replay.stamp)
        if cached is None:
            return None
        return (head, cached), replay
