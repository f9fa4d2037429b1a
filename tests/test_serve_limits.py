"""``wheelmill serve`` under hostile clients: slow or idle connections, huge numbers, big heads.

The server runs as a real process with a lowered descriptor limit and short
timeouts; the clients are raw sockets on 127.0.0.1 from this process.
"""

from __future__ import annotations

import http.client
import re
import resource
import select
import selectors
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import client_env, make_wheel
from wheelmill.index.publish import publish
from wheelmill.serve.server import BackgroundServer
from wheelmill.store.wheelhouse import Store

WHEEL = "leaf-1.0-py3-none-any.whl"
LIMIT = 256  # the server's descriptor limit
SLOW = 600  # slow clients: far more than the server has descriptors


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "wh").create()
    make_wheel(store.wheels, "leaf", "1.0", payload=2000)
    assert not publish(store).rejected
    return store


@pytest.fixture
def server(store: Store) -> Iterator[BackgroundServer]:
    with BackgroundServer(store.root) as running:
        yield running


class Served:
    def __init__(self, process: subprocess.Popen[bytes], port: int, stderr: Path) -> None:
        self.process = process
        self.port = port
        self.stderr = stderr


def _lower_limit() -> None:  # pragma: no cover - runs in the child
    resource.setrlimit(resource.RLIMIT_NOFILE, (LIMIT, LIMIT))


@pytest.fixture
def served(store: Store, tmp_path: Path) -> Iterator[Served]:
    """`wheelmill serve`, one worker, 256 descriptors, 1 s for a head, 2 s between requests."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(hard, 4 * SLOW)
    if soft < wanted:  # this process holds the slow clients
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    if wanted < 2 * SLOW:
        pytest.skip(f"needs {2 * SLOW} descriptors, the hard limit is {hard}")
    stderr = tmp_path / "stderr.txt"
    argv = ["serve", "-w", str(store.root), "--port", "0", "--workers", "1"]
    argv += ["--header-timeout", "1", "--idle-timeout", "2"]
    with stderr.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "wheelmill", *argv],
            cwd=tmp_path,
            env=client_env(),
            stdout=subprocess.DEVNULL,
            stderr=sink,
            preexec_fn=_lower_limit,
        )
    try:
        deadline = time.monotonic() + 30
        while not (match := re.search(r"127\.0\.0\.1:(\d+)/", stderr.read_text())):
            assert process.poll() is None, stderr.read_text()
            assert time.monotonic() < deadline, "wheelmill serve did not start within 30 s"
            time.sleep(0.05)
        yield Served(process, int(match.group(1)), stderr)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def _get(port: int, path: str = f"/wheels/{WHEEL}", timeout: float = 5) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def _slow_clients(port: int, count: int) -> list[socket.socket]:
    """Connections that send nothing, or half a request head, and then wait."""
    clients = []
    for number in range(count):
        client = socket.create_connection(("127.0.0.1", port), timeout=5)
        if number % 2:
            client.sendall(b"GET /simple/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        clients.append(client)
    return clients


def _closed_within(clients: list[socket.socket], seconds: float) -> tuple[int, list[int]]:
    """How many ``clients`` the server closes within ``seconds``, and the statuses it sent.

    Each client is closed here at the end.
    """
    selector = selectors.DefaultSelector()
    for client in clients:
        client.setblocking(False)
        selector.register(client, selectors.EVENT_READ)
    closed, replies = 0, []
    deadline = time.monotonic() + seconds
    try:
        while closed < len(clients) and (left := deadline - time.monotonic()) > 0:
            for key, _ in selector.select(left):
                client = key.fileobj
                assert isinstance(client, socket.socket)
                try:
                    data = client.recv(65536)
                except ConnectionError:
                    data = b""
                replies += statuses(data)
                if not data:
                    selector.unregister(client)
                    closed += 1
    finally:
        selector.close()
        for client in clients:
            client.close()
    return closed, replies


def test_slow_clients_do_not_starve_others(served: Served) -> None:
    clients = _slow_clients(served.port, SLOW)
    try:
        for _ in range(5):
            started = time.monotonic()
            assert _get(served.port) == 200
            assert time.monotonic() - started < 3
    finally:
        closed, replies = _closed_within(clients, 5)
    assert closed == SLOW  # each one closed by the server: to make room, or after 1 s
    assert set(replies) <= {408}  # and never refused: the longest waiting made room
    assert _get(served.port) == 200
    assert served.process.poll() is None
    assert served.stderr.stat().st_size < 10_000, served.stderr.read_text()[:2000]


def test_a_head_must_arrive_within_the_header_timeout(served: Served) -> None:
    reply = b""
    with socket.create_connection(("127.0.0.1", served.port), timeout=5) as client:
        client.sendall(b"GET /simple/ HTTP/1.1\r\n")
        started = time.monotonic()
        while time.monotonic() - started < 5:
            time.sleep(0.2)
            try:
                client.sendall(b"X-Drip: 1\r\n")  # a line every 0.2 s does not keep it open
                if select.select([client], [], [], 0)[0]:
                    chunk = client.recv(4096)
                    if not chunk:
                        break
                    reply += chunk
            except ConnectionError:
                break
        elapsed = time.monotonic() - started
    assert reply.startswith(b"HTTP/1.1 408 "), reply[:100]
    assert 0.8 < elapsed < 3


def test_idle_connections_are_closed_after_the_idle_timeout(served: Served) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
    try:
        conn.request("GET", "/simple/")
        conn.getresponse().read()
        assert conn.sock is not None
        started = time.monotonic()
        assert conn.sock.recv(1) == b""  # the server hung up: no response, no bytes
        assert 1.5 < time.monotonic() - started < 4
    finally:
        conn.close()
    silent = [socket.create_connection(("127.0.0.1", served.port), timeout=5)]
    started = time.monotonic()
    assert _closed_within(silent, 4) == (1, [])  # never sent a byte: closed, without a 408
    assert 0.5 < time.monotonic() - started < 3


def test_out_of_descriptors_is_logged_once_in_a_while(served: Served) -> None:
    """With fewer descriptors than its cap (lowered while running), accept fails: few lines."""
    assert _get(served.port) == 200  # the worker runs, its cap set from 256 descriptors
    resource.prlimit(served.process.pid, resource.RLIMIT_NOFILE, (48, 48))
    clients = _slow_clients(served.port, 300)
    try:
        time.sleep(2.5)
        started = time.monotonic()
        assert _get(served.port, timeout=10) == 200
        assert time.monotonic() - started < 5
    finally:
        _, replies = _closed_within(clients, 0.1)
    assert set(replies) <= {408, 503}
    log = served.stderr.read_text()
    assert served.stderr.stat().st_size < 10_000, log[:2000]
    errors = [line for line in log.splitlines() if "Too many open files" in line]
    assert 1 <= len(errors) <= 2, log
    assert "Traceback" not in log


# -- the request parser ---------------------------------------------------------------


def raw(server: BackgroundServer, data: bytes, *, chunks: int = 1) -> bytes:
    """Send ``data`` (in ``chunks`` pieces); read until the server closes, or 1 s of silence."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        size = -(-len(data) // chunks)
        for start in range(0, len(data), size):
            sock.sendall(data[start : start + size])
            if chunks > 1:
                time.sleep(0.01)
        sock.settimeout(1)
        received = []
        try:
            while chunk := sock.recv(65536):
                received.append(chunk)
        except (socket.timeout, ConnectionResetError):
            pass
        return b"".join(received)


