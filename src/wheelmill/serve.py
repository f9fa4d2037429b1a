"""A read-only HTTP server over a published wheelhouse.

It serves exactly two trees, ``/simple/`` (the index) and ``/wheels/`` (the
files), and nothing else: every request path is decoded, checked segment by
segment (no ``..``, no hidden names, no backslash or NUL) and then resolved and
checked again to lie inside one of those trees, so neither ``/simple/../../etc/passwd``
nor ``%2e%2e`` nor a symlink can reach outside.

Index pages are content-negotiated on ``Accept`` (PEP 691): JSON for
``application/vnd.pypi.simple.v1+json``, HTML for ``…v1+html`` and ``text/html``,
406 otherwise; ``?format=`` takes precedence. Responses carry ``ETag``,
``Last-Modified`` and ``Vary: Accept``, answer conditional requests with 304,
``HEAD`` without a body, and single byte ranges on files with 206.

The server is asyncio-based, keeps connections alive, caches small files in
memory (revalidated by ``stat`` on every request, so a publish shows at once),
and can pre-fork workers that share one listening socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import os
import signal
import socket
import stat
import threading
import urllib.parse
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timezone
from pathlib import Path

from packaging.utils import canonicalize_name

from ._exceptions import ServeError, WheelhouseError
from ._http import (
    MAX_HEAD,
    REASONS,
    Request,
    Unsatisfiable,
    negotiate,
    parse_head,
    parse_range,
    split_target,
)
from .index import JSON_TYPE

_CACHE_LIMIT = 4 * 1024 * 1024  # files up to this size are kept in memory
_CACHE_BYTES = 256 * 1024 * 1024
_TYPES = {
    ".whl": "application/octet-stream",
    ".metadata": "text/plain; charset=utf-8",
    ".json": JSON_TYPE,
    ".html": "text/html; charset=utf-8",
}


@dataclass(frozen=True)
class _Cached:
    stamp: tuple[int, int, int]
    body: bytes
    etag: str
    modified: str


class _FileCache:
    """Small files by path, revalidated against ``(inode, size, mtime)`` on each use."""

    def __init__(self) -> None:
        self._items: OrderedDict[str, _Cached] = OrderedDict()
        self._bytes = 0

    def get(self, path: str, stat: os.stat_result) -> _Cached:
        stamp = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
        item = self._items.get(path)
        if item is not None and item.stamp == stamp:
            self._items.move_to_end(path)
            return item
        with open(path, "rb") as stream:
            body = stream.read()
        item = _Cached(
            stamp=stamp,
            body=body,
            etag=f'"{stat.st_size:x}-{stat.st_mtime_ns:x}"',
            modified=email.utils.formatdate(stat.st_mtime, usegmt=True),
        )
        self._put(path, item)
        return item

    def _put(self, path: str, item: _Cached) -> None:
        old = self._items.pop(path, None)
        if old is not None:
            self._bytes -= len(old.body)
        self._items[path] = item
        self._bytes += len(item.body)
        while self._bytes > _CACHE_BYTES and self._items:
            _, dropped = self._items.popitem(last=False)
            self._bytes -= len(dropped.body)


@dataclass
class _Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""
    file: str | None = None  # a large file to stream instead of ``body``
    offset: int = 0
    count: int = 0


class IndexApp:
    """Maps requests to responses over one wheelhouse; no I/O besides reading files."""

    def __init__(self, wheelhouse: Path) -> None:
        self.root = wheelhouse.resolve()
        self.trees = {"simple": self.root / "simple", "wheels": self.root / "wheels"}
        self.real = {name: os.path.realpath(path) for name, path in self.trees.items()}
        self.cache = _FileCache()

    def _inside(self, tree: str, path: Path) -> bool:
        real = os.path.realpath(path)
        base = self.real[tree]
        return real == base or real.startswith(base + os.sep)

    def respond(self, request: Request) -> _Response:
        if request.method not in ("GET", "HEAD"):
            return _error(405, [("Allow", "GET, HEAD")])
        parsed = split_target(request.target)
        if parsed is None:
            return _error(404)
        segments, query, trailing = parsed
        raw_query = request.target.partition("?")[2]
        if not segments:
            return _redirect("/simple/", raw_query)
        tree = segments[0]
        if tree not in self.trees:
            return _error(404)
        if tree == "simple" and len(segments) == 2:
            wanted = canonicalize_name(segments[1])
            if wanted != segments[1]:
                return _redirect(f"/simple/{wanted}/", raw_query)
        path = self.trees[tree].joinpath(*segments[1:])
        if not self._inside(tree, path):
            return _error(404)
        try:
            info = path.stat()
        except OSError:
            return _error(404)
        if stat.S_ISDIR(info.st_mode):
            if tree != "simple":
                return _error(404)
            if not trailing:
                return _redirect("/" + "/".join(segments) + "/", raw_query)
            choice = negotiate(request.headers.get("accept"), query.get("format"))
            if choice is None:
                return _error(406)
            kind, page_type = choice
            path = path / f"index.{kind}"
            try:
                info = path.stat()
            except OSError:
                return _error(404)
            return self._file(request, path, info, page_type, vary=True, ranges=False)
        if trailing or not stat.S_ISREG(info.st_mode):
            return _error(404)
        suffix = ".metadata" if path.name.endswith(".metadata") else path.suffix
        content_type = _TYPES.get(suffix, "application/octet-stream")
        return self._file(request, path, info, content_type, vary=False, ranges=True)

    def _file(
        self,
        request: Request,
        path: Path,
        info: os.stat_result,
        content_type: str,
        *,
        vary: bool,
        ranges: bool,
    ) -> _Response:
        etag = f'"{info.st_size:x}-{info.st_mtime_ns:x}"'
        if vary:
            etag = etag[:-1] + "-" + content_type.split(";")[0].rsplit("+", 1)[-1] + '"'
        headers = [
            ("Content-Type", content_type),
            ("ETag", etag),
            ("Last-Modified", email.utils.formatdate(info.st_mtime, usegmt=True)),
            ("Cache-Control", "max-age=60"),
        ]
        if vary:
            headers.append(("Vary", "Accept"))
        if ranges:
            headers.append(("Accept-Ranges", "bytes"))
        if _not_modified(request, etag, info.st_mtime):
            return _Response(304, headers)
        size = info.st_size
        start, end = 0, size - 1
        status = 200
        if ranges and "range" in request.headers and size > 0:
            try:
                wanted = parse_range(request.headers["range"], size)
            except Unsatisfiable:
                return _error(416, [("Content-Range", f"bytes */{size}")])
            if wanted is not None:
                start, end = wanted
                status = 206
                headers.append(("Content-Range", f"bytes {start}-{end}/{size}"))
        if size <= _CACHE_LIMIT:
            try:
                body = self.cache.get(str(path), info).body
            except OSError:
                return _error(404)
            return _Response(status, headers, body[start : end + 1] if size else b"")
        return _Response(status, headers, file=str(path), offset=start, count=end - start + 1)


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


def _error(status: int, headers: list[tuple[str, str]] | None = None) -> _Response:
    body = f"{status} {REASONS[status]}\n".encode()
    return _Response(
        status, [("Content-Type", "text/plain; charset=utf-8"), *(headers or [])], body
    )


def _redirect(location: str, query: str = "") -> _Response:
    location = urllib.parse.quote(location) + (f"?{query}" if query else "")
    return _Response(301, [("Location", location), ("Content-Type", "text/plain")], b"")


def _head_bytes(response: _Response, length: int, keep_alive: bool) -> bytes:
    lines = [f"HTTP/1.1 {response.status} {REASONS[response.status]}"]
    lines += [f"{name}: {value}" for name, value in response.headers]
    if response.status != 304:  # a 304 has no body, and must not claim an empty one
        lines.append(f"Content-Length: {length}")
    lines.append(f"Date: {email.utils.formatdate(usegmt=True)}")
    lines.append("Server: wheelmill")
    if not keep_alive:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class _Connection(asyncio.Protocol):
    def __init__(self, app: IndexApp, live: set[_Connection]) -> None:
        self.app = app
        self.live = live
        self.buffer = b""
        self.transport: asyncio.Transport | None = None
        self.busy = False
        self.discard = 0  # bytes of a request body still to skip
        self.task: asyncio.Task[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.live.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.live.discard(self)
        if self.task is not None:
            self.task.cancel()

    def abort(self) -> None:
        """Drop the connection at once (server shutdown)."""
        if self.task is not None:
            self.task.cancel()
        if self.transport is not None:
            self.transport.abort()

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.busy:
            self._process()

    def _process(self) -> None:
        transport = self.transport
        while transport is not None and not transport.is_closing():
            if self.discard:
                skipped = min(self.discard, len(self.buffer))
                self.buffer, self.discard = self.buffer[skipped:], self.discard - skipped
                if self.discard:
                    return
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > MAX_HEAD:
                    self._send(_error(431), b"", keep_alive=False)
                return
            head, self.buffer = self.buffer[:end], self.buffer[end + 4 :]
            request = parse_head(head)
            body_length = _body_length(request)
            if request is None or body_length is None:
                self._send(_error(400), _error(400).body, keep_alive=False)
                return
            try:
                response = self.app.respond(request)
            except Exception:  # never let one request take the worker down
                response = _error(500)
            # a request body (no GET needs one) is skipped; a chunked one ends the connection
            self.discard = body_length
            keep = request.keep_alive and "transfer-encoding" not in request.headers
            if response.file is not None:
                transport.write(_head_bytes(response, response.count, keep))
                if request.method == "HEAD":
                    if not keep:
                        transport.close()
                    continue
                self.busy = True
                self.task = asyncio.ensure_future(self._stream(response, keep))
                return
            body = b"" if request.method == "HEAD" else response.body
            self._send(response, body, keep_alive=keep, length=len(response.body))
            if not keep:
                return

    def _send(
        self, response: _Response, body: bytes, *, keep_alive: bool, length: int | None = None
    ) -> None:
        assert self.transport is not None
        self.transport.write(
            _head_bytes(response, len(body) if length is None else length, keep_alive) + body
        )
        if not keep_alive:
            self.transport.close()

    async def _stream(self, response: _Response, keep_alive: bool) -> None:
        assert self.transport is not None and response.file is not None
        loop = asyncio.get_running_loop()
        try:
            with open(response.file, "rb") as stream:
                await loop.sendfile(self.transport, stream, response.offset, response.count)
        except (OSError, RuntimeError):
            self.transport.close()
            return
        finally:
            self.task = None
        self.busy = False
        if not keep_alive:
            self.transport.close()
        elif self.buffer:
            self._process()


def _body_length(request: Request | None) -> int | None:
    """The length of the request's body (0 if none); ``None`` if it cannot be known."""
    if request is None:
        return None
    value = request.headers.get("content-length", "0").strip()
    return int(value) if value.isascii() and value.isdigit() else None


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise WheelhouseError(
            f"cannot listen on {host}:{port} ({exc.strerror}); choose another --port"
        ) from None
    sock.listen(1024)
    sock.setblocking(False)
    return sock


