"""Build one sdist into a wheel with the ``build`` frontend, in a controlled environment.

:func:`build_sdist` never raises for a failed build: it returns a
:class:`BuildOutcome` whose log holds everything the frontend and backend
printed, so one bad pin cannot stop a batch.

The controlled environment, as far as this module goes:

* the sdist is unpacked by :mod:`wheelmill.build._archive` (hostile archives rejected);
* ``python -m build --wheel`` runs with build isolation under
  :mod:`wheelmill.build._supervise`, with a timeout: when it ends, times out or
  wheelmill dies, every process it started is killed (daemons included on Linux);
* the frontend installs the build requirements with network, binary only: a
  build requirement with no wheel is built from its sdist first, by this same
  path, in the same sandbox (:mod:`wheelmill.build._builddeps`); every backend hook
  runs in the sandbox :mod:`wheelmill.build._sandbox` chooses (through
  :mod:`wheelmill.build._hookrunner`), with only the build directory writable
  and an allow-listed environment (:func:`wheelmill._isolation.backend_env`);
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

import json
import os
import re
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path

from .._exceptions import WheelmillError
from .._isolation import backend_env, frontend_base, isolated_env
from .._tools import OUTPUT_DECORATION, uv_binary
from ..config import BuildSettings
from ..diagnose._logtext import SCANNED
from ..outcomes import MemoryCap, SandboxTier
from ..store.wheelhouse import Store, write_atomic
from ..target import Target
from ._archive import unpack_sdist
from ._builddeps import BuildOne, requested_requirements, requirements_first
from ._hookrunner import _chown_tree
from ._pyproject import add_build_requires, build_system
from ._sandbox import Sandbox, choose_sandbox, for_directory, interpreter_paths
from ._supervise import memory_cap_used, run_supervised
from .key import BUILD_ENV_VARIABLES

#: The script that runs ``python -m build`` with the backend hooks sandboxed.
_HOOKRUNNER = Path(__file__).with_name("_hookrunner.py")

#: What a line holding the real error contains. Only literals (and one bounded
#: look-ahead), searched in the first :data:`SCANNED` characters of each line:
#: linear however long the lines a build prints.
_REASON = re.compile(
    r"fatal error:|error: (?!subprocess-exited-with-error|metadata-generation-failed)"
    r"|Error: |ERROR |No module named |Cannot import "
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
    sandbox: SandboxTier = "none"
    #: How the build step's memory was capped (``memory_mb``).
    memory_cap: MemoryCap = "none"


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
        text = line.strip(OUTPUT_DECORATION)[:SCANNED]
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
    env = isolated_env(
        index_url=index_url,
        find_links=find_links,
        extra=settings.env,
        base=frontend_base(BUILD_ENV_VARIABLES),
    )
    env["TMPDIR"] = str(scratch)
    env["PIP_CACHE_DIR"] = str(cache / "pip")
    env["UV_CACHE_DIR"] = str(cache / "uv")
    if constraints is not None:
        env["PIP_CONSTRAINT"] = str(constraints)
        env["UV_CONSTRAINT"] = str(constraints)
    if settings.offline:
        env.update({"PIP_NO_INDEX": "1", "UV_NO_INDEX": "1", "UV_OFFLINE": "1"})
    # Binary only: a build requirement the installer would build from its sdist
    # (outside the sandbox) is built by wheelmill first, in it. uv takes that from a
    # configuration file only (kept out of the build directory the backend can write).
    env["PIP_ONLY_BINARY"] = ":all:"
    env["UV_CONFIG_FILE"] = str(_binary_only_uv_config(cache))
    if source_date_epoch is not None:
        env.setdefault("SOURCE_DATE_EPOCH", str(source_date_epoch))
    uv = uv_binary()
    if uv is not None:  # how `build --installer uv` finds uv from any target's frontend
        env["UV"] = uv
    return env


def _binary_only_uv_config(cache: Path) -> Path:
    """A ``uv.toml`` that makes ``uv pip install`` refuse to build sdists."""
    path = cache / "uv-binary-only.toml"
    text = b'[pip]\nonly-binary = [":all:"]\n'
    if not path.is_file() or path.read_bytes() != text:
        cache.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text)
    return path


def sdist_epoch(sdist: Path) -> int:
    """``SOURCE_DATE_EPOCH`` for a build: the newest file time in the sdist (1980 at least)."""
    try:
        with tarfile.open(sdist) as archive:
            newest = max((member.mtime for member in archive.getmembers()), default=0)
    except (tarfile.TarError, OSError):
        newest = 0
    return max(int(newest), 315532800)


def _constraints_file(settings: BuildSettings, directory: Path) -> Path | None:
    if not settings.constraints:
        return None
    path = directory / "build-constraints.txt"
    path.write_text("".join(f"{line}\n" for line in settings.constraints), "utf-8")
    return path


def _hook_spec(
    box: Sandbox,
    settings: BuildSettings,
    workdir: Path,
    *,
    frontend: str,
    target: Target,
    source_date_epoch: int,
    requested: Path,
) -> Path:
    """Write the spec :mod:`wheelmill.build._hookrunner` reads; its path."""
    home = workdir / "tmp" / "home"
    home.mkdir(parents=True, exist_ok=True)
    env = backend_env(names=BUILD_ENV_VARIABLES, extra=settings.env)
    env.update({"HOME": str(home), "TMPDIR": str(workdir / "tmp")})
    env.setdefault("SOURCE_DATE_EPOCH", str(source_date_epoch))
    writable = [workdir.resolve()]
    readable = interpreter_paths(frontend, target.python)
    spec = {
        "prefix": box.prefix(writable=writable, readable=readable),
        "env": env,
        "owner": box.uid,
        "writable": [str(path) for path in writable] if box.uid is not None else [],
        "requested": str(requested),
    }
    path = workdir / "hooks.json"
    path.write_text(json.dumps(spec), "utf-8")
    return path


def _builder(
    settings: BuildSettings, *, frontend: str, target: Target, index_url: str, store: Store
) -> BuildOne:
    """How a build requirement with no wheel is built: by :func:`build_sdist`, with the
    pin's settings but not what is the pin's own (its build requirements, its
    ``config_settings``)."""
    theirs = settings.replace(build_requires=(), config_settings={})

    def one(
        sdist: Path, where: Path, its_log: Path, around: tuple[str, ...]
    ) -> tuple[Path | None, str | None, str]:
        outcome = build_sdist(
            sdist, where, its_log, frontend=frontend, target=target, settings=theirs,
            index_url=index_url, store=store, chain=around,
        )  # fmt: skip
        return outcome.wheel if outcome.ok else None, outcome.error, outcome.sandbox

    return one


def _log(log: Path, text: str) -> None:
    with log.open("a", encoding="utf-8") as stream:
        stream.write(text)


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
    chain: tuple[str, ...] = (),
) -> BuildOutcome:
    """Build ``sdist`` into a wheel under ``workdir/dist``; the log goes to ``log``.

    ``chain`` names the build requirements this build is for, when it is one.

    Raises :class:`~wheelmill._exceptions.SandboxUnavailable` (before anything
    runs) when the configured sandbox cannot be had here.
    """
    started = time.monotonic()
    installer = choose_installer(settings.installer)
    strict = settings.sandbox == "strict"
    box = for_directory(
        choose_sandbox(settings.sandbox, frontend, target.python), workdir, strict=strict
    )
    log.parent.mkdir(parents=True, exist_ok=True)

    cap_file = workdir / "memory-cap"

    def failed(reason: str) -> BuildOutcome:
        with log.open("a", encoding="utf-8") as stream:
            stream.write(f"\nwheelmill: build failed: {reason}\n")
        took = time.monotonic() - started
        return BuildOutcome(
            False, None, log, reason, installer, took, box.tier, memory_cap_used(cap_file)
        )

    log.write_text(
        f"wheelmill: building {sdist.name} for {target.name} (installer: {installer})\n"
        f"wheelmill: sandbox: {box.describe()}\n",
        "utf-8",
    )
    scratch = workdir / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    constraints = _constraints_file(settings, workdir)
    try:
        source = unpack_sdist(sdist, workdir / "src", max_unpacked_mb=settings.max_unpacked_mb)
        if settings.build_requires:
            requires = add_build_requires(source, settings.build_requires)
        else:
            requires = list(build_system(source)["requires"])
    except WheelmillError as exc:
        return failed(str(exc))
    deps = store.state / "build-deps"
    deps.mkdir(parents=True, exist_ok=True)  # uv refuses a --find-links that is not there
    builder = _builder(settings, frontend=frontend, target=target, index_url=index_url, store=store)
    requirements_first(
        requires, store=store, target=target, settings=settings, index_url=index_url,
        constraints=constraints, workdir=workdir, log=log, chain=chain, build=builder,
    )  # fmt: skip
    outdir = workdir / "dist"
    outdir.mkdir(parents=True, exist_ok=True)
    epoch = sdist_epoch(sdist)
    requested = workdir / "requested.json"
    spec = _hook_spec(
        box, settings, workdir, frontend=frontend, target=target, source_date_epoch=epoch,
        requested=requested,
    )  # fmt: skip
    argv = [frontend, str(_HOOKRUNNER), str(spec), "--wheel", "--outdir", str(outdir)]
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
        source_date_epoch=epoch,
    )

    def run() -> int | None:
        _log(log, "wheelmill: $ " + " ".join(argv) + "\n")
        with log.open("ab") as sink:
            code = run_supervised(
                argv,
                env=env,
                output=sink,
                timeout=settings.timeout,
                memory_mb=settings.memory_mb,
                cap_file=cap_file,
            )
        if box.uid is not None:  # it ran as nobody: take its files back before reading them
            _chown_tree(str(workdir), os.getuid())
        return code

    code = run()
    asked = requested_requirements(requested) if code not in (0, None) else []
    # The backend asked for requirements with no wheel (the installer refused to build
    # them): build them like the static ones, then try once more.
    if asked and requirements_first(
        asked, store=store, target=target, settings=settings, index_url=index_url,
        constraints=constraints, workdir=workdir, log=log, chain=chain, build=builder,
    ):  # fmt: skip
        _log(log, "wheelmill: building again, with the requested build requirements built\n")
        code = run()
    if code is None:
        return failed(f"timed out after {settings.timeout:g} s (build.timeout)")
    wheels = sorted(outdir.glob("*.whl")) if outdir.is_dir() else []
    if code != 0 or not wheels:
        text = log.read_text("utf-8", "replace")
        return failed(short_reason(text) if code != 0 else "the backend produced no wheel")
    took = time.monotonic() - started
    return BuildOutcome(
        True, wheels[0], log, None, installer, took, box.tier, memory_cap_used(cap_file)
    )
