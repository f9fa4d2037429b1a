"""Resource limits, POSIX with fallbacks: open files and address space (``resource``;
none on Windows), and on Linux a cgroup v2 ``memory.max`` for one build."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

TYPE_CHECKING = False  # as typing's: the package loads without typing (see dirs.py)
if TYPE_CHECKING:
    from ..outcomes import MemoryCap

_LINUX = sys.platform.startswith("linux")
_WINDOWS = sys.platform == "win32"


def descriptor_limit() -> tuple[int | None, int | None]:
    """(soft, hard) limit on open files; ``None`` for no limit or no such notion."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return None, None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    infinite = resource.RLIM_INFINITY
    return (None if soft == infinite else soft), (None if hard == infinite else hard)


def set_descriptor_limit(soft: int) -> bool:
    """Raise the soft limit on open files to ``soft`` (at most the hard limit)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return False
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    except (ValueError, OSError):
        return False
    return True


def cap_address_space(megabytes: int) -> bool:
    """Cap this process's (and its children's) address space; ``False`` where impossible."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return False
    limit = megabytes * 1024 * 1024
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError):
        return False
    return True


def _cgroup2_mount() -> Path | None:
    """Where the cgroup v2 hierarchy is mounted (``/sys/fs/cgroup`` or ``…/unified``)."""
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        before, _, after = line.partition(" - ")
        if after.split(" ", 1)[0] == "cgroup2":
            return Path(before.split()[4])
    return None


def _own_cgroup() -> str | None:
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    return next((line[3:] for line in lines if line.startswith("0::")), None)


def cgroup_memory_cap(memory_mb: int, name: str) -> Path | None:
    """Move this process into a new cgroup v2 child whose ``memory.max`` is ``memory_mb``.

    Returns the new cgroup (hand it to :func:`leave_cgroup` when done), or
    ``None`` with nothing changed where there is no writable cgroup v2 hierarchy
    with the memory controller: the caller relies on the address-space limit then.
    """
    if not _LINUX or memory_mb <= 0:
        return None
    mount, own = _cgroup2_mount(), _own_cgroup()
    if mount is None or own is None:
        return None
    parent = mount / own.lstrip("/")
    child = parent / name
    try:
        if "memory" not in (parent / "cgroup.subtree_control").read_text().split():
            return None
        child.mkdir()
    except OSError:
        return None
    try:
        (child / "memory.max").write_text(f"{memory_mb * 1024 * 1024}\n")
        with contextlib.suppress(OSError):  # no swap accounting: memory.max alone
            (child / "memory.swap.max").write_text("0\n")
        (child / "cgroup.procs").write_text(f"{os.getpid()}\n")
    except OSError:
        with contextlib.suppress(OSError):
            child.rmdir()
        return None
    return child


def memory_cap_mechanism() -> MemoryCap:
    """How a build's ``memory_mb`` would be capped here, without changing anything:
    ``cgroup-v2`` where this process's cgroup v2 parent has the memory controller and
    is writable, else ``rlimit-as`` (any POSIX system), else ``none``."""
    if _LINUX:
        mount, own = _cgroup2_mount(), _own_cgroup()
        if mount is not None and own is not None:
            parent = mount / own.lstrip("/")
            with contextlib.suppress(OSError):
                controllers = (parent / "cgroup.subtree_control").read_text().split()
                if "memory" in controllers and os.access(parent, os.W_OK):
                    return "cgroup-v2"
    return "none" if _WINDOWS else "rlimit-as"


def cgroup_oom_kills(child: Path) -> int:
    """How many processes the kernel killed in ``child`` for exceeding ``memory.max``."""
    with contextlib.suppress(OSError, ValueError):
        for line in (child / "memory.events").read_text().splitlines():
            name, _, count = line.partition(" ")
            if name == "oom_kill":
                return int(count)
    return 0


def leave_cgroup(child: Path) -> None:
    """Move this process back to the parent of ``child`` and remove ``child`` (now empty)."""
    with contextlib.suppress(OSError):
        (child.parent / "cgroup.procs").write_text(f"{os.getpid()}\n")
        child.rmdir()
