"""The classifier's scan plan for one set of literals, kept in the per-user cache.

A plan groups the literals of every pattern twice, by greedy set covers: under
shared 4-letter anchors (:mod:`._scan`), and under the lead characters whose tries
become the prefilter's regexes (:mod:`._prefilter`). For the shipped rules that is
a good part of a one-log ``wheelmill diagnose``, and it depends only on the
literals, the code of those two modules and the Python version, so
:func:`remembered_layout` keeps it in the per-user cache
(:mod:`wheelmill._platform.dirs`), in :mod:`marshal`'s format, under the SHA-256 of
all of them, as :mod:`._analysed` keeps what loading the rules learns. Other
literals, other code or another Python is another key, so the plan is always the
one those modules build; a cache that cannot be read, holds something else, or
cannot be written is passed over.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import cast

from .._cachefile import entry, keep, recall
from ._prefilter import Sources

#: Literals grouped under their anchors, per case-insensitivity (``_scan.Plan.groups``),
#: and the prefilter's regexes.
Layout = tuple[dict[bool, dict[str, list[str]]], Sources]

#: The modules whose code decides the plan.
_CODE = ("_prefilter.py", "_scan.py")

#: The cache's subdirectory, and how many plans it keeps.
_CACHE = "plans"
_KEEP = 16


def _entry(exact: Iterable[str], folded: Iterable[str]) -> str | None:
    code = [Path(__file__).with_name(name).read_text("utf-8") for name in _CODE]
    return entry(_CACHE, (*sorted(exact), "\0", *sorted(folded), "\0", *code))


def _strings(found: object, kind: type) -> bool:
    return isinstance(found, list) and all(isinstance(item, kind) for item in found)


def _layout(found: object) -> bool:
    """Whether ``found`` has the shape of a :data:`Layout`."""
    if not (isinstance(found, tuple) and len(found) == 2):
        return False
    groups, sources = found
    if not (isinstance(groups, dict) and set(groups) <= {False, True}):
        return False
    for anchors in groups.values():
        if not isinstance(anchors, dict):
            return False
        for anchor, literals in anchors.items():
            if not (isinstance(anchor, str) and _strings(literals, str)):
                return False
    if not (isinstance(sources, tuple) and len(sources) == 3):
        return False
    text, data, folded = sources
    return (
        _strings(text, str) and (data is None or _strings(data, bytes)) and folded in (False, True)
    )


def remembered_layout(exact: set[str], folded: set[str], build: Callable[[], Layout]) -> Layout:
    """The plan of the literals ``exact`` and ``folded``: from the cache when it holds
    it, else what ``build`` makes (and the cache then keeps)."""
    try:
        path = _entry(exact, folded)
    except (OSError, UnicodeError):
        path = None
    if path is not None:
        found = recall(path)
        if _layout(found):
            return cast(Layout, found)
    layout = build()
    if path is not None:
        keep(path, layout, _KEEP)
    return layout
