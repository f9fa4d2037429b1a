"""Settle every pin of a lock: reuse, fetch or build its wheel, in parallel.

For each pin and target the build key decides:

1. the store holds a current wheel for the key → nothing to do (no network;
   a stat per wheel, a hash only of a wheel whose stat changed, or with ``verify``);
2. the key failed before with the same inputs → reported again without
   rebuilding, unless ``retry_failed``;
3. otherwise the upstream index is asked: a compatible wheel is downloaded
   (hash-checked against the lock), else the sdist is downloaded (hash-checked)
   and built by :mod:`wheelmill.build`.

A pin's failure never stops the others; the report lists every outcome.
"""

from __future__ import annotations

import shutil
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from packaging.utils import parse_wheel_filename

from ._exceptions import WheelmillError
from .config import BuildSettings
from .key import build_key
from .pins import Pin
from .store import Record, Store
from .target import Target

if TYPE_CHECKING:
    from .catalog import Catalog
    from .remedy import LazyRules
    from .upstream import Upstream


#: Statuses a pin can end in. ``no-wheel``: a download-only target has no wheel.
CACHED, FETCHED, BUILT, FAILED, NO_WHEEL, NOT_APPLICABLE, SKIPPED = (
    "cached",
    "fetched",
    "built",
    "failed",
    "no-wheel",
    "not-applicable",
    "skipped",
)
FAILURES = (FAILED, NO_WHEEL)


@dataclass(frozen=True)
class PinResult:
    """How one pin ended for one target."""

    name: str
    version: str
    target: str
    key: str
    status: str
    wheel: str | None = None
    duration: float = 0.0
    log: str | None = None
    error: str | None = None
    category: str | None = None
    rule: str | None = None
    first_error: str | None = None
    summary: str | None = None
    fix: str | None = None
    system_packages: Mapping[str, Any] = field(default_factory=dict)
    remediation: str | None = None

    @property
    def ok(self) -> bool:
        return self.status not in FAILURES


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


@dataclass
class Context:
    """What every pin's settling shares during one run. The index client and the
    catalog are made on first use: a run with nothing to do needs neither."""

    store: Store
    settings_for: Callable[[str], BuildSettings]
    index_url: str
    retry_failed: bool
    session: Path
    rules: LazyRules | None = None
    remediate: bool = True
    force: bool = False
    verify: bool = False  # hash every stored wheel, not only those whose stat changed

    @cached_property
    def upstream(self) -> Upstream:
        from .upstream import Upstream

        return Upstream(self.index_url)

    @cached_property
    def catalog(self) -> Catalog:
        from .catalog import Catalog

        return Catalog(self.store.catalog_path)

    @cached_property
    def toolchain(self) -> str:
        from .toolchain import toolchain_fingerprint

        return toolchain_fingerprint()

    @cached_property
    def system(self) -> str:
        from .toolchain import system_fingerprint

        return system_fingerprint()


def _result(record: Record, status: str) -> PinResult:
    diagnosis = record.diagnosis or {}
    fixes = diagnosis.get("fixes") or []
    return PinResult(
        name=record.name,
        version=record.version,
        target=record.target,
        key=record.key,
        status=status,
        wheel=record.wheel,
        duration=record.duration,
        log=record.log,
        error=record.error,
        category=record.category,
        rule=record.rule,
        first_error=record.first_error,
        summary=diagnosis.get("summary"),
        fix=fixes[0]["text"] if fixes else None,
        system_packages=diagnosis.get("system_packages") or {},
        remediation=record.remediation,
    )


def is_pure(wheel: str) -> bool:
    return all(tag.platform == "any" for tag in parse_wheel_filename(wheel)[3])


def _settled(ctx: Context, key: str) -> PinResult | None:
    record = ctx.store.read_record(key)
    if ctx.store.is_current(record, verify=ctx.verify):
        assert record is not None and record.wheel is not None
        compiled = record.source == "built" and not is_pure(record.wheel)
        if not compiled or not record.toolchain or record.toolchain == ctx.toolchain:
            return _result(record, CACHED)
        return None  # built with another compiler than today's: rebuild
    if record is not None and record.status == FAILED and not ctx.retry_failed:
        return _result(record, FAILED)
    return None


def _shared(ctx: Context, shared_key: str, key: str, target: Target) -> Record | None:
    """A pure wheel another target already got for this pin, if it serves ``target`` too."""
    record = ctx.store.read_record(shared_key)
    if not ctx.store.is_current(record, verify=ctx.verify):
        return None
    assert record is not None and record.wheel is not None
    if target.tag_rank(parse_wheel_filename(record.wheel)[3]) is None:
        return None
    return replace(record, key=key, target=target.name, created=time.time())


