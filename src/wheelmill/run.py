"""The jobs the commands run, driven by a :class:`~wheelmill.config.Config`.

:func:`lock_with` and :func:`build_lock` are what ``wheelmill lock`` and
``wheelmill build`` do; :func:`run_pipeline` is ``wheelmill run``: lock (when
given a ``.in`` whose lock is not up to date with its inputs), build, publish
(index and status page) in one call.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from .config import Config
from .lockfile.uptodate import lock_inputs_of, lock_is_current, lock_path_for
from .noop import Stamp, stamp_run, unchanged_run

if TYPE_CHECKING:  # building, publishing and locking load only when a job needs them
    from ._cancel import Cancel
    from .build.reproduce import ReproducibilityCheck
    from .build.results import BuildEvents, BuildReport, PinResult
    from .build.shard import Shard
    from .diagnose.remedy import LazyRules
    from .index.publish import PublishReport
    from .lockfile.resolve import LockResult
    from .lockfile.unlockable import Unlockable
    from .store.wheelhouse import Store
    from .target import Target


class LockEvents(Protocol):
    """Progress of the lock step (one resolver run); the CLI renders it."""

    def lock_started(self, requirements: Path, lock: Path) -> None: ...

    def lock_finished(self) -> None: ...


@dataclass(frozen=True)
class RunReport:
    """``locked``: the resolution, or ``None`` when the lock was up to date (or pinned)."""

    lock: Path
    locked: LockResult | None
    build: BuildReport
    publish: PublishReport
    #: Why the lock may not fit the targets (resolved for others), if it may not.
    warning: str | None = None

    @property
    def status_page(self) -> Path | None:
        return self.publish.status_page

    @property
    def ok(self) -> bool:
        return not self.build.failures


def unresolved_warning(lock: Path, targets: list[Target]) -> str | None:
    """One line naming the targets ``lock`` was not resolved for (its header says which
    it was), or ``None``: its pins may not fit those targets."""
    from .lockfile.inputs import read_header, unresolved_targets

    header = read_header(lock)
    missing = unresolved_targets(header, targets)
    if not missing or header.targets is None:
        return None
    return (
        f"{lock} was resolved for {' '.join(header.targets) or 'no target'}, not for "
        f"{', '.join(target.name for target in missing)}; its pins may not fit there: "
        "re-lock with those in `targets`"
    )


def lock_with(
    config: Config,
    requirements: Path,
    output: Path,
    *,
    upgrade: bool = False,
    keep_going: bool = False,
) -> LockResult:
    """Resolve ``requirements`` into ``output`` with the config's index, resolver,
    build constraints and knowledge base (for a failed resolution); the lock's
    header records the inputs' hash and the targets."""
    from .diagnose.remedy import LazyRules
    from .lockfile.inputs import LockHeader, target_label
    from .lockfile.merge import resolvable_by_piptools
    from .lockfile.resolve import lock_requirements
    from .target import resolve_targets

    targets = resolve_targets(config.targets, base=config.source.parent if config.source else None)
    resolved_for = targets if config.resolver == "uv" else resolvable_by_piptools(targets)
    header = LockHeader(
        inputs=lock_inputs_of(config, requirements),
        targets=tuple(target_label(target) for target in resolved_for),
        universal=config.resolver == "uv",
    )
    return lock_requirements(
        requirements,
        output,
        header=header,
        targets=targets,
        keep_going=keep_going,
        index_url=config.index_url,
        resolver=config.resolver,
        upgrade=upgrade,
        build_constraints=config.all_build_constraints(),
        rules=LazyRules(config.rules),
    )


@dataclass(frozen=True)
class BuildRun:
    """What ``wheelmill build`` did: every pin's outcome, and the reproducibility check's."""

    report: BuildReport
    reproductions: ReproducibilityCheck | None = None
    #: Why the lock may not fit the targets (resolved for others), if it may not.
    warning: str | None = None

    @property
    def ok(self) -> bool:
        return not self.report.failures


