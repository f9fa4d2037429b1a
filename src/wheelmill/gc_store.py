"""``gc --store``: remove from the team's object store what no kept lock references.

The same rule as :mod:`wheelmill.gc` (a version pinned by a kept lock stays with
every target's wheel; of every other version, with ``older_than`` only what is
older by the store's clock), applied to the objects: ``records/``, their
``attempts/`` and ``logs/``, then ``wheels/`` and their ``.metadata``.

It never races a build. A key whose lease is live (:func:`~wheelmill.store.lease.live_leases`)
is not collected, nor anything of the version its builder is settling; a wheel
goes only if every record naming it goes. In the order of the local ``gc``:

1. what no index page links goes first: records, attempts, logs (a record is
   deleted before its wheel, so no record ever names a missing wheel);
2. the index is published again into the store without the doomed wheels
   (:func:`~wheelmill.index.bucket.publish_store`: pages of projects that are
   gone are deleted last);
3. the leases and records are listed again; then the doomed wheels and their
   ``.metadata`` go, except any a builder claimed or recorded meanwhile;
4. the local mirror's copies go too.

Killed between two steps, nothing links a missing object: a wheel left without
its record is not published, and the next ``gc`` removes it.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ._exceptions import WheelmillError
from .gc import Version_, _normal, _wheel_version
from .index.bucket import publish_store
from .index.publish import PublishReport
from .lockfile.pins import Pin
from .store.attempt import Attempt
from .store.lease import live_leases
from .store.team import TeamStore

_WORKERS = 8
_UNLINKED = ("record", "attempt", "log")


@dataclass(frozen=True)
class DoomedObject:
    key: str  # under the store's prefix
    size: int
    kind: str  # wheel, metadata, record, attempt, log


@dataclass
class StoreCleanup:
    objects: list[DoomedObject] = field(default_factory=list)
    versions: list[str] = field(default_factory=list)  # name==version
    kept: int = 0  # wheels kept
    leased: list[str] = field(default_factory=list)  # versions spared: a builder holds them
    dry_run: bool = False
    publish: PublishReport | None = None

    @property
    def bytes(self) -> int:
        return sum(item.size for item in self.objects)


def _pin_version(text: str) -> Version_ | None:
    name, _, version = text.partition("==")
    return _normal(name, version) if name and version else None


def _records(store: TeamStore) -> dict[str, Attempt]:
    store.refresh()
    keys = store.listed_records()
    with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
        found = pool.map(store.read_record, keys)
        return {key: record for key, record in zip(keys, found) if record is not None}


def plan_store_cleanup(
    store: TeamStore, keep: set[Version_], *, older_than: float | None
) -> StoreCleanup:
    """What would go from the store; changes nothing."""
    cutoff = None if older_than is None else time.time() - older_than
    report = StoreCleanup()
    leases = live_leases(store.remote)
    spared = {v for v in map(_pin_version, leases.values()) if v is not None}
    records = _records(store)
    for key, record in records.items():
        if key in leases and (version := _normal(record.name, record.version)) is not None:
            spared.add(version)
    report.leased = sorted(f"{name}=={version}" for name, version in spared - keep)
    protected = keep | spared
    listed = {
        item.key: item
        for prefix in ("records/", "attempts/", "logs/", "wheels/")
        for item in store.remote.list(prefix)
    }
    versions: set[Version_] = set()
    doomed_records: set[str] = set()
    needed_wheels: set[str] = set()  # named by a record that stays

    seen: set[str] = set()

    def doom(key: str, kind: str, version: Version_) -> None:
        item = listed.get(key)
        if item is not None and key not in seen:
            seen.add(key)
            report.objects.append(DoomedObject(key, item.size, kind))
            versions.add(version)

    for key, record in sorted(records.items()):
        version = _normal(record.name, record.version)
        listing = listed.get(f"records/{key}.json")
        old = cutoff is None or (listing is not None and listing.modified < cutoff)
        if version is None or version in protected or key in leases or not old:
            if record.wheel:
                needed_wheels.add(record.wheel)
            continue
        doomed_records.add(key)
        doom(f"records/{key}.json", "record", version)
        if record.log:
            doom(f"logs/{Path(record.log).name}", "log", version)
    for item in listed.values():  # every attempt of a doomed record, and its log
        parts = item.key.split("/")
        if parts[0] == "attempts" and len(parts) == 3 and parts[1] in doomed_records:
            record = records[parts[1]]
            version = _normal(record.name, record.version)
            assert version is not None
            doom(item.key, "attempt", version)
            stem = parts[2].removesuffix(".json").partition("-")[2]  # <created>-<log stem>
            if stem and stem != "fetch":
                doom(f"logs/{stem}.log", "log", version)
    for key, item in sorted(listed.items()):
        if not key.startswith("wheels/") or not key.endswith(".whl"):
            continue
        filename = key.removeprefix("wheels/")
        version = _wheel_version(filename)
        if version is None:
            continue
        gone = (
            version not in protected
            and filename not in needed_wheels
            and (cutoff is None or item.modified < cutoff)
        )
        if not gone:
            report.kept += 1
            continue
        doom(key, "wheel", version)
        doom(f"{key}.metadata", "metadata", version)
    report.versions = sorted(f"{name}=={version}" for name, version in versions)
    return report


def _delete(store: TeamStore, keys: Iterable[str]) -> None:
    with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
        list(pool.map(store.remote.delete, keys))


def _still_doomed(store: TeamStore, report: StoreCleanup) -> list[DoomedObject]:
    """The doomed wheels (and ``.metadata``) no builder claimed or recorded since the plan."""
    spared = {v for v in map(_pin_version, live_leases(store.remote).values()) if v}
    named = {record.wheel for record in _records(store).values() if record.wheel}
    wheels = [item for item in report.objects if item.kind in ("wheel", "metadata")]
    return [
        item
        for item in wheels
        if (name := item.key.removeprefix("wheels/").removesuffix(".metadata")) not in named
        and _wheel_version(name) not in spared
    ]


def collect_store_garbage(
    store: TeamStore,
    keep: Iterable[Pin],
    *,
    older_than: float | None = None,
    dry_run: bool = False,
) -> StoreCleanup:
    """Remove from the store every version no pin in ``keep`` names (module docstring)."""
    kept: set[Version_] = {(pin.name, pin.version) for pin in keep}
    if not kept:
        raise WheelmillError("the kept locks pin nothing; refusing to empty the store")
    store.create()  # the local cache the records are read into (a dry run too)
    report = plan_store_cleanup(store, kept, older_than=older_than)
    if dry_run:
        report.dry_run = True
        return report
    _delete(store, [item.key for item in report.objects if item.kind in _UNLINKED])
    doomed_wheels = {
        item.key.removeprefix("wheels/") for item in report.objects if item.kind == "wheel"
    }
    report.publish = publish_store(store, exclude=doomed_wheels).publish
    going = _still_doomed(store, report)
    _delete(store, [item.key for item in going])
    for item in going:  # the mirror's copies (never linked by its index now)
        with contextlib.suppress(FileNotFoundError):
            (store.root / item.key).unlink()
        if item.kind == "wheel":
            store.forget(item.key.removeprefix("wheels/"))
    for item in report.objects:
        if item.kind == "record":
            with contextlib.suppress(FileNotFoundError):
                (store.records / item.key.removeprefix("records/")).unlink()
    removed = {item.key for item in going}
    report.objects = [o for o in report.objects if o.kind in _UNLINKED or o.key in removed]
    return report
