"""``wheelmill verify``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from ..index.yank import Yanks
from ..lockfile import read_lock
from ..lockfile.pins import Pin
from ..store.wheelhouse import Store
from ..verify.coverage import COVERED, PinCoverage, VerifyReport, verify
from ..verify.junit import verify_cases, write_junit
from ._json import verify_json
from ._options import (
    config_option,
    existing_wheelhouse,
    json_option,
    junit_option,
    load,
    targets_of,
    targets_option,
    verbosity_options,
    wheelhouse_option,
)
from ._render import emit_json, exit_with, table


def _print_gap(gap: PinCoverage) -> None:
    click.secho(f"GAP {gap.spec} [{gap.target}]: {gap.reason}", fg="red", err=True)
    if gap.first_error:
        first = gap.first_error
        click.echo(f"  first error (log line {first.line}): {first.text}", err=True)
    if gap.fix:
        click.echo(f"  fix: {gap.fix}", err=True)
    if gap.log:
        click.echo(f"  log: {gap.log}", err=True)


def _warn_yanked(pins: Sequence[Pin], store: Store) -> None:
    """A yanked pin still installs (pinned exactly), so it is a warning, not a gap."""
    yanks = Yanks.load(store)
    for pin in pins:
        reason = yanks.reason(pin.name, pin.version)
        if reason is not None:
            click.secho(
                f"warning: {pin.spec} is yanked in the wheelhouse"
                + (f" ({reason})" if reason else "")
                + "; it installs only when pinned exactly: lock another version",
                fg="yellow",
                err=True,
            )


def print_verify(report: VerifyReport, *, verbose: int = 0) -> None:
    rows = [
        [
            target.target,
            f"{target.covered}/{target.total}",
            str(len(target.gaps)),
            "yes" if target.proved else "no",
            target.python or "(download-only)",
        ]
        for target in report.targets
    ]
    click.echo("\n".join(table(rows, ["target", "covered", "gaps", "pip dry run", "python"])))
    if verbose:
        for target in report.targets:
            click.echo(f"\n{target.target}: {target.command}")
            for pin in target.pins:
                detail = pin.wheel if pin.status == COVERED else pin.reason
                click.echo(f"  {pin.spec:<30} {pin.status:<15} {detail or ''}")
    for gap in report.gaps:
        _print_gap(gap)
    if report.ok:
        click.secho(
            f"every pin installs binary-only from the wheelhouse on {len(report.targets)} "
            f"target(s) ({report.duration:.1f}s)",
            fg="green",
        )


@click.command("verify")
@click.argument("lock", type=click.Path(dir_okay=False, path_type=Path))
@wheelhouse_option
@targets_option("Check for")
@config_option
@json_option
@junit_option
@verbosity_options
def command(
    lock: Path,
    wheelhouse: Path | None,
    chosen_targets: tuple[str, ...],
    config_path: Path | None,
    as_json: bool,
    junit_path: Path | None,
    quiet: bool,
    verbose: int,
) -> None:
    """Prove that LOCK installs binary-only from the wheelhouse alone, on every target.

    \b
    For each target (--target, or `targets` in the config; default: the
    running Python; download-only platforms included) it asks real pip:
      pip install --dry-run --only-binary :all: --no-index --find-links DIR/wheels …
    and prints pins covered / total per target, and every gap with its reason:
    never built, failed (with its diagnosis and first error line), no wheel
    upstream for that platform, wheel removed, refused by pip. Pins whose marker
    is false on a target are not gaps. Nothing in DIR is written.

    \b
    A pin yanked in the wheelhouse (`wheelmill yank`) is no gap (pinned
    exactly, it installs) but is warned about on stderr.

    
    Exit codes: 0 no gap; 1 at least one gap; 2 usage or configuration error.
    """
    config = load(config_path).with_overrides(wheelhouse=wheelhouse)
    pins = read_lock(lock)
    targets = targets_of(config, chosen_targets)
    store = Store(existing_wheelhouse(config.wheelhouse))
    report = verify(
        pins,
        store,
        targets,
        skipped=lambda name: config.settings_for(name).skip,
    )
    if junit_path is not None:
        write_junit(junit_path, "wheelmill verify", verify_cases(report))
    if as_json:
        emit_json(verify_json(report))
    elif not quiet or not report.ok:
        print_verify(report, verbose=verbose)
    _warn_yanked(pins, store)
    if not report.ok:
        on = len({gap.target for gap in report.gaps})
        exit_with(
            f"{len(report.gaps)} gap(s) on {on} target(s): those pins would not install "
            "binary-only from the wheelhouse; see docs/how-to/gaps.md"
        )