def store_of(config: Config) -> Store:
    """The config's wheelhouse, in front of its shared store (``store``) if it has one."""
    from .store.team import open_store

    return open_store(
        config.wheelhouse,
        config.store,
        endpoint_url=config.store_endpoint_url,
        lease_seconds=config.store_lease_seconds,
    )


def mirror_store(config: Config) -> None:
    """Mirror the config's store into its wheelhouse (``wheelmill sync``) for a command
    that reads it (``verify``, ``export``…): a corrupted object is left out (``sync`` and
    ``publish`` report it), and a local wheel the store does not hold (removed by
    ``gc --store``, never pushed) is set aside, so the mirror answers for the store."""
    from .store.mirror import set_aside, sync
    from .store.team import TeamStore

    store = store_of(config)
    if isinstance(store, TeamStore):
        set_aside(store, sync(store).wheels)


def targets_for(config: Config) -> list[Target]:
    """The config's targets, interpreters found relative to the config file."""
    from .target import resolve_targets

    return resolve_targets(config.targets, base=config.source.parent if config.source else None)


def build_lock(
    config: Config,
    lock: Path,
    *,
    targets: Sequence[Target] | None = None,
    chosen: Sequence[str] = (),
    retry_failed: bool = False,
    events: BuildEvents | None = None,
    remediate: bool = True,
    force: bool = False,
    cancel: Cancel | None = None,
    check_reproducible: bool = False,
    verify: bool = False,
    shard: Shard | None = None,
) -> BuildRun:
    """Settle every pin of ``lock`` for the config's targets, in its wheelhouse, with its
    settings: ``wheelmill build``. ``check_reproducible`` builds every pin built from
    source once more, compares the bytes and records the figure in the wheelhouse.
    ``targets`` default to ``chosen`` (target specs as given on the command line,
    relative to the working directory), else the config's; ``shard`` keeps one share of
    the (pin x target) work.

    A rerun where nothing changed is answered from the lock's no-op stamp
    (:mod:`wheelmill.build.stamp`; with a team store, checked against one listing of
    it: :mod:`wheelmill.build.teamstamp`) when the targets are given as specs,
    without ``verify``, ``shard`` or ``check_reproducible``."""
    stamp = None
    if targets is None and not (verify or shard or check_reproducible):
        stamp = Stamp.of(config, lock, "build", chosen)
        found = stamp.read() if stamp is not None else None
        if found is not None:
            return BuildRun(found.report, warning=found.warning)
    if targets is None:
        from .target import resolve_targets

        targets = resolve_targets(chosen, base=Path.cwd()) if chosen else targets_for(config)
    targets = list(targets)
    from .build.batch import prebuild
    from .diagnose.remedy import LazyRules
    from .lockfile import read_lock

    store = store_of(config)
    report = prebuild(
        read_lock(lock),
        store,
        targets=targets,
        settings=config.settings_for,
        index_url=config.index_url,
        jobs=config.effective_jobs,
        retry_failed=retry_failed,
        events=events,
        rules=LazyRules(config.rules),
        remediate=remediate and config.build.remediate,
        force=force,
        cancel=cancel,
        verify=verify,
        select=(lambda pin, target: shard.takes(pin.name, pin.version, target.name))
        if shard
        else (lambda pin, target: True),
    )
    warning = unresolved_warning(lock, targets)
    if stamp is not None:
        stamp.write(report, warning, store=store)
    if not check_reproducible:
        return BuildRun(report, warning=warning)
    from .build.reproduce import check_reproducible as rebuild_and_compare
    from .store.wheelhouse import Store

    reproductions = rebuild_and_compare(
        report,
        Store(config.wheelhouse),
        lock=lock,
        targets=targets,
        settings_for=config.settings_for,
        index_url=config.index_url,
    )
    return BuildRun(report, reproductions, warning)


