"""The subprocess environment: a user's pip/uv settings are stripped, and real pip and uv agree.

The autouse fixture in conftest already points ``PIP_*``/``UV_*`` and a
``PIP_CONFIG_FILE`` at dead places; :func:`hostile_machine` adds user, global and
project config files on top, each naming an index or directory that serves a
*newer* version of the test project than wheelmill's own source does. A leak
either breaks the command or picks the wrong version.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import LocalIndex, make_wheel
from wheelmill._isolation import isolated_env
from wheelmill._tools import uv_binary

INDEX = "https://wheelmill.example/simple/"

HOSTILE = {
    "PIP_INDEX_URL": "http://127.0.0.1:9/dead/",
    "PIP_EXTRA_INDEX_URL": "http://127.0.0.1:9/also-dead/",
    "PIP_FIND_LINKS": "/nonexistent/links",
    "PIP_CONFIG_FILE": "/nonexistent/pip.conf",
    "PIP_NO_INDEX": "1",
    "PIP_REQUIRE_VIRTUALENV": "1",
    "PIP_USER": "1",
    "PIP_NO_BINARY": ":all:",
    "UV_INDEX_URL": "http://127.0.0.1:9/dead/",
    "UV_DEFAULT_INDEX": "http://127.0.0.1:9/dead/",
    "UV_INDEX": "http://127.0.0.1:9/dead/",
    "UV_EXTRA_INDEX_URL": "http://127.0.0.1:9/dead/",
    "UV_FIND_LINKS": "/nonexistent/links",
    "UV_CONFIG_FILE": "/nonexistent/uv.toml",
    "UV_OFFLINE": "1",
    "PIPTOOLS_CACHE_DIR": "/nonexistent/cache",
    "PYTHONPATH": "/nonexistent/site",
    "PYTHONHOME": "/nonexistent/home",
    "PYTHONUSERBASE": "/nonexistent/userbase",
    "PYTHONSTARTUP": "/nonexistent/startup.py",
    "VIRTUAL_ENV": "/nonexistent/venv",
    "CONDA_PREFIX": "/nonexistent/conda",
}
INNOCENT = {
    "PATH": "/usr/bin:/bin",
    "HOME": "/home/someone",
    "LANG": "C.UTF-8",
    "PIPX_HOME": "/home/someone/.pipx",  # not pip's
    "MY_UV_THING": "kept",  # UV_ only as a prefix
    "CFLAGS": "-O2",
}


def test_strips_pip_uv_and_interpreter_variables() -> None:
    env = isolated_env(index_url=INDEX, base={**HOSTILE, **INNOCENT})
    for name, value in INNOCENT.items():
        assert env[name] == value
    for name, value in HOSTILE.items():
        assert env.get(name) != value, name
    leftovers = {k for k in env if k.startswith(("PIP_", "UV_"))}
    assert leftovers == {
        "PIP_CONFIG_FILE",
        "PIP_INDEX_URL",
        "PIP_NO_INPUT",
        "PIP_DISABLE_PIP_VERSION_CHECK",
        "PIP_NO_COLOR",
        "UV_NO_CONFIG",
        "UV_DEFAULT_INDEX",
        "UV_NO_PROGRESS",
        "UV_PYTHON_DOWNLOADS",
    }
    for name in ("PYTHONPATH", "PYTHONHOME", "PYTHONUSERBASE", "VIRTUAL_ENV"):
        assert name not in env
    assert env["PIP_CONFIG_FILE"] == os.devnull
    assert env["PYTHONNOUSERSITE"] == "1"
    assert env["UV_NO_CONFIG"] == "1"
    assert env["PIP_INDEX_URL"] == env["UV_DEFAULT_INDEX"] == INDEX
    assert "PIP_FIND_LINKS" not in env and "UV_FIND_LINKS" not in env


def test_defaults_to_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in HOSTILE.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("WHEELMILL_TEST_MARKER", "here")
    env = isolated_env(index_url=INDEX)
    assert env["WHEELMILL_TEST_MARKER"] == "here"
    assert not {name for name, value in HOSTILE.items() if env.get(name) == value}
    assert os.environ["PIP_INDEX_URL"] == HOSTILE["PIP_INDEX_URL"]  # the caller's is untouched


def test_find_links() -> None:
    links = ("file:///srv/wheels", "file:///srv/more%20wheels")
    env = isolated_env(index_url=INDEX, find_links=links, base=HOSTILE)
    assert env["PIP_FIND_LINKS"] == "file:///srv/wheels file:///srv/more%20wheels"
    assert env["UV_FIND_LINKS"] == "file:///srv/wheels,file:///srv/more%20wheels"


def test_extra_wins() -> None:
    extra = {"PIP_INDEX_URL": "https://override.example/", "CFLAGS": "-O3", "NEW": "1"}
    env = isolated_env(index_url=INDEX, extra=extra, base={**HOSTILE, **INNOCENT})
    assert env["PIP_INDEX_URL"] == "https://override.example/"
    assert env["UV_DEFAULT_INDEX"] == INDEX
    assert (env["CFLAGS"], env["NEW"]) == ("-O3", "1")


# -- real pip and uv ------------------------------------------------------------------


class Machine:
    """Where the good and the bad packages live, and the hostile config files."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.good_links = root / "good-links"
        self.bad_links = root / "bad-links"
        make_wheel(self.good_links, "sample-pkg", "1.0")
        make_wheel(self.bad_links, "sample-pkg", "2.0")
        self.good_index = LocalIndex(root / "good-index")
        self.good_index.add(self.good_links / "sample_pkg-1.0-py3-none-any.whl")
        self.bad_index = LocalIndex(root / "bad-index")
        self.bad_index.add(self.bad_links / "sample_pkg-2.0-py3-none-any.whl")
        self.cwd = root / "project"
        self.cwd.mkdir()


