"""What loading a set of rule files learns, kept in the per-user cache between runs.

Loading the rules is mostly finding, for each of several hundred patterns, the
literals a matching line must contain (:func:`._literal.regex_literals` parses
the regex with the standard library's parser), and then parsing the TOML. Both
depend only on the files' text, the code of :mod:`._literal` and
:mod:`._document` and the Python version, so :func:`remembered` keeps them for
one set of rule files in the per-user cache (:mod:`wheelmill._platform.dirs`),
in :mod:`marshal`'s format, under the SHA-256 of every rule file's text, those
two modules' text and the Python version. An edited rule file, an edited
module, another wheelmill or another Python is a new key, so the answer is
always the parser's own. Only a load that succeeded
is kept: a file with an error is parsed, and reported, every time. A cache that
cannot be read, holds something else, or cannot be written is passed over: the
rules load as without it. Old entries beyond :data:`_KEEP` are pruned as new
ones are written.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from .._cachefile import entry, keep, recall

#: A pattern's literals (``None``: none found) and whether it ignores case.
Analysis = tuple[Optional[tuple[str, ...]], bool]  # Optional: evaluated on 3.9 too

#: A rule file's parsed TOML, and the first line of each of its ``[[rule]]`` tables.
Document = tuple[dict[str, Any], list[int]]

#: The modules whose code decides what is kept: the literals, and the rule lines.
_CODE = ("_literal.py", "_document.py")

#: The cache's subdirectory, and how many rule sets' analyses it keeps.
_CACHE = "rules"
_KEEP = 16


@dataclass
class Memory:
    """What is known of one set of rule files: each pattern's analysis, and each
    file's document (``None`` until parsed)."""

    analysed: dict[str, Analysis]
    documents: list[Document] | None = None


def _entry(texts: Sequence[str]) -> str | None:
    code = [Path(__file__).with_name(name).read_text("utf-8") for name in _CODE]
    return entry(_CACHE, (*texts, *code))


def _analysed(found: object) -> bool:
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


def _documents(found: object, count: int) -> bool:
    return (
        isinstance(found, list)
        and len(found) == count
        and all(
            isinstance(item, tuple)
            and len(item) == 2
            and isinstance(item[0], dict)
            and isinstance(item[1], list)
            and all(isinstance(line, int) for line in item[1])
            for item in found
        )
    )


def _plain(value: Any) -> Any:
    """``value`` with TOML's dates and times as the text ``str()`` gives (which is how
    the loader reads a ``first_seen`` date), so :mod:`marshal` can hold it."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, (datetime.date, datetime.time)):
        return str(value)
    return value


@contextlib.contextmanager
def remembered(texts: Sequence[str]) -> Iterator[Memory]:
    """What is kept for the rule files ``texts`` (nothing the first time); what the
    ``with`` block adds is written back when it ends without an error."""
    try:
        path = _entry(texts)
    except (OSError, UnicodeError):
        path = None
    memory = Memory({})
    if path is not None:
        found = recall(path)
        if (
            isinstance(found, tuple)
            and len(found) == 2
            and _analysed(found[0])
            and _documents(found[1], len(texts))
        ):
            memory = Memory(found[0], found[1])
    known, documents = len(memory.analysed), memory.documents
    yield memory
    grew = len(memory.analysed) > known or documents is None
    if path is not None and memory.documents is not None and grew:
        plain = [(_plain(data), starts) for data, starts in memory.documents]
        keep(path, (memory.analysed, plain), _KEEP)
