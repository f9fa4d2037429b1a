"""What ``build``'s report says in words, without the terminal machinery (no click):
:mod:`._render` prints it, and so does :mod:`._noop` before click is loaded."""

from __future__ import annotations

from ..build.results import FAILED, NO_WHEEL, NOT_APPLICABLE, BuildReport, PinResult

_STATUSES = ("cached", "fetched", "built", "failed", "no-wheel", "skipped", "not-applicable")


def shown_pins(report: BuildReport, *, verbose: int = 0) -> list[PinResult]:
    """The pins the table lists: every one with ``-v``; else those built, fetched or
    failed, and releases for other Pythons (with their Requires-Python; a false
    marker is not said)."""
    loud = (FAILED, NO_WHEEL, "built", "fetched")
    return [
        r
        for r in report.results
        if verbose or r.status in loud or (r.status == NOT_APPLICABLE and r.attempt)
    ]


def several_targets(report: BuildReport) -> bool:
    return len({r.target for r in report.results}) > 1


def summary_line(report: BuildReport) -> str:
    """``60 pins in 0.01s: 60 cached``."""
    counts = ", ".join(
        f"{report.count(status)} {status}" for status in _STATUSES if report.count(status)
    )
    unit = "pin/target pairs" if several_targets(report) else "pins"
    return f"{len(report.results)} {unit} in {report.duration:.2f}s: {counts or 'nothing to do'}"
