"""What ``build``'s report says in words, without the terminal machinery (no click):
:mod:`._render` prints it, and so does :mod:`._noop` before click is loaded."""

from __future__ import annotations

from collections.abc import Mapping

TYPE_CHECKING = False  # as typing's: a no-op answer does not load typing (see cli/_noop.py)
if TYPE_CHECKING:  # the answer from a stamp prints without loading the report's types
    from ..build.results import BuildReport, PinResult

_STATUSES = ("cached", "fetched", "built", "failed", "no-wheel", "skipped", "not-applicable")
#: Statuses the table always lists (the failures, and what this run did).
_LOUD = ("failed", "no-wheel", "built", "fetched")


def is_shown(status: str, attempted: bool) -> bool:
    """Whether the table lists a pin (without ``-v``): built, fetched or failed, and a
    release for another Python (with its Requires-Python; a false marker is not said)."""
    return status in _LOUD or (status == "not-applicable" and attempted)


def shown_pins(report: BuildReport, *, verbose: int = 0) -> list[PinResult]:
    """The pins the table lists: every one with ``-v``; else see :func:`is_shown`."""
    return [r for r in report.results if verbose or is_shown(r.status, r.attempt is not None)]


def several_targets(report: BuildReport) -> bool:
    return len({r.target for r in report.results}) > 1


def summary_text(total: int, counts: Mapping[str, int], *, several: bool, duration: float) -> str:
    """``60 pins in 0.01s: 60 cached``, from the count of each status."""
    said = ", ".join(f"{counts[status]} {status}" for status in _STATUSES if counts.get(status))
    unit = "pin/target pairs" if several else "pins"
    return f"{total} {unit} in {duration:.2f}s: {said or 'nothing to do'}"


def summary_line(report: BuildReport) -> str:
    """``60 pins in 0.01s: 60 cached``."""
    counts = {status: report.count(status) for status in _STATUSES}
    return summary_text(
        len(report.results), counts, several=several_targets(report), duration=report.duration
    )


def rejected_line(count: int) -> str:
    """Why ``publish`` exits 1."""
    return f"{count} wheel(s) left out of the index; delete or rebuild the files listed above"


def publish_line(files: int, projects: int, duration: float, written: int, read: int) -> str:
    """``published 120 files of 60 projects in 0.01s (0 project pages written, …)``."""
    return (
        f"published {files} files of {projects} projects in {duration:.2f}s"
        f" ({written} project pages written, {read} wheels read)"
    )
