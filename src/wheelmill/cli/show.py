"""``wheelmill show``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click
from packaging.utils import canonicalize_name

from ..catalog import Catalog
from ..store import Store
from ._options import config_option, existing_wheelhouse, json_option, load, wheelhouse_option
from ._render import emit_json, print_diagnosis_data, table, terminal_width


@click.command("show")
@click.argument("package")
@wheelhouse_option
@config_option
@json_option
def command(package: str, wheelhouse: Path | None, config_path: Path | None, as_json: bool) -> None:
    """Show a package's build history and the full diagnosis of its last failure.

    Exit codes: 0 shown; 1 no attempt of PACKAGE is recorded in this wheelhouse;
    2 usage error (no wheelhouse there).
    """
    config = load(config_path).with_overrides(wheelhouse=wheelhouse)
    store = Store(existing_wheelhouse(config.wheelhouse))
    name = canonicalize_name(package)
    rows = Catalog(store.catalog_path).attempts(name) if store.catalog_path.is_file() else []
    failed = [row for row in rows if row["status"] == "failed"]
    last_failure = failed[-1] if failed else None
    if as_json:
        emit_json({"package": name, "attempts": rows, "last_failure": last_failure})
    elif not rows:
        click.echo(f"{package}: no attempt recorded in this wheelhouse")
    else:
        _print_history(rows, last_failure)
    if not rows:  # a result, not a usage error
        click.get_current_context().exit(1)


def _print_history(rows: list[dict[str, Any]], last_failure: dict[str, Any] | None) -> None:
    lines = table(
        [
            [
                time.strftime("%Y-%m-%d %H:%M", time.localtime(row["created"])),
                row["version"],
                row["target"],
                row["status"],
                row["source"],
                f"{row['duration']:.1f}s",
                row["wheel"] or row["rule"] or row["error"] or "",
            ]
            for row in rows
        ],
        ["when", "version", "target", "status", "source", "time", "wheel / rule / error"],
        terminal_width(),
    )
    click.echo("\n".join(lines))
    if last_failure is not None:
        click.echo("")
        click.echo(f"last failure: {last_failure['version']} on {last_failure['target']}")
        if last_failure.get("diagnosis"):
            print_diagnosis_data(last_failure["diagnosis"], dead_ends=True)
        else:
            click.echo(f"  {last_failure['error']}")
        if last_failure.get("log"):
            click.echo(f"log: {last_failure['log']}")
