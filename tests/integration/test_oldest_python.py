"""wheelmill on the oldest Python it declares: every module imports, a test file runs.

CI runs the suite on one Python. Syntax and library calls newer than the oldest
supported Python (``bisect`` with ``key=``, ``X | Y`` in a type alias evaluated at
import) pass there and break users on the oldest one. This test makes a
virtual environment of that Python (found as any target is: ``PATH``, pyenv,
``uv python find``) with wheelmill's declared dependencies from the registry,
imports every module of ``src/wheelmill`` from the checkout, and runs the tests
of the code that broke that way before. It is skipped, saying so, where no such
interpreter exists.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from wheelmill._exceptions import WheelmillError
from wheelmill._isolation import frontend_base
from wheelmill._tools import uv_binary
from wheelmill.target import find_interpreter

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the suite runs on 3.11
    import tomli as tomllib

pytestmark = [pytest.mark.network, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"

#: Test files whose code once broke on the oldest Python only.
ON_THE_OLDEST = ("tests/test_publish_findlinks.py",)

IMPORT_ALL = """
import importlib, pkgutil, sys
import wheelmill
names = [m.name for m in pkgutil.walk_packages(wheelmill.__path__, "wheelmill.")]
for name in names:
    importlib.import_module(name)
print(len(names), sys.version_info[:2])
"""


def _oldest() -> tuple[int, int]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    found = re.fullmatch(r">=\s*(\d+)\.(\d+)", project["requires-python"])
    assert found, project["requires-python"]
    return int(found.group(1)), int(found.group(2))


def _dependencies() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    return [*project["dependencies"], "pytest>=8.0"]


def _run(args: list[str], env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run(args, capture_output=True, text=True, env=env, cwd=cwd, timeout=600)
    assert done.returncode == 0, f"{args[:3]} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def test_every_module_imports_and_the_tests_run_on_the_oldest_python(tmp_path: Path) -> None:
    major, minor = _oldest()
    try:
        python = find_interpreter(major, minor)
    except WheelmillError as error:
        pytest.skip(f"no Python {major}.{minor} here: {error}")
    uv = uv_binary()
    assert uv, "uv is a dependency of wheelmill"
    # Only what reaching the registry needs: not this machine's pip or uv settings.
    env = {**frontend_base(("PATH", "TMPDIR")), "UV_NO_CONFIG": "1", "PIP_CONFIG_FILE": "/dev/null"}
    venv = tmp_path / "venv"
    _run([uv, "venv", "-q", "--python", python, str(venv)], env, tmp_path)
    venv_python = str(venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python"))
    _run([uv, "pip", "install", "-q", "--python", venv_python, *_dependencies()], env, tmp_path)
    checked = {**env, "PYTHONPATH": str(SRC), "PYTHONDONTWRITEBYTECODE": "1"}
    out = _run([venv_python, "-c", IMPORT_ALL], checked, tmp_path)
    count, version = out.split(maxsplit=1)
    assert int(count) > 100 and version.strip() == f"({major}, {minor})"
    _run(
        # in one process: the suite's "-n auto" needs pytest-xdist, not installed there
        [
            venv_python,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-o",
            "addopts=-ra",
            *ON_THE_OLDEST,
        ],
        checked,
        ROOT,
    )
