"""`wheelmill pip-config`: the printed snippets, used as printed by real pip and real uv.

Each client runs with a home directory of its own, so the machine's user
configuration (which has find-links and extra indexes of its own) plays no part:
only the snippet under test tells it where to look.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - older interpreters
    import tomli as tomllib

from conftest import cli_runner, client_env, make_sdist, make_wheel
from wheelmill.cli import cli
from wheelmill.index.clientconfig import client_config, index_url
from wheelmill.index.publish import publish
from wheelmill.serve.server import BackgroundServer
from wheelmill.store.wheelhouse import Store


def invoke(*args: str | Path) -> Result:
    return cli_runner().invoke(cli, [str(a) for a in args], prog_name="wheelmill")


@pytest.fixture
def wheelhouse(tmp_path: Path) -> Iterator[Path]:
    """Wheels for alpha and beta, and an sdist only for gamma (binary-only must refuse it)."""
    store = Store(tmp_path / "wh").create()
    make_wheel(store.wheels, "alpha", "1.0")
    make_wheel(store.wheels, "beta", "2.0", requires=("alpha",))
    make_sdist("pure-ok", store.wheels, name="gamma", version="1.0")
    publish(store)
    yield store.root


def _home(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = client_env(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"))
    del env["PIP_CONFIG_FILE"], env["UV_NO_CONFIG"]
    return env


def _python(tmp_path: Path) -> Path:
    target = tmp_path / "env"
    if not target.exists():
        venv.EnvBuilder(with_pip=False).create(target)
    return target / "bin" / "python"


def _pip(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "pip", "--python", str(_python(tmp_path)), "install", *args]
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300)


def _uv(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    from uv import find_uv_bin

    python = str(_python(tmp_path))
    argv = [find_uv_bin(), "pip", "install", "--python", python, "--no-cache", *args]
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300)


def _snippet(tmp_path: Path, where: str | Path, name: str) -> Path:
    result = invoke("pip-config", "-w", where, "--only", name)
    assert result.exit_code == 0, result.output
    path = tmp_path / name
    path.write_text(result.stdout)
    return path


def test_directory_pip_conf_works_binary_only(wheelhouse: Path, tmp_path: Path) -> None:
    env = {**_home(tmp_path), "PIP_CONFIG_FILE": str(_snippet(tmp_path, wheelhouse, "pip.conf"))}
    installed = _pip(tmp_path, env, "beta")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    refused = _pip(tmp_path, env, "gamma")  # only its sdist is there
    assert refused.returncode != 0
    assert "No matching distribution found for gamma" in refused.stderr


def test_directory_uv_toml_works_binary_only(wheelhouse: Path, tmp_path: Path) -> None:
    config = str(_snippet(tmp_path, wheelhouse, "uv.toml"))
    env = _home(tmp_path)
    installed = _uv(tmp_path, env, "--config-file", config, "beta")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    refused = _uv(tmp_path, env, "--config-file", config, "gamma")
    assert refused.returncode != 0
    assert "gamma" in refused.stderr


def test_served_pip_conf_and_uv_toml_work(wheelhouse: Path, tmp_path: Path) -> None:
    with BackgroundServer(wheelhouse) as server:
        pip_conf = _snippet(tmp_path, server.url, "pip.conf")
        uv_toml = _snippet(tmp_path, server.url, "uv.toml")
        env = {**_home(tmp_path), "PIP_CONFIG_FILE": str(pip_conf)}
        listed = subprocess.run(
            [sys.executable, "-m", "pip", "config", "list"],
            capture_output=True, text=True, env=env, check=True,
        )  # fmt: skip
        assert "global.only-binary=':all:'" in listed.stdout
        assert f"global.index-url='{server.url}'" in listed.stdout
        installed = _pip(tmp_path, env, "beta")
        assert installed.returncode == 0, installed.stdout + installed.stderr
        again = _uv(tmp_path, _home(tmp_path), "--config-file", str(uv_toml), "--reinstall", "beta")
        assert again.returncode == 0, again.stdout + again.stderr
    assert "alpha" in installed.stdout and "beta" in installed.stdout


def test_environment_variables_work(wheelhouse: Path, tmp_path: Path) -> None:
    data = json.loads(invoke("pip-config", "-w", wheelhouse, "--json").stdout)
    variables = data["environment"]
    pip_env = {**client_env(), **{k: v for k, v in variables.items() if k.startswith("PIP_")}}
    assert _pip(tmp_path, pip_env, "beta").returncode == 0
    assert _pip(tmp_path, pip_env, "gamma").returncode != 0
    uv_env = {**client_env(), **{k: v for k, v in variables.items() if k.startswith("UV_")}}
    assert _uv(tmp_path, uv_env, "--reinstall", "beta").returncode == 0
    assert _uv(tmp_path, uv_env, "gamma").returncode != 0


def test_snippet_forms() -> None:
    served = client_config("http://wheels.internal:8000/")
    assert served.location == "http://wheels.internal:8000/simple/"
    assert "trusted-host = wheels.internal" in served.pip_conf
    assert dict(served.environment)["UV_DEFAULT_INDEX"] == served.location
    assert dict(served.environment)["UV_NO_BUILD"] == "1"
    assert "[[tool.uv.index]]" in served.pyproject
    secure = client_config("https://wheels.example/team/simple")
    assert secure.location == "https://wheels.example/team/simple/"
    assert "trusted-host" not in secure.pip_conf
    assert index_url("http://127.0.0.1:8000/simple/") == "http://127.0.0.1:8000/simple/"
    assert "export PIP_INDEX_URL=https://wheels.example/team/simple/\n" in secure.env


def test_directory_without_wheels_is_one_clear_error(tmp_path: Path) -> None:
    result = invoke("pip-config", "-w", tmp_path / "nothing")
    assert result.exit_code == 2
    assert "no wheels/ directory here" in result.stderr
    assert os.path.basename(str(tmp_path / "nothing")) in result.stderr


def _pdm_lock(project: Path, env: dict[str, str], *deps: str) -> subprocess.CompletedProcess[str]:
    """``pdm lock`` of a project depending on ``deps``, its sources from the snippet."""
    pdm = Path(sys.executable).with_name("pdm")
    body = "\n".join(f'    "{dep}",' for dep in deps)
    (project / "pyproject.toml").write_text(
        '[project]\nname = "app"\nversion = "0"\nrequires-python = ">=3.9"\n'
        f"dependencies = [\n{body}\n]\n\n" + (project / "snippet.toml").read_text()
    )
    (project / "pdm.lock").unlink(missing_ok=True)
    argv = [str(pdm), "lock", "-p", str(project), "--no-cross-platform"]
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300)


@pytest.mark.skipif(
    not Path(sys.executable).with_name("pdm").exists(), reason="pdm is in the test extra"
)
@pytest.mark.parametrize("served", [True, False], ids=["served", "directory"])
def test_pdm_snippet_works_binary_only(wheelhouse: Path, tmp_path: Path, served: bool) -> None:
    project = tmp_path / "app"
    project.mkdir()
    env = {**_home(tmp_path), "PDM_CHECK_UPDATE": "false", "PDM_USE_UV": "false"}
    with BackgroundServer(wheelhouse) as server:
        snippet = _snippet(tmp_path, server.url if served else wheelhouse, "pdm")
        (project / "snippet.toml").write_text(snippet.read_text())
        locked = _pdm_lock(project, env, "beta")
        assert locked.returncode == 0, locked.stdout + locked.stderr
        lock = (project / "pdm.lock").read_text()
        assert 'name = "alpha"' in lock and 'name = "beta"' in lock
        refused = _pdm_lock(project, env, "gamma")  # only its sdist is there
        assert refused.returncode != 0
        assert "gamma" in refused.stdout + refused.stderr


def test_poetry_and_pdm_snippets_are_their_tables() -> None:
    served = client_config("http://wheels.internal:8000/")
    poetry = tomllib.loads(served.snippet("poetry"))
    assert poetry == {
        "tool": {
            "poetry": {
                "source": [{"name": "wheelhouse", "url": served.location, "priority": "primary"}]
            }
        }
    }
    assert f"poetry source add --priority=primary wheelhouse {served.location}" in served.snippet(
        "poetry"
    )
    assert "installer.only-binary :all:" in served.snippet("poetry")
    pdm = tomllib.loads(served.snippet("pdm"))["tool"]["pdm"]
    assert pdm["source"] == [{"name": "pypi", "url": served.location}]
    assert pdm["resolution"] == {"only-binary": ":all:"}
    data = json.loads(invoke("pip-config", "-w", served.location, "--json").stdout)
    assert data["poetry"] == served.snippet("poetry") and data["pdm"] == served.snippet("pdm")


def test_poetry_is_told_to_use_a_url_for_a_directory(wheelhouse: Path) -> None:
    found = client_config(str(wheelhouse))
    assert "poetry reads indexes over HTTP only" in found.snippet("poetry")
    pdm = tomllib.loads(found.snippet("pdm"))["tool"]["pdm"]
    assert pdm["source"] == [
        {"name": "pypi", "url": (wheelhouse / "wheels").as_uri(), "type": "find_links"}
    ]