@pytest.fixture
def machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Machine:
    machine = Machine(tmp_path / "machine")
    bad_dir, bad_url = str(machine.bad_links), machine.bad_index.url
    pip_conf = (
        f"[global]\nfind-links = {bad_dir}\nextra-index-url = {bad_url}\n"
        "no-binary = :all:\nrequire-hashes = true\n"
        "[download]\nno-binary = :all:\n"
    )
    uv_toml = f'find-links = ["{bad_dir}"]\nextra-index-url = ["{bad_url}"]\nno-binary = true\n'
    home = tmp_path / "home"
    config_home = home / ".config"
    system = tmp_path / "etc-xdg"
    for directory in (config_home / "pip", config_home / "uv", system / "pip", system / "uv"):
        directory.mkdir(parents=True)
    (config_home / "pip" / "pip.conf").write_text(pip_conf.replace("[global]", "[global]  # user"))
    (system / "pip" / "pip.conf").write_text(pip_conf)
    (config_home / "uv" / "uv.toml").write_text(uv_toml)
    (system / "uv" / "uv.toml").write_text(uv_toml)
    (machine.cwd / "uv.toml").write_text(uv_toml)
    env_conf = tmp_path / "env-pip.conf"
    env_conf.write_text(pip_conf)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config_home))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(system))
    monkeypatch.setenv("PIP_CONFIG_FILE", str(env_conf))
    monkeypatch.setenv("PIP_FIND_LINKS", bad_dir)
    monkeypatch.setenv("PIP_EXTRA_INDEX_URL", bad_url)
    monkeypatch.setenv("PIP_NO_BINARY", ":all:")
    monkeypatch.setenv("PIP_REQUIRE_HASHES", "1")
    monkeypatch.setenv("UV_FIND_LINKS", bad_dir)
    monkeypatch.setenv("UV_EXTRA_INDEX_URL", bad_url)
    monkeypatch.setenv("UV_INDEX_URL", bad_url)
    monkeypatch.setenv("UV_NO_BINARY", "1")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "nonexistent"))
    return machine


