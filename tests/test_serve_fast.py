"""The server's fast paths: repeats answered from their bytes, balanced workers, uvloop.

Each runs against a real server on 127.0.0.1: a repeated request on a kept-alive
connection must get exactly what the full path gives, see a publish or a symlink
swapped in at once, and log the same line; large files stream on either event loop.
"""

from __future__ import annotations

import email.utils
import http.client
import importlib.util
import json
import os
import re
import select
import socket
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import make_wheel
from wheelmill import WheelhouseError
from wheelmill._platform import net as _platform_net
from wheelmill.index.publish import publish
from wheelmill.serve._app import _CACHE_LIMIT, _read
from wheelmill.serve._gate import AccessLog
from wheelmill.serve._guard import listen
from wheelmill.serve._http import http_date
from wheelmill.serve._replay import Replays
from wheelmill.serve._workers import listeners
from wheelmill.serve.server import BackgroundServer
from wheelmill.store.wheelhouse import Store

PIP_ACCEPT = (
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, "
    "text/html; q=0.01"
)
SECRET = b"TOP-SECRET-do-not-serve"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "wheelhouse").create()
    make_wheel(store.wheels, "leaf", "1.0")
    publish(store)
    return store


@pytest.fixture
def replayed(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The request heads answered from memory, as the server answers them."""
    answered: list[bytes] = []
    real = Replays.answer

    def answer(self: Replays, raw: bytes) -> object:
        result = real(self, raw)
        if result is not None:
            answered.append(raw)
        return result

    monkeypatch.setattr(Replays, "answer", answer)
    return answered


@pytest.fixture
def conn(store: Store) -> Iterator[tuple[BackgroundServer, http.client.HTTPConnection]]:
    with BackgroundServer(store.root) as server:
        client = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            yield server, client
        finally:
            client.close()


def ask(
    client: http.client.HTTPConnection, path: str, accept: str = "*/*", method: str = "GET"
) -> tuple[int, dict[str, str], bytes]:
    client.request(method, path, headers={"Accept": accept, "User-Agent": "pip/26.0"})
    response = client.getresponse()
    body = response.read()
    headers = {k: v for k, v in response.getheaders() if k != "Date"}
    return response.status, headers, body


def test_a_repeat_on_a_kept_alive_connection_is_answered_as_the_first(
    conn: tuple[BackgroundServer, http.client.HTTPConnection], replayed: list[bytes]
) -> None:
    server, client = conn
    wheel = "/wheels/leaf-1.0-py3-none-any.whl"
    cases = [
        ("GET", "/simple/leaf/", PIP_ACCEPT),
        ("GET", "/simple/leaf/", "text/html"),
        ("GET", wheel, "*/*"),
        ("HEAD", wheel, "*/*"),
        ("GET", f"{wheel}.metadata", "*/*"),
    ]
    for method, path, accept in cases:
        first = ask(client, path, accept, method)
        assert first[0] == 200
        again = [ask(client, path, accept, method) for _ in range(3)]
        assert again == [first] * 3, path
    assert len(replayed) == 3 * len(cases)  # every repeat, and only the repeats
    # the same bytes on a new connection: answered from memory too, the same way
    other = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        ask(other, "/simple/", PIP_ACCEPT)
        assert ask(other, wheel) == ask(client, wheel)
    finally:
        other.close()


def test_a_publish_or_a_swapped_symlink_shows_at_once_on_the_same_connection(
    store: Store,
    conn: tuple[BackgroundServer, http.client.HTTPConnection],
    replayed: list[bytes],
    tmp_path: Path,
) -> None:
    _, client = conn
    for _ in range(2):
        status, _, _ = ask(client, "/simple/leaf/", PIP_ACCEPT)
        assert status == 200
    assert len(replayed) == 1
    make_wheel(store.wheels, "leaf", "2.0")
    publish(store)
    files = json.loads(ask(client, "/simple/leaf/", PIP_ACCEPT)[2])["files"]
    assert [f["filename"] for f in files] == [
        "leaf-1.0-py3-none-any.whl",
        "leaf-2.0-py3-none-any.whl",
    ]
    wheel = "/wheels/leaf-2.0-py3-none-any.whl"
    assert [ask(client, wheel)[0] for _ in range(2)] == [200, 200]
    secret = tmp_path / "secret.txt"
    secret.write_bytes(SECRET)
    (store.wheels / "leaf-2.0-py3-none-any.whl").unlink()
    (store.wheels / "leaf-2.0-py3-none-any.whl").symlink_to(secret)
    status, _, body = ask(client, wheel)
    assert status == 404 and SECRET not in body
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "index.json").write_bytes(SECRET)
    (store.simple / "leaf").rename(tmp_path / "leaf-moved")
    (store.simple / "leaf").symlink_to(outside)
    status, _, body = ask(client, "/simple/leaf/", PIP_ACCEPT)
    assert status == 404 and SECRET not in body


def test_a_replayed_request_is_logged_like_any_other(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "access.log"
    with (
        path.open("a", encoding="utf-8") as stream,
        BackgroundServer(store.root, access_log=AccessLog(stream)) as server,
    ):
        client = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            for _ in range(3):
                ask(client, "/simple/leaf/", PIP_ACCEPT)
                ask(client, "/wheels/leaf-1.0-py3-none-any.whl", method="HEAD")
        finally:
            client.close()
        deadline = time.monotonic() + 5
        while len(path.read_text().splitlines()) < 6 and time.monotonic() < deadline:
            time.sleep(0.01)
    lines = [re.sub(r"\[[^]]*\]", "[time]", line) for line in path.read_text().splitlines()]
    page, head = lines[0], lines[1]
    assert re.fullmatch(
        r'127\.0\.0\.1 - - \[time\] "GET /simple/leaf/ HTTP/1\.1" 200 [1-9][0-9]* "-" "pip/26\.0"',
        page,
    )
    wheel = "/wheels/leaf-1.0-py3-none-any.whl"
    assert head == f'127.0.0.1 - - [time] "HEAD {wheel} HTTP/1.1" 200 - "-" "pip/26.0"'
    assert lines == [page, head] * 3


@pytest.mark.skipif(not _platform_net.BALANCED, reason="the kernel balances listeners on Linux")
def test_each_worker_has_its_own_socket_and_connections_spread_over_them() -> None:
    first = listen("127.0.0.1", 0, workers=2)
    socks = listeners(first, 2)
    clients = []
    try:
        assert len({id(s) for s in socks}) == 2
        assert {s.getsockname() for s in socks} == {first.getsockname()}
        clients = [socket.create_connection(first.getsockname(), timeout=5) for _ in range(32)]
        accepted = [0, 0]
        deadline = time.monotonic() + 5
        while sum(accepted) < len(clients) and time.monotonic() < deadline:
            ready, _, _ = select.select(socks, [], [], 0.5)
            for sock in ready:
                conn, _ = sock.accept()
                conn.close()
                accepted[socks.index(sock)] += 1
        assert sum(accepted) == 32
        assert min(accepted) > 0  # all 32 on one socket: odds of 2**-31 if balanced
    finally:
        for client in clients:
            client.close()
        for sock in socks:
            sock.close()


def test_one_worker_or_no_balancing_shares_the_socket() -> None:
    sock = listen("127.0.0.1", 0)
    try:
        assert listeners(sock, 1) == [sock]
    finally:
        sock.close()


@pytest.mark.parametrize("fast", [True, False], ids=["uvloop", "asyncio"])
def test_large_files_stream_on_either_event_loop(
    store: Store, fast: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if fast and importlib.util.find_spec("uvloop") is None:
        pytest.skip("uvloop is not installed")
    monkeypatch.setattr(_platform_net, "FAST_LOOP", fast)
    big = make_wheel(store.wheels, "bulky", "1.0")
    with zipfile.ZipFile(big, "a", zipfile.ZIP_STORED) as archive:
        archive.writestr("bulky/blob.bin", bytes(range(256)) * (_CACHE_LIMIT // 128))
    publish(store)
    data = big.read_bytes()
    assert len(data) > _CACHE_LIMIT
    with BackgroundServer(store.root) as server:
        assert server._loop is not None
        assert type(server._loop).__module__.startswith("uvloop") is fast
        client = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            for _ in range(2):
                status, _, body = ask(client, f"/wheels/{big.name}")
                assert (status, body == data) == (200, True)
            client.request("GET", f"/wheels/{big.name}", headers={"Range": "bytes=100-"})
            partial = client.getresponse()
            assert (partial.status, partial.read()) == (206, data[100:])
            assert ask(client, "/simple/bulky/", PIP_ACCEPT)[0] == 200  # still kept alive
        finally:
            client.close()


def test_http_dates_match_the_standard_library() -> None:
    for seconds in (0, 951_782_400, 1_000_000_000.75, 1_764_758_399, time.time()):
        assert http_date(seconds) == email.utils.formatdate(seconds, usegmt=True)


@pytest.mark.parametrize("kernel", [True, False], ids=["kernel", "portable"])
def test_real_paths_are_those_of_realpath(
    tmp_path: Path, kernel: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not kernel:
        monkeypatch.setattr(_platform_net, "_O_PATH", None)
    elif _platform_net._O_PATH is None:
        pytest.skip("resolved by the kernel on Linux only")
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "file").write_text("x")
    (tmp_path / "link-to-dir").symlink_to(tmp_path / "dir")
    (tmp_path / "dir" / "link-to-file").symlink_to("file")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    for path in ("dir", "dir/file", "link-to-dir", "link-to-dir/link-to-file"):
        whole = str(tmp_path / path)
        assert _platform_net.real_path(whole) == os.path.realpath(whole), path
    if kernel:  # nothing there, or a loop: never inside any tree
        assert _platform_net.real_path(str(tmp_path / "missing")) is None
        assert _platform_net.real_path(str(tmp_path / "loop")) is None


def test_a_file_read_for_memory_is_exactly_its_stamped_size(tmp_path: Path) -> None:
    path = tmp_path / "file"
    path.write_bytes(b"")
    assert _read(str(path), 0) == b""
    data = os.urandom(300_000)
    path.write_bytes(data)
    assert _read(str(path), len(data)) == data
    path.write_bytes(data + b"grown since")  # what was stamped is what is sent
    assert _read(str(path), len(data)) == data
    path.write_bytes(data[:10])  # shrunk since: not served
    with pytest.raises(OSError, match="shorter"):
        _read(str(path), len(data))


@pytest.mark.parametrize("workers", [1, 2])
def test_a_port_in_use_is_refused_even_to_balanced_workers(workers: int) -> None:
    first = listen("127.0.0.1", 0, workers=2)
    socks = listeners(first, 2)
    try:
        port = first.getsockname()[1]
        with pytest.raises(WheelhouseError, match="choose another --port"):
            listen("127.0.0.1", port, workers=workers)
    finally:
        for sock in socks:
            sock.close()