def settle_pin(ctx: Context, pin: Pin, target: Target) -> PinResult:
    """Bring one pin's wheel for one target into the store (or explain why not)."""
    settings = ctx.settings_for(pin.name)
    if settings.skip:
        return PinResult(pin.name, pin.version, target.name, "", SKIPPED)
    if not pin.applies_to(target.environment):
        return PinResult(pin.name, pin.version, target.name, "", NOT_APPLICABLE)
    key = build_key(pin, target, settings, index_url=ctx.index_url)
    shared_key = build_key(pin, None, settings, index_url=ctx.index_url)
    done = _settled(ctx, key)
    if done is not None:
        return done
    # One lock per pin, whatever the target: a pure wheel built for the first
    # target is then found by the others instead of being built again.
    with ctx.store.lock(shared_key):
        done = _settled(ctx, key)  # another builder may have finished it meanwhile
        if done is not None:
            return done
        reused = _shared(ctx, shared_key, key, target)
        if reused is not None:
            ctx.store.write_record(reused)
            return _result(reused, CACHED)
        scratch = ctx.session / key
        scratch.mkdir()
        started = time.monotonic()
        about: dict[str, Any] = {
            "key": key,
            "name": pin.name,
            "version": pin.version,
            "target": target.name,
        }
        from .produce import Blocked, NoWheel, produce

        try:
            record = produce(ctx, pin, target, key, scratch)
        except Blocked as exc:
            # Not an attempt: nothing goes to the catalog; the last diagnosis is shown.
            last = exc.last
            shown = ("category", "rule", "subject", "first_error", "diagnosis", "log")
            previous: dict[str, Any] = {field: last.get(field) for field in shown}
            blocked = Record(status=FAILED, source="none", error=str(exc), **previous, **about)
            return _result(blocked, FAILED)
        except WheelmillError as exc:
            # Index and download problems go to the catalog but not into the key's
            # record: they may pass by the next run, so the next run tries again.
            status = NO_WHEEL if isinstance(exc, NoWheel) else FAILED
            failure = Record(
                status=status,
                source="upstream",
                error=str(exc),
                duration=time.monotonic() - started,
                created=time.time(),
                **about,
            )
            ctx.catalog.add(failure)
            return _result(failure, status)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        ctx.store.write_record(record)
        if record.status == "ok" and record.wheel and is_pure(record.wheel):
            ctx.store.write_record(replace(record, key=shared_key))
        ctx.catalog.add(record)
    status = FAILED if record.status == FAILED else (BUILT if record.source == "built" else FETCHED)
    return _result(record, status)


def prebuild(
    pins: Sequence[Pin],
    store: Store,
    *,
    targets: Sequence[Target],
    settings: BuildSettings | Callable[[str], BuildSettings],
    index_url: str,
    jobs: int = 1,
    retry_failed: bool = False,
    events: BuildEvents | None = None,
    rules: LazyRules | None = None,
    remediate: bool = True,
    force: bool = False,
    verify: bool = False,
) -> BuildReport:
    """Settle every pin for every target; returns when all are done, failures included.

    ``settings`` is one :class:`BuildSettings` for all pins, or a function giving
    each package's (``Config.settings_for``: ``[build]`` plus its override).
    A stored wheel counts as current while its stat is the stored one and,
    when that changed (or with ``verify``), while its sha256 is; a changed
    wheel is fetched or built again, and replaced.
    """
    sink = events or _NoEvents()
    started = time.monotonic()
    store.create()
    results: list[PinResult] = []
    sink.begin(len(pins) * len(targets))
    settings_for = settings if callable(settings) else (lambda name: settings)
    # Shared with other builds; `gc` takes it exclusively, so it never removes files
    # a running build is writing or about to report.
    with store.building(), store.session() as session:
        ctx = Context(
            store=store,
            settings_for=settings_for,
            index_url=index_url,
            retry_failed=retry_failed,
            session=session,
            rules=rules,
            remediate=remediate,
            force=force,
            verify=verify,
        )

        def one(pin: Pin) -> list[PinResult]:
            # A pin's targets run in order, in one job: a pure-Python wheel built
            # for the first target is then simply found by the others.
            sink.pin_started(pin)
            outcomes = []
            for target in targets:
                try:
                    outcome = settle_pin(ctx, pin, target)
                except Exception as exc:  # a bug must not cost the other pins their builds
                    detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
                    outcome = PinResult(
                        pin.name,
                        pin.version,
                        target.name,
                        "",
                        FAILED,
                        error=f"internal error: {detail}",
                    )
                sink.pin_finished(outcome)
                outcomes.append(outcome)
            return outcomes

        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = [pool.submit(one, pin) for pin in pins]
            for future in as_completed(futures):
                results.extend(future.result())
    order = {target.name: index for index, target in enumerate(targets)}
    results.sort(key=lambda r: (r.name, r.version, order.get(r.target, 0)))
    return BuildReport(results=results, duration=time.monotonic() - started)
