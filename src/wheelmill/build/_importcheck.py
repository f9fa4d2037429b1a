"""Prove a built wheel works: install it into a fresh environment and import it.

The seed's advice, run for every build: "run ``python -c 'import <module>'`` to
confirm installation is functional". A module that fails to import for its own
reasons fails the check; one that only lacks a *dependency* (another
distribution, installed separately) does not, since the wheel itself is fine.
Every step runs under :mod:`wheelmill.build._supervise`, within the build timeout:
importing runs the package's own code, which may hang or leave processes behind;
so the import itself also runs in the build's sandbox (:mod:`wheelmill.build._sandbox`),
with the backend's allow-listed environment.
"""

from __future__ import annotations

import json
import sys
import time
import zipfile
from pathlib import Path

from .._isolation import backend_env, isolated_env
from .._tools import uv_binary
from ._sandbox import Sandbox, interpreter_paths
from ._supervise import run_supervised

_SCRIPT = r"""
import importlib, json, sys, traceback
own = set(sys.argv[1:])
report = {"imported": [], "missing_dependency": {}, "failed": {}}
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
    except ModuleNotFoundError as exc:
        root = (exc.name or "").split(".")[0]
        if root and root not in own:
            report["missing_dependency"][name] = root
        else:
            report["failed"][name] = traceback.format_exc()
    except BaseException:
        report["failed"][name] = traceback.format_exc()
    else:
        report["imported"].append(name)
print(json.dumps(report))
"""


def top_level_modules(wheel: Path) -> list[str]:
    """The importable top-level names a wheel installs (``top_level.txt`` or its files)."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        listed = [n for n in names if n.count("/") == 1 and n.endswith(".dist-info/top_level.txt")]
        if listed:
            text = archive.read(listed[0]).decode("utf-8", "replace")
            modules = [line.strip() for line in text.splitlines() if line.strip()]
            return sorted(m for m in set(modules) if m.isidentifier())
    found: set[str] = set()
    for name in names:
        first = name.split("/", 1)[0]
        if first.endswith((".dist-info", ".data")):
            continue
        if "/" in name:
            if name.split("/", 2)[1] == "__init__.py" or name.endswith((".py", ".so", ".pyd")):
                found.add(first)
        elif name.endswith(".py"):
            found.add(first[:-3])
        elif name.endswith((".so", ".pyd")):
            found.add(first.split(".", 1)[0])
    return sorted(m for m in found if m.isidentifier() and not m.startswith("_"))


class _TimedOut(Exception):
    """The import check ran past the build timeout."""


class _Steps:
    """The import check's commands, run supervised under one deadline and one log."""

    def __init__(self, env: dict[str, str], log: Path, timeout: float) -> None:
        self.env, self.log = env, log
        self.deadline = time.monotonic() + timeout if timeout else None

    def run(
        self, argv: list[str], cwd: Path | None = None, env: dict[str, str] | None = None
    ) -> tuple[int, str]:
        """Exit code and output of ``argv``; raises :class:`_TimedOut` past the deadline."""
        left = None
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise _TimedOut
        with self.log.open("wb") as sink:
            code = run_supervised(
                argv, env=self.env if env is None else env, output=sink, cwd=cwd, timeout=left
            )
        if code is None:
            raise _TimedOut
        return code, self.log.read_text("utf-8", "replace")


def check_import(
    wheel: Path,
    python: str,
    scratch: Path,
    *,
    index_url: str,
    timeout: float = 0,
    sandbox: Sandbox | None = None,
    env: dict[str, str] | None = None,
) -> str | None:
    """``None`` when every top-level module imports; else what went wrong.

    Installing and importing run under :mod:`wheelmill.build._supervise`, together
    limited to ``timeout`` seconds (the build timeout; 0: no limit). The import
    runs in ``sandbox`` (only ``scratch`` writable) with ``env`` set over the
    backend's allow-listed environment.
    """
    modules = top_level_modules(wheel)
    if not modules:
        return None
    scratch = scratch.resolve()
    venv = scratch / "import-check"
    env = isolated_env(index_url=index_url)
    env["UV_CACHE_DIR"] = str(scratch / "uv-cache")
    empty = scratch / "import-cwd"
    empty.mkdir(parents=True, exist_ok=True)
    steps = _Steps(env, scratch / "import-check.log", timeout)
    try:
        for argv in _install_steps(wheel, python, venv):
            code, output = steps.run(argv)
            if code != 0:
                last = (output.strip().splitlines() or ["no output"])[-1]
                return f"cannot install the wheel into a fresh environment: {last}"
        prefix = (
            sandbox.prefix(writable=[scratch], readable=interpreter_paths(python))
            if sandbox is not None
            else []
        )
        code, output = steps.run(
            [*prefix, str(venv / "bin" / "python"), "-I", "-c", _SCRIPT, *modules],
            cwd=empty,
            env=backend_env(extra={"HOME": str(empty), "TMPDIR": str(empty), **(env or {})}),
        )
    except _TimedOut:
        return f"import check timed out after {timeout:g} s (build.timeout)"
    try:
        report = json.loads(output.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return f"importing {', '.join(modules)} crashed the interpreter (exit code {code})"
    if report["failed"]:
        name, trace = next(iter(report["failed"].items()))
        last = trace.strip().splitlines()[-1]
        return f"import {name} failed: {last}\n{trace}"
    return None


def _install_steps(wheel: Path, python: str, venv: Path) -> list[list[str]]:
    """Commands that make ``venv`` with just ``wheel`` installed (uv if available, else pip)."""
    target = str(venv / "bin" / "python")
    quiet = ["--quiet", "--no-deps", "--no-index", str(wheel)]
    uv = uv_binary()
    if uv:
        return [
            [uv, "venv", "--quiet", "--python", python, str(venv)],
            [uv, "pip", "install", "--python", target, *quiet],
        ]
    return [
        [python, "-m", "venv", "--without-pip", str(venv)],
        [sys.executable, "-m", "pip", "--python", target, "install", *quiet],
    ]
