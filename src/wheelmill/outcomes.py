"""Every status and category wheelmill reports, as ``Literal`` types in one place.

The tuples beside them are the same values at run time (for validation, loops
and ``--help`` texts); they are derived from the types, so the two never drift.
"""

from __future__ import annotations

from typing import Literal, get_args

#: How one attempt at a build key ended: its wheel is in the store, the build
#: failed, a download-only target has no upstream wheel, or the release does not
#: support the target's Python (its Requires-Python), so nothing was fetched or built.
AttemptStatus = Literal["ok", "failed", "no-wheel", "not-applicable"]
#: Where an attempt's wheel came from.
Source = Literal["upstream", "built", "none"]
#: How one pin ended for one target in a ``build`` run.
PinStatus = Literal["cached", "fetched", "built", "failed", "no-wheel", "not-applicable", "skipped"]
#: What a failed build comes down to; every diagnostic rule names exactly one.
Category = Literal[
    "backend-missing",
    "sysdep-missing",
    "toolchain-missing",
    "python-unsupported",
    "build-requirement-incompatible",
    "package-refuses",
    "compile-error",
    "network",
    "resource-exhausted",
    "import-failed",
    "unknown",
]
#: How one pin stands on one target for ``verify``.
#: How a build's backend ran: ``bubblewrap`` (read-only system, no network, no
#: secrets), ``netns`` (no network only) or ``none`` (configured off, or nothing available).
SandboxTier = Literal["bubblewrap", "netns", "none"]
#: How a build step's memory was capped: a cgroup v2 ``memory.max``, an address-space
#: limit (``RLIMIT_AS``), or not at all (no ``memory_mb``, or neither could be set).
MemoryCap = Literal["cgroup-v2", "rlimit-as", "none"]

CoverageStatus = Literal["covered", "gap", "not-applicable"]
#: Why a pin is a gap: the kinds ``verify`` reports.
GapKind = Literal[
    "never-built",
    "failed",
    "no-wheel",
    "removed",
    "corrupt",
    "refused",
    "dependency",
    "conflict",
    "skipped",
]
#: What a status-page cell shows.
CellState = Literal["built", "fetched", "failed", "missing", "none", "not-applicable"]

ATTEMPT_STATUSES: tuple[AttemptStatus, ...] = get_args(AttemptStatus)
PIN_STATUSES: tuple[PinStatus, ...] = get_args(PinStatus)
CATEGORIES: tuple[Category, ...] = get_args(Category)
CELL_STATES: tuple[CellState, ...] = get_args(CellState)

#: Pin statuses that make ``build`` exit 1.
FAILURES: tuple[PinStatus, ...] = ("failed", "no-wheel")
#: Attempt statuses that are failures (``failures`` lists them; ``not-applicable`` is none).
FAILED_ATTEMPTS: tuple[AttemptStatus, ...] = ("failed", "no-wheel")
#: Categories that depend on the machine, not on the package or its settings.
SYSTEM_CATEGORIES: tuple[Category, ...] = ("sysdep-missing", "toolchain-missing")


_CATEGORY: dict[object, Category] = {name: name for name in CATEGORIES}
_ATTEMPT_STATUS: dict[object, AttemptStatus] = {name: name for name in ATTEMPT_STATUSES}
_SOURCE: dict[object, Source] = {name: name for name in get_args(Source)}


def as_category(value: object) -> Category | None:
    """``value`` when it is a known category (read from a record or a row), else ``None``."""
    return _CATEGORY.get(value)


def as_attempt_status(value: object) -> AttemptStatus:
    """A stored attempt status; anything unknown reads as ``failed``."""
    return _ATTEMPT_STATUS.get(value, "failed")


def as_source(value: object) -> Source:
    return _SOURCE.get(value, "none")
