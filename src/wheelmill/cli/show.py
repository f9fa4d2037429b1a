"""``wheelmill show``."""

from __future__ import annotations

import time
from pathlib import Path

import click
from packaging.utils import canonicalize_name

from ..store.attempt import Attempt
from ..store.catalog import Catalog, RuleStats
from ..store.wheelhouse import Store
from ._options import config_option, existing_wheelhouse, json_option, load, wheelhouse_option
from ._render import emit_json, print_diagnosis, table, terminal_width


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
    attempts = Catalog(store.catalog_path).attempts(name) if store.catalog_path.is_file() else []
    failed = [attempt for attempt in attempts if attempt.status == "failed"]
    last_failure = failed[-1] if failed else None
    if as_json:
        emit_json(
            {
                "name": name,
                "attempts": [attempt.to_json() for attempt in attempts],
                "last_failure": last_failure.to_json() if last_failure else None,
            }
        )
    elif not attempts:
        click.echo(f"{package}: no attempt recorded in this wheelhouse")
    else:
        rule = last_failure.rule if last_failure else None
        stats = Catalog(store.catalog_path).rule_statistics() if rule else {}
        _print_history(attempts, last_failure, stats.get(rule, RuleStats()) if rule else None)
    if not attempts:  # a result, not a usage error
        click.get_current_context().exit(1)


def _outcome(attempt: Attempt) -> str:
    """The wheel (with the policy auditwheel reached), or the rule or error."""
    if attempt.wheel and attempt.repair_policy:
        return f"{attempt.wheel} ({attempt.repair_policy})"
    return attempt.wheel or attempt.rule or attempt.error or ""


def _print_history(
    attempts: list[Attempt], last_failure: Attempt | None, measured: RuleStats | None
) -> None:
    lines = table(
        [
            [
                time.strftime("%Y-%m-%d %H:%M", time.localtime(attempt.created)),
                attempt.version,
                attempt.target,
                attempt.status,
                attempt.source,
                f"{attempt.duration:.1f}s",
                _outcome(attempt),
            ]
            for attempt in attempts
        ],
        ["when", "version", "target", "status", "source", "time", "wheel / rule / error"],
        terminal_width(),
    )
    click.echo("\n".join(lines))
    if last_failure is not None:
        click.echo("")
        click.echo(f"last failure: {last_failure.version} on {last_failure.target}")
        if last_failure.diagnosis:
            print_diagnosis(last_failure.diagnosis, dead_ends=True, measured=measured)
        else:
            click.echo(f"  {last_failure.error}")
        if last_failure.log:
            click.echo(f"log: {last_failure.log}")
