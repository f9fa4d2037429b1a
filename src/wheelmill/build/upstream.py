"""Read the upstream index (PEP 691 JSON, PEP 503 HTML) and download files hash-checked.

Only the standard library's ``urllib`` is used; ``file://`` indexes work too,
which is what offline tests and air-gapped teams use.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import IO, TYPE_CHECKING

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import parse_wheel_filename
from packaging.version import Version

from .. import __version__
from .._exceptions import HashMismatchError, UnsafeFilenameError, UpstreamError, excerpt
from .._filenames import checked_sha256, distribution_of, plain_filename
from .._timestamps import parse_iso_time
from ..lockfile.pins import Pin
from ..target import Target
from ._http import Connections

if TYPE_CHECKING:
    from ..store.wheelhouse import Store

_ACCEPT = (
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, "
    "text/html;q=0.01"
)
_USER_AGENT = f"wheelmill/{__version__}"
_CHUNK = 1 << 20
#: What a page's unsafe file name costs: the whole page (a sound index never has one).
_REFUSING = "refusing every file of the project"


@dataclass(frozen=True)
class RemoteFile:
    """A distribution file listed on the index."""

    filename: str
    url: str
    sha256: str | None = None
    requires_python: str | None = None
    yanked: bool = False
    #: PEP 700's ``upload-time`` (JSON pages only), in its ISO 8601 UTC form.
    upload_time: str | None = None

    def vouching(self, expected: frozenset[str]) -> frozenset[str]:
        """The sha256 digests a download of this file must match: the lock's
        (``expected``), else the index's own; none when nothing vouches for its bytes."""
        return expected or (frozenset({self.sha256}) if self.sha256 else frozenset())

    @property
    def is_wheel(self) -> bool:
        return self.filename.endswith(".whl")


@dataclass(frozen=True)
class Candidates:
    """The files of one pinned version that can serve a target.

    ``requires_python`` is set when the release does not support the target's
    Python: no wheel serves it and its sdist (else its wheels for the target's
    platform) declares a Requires-Python that excludes it; then ``sdist`` is ``None``.
    """

    wheel: RemoteFile | None
    sdist: RemoteFile | None
    requires_python: str | None = None


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.links.append(dict(attrs))


def _parse_html(text: str, base: str) -> list[RemoteFile]:
    parser = _LinkParser()
    parser.feed(text)
    files = []
    for attrs in parser.links:
        href = attrs.get("href")
        if not href:
            continue
        url = urllib.parse.urljoin(base, href)
        path, _, fragment = url.partition("#")
        if path.endswith("/"):
            continue  # a link to a directory (a way back up), not to a file
        filename = plain_filename(urllib.parse.unquote(path.rsplit("/", 1)[-1]), _REFUSING)
        sha256 = fragment[len("sha256=") :] if fragment.startswith("sha256=") else None
        if sha256 is not None:
            sha256 = checked_sha256(sha256, _REFUSING)
        files.append(
            RemoteFile(
                filename=filename,
                url=path,
                sha256=sha256,
                requires_python=attrs.get("data-requires-python"),
                yanked="data-yanked" in attrs,
            )
        )
    return files


def _parse_json(data: bytes, base: str) -> list[RemoteFile]:
    files = []
    try:
        for entry in json.loads(data).get("files", []):
            filename, link = entry["filename"], entry["url"]
            if not isinstance(filename, str) or not isinstance(link, str):
                raise TypeError("a file's name and url must be strings")
            sha256 = (entry.get("hashes") or {}).get("sha256")
            if not link.startswith(("https://", "http://")):  # absolute (PyPI's) as it is
                link = urllib.parse.urljoin(base, link)
            files.append(
                RemoteFile(
                    filename=plain_filename(filename, _REFUSING),
                    url=link.partition("#")[0],
                    sha256=checked_sha256(str(sha256), _REFUSING) if sha256 else None,
                    requires_python=entry.get("requires-python"),
                    yanked=bool(entry.get("yanked")),
                    upload_time=parse_iso_time(entry.get("upload-time")),
                )
            )
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise UpstreamError(f"not a valid PEP 691 page ({exc}); check the index") from None
    return files


