"""A rule file as text and TOML: its document, its named lists, and where in the text
an error is, so a :class:`~wheelmill.RulesError` names the file and the line."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .. import _toml
from .._exceptions import RulesError
from ._fields import _FieldError, _lists


def table_lines(text: str) -> list[int]:
    """1-based line numbers of every ``[[rule]]`` header, in order."""
    header = re.compile(r"^[ \t]*\[\[[ \t]*rule[ \t]*\]\]")
    return [n for n, line in enumerate(text.split("\n"), 1) if header.match(line)]


def key_line(text: str, start: int, end: int | None, key: str, needle: str | None) -> int:
    """Best line for an error about ``key`` within a rule's lines (``start``..``end``)."""
    lines = text.split("\n")
    stop = end - 1 if end else len(lines)
    if needle:
        for number in range(start, stop + 1):
            if needle in lines[number - 1]:
                return number
    root = key.split(".")[0]
    pattern = re.compile(
        rf"^[ \t]*(?:{re.escape(root)}[ \t]*=|\[\[?[ \t]*rule\.{re.escape(root)}\b)"
    )
    for number in range(start, stop + 1):
        if pattern.match(lines[number - 1]):
            return number
    return start


def document(text: str, source: str) -> dict[str, Any]:
    """The TOML of one rule file, its top-level keys checked."""
    try:
        data = _toml.loads(text)
    except _toml.TOMLDecodeError as exc:
        raise RulesError(f"{source}: not valid TOML: {exc}") from None
    unknown = [key for key in data if key not in ("rule", "lists")]
    if unknown:
        raise RulesError(
            f"{source}:1: unknown top-level key {unknown[0]!r}; use [[rule]] tables and [lists]"
        )
    return data


def lists_of(data: Mapping[str, Any], text: str, source: str) -> dict[str, str]:
    """The named lists a rule file's ``[lists]`` table defines."""
    try:
        return _lists(data.get("lists", {}))
    except _FieldError as exc:
        lines = text.split("\n")
        key = re.compile(rf"^[ \t]*{re.escape(exc.key)}[ \t]*=")
        table = re.compile(r"^[ \t]*\[[ \t]*lists[ \t]*\]")
        line = next((n for n, each in enumerate(lines, 1) if key.match(each)), 0)
        line = line or next((n for n, each in enumerate(lines, 1) if table.match(each)), 1)
        raise RulesError(f"{source}:{line}: {exc}") from None


def quoted_regex(message: str) -> str | None:
    """The regex text quoted in a bad-regex message, to find its line."""
    found = re.search(r"bad regex '(.*?)': ", message)
    return found.group(1).replace("\\\\", "\\") if found else None
