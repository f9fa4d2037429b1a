"""Temp files and directory removal without ``tempfile`` and ``shutil``.

A publish writes a few files through a temp file and a rename, and removes its
session's (empty) directory; loading ``tempfile`` (with ``random``) and ``shutil``
(with ``bz2`` and ``lzma``) for that cost more than the work at a thousand wheels.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["rmtree", "temp_file"]


def temp_file(directory: Path, name: str) -> tuple[int, str]:
    """A new ``.NAME.XXXXXXXXXXXX.tmp`` in ``directory``, open for writing, mode 0600:
    what ``tempfile.mkstemp`` makes, without loading ``tempfile`` (and ``random``)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    while True:
        temp = f"{directory}/.{name}.{os.urandom(6).hex()}.tmp"
        try:
            return os.open(temp, flags, 0o600), temp
        except FileExistsError:  # pragma: no cover - 48 random bits
            continue


def rmtree(path: Path) -> None:
    """Remove a directory tree; an empty one (a session's, usually) without ``shutil``."""
    try:
        os.rmdir(path)
    except FileNotFoundError:
        pass
    except OSError:
        import shutil

        shutil.rmtree(path, ignore_errors=True)
