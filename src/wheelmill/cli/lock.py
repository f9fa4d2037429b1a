"""``wheelmill lock``."""

from __future__ import annotations

from pathlib import Path

import click

from ..run import lock_with
from ._json import lock_json
from ._options import config_option, index_option, json_option, load
from ._render import Progress, emit_json


@click.command("lock")
@click.argument("requirements", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The lock to write (pinned, with --hash lines for every file).",
)
@click.option("--resolver", type=click.Choice(["pip-tools", "uv"]), help="Default: pip-tools.")
@click.option("--upgrade", "-U", is_flag=True, help="Re-resolve everything; default keeps pins.")
@index_option
@config_option
@json_option
def command(
    requirements: Path,
    output: Path,
    resolver: str | None,
    upgrade: bool,
    index_url: str | None,
    config_path: Path | None,
    as_json: bool,
) -> None:
    """Resolve REQUIREMENTS (a .in file) into a pinned, hashed lock.

    The resolution is for every target of the config (default: the interpreter
    wheelmill runs on): universal with uv, one per target merged with pip-tools;
    the user's pip configuration is ignored. Existing pins in OUTPUT are kept unless --upgrade; a
    failed resolution leaves OUTPUT untouched.
    """
    config = load(config_path).with_overrides(index_url=index_url, resolver=resolver)
    with Progress(enabled=not as_json) as progress:
        progress.lock_started(requirements, output)
        try:
            result = lock_with(config, requirements, output, upgrade=upgrade)
        finally:
            progress.lock_finished()
    if as_json:
        emit_json(lock_json(result))
    else:
        click.echo(f"locked {result.pins} pins into {result.output} ({result.resolver})")
        if result.remediation:
            click.echo(f"resolved after retrying with {result.remediation}", err=True)
