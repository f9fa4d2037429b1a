"""``wheelmill run``."""

from __future__ import annotations

from pathlib import Path

import click

from ..lockfile.uptodate import lock_is_current, lock_path_for
from ..run import run_pipeline
from ._interrupt import stop_on_ctrl_c
from ._json import run_json
from ._options import (
    config_option,
    index_option,
    jobs_option,
    json_option,
    junit_option,
    load,
    remediation_options,
    target_option,
    verbosity_options,
    wheelhouse_option,
)
from ._render import Progress, emit_json, exit_with, print_build, print_publish


@click.command("run")
@click.option(
    "-r",
    "--requirements",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A .in to lock first, or an already pinned file. Default: from the config.",
)
@click.option(
    "--lock",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where the lock is written (for a .in) or read. Default: from the config.",
)
@wheelhouse_option
@jobs_option
@target_option
@index_option
@click.option("--upgrade", "-U", is_flag=True, help="Re-resolve the lock from scratch.")
@click.option("--retry-failed", is_flag=True, help="Rebuild pins whose last build failed.")
@remediation_options
@config_option
@json_option
@junit_option
@verbosity_options
def command(
    requirements: Path | None,
    lock: Path | None,
    wheelhouse: Path | None,
    jobs: int | None,
    chosen_targets: tuple[str, ...],
    index_url: str | None,
    upgrade: bool,
    retry_failed: bool,
    no_remediate: bool,
    force: bool,
    config_path: Path | None,
    as_json: bool,
    junit_path: Path | None,
    quiet: bool,
    verbose: int,
) -> None:
    """Lock, build and publish in one go, driven by config/wheelmill.toml.

    Command-line flags override the config. This is the nightly job: its exit
    code is 0 when every pin is in the wheelhouse, 1 when some failed (the rest
    are still built and published), 2 for usage or configuration errors.
    """
    config = load(config_path).with_overrides(
        requirements=requirements,
        lock=lock,
        wheelhouse=wheelhouse,
        jobs=jobs,
        index_url=index_url,
        targets=chosen_targets or None,
    )
    to_resolve, lock_file = lock_path_for(config)
    if to_resolve is not None and not (quiet or as_json):
        if not upgrade and lock_is_current(config, to_resolve, lock_file):
            click.echo(f"{lock_file} is up to date with {to_resolve}; not resolving", err=True)
        else:
            click.echo(f"locking {to_resolve} -> {lock_file}", err=True)
    with Progress(enabled=not (quiet or as_json)) as progress, stop_on_ctrl_c(progress) as cancel:
        report = run_pipeline(
            config,
            upgrade=upgrade,
            retry_failed=retry_failed,
            events=progress,
            remediate=not no_remediate,
            force=force,
            cancel=cancel,
            lock_events=progress,
        )
    if report.warning is not None:  # the lock may not fit some target: said even with --json
        click.echo(f"warning: {report.warning}", err=True)
    if junit_path is not None:
        from ..verify.junit import build_cases, write_junit

        write_junit(junit_path, "wheelmill run", build_cases(report.build))
    if as_json:
        emit_json(run_json(report))
    elif not quiet or not report.ok:
        print_build(report.build, verbose=verbose, quiet=quiet)
        print_publish(report.publish)
        click.echo(f"index: {(config.wheelhouse / 'simple').resolve().as_uri()}/")
        click.echo(f"status page: {report.status_page}")
    if not report.ok:
        failed, total = len(report.build.failures), len(report.build.results)
        exit_with(f"{failed} of {total} pins failed; each is listed above with its log")
