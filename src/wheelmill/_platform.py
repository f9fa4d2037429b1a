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
"""

from __future__ import annotations

import contextlib
import ctypes
import sys
from pathlib import Path

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
