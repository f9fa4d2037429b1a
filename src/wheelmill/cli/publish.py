"""``wheelmill publish``."""

from __future__ import annotations

from pathlib import Path

import click

from ..index.publish import publish
from ..store.wheelhouse import Store
from ._json import publish_json
from ._options import (
    config_option,
    existing_wheelhouse,
    json_option,
    load,
    verbosity_options,
    wheelhouse_option,
)
from ._render import emit_json, exit_with, print_publish
from ._summary import rejected_line


@click.command("publish")
@wheelhouse_option
@click.option(
    "--verify",
    is_flag=True,
    help="Read and check every wheel, not only those whose size or mtime changed.",
)
@config_option
@json_option
@verbosity_options
def command(
    wheelhouse: Path | None,
    verify: bool,
    config_path: Path | None,
    as_json: bool,
    quiet: bool,
    verbose: int,
) -> None:
    """Write the static index DIR/simple/ for the wheels in DIR/wheels/.

    \b
    PEP 503 HTML with #sha256 and data-requires-python, PEP 691 JSON
    (index.json), PEP 658/714 .metadata files, PEP 700 fields. Links are
    relative, so the tree works over file://, `wheelmill serve` or any static
    web server. Only projects whose wheels changed are rewritten. Also writes
    DIR/status/index.html, a status page of every package on every target.

    \b
    A wheel is published only if it is intact: the sha256 it was stored with
    (checked when its size or mtime changed, or always with --verify), or,
    for a wheel copied in by hand, every member's CRC. Changed or damaged
    wheels, zip bombs, symbolic links and other non-files are left out and
    reported; `wheelmill build` replaces the wheels it stored.

    \b
    Use it with:
      pip install --only-binary :all: --index-url file://$PWD/DIR/simple/ …
      pip install --only-binary :all: --no-index --find-links DIR/wheels …

    With --store s3://BUCKET/PREFIX the store is mirrored into DIR first (every
    wheel checked against its record's hash), and the index is written into
    the bucket too: .metadata files, then project pages, then the root pages
    and a flat find-links.html.

    Exit codes: 0 published; 1 some wheel was rejected (corrupted); 2 usage.
    """
    config = load(config_path).with_overrides(wheelhouse=wheelhouse)
    if config.store:  # the team store's machinery is imported only when it is used
        from ..index.bucket import publish_store
        from ..run import store_of
        from ..store.team import TeamStore

        target = store_of(config)
        assert isinstance(target, TeamStore)
        report = publish_store(target).publish
    else:
        report = publish(Store(existing_wheelhouse(config.wheelhouse)), verify=verify)
    if as_json:
        emit_json(publish_json(report))
    elif not quiet or report.rejected:
        print_publish(report)
        click.echo(f"status page: {report.status_page}")
    if report.rejected:
        exit_with(rejected_line(len(report.rejected)))
