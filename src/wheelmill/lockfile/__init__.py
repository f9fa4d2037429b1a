"""Locks: reading the pinned, hashed locks wheelmill builds from, and resolving new ones.

* :mod:`.pins`: a requirements lock (``name==version --hash=…`` lines) → :class:`Pin`;
* :mod:`.pylock`: PEP 751 ``pylock.toml``, read and written;
* :mod:`.resolve`: ``wheelmill lock`` (pip-tools or uv behind one seam).
"""

from __future__ import annotations

from pathlib import Path

from .pins import Pin, parse_pins, read_pins

__all__ = ["Pin", "parse_pins", "read_lock", "read_pins"]


def read_lock(path: Path) -> list[Pin]:
    """Read a lock: a PEP 751 ``pylock.toml`` (any ``.toml``), else a requirements lock."""
    from .pylock import is_pylock, read_pylock

    return read_pylock(path) if is_pylock(path) else read_pins(path)
