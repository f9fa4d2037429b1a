"""Options shared by several commands, defined once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from .._exceptions import WheelhouseError
from ..config import DEFAULT_CONFIG, Config, load_config
from ..store.layout import STATE

if TYPE_CHECKING:
    from ..target import Target

F = TypeVar("F", bound=Callable[..., Any])


ENV_PREFIX = "WHEELMILL"


def _environment_name(option: click.Option) -> str:
    longest = max(option.opts, key=len).lstrip("-")
    return longest.upper().replace("-", "_")


def from_environment(command: click.Command, name: str) -> click.Command:
    """Let every option of ``command`` come from the environment as well.

    ``--index-url`` of ``build`` is read from ``WHEELMILL_BUILD_INDEX_URL``, else
    ``WHEELMILL_INDEX_URL``; the command line wins over both. A repeatable option
    takes several values separated by whitespace; a flag takes 1/0, true/false.
    """
    scope = name.upper().replace("-", "_")
    for param in command.params:
        if isinstance(param, click.Option):
            option = _environment_name(param)
            param.envvar = [f"{ENV_PREFIX}_{scope}_{option}", f"{ENV_PREFIX}_{option}"]
    return command


def config_option(function: F) -> F:
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help=f"Config file (WHEELMILL_CONFIG). Default: {DEFAULT_CONFIG} when it exists.",
    )(function)


def _not_a_file(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    if value is not None and value.exists() and not value.is_dir():
        raise WheelhouseError(f"{value}: is a file, not a directory; pass a wheelhouse directory")
    return value


_STORE = "wheelmill.store"
#: Commands that read a wheelhouse: with --store they work on the store's local mirror.
_MIRRORED = {"verify", "export", "failures", "show", "rules"}


def _remember_store(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    ctx.meta[_STORE] = value


def wheelhouse_option(function: F) -> F:
    """``--wheelhouse`` and ``--store``: :func:`load` applies the store to the config."""
    function = click.option(
        "--store",
        metavar="s3://BUCKET/PREFIX",
        expose_value=False,
        callback=_remember_store,
        help="The team's shared object store; the wheelhouse is then its local cache "
        "(commands that only read it work on a fresh mirror). Endpoint: "
        "`store_endpoint_url` or AWS_ENDPOINT_URL; credentials: the standard AWS chain. "
        "Default: `store` from the config.",
    )(function)
    return click.option(
        "--wheelhouse",
        "-w",
        type=click.Path(path_type=Path),
        callback=_not_a_file,
        help="Wheelhouse directory (wheels/, simple/, state). Default: from the config.",
    )(function)


def existing_wheelhouse(root: Path) -> Path:
    """``root`` if it is a wheelhouse (it has ``wheels/`` or wheelmill's state), else a
    :class:`WheelhouseError`: commands that only read one never create it."""
    if not root.is_dir():
        what = "is not a directory" if root.exists() else "does not exist"
    elif not ((root / "wheels").is_dir() or (root / STATE).is_dir()):
        what = f"is not a wheelhouse (no wheels/, no {STATE}/)"
    else:
        return root
    raise WheelhouseError(
        f"{root}: {what}; check --wheelhouse (or `wheelhouse` in the config), "
        "or run `wheelmill build` to create it"
    )


def jobs_option(function: F) -> F:
    return click.option(
        "-j",
        "--jobs",
        type=click.IntRange(min=0),
        help="Pins settled in parallel; 0: one per CPU core. Default: `jobs` from the config (0).",
    )(function)


def index_option(function: F) -> F:
    return click.option(
        "--index-url",
        help="Upstream index to fetch wheels and sdists from. Default: PyPI.",
    )(function)


def targets_option(verb: str) -> Callable[[F], F]:
    """``--target``, its help starting with what the command does for a target."""

    def decorate(function: F) -> F:
        return click.option(
            "--target",
            "chosen_targets",
            multiple=True,
            help=(
                f"{verb} this interpreter (repeatable): 'current', a version like 3.12, a "
                "path, or a download-only platform target like 3.12/macosx_11_0_arm64. "
                "Default: `targets` from the config, else the running Python."
            ),
        )(function)

    return decorate


target_option = targets_option("Build for")


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
    from ..target import resolve_targets

    if chosen:
        return resolve_targets(chosen, base=Path.cwd())
    return resolve_targets(config.targets, base=config.source.parent if config.source else None)


def load(config_path: Path | None) -> Config:
    """The explicit config, else ``config/wheelmill.toml`` if present, else defaults;
    with ``--store`` applied (and, for a command that reads the wheelhouse, the store
    mirrored into it first)."""
    if config_path is not None:
        config = load_config(config_path)
    elif DEFAULT_CONFIG.is_file():
        config = load_config(DEFAULT_CONFIG)
    else:
        config = Config()
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return config
    # The command applies --wheelhouse again; the mirror must go there already.
    config = config.with_overrides(
        store=ctx.meta.get(_STORE), wheelhouse=ctx.params.get("wheelhouse")
    )
    if config.store and ctx.info_name in _MIRRORED and not ctx.meta.get(_STORE + ".synced"):
        from ..run import mirror_store

        ctx.meta[_STORE + ".synced"] = True
        mirror_store(config)
    return config
