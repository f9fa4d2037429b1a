"""Ctrl-C while pins are settled: say so, stop at once, exit 130.

The first Ctrl-C prints one line and asks the run to stop (no new pin, no
remediation retry; running builds are killed). The run then ends with
:class:`~wheelmill._cancel.Cancelled`, which the command group turns into exit
code 130. A second Ctrl-C kills the running builds' process groups and exits at
once. Outside the settling of pins (locking, publishing) Ctrl-C interrupts as usual.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType

from .._cancel import Cancel
from ._render import Progress


def _builds(count: int) -> str:
    return f"{count} running build{'' if count == 1 else 's'}"


@contextlib.contextmanager
def stop_on_ctrl_c(progress: Progress) -> Iterator[Cancel]:
    """A :class:`Cancel` for one run, requested by Ctrl-C while the block runs."""
    cancel = Cancel()
    if threading.current_thread() is not threading.main_thread():
        yield cancel  # signal handlers belong to the main thread
        return

    def interrupted(signum: int, frame: FrameType | None) -> None:
        if not cancel.active:
            raise KeyboardInterrupt
        if not cancel.requested:
            running = cancel.request()
            progress.note(
                f"interrupted: stopping; waiting for {_builds(running)} to stop "
                "(Ctrl-C again to kill them)"
            )
            return
        cancel.kill()
        progress.__exit__(None, None, None)  # give the terminal its cursor back
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(130)  # worker threads would otherwise be waited for

    previous = signal.signal(signal.SIGINT, interrupted)
    try:
        yield cancel
    finally:
        signal.signal(signal.SIGINT, previous)
