"""``wheelmill yank`` and ``wheelmill unyank``."""

from __future__ import annotations

from pathlib import Path

import click

from ..index.publish import publish
from ..index.yank import set_yanked
from ..store.wheelhouse import Store
from ._options import config_option, existing_wheelhouse, load, wheelhouse_option


@click.command("yank")
@click.argument("spec", metavar="NAME==VERSION")
@wheelhouse_option
@click.option("--reason", default="", help="Why, shown to pip and uv users (PEP 592).")
@config_option
def command(spec: str, wheelhouse: Path | None, reason: str, config_path: Path | None) -> None:
    """Mark every wheel of NAME==VERSION as yanked (PEP 592), and republish.

    \b
    The wheels stay; the index marks them (data-yanked, "yanked"), so pip and
    uv skip the version unless a requirement pins it exactly (==): locks that
    pin it keep installing, nothing new resolves to it. The mark is kept in
    DIR/.wheelmill/yanked.json across publishes; `wheelmill unyank` lifts it.
    `export` refuses a yanked pin (unless --allow-yanked); `verify` warns.

    Exit codes: 0 done; 2 usage (not NAME==VERSION, or no wheel of it here).
    """
    _set(spec, wheelhouse, reason, config_path)


@click.command("unyank")
@click.argument("spec", metavar="NAME==VERSION")
@wheelhouse_option
@config_option
def unyank_command(spec: str, wheelhouse: Path | None, config_path: Path | None) -> None:
    """Lift the yank of NAME==VERSION, and republish.

    Exit codes: 0 done; 2 usage (not NAME==VERSION, or no wheel of it here).
    """
    _set(spec, wheelhouse, None, config_path)


def _set(spec: str, wheelhouse: Path | None, reason: str | None, config: Path | None) -> None:
    store = Store(
        existing_wheelhouse(load(config).with_overrides(wheelhouse=wheelhouse).wheelhouse)
    )
    project, version = set_yanked(store, spec, reason)
    publish(store, refresh=[project])
    what = "yanked" if reason is not None else "no longer yanked"
    click.echo(f"{project}=={version}: {what}" + (f" ({reason})" if reason else ""))
