"""Command-line conventions: every option from ``WHEELMILL_*`` variables, ``-V``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest

from conftest import cli_runner, make_wheel
from wheelmill import __version__
from wheelmill.cli import cli
from wheelmill.store.wheelhouse import Store


def _invoke(*args: str | Path, env: dict[str, str] | None = None) -> click.testing.Result:
    return cli_runner().invoke(cli, [str(a) for a in args], prog_name="wheelmill", env=env)


@pytest.fixture
def wheelhouse(tmp_path: Path) -> Path:
    store = Store(tmp_path / "wh").create()
    make_wheel(store.wheels, "alpha", "1.0")
    return store.root


def test_every_option_of_every_command_reads_the_environment() -> None:
    ctx = click.Context(cli)
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        assert command is not None
        scope = name.upper().replace("-", "_")
        for param in command.params:
            if not isinstance(param, click.Option):
                continue
            option = max(param.opts, key=len).lstrip("-").upper().replace("-", "_")
            assert param.envvar == [f"WHEELMILL_{scope}_{option}", f"WHEELMILL_{option}"], (
                name,
                param.opts,
            )


def test_wheelmill_wheelhouse_is_read(wheelhouse: Path, tmp_path: Path) -> None:
    config = tmp_path / "empty.toml"
    config.write_text("")
    # publish works on the wheelhouse the variable names, not the config's default.
    env = {"WHEELMILL_WHEELHOUSE": str(wheelhouse)}
    published = _invoke("publish", "--json", "--config", config, env=env)
    assert published.exit_code == 0, published.output
    assert json.loads(published.stdout)["files"] == 1
    assert (wheelhouse / "simple" / "alpha" / "index.html").is_file()
    # A wrong one is the usual one-line error, naming it.
    wrong = _invoke("show", "alpha", env={"WHEELMILL_WHEELHOUSE": str(tmp_path / "nowhere")})
    assert wrong.exit_code == 2
    assert "nowhere: does not exist" in wrong.stderr


def test_the_command_variable_beats_the_general_one_and_the_flag_beats_both(
    wheelhouse: Path, tmp_path: Path
) -> None:
    env = {
        "WHEELMILL_WHEELHOUSE": str(tmp_path / "general"),
        "WHEELMILL_SHOW_WHEELHOUSE": str(tmp_path / "specific"),
    }
    result = _invoke("show", "alpha", env=env)
    assert result.exit_code == 2 and "specific: does not exist" in result.stderr
    flagged = _invoke("show", "alpha", "--wheelhouse", wheelhouse, "--json", env=env)
    assert flagged.exit_code == 1  # a wheelhouse, with no attempt of alpha recorded
    assert json.loads(flagged.stdout)["name"] == "alpha"


def test_flags_and_bad_values_from_the_environment(wheelhouse: Path) -> None:
    shown = _invoke("show", "alpha", "-w", wheelhouse, env={"WHEELMILL_JSON": "1"})
    assert json.loads(shown.stdout)["attempts"] == []
    bad = _invoke("build", "lock.txt", env={"WHEELMILL_JOBS": "many"})
    assert bad.exit_code == 2
    assert "'many' is not a valid integer" in bad.stderr


def test_version_short_and_long() -> None:
    for flag in ("-V", "--version"):
        result = _invoke(flag)
        assert result.exit_code == 0
        assert result.stdout == f"wheelmill, version {__version__}\n"


def test_environment_as_a_real_process(wheelhouse: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "wheelmill", "show", "alpha", "--json"],
        capture_output=True,
        text=True,
        env={"WHEELMILL_WHEELHOUSE": str(wheelhouse), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["name"] == "alpha"
