"""Where the third-party command-line tools wheelmill drives live.

Every external program (pip-tools, uv, the build frontend) is located here, so
an upgrade or a packaging change of one of them touches one file.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ._exceptions import WheelmillError
from .build._supervise import run_supervised

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


def piptools_command(python: str | None = None) -> list[str]:
    """pip-compile, run by ``python`` (default: wheelmill's own interpreter)."""
    return [python or sys.executable, "-m", "piptools", "compile"]


def build_command(python: str | Path = sys.executable) -> list[str]:
    return [str(python), "-m", "build"]


def run_captured(
    argv: list[str],
    *,
    env: dict[str, str],
    cwd: Path | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a tool with stdout and stderr merged into one captured text.

    The tool runs under :mod:`wheelmill.build._supervise` (it may build sdists, so run
    their code): nothing it starts outlives it. Raises ``FileNotFoundError``
    when the program does not exist and ``subprocess.TimeoutExpired`` after
    ``timeout`` seconds, as :func:`subprocess.run` does.
    """
    program = argv[0]
    if cwd is not None and os.sep in program:
        program = os.path.join(cwd, program)
    if shutil.which(program, path=env.get("PATH", os.defpath)) is None:
        raise FileNotFoundError(errno.ENOENT, "no such program", argv[0])
    with tempfile.TemporaryFile() as sink:
        code = run_supervised(argv, env=env, output=sink, cwd=cwd, timeout=timeout)
        if code is None:
            raise subprocess.TimeoutExpired(argv, timeout or 0)
        sink.seek(0)
        text = sink.read().decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")
    return subprocess.CompletedProcess(argv, code, text, None)
