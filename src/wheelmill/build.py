"""Build one sdist into a wheel with the ``build`` frontend, in a controlled environment.

:func:`build_sdist` never raises for a failed build: it returns a
:class:`BuildOutcome` whose log holds everything the frontend and backend
printed, so one bad pin cannot stop a batch.

The controlled environment, as far as this module goes:

* the sdist is unpacked by :mod:`wheelmill._archive` (hostile archives rejected);
* ``python -m build --wheel`` runs with build isolation, in a new process group,
  under a timeout that kills the whole group;
* the environment is :func:`wheelmill._isolation.isolated_env`: no user pip/uv
  configuration, only wheelmill's index; temp files and the installers' caches
  live inside the wheelhouse state;
* build environments are created by uv when it is available, pip otherwise.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ._archive import unpack_sdist
from ._exceptions import UnsafeArchiveError
from ._isolation import isolated_env
from ._tools import build_command, uv_binary
from .config import BuildSettings

_REASON = re.compile(
    r"(fatal error:.*|error: (?!subprocess-exited-with-error|metadata-generation-failed).*"
    r"|\w*Error: .*|ERROR .*|No module named .*|Cannot import .*)",
)


#: What pip and uv put in front of a subprocess's output lines.
_DECORATION = " \u2502\u2570\u2500>\u00d7"


@dataclass(frozen=True)
class BuildOutcome:
    """The result of one build attempt."""

    ok: bool
    wheel: Path | None
    log: Path
    error: str | None
    installer: str
    duration: float


def choose_installer(setting: str) -> str:
    """``uv`` when asked for or (``auto``) when available, else ``pip``."""
    if setting == "pip":
        return "pip"
    if setting == "uv" or uv_binary() is not None:
        return "uv"
    return "pip"


def short_reason(log_text: str) -> str:
    """The first line of a build log that looks like the real error (a rough cut)."""
    for line in log_text.splitlines():
        text = line.strip(_DECORATION)
        if _REASON.search(text):
            return text[:300]
    lines = [line.strip() for line in log_text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else "build failed without output"


def build_environment(
    settings: BuildSettings,
    *,
    index_url: str,
    find_links: tuple[str, ...],
    scratch: Path,
    cache: Path,
) -> dict[str, str]:
    env = isolated_env(index_url=index_url, find_links=find_links, extra=settings.env)
    env["TMPDIR"] = str(scratch)
    env["PIP_CACHE_DIR"] = str(cache / "pip")
    env["UV_CACHE_DIR"] = str(cache / "uv")
    return env


def _run(argv: list[str], env: Mapping[str, str], log: Path, timeout: float) -> int | None:
    """Run ``argv`` with output appended to ``log``; ``None`` when it timed out."""
    with log.open("ab") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "wheelmill._supervise", str(os.getpid()), *argv],
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            return process.wait(timeout=timeout or None)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return None
        except BaseException:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise


def build_sdist(
    sdist: Path,
    workdir: Path,
    log: Path,
    *,
    python: str,
    settings: BuildSettings,
    index_url: str,
    find_links: tuple[str, ...] = (),
    cache: Path,
) -> BuildOutcome:
    """Build ``sdist`` into a wheel under ``workdir/dist``; the log goes to ``log``."""
    started = time.monotonic()
    installer = choose_installer(settings.installer)
    log.parent.mkdir(parents=True, exist_ok=True)

    def failed(reason: str) -> BuildOutcome:
        with log.open("a", encoding="utf-8") as stream:
            stream.write(f"\nwheelmill: build failed: {reason}\n")
        return BuildOutcome(False, None, log, reason, installer, time.monotonic() - started)

    log.write_text(f"wheelmill: building {sdist.name} (installer: {installer})\n", "utf-8")
    try:
        source = unpack_sdist(sdist, workdir / "src")
    except UnsafeArchiveError as exc:
        return failed(str(exc))
    outdir = workdir / "dist"
    scratch = workdir / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    argv = [*build_command(python), "--wheel", "--outdir", str(outdir)]
    if installer == "uv":
        argv += ["--installer", "uv"]
    for name, value in sorted(settings.config_settings.items()):
        argv.append(f"--config-setting={name}={value}")
    argv.append(str(source))
    env = build_environment(
        settings, index_url=index_url, find_links=find_links, scratch=scratch, cache=cache
    )
    with log.open("a", encoding="utf-8") as stream:
        stream.write("wheelmill: $ " + " ".join(argv) + "\n")
    code = _run(argv, env, log, settings.timeout)
    if code is None:
        return failed(f"timed out after {settings.timeout:g} s (build.timeout)")
    wheels = sorted(outdir.glob("*.whl")) if outdir.is_dir() else []
    if code != 0 or not wheels:
        text = log.read_text("utf-8", "replace")
        return failed(short_reason(text) if code != 0 else "the backend produced no wheel")
    return BuildOutcome(True, wheels[0], log, None, installer, time.monotonic() - started)
