"""Keeping :mod:`wheelmill.serve` up under many, slow or idle clients.

Each worker accepts connections itself (:class:`Acceptor`) and keeps a
:class:`Watch` over them:

* a client has ``header_timeout`` seconds for each request head (and any body),
  counted from its first byte (from the connection, for the first request), so
  a head sent a byte at a time does not keep a connection open; a partial head
  is answered ``408``;
* a keep-alive connection may sit idle ``idle_timeout`` seconds between
  requests; a response the client does not read counts as idle too;
* at most :func:`connection_cap` descriptors serve connections (sockets, and
  files being streamed): the soft ``RLIMIT_NOFILE`` less a reserve. At the cap a
  new connection takes the place of the one that has waited longest for its
  client (idle first, then a slow head); when every connection is busy, the new
  one is answered ``503`` and closed. ``EMFILE`` and friends (fewer descriptors
  than the cap assumed) pause accepting briefly and lower the cap to what fits.

Problems are logged at most once per :data:`QUIET` seconds, with a count of the
lines left out. The timeouts cost a dictionary update per request, not a timer:
one sweep a fraction of a second apart closes what has waited too long.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from .. import _platform
from .._exceptions import WheelhouseError
from .._platform import net as _platform_net

log = logging.getLogger("wheelmill.serve")

HEAD, IDLE = 1, 2  # what a watched connection waits for: a request head, or the next request
QUIET = 10.0  # seconds between two log lines about the same problem
RESERVE = 64  # descriptors kept for the listening socket, the event loop, files read whole
BATCH = 32  # connections accepted per wake-up, at most ...
EVICTIONS = 4  # ... this many of them by closing another (which frees its descriptor later)
RETRY = 0.2  # seconds without accepting after EMFILE
_SCARCE = frozenset((errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM))
_REFUSED = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Retry-After: 1\r\nContent-Length: 24\r\nConnection: close\r\n\r\n"
    b"503 Service Unavailable\n"
)


@dataclass(frozen=True)
class Timeouts:
    header: float = 10.0
    idle: float = 15.0


def connection_cap(reserve: int = RESERVE) -> int:
    """How many descriptors a worker may give to connections: its limit less a reserve."""
    soft = _platform.descriptor_limit()[0] or 1 << 20
    return max(1, soft - min(reserve, soft // 2))


def raise_descriptor_limit(ceiling: int = 65536) -> None:
    """Raise the soft descriptor limit towards the hard one (event loops use epoll, not select)."""
    soft, hard = _platform.descriptor_limit()
    wanted = ceiling if hard is None else min(hard, ceiling)
    if soft is not None and soft < wanted:
        _platform.set_descriptor_limit(wanted)


class QuietLog:
    """Warnings at most once per ``every`` seconds per topic, then how many were left out."""

    def __init__(self, every: float = QUIET, clock: Callable[[], float] = time.monotonic) -> None:
        self.every = every
        self.clock = clock
        self._topics: dict[str, list[float | int]] = {}  # topic -> [next allowed, left out]

    def warning(self, topic: str, message: str) -> None:
        now = self.clock()
        state = self._topics.setdefault(topic, [0.0, 0])
        if now < state[0]:
            state[1] += 1
            return
        if state[1]:
            message += f" ({state[1]} more in the last {self.every:g} s)"
        state[0], state[1] = now + self.every, 0
        log.warning("%s", message)

    def flush(self) -> None:
        """Report what was left out, once its quiet period is over."""
        now = self.clock()
        for topic, state in self._topics.items():
            if state[1] and now >= state[0]:
                log.warning("%s: %d more in the last %g s", topic, state[1], self.every)
                state[0], state[1] = now + self.every, 0


class Client(Protocol):
    """What the watch needs of a connection."""

    waiting: int  # 0, HEAD or IDLE

    def expire(self, timed_out: bool) -> None:
        """Close at once; ``timed_out``: the client took too long (else: evicted at the cap)."""


class Watch:
    """A worker's connections: how many hold descriptors, who waits for a client, since when."""

    def __init__(self, timeouts: Timeouts, cap: int, quiet: QuietLog) -> None:
        self.timeouts = timeouts
        self.cap = cap
        self.quiet = quiet
        self.live: set[Client] = set()  # from the protocol's creation to connection_lost
        self.pending: set[socket.socket] = set()  # accepted, no protocol yet
        self.files = 0  # files open for streaming
        # oldest first: a plain dict keeps insertion order, and is quicker to update
        self.heads: dict[Client, float] = {}
        self.idle: dict[Client, float] = {}
        self._sweeper: asyncio.TimerHandle | None = None

    def wait(self, client: Client, kind: int) -> None:
        """``client`` now waits for a head or the next request; a head keeps its start."""
        if client.waiting == kind:
            return
        if client.waiting:
            self.done(client)
        (self.heads if kind == HEAD else self.idle)[client] = time.monotonic()
        client.waiting = kind

    def done(self, client: Client) -> None:
        """``client`` waits for nothing (a request is being answered)."""
        if client.waiting == HEAD:
            del self.heads[client]
        elif client.waiting == IDLE:
            del self.idle[client]
        client.waiting = 0

    def forget(self, client: Client) -> None:
        self.done(client)
        self.live.discard(client)

    def in_use(self) -> int:
        return len(self.live) + len(self.pending) + self.files

    def waiting(self) -> bool:
        """Whether some connection waits for its client (and could make room)."""
        return bool(self.idle or self.heads)

    def full(self) -> bool:
        return len(self.live) + len(self.pending) + self.files >= self.cap

    def shrink(self) -> None:
        """Out of descriptors below the cap: the cap becomes what fits.

        Connections closed to make room hold their descriptor until the loop's
        next turn, at most :data:`EVICTIONS` of them.
        """
        in_use = len(self.live) + len(self.pending) + self.files
        self.cap = max(1, min(self.cap, in_use - EVICTIONS))
        while self.full() and self.evict():
            pass

    def evict(self) -> bool:
        """Close the connection waiting longest for its client: idle first, then a slow head."""
        victim = next(iter(self.idle), None) or next(iter(self.heads), None)
        if victim is None:
            return False
        self.forget(victim)
        victim.expire(timed_out=False)
        return True

    def start(self) -> None:
        shortest = min(self.timeouts.header, self.timeouts.idle)
        interval = min(1.0, max(0.05, shortest / 4))
        loop = asyncio.get_running_loop()

        def tick() -> None:
            self.sweep()
            self.quiet.flush()
            self._sweeper = loop.call_later(interval, tick)

        self._sweeper = loop.call_later(interval, tick)

    def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()

    def sweep(self) -> None:
        """Close every connection that has waited longer than its timeout."""
        now = time.monotonic()
        for waiting, timeout in (
            (self.heads, self.timeouts.header),
            (self.idle, self.timeouts.idle),
        ):
            while waiting:
                client, since = next(iter(waiting.items()))
                if now - since < timeout:
                    break
                self.forget(client)
                client.expire(timed_out=True)


