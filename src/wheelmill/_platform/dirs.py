"""Where wheelmill keeps what it caches for one user, outside any wheelhouse.

The operating system's place for a user's caches: ``$XDG_CACHE_HOME/wheelmill``
(``~/.cache/wheelmill`` when unset) on Linux and other Unixes,
``~/Library/Caches/wheelmill`` on macOS, ``%LOCALAPPDATA%\\wheelmill\\Cache`` on
Windows. ``WHEELMILL_CACHE_DIR`` names another directory (CI runners that keep one
between jobs); set to the empty string, nothing is cached there. Only what can be
derived again lives here: deleting the directory costs time, never an answer.

This module loads nothing beyond :mod:`os` and :mod:`sys` (a no-op rerun asks it).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["CACHE_VARIABLE", "user_cache_dir"]

CACHE_VARIABLE = "WHEELMILL_CACHE_DIR"


def user_cache_dir() -> Path | None:
    """The per-user cache directory (not created here), or ``None`` when there is none:
    ``WHEELMILL_CACHE_DIR`` set empty, or no home directory to put it in."""
    chosen = os.environ.get(CACHE_VARIABLE)
    if chosen is not None:
        return Path(chosen) if chosen else None
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA")
        return Path(local, "wheelmill", "Cache") if local else None
    if sys.platform != "darwin":
        xdg = os.environ.get("XDG_CACHE_HOME")
        if xdg and os.path.isabs(xdg):  # the specification ignores a relative one
            return Path(xdg, "wheelmill")
    try:
        home = Path.home()
    except (RuntimeError, KeyError):  # no HOME and no password entry
        return None
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "wheelmill"
    return home / ".cache" / "wheelmill"
