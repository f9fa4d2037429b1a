"""Keep-alive HTTP(S) GETs for the index client: connections reused, each host looked up once.

``urllib.request.urlopen`` opens a connection per request: a name lookup, a TCP
and a TLS handshake for each of the 120 pages and files of a cold 60-pin run.
A burst of parallel lookups is also what a slow resolver drops: on a shared
machine, every page fetched in the first second of a run waited 5 s for its
lookup to be retried. :class:`Connections` keeps the connections a request
finished with, hands them to the next request for the same host, and looks each
host's addresses up once per client (the lookup is retried on the next
connection if none of the addresses answers).

A redirect is followed (to another host too), up to :data:`MAX_REDIRECTS`. An
answer of 400 and above raises :class:`urllib.error.HTTPError`, a network or
protocol failure :class:`urllib.error.URLError`, as ``urlopen`` does. A
request to a host the ``*_proxy`` variables route through a proxy goes through
``urllib`` as before. A kept connection the server has closed meanwhile is
replaced by a new one, once, without the caller seeing it.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
import urllib.error
import urllib.parse
import urllib.request
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

#: Redirects followed per request.
MAX_REDIRECTS = 5
#: Idle connections kept per host.
MAX_IDLE = 16

_Address = tuple[int, int, int, tuple[Any, ...]]


class _Dialer:
    """Opens sockets: each host's addresses looked up once, one TLS context (making
    one loads the system's CA certificates: more CPU than a small download)."""

    def __init__(self) -> None:
        self._addresses: dict[tuple[str, int], list[_Address]] = {}
        self._lookups: dict[tuple[str, int], threading.Lock] = {}
        self._lock = threading.Lock()
        self._tls: ssl.SSLContext | None = None

    @property
    def tls(self) -> ssl.SSLContext:
        with self._lock:
            if self._tls is None:
                self._tls = ssl.create_default_context()
            return self._tls

    def _resolve(self, host: str, port: int) -> list[_Address]:
        key = (host, port)
        with self._lock:
            lookup = self._lookups.setdefault(key, threading.Lock())
        with lookup:  # parallel requests for a new host wait for one lookup
            with self._lock:
                if key in self._addresses:
                    return self._addresses[key]
            found: list[_Address] = [
                (family, kind, proto, address)
                for family, kind, proto, _, address in socket.getaddrinfo(
                    host, port, type=socket.SOCK_STREAM
                )
            ]
            with self._lock:
                self._addresses[key] = found
            return found

    def open_socket(self, host: str, port: int, timeout: float | None) -> socket.socket:
        """A connected socket to ``host``, trying each of its addresses in turn."""
        error: OSError | None = None
        for family, kind, proto, address in self._resolve(host, port):
            sock = socket.socket(family, kind, proto)
            try:
                sock.settimeout(timeout)
                sock.connect(address)
                return sock
            except OSError as exc:
                sock.close()
                error = exc
        with self._lock:  # none answered: look the name up again next time
            self._addresses.pop((host, port), None)
        raise error or OSError(f"{host}: no address")


