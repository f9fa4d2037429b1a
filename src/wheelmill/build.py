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
* build environments are created by uv when it is available, pip otherwise;
* they install from the wheelhouse and ``.wheelmill/build-deps/`` first, under
  the configured build constraints (``PIP_CONSTRAINT``/``UV_CONSTRAINT``), with
  extra build requirements patched into the sdist's ``[build-system]``;
* ``SOURCE_DATE_EPOCH`` is the sdist's newest file time, so backends that honour
  it produce byte-identical wheels; an optional address-space cap per build.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tarfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ._archive import unpack_sdist
from ._cancel import track
from ._exceptions import WheelmillError
from ._frontend import prefetch_build_requirements
from ._isolation import isolated_env
from ._pyproject import add_build_requires, build_system
from ._tools import OUTPUT_DECORATION, build_command, uv_binary
from .config import BuildSettings
from .store import Store
from .target import Target

_REASON = re.compile(
    r"(fatal error:.*|error: (?!subprocess-exited-with-error|metadata-generation-failed).*"
    r"|\w*Error: .*|ERROR .*|No module named .*|Cannot import .*)",
)


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
        text = line.strip(OUTPUT_DECORATION)
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
    constraints: Path | None = None,
    source_date_epoch: int | None = None,
) -> dict[str, str]:
    env = isolated_env(index_url=index_url, find_links=find_links, extra=settings.env)
    env["TMPDIR"] = str(scratch)
    env["PIP_CACHE_DIR"] = str(cache / "pip")
    env["UV_CACHE_DIR"] = str(cache / "uv")
    if constraints is not None:
        env["PIP_CONSTRAINT"] = str(constraints)
        env["UV_CONSTRAINT"] = str(constraints)
    if settings.offline:
        env.update({"PIP_NO_INDEX": "1", "UV_NO_INDEX": "1", "UV_OFFLINE": "1"})
    if source_date_epoch is not None:
        env.setdefault("SOURCE_DATE_EPOCH", str(source_date_epoch))
    uv = uv_binary()
    if uv is not None:  # how `build --installer uv` finds uv from any target's frontend
        env["UV"] = uv
    return env


def sdist_epoch(sdist: Path) -> int:
    """``SOURCE_DATE_EPOCH`` for a build: the newest file time in the sdist (1980 at least)."""
    try:
        with tarfile.open(sdist) as archive:
            newest = max((member.mtime for member in archive.getmembers()), default=0)
    except (tarfile.TarError, OSError):
        newest = 0
    return max(int(newest), 315532800)


def _run(
    argv: list[str], env: Mapping[str, str], log: Path, timeout: float, memory_mb: int = 0
) -> int | None:
    """Run ``argv`` with output appended to ``log``; ``None`` when it timed out."""
    supervisor = [sys.executable, "-m", "wheelmill._supervise", str(os.getpid()), str(memory_mb)]
    with log.open("ab") as sink:
        process = subprocess.Popen(
            [*supervisor, *argv],
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        untrack = track(process)  # a stopped run (Ctrl-C) terminates it
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
        finally:
            untrack()


def _constraints_file(settings: BuildSettings, directory: Path) -> Path | None:
    if not settings.constraints:
        return None
    path = directory / "build-constraints.txt"
    path.write_text("".join(f"{line}\n" for line in settings.constraints), "utf-8")
    return path


def build_sdist(
    sdist: Path,
    workdir: Path,
    log: Path,
    *,
    frontend: str,
    target: Target,
    settings: BuildSettings,
    index_url: str,
    store: Store,
) -> BuildOutcome:
    """Build ``sdist`` into a wheel under ``workdir/dist``; the log goes to ``log``."""
    started = time.monotonic()
    installer = choose_installer(settings.installer)
    log.parent.mkdir(parents=True, exist_ok=True)

    def failed(reason: str) -> BuildOutcome:
        with log.open("a", encoding="utf-8") as stream:
            stream.write(f"\nwheelmill: build failed: {reason}\n")
        return BuildOutcome(False, None, log, reason, installer, time.monotonic() - started)

    log.write_text(
        f"wheelmill: building {sdist.name} for {target.name} (installer: {installer})\n", "utf-8"
    )
    scratch = workdir / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    constraints = _constraints_file(settings, workdir)
    try:
        source = unpack_sdist(sdist, workdir / "src")
        if settings.build_requires:
            requires = add_build_requires(source, settings.build_requires)
        else:
            requires = list(build_system(source)["requires"])
    except WheelmillError as exc:
        return failed(str(exc))
    deps = store.state / "build-deps"
    prefetch_build_requirements(
        requires,
        store,
        target,
        index_url=index_url,
        constraints=constraints,
        offline=settings.offline,
        log=log,
    )
    outdir = workdir / "dist"
    argv = [*build_command(frontend), "--wheel", "--outdir", str(outdir)]
    if installer == "uv":
        argv += ["--installer", "uv"]
    for name, value in sorted(settings.config_settings.items()):
        argv.append(f"--config-setting={name}={value}")
    argv.append(str(source))
    env = build_environment(
        settings,
        index_url=index_url,
        find_links=(store.wheels.resolve().as_uri(), deps.resolve().as_uri()),
        scratch=scratch,
        cache=store.state / "cache",
        constraints=constraints,
        source_date_epoch=sdist_epoch(sdist),
    )
    with log.open("a", encoding="utf-8") as stream:
        stream.write("wheelmill: $ " + " ".join(argv) + "\n")
    code = _run(argv, env, log, settings.timeout, settings.memory_mb)
    if code is None:
        return failed(f"timed out after {settings.timeout:g} s (build.timeout)")
    wheels = sorted(outdir.glob("*.whl")) if outdir.is_dir() else []
    if code != 0 or not wheels:
        text = log.read_text("utf-8", "replace")
        return failed(short_reason(text) if code != 0 else "the backend produced no wheel")
    return BuildOutcome(True, wheels[0], log, None, installer, time.monotonic() - started)
