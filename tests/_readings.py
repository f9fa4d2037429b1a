"""The readings stored in the expected files of held-out logs, as each reader wrote them.

An ``[expected]`` table is the first reader's diagnosis; ``[second_reading]`` and
``[third_reading]``, where present, are later blind readings of the same log. Where a
convention was settled afterwards, the value the first reader wrote stays in a comment
right above the field (``# written down as subject = "Rust"``): :func:`as_written`
gives the table with those values back.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).parent.parent
LOGS = ROOT / "tests" / "logs"
EXPECTED = sorted(LOGS.rglob("*.expected.toml"))

_WRITTEN = re.compile(r'^# written down as (\w+ = (?:"(?:[^"\\\n]|\\.)*"|\d+))$', re.M)
#: A classifier's answer recorded for a miss: "... classifier gave RULE CATEGORY SUBJECT line N".
_GAVE = re.compile(r"gave (\S+) (\S+) (.*) line (\S+)$")


def read(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text("utf-8"))


def as_written(path: Path) -> dict[str, Any]:
    """The first reader's ``[expected]`` table, before any settled convention changed it."""
    table = dict(read(path)["expected"])
    for line in _WRITTEN.findall(path.read_text("utf-8")):
        table.update(tomllib.loads(line))
    return table


def answer(diagnosis: dict[str, Any]) -> tuple[str, str, int | None]:
    """What a reading or a diagnosis is scored on: category, subject and first error line."""
    return diagnosis["category"], diagnosis["subject"], diagnosis["first_error_line"]


def measured(path: Path) -> tuple[str, str, int | None]:
    """The classifier's answer when the log's set was scored: the one its miss records,
    else the first reader's (it was right)."""
    data = read(path)
    miss = data.get("known_miss") or data.get("miss_at_measurement")
    if not miss:
        return answer(as_written(path))
    found = _GAVE.search(miss)
    assert found, f"{path}: unreadable miss record"
    _, category, subject, line = found.groups()
    return category, "" if subject == "None" else subject, None if line == "None" else int(line)


def log_of(path: Path) -> Path:
    return path.with_name(path.name.removesuffix(".expected.toml") + ".log")


def log_text(log: Path) -> str:
    """A stored log as ``wheelmill diagnose`` reads it: a bare carriage return (a countdown,
    curl's progress meter) is no line break, as ``grep -n`` and editors number lines, so not
    :meth:`Path.read_text`'s universal newlines."""
    return log.read_bytes().decode("utf-8")
