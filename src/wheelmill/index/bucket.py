"""``publish --store``: the static index, written into the team's object store.

The store is mirrored into the local wheelhouse first (:func:`~wheelmill.store.mirror.sync`,
every wheel hash-checked against its record), the index is published there as
usual, with every local wheel the store does not hold left out, and the pages
are uploaded after the wheels and ``.metadata`` files they link
(:func:`~wheelmill.store.mirror.push_index`). An object whose hash differs from
its record is reported as rejected and never linked.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from ..store.mirror import SyncReport, push_index, sync
from ..store.team import TeamStore
from .publish import PublishReport, publish


@dataclass(frozen=True)
class StorePublication:
    publish: PublishReport
    sync: SyncReport
    uploaded: int


def publish_store(store: TeamStore, *, exclude: Collection[str] = ()) -> StorePublication:
    """Mirror, publish locally, then upload the index into the store. The wheels named
    in ``exclude`` are left out of it (``gc`` removes them next)."""
    synced = sync(store)
    outside = {path.name for path in store.wheels.glob("*.whl") if path.name not in synced.wheels}
    report = publish(store, exclude=outside | set(exclude))
    report.rejected.update(synced.corrupted)
    good = {
        name: digest
        for name, digest in synced.wheels.items()
        if name not in report.rejected and name not in exclude
    }
    return StorePublication(report, synced, push_index(store, good))
