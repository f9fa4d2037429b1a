"""The team store mirrored into a local wheelhouse, and the index pushed back to it.

:func:`sync` brings every record of the object store into the local
wheelhouse, with the wheel each successful record names, hash-checked: an
object whose bytes differ from its record's sha256 is reported and never
mirrored, so it is never published. A wheel without a record (a builder killed
between the two writes) is not mirrored either. New attempts go into the local
catalog, so ``failures``, ``show``, ``rules`` and the status page see every
builder's work. The mirror is a plain wheelhouse: ``serve``, nginx, ``verify``,
``export`` and ``gc`` work on it as on any other.

:func:`push_index` uploads the index a local ``publish`` wrote, in the order
that keeps readers safe: the ``.metadata`` files (the wheels are there
already), then the project pages, then the root pages and the flat
``find-links.html``; so a page never names a file the bucket lacks. Last, the
publication marker ``published.json`` that ``serve --store`` watches.
"""

from __future__ import annotations

import contextlib
import html
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from .._timestamps import iso_time
from ._integrity import Stored
from .attempt import Attempt
from .pagemirror import MARKER, marker_body
from .remote import etag_of
from .team import TeamStore
from .wheelhouse import sha256_file, write_atomic

_SYNCED = "synced-attempts.txt"
_TYPES = {".html": "text/html", ".json": "application/vnd.pypi.simple.v1+json"}


@dataclass
class SyncReport:
    records: int = 0
    downloaded: list[str] = field(default_factory=list)
    corrupted: dict[str, str] = field(default_factory=dict)  # filename → why
    attempts: int = 0
    wheels: dict[str, str] = field(default_factory=dict)  # filename → sha256, every good one


def sync(store: TeamStore, *, workers: int = 8) -> SyncReport:
    """Mirror the store's records, wheels and attempts into the local wheelhouse."""
    store.create()
    store.refresh()
    report = SyncReport()
    keys = store.listed_records()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        records = [r for r in pool.map(store.read_record, keys) if r is not None]
    report.records = len(records)
    wanted: dict[str, str] = {}
    uploaded: dict[str, str] = {}
    for record in records:
        if record.ok and record.wheel and record.sha256:
            wanted.setdefault(record.wheel, record.sha256)
            uploaded.setdefault(record.wheel, record.upload_time or iso_time(record.created))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        outcomes = list(
            pool.map(lambda name: _mirror_wheel(store, name, wanted[name], uploaded[name]), wanted)
        )
    for filename, outcome in zip(wanted, outcomes):
        if outcome == "downloaded":
            report.downloaded.append(filename)
        if outcome in ("downloaded", "present"):
            report.wheels[filename] = wanted[filename]
        else:
            report.corrupted[filename] = outcome
    report.attempts = _import_attempts(store)
    return report


def _mirror_wheel(store: TeamStore, filename: str, sha256: str, uploaded: str) -> str:
    """``"present"``, ``"downloaded"``, or why the store's object was not mirrored.

    A mirrored wheel is remembered as stored (its hash was checked), with its
    record's upload time, so the index shows when it was built or fetched."""
    local = store.wheels / filename
    if local.is_file() and sha256_file(local) == sha256:
        if store.recall(filename) is None:
            _remember(store, local, sha256, uploaded)
        return "present"
    temp = store.tmp / f".{filename}.{os.getpid()}.download"
    try:
        if not store.remote.download(f"wheels/{filename}", temp):
            return f"{store.remote.url}: wheels/{filename} is missing; build it again"
        digest = sha256_file(temp)
        if digest != sha256:
            return (
                f"{store.remote.url}: wheels/{filename} has sha256 {digest}, its record says "
                f"{sha256}: the object is corrupted; delete it from the store and build again"
            )
        os.chmod(temp, 0o644)
        _remember(store, temp, sha256, uploaded, filename)
        os.replace(temp, local)  # a rename keeps the inode and the mtime
        return "downloaded"
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def _remember(
    store: TeamStore, path: os.PathLike[str], sha256: str, uploaded: str, name: str = ""
) -> None:
    info = os.stat(path)
    stored = Stored(sha256, info.st_size, info.st_mtime_ns, info.st_ino, uploaded)
    store.remember(name or os.path.basename(path), stored)


