"""``wheelmill gc``."""

from __future__ import annotations

from pathlib import Path

import click

from .._exceptions import WheelmillError
from ..gc import collect_garbage, parse_age
from ..gc_store import StoreCleanup, collect_store_garbage
from ..lockfile import read_lock
from ..run import store_of
from ..store.team import TeamStore
from ..store.wheelhouse import Store
from ._json import gc_json, gc_store_json
from ._options import config_option, json_option, load, verbosity_options, wheelhouse_option
from ._render import emit_json, print_publish


def _age(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return parse_age(value)
    except WheelmillError as exc:
        raise click.BadParameter(str(exc)) from None


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size} bytes"


@click.command("gc")
@wheelhouse_option
@click.option(
    "--keep",
    "keep",
    multiple=True,
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="A lock (requirements or pylock.toml) whose versions stay (repeatable).",
)
@click.option(
    "--older-than",
    callback=_age,
    metavar="AGE",
    help="Only remove files (and catalog rows) older than this: 30d, 12h, 2w, 90m.",
)
@click.option("--dry-run", is_flag=True, help="Print what would go and how many bytes.")
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    default=3600.0,
    show_default=True,
    help="Seconds to wait for running builds to finish before giving up.",
)
@config_option
@json_option
@verbosity_options
def command(
    wheelhouse: Path | None,
    keep: tuple[Path, ...],
    older_than: float | None,
    dry_run: bool,
    wait: float,
    config_path: Path | None,
    as_json: bool,
    quiet: bool,
    verbose: int,
) -> None:
    """Remove every version no kept lock pins, then republish.

    \b
    A version pinned by any --keep lock stays, with every target's wheel.
    Of every other version go: its wheels and .metadata files, sdists, build
    dependencies, build records, logs and catalog rows (with --older-than,
    only those older than that). Then the index and the status page are
    written again. gc waits for running builds (they hold the wheelhouse lock),
    and a build started meanwhile waits for gc.

    \b
    With --store s3://BUCKET/PREFIX the objects of the team's store go (records,
    attempts, logs, then wheels and .metadata, with --older-than by the store's
    clock), the index in the bucket is written again first without the doomed
    wheels, and a version a builder holds a live lease on is never collected.
    --wait does not apply (gc does not wait for builders; it leaves their keys).

    Exit codes: 0 done; 1 a build kept the wheelhouse busy past --wait
    (nothing removed); 2 usage or configuration error.
    """
    config = load(config_path).with_overrides(wheelhouse=wheelhouse)
    pins = [pin for lock in keep for pin in read_lock(lock)]
    if config.store:
        team = store_of(config)
        assert isinstance(team, TeamStore)
        _store_gc(
            collect_store_garbage(team, pins, older_than=older_than, dry_run=dry_run),
            config.store,
            as_json=as_json,
            quiet=quiet,
            verbose=verbose,
        )
        return
    store = Store(config.wheelhouse)
    report = collect_garbage(store, pins, older_than=older_than, dry_run=dry_run, wait=wait)
    if as_json:
        emit_json(gc_json(report, store.root))
        return
    verb = "would remove" if dry_run else "removed"
    if dry_run or verbose:
        for item in report.files:
            click.echo(f"{verb} {item.path.relative_to(store.root)} ({_mb(item.size)})")
    if not quiet or dry_run:
        click.echo(
            f"{verb} {len(report.files)} files ({_mb(report.bytes)}) of "
            f"{len(report.versions)} versions and {len(report.rows)} catalog rows; "
            f"{report.kept} wheels kept"
        )
    if report.publish is not None and not quiet:
        print_publish(report.publish)


def _store_gc(
    report: StoreCleanup, store: str, *, as_json: bool, quiet: bool, verbose: int
) -> None:
    if as_json:
        emit_json(gc_store_json(report, store))
        return
    verb = "would remove" if report.dry_run else "removed"
    if report.dry_run or verbose:
        for item in report.objects:
            click.echo(f"{verb} {store.rstrip('/')}/{item.key} ({_mb(item.size)})")
    if not quiet or report.dry_run:
        click.echo(
            f"{verb} {len(report.objects)} objects ({_mb(report.bytes)}) of "
            f"{len(report.versions)} versions; {report.kept} wheels kept"
        )
        if report.leased:
            click.echo(f"left alone, a builder holds them: {', '.join(report.leased)}")
    if report.publish is not None and not quiet:
        print_publish(report.publish)
