"""Look ahead before a parallel run: the pins that will be built are found, and started, first.

A cold run lasts at least as long as its longest build, and a pin is known to
need a build only once its index page is read. Settled in the lock's order, a
long build late in the lock (psycopg2 is the 40th of 60 pins in the team lock)
started 5-10 s into the run, after short builds earlier in the lock had taken
the build slots. So before a parallel run settles its pins, :func:`scout` reads
the index page of every pin that has work to do, all at once (the run's index
client keeps the pages: settling does not read them again), and downloads the
sdist of each pin that will be built (into the store, where settling finds it).
:func:`builds_first` then orders the pins: those to build first, the largest
sdist first (a rough guess of the longest build), then the others in the lock's
order, whose wheels are fetched beside the builds.

Scouting decides nothing: a pin it could not judge (an index error, say) is
settled in its turn, and settling reports what went wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from .._exceptions import WheelmillError
from ..lockfile.pins import Pin
from ..target import Target
from .context import Context


def scout(
    ctx: Context, pin: Pin, targets: Iterable[Target], settled: Callable[[Pin, Target], bool]
) -> int | None:
    """The size of the sdist ``pin`` will be built from for one of ``targets`` (it is
    then in the store), or ``None`` when no build is expected: every target settled
    (``settled``), skipped or served by an upstream wheel, or the index could not tell."""
    settings = ctx.settings_for(pin.name)
    if settings.skip:
        return None
    for target in targets:
        if ctx.cancel.requested:
            return None
        if target.download_only or not pin.applies_to(target.environment):
            continue
        try:
            if settled(pin, target):
                continue
            found = ctx.upstream.candidates(pin, target)
            if found.sdist is None or (found.wheel is not None and not settings.from_source):
                continue
            sdist = ctx.upstream.stored_sdist(ctx.store, found.sdist, ctx.store.tmp, pin.sha256s())
            return sdist.stat().st_size
        except (WheelmillError, OSError):
            return None
    return None


def builds_first(pins: Sequence[Pin], sizes: Iterable[int | None]) -> list[Pin]:
    """``pins`` with those to build (a size) first, largest first; the rest in order."""
    sized = list(zip(pins, sizes, strict=True))
    builds = sorted(
        ((size, index) for index, (_, size) in enumerate(sized) if size is not None),
        key=lambda item: (-item[0], item[1]),
    )
    first = [sized[index][0] for _, index in builds]
    return first + [pin for pin, size in sized if size is None]
