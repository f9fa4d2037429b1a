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
import os
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import make_wheel
from wheelmill.index.publish import publish
from wheelmill.serve import _replay
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
    with BackgroundServer(store.root) as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            yield connection
        finally:
            connection.close()


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
    time.sleep(1.1)  # the next second at least
    again = ask(client, path)
    assert _same_but_date(first, again) and answers == [bytes]
    sent = email.utils.parsedate_to_datetime(again[1]["Date"]).timestamp()
    assert sent > email.utils.parsedate_to_datetime(first[1]["Date"]).timestamp()
    assert abs(sent - time.time()) < 2


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