def run(argv: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def test_pip_config_list_shows_only_wheelmills_settings(machine: Machine) -> None:
    pip_config = [sys.executable, "-m", "pip", "config", "list"]
    # Control: the hostile settings are real, pip sees them without isolation.
    exposed = run(pip_config, dict(os.environ), machine.cwd)
    assert str(machine.bad_links) in exposed.stdout, exposed
    no_env_file = {k: v for k, v in os.environ.items() if k != "PIP_CONFIG_FILE"}
    from_files = run(pip_config, no_env_file, machine.cwd)
    assert from_files.stdout.count(str(machine.bad_links)) >= 2, from_files  # user + global

    result = run(pip_config, isolated_env(index_url=machine.good_index.url), machine.cwd)
    assert result.returncode == 0, result.stderr
    listed = dict(line.split("=", 1) for line in result.stdout.splitlines())
    assert listed == {
        ":env:.config-file": f"'{os.devnull}'",
        ":env:.index-url": f"'{machine.good_index.url}'",
        ":env:.no-input": "'1'",
        ":env:.disable-pip-version-check": "'1'",
        ":env:.no-color": "'1'",
    }


@pytest.mark.parametrize("route", ["cli-find-links", "env-find-links", "index-url"])
def test_pip_download_ignores_the_users_settings(
    machine: Machine, tmp_path: Path, route: str
) -> None:
    out = tmp_path / "out"
    argv = [sys.executable, "-m", "pip", "download", "--no-deps", "-d", str(out)]
    if route == "cli-find-links":
        env = isolated_env(index_url="http://127.0.0.1:9/unused/")
        argv += ["--no-index", "--find-links", str(machine.good_links)]
    elif route == "env-find-links":
        env = isolated_env(
            index_url="http://127.0.0.1:9/unused/", find_links=(machine.good_links.as_uri(),)
        )
        argv += ["--no-index"]
    else:
        env = isolated_env(index_url=machine.good_index.url)
    result = run([*argv, "sample-pkg"], env, machine.cwd)
    assert result.returncode == 0, result.stdout + result.stderr
    assert [p.name for p in out.iterdir()] == ["sample_pkg-1.0-py3-none-any.whl"]


def test_pip_download_control_without_isolation_is_poisoned(
    machine: Machine, tmp_path: Path
) -> None:
    # The same command with the machine's own environment does not get 1.0 from the
    # good directory: the test would catch a leak.
    out = tmp_path / "out"
    argv = [sys.executable, "-m", "pip", "download", "--no-deps", "-d", str(out), "--no-index"]
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    result = run([*argv, "--find-links", str(machine.good_links), "sample-pkg"], env, machine.cwd)
    got = sorted(p.name for p in out.iterdir()) if out.exists() else []
    assert result.returncode != 0 or got != ["sample_pkg-1.0-py3-none-any.whl"]


UV = uv_binary()


@pytest.mark.skipif(UV is None, reason="uv is not installed")
@pytest.mark.parametrize("route", ["index-url", "find-links"])
def test_uv_ignores_the_users_settings(machine: Machine, tmp_path: Path, route: str) -> None:
    assert UV is not None
    extra = {"UV_CACHE_DIR": str(tmp_path / "uv-cache")}
    if route == "index-url":
        env = isolated_env(index_url=machine.good_index.url, extra=extra)
        argv = [UV, "pip", "compile", "-"]
    else:
        env = isolated_env(
            index_url="http://127.0.0.1:9/unused/",
            find_links=(machine.good_links.as_uri(),),
            extra=extra,
        )
        argv = [UV, "pip", "compile", "--no-index", "-"]
    argv += ["--python", sys.executable, "--no-header", "--no-annotate", "--quiet"]
    result = subprocess.run(
        argv,
        input="sample-pkg\n",
        env=env,
        cwd=machine.cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["sample-pkg==1.0"]


@pytest.mark.skipif(UV is None, reason="uv is not installed")
def test_uv_control_without_isolation_is_poisoned(machine: Machine, tmp_path: Path) -> None:
    assert UV is not None
    env = {**os.environ, "UV_CACHE_DIR": str(tmp_path / "uv-cache")}
    result = subprocess.run(
        [UV, "pip", "compile", "-", "--python", sys.executable, "--no-header", "--no-annotate"],
        input="sample-pkg\n",
        env=env,
        cwd=machine.cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0 or result.stdout.split() != ["sample-pkg==1.0"]
