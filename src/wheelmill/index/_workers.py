"""A process pool whose workers die with the process that started them.

A worker of :class:`concurrent.futures.ProcessPoolExecutor` waits on a pipe that
its siblings also hold open: when the parent is killed (``kill -9``, the OOM
killer) nothing tells it, and it waits forever. Each worker here therefore asks
Linux to kill it when its parent dies (``PR_SET_PDEATHSIG``), and everywhere
also runs a small thread that ends the worker once its parent is gone.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterable
from typing import TypeVar

from .. import _platform

_T = TypeVar("_T")
_R = TypeVar("_R")
_POLL_SECONDS = 0.25


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - someone else's process now has the pid
        return True
    return True


def _watch(owner: int, parent: int) -> None:
    while True:
        time.sleep(_POLL_SECONDS)
        if os.getppid() != parent or not _alive(owner):
            os._exit(1)


def die_with(owner: int) -> None:
    """Pool initializer: end this worker when process ``owner`` (the pool's) dies."""
    _platform.signal_on_parent_death(signal.SIGKILL)  # Linux; elsewhere the thread below
    parent = os.getppid()  # the owner, or a fork server that lives as long as it
    if not _alive(owner):  # it died before the signal was asked for
        os._exit(1)
    threading.Thread(target=_watch, args=(owner, parent), daemon=True).start()


def map_in_pool(function: Callable[[_T], _R], items: Iterable[_T], workers: int) -> list[_R]:
    """``[function(item) for item in items]``, in ``workers`` processes."""
    from concurrent.futures import ProcessPoolExecutor  # multiprocessing: only when needed

    with ProcessPoolExecutor(
        max_workers=workers, initializer=die_with, initargs=(os.getpid(),)
    ) as pool:
        return list(pool.map(function, items))
