"""``wheelmill run``: lock (when given a ``.in``), prebuild, publish (index and status
page), in one call."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ._exceptions import ConfigError
from .config import Config
from .index import PublishReport, publish
from .lock import LockResult, lock_requirements
from .pins import read_lock
from .prebuild import BuildEvents, BuildReport, prebuild
from .remedy import LazyRules
from .status import write_status_page
from .store import Store
from .target import resolve_targets


@dataclass(frozen=True)
class RunReport:
    lock: Path
    locked: LockResult | None
    build: BuildReport
    publish: PublishReport
    status_page: Path | None = None

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


def run_pipeline(
    config: Config,
    *,
    upgrade: bool = False,
    retry_failed: bool = False,
    events: BuildEvents | None = None,
    remediate: bool = True,
    force: bool = False,
) -> RunReport:
    to_resolve, lock = lock_path_for(config)
    targets = resolve_targets(config.targets, base=config.source.parent if config.source else None)
    locked = None
    if to_resolve is not None:
        locked = lock_requirements(
            to_resolve,
            lock,
            index_url=config.index_url,
            resolver=config.resolver,
            upgrade=upgrade,
            build_constraints=config.all_build_constraints(),
            rules=LazyRules(config.rules),
        )
    pins = read_lock(lock)
    store = Store(config.wheelhouse).create()
    report = prebuild(
        pins,
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
    )
    published = publish(store)
    page = write_status_page(store)
    return RunReport(lock=lock, locked=locked, build=report, publish=published, status_page=page)
