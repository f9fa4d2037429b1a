"""Run a build step (or any tool that may run build code) so nothing it starts outlives it.

:func:`run_supervised` starts ``python -m wheelmill.build._supervise PARENT_PID
MEMORY_MB CAP_FILE COMMAND…`` in a new session; that supervisor runs the command in a
process group of its own and, when the command ends (success or failure), when
it is told to stop (wheelmill's timeout, Ctrl-C), or when wheelmill dies (even
by ``kill -9``), kills every process the command left behind before it exits:

* on Linux it is a *child subreaper*, so even a daemon that left the group
  with ``setsid`` after a double fork is re-parented to it; it kills all its
  descendants (found in ``/proc``) again and again until none is left, and is
  sent SIGTERM by the kernel when wheelmill dies;
* elsewhere it kills the command's process group, and notices wheelmill's death
  by polling its parent PID;
* on Windows there is no supervisor: the command runs as a new process group
  and a timeout or stop ends its whole process tree (``taskkill /T``); daemons
  that detach are not followed there.

A non-zero ``MEMORY_MB`` caps the memory of the whole step: with a cgroup v2
``memory.max`` where the hierarchy is writable (the kernel kills the step when it
is exceeded, and the supervisor says so in the log), else with an address-space
limit (``RLIMIT_AS``: allocations beyond it fail, e.g. ``MemoryError``). Which
one it used is written to ``CAP_FILE`` (``-``: nowhere) as a :data:`MemoryCap`
(:func:`memory_cap_used` reads it) and said in the log.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from pathlib import Path

from .. import _platform

TYPE_CHECKING = False  # as typing's: the supervisor, started once per build step, loads
if TYPE_CHECKING:  # neither typing nor subprocess (wheelmill's side imports those itself)
    import subprocess
    from collections.abc import Mapping
    from types import FrameType
    from typing import IO

    from ..outcomes import MemoryCap

#: How often the supervisor looks at its command and its parent (seconds).
_POLL = 0.05
#: How long wheelmill gives a stopped supervisor to clean up before killing it.
_GRACE = 10.0
#: How long the supervisor keeps killing descendants that keep appearing.
_SWEEP_LIMIT = 10.0


# -- wheelmill's side --------------------------------------------------------------------


def run_supervised(
    argv: list[str],
    *,
    env: Mapping[str, str],
    output: IO[bytes],
    cwd: Path | None = None,
    timeout: float | None = None,
    memory_mb: int = 0,
    cap_file: Path | None = None,
) -> int | None:
    """Run ``argv`` with stdout and stderr going to ``output``; ``None`` when it timed out.

    When this returns or raises, every process the command started has ended.
    ``cap_file`` receives how the memory was capped (:func:`memory_cap_used`).
    """
    import subprocess

    from .._cancel import track

    supervisor = [
        sys.executable,
        "-m",
        "wheelmill.build._supervise",
        str(os.getpid()),
        str(memory_mb),
        str(cap_file) if cap_file is not None else "-",
    ]
    if _platform.WINDOWS:  # pragma: no cover - the supervisor is POSIX; a process tree there
        supervisor = []
    process = subprocess.Popen(
        [*supervisor, *argv],
        env=dict(env),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=output,
        stderr=subprocess.STDOUT,
        **_platform.new_group(),
    )
    untrack = track(process)  # a stopped run (Ctrl-C) terminates it
    try:
        return process.wait(timeout=timeout or None)
    except subprocess.TimeoutExpired:
        _stop(process)
        return None
    except BaseException:
        _stop(process)
        raise
    finally:
        untrack()


def memory_cap_used(cap_file: Path) -> MemoryCap:
    """How the supervisor that wrote ``cap_file`` capped the memory (``none`` when it
    wrote nothing: no cap asked for, or it did not start)."""
    try:
        text = cap_file.read_text("utf-8").strip()
    except OSError:
        return "none"
    return "cgroup-v2" if text == "cgroup-v2" else "rlimit-as" if text == "rlimit-as" else "none"


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Have the supervisor end its step; kill its session's group if it does not."""
    import subprocess

    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=_GRACE)
    except subprocess.TimeoutExpired:
        _platform.signal_group(process, _platform.KILL)
        process.wait()


# -- the supervisor ----------------------------------------------------------------------


_stopping: list[int] = []


def _note_stop(signum: int, frame: FrameType | None) -> None:
    _stopping.append(signum)


def _reap() -> None:
    """Collect every child that has ended (adopted orphans included)."""
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0] != 0:
            pass


def _end_everything(group: int) -> None:
    """Kill the command's process group and every descendant, until none is running."""
    deadline = time.monotonic() + _SWEEP_LIMIT
    while True:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGKILL)
        left = _platform.running_descendants(os.getpid()) or []
        for pid in left:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        _reap()
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    _reap()


def _wait(child: int, parent: int) -> int:
    """Wait for ``child`` (reaping adopted orphans meanwhile); its exit code.

    A stop signal, or wheelmill's death where no death signal exists, ends the
    wait early with the code of a command killed by SIGTERM.
    """
    while True:
        pid, status = os.waitpid(-1, os.WNOHANG)
        if pid == child:
            return os.waitstatus_to_exitcode(status)
        if pid == 0:
            if _stopping or os.getppid() != parent:
                return 128 + signal.SIGTERM
            time.sleep(_POLL)


def _cap_memory(memory_mb: int, cap_file: str) -> Path | None:
    """Cap this process's memory (and its children's); the cgroup made, if any. The
    mechanism used goes to ``cap_file`` and, when a cap was asked for, to the log."""
    cgroup = _platform.cgroup_memory_cap(memory_mb, f"wheelmill-{os.getpid()}")
    used: MemoryCap = "none"
    if cgroup is not None:
        used = "cgroup-v2"
        print(f"wheelmill: memory cap: cgroup v2 memory.max {memory_mb} MB", file=sys.stderr)
    elif memory_mb > 0 and _platform.cap_address_space(memory_mb):
        used = "rlimit-as"
        print(
            f"wheelmill: memory cap: address-space limit (RLIMIT_AS) {memory_mb} MB "
            "(no writable cgroup v2 memory controller here)",
            file=sys.stderr,
        )
    elif memory_mb > 0:
        print("wheelmill: memory cap: none could be set here", file=sys.stderr)
    if cap_file != "-":
        with contextlib.suppress(OSError):
            Path(cap_file).write_text(f"{used}\n", "utf-8")
    return cgroup


def main(argv: list[str]) -> int:
    parent, memory_mb, cap_file, command = int(argv[0]), int(argv[1]), argv[2], argv[3:]
    cgroup = _cap_memory(memory_mb, cap_file)
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, _note_stop)
    _platform.become_subreaper()
    _platform.signal_on_parent_death(signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before the death signal was armed
        return 1
    try:
        child = os.posix_spawnp(command[0], command, dict(os.environ), setpgroup=0)
    except OSError as exc:
        print(f"wheelmill: cannot run {command[0]}: {exc}", file=sys.stderr)
        return 127
    try:
        return _wait(child, parent)
    finally:
        _end_everything(child)
        if cgroup is not None:
            if _platform.cgroup_oom_kills(cgroup):
                print(
                    f"wheelmill: the build was killed: out of memory (memory.max {memory_mb} MB)",
                    file=sys.stderr,
                )
            _platform.leave_cgroup(cgroup)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
