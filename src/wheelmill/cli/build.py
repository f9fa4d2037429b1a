"""``wheelmill build``."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import click

from .._exceptions import PinsFailed
from ..lockfile import read_lock
from ..run import build_with, unresolved_warning
from ..store.wheelhouse import Store
from ..verify.junit import build_cases, write_junit
from ._interrupt import stop_on_ctrl_c
from ._options import (
    config_option,
    index_option,
    jobs_option,
    json_option,
    junit_option,
    load,
    remediation_options,
    target_option,
    targets_of,
    verbosity_options,
    wheelhouse_option,
)
from ._render import Progress, build_data, emit_json, print_build, print_reproductions


@click.command("build")
@click.argument("lock", type=click.Path(dir_okay=False, path_type=Path))
@wheelhouse_option
@jobs_option
@target_option
@index_option
@click.option(
    "--retry-failed",
    is_flag=True,
    help="Rebuild pins whose last build failed even if nothing changed.",
)
@click.option(
    "--check-reproducible",
    "check_reproducible_flag",
    is_flag=True,
    help="Build every pin built from source once more and report which wheels come out "
    "byte-identical.",
)
@remediation_options
@config_option
@json_option
@junit_option
@verbosity_options
def command(
    lock: Path,
    wheelhouse: Path | None,
    jobs: int | None,
    chosen_targets: tuple[str, ...],
    index_url: str | None,
    retry_failed: bool,
    check_reproducible_flag: bool,
    no_remediate: bool,
    force: bool,
    config_path: Path | None,
    as_json: bool,
    junit_path: Path | None,
    quiet: bool,
    verbose: int,
) -> None:
    """Prebuild every pin of LOCK into the wheelhouse.

    \b
    Every pin is settled for every target (--target, or `targets` in the
    config; default: the running Python). For each: nothing happens when the
    wheelhouse already holds its wheel for an unchanged build key; else the
    upstream wheel for that target is fetched (hash-checked against the lock);
    else the sdist is fetched (hash-checked) and built in an isolated
    environment, and the wheel must install and import before it is kept. A
    pin whose build failed is not rebuilt until its inputs change (or
    --retry-failed). A failure is diagnosed by the knowledge base, and retried
    once when its rule names a fix safe inside the build environment.

    \b
    Exit codes: 0 all pins settled; 1 at least one pin failed (the others are
    still built); 2 usage or configuration error.
    """
    config = load(config_path).with_overrides(wheelhouse=wheelhouse, jobs=jobs, index_url=index_url)
    pins = read_lock(lock)
    targets = targets_of(config, chosen_targets)
    warning = unresolved_warning(lock, targets)
    if warning is not None:
        click.echo(f"warning: {warning}", err=True)
    store = Store(config.wheelhouse)
    with Progress(enabled=not (quiet or as_json)) as progress, stop_on_ctrl_c(progress) as cancel:
        report = build_with(
            config,
            pins,
            targets,
            retry_failed=retry_failed,
            events=progress,
            remediate=not no_remediate,
            force=force,
            cancel=cancel,
        )
    reproductions = None
    if check_reproducible_flag:
        from ..build.reproduce import check_reproducible

        reproductions = check_reproducible(
            report,
            store,
            targets=targets,
            settings_for=config.settings_for,
            index_url=config.index_url,
        )
    if junit_path is not None:
        write_junit(junit_path, "wheelmill build", build_cases(report))
    if as_json:
        data = build_data(report)
        if reproductions is not None:
            data["reproducible"] = [asdict(item) for item in reproductions]
        emit_json(data)
    elif not quiet or report.failures:
        print_build(report, verbose=verbose, quiet=quiet)
    if reproductions is not None and not as_json:
        print_reproductions(reproductions)
    if report.failures:
        raise PinsFailed(len(report.failures), len(report.results))
