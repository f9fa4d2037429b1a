"""Options shared by several commands, defined once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from ..config import DEFAULT_CONFIG, Config, load_config
from ..target import Target, resolve_targets

F = TypeVar("F", bound=Callable[..., Any])


def config_option(function: F) -> F:
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        envvar="WHEELMILL_CONFIG",
        help=f"Config file. Default: {DEFAULT_CONFIG} when it exists.",
    )(function)


def wheelhouse_option(function: F) -> F:
    return click.option(
        "--wheelhouse",
        "-w",
        type=click.Path(file_okay=False, path_type=Path),
        help="Wheelhouse directory (wheels/, simple/, state). Default: from the config.",
    )(function)


def jobs_option(function: F) -> F:
    return click.option(
        "-j",
        "--jobs",
        type=click.IntRange(min=1),
        help="Pins settled in parallel. Default: the number of CPUs.",
    )(function)


def index_option(function: F) -> F:
    return click.option(
        "--index-url",
        help="Upstream index to fetch wheels and sdists from. Default: PyPI.",
    )(function)


def target_option(function: F) -> F:
    return click.option(
        "--target",
        "chosen_targets",
        multiple=True,
        help=(
            "Build for this interpreter (repeatable): 'current', a version like 3.12, a "
            "path, or a download-only platform target like 3.12/macosx_11_0_arm64. "
            "Default: `targets` from the config, else the running Python."
        ),
    )(function)


def remediation_options(function: F) -> F:
    function = click.option(
        "--force",
        is_flag=True,
        help="Build pins whose last build lacked a system library or tool even if "
        "nothing was installed since.",
    )(function)
    return click.option(
        "--no-remediate",
        is_flag=True,
        help="Do not retry a failed build with the fix its diagnosis names "
        "(a build constraint, requirement or variable).",
    )(function)


def json_option(function: F) -> F:
    return click.option(
        "--json", "as_json", is_flag=True, help="Print one JSON object on stdout, nothing else."
    )(function)


def junit_option(function: F) -> F:
    return click.option(
        "--junit",
        "junit_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Also write JUnit XML here: one testcase per pin and target (for CI dashboards).",
    )(function)


def verbosity_options(function: F) -> F:
    function = click.option("-q", "--quiet", is_flag=True, help="Only errors.")(function)
    return click.option("-v", "--verbose", count=True, help="More detail (repeatable).")(function)


def targets_of(config: Config, chosen: tuple[str, ...]) -> list[Target]:
    """The targets named on the command line, else the config's."""
    if chosen:
        return resolve_targets(chosen, base=Path.cwd())
    return resolve_targets(config.targets, base=config.source.parent if config.source else None)


def load(config_path: Path | None) -> Config:
    """The explicit config, else ``config/wheelmill.toml`` if present, else defaults."""
    if config_path is not None:
        return load_config(config_path)
    if DEFAULT_CONFIG.is_file():
        return load_config(DEFAULT_CONFIG)
    return Config()
