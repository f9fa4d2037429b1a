"""Run a build so that it cannot outlive wheelmill.

``python -m wheelmill.build._supervise PARENT_PID MEMORY_MB COMMAND…`` is started as the leader
of a new process group. On Linux it asks the kernel to send it SIGTERM when
its parent dies (``PR_SET_PDEATHSIG``), and on SIGTERM it kills its whole group:
the build frontend, the backend and any compiler they started. So even a
``kill -9`` of ``wheelmill build`` leaves no build running in the background.
A non-zero ``MEMORY_MB`` caps the address space of the whole build (``RLIMIT_AS``).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import resource
import signal
import subprocess
import sys
from types import FrameType

_PR_SET_PDEATHSIG = 1


def _kill_group(signum: int, frame: FrameType | None) -> None:
    os.killpg(0, signal.SIGKILL)


def main(argv: list[str]) -> int:
    parent, memory_mb, command = int(argv[0]), int(argv[1]), argv[2:]
    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    signal.signal(signal.SIGTERM, _kill_group)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before the death signal was armed
        return 1
    return subprocess.call(command)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
