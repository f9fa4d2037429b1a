"""The index a store published, copied into a local directory for ``serve --store``.

``publish --store`` ends by writing ``published.json`` (:data:`MARKER`); its
etag changes with every publication, so a server checks one small object (a
``HEAD``) to know whether anything changed. When it did, :func:`refresh_pages`
brings the local copy in line with the store's pages, in the order that keeps
every page servable:

1. one listing of ``simple/``, ``status/`` and ``wheels/``; the project pages
   whose bytes changed are read;
2. every wheel a new page names (its ``index.json`` ``files``) that is not
   here with that sha256 is downloaded and checked against it, with its
   ``.metadata``; a page naming a wheel that cannot be had (missing or
   corrupted object) is not taken, the old one stays;
3. the project pages are replaced (``os.replace``), then the root pages and
   the status page;
4. the pages of projects the store no longer lists are removed, and last the
   wheels no page names any more, of those it downloaded (listed in
   :data:`OWNED`): a wheel put in the directory otherwise is never removed.

The local directory is a wheelhouse ``wheelmill serve`` serves as it changes
(it reads files per request).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .remote import Remote, RemoteObject, etag_of
from .wheelhouse import sha256_file, write_atomic

#: Written last by every ``publish --store``: what a server watches.
MARKER = "published.json"
_WORKERS = 8


@dataclass
class PageRefresh:
    marker: str | None  # the etag of the publication now copied (None: nothing published)
    pages: int = 0  # pages replaced
    wheels: int = 0  # wheels downloaded
    removed: int = 0  # pages and wheels removed
    refused: dict[str, str] = field(default_factory=dict)  # project page → why it was kept


def _wanted(page: bytes) -> dict[str, str]:
    """``filename → sha256`` of every file a project's ``index.json`` names."""
    files = json.loads(page)["files"]
    return {str(item["filename"]): str(item["hashes"]["sha256"]) for item in files}


def _local_etag(path: Path) -> str | None:
    try:
        return etag_of(path.read_bytes())
    except OSError:
        return None


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, data)


def _fetch_wheel(remote: Remote, root: Path, filename: str, sha256: str) -> str | None:
    """``None`` once ``wheels/filename`` (and its ``.metadata``) is here, else why not."""
    local = root / "wheels" / filename
    if local.is_file() and sha256_file(local) == sha256:
        return None
    temp = root / "wheels" / f".{filename}.{os.getpid()}.download"
    try:
        if not remote.download(f"wheels/{filename}", temp):
            return f"wheels/{filename} is missing from the store"
        if sha256_file(temp) != sha256:
            return f"wheels/{filename} does not have the sha256 its page says: corrupted"
        os.chmod(temp, 0o644)
        metadata = remote.get(f"wheels/{filename}.metadata")
        if metadata is not None:
            write_atomic(Path(f"{local}.metadata"), metadata.data, tmp_dir=root / "wheels")
        os.replace(temp, local)
        with _OWNED_GUARD:
            _OWNED.add(filename)
        return None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def refresh_pages(remote: Remote, root: Path, seen: str | None = None) -> PageRefresh:
    """Copy the store's published index into ``root`` if its marker's etag is not
    ``seen`` (see the module docstring)."""
    marker = remote.head(MARKER)
    report = PageRefresh(None if marker is None else marker.etag)
    if marker is None or marker.etag == seen:
        return report
    for tree in ("simple", "wheels", "status"):
        (root / tree).mkdir(parents=True, exist_ok=True)
    _load_owned(root)
    listed = {
        item.key: item
        for prefix in ("simple/", "status/")
        for item in remote.list(prefix)
        if not item.key.endswith("/")  # a folder marker some servers list
    }
    changed = [
        item
        for item in listed.values()
        if item.key.startswith("simple/")
        and item.key.count("/") == 2
        and _local_etag(root / item.key) != item.etag
    ]
    with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
        fetched = dict(
            zip((i.key for i in changed), pool.map(lambda i: remote.get(i.key), changed))
        )
    projects: dict[str, dict[str, bytes]] = {}
    for key, body in fetched.items():
        if body is not None:
            projects.setdefault(key.split("/")[1], {})[key] = body.data
    wanted: dict[str, str] = {}
    pages: dict[str, dict[str, bytes]] = {}
    for project, files in projects.items():
        page = files.get(f"simple/{project}/index.json")
        try:
            names = _wanted(page) if page is not None else {}
        except (ValueError, KeyError, TypeError):
            report.refused[project] = "its index.json cannot be read"
            continue
        pages[project] = files
        wanted.update(names)
    with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
        missing = dict(
            zip(wanted, pool.map(lambda n: _fetch_wheel(remote, root, n, wanted[n]), wanted))
        )
    for project, files in sorted(pages.items()):
        page = files.get(f"simple/{project}/index.json")
        problems = [why for name in _wanted(page) if (why := missing.get(name))] if page else []
        if problems:
            report.refused[project] = problems[0]
            continue
        for key, data in sorted(files.items(), key=lambda kv: kv[0].endswith(".json")):
            _write(root / key, data)
            report.pages += 1
    # The root pages and the status page, now that every project page they link is here.
    for key in sorted(k for k in listed if k.count("/") == 1 and not k.endswith("/")):
        if _local_etag(root / key) != listed[key].etag and (body := remote.get(key)):
            _write(root / key, body.data)
            report.pages += 1
    report.removed = _prune(root, listed, set(report.refused))
    return report


#: The wheels this process downloaded (recorded in :data:`OWNED`): the only ones it removes.
_OWNED: set[str] = set()
_OWNED_GUARD = threading.Lock()
OWNED = ".wheelmill/from-store-pages.txt"


def _load_owned(root: Path) -> None:
    with contextlib.suppress(OSError), _OWNED_GUARD:
        _OWNED.update((root / OWNED).read_text().split())


def _save_owned(root: Path) -> None:
    with _OWNED_GUARD:
        text = "".join(f"{name}\n" for name in sorted(_OWNED))
    (root / OWNED).parent.mkdir(parents=True, exist_ok=True)
    write_atomic(root / OWNED, text.encode())


def _prune(root: Path, listed: dict[str, RemoteObject], refused: Iterable[str]) -> int:
    """Remove the local pages the store no longer has, then the wheels no page names."""
    removed = 0
    projects = {key.split("/")[1] for key in listed if key.startswith("simple/")}
    for directory in (root / "simple").iterdir():
        if directory.is_dir() and directory.name not in projects | set(refused):
            shutil.rmtree(directory, ignore_errors=True)
            removed += 1
    named: set[str] = set()
    for page in (root / "simple").glob("*/index.json"):
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            named.update(_wanted(page.read_bytes()))
    for wheel in (root / "wheels").glob("*.whl"):
        if wheel.name not in named and wheel.name in _OWNED:  # never a wheel put there else
            wheel.unlink(missing_ok=True)
            Path(f"{wheel}.metadata").unlink(missing_ok=True)
            with _OWNED_GUARD:
                _OWNED.discard(wheel.name)
            removed += 1
    _save_owned(root)
    return removed


def marker_body(pages: int) -> bytes:
    """What ``publish --store`` writes last: a new etag for every publication."""
    nonce = hashlib.sha256(os.urandom(16)).hexdigest()[:16]
    return json.dumps({"pages": pages, "publication": nonce}).encode()
