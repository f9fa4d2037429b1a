"""The compilers a wheel compiled here depends on, found and stat'ed without starting
any: :func:`compilers_stat`, the evidence of the toolchain fingerprint's cache
(:mod:`.toolchain`) and an input of the no-op stamp (:mod:`.stamp`).

It is loaded before the build machinery, on every no-op rerun: no dataclasses, no
``shutil``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

#: The compilers of the toolchain fingerprint: (name, commands tried in turn, the
#: environment variable that names one). ``toolchain.TOOLS`` lists them first.
COMPILERS: tuple[tuple[str, tuple[str, ...], str | None], ...] = (
    ("cc", ("cc", "gcc", "clang"), "CC"),
    ("c++", ("c++", "g++", "clang++"), "CXX"),
    ("gfortran", ("gfortran",), "FC"),
    ("rustc", ("rustc",), None),
)

#: Package databases whose change means system packages were installed or removed.
PACKAGE_DATABASES = (
    "/var/lib/dpkg/status",
    "/var/lib/rpm",
    "/usr/lib/sysimage/rpm",
    "/lib/apk/db/installed",
    "/opt/homebrew/Cellar",
    "/usr/local/Cellar",
)


def _runnable(path: str) -> bool:
    return os.path.exists(path) and os.access(path, os.X_OK) and not os.path.isdir(path)


def which(command: str, path: str | None) -> str | None:
    """``shutil.which(command, path=path)``, as it is on POSIX (elsewhere, it)."""
    if os.name != "posix":
        import shutil

        return shutil.which(command, path=path)
    if os.path.dirname(command):
        return command if _runnable(command) else None
    if path is None:
        path = os.environ.get("PATH")
        if path is None:
            try:
                path = os.confstr("CS_PATH")
            except (AttributeError, ValueError):
                path = os.defpath
    if not path:
        return None
    seen = set()
    for directory in os.fsdecode(path).split(os.pathsep):
        if directory in seen:
            continue
        seen.add(directory)
        candidate = os.path.join(directory, command)
        if _runnable(candidate):
            return candidate
    return None


def locate(
    commands: Sequence[str],
    variable: str | None,
    environ: Mapping[str, str],
    *,
    beside_python: bool = False,
) -> str | None:
    """The first of ``commands`` (after the one ``variable`` names) on ``PATH`` (and,
    with ``beside_python``, next to wheelmill's interpreter)."""
    named = environ.get(variable, "").split() if variable else []
    path = environ.get("PATH")
    if beside_python:
        searched = os.environ.get("PATH", os.defpath) if path is None else path
        path = os.pathsep.join([searched, os.path.dirname(sys.executable)])
    for command in (*named[:1], *commands):
        found = which(command, path)
        if found:
            return found
    return None


def stat_line(path: str | os.PathLike[str]) -> str:
    try:
        info = os.stat(path)
    except OSError:
        return f"{path}:absent"
    return f"{path}:{info.st_ino}:{info.st_size}:{info.st_mtime_ns}"


def behind_wrapper(path: str, command: str, environ: Mapping[str, str]) -> list[str]:
    """The files that decide which compiler a wrapper runs: rustup's settings and
    toolchains, or the compiler ccache finds after its own directory on ``PATH``."""
    real = os.path.basename(os.path.realpath(path))
    if real.startswith("rustup"):
        home = Path(environ.get("RUSTUP_HOME") or Path.home() / ".rustup")
        found = [stat_line(home / "settings.toml"), f"toolchain={environ.get('RUSTUP_TOOLCHAIN')}"]
        toolchains = home / "toolchains"
        try:
            names = sorted(os.listdir(toolchains))
        except OSError:
            names = []
        found += [stat_line(toolchains / name / "bin" / "rustc") for name in names]
        here = Path.cwd()  # a rust-toolchain file overrides the toolchain for its tree
        for directory in (here, *here.parents):
            found += [
                stat_line(directory / name)
                for name in ("rust-toolchain", "rust-toolchain.toml")
                if (directory / name).exists()
            ]
        return found
    if real == "ccache":
        wrapper = os.path.dirname(os.path.abspath(path))
        rest = [
            entry
            for entry in environ.get("PATH", "").split(os.pathsep)
            if entry and os.path.abspath(entry) != wrapper
        ]
        compiler = which(command, os.pathsep.join(rest))
        return [stat_line(os.path.realpath(compiler)) if compiler else "ccache:none"]
    return []


def compilers_stat(environ: Mapping[str, str] | None = None) -> str:
    """Which compiler files the toolchain fingerprint would ask, with their stats: a
    compiler replaced, upgraded or put first on ``PATH`` changes it, without starting any.

    The system's package databases are in it too: an upgrade through the package
    manager changes it even when a wrapper hides the compiler's file."""
    env = os.environ if environ is None else environ
    parts = []
    for name, commands, variable in COMPILERS:
        path = locate(commands, variable, env)
        if path is None:
            parts.append(f"{name}=absent")
            continue
        parts.append(f"{name}={path}->{stat_line(os.path.realpath(path))}")
        parts += behind_wrapper(path, os.path.basename(path), env)
    parts += [stat_line(database) for database in PACKAGE_DATABASES]
    return "\n".join(parts)
