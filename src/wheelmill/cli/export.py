"""``wheelmill export``."""

from __future__ import annotations

from pathlib import Path

import click

from ..index.export import FORMATS, export
from ..lockfile import read_lock
from ..store.wheelhouse import Store
from ._json import export_json
from ._options import (
    config_option,
    existing_wheelhouse,
    json_option,
    load,
    targets_of,
    targets_option,
    wheelhouse_option,
)
from ._render import emit_json


@click.command("export")
@click.argument("lock", type=click.Path(dir_okay=False, path_type=Path))
@wheelhouse_option
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The file to write: requirements.binary.txt, or pylock.toml for PEP 751.",
)
@click.option(
    "--format",
    "file_format",
    type=click.Choice(FORMATS),
    help="Default: pylock for pylock.toml / pylock.<name>.toml, else requirements.",
)
@click.option(
    "--url",
    "base_url",
    metavar="BASE",
    help="pylock only: where the wheelhouse is served (its root or its /simple/ URL); "
    "wheels get url = BASE/wheels/<file>. Default: paths relative to the output file.",
)
@click.option(
    "--allow-yanked",
    is_flag=True,
    help="Export pins yanked in the wheelhouse (`wheelmill yank`) instead of refusing.",
)
@targets_option("Export for")
@config_option
@json_option
def command(
    lock: Path,
    wheelhouse: Path | None,
    output: Path,
    file_format: str | None,
    base_url: str | None,
    allow_yanked: bool,
    chosen_targets: tuple[str, ...],
    config_path: Path | None,
    as_json: bool,
) -> None:
    """Write LOCK with the hashes of the wheelhouse's own wheels.

    \b
    Every pin gets the sha256 of every wheel in DIR/wheels/ for its
    name==version (each target's), markers kept, so CI installs with
      pip install --require-hashes --only-binary :all: --index-url URL -r requirements.binary.txt
    and pip refuses a wheel whose bytes changed. `-o pylock.toml` (or
    --format pylock) writes a PEP 751 lock instead (`pip install -r pylock.toml`,
    `uv pip install -r pylock.toml`). LOCK may itself be a pylock.toml.

    \b
    Exit codes: 0 written; 1 a pin some target needs has no wheel, a wheel
    changed after wheelmill stored it, or a pin is yanked (`wheelmill yank`;
    --allow-yanked exports it) (nothing is written then); 2 usage.
    """
    config = load(config_path).with_overrides(wheelhouse=wheelhouse)
    pins = read_lock(lock)
    report = export(
        pins,
        Store(existing_wheelhouse(config.wheelhouse)),
        output,
        targets=targets_of(config, chosen_targets),
        file_format=file_format,
        base_url=base_url,
        source=lock.name,
        allow_yanked=allow_yanked,
    )
    if as_json:
        emit_json(export_json(report))
        return
    click.echo(
        f"wrote {report.output} ({report.format}): {len(report.entries)} pins, "
        f"{report.wheels} wheel hashes"
    )
    kept = "left out" if report.format == "pylock" else "kept without hashes, with its marker"
    for pin in report.unneeded:
        click.echo(f"  {pin.spec}: no wheel, and no target needs it ({kept})")
