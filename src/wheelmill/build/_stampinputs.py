"""What a no-op stamp's digest covers (:func:`inputs_digest`): every input of a
rerun's outcome besides the wheelhouse's files (see :mod:`.stamp`).

Imports stay light here: the digest is computed before the build machinery loads.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from .. import __version__
from .._exceptions import WheelmillError
from .._sha256 import sha256
from .key import BUILD_ENV_VARIABLES, KEY_SCHEMA

TYPE_CHECKING = False  # as typing's: a no-op answer does not load typing (see cli/_noop.py)
if TYPE_CHECKING:
    from ..config import Config

#: Bumped whenever what a stamp holds or covers changes: older stamps then never match.
SCHEMA = 3
#: Environment variables that decide which compilers and interpreters are found.
_FINDING = ("PATH", "CC", "CXX", "FC", "HOME", "PYENV_ROOT", "RUSTUP_HOME", "RUSTUP_TOOLCHAIN")


def _file_stat(path: str | None) -> str:
    if not path:
        return "absent"
    try:
        info = os.stat(path)
    except OSError:
        return f"{path}:unreadable"
    return f"{os.path.realpath(path)}:{info.st_ino}:{info.st_size}:{info.st_mtime_ns}"


def _interpreters(specs: Sequence[str], base: Path | None) -> list[str] | None:
    """Each target as the interpreter file it names (with its stat); ``None`` when one
    cannot be told without running it (the full path then reports the problem)."""
    found = []
    for spec in specs or ["current"]:
        if spec.strip() in ("", "current"):  # the running interpreter: stated on its own
            found.append("current")
            continue
        from ..target import interpreter_of

        try:
            where = interpreter_of(spec, base=base)
        except (WheelmillError, OSError):  # a bad target: the full path says so
            return None
        found.append(f"{spec}={where}:{_file_stat(where) if os.sep in where else ''}")
    return found


def inputs_digest(
    config: Config,
    lock: Path,
    *,
    command: str,
    specs: Sequence[str],
    base: Path | None,
    extra: Sequence[str] = (),
) -> str | None:
    """A digest of everything but the wheelhouse's files that a no-op's outcome depends
    on; ``None`` when there is none to trust (an unreadable lock, an odd target)."""
    lines = input_lines(config, lock, command=command, specs=specs, base=base)
    if lines is None:
        return None
    return sha256("\n".join([*lines, *extra]).encode()).hexdigest()


def input_lines(
    config: Config, lock: Path, *, command: str, specs: Sequence[str], base: Path | None
) -> list[str] | None:
    """What :func:`inputs_digest` hashes, one input a line."""
    from ._compilers import compilers_stat

    try:
        lock_bytes = lock.read_bytes()
    except OSError:
        return None
    interpreters = _interpreters(specs, base)
    if interpreters is None:
        return None
    machine, libc = _machine()
    names = sorted({*BUILD_ENV_VARIABLES, *_FINDING})
    return [
        f"schema {SCHEMA} {KEY_SCHEMA} wheelmill {__version__} {command}",
        f"lock {lock.absolute()} {sha256(lock_bytes).hexdigest()}",
        f"config {config!r}",
        f"cwd {os.getcwd()}",
        f"python {sys.executable} {_file_stat(sys.executable)} {sys.version}",
        f"machine {machine}",
        f"libc {libc}",
        *(f"target {line}" for line in interpreters),
        *(f"env {name}={os.environ.get(name)}" for name in names),
        f"compilers {compilers_stat()}",
    ]


def _machine() -> tuple[str, str]:
    """The kernel (``uname``) and the C library: ``os`` has them on POSIX systems
    without loading :mod:`platform`; elsewhere :mod:`platform` says."""
    if hasattr(os, "uname") and hasattr(os, "confstr"):
        uname = os.uname()
        try:
            libc = os.confstr("CS_GNU_LIBC_VERSION") or ""
        except (ValueError, OSError):  # not glibc
            libc = ""
        return f"{uname.sysname} {uname.release} {uname.version} {uname.machine}", libc
    import platform

    facts = platform.uname()
    machine = f"{facts.system} {facts.release} {facts.version} {facts.machine}"
    return machine, " ".join(platform.libc_ver())
