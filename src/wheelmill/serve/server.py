"""A read-only HTTP server over a published wheelhouse.

It serves exactly three trees, ``/simple/`` (the index), ``/wheels/`` (the files and
their find-links listing) and ``/status/`` (the status page), and ``/health``; nothing
else: every path is decoded, checked segment by segment (no ``..``, no hidden names, no
backslash or NUL), resolved and checked again to lie inside one of those trees, so
neither ``/simple/../../etc/passwd`` nor ``%2e%2e`` nor a symlink can reach outside.
Basic auth and an access log are opt-in (:mod:`wheelmill.serve._gate`).

Index pages are content-negotiated on ``Accept`` (PEP 691): JSON for
``application/vnd.pypi.simple.v1+json``, HTML for ``…v1+html`` and ``text/html``,
406 otherwise; ``?format=`` takes precedence. Responses carry ``ETag``,
``Last-Modified`` and ``Vary: Accept``, answer conditional requests with 304,
``HEAD`` without a body, and single byte ranges on files with 206.

It is asyncio-based, keeps connections alive, and can pre-fork workers sharing one
socket. It keeps small files, and the encoded head of each plain ``200``, in memory; one
``stat`` per request revalidates them, so a publish shows at once (:mod:`._app`). Each
worker accepts within a connection cap, and times out slow heads and idle connections
(:mod:`._guard`). An upstream fallback is opt-in (:mod:`._fallback`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

from .. import _platform
from .._exceptions import ServeError

# the in-memory size limit, re-exported where the tests (and users) look for it
from ._app import _CACHE_LIMIT as _CACHE_LIMIT
from ._app import Response, check_wheelhouse, error, head_bytes
from ._gate import AccessLog, Front, Gate, Users, front
from ._guard import HEAD, IDLE, Acceptor, QuietLog, Watch, connection_cap, raise_descriptor_limit
from ._guard import Timeouts as Timeouts  # serve()'s settings, for the CLI and BackgroundServer
from ._guard import index_url as _index_url
from ._guard import listen as _listen
from ._http import MAX_HEAD, body_length, date_and_server, parse_head
from ._upload import MAX_UPLOAD, Incoming

_CLOSE = b"Connection: close\r\n\r\n"
_TIMEOUT = error(408)
_now = time.monotonic


def _wire(response: Response, length: int, keep_alive: bool, body: bytes = b"") -> bytes:
    """The response as sent: status line, headers, blank line, then ``body``."""
    end = b"\r\n" if keep_alive else _CLOSE
    return b"".join((head_bytes(response, length), date_and_server(), end, body))


class _Connection(asyncio.Protocol):
    def __init__(self, app: Front, watch: Watch) -> None:
        self.app = app
        self.watch = watch
        self.buffer = b""
        self.transport: asyncio.Transport | None = None
        self.busy = False  # streaming a file
        self.paused = False  # the client reads slower than it asks: answer no more for now
        self.throttled = False  # reading paused until the buffered requests are answered
        self.discard = 0  # bytes of a request body still to skip
        self.incoming: Incoming | None = None  # an upload's body being read
        self.task: asyncio.Task[None] | None = None
        self.waiting = 0  # what the watch times: HEAD, IDLE or nothing (0)
        watch.live.add(self)  # it counts against the cap from now until connection_lost

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        if isinstance(self.app, Gate):  # auth or logging on: it needs the client's address
            self.app = self.app.bind(transport.get_extra_info("peername"))
        self.watch.wait(self, HEAD)

    def connection_lost(self, exc: Exception | None) -> None:
        self.watch.forget(self)
        if self.task is not None:
            self.task.cancel()

    def abort(self) -> None:
        """Drop the connection at once (server shutdown)."""
        if self.task is not None:
            self.task.cancel()
        if self.transport is not None:
            self.transport.abort()

    def expire(self, timed_out: bool) -> None:
        """Close: the client took too long (a partial request gets a 408), or to make room."""
        transport = self.transport
        if transport is None:
            return
        if timed_out and (self.buffer or self.discard) and not transport.is_closing():
            transport.write(_wire(_TIMEOUT, len(_TIMEOUT.body), False, _TIMEOUT.body))
        if transport.get_write_buffer_size() or transport.is_closing():
            transport.abort()  # unread responses are dropped, not waited for
        else:
            transport.close()

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False
        if not self.busy:
            self._process()

    def data_received(self, data: bytes) -> None:
        if self.incoming is not None:
            self._receive(data)
            return
        self.buffer += data
        if not (self.busy or self.paused):
            self._process()
        elif len(self.buffer) > 4 * MAX_HEAD and self.transport is not None:
            self.transport.pause_reading()  # nothing more until what is here is answered
            self.throttled = True

    def _process(self) -> None:
        transport = self.transport
        buffer, at = self.buffer, 0
        try:
            while transport is not None and not transport.is_closing() and not self.paused:
                if self.discard:
                    skipped = min(self.discard, len(buffer) - at)
                    at, self.discard = at + skipped, self.discard - skipped
                    if self.discard:
                        break
                end = buffer.find(b"\r\n\r\n", at)
                if end - at > MAX_HEAD or (end < 0 and len(buffer) - at > MAX_HEAD + 3):
                    self._send(error(431), b"", keep_alive=False)  # however it was split
                    break
                if end < 0:
                    break
                if self.waiting == IDLE:  # Watch.done, inlined: every request comes by here
                    del self.watch.idle[self]
                    self.waiting = 0
                elif self.waiting:
                    self.watch.done(self)
                request = parse_head(buffer[at:end])
                at = end + 4
                length = body_length(request)
                if request is None or length is None:
                    self._send(error(400), error(400).body, keep_alive=False)
                    break
                keep = request.keep_alive and "transfer-encoding" not in request.headers
                if length and request.method == "POST" and self.app.body_limit(request):
                    if length > MAX_UPLOAD:
                        self._send(error(413), error(413).body, keep_alive=False)
                    else:  # an upload: its body is read, then answered (see _receive)
                        self.incoming = Incoming(request, length, keep)
                    break
                try:
                    response = self.app.respond(request)
                except Exception:  # never let one request take the worker down
                    response = error(500)
                # a request body (no GET needs one) is skipped; a chunked one ends the connection
                self.discard = length
                if response.file is not None:
                    transport.write(_wire(response, response.count, keep))
                    if request.method == "HEAD":
                        if not keep:
                            transport.close()
                        continue
                    self.busy = True
                    self.task = asyncio.ensure_future(self._stream(response, keep))
                    return
                body = b"" if request.method == "HEAD" else response.body
                self._send(response, body, keep_alive=keep, length=len(response.body))
        finally:
            self.buffer = buffer[at:] if at else buffer
        if self.incoming is not None:
            data, self.buffer = self.buffer, b""
            self._receive(data)
            return
        if self.throttled and transport is not None and len(self.buffer) <= MAX_HEAD:
            self.throttled = False
            transport.resume_reading()
        # waiting for the client: to send (the rest of) a request, or to read the responses
        if (self.buffer or self.discard) and not self.paused:
            self.watch.wait(self, HEAD)
        elif self.waiting != IDLE:  # Watch.wait, inlined for the usual way back to idle
            if self.waiting:
                self.watch.done(self)
            self.watch.idle[self] = _now()
            self.waiting = IDLE

    def _receive(self, data: bytes) -> None:
        """An upload's body: each piece must come within the head timeout; answered whole."""
        assert self.incoming is not None
        self.watch.done(self)
        self.watch.wait(self, HEAD)
        rest = self.incoming.feed(data)
        if rest is not None:
            incoming, self.incoming = self.incoming, None
            response = self.app.upload(incoming.request, incoming.body())
            self._send(response, response.body, keep_alive=incoming.keep_alive)
            self.buffer = rest
            self._process()

    def _send(
        self, response: Response, body: bytes, *, keep_alive: bool, length: int | None = None
    ) -> None:
        assert self.transport is not None
        self.transport.write(
            _wire(response, len(body) if length is None else length, keep_alive, body)
        )
        if not keep_alive:
            self.transport.close()

    async def _stream(self, response: Response, keep_alive: bool) -> None:
        assert self.transport is not None and response.file is not None
        loop = asyncio.get_running_loop()
        self.watch.files += 1  # the file's descriptor counts against the cap
        try:
            with open(response.file, "rb") as stream:
                await loop.sendfile(self.transport, stream, response.offset, response.count)
        except (OSError, RuntimeError):
            self.transport.close()
            return
        finally:
            self.watch.files -= 1
            self.task = None
        self.busy = False
        if not keep_alive:
            self.transport.close()
        self._process()


