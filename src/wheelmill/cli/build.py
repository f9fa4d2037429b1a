"""``wheelmill build``."""

from __future__ import annotations

from pathlib import Path

import click

from ..run import build_lock
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
    verbosity_options,
    wheelhouse_option,
)
from ._render import (
    Progress,
    emit_json,
    exit_with,
    print_build,
    print_reproductions,
)


@click.command("build")
@click.argument("lock", type=click.Path(dir_okay=False, path_type=Path))
@wheelhouse_option
@click.option(
    "--shard",
    metavar="I/N",
    help="Build only shard I of N of the (pin x target) work (a CI matrix job each).",
)
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
@click.option(
    "--verify",
    is_flag=True,
    help="Hash every stored wheel, not only those whose size or mtime changed; a wheel "
    "that changed since it was stored is fetched or built again.",
)
@remediation_options
@config_option
@json_option
@junit_option
@verbosity_options
def command(
    lock: Path,
    wheelhouse: Path | None,
    shard: str | None,
    jobs: int | None,
    chosen_targets: tuple[str, ...],
    index_url: str | None,
    retry_failed: bool,
    check_reproducible_flag: bool,
    verify: bool,
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
    once when its rule names a fix safe inside the build environment. A stored
    wheel that changed since it was stored (its sha256, checked when its size
    or mtime moved, or always with --verify) is fetched or built again.

    \b
    With --store s3://BUCKET/PREFIX the team's object store is the cache: a key
    any builder settled there is cached; a key to build is leased, so two
    builders never build it at once; its wheel and record go to the store.

    \b
    Exit codes: 0 all pins settled; 1 at least one pin failed (the others are
    still built); 2 usage or configuration error.
    """
    config = load(config_path).with_overrides(wheelhouse=wheelhouse, jobs=jobs, index_url=index_url)
    parts = None
    if shard:
        from ..build.shard import Shard

        parts = Shard.parse(shard)
    with Progress(enabled=not (quiet or as_json)) as progress, stop_on_ctrl_c(progress) as cancel:
        built = build_lock(
            config,
            lock,
            chosen=chosen_targets,
            retry_failed=retry_failed,
            events=progress,
            remediate=not no_remediate,
            force=force,
            cancel=cancel,
            check_reproducible=check_reproducible_flag,
            verify=verify,
            shard=parts,
        )
    report, reproductions = built.report, built.reproductions
    if built.warning is not None:
        click.echo(f"warning: {built.warning}", err=True)
    if junit_path is not None:
        from ..verify.junit import build_cases, write_junit

        write_junit(junit_path, "wheelmill build", build_cases(report))
    if as_json:
        from ._json import build_json

        emit_json(build_json(report, reproductions))
    elif not quiet or report.failures:
        print_build(report, verbose=verbose, quiet=quiet)
        if not quiet and report.count("built") + report.count("fetched"):
            click.echo(
                f"the index is not updated yet: run `wheelmill publish --wheelhouse "
                f"{config.wheelhouse}` (`wheelmill run` builds and publishes in one go)"
            )
    if reproductions is not None and not as_json:
        print_reproductions(reproductions)
    if report.failures:
        exit_with(
            f"{len(report.failures)} of {len(report.results)} pins failed; "
            "each is listed above with its log"
        )
