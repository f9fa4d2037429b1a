"""A hostile index on 127.0.0.1: file names that try to leave the wheelhouse.

The lock is fully hash-pinned, and every file the server sends has exactly the
locked bytes: the hash covers the bytes, not the name, so the names must be
checked on their own. Every hostile pin fails with one clear line, the honest
pins still build, and no file appears outside the wheelhouse.
"""

from __future__ import annotations

import hashlib
import html
import json
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import cli_runner, make_sdist, make_wheel
from wheelmill._exceptions import WheelmillError
from wheelmill.cli import cli
from wheelmill.store.wheelhouse import Store


@dataclass
class Listing:
    """One file on a project page: the name the index gives it and its real bytes."""

    filename: str
    data: bytes
    url: str | None = None  # where the page says it is (default: the server's copy)
    digest: str | None = None  # the sha256 the page gives (default: the true one)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class HostileIndex:
    """Project pages (PEP 691 JSON or PEP 503 HTML) and the files they link to."""

    url: str = ""
    json_pages: dict[str, list[Listing]] = field(default_factory=dict)
    html_pages: dict[str, list[Listing]] = field(default_factory=dict)
    blobs: dict[str, bytes] = field(default_factory=dict)

    def add(self, project: str, filename: str, data: bytes, *, as_json: bool) -> Listing:
        listing = Listing(filename, data)
        pages = self.json_pages if as_json else self.html_pages
        pages.setdefault(project, []).append(listing)
        self.blobs[listing.sha256] = data
        return listing


def _encoded(filename: str) -> str:
    return urllib.parse.quote(filename, safe="").replace(".", "%2E")


def _handler(index: HostileIndex) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def _send(self, body: bytes, content_type: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            parts = self.path.split("/")
            if len(parts) >= 3 and parts[1] == "simple":
                project = parts[2]
                if project in index.json_pages:
                    files = [
                        {
                            "filename": item.filename,
                            "url": item.url or f"/blob/{item.sha256}",
                            "hashes": {"sha256": item.digest or item.sha256},
                        }
                        for item in index.json_pages[project]
                    ]
                    document = {"meta": {"api-version": "1.0"}, "name": project, "files": files}
                    self._send(json.dumps(document).encode(), "application/vnd.pypi.simple.v1+json")
                    return
                if project in index.html_pages:
                    # The file name is the href's last segment, every byte but letters,
                    # digits, "_" and "-" percent-encoded (so ".." is "%2E%2E"); a link
                    # to a directory (ending in "/") is not a file and is skipped, and so
                    # is a link to something that is no distribution at all.
                    links = '<a href="/simple/">up</a><a href="mailto:a@b.c">mail</a>\n'
                    links += "".join(
                        f'<a href="/blob/{item.sha256}/{_encoded(item.filename)}'
                        f'#sha256={item.sha256}">{html.escape(item.filename)}</a>\n'
                        for item in index.html_pages[project]
                    )
                    self._send(f"<html><body>{links}</body></html>".encode(), "text/html")
                    return
            if len(parts) >= 3 and parts[1] == "blob" and parts[2] in index.blobs:
                self._send(index.blobs[parts[2]], "application/octet-stream")
                return
            self.send_error(404)

    return Handler


@pytest.fixture
def hostile_index() -> Iterator[HostileIndex]:
    index = HostileIndex()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(index))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    index.url = f"http://127.0.0.1:{server.server_address[1]}/simple/"
    try:
        yield index
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _files_under(root: Path) -> set[Path]:
    return {path for path in root.rglob("*") if not path.is_dir()}


def _sdist_bytes(name: str, tmp_path: Path) -> bytes:
    return make_sdist("pure-ok", tmp_path / "make" / name, name=name, version="1.0").read_bytes()


def _wheel_bytes(name: str, tmp_path: Path) -> bytes:
    return make_wheel(tmp_path / "make" / name, name, "1.0").read_bytes()


#: From ``wheelhouse/.wheelmill/sdists/<sha256>/``, four ``..`` reach the wheelhouse's parent.
UP = "../../../../"


