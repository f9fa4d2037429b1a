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
resource limits (``resource``; none on Windows); the Linux means of confining a
build further (a cgroup v2 ``memory.max``, the bubblewrap and ``unshare --net``
command prefixes with a probe; :mod:`wheelmill.build._sandbox` chooses); and the
question to the distro's package index of which package ships a file
(``apt-file``, ``dnf provides``). CI runs on Linux only: the Windows branches
are written to the documented APIs but not tested here.

Two submodules keep this one small: :mod:`.limits` (resource limits and cgroups,
re-exported here), :mod:`.net` (the server's listening sockets and event loop) and
:mod:`.dirs` (the per-user cache directory).
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from pathlib import Path

# ctypes and subprocess load where used: taking a file lock (publish) needs neither.
from .limits import (
    cap_address_space,
    cgroup_memory_cap,
    cgroup_oom_kills,
    descriptor_limit,
    leave_cgroup,
    memory_cap_mechanism,
    set_descriptor_limit,
)

TYPE_CHECKING = False  # as typing's: a no-op rerun asks .dirs, and loads no typing
if TYPE_CHECKING:
    import subprocess
    from typing import IO, Any

__all__ = [
    "CAN_FORK",
    "KILL",
    "LINUX",
    "MASKED",
    "WINDOWS",
    "become_subreaper",
    "bwrap_prefix",
    "cap_address_space",
    "cgroup_memory_cap",
    "cgroup_oom_kills",
    "closed_parent",
    "command_works",
    "descriptor_limit",
    "leave_cgroup",
    "lock_file",
    "memory_cap_mechanism",
    "netns_prefix",
    "new_group",
    "packages_shipping",
    "reachable_by_others",
    "running_descendants",
    "set_descriptor_limit",
    "signal_group",
    "signal_on_parent_death",
    "unlock_file",
]

_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36
_PROC = Path("/proc")
LINUX = sys.platform.startswith("linux")
WINDOWS = sys.platform == "win32"


def _prctl(option: int, value: int) -> bool:
    if not LINUX:
        return False
    import ctypes

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
#: Whether worker processes can be forked (``serve`` runs one worker without).
CAN_FORK = hasattr(os, "fork")
#: The strongest "stop now" signal there is: SIGKILL, 9 on every POSIX system; Windows
#: has none, and SIGTERM (15) ends the process there. (Spelt out, not taken from
#: :mod:`signal`, whose enums cost a no-op rerun a millisecond to build.)
KILL = 15 if WINDOWS else 9


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
        import subprocess

        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}  # type: ignore[attr-defined]
    return {"start_new_session": True}


def signal_group(process: subprocess.Popen[Any], signum: int) -> None:
    """Send ``signum`` to the group ``process`` leads (on Windows: end its process tree)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if WINDOWS:  # pragma: no cover - not tested here (CI is Linux)
            import subprocess

            subprocess.run(
                ["taskkill", "/T", "/F", "/PID", str(process.pid)],
                capture_output=True,
                check=False,
            )
        else:
            os.killpg(process.pid, signum)


# -- sandboxes ---------------------------------------------------------------------------

#: Directories a sandboxed build sees empty: homes, temp dirs, runtime secrets.
MASKED = ("/root", "/home", "/tmp", "/var/tmp", "/run", "/mnt", "/media")  # noqa: S108


def _masked_parents(paths: list[Path]) -> list[Path]:
    """The directories between a masked directory and each of ``paths``, top down."""
    found: dict[Path, None] = {}
    for path in paths:
        for parent in reversed(path.parents):
            if any(parent.is_relative_to(masked) and parent != Path(masked) for masked in MASKED):
                found.setdefault(parent, None)
    return list(found)


def bwrap_prefix(
    bwrap: str, *, writable: list[Path], readable: list[Path], setpriv: str | None
) -> list[str]:
    """Command prefix running a program under bubblewrap: the whole system read-only,
    :data:`MASKED` empty, no network, its own PID namespace that dies with its
    parent, no capabilities; ``readable`` bound back read-only, ``writable``
    read-write. With ``setpriv`` (wheelmill runs as root) the program runs as
    ``nobody``, without any capability or a way to regain one."""
    argv = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    for masked in MASKED:
        if Path(masked).is_dir() and not Path(masked).is_symlink():
            argv += ["--tmpfs", masked]
    argv += ["--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts"]
    argv += ["--die-with-parent", "--new-session", "--cap-drop", "ALL"]
    if setpriv is not None:  # just what setpriv needs to drop to nobody, then drops it all
        argv += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP"]
    for parent in _masked_parents([*readable, *writable]):  # enterable by nobody
        argv += ["--perms", "0755", "--dir", str(parent)]
    for path in readable:
        argv += ["--ro-bind", str(path), str(path)]
    for path in writable:
        argv += ["--bind", str(path), str(path)]
    argv.append("--")
    if setpriv is not None:
        argv += [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
        argv += ["--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
    return argv


def closed_parent(path: Path) -> Path | None:
    """The first directory above ``path`` outside :data:`MASKED` that does not let
    others in (no ``o+x``), or ``None``."""
    for parent in path.parents:
        if any(parent.is_relative_to(masked) for masked in MASKED):
            continue
        try:
            if not parent.stat().st_mode & 0o001:
                return parent
        except OSError:
            return parent
    return None


def reachable_by_others(path: Path) -> bool:
    """Whether every directory above ``path`` outside :data:`MASKED` lets others in."""
    return closed_parent(path) is None


def netns_prefix(unshare: str) -> list[str]:
    """Command prefix running a program in a network namespace of its own (no network)."""
    return [unshare, "--map-root-user", "--net", "--"]


def command_works(argv: list[str]) -> bool:
    """Whether ``argv`` runs and exits 0 within a few seconds (probing a sandbox)."""
    return _answer(argv, timeout=20) is not None


#: dnf's "name-version-release.arch : summary" line (an epoch "N:" may precede the version).
_DNF_PROVIDES = r"^(?P<name>\S+?)-(?:\d+:)?\d[^\s-]*-[^\s-]+\.\w+\s+:"  # compiled where used


def _answer(argv: list[str], timeout: float = 30) -> str | None:
    """Standard output of ``argv`` when it exits 0 within ``timeout`` s, else None."""
    import subprocess

    try:
        done = subprocess.run(
            argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def packages_shipping(path: str) -> tuple[str, tuple[str, ...]] | None:
    """The distro packages shipping a file whose path ends with ``/path`` (a header, a
    ``*-config`` script, a ``.pc`` file), from this machine's package index: ``apt-file``
    (Debian, Ubuntu; its index updated) or ``dnf provides`` (Fedora, RHEL). Development
    packages are preferred. ``("debian"|"fedora", names)``, or None when neither knows."""
    needle = "/" + path.lstrip("/")
    for distro, tool, argv, dev_suffix in (
        ("debian", "apt-file", ["--package-only", "search", needle], "-dev"),
        ("fedora", "dnf", ["--quiet", "provides", "*" + needle], "-devel"),
    ):
        import shutil  # not loaded by a publish

        found = shutil.which(tool)
        out = _answer([found, *argv]) if found else None
        lines = (out or "").splitlines()
        if distro == "debian":
            names = sorted({line.strip() for line in lines if line.strip()})
        else:
            names = sorted({m["name"] for line in lines if (m := re.match(_DNF_PROVIDES, line))})
        if names:
            dev = [name for name in names if name.endswith(dev_suffix)]
            return distro, tuple(dev or names)
    return None
