"""What every pin's settling shares during one ``build`` run."""

from __future__ import annotations

import contextlib
import heapq
import itertools
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.utils import parse_wheel_filename

from .._cancel import Cancel
from ..config import BuildSettings
from ..store.wheelhouse import Store

#: The compilers' fingerprints, by their files' stats (see :mod:`.toolchain`).
TOOLCHAIN_CACHE = "toolchain.json"

if TYPE_CHECKING:
    from ..diagnose.remedy import LazyRules
    from ..store.catalog import Catalog
    from .upstream import Upstream


class Slots:
    """``count`` slots; a freed one goes to the waiter with the largest ``size``.

    A larger sdist is a rough guess of a longer build: started first, the
    longest builds do not end the run alone after the short ones. Builds known
    to be coming (:meth:`expect`, by name) count as waiting already: no smaller
    build takes a slot before they arrived or were :meth:`forget`-ten (their pin
    settled without a build), whichever thread reaches the slots first.
    """

    def __init__(self, count: int) -> None:
        self._free = max(1, count)
        self._waiting: list[tuple[int, int]] = []  # (-size, arrival): a heap
        self._arrivals = itertools.count()
        self._changed = threading.Condition()
        self._expected: dict[str, int] = {}

    def expect(self, sizes: dict[str, int]) -> None:
        """Builds of these sizes are coming, by the names they will acquire with."""
        with self._changed:
            self._expected.update(sizes)

    def forget(self, who: str) -> None:
        """``who`` will not (or no longer) come for a slot it was expected to take."""
        with self._changed:
            if self._expected.pop(who, None) is not None:
                self._changed.notify_all()

    def _first(self, ticket: tuple[int, int]) -> bool:
        larger = any(size > -ticket[0] for size in self._expected.values())
        return bool(self._free) and self._waiting[0] == ticket and not larger

    def acquire(self, size: int, cancel: Cancel, who: str | None = None) -> None:
        ticket = (-size, next(self._arrivals))
        with self._changed:
            if who is not None:
                self._expected.pop(who, None)
            heapq.heappush(self._waiting, ticket)
            try:
                while not self._first(ticket):
                    self._changed.wait(0.2)
                    cancel.check()
            except BaseException:
                self._waiting.remove(ticket)
                heapq.heapify(self._waiting)
                self._changed.notify_all()
                raise
            heapq.heappop(self._waiting)
            self._free -= 1
            self._changed.notify_all()  # the next waiter may take another free slot

    def release(self) -> None:
        with self._changed:
            self._free += 1
            self._changed.notify_all()


@dataclass
class Context:
    """The run's store, settings and switches. The index client and the catalog are
    made on first use: a run with nothing to do needs neither."""

    store: Store
    settings_for: Callable[[str], BuildSettings]
    index_url: str
    retry_failed: bool
    session: Path
    rules: LazyRules | None = None
    remediate: bool = True
    force: bool = False
    verify: bool = False  # hash every stored wheel, not only those whose stat changed
    cancel: Cancel = field(default_factory=Cancel)
    #: Builds running at once (``jobs``); fetching wheels is not limited by it.
    builds: int = 1
    _slots: Slots = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._slots = Slots(self.builds)

    @contextlib.contextmanager
    def build_slot(self, size: int = 0, who: str | None = None) -> Iterator[None]:
        """Wait for one of the ``builds`` slots (a stop request ends the wait); the
        build of the largest sdist (``size``, bytes) waiting, or expected
        (:meth:`expect_builds`), gets the next one. ``who``: the pin's name."""
        self._slots.acquire(size, self.cancel, who)
        try:
            self.cancel.check()
            with self.cancel.job():  # what a stop request waits for
                yield
        finally:
            self._slots.release()

    @cached_property
    def upstream(self) -> Upstream:
        from .upstream import Upstream

        return Upstream(self.index_url)

    def expect_builds(self, sizes: dict[str, int]) -> None:
        """The pins (by name) that will be built and their sdists' sizes: no smaller
        build takes a slot before them, until :meth:`settled` says a pin is done."""
        self._slots.expect(sizes)

    def settled(self, name: str) -> None:
        """Pin ``name`` is settled: if it was expected to build and did not, the
        others no longer wait for it."""
        self._slots.forget(name)

    def close(self) -> None:
        """Close the index client's kept connections, if it was made."""
        upstream: Upstream | None = self.__dict__.get("upstream")
        if upstream is not None:
            upstream.close()

    @cached_property
    def catalog(self) -> Catalog:
        from ..store.catalog import Catalog

        return Catalog(self.store.catalog_path)

    @cached_property
    def toolchain(self) -> str:
        from .toolchain import toolchain_fingerprint

        return toolchain_fingerprint(cache=self.store.state / TOOLCHAIN_CACHE)

    @cached_property
    def system(self) -> str:
        from .toolchain import system_fingerprint

        return system_fingerprint(cache=self.store.state / TOOLCHAIN_CACHE)


def is_pure(wheel: str) -> bool:
    """Whether a wheel filename serves every platform (``py3-none-any`` and the like)."""
    return all(tag.platform == "any" for tag in parse_wheel_filename(wheel)[3])
