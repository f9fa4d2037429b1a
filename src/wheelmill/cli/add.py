"""``wheelmill add``."""

from __future__ import annotations

from pathlib import Path

import click

from ..index.add import add_wheels
from ..store.wheelhouse import Store
from ._options import config_option, existing_wheelhouse, load, wheelhouse_option


@click.command("add")
@click.argument(
    "wheels", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@wheelhouse_option
@config_option
def command(wheels: tuple[Path, ...], wheelhouse: Path | None, config_path: Path | None) -> None:
    """Add your own wheels (WHEEL…) to the wheelhouse, checked, and republish.

    \b
    Each must be a valid wheel: a proper wheel filename, an intact archive
    (every member's CRC), and METADATA naming the project and version of its
    filename. All are checked before any is added. Each is stored like a built
    wheel (its sha256 recorded, uploaded now), so publish, export and verify
    accept it. A wheel of the same name already there is never replaced (the
    same bytes are fine). `gc --keep LOCK` removes versions no kept lock pins:
    pin your own wheels in a kept lock too.

    Exit codes: 0 added; 1 a wheel is invalid or clashes (nothing added); 2 usage.
    """
    store = Store(
        existing_wheelhouse(load(config_path).with_overrides(wheelhouse=wheelhouse).wheelhouse)
    )
    report = add_wheels(store, list(wheels))
    for name in report.added:
        click.echo(f"added {name}")
    for name in report.present:
        click.echo(f"{name}: already there, unchanged")
