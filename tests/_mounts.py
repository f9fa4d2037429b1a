"""Real read-only and real full file systems for tests (Linux).

* :func:`readonly` runs a command with one directory mounted read-only, in a private
  user + mount namespace (``unshare -rm``): no root needed, nothing visible outside,
  and root inside cannot write either (``chmod`` would not stop root).
* :func:`small_tmpfs` mounts a tmpfs of a given size (root only), for a full disk.

Each says why it is unavailable; tests skip with that reason.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# $1 is the directory, the rest the command.
_READONLY_SCRIPT = (
    'dir="$1"; shift; mount --bind "$dir" "$dir" && mount -o remount,ro,bind "$dir" "$dir" '
    '&& exec "$@"'
)


def readonly_command(directory: Path, argv: list[str]) -> list[str]:
    """``argv`` run with ``directory`` (and everything under it) read-only."""
    return ["unshare", "-rm", "sh", "-c", _READONLY_SCRIPT, "sh", str(directory), *argv]


@functools.lru_cache(maxsize=1)
def _readonly_problem() -> str | None:
    if not sys.platform.startswith("linux") or shutil.which("unshare") is None:
        return "needs Linux with unshare(1) for a read-only bind mount"
    probe = Path(os.environ.get("TMPDIR", "/tmp")) / f"wheelmill-ro-probe-{os.getpid()}"
    probe.mkdir(exist_ok=True)
    try:
        result = subprocess.run(
            readonly_command(probe, ["sh", "-c", f"! touch {probe}/x 2>/dev/null"]),
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        shutil.rmtree(probe, ignore_errors=True)
    if result.returncode != 0:
        return (
            "user + mount namespaces unavailable for a read-only bind mount "
            f"(unshare -rm: {result.stderr.strip() or result.returncode})"
        )
    return None


def require_readonly() -> None:
    problem = _readonly_problem()
    if problem is not None:
        pytest.skip(problem)


def readonly(
    directory: Path, argv: list[str], env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` (capturing text output) with ``directory`` mounted read-only."""
    require_readonly()
    return subprocess.run(
        readonly_command(directory, argv), capture_output=True, text=True, check=False, env=env
    )


@contextlib.contextmanager
def small_tmpfs(directory: Path, size: str) -> Iterator[Path]:
    """``directory`` as a fresh tmpfs of ``size`` (e.g. ``"4m"``); unmounted afterwards."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs (a disk that fills up) needs root on Linux")
    directory.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(directory)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield directory
    finally:
        subprocess.run(["umount", "-l", str(directory)], check=False)


def fill(directory: Path, leave: int) -> Path:
    """Fill the file system of ``directory`` until about ``leave`` bytes are free."""
    filler = directory / "filler"
    free = shutil.disk_usage(directory).free
    with filler.open("wb") as stream, contextlib.suppress(OSError):
        stream.write(b"\0" * max(0, free - leave))
    return filler
