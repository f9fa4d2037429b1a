"""When ``publish`` may leave the status page as it is.

The page (:mod:`.statuspage`) is a function of the wheels in ``wheels/`` (names and
sizes), the catalog, the build records, the last reproducibility check, the wheels
``serve --upstream`` keeps, the wheelhouse's path and this machine's platform.
``publish`` writes down a key of those inputs beside the page's own stamp; when
the next publish computes the same key and the page is the file it wrote, nothing
on the page can differ and it is not written again (nor is :mod:`.statuspage`
imported). The wheels' part of the key comes from the publish
state (its CRC covers every published wheel's name and size) plus the wheels left
out of it, so no wheel is stat'ed twice.

A file changed in place within the file system's timestamp granularity can keep
its stamp; an input modified in the last two seconds therefore makes no key: the
page is written, and the next publish checks again.
"""

from __future__ import annotations

import json
import os
import sysconfig
import time
from collections.abc import Mapping
from pathlib import Path

from .. import __version__
from ..store.layout import CATALOG, RECORDS, REPRO_CHECK, STATE, UPSTREAM

TYPE_CHECKING = False  # as typing's: a no-op answer does not load typing (see cli/_noop.py)

if TYPE_CHECKING:
    from ..store.wheelhouse import Store

KEY_FILE = "status-key.json"
_FORMAT = 2
_RACY_NS = 2_000_000_000  # inputs changed more recently than this are not trusted


def page_path(root: Path) -> Path:
    return root / "status" / "index.html"


def wheels_key(state_crc: int, sizes: Mapping[str, int], unpublished: set[str]) -> str:
    """The wheels' part: the publish state's CRC and the wheels the state leaves out."""
    import zlib

    extra = "\n".join(f"{name} {sizes[name]}" for name in sorted(unpublished & sizes.keys()))
    return f"{state_crc:08x}-{zlib.crc32(extra.encode()):08x}-{len(sizes)}"


def plain_wheels_key(state_crc: int, count: int) -> str:
    """:func:`wheels_key` when every one of the ``count`` wheels is published."""
    return f"{state_crc:08x}-00000000-{count}"  # the CRC-32 of nothing is 0


def _stamp(path: Path) -> list[int] | None:
    try:
        info = os.lstat(path)
    except OSError:
        return None
    return [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_mode]


def status_key(root: Path, wheels: str) -> str | None:
    """The key of every input of the page (of the wheelhouse at ``root``), or None when
    one changed too recently."""
    recent = time.time_ns() - _RACY_NS
    inputs: list[object] = [_FORMAT, __version__, str(root), sysconfig.get_platform()]
    inputs.append(wheels)
    state = root / STATE
    inputs_on_disk = (
        state / CATALOG,
        state / f"{CATALOG}-wal",
        state / RECORDS,
        state / REPRO_CHECK,
        state / UPSTREAM,
    )
    for path in inputs_on_disk:
        stamp = _stamp(path)
        if stamp is not None and path.name.endswith("-wal"):
            # SQLite resets an empty log as the last reader closes the catalog (the page
            # itself reads it), which moves its ctime but never its size or mtime: a
            # new entry in it does both.
            stamp[2] = 0
        if stamp is not None and max(stamp[1], stamp[2]) > recent:
            return None
        inputs.append(stamp)
    return json.dumps(inputs, separators=(",", ":"))


def is_current(root: Path, key: str | None) -> bool:
    """Whether the page on disk is the one written for ``key``."""
    if key is None:
        return False
    try:
        recorded = json.loads((root / STATE / KEY_FILE).read_bytes())
    except (OSError, ValueError):
        return False
    return bool(recorded == {"key": key, "page": _stamp(page_path(root))})


def record(store: Store, key: str | None) -> None:
    """Write down ``key`` for the page just written (or forget any key)."""
    from ..store.wheelhouse import write_atomic

    path = store.state / KEY_FILE
    if key is None:
        path.unlink(missing_ok=True)
        return
    data = json.dumps({"key": key, "page": _stamp(page_path(store.root))}).encode()
    write_atomic(path, data, tmp_dir=store.tmp)
