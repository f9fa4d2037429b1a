"""Locks: reading the pinned, hashed locks wheelmill builds from, and resolving new ones.

* :mod:`.pins`: a requirements lock (``name==version --hash=…`` lines) → :class:`Pin`;
* :mod:`.pylock`: PEP 751 ``pylock.toml``, read and written;
* :mod:`.uvlock`, :mod:`.poetrylock`, :mod:`.pdmlock`, :mod:`.pipfilelock`: the
  locks of uv, poetry, pdm and pipenv, read by file name;
* :mod:`.resolve`: ``wheelmill lock`` (pip-tools or uv behind one seam).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

from .._lazy import exports

TYPE_CHECKING = False  # as typing's: a no-op answer does not load typing (see cli/_noop.py)
if TYPE_CHECKING:
    from .pins import Pin, parse_pins, read_pins

__all__ = ["Pin", "parse_pins", "read_lock", "read_pins"]
#: Loaded on first use: hashing a ``run``'s inputs needs none of them.
__getattr__ = exports(__name__, {"Pin": "pins", "parse_pins": "pins", "read_pins": "pins"})


#: Other tools' locks, by file name: (module, reader).
FOREIGN_LOCKS = {
    "uv.lock": ("uvlock", "read_uv_lock"),
    "poetry.lock": ("poetrylock", "read_poetry_lock"),
    "pdm.lock": ("pdmlock", "read_pdm_lock"),
    "Pipfile.lock": ("pipfilelock", "read_pipfile_lock"),
}


def read_lock(path: Path) -> list[Pin]:
    """Read a lock: ``uv.lock``, ``poetry.lock``, ``pdm.lock`` or ``Pipfile.lock`` by its
    name, a PEP 751 ``pylock.toml`` (any ``.toml``), else a requirements lock."""
    from .pins import read_pins
    from .pylock import is_pylock, read_pylock

    foreign = FOREIGN_LOCKS.get(path.name)
    if foreign is not None:
        module = importlib.import_module(f"{__name__}.{foreign[0]}")
        reader: Callable[[Path], list[Pin]] = getattr(module, foreign[1])
        return reader(path)
    return read_pylock(path) if is_pylock(path) else read_pins(path)