def _check_links(files: list[RemoteFile], page: str) -> None:
    """A page served over HTTP links its distributions over HTTP only (never to ``file:``)."""
    if urllib.parse.urlsplit(page).scheme not in ("http", "https"):
        return
    for remote in files:
        if remote.url.startswith(("https://", "http://")):
            continue
        if distribution_of(remote.filename) is None:
            continue  # not a file wheelmill would ever download
        if urllib.parse.urlsplit(remote.url).scheme not in ("http", "https"):
            raise UnsafeFilenameError(
                f"{remote.filename} links to {excerpt(remote.url)}, not to an http(s) URL; "
                f"{_REFUSING}: the index that offered it is broken or hostile"
            )


def _file_url_path(url: str) -> Path:
    return Path(urllib.request.url2pathname(urllib.parse.urlparse(url).path))


def python_ok(requires_python: str | None, target: Target) -> bool:
    if not requires_python:
        return True
    try:
        spec = SpecifierSet(requires_python)
    except InvalidSpecifier:
        return True
    return spec.contains(target.environment.get("python_full_version", ""), prereleases=True)


def choose(files: Iterable[RemoteFile], pin: Pin, target: Target) -> Candidates:
    """Pick the best wheel for ``target`` and the sdist among the files of ``pin``'s version.

    Only files named for exactly this pin count. A file named for anything else
    that carries one of the lock's hashes is an :class:`UnsafeFilenameError`: the
    index offers the pin's bytes under another project's or version's name.
    """
    wanted = (pin.name, Version(pin.version))
    locked = pin.sha256s()
    best: tuple[int, RemoteFile] | None = None
    sdist: RemoteFile | None = None
    excluded: str | None = None  # the Requires-Python of a fitting wheel that excludes us
    for remote in files:
        if locked and remote.sha256 and remote.sha256 not in locked:
            continue  # not one of the lock's files, whatever its name (no need to parse it)
        if distribution_of(remote.filename) != wanted:
            if remote.sha256 and remote.sha256 in locked:
                raise UnsafeFilenameError(
                    f"{pin.spec}: the index offers {excerpt(remote.filename)} with one of the "
                    f"lock's hashes, but it is not a file of {pin.name} {pin.version}; refusing "
                    "it: the index is broken or hostile (or the lock is wrong: re-lock)"
                )
            continue
        if remote.is_wheel:
            rank = target.tag_rank(parse_wheel_filename(remote.filename)[3])
            if rank is None:
                continue
            if not python_ok(remote.requires_python, target):
                excluded = excluded or remote.requires_python
                continue
            if best is None or rank < best[0]:
                best = (rank, remote)
        elif sdist is None or remote.filename.endswith(".tar.gz"):
            sdist = remote
    if best is not None:
        return Candidates(wheel=best[1], sdist=sdist)
    if sdist is not None and sdist.requires_python:
        excluded = None if python_ok(sdist.requires_python, target) else sdist.requires_python
    if excluded:
        return Candidates(wheel=None, sdist=None, requires_python=excluded.strip())
    return Candidates(wheel=None, sdist=sdist)


