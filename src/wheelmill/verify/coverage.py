"""Prove that a lock installs binary-only from the wheelhouse alone, on every target.

For each target, the pins whose marker holds there are checked twice:

1. against the files: is there a wheel in ``DIR/wheels/`` for ``name==version``
   whose tags that target accepts? A pin without one is a *gap*, explained
   from the catalog (never built, failed with diagnosis X, no wheel upstream
   for that platform, its wheel removed since);
2. by pip itself: a dry run of the remaining pins (see :mod:`wheelmill.verify._pipcheck`),
   so Requires-Python, a dependency missing from the lock, or a conflict are
   found as CI would find them. A pin pip refuses becomes a gap too, and the
   dry run is repeated without it.

A wheel that is unreadable, or changed since it was stored (see
:mod:`wheelmill.store._integrity`: a stat, and a hash only when that changed), is a
gap of its own pin, named: it never reaches pip, where one bad file would fail
the dry run of every pin.

Pins whose marker is false on a target, or whose release's Requires-Python
excludes it (as ``build`` found), are reported as not applicable, never as
gaps. Nothing in the wheelhouse is written: a read-only wheelhouse verifies.
"""

from __future__ import annotations

import contextlib
import sqlite3
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from packaging.utils import NormalizedName, parse_wheel_filename

from ..lockfile.pins import Pin
from ..outcomes import Category, CoverageStatus, GapKind
from ..store._integrity import wheel_problem
from ..store.attempt import Attempt, ExplainedBy
from ..store.catalog import Catalog
from ..store.wheelhouse import Store
from ..target import Target
from ._pipcheck import pip_dry_run

if TYPE_CHECKING:
    pass

COVERED: CoverageStatus = "covered"
GAP: CoverageStatus = "gap"
NOT_APPLICABLE: CoverageStatus = "not-applicable"


class PinCoverageJSON(TypedDict):
    """One pin on one target in ``verify --json``."""

    name: str
    version: str
    target: str
    status: CoverageStatus
    wheel: str | None
    kind: GapKind | None
    reason: str | None
    category: Category | None
    rule: str | None
    summary: str | None
    first_error: str | None
    fix: str | None
    log: str | None


@dataclass(frozen=True)
class Gap:
    """Why a pin has no usable wheel on a target; ``attempt``: the failure behind it."""

    kind: GapKind
    reason: str
    attempt: Attempt | None = None


@dataclass(frozen=True)
class PinCoverage(ExplainedBy):
    """One pin on one target: covered (with the wheel pip chose), a gap, or not applicable."""

    name: str
    version: str
    target: str
    status: CoverageStatus
    wheel: str | None = None
    kind: GapKind | None = None
    reason: str | None = None
    attempt: Attempt | None = None  # the failed attempt that explains a gap

    @property
    def spec(self) -> str:
        return f"{self.name}=={self.version}" if self.version else self.name

    def to_json(self) -> PinCoverageJSON:
        return {
            "name": self.name,
            "version": self.version,
            "target": self.target,
            "status": self.status,
            "wheel": self.wheel,
            "kind": self.kind,
            "reason": self.reason,
            "category": self.category,
            "rule": self.rule,
            "summary": self.summary,
            "first_error": str(self.first_error) if self.first_error else None,
            "fix": self.fix,
            "log": self.log,
        }


@dataclass(frozen=True)
class TargetCoverage:
    target: str
    python: str
    pins: list[PinCoverage]
    proved: bool  # pip's dry run accepted every covered pin
    command: str  # the last pip command, to run by hand

    @property
    def covered(self) -> int:
        return sum(1 for pin in self.pins if pin.status == COVERED)

    @property
    def total(self) -> int:
        return sum(1 for pin in self.pins if pin.status != NOT_APPLICABLE and pin.version)

    @property
    def gaps(self) -> list[PinCoverage]:
        return [pin for pin in self.pins if pin.status == GAP]


@dataclass(frozen=True)
class VerifyReport:
    targets: list[TargetCoverage] = field(default_factory=list)
    duration: float = 0.0

    @property
    def gaps(self) -> list[PinCoverage]:
        return [gap for target in self.targets for gap in target.gaps]

    @property
    def ok(self) -> bool:
        return not self.gaps


def _failure(attempt: Attempt) -> Gap:
    reason = f"build failed: {attempt.cause}" + (f" ({attempt.label})" if attempt.label else "")
    if attempt.first_error:
        reason += f"; first error: {attempt.first_error.text}"
    return Gap("failed", reason, attempt)


def explain_gap(
    pin: Pin,
    target: Target,
    latest: Attempt | None,
    others: Sequence[str],
    skipped: bool,
) -> Gap:
    """Why ``pin`` has no usable wheel for ``target``, from its latest attempt there."""
    if latest is not None and latest.status == "failed":
        return _failure(latest)
    if latest is not None and latest.status == "no-wheel":
        return Gap(
            "no-wheel",
            f"no wheel for {target.name} on the upstream index (no-wheel); "
            "installing there would build from source",
        )
    if latest is not None and latest.wheel:
        when = time.strftime("%Y-%m-%d", time.gmtime(latest.created))
        return Gap(
            "removed",
            f"{latest.wheel} was stored on {when} but is no longer in wheels/; "
            "run `wheelmill build`",
        )
    if skipped:
        return Gap("skipped", "skip = true in the config: never built")
    if others:
        return Gap(
            "never-built",
            f"never built for {target.name}; the wheelhouse has only {', '.join(others)}",
        )
    return Gap("never-built", "never built (no attempt in the catalog)")