def statuses(data: bytes) -> list[int]:
    return [int(code) for code in re.findall(rb"HTTP/1\.1 (\d{3}) [A-Z][A-Za-z ]*\r\n", data)]


def test_huge_content_length_is_a_bad_request(server: BackgroundServer) -> None:
    for digits in (5000, 19):
        request = b"GET /simple/ HTTP/1.1\r\nHost: x\r\nContent-Length: " + b"9" * digits
        data = raw(server, request + b"\r\n\r\n")
        assert statuses(data) == [400]
        assert b"Connection: close" in data
    fits = b"GET /simple/ HTTP/1.1\r\nContent-Length: 000000000000000000005\r\n\r\nhello"
    assert statuses(raw(server, fits + b"GET /simple/ HTTP/1.1\r\n\r\n")) == [200, 200]


def test_huge_range_numbers(server: BackgroundServer, store: Store) -> None:
    wheel = (store.wheels / WHEEL).read_bytes()
    huge = "9" * 5000

    def ranged(value: str) -> bytes:
        request = f"GET /wheels/{WHEEL} HTTP/1.1\r\nRange: {value}\r\nConnection: close\r\n\r\n"
        return raw(server, request.encode())

    data = ranged(f"bytes={huge}-")
    assert statuses(data) == [416]
    assert f"Content-Range: bytes */{len(wheel)}".encode() in data
    assert statuses(ranged(f"bytes={huge}-{huge}")) == [416]
    for whole in (f"bytes=0-{huge}", f"bytes=-{huge}"):  # past the end: up to the end
        data = ranged(whole)
        assert statuses(data) == [206]
        assert f"Content-Range: bytes 0-{len(wheel) - 1}/{len(wheel)}".encode() in data
        assert data.endswith(wheel)
    data = ranged("bytes=0001-" + "0" * 30 + "5")  # long, but small numbers
    assert statuses(data) == [206]
    assert data.endswith(wheel[1:6])


@pytest.mark.parametrize("chunks", [1, 4])
def test_head_size_limit_holds_however_it_arrives(server: BackgroundServer, chunks: int) -> None:
    head = b"GET /simple/ HTTP/1.1\r\nHost: x\r\n" + b"X-Big: " + b"a" * 20_000
    data = raw(server, head + b"\r\n\r\n", chunks=chunks)
    assert statuses(data) == [431]
    assert b"Connection: close" in data
    near = b"GET /simple/ HTTP/1.1\r\nX-Fits: " + b"a" * 16_000 + b"\r\nConnection: close\r\n\r\n"
    assert statuses(raw(server, near)) == [200]