class Acceptor:
    """Accepts connections on ``sock`` for the running loop, within the watch's cap."""

    def __init__(
        self, sock: socket.socket, factory: Callable[[], asyncio.Protocol], watch: Watch
    ) -> None:
        self.sock = sock
        self.factory = factory
        self.watch = watch
        self.loop = asyncio.get_running_loop()
        self._retry: asyncio.TimerHandle | None = None

    def start(self) -> None:
        self._retry = None
        self.loop.add_reader(self.sock.fileno(), self._ready)

    def stop(self) -> None:
        if self._retry is not None:
            self._retry.cancel()
        with contextlib.suppress(ValueError, OSError):  # the socket is closed already
            self.loop.remove_reader(self.sock.fileno())
        for conn in self.watch.pending:
            conn.close()
        self.watch.pending.clear()

    def _ready(self) -> None:
        watch = self.watch
        evictions = 0
        for _ in range(BATCH):
            full = watch.full()
            if full and (evictions == EVICTIONS or (watch.pending and not watch.waiting())):
                # the rest on the loop's next turn, when those closed have let go of their
                # descriptors, or those just accepted have started (and can make room)
                return
            try:
                conn, _ = self.sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                if exc.errno not in _SCARCE:
                    continue  # e.g. ECONNABORTED: that client has given up
                watch.shrink()
                watch.quiet.warning(
                    "cannot accept connections",
                    f"cannot accept connections: {exc.strerror}; serving at most {watch.cap} "
                    "at once from now on: raise the descriptor limit (ulimit -n)",
                )
                self.loop.remove_reader(self.sock.fileno())
                self._retry = self.loop.call_later(RETRY, self.start)
                return
            if full:
                if not watch.evict():  # every connection is busy
                    _refuse(conn)
                    watch.quiet.warning(
                        "connections refused",
                        f"{watch.cap} connections, all busy: refused one with 503; "
                        "raise the descriptor limit (ulimit -n) or add --workers",
                    )
                    continue
                evictions += 1
                watch.quiet.warning(
                    "connection cap",
                    f"{watch.cap} connections open: closed the one waiting longest for its "
                    "client; raise the descriptor limit (ulimit -n) or add --workers",
                )
            watch.pending.add(conn)
            self.loop.create_task(self._connect(conn))

    async def _connect(self, conn: socket.socket) -> None:
        def made() -> asyncio.Protocol:
            protocol = self.factory()  # which joins watch.live: counted there from now on
            self.watch.pending.discard(conn)
            return protocol

        try:
            await self.loop.connect_accepted_socket(made, conn)
        except OSError:  # reset before it was set up, or closed at shutdown
            if conn in self.watch.pending:
                self.watch.pending.discard(conn)
                conn.close()


def _refuse(conn: socket.socket) -> None:
    conn.setblocking(False)
    with contextlib.suppress(OSError):
        conn.send(_REFUSED)
    conn.close()


def listen(host: str, port: int, workers: int = 1) -> socket.socket:
    """The listening socket, non-blocking; a port in use is a one-line error. For several
    workers, ready for more sockets on its port where the kernel balances between them."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))  # fails if anything holds the port, a balanced group too
        if workers > 1 and _platform_net.BALANCED:
            # the port is free: bound again, open to this server's other workers only
            # (opened to them first, a second server started by mistake would join it)
            port = sock.getsockname()[1]
            sock.close()
            sock = socket.socket(family, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            _platform_net.reuse_port(sock)
            sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise WheelhouseError(
            f"cannot listen on {host}:{port} ({exc.strerror}); choose another --port"
        ) from None
    sock.listen(1024)
    sock.setblocking(False)
    return sock


def index_url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}/simple/" if ":" in host else f"http://{host}:{port}/simple/"
