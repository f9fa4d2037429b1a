"""The index client keeps its connections and looks each host up once.

Against a real HTTP/1.1 server on 127.0.0.1 that counts the connections it
accepts: pages and files fetched one after another share one connection and
one name lookup; a kept connection the server dropped is replaced without the
caller seeing it; redirects are followed; an HTTP/1.0 server (one connection
per request) still works; errors read as before.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import count_calls
from wheelmill._exceptions import UpstreamError
from wheelmill.build.upstream import Upstream

_JSON = "application/vnd.pypi.simple.v1+json"
_BODY = b"wheel bytes " * 1000


class _Index:
    """Projects ``alpha``..``delta`` listing one file each; ``/simple/old/`` redirects."""

    def __init__(self, protocol: str, drop_after_each: bool = False) -> None:
        self.connections = 0
        index = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = protocol

            def setup(self) -> None:
                index.connections += 1
                super().setup()

            def do_GET(self) -> None:
                parts = [p for p in self.path.split("/") if p]
                if parts == ["simple", "old"]:
                    self.send_response(301)
                    self.send_header("Location", "/simple/alpha/")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                elif len(parts) == 2 and parts[0] == "simple" and parts[1] != "missing":
                    name = parts[1]
                    digest = hashlib.sha256(_BODY).hexdigest()
                    files = [
                        {
                            "filename": f"{name}-1.0-py3-none-any.whl",
                            "url": f"/files/{name}-1.0-py3-none-any.whl",
                            "hashes": {"sha256": digest},
                        }
                    ]
                    self._send(json.dumps({"files": files}).encode(), _JSON)
                elif parts and parts[0] == "files":
                    self._send(_BODY, "application/octet-stream")
                else:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                if drop_after_each:  # as a server closing idle connections does
                    self.close_connection = True

            def _send(self, body: bytes, content_type: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://localhost:{self.server.server_address[1]}/simple/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def keepalive() -> Iterator[_Index]:
    index = _Index("HTTP/1.1")
    yield index
    index.stop()


def _listens_on_localhost_v4() -> bool:
    return any(
        entry[4][0] == "127.0.0.1"
        for entry in socket.getaddrinfo("localhost", 80, type=socket.SOCK_STREAM)
    )


pytestmark = pytest.mark.skipif(
    not _listens_on_localhost_v4(), reason="localhost does not resolve to 127.0.0.1"
)


def test_pages_and_files_share_one_connection_and_one_lookup(
    keepalive: _Index, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lookups = count_calls(monkeypatch, socket, "getaddrinfo")
    upstream = Upstream(keepalive.url)
    for name in ("alpha", "beta", "gamma", "delta"):
        (remote,) = upstream.files(name)
        path = upstream.download(remote, tmp_path, frozenset())
        assert path.read_bytes() == _BODY
    assert keepalive.connections == 1
    assert len(lookups) == 1
    upstream.close()
    upstream.files("epsilon")  # closed: a new connection, the address remembered
    assert keepalive.connections == 2
    assert len(lookups) == 1


def test_a_connection_the_server_dropped_is_replaced_unseen(tmp_path: Path) -> None:
    index = _Index("HTTP/1.1", drop_after_each=True)  # says keep-alive, then hangs up
    try:
        upstream = Upstream(index.url, retries=1)  # no retry of the caller's to hide it
        for name in ("alpha", "beta", "gamma"):
            (remote,) = upstream.files(name)
            assert upstream.download(remote, tmp_path, frozenset()).read_bytes() == _BODY
        assert index.connections == 6
    finally:
        index.stop()


def test_redirects_are_followed_and_errors_read_as_before(keepalive: _Index) -> None:
    upstream = Upstream(keepalive.url, retries=1)
    (remote,) = upstream.files("old")
    assert remote.filename == "alpha-1.0-py3-none-any.whl"
    with pytest.raises(UpstreamError, match="missing: no such project"):
        upstream.files("missing")
    upstream.files("beta")  # the connection survives the 404
    assert keepalive.connections == 1


def test_a_server_without_keep_alive_still_serves(tmp_path: Path) -> None:
    index = _Index("HTTP/1.0")
    try:
        upstream = Upstream(index.url)
        for name in ("alpha", "beta"):
            (remote,) = upstream.files(name)
            assert upstream.download(remote, tmp_path, frozenset()).read_bytes() == _BODY
        assert index.connections == 4
    finally:
        index.stop()


def test_a_server_that_is_gone_is_an_upstream_error(keepalive: _Index) -> None:
    upstream = Upstream(keepalive.url, retries=1)
    upstream.files("alpha")
    keepalive.stop()
    upstream.close()
    with pytest.raises(UpstreamError, match="cannot reach"):
        upstream.files("beta")