async def _serve_socket(
    app: Front, sock: socket.socket, stop: asyncio.Event, timeouts: Timeouts
) -> None:
    loop = asyncio.get_running_loop()
    quiet = QuietLog()

    def report(loop: asyncio.AbstractEventLoop, context: dict[str, object]) -> None:
        # asyncio's own error reports (with a traceback): a few, not a flood
        topic = str(context.get("message", "event loop error"))
        quiet.warning(topic, f"{topic}: {context.get('exception', '')}")

    loop.set_exception_handler(report)
    watch = Watch(timeouts, connection_cap(), quiet)
    acceptor = Acceptor(sock, lambda: _Connection(app, watch), watch)
    acceptor.start()
    watch.start()
    try:
        await stop.wait()
    finally:
        acceptor.stop()
        watch.stop()
        # idle keep-alive connections would hold the loop open (and leak their sockets)
        live = [c for c in watch.live if isinstance(c, _Connection)]
        streams = [c.task for c in live if c.task is not None]
        for connection in live:
            connection.abort()
        await asyncio.gather(*streams, return_exceptions=True)
        await asyncio.sleep(0)  # the transports' close callbacks, the access log's last lines


def _run_worker(app: Front, sock: socket.socket, timeouts: Timeouts) -> None:
    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await _serve_socket(app, sock, stop, timeouts)

    asyncio.run(main())


