"""Which sandbox a build's backend runs in, chosen by what this machine has.

Building an sdist runs its author's code. The backend hooks (the only place
that code runs) are started inside the strongest sandbox that works here:

* ``bubblewrap`` (the ``bwrap`` program): the whole system read-only; homes,
  temp directories and ``/run`` empty; only the build directory writable; no
  network, no capabilities, a PID namespace that dies with wheelmill; when
  wheelmill runs as root (and ``setpriv`` exists), as user ``nobody`` too;
* ``netns`` (``unshare --map-root-user --net``): no network only;
* ``none``: nothing (``sandbox = "off"``, or neither works here).

``sandbox = "auto"`` takes the best; ``"strict"`` refuses to build without
bubblewrap, and, when wheelmill runs as root, without the drop to ``nobody``
(each refusal one line saying what to install or change). ``WHEELMILL_BWRAP``
/ ``WHEELMILL_UNSHARE`` name the programs (an empty value: not available). Each
tier is probed once per process, by starting the interpreter in it.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from .. import _platform
from .._exceptions import SandboxUnavailable
from ..outcomes import SandboxTier

SANDBOX_MODES = ("auto", "strict", "off")
#: The user an unprivileged build runs as when wheelmill runs as root.
NOBODY = 65534
INSTALL_HINT = (
    "install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install "
    'bubblewrap) and allow user namespaces, or set sandbox = "auto"'
)
#: bubblewrap is there but cannot make its namespaces (a kernel or container policy).
NAMESPACES_HINT = (
    "bubblewrap is installed but cannot create user namespaces here: allow them "
    "(sysctl kernel.unprivileged_userns_clone=1; on Ubuntu 24.04 "
    "kernel.apparmor_restrict_unprivileged_userns=0; in a container "
    '--security-opt seccomp=unconfined), or set sandbox = "auto"'
)
#: As root, dropping to ``nobody`` needs ``setpriv``.
SETPRIV_HINT = (
    "setpriv is missing, so builds would run as root: install util-linux (Debian/Ubuntu: "
    "apt-get install util-linux; Fedora: dnf install util-linux-core)"
)


@dataclass(frozen=True)
class Sandbox:
    """A working sandbox: its tier and how to start a command in it."""

    tier: SandboxTier
    program: str | None = None
    #: ``setpriv`` when the build drops to :data:`NOBODY` (wheelmill runs as root).
    setpriv: str | None = None
    #: Why a build stays root inside bubblewrap although wheelmill runs as root
    #: (and what to do about it), or ``None``.
    as_root: str | None = None

    @property
    def uid(self) -> int | None:
        """The uid the build runs as, when it is not wheelmill's."""
        return NOBODY if self.setpriv else None

    def describe(self) -> str:
        """The tier in words, for logs and ``doctor``."""
        if self.tier == "bubblewrap":
            who = f", uid {NOBODY}" if self.uid is not None else ""
            why = f"; as root: {self.as_root}" if self.as_root else ""
            return f"bubblewrap (read-only system, no network, no secrets{who}){why}"
        if self.tier == "netns":
            return "netns (no network; the file system and home are reachable)"
        return "none (the build can reach the network, the file system and home)"

    def prefix(self, *, writable: list[Path], readable: list[Path]) -> list[str]:
        """The command prefix starting a program in this sandbox."""
        if self.tier == "bubblewrap" and self.program:
            return _platform.bwrap_prefix(
                self.program, writable=writable, readable=readable, setpriv=self.setpriv
            )
        if self.tier == "netns" and self.program:
            return _platform.netns_prefix(self.program)
        return []


def _program(variable: str, name: str) -> str | None:
    if variable in os.environ:
        named = os.environ[variable]
        return shutil.which(named) if named else None
    return shutil.which(name)


