"""The build frontend per target, and the wheels its build environments install from.

For the running interpreter, ``build`` is wheelmill's own dependency. For any
other target interpreter, a small tool environment with ``build`` in it is made
once under ``.wheelmill/tools/`` and reused.

Before each build, the static build requirements of the sdist (its
``[build-system].requires`` plus overrides, under the build constraints) are
downloaded as wheels into ``.wheelmill/build-deps/`` (resolved by uv and fetched
in this process, :mod:`._uvdeps`; by ``pip download`` when that cannot do the
whole job, or with ``installer = "pip"``), from the wheelhouse first and the
upstream index second: so the next build of anything with the same requirements
needs nothing from outside (and ``offline = true`` works).
A requirement with no wheel anywhere is built from its sdist in the sandbox
first (:mod:`._builddeps`). Which wheels a download brought, per set of
requirements, target and constraints, is remembered (:data:`FETCHED`, in the
state's ``cache/``): the next build asking the same finds them in
``build-deps/`` without starting the downloader, while they are all still there. Builds asking the
same at the same time wait for one download; the offline-first attempt is
skipped when a requirement has no wheel of its name here at all.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from .._exceptions import WheelmillError
from .._isolation import isolated_env
from .._tools import run_captured, uv_binary
from ..store.wheelhouse import Store, write_atomic
from ..target import Target
from . import _uvdeps

#: In the state's ``cache/``: which wheels satisfied each download (key: its command).
FETCHED = "build-deps.json"
#: The lines in which the downloader names a wheel it saved or already had.
_SAVED = re.compile(r"^[ \t]*(?:Saved|File was already downloaded) (?P<path>.+\.whl)\s*$", re.M)


def frontend_python(target: Target, store: Store, *, index_url: str) -> str:
    """A Python that can run ``python -m build`` for ``target``."""
    if target.python == sys.executable or os.path.samefile(target.python, sys.executable):
        return sys.executable
    digest = hashlib.sha256(target.python.encode()).hexdigest()[:8]
    directory = store.state / "tools" / f"{target.name}-{digest}"
    python = directory / "bin" / "python"
    ready = directory / ".ready"
    if ready.is_file():
        return str(python)
    with store.lock(f"tools-{target.name}-{digest}"):
        if ready.is_file():
            return str(python)
        env = isolated_env(index_url=index_url, find_links=(store.wheels.resolve().as_uri(),))
        env["UV_CACHE_DIR"] = str(store.state / "cache" / "uv")
        env["PIP_CACHE_DIR"] = str(store.state / "cache" / "pip")
        uv = uv_binary()
        if uv:
            steps = [
                [uv, "venv", "--quiet", "--python", target.python, str(directory)],
                [uv, "pip", "install", "--quiet", "--python", str(python), "build"],
            ]
        else:
            steps = [
                [target.python, "-m", "venv", str(directory)],
                [str(python), "-m", "pip", "install", "--quiet", "build"],
            ]
        for argv in steps:
            done = run_captured(argv, env=env, timeout=600)
            if done.returncode != 0:
                last = (done.stdout.strip().splitlines() or ["no output"])[-1]
                raise WheelmillError(f"cannot prepare the build frontend for {target.name}: {last}")
        ready.write_text("build\n")
    return str(python)


def _download_argv(
    requirements: Sequence[str], dest: Path, target: Target, constraints: Path | None
) -> list[str]:
    argv = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--only-binary",
        ":all:",
        "--dest",
        str(dest),
    ]
    if target.python != sys.executable:
        argv += [
            "--python-version",
            target.python_version,
            "--implementation",
            "cp",
            "--abi",
            target.abi,
        ]
        platforms = dict.fromkeys(tag.platform for tag in target.tags)
        for platform in list(platforms)[:40]:
            argv += ["--platform", platform]
    if constraints is not None:
        argv += ["--constraint", str(constraints)]
    return [*argv, *requirements]


def _memo_key(argv: list[str], constraints: Path | None) -> str:
    """What a download depends on: its command (destination aside) and the constraints."""
    text = constraints.read_text("utf-8", "replace") if constraints is not None else ""
    same = [arg for arg in argv if arg not in (str(constraints),)]
    return hashlib.sha256(json.dumps([same, text]).encode()).hexdigest()


def _read_memo(memo: Path) -> dict[str, list[str]]:
    try:
        value = json.loads(memo.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _remember(memo: Path, dest: Path, key: str, output: str) -> None:
    """Note in ``memo`` which wheels the download that printed ``output`` left in ``dest``."""
    _remember_names(memo, dest, key, [Path(m.group("path")).name for m in _SAVED.finditer(output)])


def _remember_names(memo: Path, dest: Path, key: str, found: Sequence[str]) -> None:
    """Note in ``memo`` that the download ``key`` left the wheels ``found`` in ``dest``.
    A note lost to a concurrent writer costs one download, no more."""
    names = sorted(set(found))
    if not names or not all((dest / name).is_file() for name in names):
        return
    known = _read_memo(memo)
    known[key] = names
    with contextlib.suppress(OSError):
        memo.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(memo, json.dumps(known, sort_keys=True).encode())


_downloads: dict[str, threading.Lock] = {}
_downloads_guard = threading.Lock()


def _one_at_a_time(key: str) -> threading.Lock:
    """The lock of one download (by its memo key): a second build asking the same
    waits, then finds the first one's note."""
    with _downloads_guard:
        return _downloads.setdefault(key, threading.Lock())


