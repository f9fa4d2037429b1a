"""What a ``build`` run reports: each pin's result on each target, and the whole run.

A :class:`PinResult` is a pin's status on one target and the :class:`Attempt`
behind it (the attempt that made a cached pin's wheel, or this run's); its
other fields are read through to the attempt, so every report (terminal,
``--json``, JUnit) says the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, TypedDict

from ..outcomes import FAILURES, Category, PinStatus
from ..store.attempt import Attempt, ExplainedBy

if TYPE_CHECKING:
    from ..diagnose.diagnosis import SystemPackagesJSON
    from ..lockfile.pins import Pin

CACHED: PinStatus = "cached"
FETCHED: PinStatus = "fetched"
BUILT: PinStatus = "built"
FAILED: PinStatus = "failed"
NO_WHEEL: PinStatus = "no-wheel"
NOT_APPLICABLE: PinStatus = "not-applicable"
SKIPPED: PinStatus = "skipped"


class PinResultJSON(TypedDict):
    """One pin on one target in ``build --json`` and ``run --json``."""

    name: str
    version: str
    target: str
    key: str
    status: PinStatus
    wheel: str | None
    repair_policy: str | None
    duration: float
    log: str | None
    error: str | None
    reason: str | None
    category: Category | None
    rule: str | None
    first_error: str | None
    summary: str | None
    fix: str | None
    system_packages: dict[str, SystemPackagesJSON]
    remediation: str | None


@dataclass(frozen=True)
class PinResult(ExplainedBy):
    """How one pin ended for one target: its status, and the attempt behind it.

    ``attempt`` is the attempt that settled the key (a cached pin: the one that
    made its wheel; a pin whose release does not support the target's Python:
    the attempt saying so); none for a pin skipped or excluded by its marker.
    ``note`` is an error that no attempt carries (a pin blocked by its last
    failure, an internal error), or why a pin is not applicable.
    """

    name: str
    version: str
    target: str
    status: PinStatus
    attempt: Attempt | None = None
    note: str | None = None

    @property
    def ok(self) -> bool:
        return self.status not in FAILURES

    @property
    def key(self) -> str:
        return self.attempt.key if self.attempt else ""

    @property
    def wheel(self) -> str | None:
        return self.attempt.wheel if self.attempt else None

    @property
    def duration(self) -> float:
        """Seconds this run spent on the pin (none for a cached one)."""
        if self.attempt is None or self.status == CACHED:
            return 0.0
        return self.attempt.duration

    @property
    def error(self) -> str | None:
        if self.status == NOT_APPLICABLE:
            return None
        return self.note or (self.attempt.error if self.attempt else None)

    @property
    def reason(self) -> str | None:
        """Why a pin is not applicable (its marker, or its release's Requires-Python)."""
        if self.status != NOT_APPLICABLE:
            return None
        return self.note or (self.attempt.error if self.attempt else None)

    def to_json(self) -> PinResultJSON:
        diagnosis = self.diagnosis
        return {
            "name": self.name,
            "version": self.version,
            "target": self.target,
            "key": self.key,
            "status": self.status,
            "wheel": self.wheel,
            "repair_policy": self.attempt.repair_policy if self.attempt else None,
            "duration": self.duration,
            "log": self.log,
            "error": self.error,
            "reason": self.reason,
            "category": self.category,
            "rule": self.rule,
            "first_error": str(self.first_error) if self.first_error else None,
            "summary": self.summary,
            "fix": self.fix,
            "system_packages": diagnosis.to_json()["system_packages"] if diagnosis else {},
            "remediation": self.remediation,
        }


@dataclass(frozen=True)
class BuildReport:
    results: list[PinResult] = field(default_factory=list)
    duration: float = 0.0

    @property
    def failures(self) -> list[PinResult]:
        return [result for result in self.results if not result.ok]

    def count(self, status: str) -> int:
        return sum(1 for result in self.results if result.status == status)


class BuildEvents(Protocol):
    """Progress sink; the CLI renders it, the library never prints."""

    def begin(self, total: int) -> None: ...

    def pin_started(self, pin: Pin) -> None: ...

    def pin_finished(self, result: PinResult) -> None: ...


class _NoEvents:
    def begin(self, total: int) -> None:
        pass

    def pin_started(self, pin: Pin) -> None:
        pass

    def pin_finished(self, result: PinResult) -> None:
        pass
