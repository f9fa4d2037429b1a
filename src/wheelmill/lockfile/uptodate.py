"""Which lock a configuration builds from, and whether it is up to date with its ``.in``.

``run``'s no-op answer asks both before anything else (``cli/_noop.py``), so this
module loads only the lock header's reader: no dataclasses, no resolver.
"""

from __future__ import annotations

from pathlib import Path

from .._exceptions import ConfigError

TYPE_CHECKING = False  # as typing's: a no-op answer does not load typing (see cli/_noop.py)
if TYPE_CHECKING:
    from ..config import Config

__all__ = ["lock_inputs_of", "lock_is_current", "lock_path_for"]


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


def lock_inputs_of(config: Config, requirements: Path) -> str:
    """The hash of everything resolving ``requirements`` with ``config`` depends on."""
    from .inputs import inputs_hash

    return inputs_hash(
        requirements,
        build_constraints=config.all_build_constraints(),
        targets=config.targets,
        resolver=config.resolver,
        index_url=config.index_url,
    )


def lock_is_current(config: Config, requirements: Path, output: Path) -> bool:
    """Whether ``output`` was resolved from exactly these inputs (its header says so)."""
    from .inputs import read_header

    recorded = read_header(output).inputs
    return recorded is not None and recorded == lock_inputs_of(config, requirements)