#: Where a mirror's wheels that the store does not hold are moved (never deleted).
SET_ASIDE = "not-in-store"


def set_aside(store: TeamStore, wheels: dict[str, str]) -> list[str]:
    """Move every local wheel not in ``wheels`` (the store's, as :func:`sync` found
    them) with its ``.metadata`` into ``.wheelmill/not-in-store/``; returns their names."""
    moved = []
    for path in sorted(store.wheels.glob("*.whl")):
        if path.name in wheels:
            continue
        aside = store.state / SET_ASIDE
        aside.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            os.replace(f"{path}.metadata", aside / f"{path.name}.metadata")
        os.replace(path, aside / path.name)
        store.forget(path.name)
        moved.append(path.name)
    return moved


def _import_attempts(store: TeamStore) -> int:
    """Add the store's attempts not seen before to the local catalog."""
    from .catalog import Catalog

    seen_path = store.state / _SYNCED
    seen = set(seen_path.read_text().split()) if seen_path.is_file() else set()
    new = [item.key for item in store.remote.list("attempts/") if item.key not in seen]
    if not new:
        return 0
    catalog = Catalog(store.catalog_path)
    added = 0
    for key in sorted(new):
        fetched = store.remote.get(key)
        if fetched is None:
            continue
        with contextlib.suppress(ValueError):
            catalog.add(Attempt.loads(fetched.data))
            added += 1
        seen.add(key)
    write_atomic(seen_path, "\n".join(sorted(seen)).encode() + b"\n", tmp_dir=store.tmp)
    return added


def push_index(store: TeamStore, wheels: dict[str, str]) -> int:
    """Upload the local ``simple/`` and ``status/`` trees and ``find-links.html``; only
    changed files are sent. Returns how many were."""
    pages_listed = {item.key: item.etag for item in store.remote.list("simple/")}
    pages_listed.update({item.key: item.etag for item in store.remote.list("status/")})
    listed = {**pages_listed, **{item.key: item.etag for item in store.remote.list("wheels/")}}
    metadata = sorted(store.wheels.glob("*.whl.metadata"))
    pages = sorted(p for p in store.simple.rglob("*") if p.is_file() and p.parent != store.simple)
    roots = sorted(p for p in store.simple.glob("*") if p.is_file())
    status = sorted(p for p in (store.root / "status").glob("*") if p.is_file())
    sent = 0
    written: set[str] = set()
    for batch in (metadata, pages, roots, status):  # dependencies before what links them
        for path in batch:
            key = path.relative_to(store.root).as_posix()
            written.add(key)
            data = path.read_bytes()
            if listed.get(key) == etag_of(data):
                continue
            store.remote.put(key, data, content_type=_TYPES.get(path.suffix, "text/plain"))
            sent += 1
    flat = find_links_page(wheels)
    store.remote.put("find-links.html", flat, content_type="text/html")
    # Last, the pages of projects gone from the index (no root page links them now).
    for key in sorted(set(pages_listed) - written):
        store.remote.delete(key)
    # What `serve --store` watches: a new etag once the whole publication is in place.
    store.remote.put(MARKER, marker_body(sent), content_type="application/json")
    return sent + 1


def find_links_page(wheels: dict[str, str]) -> bytes:
    """One flat page linking every wheel with its hash (``pip --find-links URL``): what a
    bucket without index documents serves to pip and uv."""
    links = "".join(
        f'<a href="wheels/{html.escape(name)}#sha256={digest}">{html.escape(name)}</a><br>\n'
        for name, digest in sorted(wheels.items())
    )
    return f"<!DOCTYPE html>\n<html><body>\n{links}</body></html>\n".encode()
