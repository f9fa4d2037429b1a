"""The jobs the commands run, driven by a :class:`~wheelmill.config.Config`.

:func:`lock_with` and :func:`build_lock` are what ``wheelmill lock`` and
``wheelmill build`` do; :func:`run_pipeline` is ``wheelmill run``: lock (when
given a ``.in``), build, publish (index and status page) in one call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ._cancel import Cancel
from ._exceptions import ConfigError
from .build.batch import prebuild
from .build.results import BuildEvents, BuildReport
from .config import Config
from .diagnose.remedy import LazyRules
from .lockfile import read_lock
from .store.team import TeamStore, open_store
from .store.wheelhouse import Store
from .target import Target, resolve_targets

if TYPE_CHECKING:  # publishing and locking load only when a job needs them
    from .build.reproduce import Reproduction
    from .build.shard import Shard
    from .index.publish import PublishReport
    from .lockfile.resolve import LockResult


@dataclass(frozen=True)
class RunReport:
    lock: Path
    locked: LockResult | None
    build: BuildReport
    publish: PublishReport

    @property
    def status_page(self) -> Path | None:
        return self.publish.status_page

    @property
    def ok(self) -> bool:
        return not self.build.failures


def lock_path_for(config: Config) -> tuple[Path | None, Path]:
    """``(requirements to resolve or None, lock to build from)`` for a config."""
    source = config.requirements
    if source is not None and source.suffix == ".in":
        return source, config.lock or source.with_suffix(".txt")
    if source is not None:
        return None, source
    if config.lock is not None:
        return None, config.lock
    raise ConfigError(
        "nothing to build: set `requirements` (a .in to lock, or a pinned file) or `lock` "
        "in the config, or pass them on the command line"
    )


def lock_with(
    config: Config, requirements: Path, output: Path, *, upgrade: bool = False
) -> LockResult:
    """Resolve ``requirements`` into ``output`` with the config's index, resolver,
    build constraints and knowledge base (for a failed resolution)."""
    from .lockfile.resolve import lock_requirements

    return lock_requirements(
        requirements,
        output,
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
    reproductions: list[Reproduction] | None = None

    @property
    def ok(self) -> bool:
        return not self.report.failures


def store_of(config: Config) -> Store:
    """The config's wheelhouse, in front of its shared store (``store``) if it has one."""
    return open_store(
        config.wheelhouse,
        config.store,
        endpoint_url=config.store_endpoint_url,
        lease_seconds=config.store_lease_seconds,
    )


def mirror_store(config: Config) -> None:
    """Mirror the config's store into its wheelhouse (``wheelmill sync``); a corrupted
    object is left out (``sync`` and ``publish`` report it)."""
    from .store.mirror import sync
    from .store.team import TeamStore

    store = store_of(config)
    if isinstance(store, TeamStore):
        sync(store)


def targets_for(config: Config) -> list[Target]:
    """The config's targets, interpreters found relative to the config file."""
    return resolve_targets(config.targets, base=config.source.parent if config.source else None)


def build_lock(
    config: Config,
    lock: Path,
    *,
    targets: Sequence[Target] | None = None,
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
    source once more and compares the bytes. ``targets`` default to the config's;
    ``shard`` keeps one share of the (pin x target) work."""
    targets = list(targets) if targets is not None else targets_for(config)
    report = prebuild(
        read_lock(lock),
        store_of(config),
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
    if not check_reproducible:
        return BuildRun(report)
    from .build.reproduce import check_reproducible as rebuild_and_compare

    reproductions = rebuild_and_compare(
        report,
        Store(config.wheelhouse),
        targets=targets,
        settings_for=config.settings_for,
        index_url=config.index_url,
    )
    return BuildRun(report, reproductions)


def run_pipeline(
    config: Config,
    *,
    upgrade: bool = False,
    retry_failed: bool = False,
    events: BuildEvents | None = None,
    remediate: bool = True,
    force: bool = False,
    cancel: Cancel | None = None,
) -> RunReport:
    """``wheelmill run``: lock (for a ``.in``), build, then publish the index and the
    status page."""
    from .index.publish import publish

    to_resolve, lock = lock_path_for(config)
    locked = lock_with(config, to_resolve, lock, upgrade=upgrade) if to_resolve else None
    built = build_lock(
        config,
        lock,
        retry_failed=retry_failed,
        events=events,
        remediate=remediate,
        force=force,
        cancel=cancel,
    )
    store = store_of(config)
    if isinstance(store, TeamStore):  # the index goes into the team's store too
        from .index.bucket import publish_store

        published = publish_store(store).publish
    else:
        published = publish(store)
    return RunReport(lock=lock, locked=locked, build=built.report, publish=published)
