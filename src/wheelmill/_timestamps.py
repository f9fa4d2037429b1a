"""Upload times as the index shows them: PEP 700's ISO 8601 UTC form.

``2024-05-01T12:00:00.000000Z``, with microseconds, always in UTC: what the
store keeps (:class:`wheelmill.store._integrity.Stored`, the attempt record)
and what the JSON pages say, so a time read from the upstream index passes
through unchanged.
"""

from __future__ import annotations

import datetime
import time

_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def iso_time(seconds: float | None = None) -> str:
    """``seconds`` since the epoch (now by default) in PEP 700's form."""
    moment = time.time() if seconds is None else seconds
    return datetime.datetime.fromtimestamp(moment, datetime.timezone.utc).strftime(_FORMAT)


def parse_iso_time(value: object) -> str | None:
    """An index's ``upload-time`` in PEP 700's form, or ``None`` when it is not a time."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.astimezone(datetime.timezone.utc).strftime(_FORMAT)
