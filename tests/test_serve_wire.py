"""How repeated answers and large files go out on the wire.

A repeat is sent whole from bytes made once a second (small bodies, within a memory
bound) or as headers and the cached body side by side (large bodies, or past the
bound); a large file is sent by the kernel (``sendfile``) on either event loop, falling
back to plain writes when the socket is full. Each runs against a real server on
127.0.0.1, with real clients, and checks that what arrives is exactly the file.
"""

from __future__ import annotations

import email.utils
import http.client
import importlib.util
import os
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import client_env, make_wheel, served_connection
from wheelmill._platform import net as _platform_net
from wheelmill.index.publish import publish
from wheelmill.serve import _replay
from wheelmill.serve._app import _CACHE_LIMIT
from wheelmill.serve._replay import Replays
from wheelmill.serve.server import BackgroundServer
from wheelmill.store.wheelhouse import Store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "wheelhouse").create()
    make_wheel(store.wheels, "leaf", "1.0")
    roomy = make_wheel(store.wheels, "roomy", "1.0")
    with zipfile.ZipFile(roomy, "a", zipfile.ZIP_STORED) as archive:
        archive.writestr("roomy/blob.bin", os.urandom(3 * _replay._WHOLE))  # past _WHOLE
    publish(store)
    return store


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """What each repeat was answered with: ``bytes`` (whole) or a tuple (header, body)."""
    seen: list[object] = []
    real = Replays.answer

    def answer(self: Replays, raw: bytes) -> object:
        result = real(self, raw)
        if result is not None:
            seen.append(type(result[0]))
        return result

    monkeypatch.setattr(Replays, "answer", answer)
    return seen


def ask(client: http.client.HTTPConnection, path: str) -> tuple[int, dict[str, str], bytes]:
    client.request("GET", path, headers={"Accept": "*/*", "User-Agent": "pip/26.0"})
    response = client.getresponse()
    return response.status, dict(response.getheaders()), response.read()


@pytest.fixture
def client(store: Store) -> Iterator[http.client.HTTPConnection]:
    yield from served_connection(store.root)


def _same_but_date(
    first: tuple[int, dict[str, str], bytes], again: tuple[int, dict[str, str], bytes]
) -> bool:
    def strip(answer: tuple[int, dict[str, str], bytes]) -> tuple[object, ...]:
        return answer[0], {k: v for k, v in answer[1].items() if k != "Date"}, answer[2]

    return strip(first) == strip(again)


def test_small_and_large_repeats_are_the_first_answer_again(
    store: Store, client: http.client.HTTPConnection, answers: list[object]
) -> None:
    for name, kind in (("leaf", bytes), ("roomy", tuple)):
        path = f"/wheels/{name}-1.0-py3-none-any.whl"
        data = (store.wheels / path.rpartition("/")[2]).read_bytes()
        first = ask(client, path)
        assert first[0] == 200 and first[2] == data
        for _ in range(3):
            assert _same_but_date(first, ask(client, path)), name
        assert answers == [kind] * 3, name
        answers.clear()


def test_past_the_memory_bound_repeats_send_the_cached_body(
    store: Store,
    client: http.client.HTTPConnection,
    answers: list[object],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_replay, "_WHOLE_BYTES", 0)  # nothing more is kept whole
    path = "/wheels/leaf-1.0-py3-none-any.whl"
    first = ask(client, path)
    assert _same_but_date(first, ask(client, path))
    assert first[2] == (store.wheels / "leaf-1.0-py3-none-any.whl").read_bytes()
    assert answers == [tuple]


def test_a_repeat_in_a_new_second_has_that_second_s_date(
    client: http.client.HTTPConnection, answers: list[object]
) -> None:
    path = "/wheels/leaf-1.0-py3-none-any.whl"
    first = ask(client, path)
    time.sleep(2.05 - time.time() % 1)  # just after the start of a later second
    again, third = ask(client, path), ask(client, path)
    # the first repeat of a new second goes out as headers, new Date and the old copy's
    # rest; the second one rebuilds the whole copy, and is one write again
    assert _same_but_date(first, again) and _same_but_date(first, third)
    assert answers == [tuple, bytes]
    sent = email.utils.parsedate_to_datetime(again[1]["Date"]).timestamp()
    assert sent > email.utils.parsedate_to_datetime(first[1]["Date"]).timestamp()
    assert abs(sent - time.time()) < 2
    assert third[1]["Date"] == again[1]["Date"]


