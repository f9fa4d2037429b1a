"""Settle every pin of a lock: reuse, fetch or build its wheel, in parallel.

For each pin and target the build key decides:

1. the store holds a current wheel for the key → nothing to do (no network;
   a stat per wheel, a hash only of a wheel whose stat changed, or with ``verify``);
2. the key failed before with the same inputs → reported again without
   rebuilding, unless ``retry_failed``;
3. otherwise the upstream index is asked: a compatible wheel is downloaded
   (hash-checked against the lock), else the sdist is downloaded (hash-checked)
   and built by :mod:`wheelmill.build.sdist`.

A pin's failure never stops the others; the report lists every outcome. A run
can be stopped part-way through its :class:`~wheelmill._cancel.Cancel` (Ctrl-C):
pins not started are skipped, running builds are killed, nothing is recorded
about them, and :func:`prebuild` raises :class:`~wheelmill._cancel.Cancelled`.
"""

from __future__ import annotations

import contextlib
import shutil
import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import replace
from typing import TYPE_CHECKING

from packaging.utils import parse_wheel_filename

from .._cancel import Cancel, Cancelled, working_for
from .._exceptions import WheelmillError, from_os_error
from ..config import BuildSettings
from ..lockfile.pins import Pin
from ..outcomes import PinStatus
from ..store.attempt import Attempt
from ..store.wheelhouse import Store
from ..target import Target
from ._lookahead import builds_first, scout
from .context import Context, is_pure
from .key import build_key
from .results import (
    BUILT,
    CACHED,
    FAILED,
    FETCHED,
    NO_WHEEL,
    NOT_APPLICABLE,
    SKIPPED,
    BuildEvents,
    BuildReport,
    PinResult,
    _NoEvents,
)

if TYPE_CHECKING:
    from ..diagnose.remedy import LazyRules

#: Pins settled besides the ``jobs`` building: index pages read and wheels fetched.
FETCHES = 8


def _settled(ctx: Context, key: str) -> PinResult | None:
    record = ctx.store.read_record(key)
    if ctx.store.is_current(record, verify=ctx.verify):
        assert record is not None and record.wheel is not None
        compiled = record.source == "built" and not is_pure(record.wheel)
        if not compiled or not record.toolchain:  # no compiler to ask about
            return _result(record, CACHED)
        if ctx.store.team or record.toolchain == ctx.toolchain:  # a team: any builder's
            return _result(record, CACHED)
        return None  # built with another compiler than today's: rebuild
    if record is not None and record.status == "not-applicable":
        return _result(record, NOT_APPLICABLE)  # the release's Requires-Python excludes it
    if record is not None and record.status == "failed" and not ctx.retry_failed:
        return _result(record, FAILED)
    return None


def _result(attempt: Attempt, status: PinStatus) -> PinResult:
    return PinResult(attempt.name, attempt.version, attempt.target, status, attempt)


def _shared(ctx: Context, shared_key: str, key: str, target: Target) -> Attempt | None:
    """A pure wheel another target already got for this pin, if it serves ``target`` too."""
    record = ctx.store.read_record(shared_key)
    if not ctx.store.is_current(record, verify=ctx.verify):
        return None
    assert record is not None and record.wheel is not None
    if target.tag_rank(parse_wheel_filename(record.wheel)[3]) is None:
        return None
    if not _serves_python(ctx, record.wheel, target):
        return None  # its Requires-Python excludes this target: settled on its own
    return replace(record, key=key, target=target.name, created=time.time())


def _serves_python(ctx: Context, wheel: str, target: Target) -> bool:
    """Whether a stored wheel's Requires-Python admits ``target``'s interpreter."""
    from ..store._wheelfile import read_metadata
    from .upstream import python_ok

    try:
        metadata = read_metadata((ctx.store.wheels / wheel).read_bytes(), wheel)
    except (OSError, WheelmillError):
        return False
    return python_ok(metadata.requires_python, target)


def settle_pin(ctx: Context, pin: Pin, target: Target) -> PinResult:
    """Bring one pin's wheel for one target into the store (or explain why not)."""
    settings = ctx.settings_for(pin.name)
    if settings.skip:
        return PinResult(pin.name, pin.version, target.name, SKIPPED)
    if not pin.applies_to(target.environment):
        why = f"marker {pin.marker} is false on {target.name}"
        return PinResult(pin.name, pin.version, target.name, NOT_APPLICABLE, note=why)
    key = build_key(pin, target, settings, index_url=ctx.index_url)
    shared_key = build_key(pin, None, settings, index_url=ctx.index_url)
    done = _settled(ctx, key)
    if done is not None:
        return done
    # One lock per pin, whatever the target: a pure wheel built for the first
    # target is then found by the others instead of being built again.
    with ctx.store.claim(shared_key, ctx.cancel.check, pin=f"{pin.name}=={pin.version}"):
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
        from .settle import Blocked, Exhausted, NoWheel, settle_key

        try:
            record = settle_key(ctx, pin, target, key, scratch)
        except Blocked as exc:
            # Not an attempt: nothing goes to the catalog; the last diagnosis is shown.
            shown = replace(
                exc.last, key=key, target=target.name, version=pin.version, wheel=None,
                error=str(exc), duration=0.0, created=time.time(),
            )  # fmt: skip
            return _result(shown, FAILED)
        except Exhausted as exc:
            # The machine ran out (disk, quota, memory): the catalog keeps the attempt if
            # it can, the key's record does not, so the next run builds it again.
            with contextlib.suppress(WheelmillError):
                ctx.catalog.add(exc.attempt)
            return _result(replace(exc.attempt, error=str(exc)), FAILED)
        except WheelmillError as exc:
            ctx.cancel.check()  # a download cut short by a stop is no failure
            # Index and download problems go to the catalog but not into the key's
            # record: they may pass by the next run, so the next run tries again.
            status: PinStatus = NO_WHEEL if isinstance(exc, NoWheel) else FAILED
            failure = Attempt(
                key=key,
                status="no-wheel" if status == NO_WHEEL else "failed",
                name=pin.name,
                version=pin.version,
                target=target.name,
                source="upstream",
                error=str(exc),
                duration=time.monotonic() - started,
                created=time.time(),
            )
            ctx.catalog.add(failure)
            return _result(failure, status)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        ctx.cancel.check()  # a build killed by a stop is no failure: record nothing
        ctx.store.write_record(record)
        if record.ok and record.wheel and is_pure(record.wheel):
            ctx.store.write_record(replace(record, key=shared_key))
        ctx.catalog.add(record)
    if record.status == "not-applicable":
        return _result(record, NOT_APPLICABLE)
    if not record.ok:
        return _result(record, FAILED)
    return _result(record, BUILT if record.source == "built" else FETCHED)


