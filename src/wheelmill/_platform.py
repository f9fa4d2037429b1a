"""The operating-system specific part of keeping build processes contained.

Linux offers two kernel features wheelmill's supervisor relies on:

* a *child subreaper* (``PR_SET_CHILD_SUBREAPER``): a process whose parent dies
  is re-parented to its nearest subreaper ancestor instead of ``init``, so a
  daemon (double fork, ``setsid``) stays a descendant of the supervisor and can
  be found in ``/proc``;
* a *parent-death signal* (``PR_SET_PDEATHSIG``): the supervisor is told when
  wheelmill dies, even by ``kill -9``.

Elsewhere (macOS, other Unixes) both calls do nothing and report so; the
supervisor then relies on the build's process group and on polling its parent.

The rest of the operating-system specific calls live here too, each with a
portable fallback: file locks (``flock``; ``msvcrt.locking`` on Windows),
process groups (sessions; Windows process groups and ``taskkill /T``), and
resource limits (``resource``; none on Windows). CI runs on Linux only: the
Windows branches are written to the documented APIs but not tested here.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import IO, Any

_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36
_PROC = Path("/proc")
LINUX = sys.platform.startswith("linux")


def _prctl(option: int, value: int) -> bool:
    if not LINUX:
        return False
    with contextlib.suppress(OSError, AttributeError):
        return int(ctypes.CDLL(None, use_errno=True).prctl(option, value, 0, 0, 0)) == 0
    return False


def become_subreaper() -> bool:
    """Adopt every orphaned descendant (Linux); ``False`` where the system cannot."""
    return _prctl(_PR_SET_CHILD_SUBREAPER, 1)


def signal_on_parent_death(signum: int) -> bool:
    """Have ``signum`` sent to this process when its parent dies (Linux)."""
    return _prctl(_PR_SET_PDEATHSIG, signum)


def _parents() -> dict[int, tuple[int, bool]] | None:
    """``pid -> (parent pid, running)`` for every process in ``/proc``; ``None`` without it."""
    if not LINUX or not _PROC.is_dir():
        return None
    table: dict[int, tuple[int, bool]] = {}
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # it ended meanwhile
            continue
        # "pid (command) state ppid ...": the command may hold spaces and parentheses.
        fields = stat.rpartition(")")[2].split()
        if len(fields) >= 2:
            table[int(entry.name)] = (int(fields[1]), fields[0] not in ("Z", "X"))
    return table


def running_descendants(ancestor: int) -> list[int] | None:
    """PIDs of the running (not zombie) descendants of ``ancestor``; ``None`` if unknowable."""
    table = _parents()
    if table is None:
        return None
    children: dict[int, list[int]] = {}
    for pid, (parent, _running) in table.items():
        children.setdefault(parent, []).append(pid)
    found: list[int] = []
    todo = list(children.get(ancestor, ()))
    while todo:
        pid = todo.pop()
        if table[pid][1]:
            found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


# -- file locks, process groups, descriptor limits: POSIX, with a Windows fallback -----

WINDOWS = sys.platform == "win32"
#: Whether worker processes can be forked (``serve`` runs one worker without).
CAN_FORK = hasattr(os, "fork")
#: The strongest "stop now" signal there is (Windows has no SIGKILL).
KILL = getattr(signal, "SIGKILL", signal.SIGTERM)


def lock_file(handle: IO[str], *, shared: bool, wait: bool) -> bool:
    """Lock an open file (``flock``; on Windows a byte-range lock, always exclusive).
    ``False`` when ``wait`` is false and another process holds it. The system drops
    the lock when the process dies."""
    if WINDOWS:  # pragma: no cover - not tested here (CI is Linux)
        import msvcrt

        mode = msvcrt.LK_LOCK if wait else msvcrt.LK_NBLCK  # type: ignore[attr-defined]
        try:
            msvcrt.locking(handle.fileno(), mode, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True
    import fcntl

    flags = (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | (0 if wait else fcntl.LOCK_NB)
    try:
        fcntl.flock(handle, flags)
    except BlockingIOError:
        return False
    return True


def unlock_file(handle: IO[str]) -> None:
    if WINDOWS:  # pragma: no cover - not tested here (CI is Linux)
        import msvcrt

        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
        return
    import fcntl

    fcntl.flock(handle, fcntl.LOCK_UN)


def new_group() -> dict[str, Any]:
    """``Popen`` arguments that start a process as the leader of a group of its own."""
    if WINDOWS:  # pragma: no cover - not tested here (CI is Linux)
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}  # type: ignore[attr-defined]
    return {"start_new_session": True}


def signal_group(process: subprocess.Popen[Any], signum: int) -> None:
    """Send ``signum`` to the group ``process`` leads (on Windows: end its process tree)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if WINDOWS:  # pragma: no cover - not tested here (CI is Linux)
            subprocess.run(
                ["taskkill", "/T", "/F", "/PID", str(process.pid)],
                capture_output=True,
                check=False,
            )
        else:
            os.killpg(process.pid, signum)


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
