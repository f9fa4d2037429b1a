"""What :mod:`wheelmill.serve.server` answers: a request in, a response out, files read from disk.

Every request path is decoded, checked segment by segment (no ``..``, no hidden
names, no backslash or NUL) and then resolved and checked again to lie inside
``simple/`` or ``wheels/``, so no symlink leads outside.

Two caches keep this off the hot path, both revalidated with one ``stat`` per
request, so a publish shows at once:

* :class:`_FileCache` holds small files' bytes, by path, with the file's stamp
  ``(device, inode, size, mtime)``;
* :class:`_Hits` remembers, per ``(target, Accept)``, which file a plain ``200``
  was read from, its stamp, and its encoded status line and headers.

A repeated request only stats that file. Bytes are only ever sent after being read
through a checked path: if the stamp still matches, the file is the same, unchanged,
and so are the bytes. A changed or replaced file, or a symlink put on the path since
(it leads to another file), changes the stamp or makes the ``stat`` fail, and the
request takes the full path again, checks included.
"""

from __future__ import annotations

import email.utils
import os
import stat
import urllib.parse
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import timezone
from pathlib import Path
from typing import NamedTuple

from packaging.utils import canonicalize_name

from .._exceptions import WheelhouseError
from .._platform import net as _platform_net
from ..index._pages import JSON_TYPE
from ._http import (
    REASONS,
    Request,
    Unsatisfiable,
    http_date,
    negotiate,
    parse_range,
    split_target,
)

_CACHE_LIMIT = 4 * 1024 * 1024  # files up to this size are kept in memory
_CACHE_BYTES = 256 * 1024 * 1024
_HITS = 4096  # remembered (target, Accept) pairs ...
_HIT_KEY = 2048  # ... of at most this many characters together
_TYPES = {
    ".whl": "application/octet-stream",
    ".metadata": "text/plain; charset=utf-8",
    ".json": JSON_TYPE,
    ".html": "text/html; charset=utf-8",
}
#: Wheels (and their ``.metadata``) never change under their name: caches keep them a
#: year without asking again. Pages change on every publish: a minute.
IMMUTABLE = "public, max-age=31536000, immutable"
PAGE = "max-age=60"
#: Request headers that make a response differ from the plain ``200``.
_CONDITIONS = frozenset(("range", "if-none-match", "if-modified-since"))

Stamp = tuple[int, int, int, int]  # device, inode, size, mtime_ns


def _stamp(info: os.stat_result) -> Stamp:
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""
    file: str | None = None  # a large file to stream instead of ``body``
    offset: int = 0
    count: int = 0
    head: bytes = field(default=b"", repr=False)  # status line and headers, when known
    source: tuple[str, Stamp] | None = field(default=None, repr=False)  # the file sent


def head_bytes(response: Response, length: int) -> bytes:
    """The status line and headers, ``Content-Length`` last (no blank line yet)."""
    if response.head:
        return response.head
    lines = [f"HTTP/1.1 {response.status} {REASONS[response.status]}"]
    lines += [f"{name}: {value}" for name, value in response.headers]
    if response.status != 304:  # a 304 has no body, and must not claim an empty one
        lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n").encode("latin-1")


class _Cached(NamedTuple):
    stamp: Stamp
    body: bytes


class _FileCache:
    """Small files by path, revalidated against their stamp on each use."""

    def __init__(self) -> None:
        self._items: OrderedDict[str, _Cached] = OrderedDict()
        self._bytes = 0

    def peek(self, path: str, stamp: Stamp) -> bytes | None:
        item = self._items.get(path)
        if item is None or item.stamp != stamp:
            return None
        self._items.move_to_end(path)
        return item.body

    def get(self, path: str, stamp: Stamp) -> bytes:
        body = self.peek(path, stamp)
        if body is None:
            body = _read(path, stamp[2])
            self._put(path, _Cached(stamp, body))
        return body

    def _put(self, path: str, item: _Cached) -> None:
        old = self._items.pop(path, None)
        if old is not None:
            self._bytes -= len(old.body)
        self._items[path] = item
        self._bytes += len(item.body)
        while self._bytes > _CACHE_BYTES and self._items:
            _, dropped = self._items.popitem(last=False)
            self._bytes -= len(dropped.body)