def test_hostile_file_names_are_refused_and_nothing_lands_outside(
    hostile_index: HostileIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    sdist, wheel = _sdist_bytes, _wheel_bytes
    # name on the lock: (name the index gives the file, the file's real bytes, JSON page?)
    offered = {
        # PEP 691 JSON gives the name as-is.
        "jsonslash": (f"{UP}jsonslash-1.0.tar.gz", sdist("jsonslash", tmp_path), True),
        "backslash": ("..\\..\\backslash-1.0.tar.gz", sdist("backslash", tmp_path), True),
        "nulname": ("x\x00nulname-1.0.tar.gz", sdist("nulname", tmp_path), True),
        # PEP 503 HTML: %2F in the href's last segment unquotes to a path.
        "htmlslash": (f"{UP}htmlslash-1.0.tar.gz", sdist("htmlslash", tmp_path), False),
        "dotdot": ("..", sdist("dotdot", tmp_path), False),
        # A real file of another project, listed (and locked) under this one's name.
        "victim": ("other-1.0-py3-none-any.whl", wheel("other", tmp_path), True),
        "wrongsdist": ("other-1.0.tar.gz", sdist("other", tmp_path), False),
    }
    hostile = {
        project: hostile_index.add(project, filename, data, as_json=as_json)
        for project, (filename, data, as_json) in offered.items()
    }
    add = hostile_index.add
    good_wheel = add(
        "good", "good-1.0-py3-none-any.whl", _wheel_bytes("good", tmp_path), as_json=True
    )
    good_sdist = add(
        "goodsdist", "goodsdist-1.0.tar.gz", _sdist_bytes("goodsdist", tmp_path), as_json=False
    )
    lock = tmp_path / "lock.txt"
    pinned = {**hostile, "good": good_wheel, "goodsdist": good_sdist}
    lock.write_text(
        "".join(f"{name}==1.0 --hash=sha256:{item.sha256}\n" for name, item in pinned.items())
    )
    wheelhouse = tmp_path / "house" / "wh"
    before = _files_under(tmp_path)

    result = cli_runner().invoke(
        cli,
        ["build", str(lock), "-w", str(wheelhouse), "--index-url", hostile_index.url, "--json"],
        prog_name="wheelmill",
        catch_exceptions=False,
    )

    assert result.exit_code == 1, result.stderr
    pins = {pin["name"]: pin for pin in json.loads(result.stdout)["pins"]}
    assert pins["good"]["status"] == "fetched"
    assert pins["goodsdist"]["status"] == "built"
    for name in ("jsonslash", "backslash", "nulname", "htmlslash", "dotdot"):
        assert pins[name]["status"] == "failed", pins[name]
        error = pins[name]["error"]
        assert "not a plain file name" in error, error
        assert "\n" not in error
    for name in ("victim", "wrongsdist"):
        assert pins[name]["status"] == "failed", pins[name]
        error = pins[name]["error"]
        assert "is not a file of" in error and f"{name} 1.0" in error, error
    assert "error: 7 of 9 pins failed" in result.stderr
    # Nothing new anywhere but inside the wheelhouse; only the honest wheels in it.
    created = _files_under(tmp_path) - before
    assert {p for p in created if wheelhouse not in p.parents} == set()
    assert sorted(p.name for p in (wheelhouse / "wheels").iterdir()) == [
        "good-1.0-py3-none-any.whl",
        "goodsdist-1.0-py3-none-any.whl",
    ]
    sdists = sorted((wheelhouse / ".wheelmill" / "sdists").rglob("*.tar.gz"))
    assert [p.name for p in sdists] == ["goodsdist-1.0.tar.gz"]
    # kept under the digest verified while downloading
    assert sdists[0].parent.name == hashlib.sha256(sdists[0].read_bytes()).hexdigest()


def test_local_links_and_bad_digests_on_an_http_page_are_refused(
    hostile_index: HostileIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    secret = make_sdist("pure-ok", tmp_path / "private", name="peek", version="1.0")
    peek = hostile_index.add("peek", secret.name, secret.read_bytes(), as_json=True)
    peek.url = secret.as_uri()  # an HTTP page pointing at a file on the builder's disk
    odd = hostile_index.add("odd", "odd-1.0.tar.gz", _sdist_bytes("odd", tmp_path), as_json=True)
    odd.digest = "../../.."
    lock = tmp_path / "lock.txt"
    lock.write_text(f"peek==1.0 --hash=sha256:{peek.sha256}\nodd==1.0\n")
    wheelhouse = tmp_path / "wh"

    result = cli_runner().invoke(
        cli,
        ["build", str(lock), "-w", str(wheelhouse), "--index-url", hostile_index.url],
        prog_name="wheelmill",
        catch_exceptions=False,
    )

    assert result.exit_code == 1
    failed = sorted(line for line in result.stderr.splitlines() if line.startswith("FAILED"))
    assert len(failed) == 2, result.stderr
    assert failed[0].startswith("FAILED odd==1.0: odd: '../../..' is not a sha256 digest")
    assert failed[1].startswith("FAILED peek==1.0: peek: peek-1.0.tar.gz links to 'file:")
    assert "not to an http(s) URL" in failed[1]
    assert not list((wheelhouse / ".wheelmill" / "sdists").iterdir())


@pytest.mark.parametrize(
    "filename",
    [
        f"{UP}evil-1.0.tar.gz",
        "..\\evil-1.0.tar.gz",
        "evil\x00-1.0.tar.gz",
        "..",
        "",
        "sub/evil-1.0.tar.gz",
        "/abs/evil-1.0.tar.gz",
    ],
)
def test_the_store_refuses_a_name_that_is_not_a_plain_file_name(
    filename: str, tmp_path: Path
) -> None:
    store = Store(tmp_path / "wh").create()
    temp = store.tmp / "download.part"
    temp.write_bytes(b"data")
    digest = hashlib.sha256(b"data").hexdigest()
    with pytest.raises(WheelmillError, match="not a plain file name"):
        store.keep_sdist(temp, digest, filename)
    with pytest.raises(WheelmillError, match="not a plain file name"):
        store.cached_sdist(digest, filename)
    with pytest.raises(WheelmillError, match="not a plain file name"):
        store.add_wheel(temp, filename.replace(".tar.gz", "-py3-none-any.whl"))
    assert temp.is_file()
    assert not (tmp_path / "evil-1.0.tar.gz").exists()


def test_the_store_refuses_a_digest_that_is_not_one(tmp_path: Path) -> None:
    store = Store(tmp_path / "wh").create()
    with pytest.raises(WheelmillError, match="not a sha256"):
        store.cached_sdist("../../..", "evil-1.0.tar.gz")
