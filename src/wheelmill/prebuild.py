"""Settle every pin of a lock: reuse, fetch or build its wheel, in parallel.

For each pin and target the build key decides:

1. the store holds a current wheel for the key → nothing to do (no network);
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
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ._exceptions import InvalidWheelError, WheelmillError
from ._wheelfile import wheel_project
from .build import build_sdist
from .catalog import Catalog
from .config import BuildSettings
from .key import build_key
from .pins import Pin
from .store import Record, Store, sha256_file
from .target import Target
from .upstream import Upstream

#: Statuses a pin can end in; the first three are successes.
CACHED, FETCHED, BUILT, FAILED, NOT_APPLICABLE = (
    "cached",
    "fetched",
    "built",
    "failed",
    "not-applicable",
)


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

    @property
    def ok(self) -> bool:
        return self.status != FAILED


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
class _Context:
    store: Store
    catalog: Catalog
    upstream: Upstream
    target: Target
    settings: BuildSettings
    index_url: str
    retry_failed: bool
    session: Path


def _result(record: Record, status: str) -> PinResult:
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
    )


def _settled(ctx: _Context, key: str) -> PinResult | None:
    record = ctx.store.read_record(key)
    if ctx.store.is_current(record):
        assert record is not None
        return _result(record, CACHED)
    if record is not None and record.status == FAILED and not ctx.retry_failed:
        return _result(record, FAILED)
    return None


def _check_built(pin: Pin, wheel: Path) -> None:
    name, version = wheel_project(wheel.name)
    if name != pin.name or str(version) != pin.version:
        raise InvalidWheelError(
            f"{pin.spec}: the backend produced {wheel.name}, which is not this pin"
        )


def _produce(ctx: _Context, pin: Pin, key: str, scratch: Path) -> Record:
    started = time.monotonic()

    def record(status: str, source: str, **fields: Any) -> Record:
        return Record(
            key=key,
            status=status,
            name=pin.name,
            version=pin.version,
            target=ctx.target.name,
            source=source,
            duration=time.monotonic() - started,
            created=time.time(),
            **fields,
        )

    found = ctx.upstream.candidates(pin, ctx.target)
    if found.wheel is not None:
        temp = ctx.upstream.download(found.wheel, scratch, pin.sha256s())
        digest, size = ctx.store.add_wheel(temp, found.wheel.filename)
        return record("ok", "upstream", wheel=found.wheel.filename, sha256=digest, size=size)
    if found.sdist is None:
        raise WheelmillError(f"{pin.spec}: no wheel for {ctx.target.name} and no sdist")
    sdist = ctx.store.cached_sdist(found.sdist.sha256, found.sdist.filename)
    if sdist is None:
        temp = ctx.upstream.download(found.sdist, scratch, pin.sha256s())
        sdist = ctx.store.keep_sdist(temp, sha256_file(temp), found.sdist.filename)
    log = ctx.store.new_log(pin.name, pin.version, key)
    outcome = build_sdist(
        sdist,
        scratch / "build",
        log,
        python=ctx.target.python,
        settings=ctx.settings,
        index_url=ctx.index_url,
        find_links=(ctx.store.wheels.resolve().as_uri(),),
        cache=ctx.store.state / "cache",
    )
    about = {"log": str(log), "installer": outcome.installer}
    if not outcome.ok or outcome.wheel is None:
        return record(FAILED, "built", error=outcome.error, **about)
    try:
        _check_built(pin, outcome.wheel)
        digest, size = ctx.store.add_wheel(outcome.wheel, outcome.wheel.name)
    except InvalidWheelError as exc:
        return record(FAILED, "built", error=str(exc), **about)
    return record("ok", "built", wheel=outcome.wheel.name, sha256=digest, size=size, **about)


def settle_pin(ctx: _Context, pin: Pin) -> PinResult:
    """Bring one pin's wheel into the store (or explain why not)."""
    if not pin.applies_to(ctx.target.environment):
        return PinResult(pin.name, pin.version, ctx.target.name, "", NOT_APPLICABLE)
    key = build_key(pin, ctx.target, ctx.settings, index_url=ctx.index_url)
    done = _settled(ctx, key)
    if done is not None:
        return done
    with ctx.store.lock(key):
        done = _settled(ctx, key)  # another builder may have finished it meanwhile
        if done is not None:
            return done
        scratch = ctx.session / key
        scratch.mkdir()
        started = time.monotonic()
        try:
            record = _produce(ctx, pin, key, scratch)
        except WheelmillError as exc:
            # Index and download problems go to the catalog but not into the key's
            # record: they may pass by the next run, so the next run tries again.
            failure = Record(
                key=key,
                status=FAILED,
                name=pin.name,
                version=pin.version,
                target=ctx.target.name,
                source="upstream",
                error=str(exc),
                duration=time.monotonic() - started,
                created=time.time(),
            )
            ctx.catalog.add(failure)
            return _result(failure, FAILED)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        ctx.store.write_record(record)
        ctx.catalog.add(record)
    status = FAILED if record.status == FAILED else (BUILT if record.source == "built" else FETCHED)
    return _result(record, status)


def prebuild(
    pins: Sequence[Pin],
    store: Store,
    *,
    target: Target,
    settings: BuildSettings,
    index_url: str,
    jobs: int = 1,
    retry_failed: bool = False,
    events: BuildEvents | None = None,
) -> BuildReport:
    """Settle every pin for ``target``; returns when all are done, failures included."""
    sink = events or _NoEvents()
    started = time.monotonic()
    store.create()
    results: list[PinResult] = []
    sink.begin(len(pins))
    with store.session() as session:
        ctx = _Context(
            store=store,
            catalog=Catalog(store.catalog_path),
            upstream=Upstream(index_url),
            target=target,
            settings=settings,
            index_url=index_url,
            retry_failed=retry_failed,
            session=session,
        )

        def one(pin: Pin) -> PinResult:
            sink.pin_started(pin)
            try:
                return settle_pin(ctx, pin)
            except Exception as exc:  # a bug must not cost the other pins their builds
                detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
                return PinResult(
                    pin.name,
                    pin.version,
                    target.name,
                    "",
                    FAILED,
                    error=f"internal error: {detail}",
                )

        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = [pool.submit(one, pin) for pin in pins]
            for future in as_completed(futures):
                result = future.result()
                sink.pin_finished(result)
                results.append(result)
    results.sort(key=lambda r: (r.name, r.version, r.target))
    return BuildReport(results=results, duration=time.monotonic() - started)