def _damaged(store: Store, filenames: Sequence[str], problems: dict[str, str | None]) -> Gap | None:
    """The gap of a pin one of whose wheels is unreadable or changed since it was stored."""
    for filename in filenames:
        if filename not in problems:  # each file is looked at once, whatever the targets
            problems[filename] = wheel_problem(store.wheels / filename, store.state)
        problem = problems[filename]
        if problem is not None:
            detail = problem.removeprefix(f"{filename}: ")
            return Gap(
                "corrupt",
                f"wheels/{filename} is unreadable or corrupt: {detail.rstrip('.')}; "
                "run `wheelmill build` again to replace it",
            )
    return None


def _requirement(pin: Pin) -> str:
    extras = f"[{','.join(sorted(pin.extras))}]" if pin.extras else ""
    return f"{pin.name}{extras}=={pin.version}"


def _prove(
    store: Store, target: Target, candidates: dict[str, PinCoverage], pins: Mapping[str, Pin]
) -> tuple[list[PinCoverage], bool, str]:
    """pip's dry run over ``candidates``; refused pins come back as gaps."""
    extra: list[PinCoverage] = []
    no_deps = False
    command = detail = ""
    with tempfile.TemporaryDirectory(prefix="wheelmill-verify-") as work:
        for _ in range(len(candidates) + 3):
            if not candidates:
                return extra, True, command
            requirements = [_requirement(pins[name]) for name in sorted(candidates)]
            verdict = pip_dry_run(requirements, store.wheels, target, Path(work), no_deps=no_deps)
            command, detail = verdict.command, verdict.detail
            if verdict.ok:
                for name, coverage in candidates.items():
                    chosen = verdict.chosen.get(name, coverage.wheel)
                    candidates[name] = replace(coverage, wheel=chosen)
                return extra, not no_deps or target.download_only, command
            refused = candidates.pop(verdict.missing, None) if verdict.missing else None
            if refused is not None:
                extra.append(
                    replace(
                        refused,
                        status=GAP,
                        wheel=None,
                        kind="refused",
                        reason=f"pip refused it: {verdict.detail}",
                    )
                )
                continue
            if no_deps:
                break
            # A dependency outside the lock, or a conflict: report it, then prove
            # the pins one by one so each still gets its verdict.
            extra.append(
                PinCoverage(
                    name=verdict.missing or "(dependencies)",
                    version="",
                    target=target.name,
                    status=GAP,
                    kind="dependency" if verdict.missing else "conflict",
                    reason=(
                        "a dependency not pinned in the lock, without a wheel in the "
                        f"wheelhouse: {verdict.detail}"
                        if verdict.missing
                        else f"pip cannot install the lock: {verdict.detail}"
                    ),
                )
            )
            no_deps = True
    for name in list(candidates):
        coverage = candidates.pop(name)
        extra.append(
            replace(
                coverage, status=GAP, wheel=None, kind="refused", reason=f"pip refused: {detail}"
            )
        )
    return extra, False, command


def verify_target(
    pins: Sequence[Pin],
    store: Store,
    target: Target,
    *,
    files: Mapping[tuple[NormalizedName, str], list[Path]],
    latest: Mapping[tuple[str, str, str], Attempt],
    skipped: Callable[[str], bool],
    problems: dict[str, str | None] | None = None,
) -> TargetCoverage:
    results: list[PinCoverage] = []
    candidates: dict[str, PinCoverage] = {}
    by_name: dict[str, Pin] = {}
    problems = {} if problems is None else problems
    for pin in pins:
        base = PinCoverage(pin.name, pin.version, target.name, COVERED)
        if not pin.applies_to(target.environment):
            reason = f"marker {pin.marker} is false on {target.name}"
            results.append(replace(base, status=NOT_APPLICABLE, reason=reason))
            continue
        tried = latest.get((pin.name, pin.version, target.name))
        if tried is not None and tried.status == "not-applicable":  # its Requires-Python
            results.append(replace(base, status=NOT_APPLICABLE, reason=tried.error))
            continue
        present = files.get((pin.name, pin.version), [])
        fitting = [
            path.name
            for path in present
            if target.tag_rank(parse_wheel_filename(path.name)[3]) is not None
        ]
        damaged = _damaged(store, fitting, problems)
        if damaged is not None:
            results.append(replace(base, status=GAP, kind=damaged.kind, reason=damaged.reason))
            continue
        if fitting:
            candidates[pin.name] = replace(base, wheel=fitting[0])
            by_name[pin.name] = pin
            continue
        why = explain_gap(
            pin,
            target,
            tried,
            [path.name for path in present],
            skipped(pin.name),
        )
        results.append(
            replace(base, status=GAP, kind=why.kind, reason=why.reason, attempt=why.attempt)
        )
    refused, proved, command = _prove(store, target, candidates, by_name)
    results += list(candidates.values()) + refused
    results.sort(key=lambda item: (item.name, item.version))
    return TargetCoverage(target.name, target.python, results, proved, command)


def verify(
    pins: Sequence[Pin],
    store: Store,
    targets: Sequence[Target],
    *,
    skipped: Callable[[str], bool] = lambda name: False,
) -> VerifyReport:
    """Check every target; a gap never stops the others."""
    started = time.monotonic()
    files = store.wheel_files()
    latest: dict[tuple[str, str, str], Attempt] = {}
    # An unreadable catalog (e.g. a read-only copy) only makes the gaps less explained.
    with contextlib.suppress(sqlite3.Error):
        if store.catalog_path.is_file():
            latest = Catalog(store.catalog_path).latest_attempts()
    problems: dict[str, str | None] = {}
    covered = [
        verify_target(
            pins, store, target, files=files, latest=latest, skipped=skipped, problems=problems
        )
        for target in targets
    ]
    return VerifyReport(covered, time.monotonic() - started)
