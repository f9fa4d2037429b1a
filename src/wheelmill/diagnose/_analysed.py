"""Each pattern's prefilter literals, kept in the per-user cache between runs.

Loading the rules is mostly finding, for each of several hundred patterns, the
literals a matching line must contain (:func:`._literal.regex_literals` parses
the regex with the standard library's parser). The answer depends only on the
pattern, the code of :mod:`._literal` and Python's regex parser, so
:func:`remembered` keeps the answers for one set of rule files in the per-user
cache (:mod:`wheelmill._platform.dirs`), in :mod:`marshal`'s format, under the
SHA-256 of every rule file's text, ``_literal.py``'s own text and the Python
version. An edited rule file, another wheelmill or another Python is a new key,
so the answer is always the analysis's own. A cache that cannot be read, holds
something else, or cannot be written is passed over: the rules load as without
it. Old entries beyond :data:`_KEEP` are pruned as new ones are written.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from .._sha256 import sha256

#: A pattern's literals (``None``: none found) and whether it ignores case.
Analysis = tuple[tuple[str, ...] | None, bool]

#: The cache's subdirectory, and how many rule sets' analyses it keeps.
_CACHE = "rules"
_KEEP = 16


def _entry(texts: Iterable[str]) -> Path | None:
    from .._platform.dirs import user_cache_dir

    base = user_cache_dir()
    if base is None:
        return None
    digest = sha256()
    for text in (*texts, Path(__file__).with_name("_literal.py").read_text("utf-8")):
        data = text.encode("utf-8", "surrogatepass")
        digest.update(b"%d\0" % len(data) + data)
    digest.update(sys.version.encode())
    return base / _CACHE / f"{digest.hexdigest()}-{marshal.version}.marshal"


def _valid(found: object) -> bool:
    if not isinstance(found, dict):
        return False
    for source, analysis in found.items():
        if not (isinstance(source, str) and isinstance(analysis, tuple) and len(analysis) == 2):
            return False
        literals, folded = analysis
        if not isinstance(folded, bool):
            return False
        if literals is not None and not (
            isinstance(literals, tuple) and all(isinstance(text, str) for text in literals)
        ):
            return False
    return True


@contextlib.contextmanager
def remembered(texts: Iterable[str]) -> Iterator[dict[str, Analysis]]:
    """The analyses kept for the rule files ``texts`` (empty the first time); what the
    ``with`` block adds is written back when it ends without an error."""
    try:
        path = _entry(texts)
    except (OSError, UnicodeError):
        path = None
    analysed: dict[str, Analysis] = {}
    if path is not None:
        with contextlib.suppress(OSError, EOFError, ValueError, TypeError):
            found = marshal.loads(path.read_bytes())  # noqa: S302  (written by _keep, below)
            if _valid(found):
                analysed = found
    known = len(analysed)
    yield analysed
    if path is not None and len(analysed) > known:
        _keep(path, analysed)


def _keep(path: Path, analysed: dict[str, Analysis]) -> None:
    """Write ``analysed`` at ``path`` whole (a temporary file renamed), or not at all."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(marshal.dumps(analysed))
        os.replace(temporary, path)
        _prune(path.parent)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()


def _prune(directory: Path) -> None:
    """Keep the :data:`_KEEP` most recently written analyses."""
    found = []
    for entry in directory.iterdir():
        with contextlib.suppress(OSError):
            found.append((entry.stat().st_mtime_ns, entry))
    found.sort()
    for _, old in found[: max(0, len(found) - _KEEP)]:
        with contextlib.suppress(OSError):
            old.unlink()
