"""``serve --workers N``: pre-forked worker processes, and how they share the port.

Each worker is a forked copy of the server with its own event loop. Where the kernel
can balance connections (:data:`wheelmill._platform.net.BALANCED`, Linux), each
worker has its own listening socket on the port; elsewhere they share one. If one
worker dies, all are stopped and :func:`run_workers` raises: a supervisor restarts
the whole server rather than run on with fewer workers than asked for.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
from collections.abc import Callable

from .._exceptions import ServeError
from .._platform import net as _platform_net


def listeners(sock: socket.socket, workers: int) -> list[socket.socket]:
    """One listening socket per worker: ``sock`` and more on its port where the kernel
    balances between them, else ``sock`` for every worker."""
    if workers > 1 and _platform_net.BALANCED:
        return _platform_net.balanced_listeners(sock, workers)
    return [sock] * workers


def run_workers(socks: list[socket.socket], work: Callable[[socket.socket], None]) -> None:
    """Fork one worker per socket, each running ``work(its socket)``, until SIGINT/SIGTERM."""
    children: list[int] = []
    died: tuple[int, int] | None = None
    signal.signal(signal.SIGTERM, _interrupt)  # from now on it stops the workers too
    try:
        for sock in socks:
            pid = os.fork()
            if pid == 0:  # pragma: no cover - runs in the child
                try:
                    for other in socks:
                        if other is not sock:
                            other.close()  # its connections are another worker's
                    work(sock)
                finally:
                    os._exit(0)
            children.append(pid)
        died = _wait_children(children)
    finally:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        for pid in children:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
    if died is not None:
        raise ServeError(
            f"worker {died[0]} stopped unexpectedly (status {died[1]}); all workers were "
            "stopped: restart `wheelmill serve`"
        )


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _wait_children(children: list[int]) -> tuple[int, int] | None:
    """Wait for ^C/SIGTERM (``None``) or a worker's death: ``(pid, status)``.

    A dead worker is removed from ``children`` (its pid may be reused).
    """
    try:
        while children:
            pid, status = os.wait()
            if pid in children:
                children.remove(pid)
                return pid, status  # one worker died: stop all, let the supervisor restart
    except KeyboardInterrupt:
        return None
    return None