def test_a_wheel_replaced_in_place_is_sent_with_its_new_bytes_at_once(
    store: Store, client: http.client.HTTPConnection, answers: list[object]
) -> None:
    wheel = store.wheels / "leaf-1.0-py3-none-any.whl"
    path = f"/wheels/{wheel.name}"
    for _ in range(2):
        assert ask(client, path)[2] == wheel.read_bytes()
    new = wheel.with_suffix(".tmp")
    new.write_bytes(b"N" * wheel.stat().st_size)  # the same size, other bytes
    os.replace(new, wheel)
    status, headers, body = ask(client, path)
    assert (status, body) == (200, b"N" * len(body))
    assert int(headers["Content-Length"]) == len(body)
    assert answers == [bytes]  # the replaced file's request took the full path


uvloop = pytest.mark.skipif(
    importlib.util.find_spec("uvloop") is None, reason="the sendfile path is uvloop's"
)


@pytest.fixture
def bulky(store: Store) -> Path:
    """A published wheel past the file cache's limit: streamed from its file."""
    big = make_wheel(store.wheels, "bulky", "1.0")
    with zipfile.ZipFile(big, "a", zipfile.ZIP_STORED) as archive:
        # past the cache, and past what a socket's send buffer holds (4 MiB by default)
        archive.writestr("bulky/blob.bin", os.urandom(_CACHE_LIMIT + 12 * 1024 * 1024))
    publish(store)
    return big


@pytest.fixture
def sends(monkeypatch: pytest.MonkeyPatch) -> list[int | None]:
    """What each kernel send of a streamed file returned."""
    seen: list[int | None] = []
    real = _platform_net.send_file

    def send_file(sock: int, file: int, offset: int, count: int) -> int | None:
        sent = real(sock, file, offset, count)
        seen.append(sent)
        return sent

    monkeypatch.setattr(_platform_net, "send_file", send_file)
    return seen


def _slow_get(port: int, path: str) -> bytes:
    """A GET whose client reads little at first: the server's socket fills up."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", port))
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        sock.settimeout(10)
        chunks = []
        for _ in range(20):
            chunks.append(sock.recv(1024))
            time.sleep(0.02)
        while chunk := sock.recv(1 << 16):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    return body


@uvloop
def test_a_large_file_is_sent_by_the_kernel_and_waits_for_a_slow_client(
    store: Store, bulky: Path, sends: list[int | None], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_platform_net, "FAST_LOOP", True)
    if not _platform_net.CAN_SENDFILE:
        pytest.skip("no sendfile here")
    data = bulky.read_bytes()
    with BackgroundServer(store.root) as server:
        assert _slow_get(server.port, f"/wheels/{bulky.name}") == data
        assert None in sends  # the socket was full: the transport waited for the client
        assert sum(sent for sent in sends if sent) < len(data)  # the rest went through it
        sends.clear()
        client = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:  # a quick client: most of it by the kernel, and the connection goes on
            assert ask(client, f"/wheels/{bulky.name}")[2] == data
            assert sum(sent for sent in sends if sent) > len(data) // 2
            assert ask(client, "/wheels/leaf-1.0-py3-none-any.whl")[0] == 200
        finally:
            client.close()


@uvloop
def test_a_client_leaving_mid_file_leaves_the_server_serving(
    store: Store, bulky: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_platform_net, "FAST_LOOP", True)
    with BackgroundServer(store.root) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(f"GET /wheels/{bulky.name} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            assert sock.recv(1024).startswith(b"HTTP/1.1 200 ")
        client = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            assert ask(client, f"/wheels/{bulky.name}")[2] == bulky.read_bytes()
        finally:
            client.close()


@uvloop
def test_without_sendfile_a_large_file_is_copied_piece_by_piece(
    store: Store, bulky: Path, sends: list[int | None], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_platform_net, "FAST_LOOP", True)
    monkeypatch.setattr(_platform_net, "CAN_SENDFILE", False)  # the portable way
    data = bulky.read_bytes()
    with BackgroundServer(store.root) as server:
        assert _slow_get(server.port, f"/wheels/{bulky.name}") == data
        client = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            client.request("GET", f"/wheels/{bulky.name}", headers={"Range": "bytes=7-"})
            partial = client.getresponse()
            assert (partial.status, partial.read()) == (206, data[7:])
        finally:
            client.close()
    assert sends == []


@pytest.mark.parametrize("fast", [True, False], ids=["uvloop", "asyncio"])
def test_pip_downloads_a_large_wheel_with_its_hash_checked(
    store: Store, bulky: Path, tmp_path: Path, fast: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if fast and importlib.util.find_spec("uvloop") is None:
        pytest.skip("uvloop is not installed")
    monkeypatch.setattr(_platform_net, "FAST_LOOP", fast)
    with BackgroundServer(store.root) as server:
        result = subprocess.run(
            [
                sys.executable, "-m", "pip", "download", "--no-cache-dir", "--no-deps",
                "--only-binary", ":all:", "--index-url", server.url,
                "-d", str(tmp_path / "got"), "bulky",
            ],
            env=client_env(), capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "got" / bulky.name).read_bytes() == bulky.read_bytes()
