"""``gc``: remove what no kept lock references, then republish.

A version (``name==version``) is kept when any of the kept locks pins it; then
every wheel of it stays, whatever its target. Of every other version, ``gc``
removes the wheels and their ``.metadata`` files, the sdists, the build
dependencies in ``.wheelmill/build-deps/``, the build records, the logs, and
its rows in the catalog; with ``older_than``, only files (and rows) older than
that. Afterwards the index and the status page are written again.

It never races a build: it holds the wheelhouse lock exclusively (builds
hold it shared for as long as they run) and the publish lock while deleting.
A dry run takes no lock and changes nothing.
"""

from __future__ import annotations

import contextlib
import re
import time
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


def _remove(store: Store, report: CleanupReport) -> None:
    with store.lock("publish"):  # no publish reads a wheel while it goes
        for item in report.files:
            item.path.unlink(missing_ok=True)
            if item.kind == "sdist" and item.path.parent.parent == store.sdists:
                with contextlib.suppress(OSError):  # not empty: leave the directory
                    item.path.parent.rmdir()
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
        report.publish = publish(store)
        report.status_page = write_status_page(store)
    return report
