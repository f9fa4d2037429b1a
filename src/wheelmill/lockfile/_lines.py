"""Logical lines of a requirements file: continuations joined, comments dropped.

Apart from :mod:`.pins` so that hashing a requirements file's inputs
(:mod:`.inputs`, on every ``run``) does not load the requirement parser.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_COMMENT_RE = re.compile(r"(^|\s+)#.*$")
#: A byte-order mark some editors put first in a UTF-8 file; pip ignores it too.
_BOM = "\ufeff"


def logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Join backslash continuations and drop comments, keeping the first line number.

    A leading byte-order mark is dropped.
    """
    text = text[len(_BOM) :] if text.startswith(_BOM) else text
    buffer: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _COMMENT_RE.sub("", raw).rstrip()
        if not buffer:
            start = number
        if line.endswith("\\"):
            buffer.append(line[:-1])
            continue
        buffer.append(line)
        joined = " ".join(part.strip() for part in buffer).strip()
        buffer = []
        if joined:
            yield start, joined
    if buffer:
        joined = " ".join(part.strip() for part in buffer).strip()
        if joined:
            yield start, joined
