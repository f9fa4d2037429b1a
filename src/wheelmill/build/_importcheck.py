"""Prove a built wheel works: install it into a fresh environment and import it.

The seed's advice, run for every build: "run ``python -c 'import <module>'`` to
confirm installation is functional". A module that fails to import for its own
reasons fails the check; one that only lacks a *dependency* (another
distribution, installed separately) does not, since the wheel itself is fine.

One empty virtual environment per target interpreter serves every check of a
run (:func:`shared_env`); each wheel is installed into a directory of its own
(``--target``, in the build's scratch directory), which the import adds as a
site directory (its ``.pth`` files processed) over that environment. So a
check sees the wheel alone, as in an environment made for it, and no wheel
checked before it; the environment itself is never written to.
Every step runs under :mod:`wheelmill.build._supervise`, within the build timeout:
importing runs the package's own code, which may hang or leave processes behind;
so the import itself also runs in the build's sandbox (:mod:`wheelmill.build._sandbox`),
with the backend's allow-listed environment.
"""

from __future__ import annotations

import hashlib
import json
import sys
import threading
import time
import zipfile
from pathlib import Path

from .._isolation import backend_env, isolated_env
from .._tools import uv_binary
from ._sandbox import Sandbox, interpreter_paths
from ._supervise import run_supervised

_SCRIPT = r"""
import importlib, json, site, sys, traceback
site.addsitedir(sys.argv[1])
own = set(sys.argv[2:])
report = {"imported": [], "missing_dependency": {}, "failed": {}}
for name in sys.argv[2:]:
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


_creating = threading.Lock()


def shared_env(python: str, directory: Path, steps: _Steps) -> tuple[Path | None, str]:
    """The empty environment of ``python`` under ``directory`` (made on first use):
    its interpreter, or ``None`` and what the installer said."""
    digest = hashlib.sha256(python.encode()).hexdigest()[:12]
    venv = directory.resolve() / digest
    interpreter = venv / "bin" / "python"
    ready = venv / ".ready"
    with _creating:  # the run's builds check in parallel threads
        if ready.is_file():
            return interpreter, ""
        directory.mkdir(parents=True, exist_ok=True)
        code, output = steps.run(_env_step(python, venv))
        if code != 0:
            return None, output
        ready.write_text(f"{python}\n", "utf-8")
    return interpreter, ""


def check_import(
    wheel: Path,
    python: str,
    scratch: Path,
    *,
    index_url: str,
    shared: Path | None = None,
    timeout: float = 0,
    sandbox: Sandbox | None = None,
    env: dict[str, str] | None = None,
) -> str | None:
    """``None`` when every top-level module imports; else what went wrong.

    ``shared`` holds the environment every check of ``python`` uses (default: one
    in ``scratch``, for this check alone). Installing and importing run under
    :mod:`wheelmill.build._supervise`, together limited to ``timeout`` seconds (the
    build timeout; 0: no limit). The import runs in ``sandbox`` (only ``scratch``
    writable) with ``env`` set over the backend's allow-listed environment.
    """
    modules = top_level_modules(wheel)
    if not modules:
        return None
    scratch = scratch.resolve()
    installed = scratch / "import-check"
    tools_env = isolated_env(index_url=index_url)
    tools_env["UV_CACHE_DIR"] = str(scratch / "uv-cache")
    empty = scratch / "import-cwd"
    empty.mkdir(parents=True, exist_ok=True)
    steps = _Steps(tools_env, scratch / "import-check.log", timeout)
    try:
        venv, output = shared_env(python, shared or scratch / "import-env", steps)
        if venv is None:
            return f"cannot make an environment to install the wheel into: {_last(output)}"
        code, output = steps.run(_install_step(wheel, venv, installed))
        if code != 0:
            return f"cannot install the wheel into a fresh environment: {_last(output)}"
        prefix = (
            sandbox.prefix(writable=[scratch], readable=interpreter_paths(python, str(venv)))
            if sandbox is not None
            else []
        )
        code, output = steps.run(
            [*prefix, str(venv), "-I", "-c", _SCRIPT, str(installed), *modules],
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


def _last(output: str) -> str:
    return (output.strip().splitlines() or ["no output"])[-1]


def _env_step(python: str, venv: Path) -> list[str]:
    """The command that makes an empty ``venv`` of ``python`` (uv if available, else venv)."""
    uv = uv_binary()
    if uv:
        return [uv, "venv", "--quiet", "--python", python, str(venv)]
    return [python, "-m", "venv", "--without-pip", str(venv)]


def _install_step(wheel: Path, venv: Path, directory: Path) -> list[str]:
    """The command that installs ``wheel`` alone into ``directory`` for ``venv``'s Python."""
    quiet = ["--quiet", "--no-deps", "--no-index", "--target", str(directory), str(wheel)]
    uv = uv_binary()
    if uv:
        return [uv, "pip", "install", "--python", str(venv), *quiet]
    return [sys.executable, "-m", "pip", "--python", str(venv), "install", *quiet]
