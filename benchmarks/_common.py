"""Shared helpers for the benchmark scripts: venvs, timing, medians, tables.

Everything a benchmark creates lives under ``benchmarks/.work/`` (git-ignored).
Competitor tools are installed from PyPI into their own venvs with the
machine's pip configuration switched off.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / ".work"


class SetupError(Exception):
    """The benchmark could not be set up (the only reason to exit non-zero)."""


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without any pip/uv configuration, plus ``extra``.

    Bytecode caching is switched on (into ``.work/pycache``) for every tool alike:
    a machine with ``PYTHONDONTWRITEBYTECODE=1`` would otherwise recompile the
    sources of editable installs on every run.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PIP_", "UV_")) and k != "PYTHONDONTWRITEBYTECODE"
    }
    env.update(
        PIP_CONFIG_FILE=os.devnull,
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_NO_INPUT="1",
        PYTHONPYCACHEPREFIX=str(WORK / "pycache"),
    )
    env.update(extra)
    return env


def make_venv(name: str, *requirements: str) -> Path:
    """``.work/venv-<name>`` with ``requirements`` installed from PyPI (reused when current)."""
    venv = WORK / f"venv-{name}"
    marker = venv / "bench-requirements.txt"
    wanted = "\n".join(requirements)
    if marker.is_file() and marker.read_text() == wanted:
        return venv
    shutil.rmtree(venv, ignore_errors=True)
    WORK.mkdir(parents=True, exist_ok=True)
    print(f"setup: venv {venv.name}: {' '.join(requirements)}", flush=True)
    steps = [
        [sys.executable, "-m", "venv", str(venv)],
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "-U", "pip", *requirements],
    ]
    for argv in steps:
        done = subprocess.run(argv, env=clean_env(), capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SetupError(f"{' '.join(argv)} failed:\n{done.stdout}{done.stderr}")
    marker.write_text(wanted)
    return venv


def dist_version(venv: Path, dist: str) -> str:
    code = f"import importlib.metadata as m; print(m.version({dist!r}))"
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-c", code], capture_output=True, text=True, check=False
    )
    return done.stdout.strip() or "?"


def find_wheelmill(given: str | None) -> tuple[Path, Path]:
    """The ``wheelmill`` executable and the Python it runs on (for in-process timings)."""
    candidates = (
        [given]
        if given
        else [
            str(Path(sys.executable).parent / "wheelmill"),
            shutil.which("wheelmill"),
        ]
    )
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            exe = Path(candidate).resolve()
            shebang = exe.read_bytes().split(b"\n", 1)[0]
            python = Path(shebang[2:].decode().strip()) if shebang.startswith(b"#!") else None
            if python is None or not python.is_file():
                python = exe.parent / "python"
            return exe, python
    if given:
        raise SetupError(f"--wheelmill {given}: no such file")
    raise SetupError("no wheelmill executable: `pip install -e .` it, or pass --wheelmill PATH")


def run_timed(
    argv: Sequence[str | Path],
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    check: bool = True,
) -> tuple[float, float, str]:
    """Run a command (in :func:`clean_env` by default) after flushing the page cache's
    dirty pages, so no run pays for the previous one's write-back.

    Returns (wall seconds, CPU seconds of it and its children, stdout).
    """
    os.sync()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [str(a) for a in argv],
        env=env or clean_env(),
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if check and done.returncode != 0:
        raise SetupError(
            f"{' '.join(map(str, argv))} exited {done.returncode}:\n"
            f"{done.stdout[-2000:]}{done.stderr[-2000:]}"
        )
    return wall, cpu, done.stdout


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def seconds(value: float) -> str:
    if value != value:  # NaN
        return "-"
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"


def verdict(ok: bool) -> str:
    return "MET" if ok else "MISSED"


def print_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for n, row in enumerate([header, *rows]):
        print("  ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))


def machine_line() -> str:
    """Date, machine and the wheelmill commit measured (``+dirty`` if src/ has edits)."""

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=False
        )
        return done.stdout.strip()

    commit = (git("rev-parse", "--short", "HEAD") or "?") + (
        "+dirty" if git("status", "--porcelain", "--", "src") else ""
    )
    return (
        f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs, Python "
        f"{sys.version.split()[0]}, wheelmill {commit}"
    )


def main_guard(main: Callable[[], None]) -> None:
    """Run ``main()``; a :class:`SetupError` prints and exits 2, everything else exits 0."""
    try:
        main()
    except SetupError as exc:
        print(f"SETUP FAILED: {exc}", file=sys.stderr)
        sys.exit(2)
