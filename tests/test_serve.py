"""``wheelmill serve`` over real HTTP on 127.0.0.1: the protocol checked request by request
with ``http.client`` and raw sockets, then real pip and uv installing from it."""

from __future__ import annotations

import email.utils
import hashlib
import http.client
import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name
from uv import find_uv_bin

from conftest import client_env, make_wheel
from wheelmill import WheelhouseError
from wheelmill.index.publish import HTML_TYPE, JSON_TYPE, publish
from wheelmill.serve.server import BackgroundServer
from wheelmill.store.wheelhouse import Store

PIP_ACCEPT = (
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, "
    "text/html; q=0.01"
)
UV_ACCEPT = (
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, "
    "text/html;q=0.01"
)
SECRET = b"TOP-SECRET-do-not-serve"
WHEEL = "leaf-1.0-py3-none-any.whl"


class Response:
    def __init__(self, status: int, headers: http.client.HTTPMessage, body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name: str) -> str | None:
        return self.headers.get(name)


def fetch(
    conn: http.client.HTTPConnection,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> Response:
    """One request, the path sent exactly as given (no normalization, no default Accept)."""
    conn.putrequest(method, path, skip_accept_encoding=True)
    for name, value in (headers or {}).items():
        conn.putheader(name, value)
    if body is not None:
        conn.putheader("Content-Length", str(len(body)))
    conn.endheaders(body)
    response = conn.getresponse()
    return Response(response.status, response.headers, response.read())


def get(
    server: BackgroundServer, path: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> Response:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        return fetch(conn, method, path, headers)
    finally:
        conn.close()


def raw(server: BackgroundServer, data: bytes, *, until_close: bool = True) -> bytes:
    """Send bytes as they are; read until the server closes (or a pause, if it keeps open)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(data)
        if not until_close:
            sock.settimeout(0.5)
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except socket.timeout:
            pass
        return b"".join(chunks)


def statuses(data: bytes) -> list[int]:
    return [int(code) for code in re.findall(rb"HTTP/1\.1 (\d{3}) [A-Z][A-Za-z ]*\r\n", data)]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def add_junk_member(wheel: Path, size: int) -> None:
    """Grow a wheel past the in-memory cache with an incompressible (stored) member."""
    with zipfile.ZipFile(wheel, "a", zipfile.ZIP_STORED) as archive:
        archive.writestr("leaf/blob.bin", os.urandom(size))


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """app -> mid -> leaf (and a leaf 2.0 only for Python 4), published, plus a secret outside."""
    store = Store(tmp_path / "wh").create()
    make_wheel(store.wheels, "app", "1.0", requires=("mid>=1",))
    make_wheel(store.wheels, "mid", "1.0", requires=("leaf",))
    make_wheel(store.wheels, "leaf", "1.0", requires_python=">=3.8")
    make_wheel(store.wheels, "leaf", "2.0", requires_python=">=4")
    make_wheel(store.wheels, "Synth.Pkg_0", "1.0")
    assert not publish(store).rejected
    (tmp_path / "secret.txt").write_bytes(SECRET)
    return store


@pytest.fixture
def server(store: Store) -> Iterator[BackgroundServer]:
    with BackgroundServer(store.root) as running:
        yield running


# -- PEP 691 content negotiation ----------------------------------------------------

HTML_TEXT = "text/html; charset=utf-8"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (PIP_ACCEPT, JSON_TYPE),
        (UV_ACCEPT, JSON_TYPE),
        ("text/html", HTML_TEXT),
        (HTML_TYPE, HTML_TYPE),
        (JSON_TYPE, JSON_TYPE),
        ("application/vnd.pypi.simple.latest+json", JSON_TYPE),
        ("application/vnd.pypi.simple.latest+html", HTML_TYPE),
        # q-values, not the order, decide
        (f"{JSON_TYPE};q=0.2, {HTML_TYPE};q=0.9", HTML_TYPE),
        (f"text/html;q=0.5, {JSON_TYPE} ; q=0.4", HTML_TEXT),
        (f"text/html;q=0.5, {JSON_TYPE};q=0.6", JSON_TYPE),
        (f"{JSON_TYPE};q=0, {HTML_TYPE}", HTML_TYPE),
        # wildcards: the most expressive format, minus what the client refused
        ("*/*", JSON_TYPE),
        ("application/*", JSON_TYPE),
        ("text/*", HTML_TEXT),
        (f"{JSON_TYPE};q=0, */*", HTML_TYPE),
        (f"{JSON_TYPE};q=0, {HTML_TYPE};q=0, */*;q=0.1", HTML_TEXT),
        ("image/png, */*;q=0.1", JSON_TYPE),
        ("TEXT/HTML", HTML_TEXT),
        # what is not on offer
        ("application/json", None),
        ("application/vnd.pypi.simple.v2+json", None),
        ("text/plain, image/*", None),
        ("text/html;q=0", None),
        ("*/*;q=0", None),
        (f"{JSON_TYPE};q=bogus", None),
    ],
)
@pytest.mark.parametrize("path", ["/simple/", "/simple/mid/"])
def test_pep_691_negotiation(
    server: BackgroundServer, store: Store, path: str, accept: str, expected: str | None
) -> None:
    response = get(server, path, {"Accept": accept})
    if expected is None:
        assert response.status == 406
        return
    assert response.status == 200
    assert response.header("Content-Type") == expected
    kind = "json" if expected == JSON_TYPE else "html"
    assert response.body == (store.simple / path[len("/simple/") :] / f"index.{kind}").read_bytes()
    assert "accept" in (response.header("Vary") or "").lower()


def test_no_accept_header_gets_a_valid_page(server: BackgroundServer, store: Store) -> None:
    response = get(server, "/simple/mid/")
    assert response.status == 200
    content_type = response.header("Content-Type")
    assert content_type in (JSON_TYPE, HTML_TYPE, HTML_TEXT)
    if content_type == JSON_TYPE:
        assert json.loads(response.body)["name"] == "mid"
    else:
        assert b"mid-1.0-py3-none-any.whl" in response.body


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("format=application/vnd.pypi.simple.v1+json", JSON_TYPE),
        ("format=application%2Fvnd.pypi.simple.v1%2Bjson", JSON_TYPE),
        ("format=application/vnd.pypi.simple.v1+html", HTML_TYPE),
        ("format=text/html", HTML_TEXT),
        ("format=text%2Fhtml&other=1", HTML_TEXT),
        ("format=application/json", None),
    ],
)
def test_format_query_overrides_accept(
    server: BackgroundServer, query: str, expected: str | None
) -> None:
    for accept in (PIP_ACCEPT, "text/html", "image/png"):
        response = get(server, f"/simple/leaf/?{query}", {"Accept": accept})
        assert response.status == (406 if expected is None else 200), (query, accept)
        if expected is not None:
            assert response.header("Content-Type") == expected
            assert b"leaf-2.0-py3-none-any.whl" in response.body


# -- caching headers, HEAD, ranges --------------------------------------------------


def test_etag_and_conditional_requests(server: BackgroundServer) -> None:
    for path, headers in [
        ("/simple/mid/", {"Accept": PIP_ACCEPT}),
        ("/simple/mid/", {"Accept": "text/html"}),
        (f"/wheels/{WHEEL}", {}),
        (f"/wheels/{WHEEL}.metadata", {}),
    ]:
        first = get(server, path, headers)
        assert first.status == 200
        etag = first.header("ETag")
        modified = first.header("Last-Modified")
        assert etag and etag.startswith('"') and etag.endswith('"')
        assert modified and email.utils.parsedate_to_datetime(modified).timestamp() > 0
        assert first.header("Date")

        for match in (etag, f"W/{etag}", f'"other", {etag}', "*"):
            again = get(server, path, {**headers, "If-None-Match": match})
            assert again.status == 304, (path, match)
            assert again.body == b""
            assert again.header("ETag") == etag
            # a 304 must not claim a body length other than the real one
            assert again.header("Content-Length") in (None, str(len(first.body)))
        changed = get(server, path, {**headers, "If-None-Match": '"something-else"'})
        assert (changed.status, changed.body) == (200, first.body)

        since = get(server, path, {**headers, "If-Modified-Since": modified})
        assert since.status == 304
        older = email.utils.formatdate(
            email.utils.parsedate_to_datetime(modified).timestamp() - 3600, usegmt=True
        )
        assert get(server, path, {**headers, "If-Modified-Since": older}).status == 200
        # If-None-Match decides when both are sent
        both = {**headers, "If-Modified-Since": modified, "If-None-Match": '"nope"'}
        assert get(server, path, both).status == 200

    # the JSON and the HTML representation of one page have different tags
    as_json = get(server, "/simple/mid/", {"Accept": JSON_TYPE}).header("ETag")
    as_html = get(server, "/simple/mid/", {"Accept": HTML_TYPE}).header("ETag")
    assert as_json != as_html
    crossed = get(server, "/simple/mid/", {"Accept": HTML_TYPE, "If-None-Match": str(as_json)})
    assert crossed.status == 200


def test_head_has_the_headers_and_no_body(server: BackgroundServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        for path in (
            "/simple/",
            "/simple/app/",
            f"/wheels/{WHEEL}",
            f"/wheels/{WHEEL}.metadata",
            "/simple/nope/",
        ):
            full = fetch(conn, "GET", path, {"Accept": "text/html"})
            head = fetch(conn, "HEAD", path, {"Accept": "text/html"})
            assert head.status == full.status
            assert head.body == b""
            assert head.header("Content-Length") == str(len(full.body))
            for name in ("Content-Type", "ETag", "Last-Modified", "Vary", "Accept-Ranges"):
                assert head.header(name) == full.header(name), name
        # had a HEAD sent a body, this request on the same connection would read garbage
        assert fetch(conn, "GET", "/simple/", {"Accept": "text/html"}).status == 200
    finally:
        conn.close()
    # and on the wire, nothing follows the HEAD response's blank line
    data = raw(
        server, f"HEAD /wheels/{WHEEL} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
    )
    assert data.endswith(b"\r\n\r\n")
    assert data.count(b"HTTP/1.1 ") == 1


def test_byte_ranges_on_files(server: BackgroundServer, store: Store) -> None:
    data = (store.wheels / WHEEL).read_bytes()
    size = len(data)
    path = f"/wheels/{WHEEL}"
    for spec, start, end in [
        ("bytes=0-9", 0, 9),
        ("bytes=10-", 10, size - 1),
        ("bytes=-22", size - 22, size - 1),
        ("bytes=5-999999", 5, size - 1),
        (f"bytes={size - 1}-{size - 1}", size - 1, size - 1),
        ("bytes=-999999", 0, size - 1),
        ("Bytes=3-4", 3, 4),
    ]:
        response = get(server, path, {"Range": spec})
        assert response.status == 206, spec
        assert response.header("Content-Range") == f"bytes {start}-{end}/{size}", spec
        assert response.body == data[start : end + 1], spec
        assert response.header("Content-Length") == str(end - start + 1)
    for spec in (f"bytes={size}-", f"bytes={size + 10}-{size + 20}", "bytes=-0"):
        response = get(server, path, {"Range": spec})
        assert response.status == 416, spec
        assert response.header("Content-Range") == f"bytes */{size}"
        assert data not in response.body
    # not a single byte range this server honours: the whole file, as RFC 9110 allows
    for spec in ("bytes=9-3", "bytes=abc", "items=0-1", "bytes=0-1,5-6", "bytes=-", "bytes=+1-2"):
        response = get(server, path, {"Range": spec})
        assert (response.status, response.body) == (200, data), spec
    # index pages are not ranged
    page = get(server, "/simple/app/", {"Accept": "text/html", "Range": "bytes=0-3"})
    assert page.status == 200 and page.body.startswith(b"<!DOCTYPE html>")
    head = get(server, path, {"Range": "bytes=0-9"}, method="HEAD")
    assert (head.status, head.header("Content-Length"), head.body) == (206, "10", b"")


def test_file_content_types(server: BackgroundServer, store: Store) -> None:
    wheel = get(server, f"/wheels/{WHEEL}")
    assert wheel.header("Content-Type") == "application/octet-stream"
    assert wheel.header("Accept-Ranges") == "bytes"
    assert wheel.body == (store.wheels / WHEEL).read_bytes()
    metadata = get(server, f"/wheels/{WHEEL}.metadata")
    assert metadata.header("Content-Type") == "text/plain; charset=utf-8"
    assert metadata.body == (store.wheels / f"{WHEEL}.metadata").read_bytes()
    page = get(server, "/simple/app/index.json")
    assert page.header("Content-Type") == JSON_TYPE
    assert json.loads(page.body)["name"] == "app"


# -- redirects, methods, unknown paths ----------------------------------------------


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/", "/simple/"),
        ("/simple", "/simple/"),
        ("/simple/app", "/simple/app/"),
        ("/simple/App/", "/simple/app/"),
        ("/simple/APP", "/simple/app/"),
        ("/simple/Synth.Pkg_0/", "/simple/synth-pkg-0/"),
        ("/simple/synth_pkg_0", "/simple/synth-pkg-0/"),
        ("/simple/synth-pkg-0", "/simple/synth-pkg-0/"),
        ("/simple/App/?format=text/html", "/simple/app/?format=text/html"),
        ("/simple/app?format=text/html", "/simple/app/?format=text/html"),
        ("/simple/%D0%96/", "/simple/%D0%B6/"),  # a non-ASCII name, still a valid header
    ],
)
def test_redirects_to_the_normalized_slash_form(
    server: BackgroundServer, path: str, location: str
) -> None:
    response = get(server, path)
    assert response.status == 301
    assert response.header("Location") == location


def test_redirects_lead_to_the_page(server: BackgroundServer) -> None:
    path = "/simple/Synth.Pkg_0"
    for _ in range(3):
        response = get(server, path, {"Accept": "text/html"})
        if response.status != 301:
            break
        path = str(response.header("Location"))
    assert path == "/simple/synth-pkg-0/"
    assert response.status == 200
    assert b"synth_pkg_0-1.0-py3-none-any.whl" in response.body


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_only_get_and_head(server: BackgroundServer, method: str) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        response = fetch(conn, method, "/simple/", body=b"name=evil&content=x" * 10)
        assert response.status == 405
        assert response.header("Allow") == "GET, HEAD"
        sock = conn.sock
        # the body was not taken for the next request on this connection
        after = fetch(conn, "GET", "/simple/app/", {"Accept": "text/html"})
        assert after.status == 200
        assert conn.sock is sock
    finally:
        conn.close()


def test_chunked_request_body_ends_the_connection(server: BackgroundServer) -> None:
    data = raw(
        server,
        b"POST /simple/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n0\r\n\r\nGET /simple/ HTTP/1.1\r\nHost: x\r\n\r\n",
    )
    assert statuses(data) == [405]
    assert b"Connection: close" in data


@pytest.mark.parametrize(
    "path",
    [
        "/nope",
        "/nope/",
        "/index.html",
        "/simple/nope/",
        "/simple/nope/index.html",
        "/wheels/missing.whl",
        "/simple/app/index.html/",
        f"/wheels/{WHEEL}/",
        "/simple/app/nothing.txt",
        "/favicon.ico",
        "/simple/%ff/",
        "/simple/%c0%ae%c0%ae/",
    ],
)
def test_unknown_paths_are_404(server: BackgroundServer, path: str) -> None:
    assert get(server, path, {"Accept": "text/html"}).status == 404


def test_malformed_requests(server: BackgroundServer) -> None:
    assert statuses(raw(server, b"GARBAGE\r\n\r\n")) == [400]
    assert statuses(raw(server, b"GET /simple/ HTTP/2.0\r\n\r\n")) == [400]
    assert statuses(raw(server, b"GET /simple/ HTTP/1.1\r\nno colon here\r\n\r\n")) == [400]
    bad_length = b"GET /simple/ HTTP/1.1\r\nContent-Length: -1\r\n\r\n"
    assert statuses(raw(server, bad_length)) == [400]
    huge = b"GET /simple/ HTTP/1.1\r\nX-Big: " + b"a" * 70_000
    assert statuses(raw(server, huge)) == [431]
    # the server is still there
    assert get(server, "/simple/", {"Accept": "text/html"}).status == 200


# -- path traversal -------------------------------------------------------------------


@pytest.fixture
def traps(store: Store, tmp_path: Path) -> Store:
    """Things inside the served trees that lead outside, or are not meant to be served."""
    secret = tmp_path / "secret.txt"
    (store.wheels / ".hidden.whl").write_bytes(SECRET)
    (store.wheels / ".something").write_bytes(SECRET)
    (store.state / "index-secret.json").write_bytes(SECRET)
    (store.wheels / "link-1.0-py3-none-any.whl").symlink_to(secret)
    (store.wheels / "linkdir").symlink_to(tmp_path)
    outside = tmp_path / "outside-project"
    outside.mkdir()
    (outside / "index.html").write_bytes(SECRET)
    (outside / "index.json").write_bytes(SECRET)
    (store.simple / "evil").symlink_to(outside)
    (store.simple / "mid" / "leak.txt").symlink_to(secret)
    return store


TRAVERSALS = [
    "/simple/../../secret.txt",
    "/simple/../../../../../../etc/passwd",
    "/simple/%2e%2e/%2e%2e/secret.txt",
    "/simple/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/simple/%2E%2E/%2E%2E/secret.txt",
    "/wheels/..%2f..%2fsecret.txt",
    "/wheels/..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd",
    "/wheels/%2e%2e%2f%2e%2e%2fsecret.txt",
    "/%2e%2e/secret.txt",
    "/%2e%2e/",
    "/..",
    "/../secret.txt",
    "/wheels/..\\..\\secret.txt",
    "/wheels/..%5c..%5csecret.txt",
    "/wheels/%5c..%5c..%5csecret.txt",
    "/simple\\..\\..\\secret.txt",
    "/wheels/%00",
    "/wheels/leaf-1.0-py3-none-any.whl%00.txt",
    "/wheels/%00/../../secret.txt",
    "/wheels/.hidden.whl",
    "/wheels/.something",
    "/wheels/%2esomething",
    "/.wheelmill/index-secret.json",
    "/.wheelmill/",
    "/%2ewheelmill/index-secret.json",
    "/simple/../.wheelmill/index-secret.json",
    "/wheels/../.wheelmill/index-secret.json",
    "/wheels/link-1.0-py3-none-any.whl",
    "/wheels/linkdir/secret.txt",
    "/wheels/linkdir/wh/.wheelmill/index-secret.json",
    "/simple/evil/",
    "/simple/evil/index.html",
    "/simple/mid/leak.txt",
    "//etc/passwd",
    "/simple//etc/passwd",
    "/simple/./../secret.txt",
    "/./simple/",
    "/simple/./mid/",
    "/simple/mid/../../secret.txt",
    "/wheels/%252e%252e/%252e%252e/secret.txt",
    "/etc/passwd",
    "/secret.txt",
    "/wh/secret.txt",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_traversal_never_leaks(server: BackgroundServer, traps: Store, path: str) -> None:
    response = get(server, path, {"Accept": "text/html"})
    assert response.status == 404, (path, response.status, response.header("Location"))
    assert SECRET not in response.body
    assert b"root:" not in response.body


@pytest.mark.parametrize(
    "target",
    [
        b"/wheels/\x00",
        b"/simple/\x00/../../secret.txt",
        b"http://127.0.0.1/../secret.txt",
        b"/simple/..\x5c..\x5csecret.txt",
        b"/simple/\xc3\xa9/../../secret.txt",
        b"*",
        b"secret.txt",
        b"/simple/\t../../secret.txt",
    ],
)
def test_raw_traversal_targets(server: BackgroundServer, traps: Store, target: bytes) -> None:
    data = raw(server, b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert statuses(data) in ([400], [404])
    assert SECRET not in data


# -- connections ----------------------------------------------------------------------


def test_keep_alive_serves_many_requests_on_one_connection(
    server: BackgroundServer, store: Store
) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        assert fetch(conn, "GET", "/simple/", {"Accept": "text/html"}).status == 200
        sock = conn.sock
        assert sock is not None
        answers = [
            fetch(conn, "GET", "/simple/app/", {"Accept": PIP_ACCEPT}).status,
            fetch(conn, "GET", f"/wheels/{WHEEL}").status,
            fetch(conn, "GET", "/simple/missing/").status,
            fetch(conn, "GET", "/simple/App").status,
            fetch(conn, "HEAD", "/simple/mid/").status,
            fetch(conn, "GET", f"/wheels/{WHEEL}", {"Range": "bytes=0-1"}).status,
            fetch(conn, "GET", "/simple/mid/", {"Accept": "image/png"}).status,
            fetch(conn, "GET", f"/wheels/{WHEEL}.metadata").status,
        ]
        assert answers == [200, 200, 404, 301, 200, 206, 406, 200]
        assert conn.sock is sock  # never reconnected
    finally:
        conn.close()


def test_pipelined_requests_are_answered_in_order(server: BackgroundServer, store: Store) -> None:
    request = "GET {} HTTP/1.1\r\nHost: x\r\nAccept: text/html\r\n\r\n"
    data = raw(
        server,
        (
            request.format("/simple/app/")
            + request.format("/nope")
            + request.format(f"/wheels/{WHEEL}")
            + "GET /simple/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        ).encode(),
    )
    assert statuses(data) == [200, 404, 200, 200]
    assert (store.wheels / WHEEL).read_bytes() in data


def test_connection_close_and_http_1_0(server: BackgroundServer) -> None:
    # both end with the server closing (raw() reads until it does, within its timeout)
    for request in (
        b"GET /simple/ HTTP/1.1\r\nConnection: close\r\n\r\n",
        b"GET /simple/ HTTP/1.0\r\n\r\n",
        b"HEAD /simple/ HTTP/1.0\r\n\r\n",
    ):
        started = time.monotonic()
        data = raw(server, request)
        assert statuses(data) == [200]
        assert b"Connection: close" in data
        assert time.monotonic() - started < 5
    kept = raw(
        server, b"GET /simple/ HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", until_close=False
    )
    assert statuses(kept) == [200] and b"Connection: close" not in kept


def test_many_clients_at_once(server: BackgroundServer, store: Store) -> None:
    expected = (store.wheels / WHEEL).read_bytes()
    failures: list[str] = []

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            for _ in range(5):
                if fetch(conn, "GET", f"/wheels/{WHEEL}").body != expected:
                    failures.append("body")
                if fetch(conn, "GET", "/simple/leaf/", {"Accept": PIP_ACCEPT}).status != 200:
                    failures.append("page")
        except Exception as exc:
            failures.append(repr(exc))
        finally:
            conn.close()

    threads = [threading.Thread(target=client) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == []


def test_large_wheels_stream(store: Store, tmp_path: Path) -> None:
    from wheelmill.serve.server import _CACHE_LIMIT

    big = make_wheel(store.wheels, "bulky", "1.0")
    add_junk_member(big, _CACHE_LIMIT + 1_500_000)
    publish(store)
    data = big.read_bytes()
    assert len(data) > _CACHE_LIMIT
    path = f"/wheels/{big.name}"
    with BackgroundServer(store.root) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=20)
        try:
            full = fetch(conn, "GET", path)
            assert full.status == 200
            assert full.header("Content-Length") == str(len(data))
            assert full.body == data
            sock = conn.sock
            start, end = _CACHE_LIMIT - 1000, _CACHE_LIMIT + 1000
            part = fetch(conn, "GET", path, {"Range": f"bytes={start}-{end}"})
            assert part.status == 206
            assert part.header("Content-Range") == f"bytes {start}-{end}/{len(data)}"
            assert part.body == data[start : end + 1]
            tail = fetch(conn, "GET", path, {"Range": "bytes=-100"})
            assert tail.body == data[-100:]
            head = fetch(conn, "HEAD", path)
            assert (head.header("Content-Length"), head.body) == (str(len(data)), b"")
            etag = str(full.header("ETag"))
            assert fetch(conn, "GET", path, {"If-None-Match": etag}).status == 304
            # the connection survives streaming
            page = fetch(conn, "GET", "/simple/bulky/", {"Accept": PIP_ACCEPT})
            assert json.loads(page.body)["files"][0]["size"] == len(data)
            assert conn.sock is sock
        finally:
            conn.close()
        # requests pipelined behind a streamed file wait their turn
        request = f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n"
        tail = "GET /simple/ HTTP/1.1\r\nHost: x\r\nAccept: text/html\r\nConnection: close\r\n\r\n"
        answer = raw(server, (request + request + tail).encode())
        assert statuses(answer) == [200, 200, 200]
        assert answer.count(data) == 2
        assert answer.rstrip().endswith(b"</html>")


def test_publish_while_serving_is_visible_at_once(store: Store) -> None:
    with BackgroundServer(store.root) as server:
        root = get(server, "/simple/", {"Accept": JSON_TYPE})
        names = [p["name"] for p in json.loads(root.body)["projects"]]
        assert "newcomer" not in names
        assert get(server, "/simple/newcomer/").status == 404

        added = make_wheel(store.wheels, "newcomer", "0.1")
        publish(store)
        root_again = get(server, "/simple/", {"Accept": JSON_TYPE})
        assert "newcomer" in [p["name"] for p in json.loads(root_again.body)["projects"]]
        assert root_again.header("ETag") != root.header("ETag")
        page = get(server, "/simple/newcomer/", {"Accept": "text/html"})
        assert page.status == 200 and added.name.encode() in page.body
        assert get(server, f"/wheels/{added.name}").body == added.read_bytes()

        # a wheel rebuilt in place (same name): its new bytes and hash are served
        before = get(server, "/simple/leaf/", {"Accept": JSON_TYPE}).body
        leaf = store.wheels / WHEEL
        rebuilt = make_wheel(store.root / "rebuild", "leaf", "1.0", payload=50)
        os.replace(rebuilt, leaf)
        publish(store)
        after = json.loads(get(server, "/simple/leaf/", {"Accept": JSON_TYPE}).body)
        assert after != json.loads(before)
        (entry,) = [f for f in after["files"] if f["filename"] == WHEEL]
        served = get(server, f"/wheels/{WHEEL}").body
        assert served == leaf.read_bytes()
        assert entry["hashes"]["sha256"] == sha256(served)

        added.unlink()
        publish(store)
        assert get(server, "/simple/newcomer/").status == 404
        assert get(server, f"/wheels/{added.name}").status == 404


def test_refuses_a_wheelhouse_without_an_index(tmp_path: Path, store: Store) -> None:
    with pytest.raises(WheelhouseError, match="wheelmill publish"):
        BackgroundServer(tmp_path / "empty")
    with BackgroundServer(store.root) as server, pytest.raises(WheelhouseError, match="--port"):
        BackgroundServer(store.root, port=server.port)


def test_ipv6_loopback(store: Store) -> None:
    try:
        server = BackgroundServer(store.root, host="::1")
    except WheelhouseError:
        pytest.skip("no IPv6 loopback here")
    with server:
        assert server.url == f"http://[::1]:{server.port}/simple/"
        conn = http.client.HTTPConnection("::1", server.port, timeout=10)
        try:
            assert fetch(conn, "GET", "/simple/app/", {"Accept": PIP_ACCEPT}).status == 200
        finally:
            conn.close()


def test_stops_with_clients_still_connected(store: Store) -> None:
    started = time.monotonic()
    with BackgroundServer(store.root) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        assert fetch(conn, "GET", "/simple/").status == 200  # left open, idle
    assert time.monotonic() - started < 5
    with pytest.raises((OSError, http.client.HTTPException)):
        fetch(conn, "GET", "/simple/")  # the server hung up on it
    conn.close()
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", server.port)) != 0


# -- real installers ------------------------------------------------------------------


def run_client(args: list[str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, env=client_env(), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def installed(target: Path) -> dict[str, str]:
    found = {}
    for info in target.glob("*.dist-info"):
        name, _, version = info.name[: -len(".dist-info")].rpartition("-")
        found[canonicalize_name(name)] = version
    return found


def test_pip_installs_from_the_server(server: BackgroundServer, tmp_path: Path) -> None:
    target = tmp_path / "target"
    run_client(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-cache-dir",
            "--only-binary",
            ":all:",
            "--index-url",
            server.url,
            "--target",
            str(target),
            "app",
        ]
    )
    assert installed(target) == {"app": "1.0", "mid": "1.0", "leaf": "1.0"}
    assert (target / "app" / "__init__.py").is_file()


def test_pip_resolves_from_served_metadata_alone(
    server: BackgroundServer, store: Store, tmp_path: Path
) -> None:
    for wheel in store.wheels.glob("*.whl"):
        wheel.unlink()  # only the PEP 658 .metadata files are left to read
    result = run_client(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-cache-dir",
            "--dry-run",
            "--quiet",
            "--report",
            "-",
            "--only-binary",
            ":all:",
            "--index-url",
            server.url,
            "--target",
            str(tmp_path / "t"),
            "app",
        ]
    )
    resolved = {
        i["metadata"]["name"]: i["metadata"]["version"]
        for i in json.loads(result.stdout)["install"]
    }
    assert resolved == {"app": "1.0", "mid": "1.0", "leaf": "1.0"}


def test_uv_installs_from_the_server(server: BackgroundServer, tmp_path: Path) -> None:
    target = tmp_path / "target"
    run_client(
        [
            find_uv_bin(),
            "pip",
            "install",
            "--cache-dir",
            str(tmp_path / "cache"),
            "--python",
            sys.executable,
            "--only-binary",
            ":all:",
            "--index-url",
            server.url,
            "--target",
            str(target),
            "app",
        ]
    )
    assert installed(target) == {"app": "1.0", "mid": "1.0", "leaf": "1.0"}


def test_uv_resolves_from_served_metadata_alone(
    server: BackgroundServer, store: Store, tmp_path: Path
) -> None:
    for wheel in store.wheels.glob("*.whl"):
        wheel.unlink()
    (tmp_path / "req.in").write_text("app\n")
    result = run_client(
        [
            find_uv_bin(),
            "pip",
            "compile",
            "--cache-dir",
            str(tmp_path / "cache"),
            "--python",
            sys.executable,
            "--only-binary",
            ":all:",
            "--index-url",
            server.url,
            "--no-header",
            "--no-annotate",
            str(tmp_path / "req.in"),
        ]
    )
    pins = sorted(line.strip() for line in result.stdout.splitlines() if "==" in line)
    assert pins == ["app==1.0", "leaf==1.0", "mid==1.0"]


# -- the CLI, once, as a real process -------------------------------------------------


def _children(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _serve_with_two_workers(store: Store, tmp_path: Path) -> subprocess.Popen[str]:
    """`wheelmill serve` as a real process, on a free port, with two workers."""
    argv = ["serve", "--wheelhouse", str(store.root), "--port", "0", "--workers", "2"]
    return subprocess.Popen(
        [sys.executable, "-m", "wheelmill", *argv],
        cwd=tmp_path,
        env=client_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_cli_serve_runs_workers_and_stops_cleanly(store: Store, tmp_path: Path) -> None:
    process = _serve_with_two_workers(store, tmp_path)
    workers: set[int] = set()
    try:
        assert process.stderr is not None
        ready, _, _ = select.select([process.stderr], [], [], 30)
        assert ready, "wheelmill serve printed nothing within 30 s"
        line = process.stderr.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/simple/", line)
        assert match, line
        port = int(match.group(1))
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            response = fetch(conn, "GET", "/simple/app/", {"Accept": PIP_ACCEPT})
        finally:
            conn.close()
        assert response.status == 200
        assert json.loads(response.body)["name"] == "app"
        deadline = time.monotonic() + 5
        while len(workers := _children(process.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(workers) == 2

        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert not any(_alive(pid) for pid in workers)
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0
    finally:
        if process.poll() is None:
            workers |= _children(process.pid)
            process.kill()
            process.wait()
        for pid in workers:  # never leave a worker behind, whatever failed above
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        process.stdout.close()  # type: ignore[union-attr]
        process.stderr.close()  # type: ignore[union-attr]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_cli_serve_fails_loudly_when_a_worker_dies(store: Store, tmp_path: Path) -> None:
    process = _serve_with_two_workers(store, tmp_path)
    try:
        deadline = time.monotonic() + 30
        while len(workers := _children(process.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(workers) == 2
        os.kill(min(workers), signal.SIGKILL)
        _, err = process.communicate(timeout=10)
        assert process.returncode == 1
        assert "stopped unexpectedly" in err and "restart `wheelmill serve`" in err
        assert not any(_alive(pid) for pid in workers)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


# -- responses remembered between requests ----------------------------------------


def _without_date(data: bytes) -> bytes:
    return re.sub(rb"\r\nDate: [^\r]*", b"", data)


def test_repeated_requests_get_the_same_response(server: BackgroundServer) -> None:
    for path, accept in [
        ("/simple/mid/", PIP_ACCEPT),
        ("/simple/mid/", "text/html"),
        ("/simple/", JSON_TYPE),
        (f"/wheels/{WHEEL}", "*/*"),
        (f"/wheels/{WHEEL}.metadata", "*/*"),
        ("/simple/leaf/?format=text/html", PIP_ACCEPT),
    ]:
        for method in ("GET", "HEAD"):
            request = f"{method} {path} HTTP/1.1\r\nHost: x\r\nAccept: {accept}\r\n"
            data = raw(
                server, (f"{request}\r\n" * 3 + f"{request}Connection: close\r\n\r\n").encode()
            )
            answers = re.split(rb"(?=HTTP/1\.1 \d{3} )", data)[1:]
            assert statuses(data) == [200] * 4, (path, method)
            assert all(b"\r\nDate: " in answer for answer in answers)
            assert b"Connection: close" in answers[3]
            last = answers[3].replace(b"Connection: close\r\n", b"")
            assert {_without_date(answer) for answer in [*answers[:3], last]} == {
                _without_date(answers[0])
            }


def test_symlinks_swapped_in_after_a_remembered_response_never_leak(
    store: Store, tmp_path: Path
) -> None:
    outside = tmp_path / "outside-project"
    outside.mkdir()
    for name in ("index.html", "index.json"):
        (outside / name).write_bytes(SECRET)
    secret = tmp_path / "secret.txt"
    requests = [
        ("/simple/mid/", {"Accept": PIP_ACCEPT}),
        ("/simple/leaf/", {"Accept": "text/html"}),
        (f"/wheels/{WHEEL}", {}),
        (f"/wheels/{WHEEL}.metadata", {}),
    ]
    with BackgroundServer(store.root) as server:
        for _ in range(2):  # the second time, from memory
            assert [get(server, path, headers).status for path, headers in requests] == [200] * 4
        # the project directory becomes a symlink out of the tree ...
        (store.simple / "mid").rename(tmp_path / "mid-moved")
        (store.simple / "mid").symlink_to(outside)
        # ... a page, a wheel and its metadata become symlinks to a secret
        for path in (
            store.simple / "leaf" / "index.html",
            store.wheels / WHEEL,
            store.wheels / f"{WHEEL}.metadata",
        ):
            path.unlink()
            path.symlink_to(secret)
        for path, headers in requests:
            response = get(server, path, headers)
            assert response.status == 404, path
            assert SECRET not in response.body


def test_a_page_file_symlinked_out_of_the_tree_is_404(store: Store, tmp_path: Path) -> None:
    page = store.simple / "app" / "index.html"
    page.unlink()
    page.symlink_to(tmp_path / "secret.txt")
    with BackgroundServer(store.root) as server:
        for _ in range(2):
            response = get(server, "/simple/app/", {"Accept": "text/html"})
            assert response.status == 404
            assert SECRET not in response.body
        assert get(server, "/simple/app/", {"Accept": JSON_TYPE}).status == 200


def test_the_status_page_is_served(store: Store) -> None:
    from wheelmill.index.statuspage import write_status_page

    write_status_page(store)
    with BackgroundServer(store.root) as server:
        page = get(server, "/status/")
        assert page.status == 200
        assert page.headers["Content-Type"] == "text/html; charset=utf-8"
        assert b"Wheelhouse status" in page.body
        assert get(server, "/status").status == 301
        assert get(server, "/status/index.html").status == 200
        assert get(server, "/status/../simple/").status == 404
        assert get(server, "/status/nested/").status == 404