def _may_be_here(requirements: Sequence[str], directories: Sequence[Path]) -> bool:
    """Whether ``--no-index`` could succeed: every unconditional requirement has a
    wheel of its name in ``directories`` (a requirement with a marker counts as
    present: it may not apply)."""
    names: set[str] = set()
    for directory in directories:
        try:
            entries = os.listdir(directory)
        except OSError:
            continue
        names.update(canonicalize_name(e.split("-", 1)[0]) for e in entries if e.endswith(".whl"))
    for line in requirements:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            return True  # the downloader will say what is wrong with it
        if requirement.marker is None and canonicalize_name(requirement.name) not in names:
            return False
    return True


def prefetch_build_requirements(
    requirements: Sequence[str],
    store: Store,
    target: Target,
    *,
    index_url: str,
    constraints: Path | None,
    offline: bool,
    log: Path,
    uv: bool = True,
) -> str | None:
    """Keep the wheels of ``requirements`` in ``build-deps/``: ``None`` when all are
    there, else what the downloader said (it names the requirements without a wheel).
    ``uv`` false (``installer = "pip"``) leaves uv out: pip downloads them."""
    if not requirements:
        return None
    dest = store.state / "build-deps"
    dest.mkdir(parents=True, exist_ok=True)
    memo = store.state / "cache" / FETCHED
    key = _memo_key(_download_argv(requirements, dest, target, constraints), constraints)
    with _one_at_a_time(key):
        known = _read_memo(memo).get(key)
        if isinstance(known, list) and known and all((dest / str(n)).is_file() for n in known):
            with log.open("a", encoding="utf-8") as stream:
                stream.write(f"wheelmill: build requirements already fetched: {' '.join(known)}\n")
            return None
        return _download(
            requirements,
            store,
            target,
            dest,
            index_url=index_url,
            constraints=constraints,
            offline=offline,
            log=log,
            memo=(memo, key),
            uv=uv,
        )


def _log_source(log: Path, extra: tuple[str, ...], requirements: Sequence[str], tool: str) -> None:
    source = "wheelhouse" if extra else "wheelhouse + index"
    wanted = " ".join(requirements)
    with log.open("a", encoding="utf-8") as stream:
        stream.write(f"wheelmill: build requirements from the {source} ({tool}): {wanted}\n")


def _download(
    requirements: Sequence[str],
    store: Store,
    target: Target,
    dest: Path,
    *,
    index_url: str,
    constraints: Path | None,
    offline: bool,
    log: Path,
    memo: tuple[Path, str],
    uv: bool,
) -> str | None:
    local = (dest.resolve().as_uri(), store.wheels.resolve().as_uri())
    attempts: list[tuple[str, ...]] = [("--no-index",)] if offline else [("--no-index",), ()]
    if not offline and not _may_be_here(requirements, (dest, store.wheels)):
        attempts = [()]  # offline first would fail: a requirement has no wheel here
    for extra in attempts if uv else ():  # uv first: it answers only when it did it all
        names = _uvdeps.fetch(
            requirements, target, dest, wheels=store.wheels, index_url=index_url,
            constraints=constraints, offline=bool(extra), cache=store.state / "cache" / "uv",
        )  # fmt: skip
        if names is not None:
            _log_source(log, extra, requirements, "uv")
            _remember_names(memo[0], dest, memo[1], names)
            return None
    output = ""
    for extra in attempts:  # pip, whose output names a requirement without a wheel
        env = isolated_env(index_url=index_url, find_links=local)
        env["PIP_CACHE_DIR"] = str(store.state / "cache" / "pip")
        argv = _download_argv(requirements, dest, target, constraints)
        argv[4:4] = list(extra)
        try:
            done = run_captured(argv, env=env, timeout=600)
            ok, output = done.returncode == 0, done.stdout
        except (OSError, subprocess.SubprocessError) as exc:
            ok, output = False, f"{exc}\n"
        _log_source(log, extra, requirements, "pip")
        if not ok:
            with log.open("a", encoding="utf-8") as stream:
                stream.write(output)
        if ok:
            _remember(memo[0], dest, memo[1], output)
            return None
    return output
