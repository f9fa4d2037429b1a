"""``wheelmill pip-config``."""

from __future__ import annotations

from pathlib import Path

import click

from ..index.clientconfig import SNIPPETS, client_config
from ._json import pip_config_json
from ._options import config_option, json_option, load
from ._render import emit_json

_WHERE = {
    "pip.conf": "pip.conf: ~/.config/pip/pip.conf, /etc/pip.conf, or PIP_CONFIG_FILE=<file>",
    "uv.toml": "uv.toml: ~/.config/uv/uv.toml, /etc/uv/uv.toml, or `uv … --config-file <file>`",
    "pyproject.toml": "pyproject.toml of a project (uv)",
    "poetry": "pyproject.toml of a poetry project",
    "pdm": "pyproject.toml of a pdm project",
    "env": "environment variables (CI jobs)",
}


@click.command("pip-config")
@click.option(
    "--wheelhouse",
    "-w",
    "where",
    metavar="DIR|URL",
    help="The wheelhouse directory, or the URL it is served at. Default: from the config.",
)
@click.option(
    "--only",
    type=click.Choice(SNIPPETS),
    help="Print just this snippet, ready to redirect into a file.",
)
@config_option
@json_option
def command(where: str | None, only: str | None, config_path: Path | None, as_json: bool) -> None:
    """Print the pip, uv, poetry and pdm settings that install from the wheelhouse, binary-only.

    \b
    For a directory: its wheels/ as file:// find-links, the index switched off.
    For a URL (wheelmill serve, nginx, …): its /simple/ index.
    Source builds are refused either way (pip only-binary, uv no-build).
    Snippets: pip.conf, uv.toml, [tool.uv] for pyproject.toml, poetry's and pdm's
    sources for pyproject.toml, and environment variables (PIP_*, UV_*) for CI.
    """
    location = where or str(load(config_path).wheelhouse)
    found = client_config(location)
    if as_json:
        emit_json(pip_config_json(found))
        return
    if only is not None:
        click.echo(found.snippet(only), nl=False)
        return
    for name in SNIPPETS:
        click.echo(f"# --- {_WHERE[name]} ---")
        click.echo(found.snippet(name))
