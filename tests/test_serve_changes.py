"""Repeats answered without a ``stat``: the kernel's change events (Linux ``inotify``).

A repeated request's file is not looked at again while nothing on its path changed; any
change to it, to a directory on its way or to a directory above the wheelhouse must
still show on the very next request, made through another name of the file too.
"""

from __future__ import annotations

import http.client
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import make_wheel, served_connection
from wheelmill._platform import net as _platform_net
from wheelmill.index.publish import publish
from wheelmill.serve._app import IndexApp
from wheelmill.serve._http import parse_head
from wheelmill.serve._replay import Replays
from wheelmill.store.wheelhouse import Store

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="inotify is Linux's; elsewhere every repeat stats"
)
WHEEL = "/wheels/leaf-1.0-py3-none-any.whl"
RAW = f"GET {WHEEL} HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n".encode()


def wheelhouse(root: Path) -> Store:
    store = Store(root).create()
    make_wheel(store.wheels, "leaf", "1.0")
    publish(store)
    return store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return wheelhouse(tmp_path / "up" / "wheelhouse")


@pytest.fixture
def client(store: Store) -> Iterator[http.client.HTTPConnection]:
    yield from served_connection(store.root)


def get(client: http.client.HTTPConnection) -> tuple[int, str, bytes]:
    client.request("GET", WHEEL, headers={"Accept": "*/*"})
    response = client.getresponse()
    return response.status, str(response.getheader("ETag")), response.read()


def test_changes_are_pending_until_drained(tmp_path: Path) -> None:
    changes = _platform_net.Changes.open()
    assert changes is not None
    try:
        assert changes.watch(str(tmp_path), directory=True)
        assert not changes.watch(str(tmp_path / "missing"), directory=False)
        assert not changes.pending()
        (tmp_path / "new").write_bytes(b"x")
        assert changes.pending()
        changes.drain()
        assert not changes.pending()
    finally:
        changes.close()


def test_a_trusted_repeat_does_not_stat_until_something_changes(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = IndexApp(store.root)
    replays = Replays(app.cache, app.root)
    try:
        request = parse_head(RAW[:-4])
        assert request is not None
        replays.remember(RAW, request, app.respond(request), "")
        stats: list[object] = []
        real = os.stat

        def counted(path: object, *args: object, **kwargs: object) -> os.stat_result:
            stats.append(path)
            return real(path, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(os, "stat", counted)
        assert replays.answer(RAW) is not None
        assert len(stats) == 1  # the first repeat: watched, then looked at
        assert replays.answer(RAW) is not None and replays.answer(RAW) is not None
        assert len(stats) == 1  # trusted: the kernel was asked, not the file
        os.utime(store.wheels / "leaf-1.0-py3-none-any.whl", ns=(0, 10**18))
        assert replays.answer(RAW) is None  # checked again, and found changed
        assert len(stats) == 2
    finally:
        replays.close()


def test_a_wheel_rewritten_through_another_link_shows_at_once(
    store: Store, client: http.client.HTTPConnection, tmp_path: Path
) -> None:
    first = get(client)
    assert get(client) == first and first[0] == 200
    other = tmp_path / "elsewhere.whl"
    os.link(store.wheels / "leaf-1.0-py3-none-any.whl", other)
    changed = bytes(b ^ 0xFF for b in first[2])  # the same size, other bytes
    with other.open("r+b") as stream:
        stream.write(changed)
    status, etag, body = get(client)
    assert (status, body) == (200, changed)
    os.utime(other, ns=(0, 10**18))  # only its time, through the other name
    assert get(client)[1] != etag


def test_a_wheelhouse_moved_away_from_under_the_server_shows_at_once(
    store: Store, client: http.client.HTTPConnection, tmp_path: Path
) -> None:
    first = get(client)
    assert get(client) == first and first[0] == 200
    (tmp_path / "up").rename(tmp_path / "away")  # a directory above the wheelhouse
    status, _, body = get(client)
    assert status == 404 and body != first[2]
    again = wheelhouse(tmp_path / "up" / "wheelhouse")  # another one at the same path
    status, _, body = get(client)
    assert (status, body) == (200, (again.wheels / "leaf-1.0-py3-none-any.whl").read_bytes())
