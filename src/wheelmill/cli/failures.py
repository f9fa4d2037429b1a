"""``wheelmill failures``."""

from __future__ import annotations

from pathlib import Path

import click

from ..store.catalog import Catalog
from ..store.wheelhouse import Store
from ._options import config_option, existing_wheelhouse, json_option, load, wheelhouse_option
from ._render import emit_json, table, terminal_width


@click.command("failures")
@wheelhouse_option
@config_option
@json_option
def command(wheelhouse: Path | None, config_path: Path | None, as_json: bool) -> None:
    """List the pins whose latest build failed, one line each.

    Package, version, target, category, rule and the first real error line.
    `wheelmill show PACKAGE` gives the history and the whole diagnosis.
    Exit code 0 (even with failures listed); 2 for usage errors.
    """
    config = load(config_path).with_overrides(wheelhouse=wheelhouse)
    store = Store(existing_wheelhouse(config.wheelhouse))
    rows = Catalog(store.catalog_path).current_failures() if store.catalog_path.is_file() else []
    if as_json:
        emit_json({"failures": [row.failure_json() for row in rows]})
        return
    if not rows:
        click.echo("no failures")
        return
    lines = table(
        [
            [
                row.name,
                row.version,
                row.target,
                row.category or "unknown",
                row.rule or "-",
                row.first_error.text if row.first_error else (row.error or ""),
            ]
            for row in rows
        ],
        ["package", "version", "target", "category", "rule", "first error"],
        terminal_width(),
    )
    click.echo("\n".join(lines))
