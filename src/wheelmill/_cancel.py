"""Stopping a run part-way (Ctrl-C): nothing new starts, running builds are killed.

:class:`Cancel` is shared by everything one :func:`wheelmill.build.batch.prebuild`
run does. The CLI calls :meth:`Cancel.request` on the first Ctrl-C: pins not
started yet are skipped, no remediation retry starts, and every build step
running under :mod:`wheelmill.build._supervise` is told to stop (its supervisor kills
all it started). The pins being settled then end with :class:`Cancelled`, and
nothing about them is recorded: the next run settles them again. A second
Ctrl-C calls :meth:`Cancel.kill`.

Build steps register their supervisor process with :func:`track`; the worker
thread settling a pin says which run it belongs to with :func:`working_for`.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # a run that starts no process (a no-op) never loads these
    import subprocess


class Cancelled(KeyboardInterrupt):
    """The run was stopped on request; what was running was killed, nothing recorded."""


class Cancel:
    """One run's stop request, its running supervisor processes and its busy jobs."""

    def __init__(self) -> None:
        self._requested = threading.Event()
        self._lock = threading.Lock()
        self._processes: set[subprocess.Popen[Any]] = set()
        self._jobs = 0
        #: Whether a run is settling pins now (else a Ctrl-C is an ordinary interrupt).
        self.active = False

    @property
    def requested(self) -> bool:
        return self._requested.is_set()

    def check(self) -> None:
        """Raise :class:`Cancelled` if a stop was requested: call before starting work."""
        if self._requested.is_set():
            raise Cancelled

    def request(self) -> int:
        """Stop: start nothing more and tell every running build to end; return how
        many jobs are still running (they end promptly)."""
        self._requested.set()
        with self._lock:
            processes, jobs = list(self._processes), self._jobs
        for process in processes:
            _signal(process, signal.SIGTERM, group=False)
        return jobs

    def kill(self) -> None:
        """Kill every running build's process group at once."""
        self._requested.set()
        with self._lock:
            processes = list(self._processes)
        for process in processes:
            from . import _platform

            _signal(process, _platform.KILL, group=True)

    @contextlib.contextmanager
    def job(self) -> Iterator[None]:
        """Counts one pin being settled, for :meth:`request`'s answer."""
        with self._lock:
            self._jobs += 1
        try:
            yield
        finally:
            with self._lock:
                self._jobs -= 1

    def _add(self, process: subprocess.Popen[Any]) -> Callable[[], None]:
        with self._lock:
            self._processes.add(process)
        if self._requested.is_set():  # started just as the stop came: stop it too
            _signal(process, signal.SIGTERM, group=False)

        def remove() -> None:
            with self._lock:
                self._processes.discard(process)

        return remove


def _signal(process: subprocess.Popen[Any], signum: int, *, group: bool) -> None:
    if group:  # supervisors lead a session of their own
        from . import _platform

        _platform.signal_group(process, signum)
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        process.send_signal(signum)


_current: ContextVar[Cancel | None] = ContextVar("wheelmill_cancel", default=None)


@contextlib.contextmanager
def working_for(cancel: Cancel) -> Iterator[None]:
    """Build steps started by this thread inside the block belong to ``cancel``'s run."""
    token = _current.set(cancel)
    try:
        yield
    finally:
        _current.reset(token)


def track(process: subprocess.Popen[Any]) -> Callable[[], None]:
    """Register a running supervisor process with the current run, so a stop request
    terminates it; returns the function to call once it has ended."""
    cancel = _current.get()
    if cancel is None:
        return lambda: None
    return cancel._add(process)
