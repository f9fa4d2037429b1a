"""``gc``: remove what no kept lock references, then republish.

A version (``name==version``) is kept when any of the kept locks pins it; then
every wheel of it stays, whatever its target. Of every other version, ``gc``
removes the wheels and their ``.metadata`` files, the sdists, the build
dependencies in ``.wheelmill/build-deps/``, the build records, the logs, and
its rows in the catalog; with ``older_than``, only files (and rows) older than
that. Afterwards the status page is written again.

The index never links a missing file, whenever ``gc`` stops (even killed):

1. what no index page links goes first (sdists, build dependencies, records,
   logs), which also frees space for the pages to come;
2. the index is published without the doomed wheels (their files still there);
3. under the publish lock, once no page links them, the doomed wheels and their
   ``.metadata`` are moved (``os.replace``) into gc's private temp directory,
   removed with it at the end, or by the next ``publish``, ``build`` or ``gc``
   if this one was killed;
4. the catalog rows go.

Killed before step 3, the doomed wheels stay in ``wheels/``, unlinked; a later
``publish`` links them again and a later ``gc`` removes them.

It never races a build: it holds the wheelhouse lock exclusively (builds
hold it shared for as long as they run). A dry run takes no lock and changes
nothing.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from ._exceptions import WheelhouseError, WheelmillError
from .index.publish import PublishReport, publish
from .index.statuspage import write_status_page
from .lockfile.pins import Pin
from .store.catalog import Catalog
from .store.wheelhouse import Store

_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}

Version_ = tuple[str, str]  # (normalized name, normalized version)


def parse_age(text: str) -> float:
    """``30d``, ``12h``, ``90m``, ``45s`` or ``2w`` in seconds."""
    found = _AGE.match(text)
    if found is None:
        raise WheelmillError(
            f"{text!r} is not an age; write a number and a unit: 30d, 12h, 90m, 45s or 2w"
        )
    return float(found.group(1)) * _UNITS[found.group(2)]


@dataclass(frozen=True)
class Doomed:
    path: Path
    size: int
    kind: str  # wheel, metadata, sdist, build-dep, record, log


@dataclass
class CleanupReport:
    files: list[Doomed] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)  # catalog row ids
    versions: list[str] = field(default_factory=list)  # name==version
    kept: int = 0  # wheels kept
    dry_run: bool = False
    publish: PublishReport | None = None
    status_page: Path | None = None

    @property
    def bytes(self) -> int:
        return sum(item.size for item in self.files)


def _normal(name: str, version: str) -> Version_ | None:
    try:
        return canonicalize_name(name), str(Version(version))
    except InvalidVersion:
        return None


class _Plan:
    def __init__(self, store: Store, keep: set[Version_], cutoff: float | None) -> None:
        self.store, self.keep, self.cutoff = store, keep, cutoff
        self.report = CleanupReport()
        self.versions: set[Version_] = set()
        self._seen: set[Path] = set()

    def old(self, stamp: float) -> bool:
        return self.cutoff is None or stamp < self.cutoff

    def doom(self, path: Path, kind: str, version: Version_ | None, *, aged: bool = True) -> bool:
        """Mark ``path`` for removal if its version is not kept and it is old enough
        (``aged=False``: whatever its age, it goes with the file it belongs to)."""
        if version is None or version in self.keep or path in self._seen:
            return False
        try:
            stat = path.stat()
        except OSError:
            return False
        if aged and not self.old(stat.st_mtime):
            return False
        self._seen.add(path)
        self.versions.add(version)
        self.report.files.append(Doomed(path, stat.st_size, kind))
        return True

    def log(self, text: str | None, version: Version_ | None) -> None:
        logs = self.store.logs.resolve()
        if text and Path(text).resolve().parent == logs:  # never outside the wheelhouse
            self.doom(Path(text).resolve(), "log", version)


def _wheel_version(filename: str) -> Version_ | None:
    try:
        name, version, _, _ = parse_wheel_filename(filename)
    except InvalidWheelFilename:
        return None
    return name, str(version)


def plan_cleanup(store: Store, keep: set[Version_], *, older_than: float | None) -> CleanupReport:
    """What would go; changes nothing."""
    plan = _Plan(store, keep, None if older_than is None else time.time() - older_than)
    for path in sorted(store.wheels.glob("*.whl")):
        version = _wheel_version(path.name)
        if plan.doom(path, "wheel", version):
            plan.doom(path.with_name(path.name + ".metadata"), "metadata", version, aged=False)
        elif version is not None:
            plan.report.kept += 1
    for path in sorted(store.sdists.glob("*/*")):
        try:
            name, parsed = parse_sdist_filename(path.name)
        except InvalidSdistFilename:
            continue
        plan.doom(path, "sdist", (name, str(parsed)))
    for path, record in store.iter_records():
        version = _normal(record.name, record.version)
        if plan.doom(path, "record", version):
            plan.log(record.log, version)
    if store.catalog_path.is_file():
        for row_id, attempt in Catalog(store.catalog_path).entries():
            version = _normal(attempt.name, attempt.version)
            if version is not None and version not in keep and plan.old(attempt.created):
                plan.report.rows.append(row_id)
                plan.versions.add(version)
                plan.log(attempt.log, version)
    for path in sorted((store.state / "build-deps").glob("*.whl")):
        version = _wheel_version(path.name)
        if version in plan.versions:
            plan.doom(path, "build-dep", version)
    plan.report.versions = sorted(f"{name}=={version}" for name, version in plan.versions)
    return plan.report


_LINKED = ("wheel", "metadata")  # the kinds of files the index links
_HREF = re.compile(r'href="[^"#]*/([^"/#]+)#')
#: How many times gc publishes again when a concurrent publish linked a doomed wheel anew.
_ATTEMPTS = 5


def _project(filename: str) -> str:
    return canonicalize_name(filename.partition("-")[0])


def _linked(store: Store, names: set[str]) -> set[str]:
    """Which of the wheels ``names`` a project page links (both pages of each project)."""
    found: set[str] = set()
    for project in {_project(name) for name in names}:
        directory = store.simple / project
        try:
            html = (directory / "index.html").read_text("utf-8")
            files = json.loads((directory / "index.json").read_bytes())["files"]
        except FileNotFoundError:
            continue
        except (OSError, ValueError, KeyError, TypeError):
            return set(names)  # unreadable: assume the worst, publish again
        found.update(urllib.parse.unquote(name) for name in _HREF.findall(html))
        found.update(str(item.get("filename")) for item in files if isinstance(item, dict))
    return found & names


def _unpublish(store: Store, doomed: list[Doomed]) -> PublishReport:
    """Publish without the doomed wheels, then move them (and their ``.metadata``) away."""
    names = {item.path.name for item in doomed if item.kind == "wheel"}
    with store.session() as trash:  # reaped by the next session if this process dies
        for _ in range(_ATTEMPTS):
            published = publish(store, exclude=names, status_page=False)
            with store.lock("publish"):  # no publish links them again while they go
                if _linked(store, names):
                    continue  # a concurrent publish linked some again
                for item in doomed:
                    with contextlib.suppress(FileNotFoundError):
                        os.replace(item.path, trash / item.path.name)
                    if item.kind == "wheel":
                        store.forget(item.path.name)
                return published
    raise WheelhouseError(
        f"{store.root}: another `wheelmill publish` kept linking the wheels gc removes; "
        "nothing of them was removed. Run gc again when it has finished"
    )


def _remove(store: Store, report: CleanupReport) -> None:
    doomed = [item for item in report.files if item.kind in _LINKED]
    for item in report.files:  # first what no page links
        if item.kind in _LINKED:
            continue
        item.path.unlink(missing_ok=True)
        if item.kind == "sdist" and item.path.parent.parent == store.sdists:
            with contextlib.suppress(OSError):  # not empty: leave the directory
                item.path.parent.rmdir()
    report.publish = _unpublish(store, doomed)
    if report.rows:
        Catalog(store.catalog_path).delete(report.rows)


def collect_garbage(
    store: Store,
    keep: Iterable[Pin],
    *,
    older_than: float | None = None,
    dry_run: bool = False,
    wait: float = 3600.0,
) -> CleanupReport:
    """Remove every version no pin in ``keep`` names (see the module docstring)."""
    kept: set[Version_] = {(pin.name, pin.version) for pin in keep}
    if not kept:
        raise WheelmillError("the kept locks pin nothing; refusing to empty the wheelhouse")
    if not store.wheels.is_dir():
        raise WheelhouseError(f"{store.root}: not a wheelhouse (no wheels/); check --wheelhouse")
    if dry_run:
        report = plan_cleanup(store, kept, older_than=older_than)
        report.dry_run = True
        return report
    store.create()
    with store.exclusive(timeout=wait):
        report = plan_cleanup(store, kept, older_than=older_than)  # as of now, under the lock
        _remove(store, report)
        report.status_page = write_status_page(store)
    return report
