"""The status page rewritten from its parts when only the wheels changed.

The page (:mod:`.statuspage`) depends on the wheels in ``wheels/`` in two ways:

* its cells: a wheel an attempt names is there or missing, and a pure wheel of a
  package on the page serves the targets without a wheel of their own;
* two pieces that are plain functions of the names and sizes: the counts of the
  meta line (``N wheels, X MB``, beside the "page written" minute) and the list of
  wheels no attempt accounts for.

:func:`save` keeps, beside the page, the text around those two pieces, the key of
the page's other inputs (:func:`wheelmill.index._statuskey.status_key` without its
wheels' part), the wheels the cells name, the packages on the page, and which
present wheels could change a cell (those named, and those whose project is on the
page). :func:`update` rewrites the page from those parts when the other inputs have
the same key and the same wheels could change a cell: the cells are then the same,
so only the two pieces are rendered again, and the page is, byte for byte, the one a
full render writes (both go through :func:`assemble`). Anything else (no parts, a
damaged file, another key, a wheel of a package on the page added or removed) is a
full render. The parts are a cache: deleting them costs one full render.
"""

from __future__ import annotations

import json
import time
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path

from .._wheelname import canonical_name
from ..store.layout import STATE
from . import _statuskey
from ._escape import escape
from ._framed import frame, unframe

PARTS_FILE = "status-parts.json"
_MAGIC = "wheelmill-status-parts"
_FORMAT = "1"
#: How many wheels without a build record the page lists by name (a wheelhouse
#: filled by hand can hold thousands; the count is always shown).
UNACCOUNTED_SHOWN = 200


def when(stamp: float | None) -> str:
    if not stamp:
        return "never"
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(stamp))


def counts(now: float, wheels: int, size: int) -> str:
    """The meta line's piece that the wheels change: the minute, the count, the size."""
    return f"{when(now)} · {wheels} wheels, {size / 1e6:.1f} MB"


def unaccounted_section(shown: Iterable[tuple[str, int]], total: int) -> str:
    """The list of wheels no attempt accounts for (the first ones by name), as lines."""
    if not total:
        return ""
    lines = [f"<h2>Wheels no attempt accounts for ({total})</h2><ul>"]
    lines += [f"<li><code>{escape(name)}</code> ({size} bytes)</li>" for name, size in shown]
    if total > len(lines) - 1:
        lines.append(f"<li>… and {total - (len(lines) - 1)} more</li>")
    lines.append("</ul>")
    return "\n".join(lines) + "\n"


def assemble(
    parts: tuple[str, str, str],
    now: float,
    wheels: int,
    size: int,
    unaccounted: list[tuple[str, int]],
) -> str:
    """The page: its fixed parts around the counts and the wheels no attempt accounts
    for (``unaccounted``: name and size, sorted)."""
    before, between, after = parts
    return (
        before
        + counts(now, wheels, size)
        + between
        + unaccounted_section(unaccounted[:UNACCOUNTED_SHOWN], len(unaccounted))
        + after
    )


def relevant(files: Iterable[str], named: Collection[str], shown: Collection[str]) -> list[str]:
    """The wheels that could change a cell: those named, and a shown package's."""
    if not shown:
        return sorted(name for name in files if name in named)
    prefixes: dict[str, bool] = {}
    found = []
    for name in files:
        if name in named:
            found.append(name)
            continue
        prefix = name.partition("-")[0]
        on_page = prefixes.get(prefix)
        if on_page is None:
            on_page = prefixes[prefix] = canonical_name(prefix) in shown
        if on_page:
            found.append(name)
    return sorted(found)


def _path(root: Path) -> Path:
    return root / STATE / PARTS_FILE


def inputs_key(root: Path) -> str | None:
    """The key of the page's inputs other than the wheels (None: one is too recent)."""
    return _statuskey.status_key(root, "")


def save(
    root: Path,
    tmp: Path,
    key: str | None,
    parts: tuple[str, str, str],
    named: Collection[str],
    shown: Collection[str],
    files: Iterable[str],
) -> None:
    """Keep the parts of a page just written for ``key`` (computed before the page's
    inputs were read); with no key, forget any."""
    from ..store.wheelhouse import write_atomic

    path = _path(root)
    if key is None:
        path.unlink(missing_ok=True)
        return
    body = json.dumps(
        {
            "key": key,
            "parts": list(parts),
            "named": sorted(named),
            "shown": sorted(shown),
            "relevant": relevant(files, set(named), set(shown)),
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    write_atomic(path, frame(_MAGIC, _FORMAT, body), tmp_dir=tmp)


def _load(root: Path) -> dict[str, object] | None:
    try:
        framed = unframe(_path(root).read_bytes(), _MAGIC, _FORMAT)
        if framed is None:
            return None
        loaded = json.loads(framed[0])
    except (OSError, ValueError):
        return None
    return loaded if isinstance(loaded, dict) else None


def _strings(value: object) -> list[str] | None:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    return None


def update(root: Path, tmp: Path, files: Mapping[str, int]) -> bool:
    """Rewrite the page from its parts, if they still hold for ``files`` (every
    wheel's size); ``False`` when the page needs a full render."""
    from ..store.wheelhouse import write_atomic

    key = inputs_key(root)
    cached = _load(root)
    if key is None or cached is None or cached.get("key") != key:
        return False
    parts, named, shown = (_strings(cached.get(name)) for name in ("parts", "named", "shown"))
    if parts is None or len(parts) != 3 or named is None or shown is None:
        return False
    named_set = set(named)
    if relevant(files, named_set, set(shown)) != cached.get("relevant"):
        return False
    page = _statuskey.page_path(root)
    page.parent.mkdir(parents=True, exist_ok=True)
    unaccounted = sorted((name, size) for name, size in files.items() if name not in named_set)
    text = assemble(
        (parts[0], parts[1], parts[2]), time.time(), len(files), sum(files.values()), unaccounted
    )
    write_atomic(page, text.encode("utf-8"), tmp_dir=tmp)
    return True