def _order(result: PinResult) -> tuple[str, str]:
    return (result.name, result.version)


def record_unlockable(
    store: Store, left_out: Sequence[Unlockable], targets: list[Target], rules: LazyRules
) -> list[PinResult]:
    """Each requirement left out of the lock, as a failed pin on every target: the
    resolver output kept as its log, diagnosed, in the catalog (``failures``, the
    status page and JUnit show it)."""
    from .build.results import FAILED, PinResult
    from .diagnose import diagnose
    from .store.attempt import Attempt
    from .store.catalog import Catalog
    from .store.wheelhouse import write_atomic

    catalog = Catalog(store.catalog_path)
    results = []
    for item in left_out:
        log = store.new_log(item.name, item.version, "lock")
        write_atomic(log, item.output.encode("utf-8"))
        diagnosis = diagnose(item.output, rules.get())
        error = (
            f"{item.name}=={item.version}: its sdist cannot produce metadata here, so it was "
            f"left out of the lock: {diagnosis.summary}"
        )
        for target in targets:
            attempt = Attempt(
                key=f"lock-{target.name}-{item.name}-{item.version}", status="failed",
                name=item.name, version=item.version, target=target.name, source="none",
                log=str(log), error=error, category=diagnosis.category, diagnosis=diagnosis,
                created=time.time(),
            )  # fmt: skip
            catalog.add(attempt)
            results.append(PinResult(item.name, item.version, target.name, FAILED, attempt))
    return results


def run_pipeline(
    config: Config,
    *,
    upgrade: bool = False,
    retry_failed: bool = False,
    events: BuildEvents | None = None,
    remediate: bool = True,
    force: bool = False,
    cancel: Cancel | None = None,
    lock_events: LockEvents | None = None,
) -> RunReport:
    """``wheelmill run``: lock (for a ``.in``), build, then publish the index and the
    status page.

    A rerun where nothing changed (the lock up to date with its inputs, the build's
    inputs as in the last run, and every file ``publish`` reads or writes as that run
    left it) is answered from the lock's ``run`` stamp: nothing is built or published,
    and the status page keeps the time it was last written."""
    to_resolve, lock = lock_path_for(config)
    locked = None
    if to_resolve is not None and (upgrade or not lock_is_current(config, to_resolve, lock)):
        if lock_events is not None:
            lock_events.lock_started(to_resolve, lock)
        try:
            # A requirement whose sdist cannot produce metadata is left out, and reported.
            locked = lock_with(config, to_resolve, lock, upgrade=upgrade, keep_going=True)
        finally:
            if lock_events is not None:
                lock_events.lock_finished()
    stamp = None if config.store else Stamp.of(config, lock, "run", ())
    if stamp is not None and locked is None:
        again = unchanged_run(stamp)
        if again is not None:
            build, published, warning = again
            return RunReport(
                lock=lock, locked=None, build=build, publish=published, warning=warning
            )
    built = build_lock(
        config,
        lock,
        retry_failed=retry_failed,
        events=events,
        remediate=remediate,
        force=force,
        cancel=cancel,
    )
    report = built.report
    store = store_of(config)
    if locked is not None and locked.unlockable:
        targets = targets_for(config)
        unlocked = record_unlockable(store, locked.unlockable, targets, _rules(config))
        report = replace(report, results=sorted([*report.results, *unlocked], key=_order))
    from .store.team import TeamStore

    if isinstance(store, TeamStore):  # the index goes into the team's store too
        from .index.bucket import publish_store

        published = publish_store(store).publish
    else:
        from .index.publish import publish

        published = publish(store)
    if stamp is not None:
        stamp_run(stamp, report, published, built.warning)
    return RunReport(
        lock=lock, locked=locked, build=report, publish=published, warning=built.warning
    )


def _rules(config: Config) -> LazyRules:
    from .diagnose.remedy import LazyRules

    return LazyRules(config.rules)