def serve(
    wheelhouse: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    header_timeout: float = Timeouts.header,
    idle_timeout: float = Timeouts.idle,
    ready: Callable[[str], None] | None = None,
    users: Users | None = None,
    access_log: AccessLog | None = None,
    upstream: str | None = None,
) -> None:
    """Serve ``wheelhouse`` until SIGINT/SIGTERM; ``ready`` gets the index URL once bound;
    ``users`` (basic auth), ``access_log`` and an ``upstream`` fallback are off unless given.

    A client has ``header_timeout`` seconds to send each request head, and a
    keep-alive connection may stay ``idle_timeout`` seconds between requests
    (see :mod:`wheelmill.serve._guard`).
    """
    check_wheelhouse(wheelhouse)
    timeouts = Timeouts(header_timeout, idle_timeout)
    app = front(wheelhouse, users, access_log, upstream)
    sock = _listen(host, port)
    raise_descriptor_limit()  # each worker serves up to (its limit - a reserve) connections
    if ready is not None:
        ready(_index_url(host, sock.getsockname()[1]))
    if workers <= 1 or not _platform.CAN_FORK:  # Windows: one worker, in this process
        _run_worker(app, sock, timeouts)
        return
    children: list[int] = []
    died: tuple[int, int] | None = None
    signal.signal(signal.SIGTERM, _interrupt)  # from now on it stops the workers too
    try:
        for _ in range(workers):
            pid = os.fork()
            if pid == 0:  # pragma: no cover - runs in the child
                try:
                    _run_worker(app, sock, timeouts)
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

    def __init__(
        self,
        wheelhouse: Path,
        host: str = "127.0.0.1",
        port: int = 0,
        timeouts: Timeouts | None = None,
        users: Users | None = None,
        access_log: AccessLog | None = None,
        upstream: str | None = None,
    ) -> None:
        check_wheelhouse(wheelhouse)
        self.timeouts = timeouts or Timeouts()
        self.app = front(wheelhouse, users, access_log, upstream)
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
            await _serve_socket(self.app, self.sock, self._stop, self.timeouts)

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
