"""``serve --upstream URL``: projects the wheelhouse does not carry, answered from upstream.

A request for ``/simple/<project>/`` whose project has no page here (no
``simple/<project>/``) is answered from the upstream index instead: its wheels
only (sdists are never offered, so ``--only-binary :all:`` holds), each linked
as ``/upstream/<file>`` with upstream's sha256, ``requires-python``, yank and
upload time. A project the wheelhouse carries is always answered from the
wheelhouse alone, whatever upstream has, so upstream can never slip a file into
a locked project (dependency confusion).

``/upstream/<file>`` serves only files a fallback page listed: the first request
downloads it, checks upstream's sha256, and keeps it under
``.wheelmill/upstream/`` (outside ``wheels/``, so it never joins the published
index); later requests are served from there. Upstream pages are kept in memory
for :data:`PAGE_SECONDS`. A fetch holds its worker while it runs. Each new file
rewrites the status page, which lists them apart: they came from upstream, not the lock.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import sqlite3
import time
import urllib.parse
from pathlib import Path

from packaging.utils import canonicalize_name

from .._exceptions import WheelmillError
from .._filenames import unsafe_reason
from ..build.upstream import RemoteFile, Upstream
from ..index._pages import API_VERSION
from ..index.statuspage import write_status_page
from ..store.wheelhouse import UPSTREAM_DIR, Store
from ._app import PAGE, IndexApp, Response, error
from ._http import Request, negotiate, split_target

PAGE_SECONDS = 600.0


class FallbackApp(IndexApp):
    """The index app, with an upstream index behind the projects it does not carry."""

    def __init__(self, wheelhouse: Path, upstream_url: str) -> None:
        super().__init__(wheelhouse)
        self.upstream_url = upstream_url
        self.cache_dir = Store(self.root).upstream
        self._pages: dict[str, tuple[float, list[RemoteFile]]] = {}
        self._files: dict[str, RemoteFile] = {}  # every file a fallback page has listed

    def _respond(self, request: Request) -> Response:
        response = super()._respond(request)
        if response.status != 404 or request.method not in ("GET", "HEAD"):
            return response
        parsed = split_target(request.target)
        if parsed is None or len(parsed[0]) != 2:
            return response
        (tree, name), query, trailing = parsed
        if tree == "simple" and trailing and not os.path.lexists(self.trees["simple"] / name):
            return self._page(name, request, query.get("format"))
        if tree == UPSTREAM_DIR and not trailing and name in self._files:
            return self._file_from_upstream(request, self._files[name])
        return response

    def _wheels(self, project: str) -> list[RemoteFile] | None:
        now = time.monotonic()
        cached = self._pages.get(project)
        if cached is not None and now - cached[0] < PAGE_SECONDS:
            return cached[1]
        try:
            files = Upstream(self.upstream_url, timeout=15, retries=1).files(project)
        except WheelmillError:
            return None
        wheels = [f for f in files if f.is_wheel and f.sha256 and unsafe_reason(f.filename) is None]
        self._pages[project] = (now, wheels)
        self._files.update({f.filename: f for f in wheels})
        return wheels

    def _page(self, project: str, request: Request, query_format: str | None) -> Response:
        choice = negotiate(request.headers.get("accept"), query_format)
        if choice is None:
            return error(406)
        wheels = self._wheels(project)
        if not wheels:
            return error(404)
        kind, content_type = choice
        body = _json_page(project, wheels) if kind == "json" else _html_page(project, wheels)
        headers = [
            ("Content-Type", content_type),
            ("Vary", "Accept"),
            ("Cache-Control", PAGE),
        ]
        return Response(200, headers, body)

    def _file_from_upstream(self, request: Request, remote: RemoteFile) -> Response:
        path = self.cache_dir / remote.filename
        if not path.is_file():
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            try:
                temp = Upstream(self.upstream_url, timeout=60, retries=1).download(
                    remote, self.cache_dir, frozenset({remote.sha256 or ""})
                )
            except WheelmillError:
                return error(404)
            os.chmod(temp, 0o644)
            os.replace(temp, path)
            self._note_on_status_page()
        try:
            info = os.stat(path)
        except OSError:
            return error(404)
        return self._file(
            request,
            str(path),
            info,
            "application/octet-stream",
            vary=False,
            ranges=True,
            immutable=True,
        )

    def _note_on_status_page(self) -> None:
        """Rewrite the status page, which lists what came from upstream; a page that
        cannot be written (a read-only ``status/``) does not fail the download."""
        with contextlib.suppress(OSError, WheelmillError, sqlite3.Error):
            write_status_page(Store(self.root))


def _url(remote: RemoteFile) -> str:
    return f"../../{UPSTREAM_DIR}/{urllib.parse.quote(remote.filename)}#sha256={remote.sha256}"


def _html_page(project: str, wheels: list[RemoteFile]) -> bytes:
    links = []
    for remote in wheels:
        requires = remote.requires_python
        links.append(
            f'<a href="{_url(remote)}"'
            + (f' data-requires-python="{html.escape(requires)}"' if requires else "")
            + (' data-yanked=""' if remote.yanked else "")
            + f">{html.escape(remote.filename)}</a><br>\n"
        )
    return (
        "<!DOCTYPE html>\n<html>\n<head>\n"
        f'<meta name="pypi:repository-version" content="{API_VERSION}">\n'
        f"<title>Links for {html.escape(project)} (upstream)</title>\n</head>\n<body>\n"
        + "".join(links)
        + "</body>\n</html>\n"
    ).encode()


def _json_page(project: str, wheels: list[RemoteFile]) -> bytes:
    files = []
    for remote in wheels:
        url = _url(remote).partition("#")[0]
        entry: dict[str, object] = {
            "filename": remote.filename,
            "url": url,
            "hashes": {"sha256": remote.sha256},
            "requires-python": remote.requires_python,
            "yanked": remote.yanked,
        }
        if remote.upload_time:
            entry["upload-time"] = remote.upload_time
        files.append(entry)
    document = {
        "meta": {"api-version": API_VERSION},
        "name": canonicalize_name(project),
        "files": files,
    }
    return json.dumps(document, separators=(",", ":")).encode()