async def _serve_socket(app: IndexApp, sock: socket.socket, stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    live: set[_Connection] = set()
    server = await loop.create_server(lambda: _Connection(app, live), sock=sock)
    try:
        await stop.wait()
    finally:
        server.close()
        # idle keep-alive connections would hold the server open (and leak their sockets)
        streams = [c.task for c in live if c.task is not None]
        for connection in list(live):
            connection.abort()
        await asyncio.gather(*streams, return_exceptions=True)
        await asyncio.sleep(0)  # let the transports' close callbacks run
        await server.wait_closed()


def _run_worker(app: IndexApp, sock: socket.socket) -> None:
    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await _serve_socket(app, sock, stop)

    asyncio.run(main())


def _index_url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}/simple/" if ":" in host else f"http://{host}:{port}/simple/"


def check_wheelhouse(wheelhouse: Path) -> None:
    if not (wheelhouse / "simple" / "index.html").is_file():
        raise WheelhouseError(
            f"{wheelhouse}: no published index; run `wheelmill publish --wheelhouse {wheelhouse}`"
        )


def serve(
    wheelhouse: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    ready: Callable[[str], None] | None = None,
) -> None:
    """Serve ``wheelhouse`` until SIGINT/SIGTERM; ``ready`` gets the index URL once bound."""
    check_wheelhouse(wheelhouse)
    app = IndexApp(wheelhouse)
    sock = _listen(host, port)
    if ready is not None:
        ready(_index_url(host, sock.getsockname()[1]))
    if workers <= 1:
        _run_worker(app, sock)
        return
    children: list[int] = []
    died: tuple[int, int] | None = None
    # before forking: a SIGTERM from now on stops the workers too, never orphans them
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        for _ in range(workers):
            pid = os.fork()
            if pid == 0:  # pragma: no cover - runs in the child
                try:
                    _run_worker(app, sock)
                finally:
                    os._exit(0)
            children.append(pid)
        died = _wait_children(children)
    finally:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        for pid in children:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
    if died is not None:
        raise ServeError(
            f"worker {died[0]} stopped unexpectedly (status {died[1]}); all workers were "
            "stopped: restart `wheelmill serve`"
        )


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _wait_children(children: list[int]) -> tuple[int, int] | None:
    """Wait for ^C/SIGTERM (``None``) or a worker's death: ``(pid, status)``.

    A dead worker is removed from ``children`` (its pid may be reused).
    """
    try:
        while children:
            pid, status = os.wait()
            if pid in children:
                children.remove(pid)
                return pid, status  # one worker died: stop all, let the supervisor restart
    except KeyboardInterrupt:
        return None
    return None


class BackgroundServer:
    """A server on a thread of this process (tests, ``wheelmill run --serve``)."""

    def __init__(self, wheelhouse: Path, host: str = "127.0.0.1", port: int = 0) -> None:
        check_wheelhouse(wheelhouse)
        self.app = IndexApp(wheelhouse)
        self.sock = _listen(host, port)
        self.port: int = self.sock.getsockname()[1]
        self.url = _index_url(host, self.port)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._main, daemon=True)
        self._started = threading.Event()

    def _main(self) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            self._started.set()
            await _serve_socket(self.app, self.sock, self._stop)

        try:
            asyncio.run(main())
        finally:
            self._started.set()  # never leave __enter__ waiting

    def __enter__(self) -> BackgroundServer:
        self._thread.start()
        self._started.wait()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self._stop is not None and self._thread.is_alive():
            with contextlib.suppress(RuntimeError):  # the loop has just ended by itself
                self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=10)
        self.sock.close()
