"""``serve --store``: the store's published index, copied here and kept current.

A thread checks the store's publication marker (one ``HEAD`` of a small
object) every few seconds and, when it changed, copies the new pages and the
wheels they name (:func:`~wheelmill.store.pagemirror.refresh_pages`: wheels
before the pages naming them, so no page served names a file not here).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

from .._exceptions import WheelhouseError, WheelmillError
from ..store.pagemirror import PageRefresh, refresh_pages
from ..store.remote import Remote

_log = logging.getLogger(__name__)


def _report(refresh: PageRefresh) -> None:
    for project, why in sorted(refresh.refused.items()):
        _log.warning("kept the previous page of %s: %s", project, why)


@contextlib.contextmanager
def watch_store(remote: Remote, root: Path, *, every: float) -> Iterator[PageRefresh]:
    """Copy the store's index into ``root`` now, then again whenever it changes
    (checked every ``every`` seconds) while the block runs."""
    first = refresh_pages(remote, root)
    if first.marker is None:
        raise WheelhouseError(
            f"{remote.url}: nothing published in the store yet; run "
            "`wheelmill publish --store` first"
        )
    _report(first)
    stop = threading.Event()

    def loop() -> None:
        seen = first.marker
        while not stop.wait(every):
            try:
                refresh = refresh_pages(remote, root, seen)
            except (WheelmillError, OSError) as exc:  # the store is away: serve what is here
                _log.warning("cannot refresh from %s: %s", remote.url, exc)
                continue
            seen = refresh.marker or seen
            _report(refresh)

    thread = threading.Thread(target=loop, daemon=True, name="store-watch")
    thread.start()
    try:
        yield first
    finally:
        stop.set()
        thread.join(timeout=30)
