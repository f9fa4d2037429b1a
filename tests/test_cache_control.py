"""``Cache-Control``: wheels and ``.metadata`` a year and immutable, pages a minute.

``wheelmill serve`` here; the nginx block of the team-cache how-to in
``tests/test_nginx.py`` (the same policy, checked there against real nginx).
"""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import make_wheel
from wheelmill.index.publish import publish
from wheelmill.index.statuspage import write_status_page
from wheelmill.serve.server import BackgroundServer
from wheelmill.store.wheelhouse import Store

IMMUTABLE = "public, max-age=31536000, immutable"
PAGE = "max-age=60"
#: path → the Cache-Control it must carry
EXPECTED = {
    "/wheels/alpha-1.0-py3-none-any.whl": IMMUTABLE,
    "/wheels/alpha-1.0-py3-none-any.whl.metadata": IMMUTABLE,
    "/simple/": PAGE,
    "/simple/alpha/": PAGE,
    "/simple/alpha/index.json": PAGE,
    "/wheels/": PAGE,
    "/status/": PAGE,
}


def cache_control(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        response.read()
        # every Cache-Control header, joined: a second one (nginx's add_header at two
        # levels) would show
        return response.status, ", ".join(response.headers.get_all("Cache-Control") or [])
    finally:
        conn.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[BackgroundServer]:
    store = Store(tmp_path / "wh").create()
    make_wheel(store.wheels, "alpha", "1.0")
    publish(store)
    write_status_page(store)
    with BackgroundServer(store.root) as running:
        yield running


def test_serve_sends_wheels_immutable_and_pages_short(server: BackgroundServer) -> None:
    for path, expected in EXPECTED.items():
        assert cache_control(server.port, path) == (200, expected), path
        # the second answer comes from the remembered head: the same header
        assert cache_control(server.port, path) == (200, expected), path


def test_not_modified_keeps_the_policy(server: BackgroundServer) -> None:
    wheel = "/wheels/alpha-1.0-py3-none-any.whl"
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("GET", wheel)
    first = conn.getresponse()
    first.read()
    etag = first.headers["ETag"]
    conn.close()
    assert cache_control(server.port, wheel, {"If-None-Match": etag}) == (304, IMMUTABLE)
    assert cache_control(server.port, "/health")[1] == "no-store"
