"""Where the third-party command-line tools wheelmill drives live.

Every external program (pip-tools, uv, the build frontend) is located here, so
an upgrade or a packaging change of one of them touches one file.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from ._exceptions import WheelmillError

#: What pip and uv put in front of a subprocess's output lines (box-drawing bars, arrows, crosses).
OUTPUT_DECORATION = " \u2502\u2570\u2500>\u00d7"


def uv_binary() -> str | None:
    """Path of a usable ``uv`` executable: the ``uv`` package first, then ``PATH``."""
    try:
        from uv import find_uv_bin
    except ImportError:
        pass
    else:
        try:
            return str(find_uv_bin())
        except FileNotFoundError:
            pass
    return shutil.which("uv")


def require_uv() -> str:
    found = uv_binary()
    if found is None:
        raise WheelmillError("uv is not installed; `pip install uv` or choose pip")
    return found


def piptools_command() -> list[str]:
    return [sys.executable, "-m", "piptools", "compile"]


def build_command(python: str | Path = sys.executable) -> list[str]:
    return [str(python), "-m", "build"]


def run_captured(
    argv: list[str],
    *,
    env: dict[str, str],
    cwd: Path | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a tool with stdout and stderr merged into one captured text."""
    return subprocess.run(
        argv,
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        timeout=timeout,
        check=False,
    )