class _Plain(http.client.HTTPConnection):
    """A connection whose socket comes from the dialer (its lookup, once per host)."""

    def __init__(self, host: str, port: int, timeout: float, dialer: _Dialer) -> None:
        super().__init__(host, port, timeout=timeout)
        self.dialer = dialer

    def connect(self) -> None:
        self.sock = self.dialer.open_socket(self.host, self.port, self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _Tls(_Plain):
    def connect(self) -> None:
        super().connect()
        self.sock = self.dialer.tls.wrap_socket(self.sock, server_hostname=self.host)


def _close_all(idle: dict[tuple[str, str, int], list[_Plain]], lock: threading.Lock) -> None:
    with lock:
        kept = [c for connections in idle.values() for c in connections]
        idle.clear()
    for connection in kept:
        connection.close()


class Connections:
    """Kept connections by scheme, host and port; safe to share between threads (a
    connection serves one request at a time). Closed by :meth:`close`, or when the
    client is dropped."""

    def __init__(self, *, timeout: float) -> None:
        self.timeout = timeout
        self.dialer = _Dialer()
        self._idle: dict[tuple[str, str, int], list[_Plain]] = {}
        self._lock = threading.Lock()
        weakref.finalize(self, _close_all, self._idle, self._lock)

    def close(self) -> None:
        """Close every kept connection (requests may still be made afterwards)."""
        _close_all(self._idle, self._lock)

    def _checkout(self, key: tuple[str, str, int]) -> tuple[_Plain, bool]:
        with self._lock:
            idle = self._idle.get(key)
            if idle:
                return idle.pop(), True
        scheme, host, port = key
        kind = _Tls if scheme == "https" else _Plain
        return kind(host, port, self.timeout, self.dialer), False

    def _keep(self, key: tuple[str, str, int], connection: _Plain) -> None:
        with self._lock:
            idle = self._idle.setdefault(key, [])
            if len(idle) < MAX_IDLE:
                idle.append(connection)
                return
        connection.close()

    @contextmanager
    def get(self, url: str, headers: dict[str, str]) -> Iterator[http.client.HTTPResponse]:
        """GET ``url``: the response, to read within the ``with`` block."""
        for _ in range(MAX_REDIRECTS + 1):
            parts = urllib.parse.urlsplit(url)
            if parts.scheme not in ("http", "https") or _proxied(parts):
                request = urllib.request.Request(url, headers=headers)
                with urllib.request.urlopen(
                    request, timeout=self.timeout, context=self.dialer.tls
                ) as r:
                    yield r
                return
            host = parts.hostname or ""
            key = (parts.scheme, host, parts.port or (443 if parts.scheme == "https" else 80))
            connection, response = self._send(key, parts, headers)
            location = response.getheader("Location")
            if response.status in (301, 302, 303, 307, 308) and location:
                self._finish(key, connection, response, drain=True)
                url = urllib.parse.urljoin(url, location)
                continue
            if response.status >= 400:
                self._finish(key, connection, response, drain=True)
                raise urllib.error.HTTPError(
                    url, response.status, response.reason, response.headers, None
                )
            try:
                yield response
            except http.client.HTTPException as exc:  # a body cut short, as urllib's error
                raise urllib.error.URLError(exc) from None
            finally:
                self._finish(key, connection, response, drain=False)
            return
        raise urllib.error.URLError(f"more than {MAX_REDIRECTS} redirects from {url}")

    def _send(
        self, key: tuple[str, str, int], parts: urllib.parse.SplitResult, headers: dict[str, str]
    ) -> tuple[_Plain, http.client.HTTPResponse]:
        target = parts.path or "/"
        if parts.query:
            target += f"?{parts.query}"
        while True:
            connection, reused = self._checkout(key)
            try:
                connection.request("GET", target, headers=headers)
                return connection, connection.getresponse()
            except (OSError, http.client.HTTPException) as exc:
                connection.close()
                if not reused:  # a new connection failed: the caller's retries decide
                    raise urllib.error.URLError(exc) from None
                # A kept connection the server closed meanwhile: take a new one.

    def _finish(
        self,
        key: tuple[str, str, int],
        connection: _Plain,
        response: http.client.HTTPResponse,
        *,
        drain: bool,
    ) -> None:
        """Keep ``connection`` for the next request when ``response`` was read to its end."""
        try:
            if drain:
                response.read()
        except (OSError, http.client.HTTPException):
            connection.close()
            return
        if response.isclosed() and not response.will_close:
            self._keep(key, connection)
        else:
            connection.close()


def _proxied(parts: urllib.parse.SplitResult) -> bool:
    """Whether the ``*_proxy`` variables send requests to this URL through a proxy."""
    proxies = urllib.request.getproxies()
    if parts.scheme not in proxies:
        return False
    return not urllib.request.proxy_bypass(parts.netloc)
