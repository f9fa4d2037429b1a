"""An entry of the per-user cache (:mod:`wheelmill._platform.dirs`): a value in
:mod:`marshal`'s format, written whole or not at all, the newest few kept.

The config's parsed document (:mod:`wheelmill._toml`) and what loading the rules
learns (:mod:`wheelmill.diagnose._analysed`) are kept this way. Like them, this
module loads nothing a no-op answer would not (no :mod:`typing`).
"""

from __future__ import annotations

import contextlib
import marshal
import os

TYPE_CHECKING = False  # as typing's: a no-op answer does not load typing
if TYPE_CHECKING:
    from typing import Any


def recall(path: str) -> object:
    """The value :func:`keep` wrote at ``path``, or ``None`` when there is none or it
    cannot be read (a missing, damaged or foreign file): the caller checks its shape."""
    try:
        with open(path, "rb") as handle:
            return marshal.load(handle)  # noqa: S302  (written by keep, below)
    except (OSError, EOFError, ValueError, TypeError):
        return None


def keep(path: str, value: Any, newest: int) -> None:
    """Write ``value`` at ``path`` whole (a temporary file renamed), or not at all (a
    value :mod:`marshal` cannot hold, a directory that cannot be written); then keep
    only the ``newest`` most recently written entries of its directory."""
    try:
        data = marshal.dumps(value)
    except ValueError:  # a date or time, say: not marshal's to hold
        return
    directory = os.path.dirname(path)
    temporary = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(directory, exist_ok=True)
        with open(temporary, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
        _prune(directory, newest)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def _prune(directory: str, newest: int) -> None:
    """Keep the ``newest`` most recently written entries of ``directory``."""
    with os.scandir(directory) as listing:
        found = [(entry.stat().st_mtime_ns, entry.path) for entry in listing if entry.is_file()]
    if len(found) <= newest:
        return
    found.sort()
    for _, old in found[: len(found) - newest]:
        with contextlib.suppress(OSError):
            os.unlink(old)
