"""Prove a built wheel works: install it into a fresh environment and import it.

The seed's advice, run for every build: "run ``python -c 'import <module>'`` to
confirm installation is functional". A module that fails to import for its own
reasons fails the check; one that only lacks a *dependency* (another
distribution, installed separately) does not, since the wheel itself is fine.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

from .._isolation import isolated_env
from .._tools import run_captured, uv_binary

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


def check_import(wheel: Path, python: str, scratch: Path, *, index_url: str) -> str | None:
    """``None`` when every top-level module imports; else what went wrong."""
    modules = top_level_modules(wheel)
    if not modules:
        return None
    venv = scratch / "import-check"
    env = isolated_env(index_url=index_url)
    env["UV_CACHE_DIR"] = str(scratch / "uv-cache")
    uv = uv_binary()
    if uv:
        steps = [
            [uv, "venv", "--quiet", "--python", python, str(venv)],
            [
                uv,
                "pip",
                "install",
                "--quiet",
                "--python",
                str(venv / "bin" / "python"),
                "--no-deps",
                "--no-index",
                str(wheel),
            ],
        ]
    else:
        steps = [
            [python, "-m", "venv", "--without-pip", str(venv)],
            [
                sys.executable,
                "-m",
                "pip",
                "--python",
                str(venv / "bin" / "python"),
                "install",
                "--quiet",
                "--no-deps",
                "--no-index",
                str(wheel),
            ],
        ]
    for argv in steps:
        done = run_captured(argv, env=env, timeout=600)
        if done.returncode != 0:
            last = (done.stdout.strip().splitlines() or ["no output"])[-1]
            return f"cannot install the wheel into a fresh environment: {last}"
    empty = scratch / "import-cwd"
    empty.mkdir(exist_ok=True)
    try:
        done = run_captured(
            [str(venv / "bin" / "python"), "-I", "-c", _SCRIPT, *modules],
            env=env,
            cwd=empty,
            timeout=300,
        )
        report = json.loads(done.stdout.strip().splitlines()[-1])
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return f"importing {', '.join(modules)} crashed the interpreter"
    if report["failed"]:
        name, trace = next(iter(report["failed"].items()))
        last = trace.strip().splitlines()[-1]
        return f"import {name} failed: {last}\n{trace}"
    return None