class Upstream:
    """A read-only client of one package index, safe to share between threads.

    Its HTTP connections are kept and reused (:mod:`._http`)."""

    def __init__(self, index_url: str, *, timeout: float = 60.0, retries: int = 3) -> None:
        self.index_url = index_url if index_url.endswith("/") else index_url + "/"
        self.timeout = timeout
        self.retries = retries
        self._pages: dict[str, list[RemoteFile]] = {}
        self._lock = threading.Lock()
        self._http = Connections(timeout=timeout)

    def close(self) -> None:
        """Close the connections kept for the next requests."""
        self._http.close()

    def _open(self, url: str, accept: str | None = None) -> tuple[bytes, str]:
        if url.startswith("file:"):
            path = _file_url_path(url)
            if path.is_dir():
                path = path / "index.html"
            try:
                return path.read_bytes(), "text/html"
            except FileNotFoundError:
                raise urllib.error.HTTPError(url, 404, "Not Found", None, None) from None  # type: ignore[arg-type]
        headers = {"User-Agent": _USER_AGENT, **({"Accept": accept} if accept else {})}
        with self._http.get(url, headers) as response:
            return response.read(), response.headers.get("Content-Type", "")

    def _retrying(self, url: str, accept: str | None = None) -> tuple[bytes, str]:
        for attempt in range(self.retries):
            try:
                return self._open(url, accept)
            except urllib.error.HTTPError as exc:
                if exc.code < 500 or attempt == self.retries - 1:
                    raise
            except (urllib.error.URLError, OSError):
                if attempt == self.retries - 1:
                    raise
            time.sleep(0.5 * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def files(self, name: str) -> list[RemoteFile]:
        """All files the index lists for project ``name`` (cached per instance)."""
        with self._lock:
            if name in self._pages:
                return self._pages[name]
        url = urllib.parse.urljoin(self.index_url, f"{name}/")
        try:
            body, content_type = self._retrying(url, _ACCEPT)
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                raise UpstreamError(
                    f"{name}: no such project on {self.index_url}; check the spelling or the index"
                ) from None
            raise UpstreamError(f"{name}: index answered HTTP {exc.code} for {url}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise UpstreamError(f"{name}: cannot reach {url} ({reason})") from None
        try:
            if "json" in content_type:
                files = _parse_json(body, url)
            else:
                files = _parse_html(body.decode("utf-8", "replace"), url)
            _check_links(files, url)
        except UnsafeFilenameError as exc:
            raise UnsafeFilenameError(f"{name}: {exc}") from None
        except UpstreamError as exc:
            raise UpstreamError(f"{name}: {url}: {exc}") from None
        with self._lock:
            self._pages[name] = files
        return files

    def candidates(self, pin: Pin, target: Target) -> Candidates:
        files = self.files(pin.name)
        found = choose(files, pin, target)
        if found.wheel is None and found.sdist is None and found.requires_python is None:
            versions = {distribution_of(f.filename) for f in files}
            if (pin.name, Version(pin.version)) in versions:
                raise UpstreamError(
                    f"{pin.spec}: none of its files on the index match the lock's hashes or "
                    f"this interpreter; re-lock it"
                )
            raise UpstreamError(
                f"{pin.spec}: version not found on {self.index_url}; "
                "re-lock, or check that the index carries it"
            )
        return found

    def stored_sdist(
        self, store: Store, remote: RemoteFile, scratch: Path, expected: frozenset[str]
    ) -> Path:
        """The sdist ``remote`` in ``store``: the copy kept there, else downloaded into
        ``scratch``, verified (:meth:`download`) and kept."""
        kept = store.cached_sdist(remote.sha256, remote.filename)
        if kept is not None:
            return kept
        temp, digest = self.download_hashed(remote, scratch, expected)
        return store.keep_sdist(temp, digest, remote.filename)

    def download(self, remote: RemoteFile, directory: Path, expected: frozenset[str]) -> Path:
        """Download ``remote`` into a temp file in ``directory``, verified; return its path.

        ``expected`` holds the lock's sha256 digests; when empty, the index's own
        digest is checked instead. The caller moves the file into place.
        """
        return self.download_hashed(remote, directory, expected)[0]

    def download_hashed(
        self, remote: RemoteFile, directory: Path, expected: frozenset[str]
    ) -> tuple[Path, str]:
        """:meth:`download`, and the sha256 taken as it streamed in (so nobody reads
        the file again to hash it)."""
        directory.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".download-", suffix=".part", dir=directory)
        path = Path(name)
        try:
            with os.fdopen(fd, "wb") as sink:
                digest = self._stream(remote.url, sink)
            allowed = remote.vouching(expected)
            if allowed and digest not in allowed:
                raise HashMismatchError(
                    f"{remote.filename}: sha256 {digest} matches none of the "
                    f"{'lock' if expected else 'index'}'s hashes; the file changed upstream or "
                    "the lock is stale: inspect it and re-lock"
                )
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return path, digest

    def _stream(self, url: str, sink: IO[bytes]) -> str:
        digest = hashlib.sha256()
        try:
            if url.startswith("file:"):
                with _file_url_path(url).open("rb") as source:
                    self._copy(source, sink, digest)
            else:
                with self._http.get(url, {"User-Agent": _USER_AGENT}) as response:
                    self._copy(response, sink, digest)
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise UpstreamError(f"cannot download {url} ({reason})") from None
        return digest.hexdigest()

    @staticmethod
    def _copy(source: IO[bytes], sink: IO[bytes], digest: hashlib._Hash) -> None:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
            sink.write(chunk)