@lru_cache(maxsize=32)
def _probe(
    bwrap: str | None,
    unshare: str | None,
    setpriv: str | None,
    python: str,
    readable: tuple[Path, ...],
    root: bool = False,
) -> tuple[Sandbox, ...]:
    """The sandboxes in which ``python`` starts, strongest first."""
    works: list[Sandbox] = []
    command = [python, "-I", "-c", "pass"]
    with tempfile.TemporaryDirectory(prefix="wheelmill-probe-") as scratch:
        where = [Path(scratch)]
        if bwrap:
            plain = Sandbox("bubblewrap", bwrap, as_root=SETPRIV_HINT if root else None)
            candidates = [plain]
            if setpriv:  # root: as nobody where it can read the interpreter, else as root
                candidates = [Sandbox("bubblewrap", bwrap, setpriv), replace(plain, as_root=(
                    f"user nobody cannot start {python}: make it and its installation "
                    f"readable by others (chmod -R o+rX {Path(python).parent.parent})"
                ))]  # fmt: skip
            for candidate in candidates:
                prefix = candidate.prefix(writable=where, readable=list(readable))
                if _platform.command_works(prefix + command):
                    works.append(candidate)
                    break
        if unshare and _platform.command_works(_platform.netns_prefix(unshare) + command):
            works.append(Sandbox("netns", unshare))
    return (*works, Sandbox("none"))


def available(*pythons: str) -> tuple[Sandbox, ...]:
    """The sandboxes that work here for builds run by ``pythons`` (the first starts
    the hooks), strongest first (``none`` always last)."""
    if not _platform.LINUX:
        return (Sandbox("none"),)
    python = pythons[0] if pythons else sys.executable
    root = hasattr(os, "geteuid") and os.geteuid() == 0
    return _probe(
        _program("WHEELMILL_BWRAP", "bwrap"),
        _program("WHEELMILL_UNSHARE", "unshare"),
        shutil.which("setpriv") if root else None,
        python,
        tuple(interpreter_paths(python, *pythons[1:])),
        root,
    )


def choose_sandbox(mode: str, *pythons: str) -> Sandbox:
    """The sandbox for ``mode`` (``auto``, ``strict``, ``off``) and the interpreters
    ``pythons``; :class:`SandboxUnavailable` when ``strict`` and bubblewrap does not
    work here."""
    if mode == "off":
        return Sandbox("none")
    best = available(*pythons)[0]
    if mode == "strict" and best.tier != "bubblewrap":
        hint = NAMESPACES_HINT if _program("WHEELMILL_BWRAP", "bwrap") else INSTALL_HINT
        raise SandboxUnavailable(
            f'sandbox = "strict" needs bubblewrap, which does not work here: {hint}'
        )
    if mode == "strict" and best.as_root:
        raise SandboxUnavailable(_as_root_refusal(best.as_root))
    return best


def _as_root_refusal(reason: str) -> str:
    return (
        f'sandbox = "strict" runs builds as user nobody when wheelmill runs as root, but '
        f'{reason}; or set sandbox = "auto"'
    )


def for_directory(box: Sandbox, workdir: Path, *, strict: bool = False) -> Sandbox:
    """``box`` for a build in ``workdir``: as root rather than ``nobody`` when a
    directory above ``workdir`` (outside the masked ones) does not let others in
    (:class:`SandboxUnavailable` instead when ``strict``)."""
    closed = _platform.closed_parent(workdir.resolve()) if box.setpriv is not None else None
    if closed is None:
        return box
    reason = (
        f"user nobody cannot enter {closed}, above the build directory: let others "
        f"through it (chmod o+x {closed}), or move the wheelhouse"
    )
    if strict:
        raise SandboxUnavailable(_as_root_refusal(reason))
    return replace(box, setpriv=None, as_root=reason)


def interpreter_paths(*pythons: str) -> list[Path]:
    """What a build needs to read of its interpreters, where the sandbox hides it.

    A virtual environment's directory and its base installation, when they lie
    in a masked directory (a home, a temp directory): they are bound back
    read-only. Elsewhere (``/usr``, ``/opt``) the read-only system holds them.
    """
    found: dict[Path, None] = {}
    for python in pythons:
        path = Path(python).absolute()
        candidates = [path.parent.parent, Path(os.path.realpath(path)).parent.parent]
        if path == Path(sys.executable).absolute():
            candidates += [Path(sys.prefix), Path(sys.base_prefix)]
        for candidate in candidates:
            if any(candidate.is_relative_to(masked) for masked in _platform.MASKED):
                found.setdefault(candidate, None)
    return list(found)
