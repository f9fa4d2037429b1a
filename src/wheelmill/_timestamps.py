"""Upload times as the index shows them: PEP 700's ISO 8601 UTC form.

``2024-05-01T12:00:00.000000Z``, with microseconds, always in UTC: what the
store keeps (:class:`wheelmill.store._integrity.Stored`, the attempt record)
and what the JSON pages say, so a time read from the upstream index passes
through unchanged.
"""

from __future__ import annotations

import time

_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def iso_time(seconds: float | None = None) -> str:
    """``seconds`` since the epoch (now by default) in PEP 700's form.

    What ``datetime.fromtimestamp(seconds, timezone.utc).strftime(_FORMAT)`` writes
    (microseconds rounded half to even, as it rounds them), without loading
    ``datetime``: a publish that reads a wheel put in by hand stamps it with this.
    """
    moment = time.time() if seconds is None else seconds
    whole = moment // 1
    micro = round((moment - whole) * 1e6)
    if micro >= 1_000_000:
        whole, micro = whole + 1, micro - 1_000_000
    return f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(whole))}.{micro:06d}Z"


def parse_iso_time(value: object) -> str | None:
    """An index's ``upload-time`` in PEP 700's form, or ``None`` when it is not a time."""
    if not isinstance(value, str) or not value:
        return None
    import datetime

    try:
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.astimezone(datetime.timezone.utc).strftime(_FORMAT)