def _settle_reported(ctx: Context, pin: Pin, target: Target) -> PinResult | None:
    """:func:`settle_pin`, with any error but a stop (``None``) reported as a failure."""
    try:
        ctx.cancel.check()
        return settle_pin(ctx, pin, target)
    except Cancelled:
        return None
    except (WheelmillError, OSError) as exc:  # a full or read-only disk
        error = exc if isinstance(exc, WheelmillError) else from_os_error(exc)
        return PinResult(pin.name, pin.version, target.name, FAILED, note=str(error))
    except Exception as exc:  # a bug must not cost other pins their builds
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        note = f"internal error: {detail}"
        return PinResult(pin.name, pin.version, target.name, FAILED, note=note)


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
    cancel: Cancel | None = None,
    verify: bool = False,
    select: Callable[[Pin, Target], bool] = lambda pin, target: True,
) -> BuildReport:
    """Settle every pin for every target; returns when all are done, failures included.

    ``jobs`` builds run at once; with more than one, up to :data:`FETCHES` more
    pins are settled alongside (reused, or their upstream wheels fetched), so
    downloads go on while long builds run (``jobs=1``: one pin at a time, in
    order). ``settings`` is one :class:`BuildSettings` for all pins, or a function giving
    each package's (``Config.settings_for``: ``[build]`` plus its override).
    A stored wheel counts as current while its stat is the stored one and,
    when that changed (or with ``verify``), while its sha256 is; a changed
    wheel is fetched or built again, and replaced.
    ``cancel.request()`` from another thread or a signal handler stops the run:
    then this raises :class:`~wheelmill._cancel.Cancelled` once running builds ended;
    ``select`` keeps only some (pin, target) pairs (``build --shard``)."""
    sink = events or _NoEvents()
    cancel = cancel or Cancel()
    started = time.monotonic()
    store.create()
    results: list[PinResult] = []
    sink.begin(sum(select(pin, target) for pin in pins for target in targets))
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
            cancel=cancel,
            verify=verify,
            builds=jobs,
        )

        def settled(pin: Pin, target: Target) -> bool:
            settings = ctx.settings_for(pin.name)
            return _settled(ctx, build_key(pin, target, settings, index_url=index_url)) is not None

        def scout_one(pin: Pin) -> int | None:
            try:
                return scout(ctx, pin, [t for t in targets if select(pin, t)], settled)
            except Exception:  # a bug: settling the pin meets it again, and reports it
                return None

        def one(pin: Pin) -> list[PinResult]:
            # A pin's targets run in order, in one job: a pure-Python wheel built
            # for the first target is then simply found by the others.
            outcomes: list[PinResult] = []
            mine = [target for target in targets if select(pin, target)]
            if cancel.requested or not mine:
                return outcomes
            sink.pin_started(pin)
            try:
                with working_for(cancel):
                    for target in mine:
                        outcome = _settle_reported(ctx, pin, target)
                        if outcome is None:  # stopped
                            break
                        sink.pin_finished(outcome)
                        outcomes.append(outcome)
            finally:
                ctx.settled(pin.name)  # built or not: no build waits for it any longer
            return outcomes

        cancel.active = True
        try:
            # `jobs` builds at once; wheels are fetched alongside them, so a long build
            # does not hold back the downloads queued behind it. One job: one pin at a
            # time, in the lock's order.
            workers = 1 if jobs <= 1 else jobs + FETCHES
            with ThreadPoolExecutor(max_workers=workers) as pool:
                try:
                    queue = list(pins)
                    if workers > 1:  # the builds first, found by reading every page at once
                        sizes = list(pool.map(scout_one, pins))
                        ctx.expect_builds(
                            {pin.name: size for pin, size in zip(pins, sizes) if size is not None}
                        )
                        queue = builds_first(pins, sizes)
                    futures = [pool.submit(one, pin) for pin in queue]
                    for future in as_completed(futures):
                        results.extend(future.result())
                except KeyboardInterrupt:  # no handler of the caller's: stop, then wait
                    cancel.request()
                    raise
        finally:
            cancel.active = False
            ctx.close()
    if cancel.requested:
        raise Cancelled
    order = {target.name: index for index, target in enumerate(targets)}
    results.sort(key=lambda r: (r.name, r.version, order.get(r.target, 0)))
    return BuildReport(results=results, duration=time.monotonic() - started)
