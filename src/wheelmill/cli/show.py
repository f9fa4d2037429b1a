"""``wheelmill show``."""

from __future__ import annotations

import time
from pathlib import Path

import click
from packaging.utils import canonicalize_name

from .._exceptions import WheelmillError
from ..store.catalog import Catalog
from ..store.wheelhouse import Store
from ._options import config_option, json_option, load, wheelhouse_option
from ._render import emit_json, print_diagnosis_data, table


@click.command("show")
@click.argument("package")
@wheelhouse_option
@config_option
@json_option
def command(package: str, wheelhouse: Path | None, config_path: Path | None, as_json: bool) -> None:
    """Show a package's build history and the full diagnosis of its last failure."""
    config = load(config_path).with_overrides(wheelhouse=wheelhouse)
    store = Store(config.wheelhouse)
    name = canonicalize_name(package)
    rows = Catalog(store.catalog_path).attempts(name) if store.catalog_path.is_file() else []
    if not rows:
        raise WheelmillError(f"{package}: never built or fetched in {config.wheelhouse}")
    failed = [row for row in rows if row["status"] == "failed"]
    last_failure = failed[-1] if failed else None
    if as_json:
        emit_json({"package": name, "attempts": rows, "last_failure": last_failure})
        return
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
