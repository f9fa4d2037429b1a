"""``wheelmill sync``."""

from __future__ import annotations

from pathlib import Path

import click

from .._exceptions import ConfigError
from ..run import store_of
from ..store.mirror import sync
from ..store.team import TeamStore
from ._options import config_option, load, verbosity_options, wheelhouse_option
from ._render import exit_with


@click.command("sync")
@wheelhouse_option
@config_option
@verbosity_options
def command(wheelhouse: Path | None, config_path: Path | None, quiet: bool, verbose: int) -> None:
    """Mirror the team's store (--store) into the local wheelhouse (--wheelhouse).

    \b
    Every record, the wheel of every successful one (hash-checked: a corrupted
    object is reported and left out) and every attempt (into the local
    catalog, for `failures`, `show`, `rules`). The mirror is a plain
    wheelhouse: `publish`, `serve`, `verify`, `export` and `gc` work on it,
    and any static web server can serve it.

    Exit codes: 0 mirrored; 1 some object was corrupted or missing; 2 usage.
    """
    config = load(config_path).with_overrides(wheelhouse=wheelhouse)
    if not config.store:
        raise ConfigError("nothing to sync from: pass --store s3://BUCKET/PREFIX (or set `store`)")
    target = store_of(config)
    assert isinstance(target, TeamStore)
    report = sync(target)
    if not quiet:
        click.echo(
            f"{report.records} records, {len(report.wheels)} wheels "
            f"({len(report.downloaded)} downloaded), {report.attempts} new attempts "
            f"from {config.store} into {config.wheelhouse}"
        )
    for filename, why in sorted(report.corrupted.items()):
        click.echo(f"  left out {filename}: {why}", err=True)
    if report.corrupted:
        exit_with(f"{len(report.corrupted)} wheel(s) in the store were not mirrored")
