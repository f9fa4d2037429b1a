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
import zlib
from collections.abc import Mapping
from pathlib import Path

from .. import __version__
from ..store.reproducibility import CHECK_FILE
from ..store.wheelhouse import Store, write_atomic

KEY_FILE = "status-key.json"
_FORMAT = 1
_RACY_NS = 2_000_000_000  # inputs changed more recently than this are not trusted


def page_path(store: Store) -> Path:
    return store.root / "status" / "index.html"


def wheels_key(state_crc: int, sizes: Mapping[str, int], unpublished: set[str]) -> str:
    """The wheels' part: the publish state's CRC and the wheels the state leaves out."""
    extra = "\n".join(f"{name} {sizes[name]}" for name in sorted(unpublished & sizes.keys()))
    return f"{state_crc:08x}-{zlib.crc32(extra.encode()):08x}-{len(sizes)}"


def _stamp(path: Path) -> list[int] | None:
    try:
        info = os.lstat(path)
    except OSError:
        return None
    return [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_mode]


def status_key(store: Store, wheels: str) -> str | None:
    """The key of every input of the page, or None when one changed too recently."""
    recent = time.time_ns() - _RACY_NS
    inputs: list[object] = [_FORMAT, __version__, str(store.root), sysconfig.get_platform()]
    inputs.append(wheels)
    catalog = store.catalog_path
    inputs_on_disk = (
        catalog,
        catalog.with_name(catalog.name + "-wal"),
        store.records,
        store.state / CHECK_FILE,
        store.upstream,
    )
    for path in inputs_on_disk:
        stamp = _stamp(path)
        if stamp is not None and max(stamp[1], stamp[2]) > recent:
            return None
        inputs.append(stamp)
    return json.dumps(inputs, separators=(",", ":"))


def is_current(store: Store, key: str | None) -> bool:
    """Whether the page on disk is the one written for ``key``."""
    if key is None:
        return False
    try:
        recorded = json.loads((store.state / KEY_FILE).read_bytes())
    except (OSError, ValueError):
        return False
    return bool(recorded == {"key": key, "page": _stamp(page_path(store))})


def record(store: Store, key: str | None) -> None:
    """Write down ``key`` for the page just written (or forget any key)."""
    path = store.state / KEY_FILE
    if key is None:
        path.unlink(missing_ok=True)
        return
    data = json.dumps({"key": key, "page": _stamp(page_path(store))}).encode()
    write_atomic(path, data, tmp_dir=store.tmp)