def _read(path: str, size: int) -> bytes:
    """The ``size`` bytes of the file at ``path`` (its size when stamped): exactly those, so
    the body matches the ``Content-Length`` sent; fewer (it shrank since) is an ``OSError``.

    ``os.open``/``os.read`` make three system calls where ``open().read()`` makes seven
    (``fstat`` and ``ioctl`` for the buffer, ``lseek``, a ``read`` to find the end)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
    try:
        pieces = []
        left = size
        while left > 0:
            piece = os.read(fd, left)
            if not piece:
                raise OSError(f"{path}: shorter than its size when it was looked at")
            pieces.append(piece)
            left -= len(piece)
    finally:
        os.close(fd)
    return pieces[0] if len(pieces) == 1 else b"".join(pieces)  # one, or none (empty)


class _Hit(NamedTuple):
    path: str
    stamp: Stamp
    head: bytes


class _Hits:
    """``(target, Accept)`` → the file behind a plain ``200``, its stamp and encoded head."""

    def __init__(self) -> None:
        self._items: dict[tuple[str, str | None], _Hit] = {}

    def get(self, key: tuple[str, str | None]) -> _Hit | None:
        return self._items.get(key)

    def put(self, key: tuple[str, str | None], hit: _Hit) -> None:
        if len(key[0]) + len(key[1] or "") > _HIT_KEY:
            return  # nothing a real client repeats; memory stays bounded
        if len(self._items) >= _HITS and key not in self._items:
            del self._items[next(iter(self._items))]  # the oldest
        self._items[key] = hit


class IndexApp:
    """Maps requests to responses over one wheelhouse; no I/O besides reading files."""

    def __init__(self, wheelhouse: Path) -> None:
        self.root = wheelhouse.resolve()
        self.trees = {
            "simple": self.root / "simple",
            "wheels": self.root / "wheels",
            "status": self.root / "status",
        }
        self.dirs = {name: str(path) for name, path in self.trees.items()}
        self.real = {name: os.path.realpath(path) for name, path in self.trees.items()}
        self.cache = _FileCache()
        self.hits = _Hits()

    def body_limit(self, request: Request) -> int:
        """No request body is read: the index is read-only (see ``_gate`` for uploads)."""
        return 0

    def upload(self, request: Request, body: bytes) -> Response:
        return error(405, [("Allow", "GET, HEAD")])

    def respond(self, request: Request) -> Response:
        key = (request.target, request.headers.get("accept"))
        plain = request.method in ("GET", "HEAD") and request.headers.keys().isdisjoint(_CONDITIONS)
        hit = self.hits.get(key) if plain else None
        if hit is not None:
            response = self._again(hit)
            if response is not None:
                return response
        response = self._respond(request)
        if plain and response.status == 200 and response.source is not None:
            response.head = head_bytes(response, len(response.body))
            self.hits.put(key, _Hit(*response.source, response.head))
        return response

    def _again(self, hit: _Hit) -> Response | None:
        """The response ``hit`` remembers, if its file is still the one it was."""
        try:
            info = os.stat(hit.path)
        except OSError:
            return None
        stamp = _stamp(info)
        if stamp != hit.stamp:
            return None
        body = self.cache.peek(hit.path, stamp)
        if body is None:
            return None
        return Response(200, [], body, head=hit.head, source=(hit.path, stamp))

    def _inside(self, tree: str, path: str) -> bool:
        real = _platform_net.real_path(path)
        base = self.real[tree]
        return real is not None and (real == base or real.startswith(base + os.sep))

    def _respond(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return error(405, [("Allow", "GET, HEAD")])
        parsed = split_target(request.target)
        if parsed is None:
            return error(404)
        segments, query, trailing = parsed
        raw_query = request.target.partition("?")[2]
        if not segments:
            return _redirect("/simple/", raw_query)
        if segments == ["health"] and not trailing:
            return self._health()
        tree = segments[0]
        if tree not in self.trees:
            return error(404)
        if tree == "simple" and len(segments) == 2:
            wanted = canonicalize_name(segments[1])
            if wanted != segments[1]:
                return _redirect(f"/simple/{wanted}/", raw_query)
        path = os.path.join(self.dirs[tree], *segments[1:])
        if not self._inside(tree, path):
            return error(404)
        try:
            info = os.stat(path)
        except OSError:
            return error(404)
        if stat.S_ISDIR(info.st_mode):
            if tree != "simple" and len(segments) > 1:
                return error(404)
            if not trailing:
                return _redirect("/" + "/".join(segments) + "/", raw_query)
            if tree != "simple":  # the status page, the find-links listing: plain HTML
                path = os.path.join(path, "index.html")
                try:
                    info = os.stat(path)
                except OSError:
                    return error(404)
                if not stat.S_ISREG(info.st_mode) or not self._inside(tree, path):
                    return error(404)
                return self._file(request, path, info, _TYPES[".html"], vary=False, ranges=False)
            choice = negotiate(request.headers.get("accept"), query.get("format"))
            if choice is None:
                return error(406)
            kind, page_type = choice
            path = os.path.join(path, f"index.{kind}")
            try:
                info = os.stat(path)
            except OSError:
                return error(404)
            if not stat.S_ISREG(info.st_mode) or not self._inside(tree, path):
                return error(404)
            return self._file(request, path, info, page_type, vary=True, ranges=False)
        if trailing or not stat.S_ISREG(info.st_mode):
            return error(404)
        suffix = ".metadata" if path.endswith(".metadata") else os.path.splitext(path)[1]
        content_type = _TYPES.get(suffix, "application/octet-stream")
        return self._file(
            request, path, info, content_type, vary=False, ranges=True, immutable=tree == "wheels"
        )

    def _health(self) -> Response:
        """``/health``: 200 while the index is published here, else 503; never cached."""
        ok = os.path.isfile(os.path.join(self.trees["simple"], "index.json"))
        body = b'{"status":"ok"}\n' if ok else b'{"status":"no index"}\n'
        headers = [("Content-Type", "application/json"), ("Cache-Control", "no-store")]
        return Response(200 if ok else 503, headers, body)

    def _file(
        self,
        request: Request,
        path: str,
        info: os.stat_result,
        content_type: str,
        *,
        vary: bool,
        ranges: bool,
        immutable: bool = False,
    ) -> Response:
        etag = f'"{info.st_size:x}-{info.st_mtime_ns:x}"'
        if vary:
            etag = etag[:-1] + "-" + content_type.split(";")[0].rsplit("+", 1)[-1] + '"'
        headers = [
            ("Content-Type", content_type),
            ("ETag", etag),
            ("Last-Modified", http_date(info.st_mtime)),
            ("Cache-Control", IMMUTABLE if immutable else PAGE),
        ]
        if vary:
            headers.append(("Vary", "Accept"))
        if ranges:
            headers.append(("Accept-Ranges", "bytes"))
        if _not_modified(request, etag, info.st_mtime):
            return Response(304, headers)
        size = info.st_size
        start, end = 0, size - 1
        status = 200
        if ranges and "range" in request.headers and size > 0:
            try:
                wanted = parse_range(request.headers["range"], size)
            except Unsatisfiable:
                return error(416, [("Content-Range", f"bytes */{size}")])
            if wanted is not None:
                start, end = wanted
                status = 206
                headers.append(("Content-Range", f"bytes {start}-{end}/{size}"))
        if size > _CACHE_LIMIT:
            return Response(status, headers, file=path, offset=start, count=end - start + 1)
        stamp = _stamp(info)
        try:
            body = self.cache.get(path, stamp)
        except OSError:
            return error(404)
        if status == 206:
            return Response(status, headers, body[start : end + 1])
        return Response(status, headers, body, source=(path, stamp))


def check_wheelhouse(wheelhouse: Path) -> None:
    if not (wheelhouse / "simple" / "index.html").is_file():
        raise WheelhouseError(
            f"{wheelhouse}: no published index; run `wheelmill publish --wheelhouse {wheelhouse}`"
        )


def _etags(header: str) -> set[str]:
    return {part.strip().removeprefix("W/") for part in header.split(",") if part.strip()}


def _not_modified(request: Request, etag: str, mtime: float) -> bool:
    """RFC 9110 §13.1.2-3: If-None-Match decides when present, else If-Modified-Since."""
    if "if-none-match" in request.headers:
        tags = _etags(request.headers["if-none-match"])
        return "*" in tags or etag in tags
    since = request.headers.get("if-modified-since")
    if not since:
        return False
    try:
        stamp = email.utils.parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=timezone.utc)
    return int(mtime) <= stamp.timestamp()


def error(status: int, headers: list[tuple[str, str]] | None = None) -> Response:
    body = f"{status} {REASONS[status]}\n".encode()
    return Response(status, [("Content-Type", "text/plain; charset=utf-8"), *(headers or [])], body)


def _redirect(location: str, query: str = "") -> Response:
    location = urllib.parse.quote(location) + (f"?{query}" if query else "")
    return Response(301, [("Location", location), ("Content-Type", "text/plain")], b"")
