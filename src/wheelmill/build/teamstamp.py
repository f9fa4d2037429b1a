"""The no-op stamp of a build against a team store: the store's objects, by etag.

Against a team store (:class:`~wheelmill.store.team.TeamStore`) a no-op's answer
does not depend on the runner's directory but on the store: a key is settled when
its record there says so and the record's wheel is listed there with the recorded
size. So the stamp of such a build (:mod:`wheelmill.build.stamp` for the rest: the
digest of the inputs, the report) lists no local file but, for every attempt the
report repeats, the record as the store held it (key, etag, size) and its wheel
(key, etag, size): :func:`team_objects`.

The check (:func:`team_holds`) takes one listing of ``records/`` and one of
``wheels/`` (:func:`~wheelmill.store._listing.list_store`; one request each up to
1,000 objects, not a request per pin) and wants every stamped object listed with
the same etag and size. A key that ``gc --store`` removed, a record another
builder replaced, a wheel gone: the listing differs and the full path runs.
Records and wheels added for other keys change nothing this lock's answer
depends on. Objects are written whole, so an etag (an MD5 of the bytes on every
S3 server when written in one request) names their content: there is no window
like a file's mtime tick, and no racy-stamp rule here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .results import BUILT, CACHED, FETCHED, NOT_APPLICABLE, SKIPPED, BuildReport, PinResult

if TYPE_CHECKING:
    from ..store._listing import Listed
    from ..store.team import TeamStore

#: What the report's prefixes are listed under, for :func:`team_holds`.
PREFIXES = ("records/", "wheels/")
_SETTLED = (CACHED, BUILT, FETCHED, NOT_APPLICABLE, SKIPPED)

#: One stamped object: key (relative to the store's prefix), etag, size.
StoreEntry = tuple[str, str, int]


def team_objects(
    store: TeamStore, report: BuildReport
) -> tuple[list[StoreEntry], BuildReport] | None:
    """The store's objects a no-op of ``report`` depends on, and the report as a no-op
    gives it; ``None`` when ``report`` is not one to repeat (a failure; a record this
    run did not see in the store as the report has it, e.g. another builder's won)."""
    from ..store._listing import normal_etag
    from ..store.attempt import Attempt
    from ..store.remote import etag_of

    objects: dict[str, StoreEntry] = {}
    results: list[PinResult] = []
    for result in report.results:
        if result.status not in _SETTLED:
            return None
        attempt = result.attempt
        if attempt is None:
            results.append(result)
            continue
        seen = store.seen_record(attempt.key)
        try:  # the store's bytes, as this run cached them
            data = (store.records / f"{attempt.key}.json").read_bytes()
            record = Attempt.loads(data)
        except (OSError, ValueError):
            return None
        etag = normal_etag(etag_of(data))
        if seen is None or normal_etag(seen.etag) != etag:
            return None  # not the store's record, or not provably (an etag that is no MD5)
        if (record.status, record.wheel) != (attempt.status, attempt.wheel):
            return None
        key = f"records/{attempt.key}.json"
        objects[key] = (key, etag, len(data))
        if result.status != NOT_APPLICABLE:
            wheel = store.seen_wheel(record.wheel) if record.wheel else None
            if wheel is None or wheel.size != record.size:
                return None
            key = f"wheels/{record.wheel}"
            objects[key] = (key, normal_etag(wheel.etag), wheel.size)
        status = CACHED if result.status in (BUILT, FETCHED) else result.status
        results.append(PinResult(result.name, result.version, result.target, status, record))
    return list(objects.values()), BuildReport(results=results, duration=report.duration)


def team_holds(stamped: Sequence[Sequence[object]], listed: Listed) -> bool:
    """Whether every stamped object is listed with its stamped etag and size (a
    malformed entry never holds)."""
    for entry in stamped:
        if not isinstance(entry, Sequence) or len(entry) != 3:
            return False
        key, etag, size = entry
        if not isinstance(key, str) or listed.get(key) != (etag, size):
            return False
    return True
