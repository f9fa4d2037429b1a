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

It is asyncio-based (on uvloop where installed), keeps connections alive, and can
pre-fork workers (:mod:`._workers`; on Linux each has its own listening socket on the
port, and the kernel balances connections over them). It keeps small files, and the
encoded head of each plain ``200``, in memory; one ``stat`` per request revalidates
them, so a publish shows at once (:mod:`._app`); a repeated request's bytes are answered
without parsing them again (:mod:`._replay`). Each worker accepts within a connection
cap, and times out slow heads and idle connections (:mod:`._guard`). An upstream
fallback is opt-in (:mod:`._fallback`).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import threading
from collections.abc import Callable
from pathlib import Path

from .. import _platform
from .._platform import net as _platform_net

# the in-memory size limit, re-exported where the tests (and users) look for it
from ._app import _CACHE_LIMIT as _CACHE_LIMIT
from ._app import IndexApp, check_wheelhouse
from ._connection import Connection
from ._gate import AccessLog, Front, Gate, Users, front
from ._guard import Acceptor, QuietLog, Watch, connection_cap, raise_descriptor_limit
from ._guard import Timeouts as Timeouts  # serve()'s settings, for the CLI and BackgroundServer
from ._guard import index_url as _index_url
from ._guard import listen as _listen
from ._replay import Replays
from ._workers import listeners, run_workers


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
    # without auth, a request's answer depends on its bytes alone: repeats can be replayed
    replays = None
    if isinstance(app, IndexApp) or (isinstance(app, Gate) and app.users is None):
        index = app if isinstance(app, IndexApp) else app.app
        replays = Replays(index.cache, index.root)  # in the worker: its own watches
    log = app.log if isinstance(app, Gate) else None
    if log is not None:
        log.attach(loop)
    acceptor = Acceptor(sock, lambda: Connection(app, watch, replays, log), watch)
    acceptor.start()
    watch.start()
    try:
        await stop.wait()
    finally:
        acceptor.stop()
        watch.stop()
        # idle keep-alive connections would hold the loop open (and leak their sockets)
        live = [c for c in watch.live if isinstance(c, Connection)]
        streams = [c.task for c in live if c.task is not None]
        for connection in live:
            connection.abort()
        await asyncio.gather(*streams, return_exceptions=True)
        await asyncio.sleep(0)  # the transports' close callbacks, the access log's last lines
        if log is not None:
            log.attach(None)  # this loop ends here
            log.flush()
        if replays is not None:
            replays.close()


def _run_worker(app: Front, sock: socket.socket, timeouts: Timeouts) -> None:
    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await _serve_socket(app, sock, stop, timeouts)

    _platform_net.run(main())


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
    sock = _listen(host, port, workers if _platform.CAN_FORK else 1)
    raise_descriptor_limit()  # each worker serves up to (its limit - a reserve) connections
    if ready is not None:
        ready(_index_url(host, sock.getsockname()[1]))
    if workers <= 1 or not _platform.CAN_FORK:  # Windows: one worker, in this process
        _run_worker(app, sock, timeouts)
        return
    run_workers(listeners(sock, workers), lambda own: _run_worker(app, own, timeouts))


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
            _platform_net.run(main())
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
