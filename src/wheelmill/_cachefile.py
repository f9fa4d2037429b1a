"""An entry of the per-user cache (:mod:`wheelmill._platform.dirs`): a value in
:mod:`marshal`'s format, written whole or not at all, the newest few kept.

The config's parsed document (:mod:`wheelmill._toml`), what loading the rules
learns (:mod:`wheelmill.diagnose._analysed`) and the rules' scan plan
(:mod:`wheelmill.diagnose._planned`) are kept this way; the last two are named by
:func:`entry`. Like them, this module loads nothing a no-op answer would not (no
:mod:`typing`).
"""

from __future__ import annotations

import contextlib
import marshal
import os
import sys

TYPE_CHECKING = False  # as typing's: a no-op answer does not load typing
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any


def entry(folder: str, texts: Iterable[str]) -> str | None:
    """Where, under ``folder`` of the per-user cache, to keep what is worked out from
    ``texts`` alone with this Python: named by the SHA-256 of the texts (each with its
    length, so no two lists of texts share a digest) and of the Python version, and by
    :mod:`marshal`'s format version. ``None`` when there is no per-user cache."""
    from ._platform.dirs import user_cache_dir
    from ._sha256 import sha256

    base = user_cache_dir()
    if base is None:
        return None
    digest = sha256()
    for text in texts:
        data = text.encode("utf-8", "surrogatepass")
        digest.update(b"%d\0" % len(data) + data)
    digest.update(sys.version.encode())
    return os.path.join(base, folder, f"{digest.hexdigest()}-{marshal.version}.marshal")


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
