"""The ``--json`` documents of ``build``, ``run`` and ``publish``, from their parts.

:mod:`._json` declares their shapes (``TypedDict``) and builds them from reports
with these; the no-op answers (:mod:`._noop`) build them from a stamp's JSON, without
loading :mod:`typing` or the report types.
"""

from __future__ import annotations

from pathlib import Path

TYPE_CHECKING = False  # as typing's: a no-op answer does not load typing (see _noop.py)
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from ..build.results import PinResultJSON
    from ._json import BuildJSON, PublishJSON, RunJSON


def build_document(
    *, ok: bool, duration: float, counts: dict[str, int], pins: list[PinResultJSON]
) -> BuildJSON:
    """``build --json`` (without the reproducibility check's fields)."""
    return {"ok": ok, "duration": round(duration, 3), "counts": counts, "pins": pins}


def publish_document(
    *,
    files: int,
    projects: int,
    read: int,
    written: Sequence[str],
    removed: Sequence[str],
    rejected: Mapping[str, str],
    duration: float,
    status_page: Path | None,
) -> PublishJSON:
    """``publish --json`` (and the ``publish`` part of ``run`` and ``gc``)."""
    return {
        "ok": not rejected,
        "files": files,
        "projects": projects,
        "read": read,
        "projects_written": list(written),
        "removed": list(removed),
        "rejected": dict(rejected),
        "duration": round(duration, 3),
        "status_page": str(status_page) if status_page is not None else None,
    }


def run_document(
    *, ok: bool, lock: Path, locked: bool, build: BuildJSON, publish: PublishJSON
) -> RunJSON:
    """``run --json``."""
    return {
        "ok": ok,
        "lock": str(lock),
        "locked": locked,
        "build": build,
        "publish": publish,
        "status_page": publish["status_page"],
    }
