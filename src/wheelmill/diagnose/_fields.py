"""Checks for the fields of a rule file: each raises a field error with a message,
which :mod:`.rules` turns into a :class:`~wheelmill.RulesError` naming the file and line."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from ._analysed import Analysis
from ._literal import regex_literals

#: Distros a rule can name system packages for (the CLI knows their install command).
DISTROS = ("debian", "fedora", "alpine", "homebrew")


#: How many non-blank lines below its line a pattern's ``below`` regex may match, at most.
MAX_WITHIN = 10

#: A pattern's reference to a named list of the rule files' ``[lists]`` table.
_LIST_REFERENCE = re.compile(r"\{\{([a-z][a-z0-9_]*)\}\}")

#: Named lists, each as the regex it stands for: ``(?:first|second|…)``.
Lists = Mapping[str, str]


@dataclass(frozen=True)
class Loading:
    """What the patterns of one load share: the named lists, and each regex's
    literals once found (:mod:`._analysed` keeps them between runs)."""

    lists: Lists = field(default_factory=dict)
    analysed: dict[str, Analysis] = field(default_factory=dict)


@dataclass(frozen=True)
class Pattern:
    """A rule pattern and the literals a matching line must contain (one of).

    The regex ``source`` is checked when the rule is loaded and compiled on first
    use: most patterns' literals are in no line of a given log, so they are never
    run, and compiling all of them was most of a one-log ``diagnose``. ``folded``:
    the pattern ignores case (its literals are lower case).

    With ``below``, a line matching ``regex`` only counts when one of the next
    ``within`` non-blank lines matches ``below`` (a message on the lines under
    its heading: CMake's ``Could not find compiler set in environment variable
    CC:`` with the name further down, a bare ``RuntimeError:``); the named groups
    of both matches are the hit's. With ``report_below`` the hit is the line
    ``below`` matched (an exception under the traceback line that explains it).
    """

    source: str
    literals: tuple[str, ...] | None
    folded: bool = False
    below: Pattern | None = None  # compiled on first use, as ``regex`` is
    within: int = 0
    report_below: bool = False

    @cached_property
    def regex(self) -> re.Pattern[str]:
        """The compiled ``source``."""
        return re.compile(self.source)


class _FieldError(ValueError):
    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def _text(value: object, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _FieldError(key, f"{key} must be a non-empty string, not {value!r}")
    return value.strip()


def _prose(value: object, key: str) -> str:
    """A text that may be wrapped in the TOML file: single line breaks become spaces."""
    return re.sub(r"(?<!\n)\n(?!\n)", " ", _text(value, key))


def _strings(value: object, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise _FieldError(key, f"{key} must be a list of non-empty strings")
    return tuple(value)


def _rate(value: object, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _FieldError(key, f"{key} must be a number between 0 and 1, not {value!r}")
    if not 0 <= value <= 1:
        raise _FieldError(key, f"{key} must be between 0 and 1, not {value!r}")
    return float(value)


def _table(value: object, key: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _FieldError(key, f"{key} must be a table")
    return value


def _known(table: Mapping[str, object], known: tuple[str, ...], where: str) -> None:
    for key in table:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(known)}"
            raise _FieldError(key, f"unknown key '{where}{key}'{hint}")


def _lists(value: object) -> dict[str, str]:
    """The ``[lists]`` table of a rule file: each name's words, as one alternation.

    A word is matched as written (``g++`` needs no escaping); the alternatives are
    tried in the order listed.
    """
    table = _table(value, "lists")
    lists = {}
    for name, words in table.items():
        if not _LIST_REFERENCE.fullmatch("{{" + name + "}}"):
            raise _FieldError(name, f"list name {name!r} must be lower-case letters, digits, _")
        if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
            raise _FieldError(name, f"lists.{name} must be a list of non-empty strings")
        lists[name] = "(?:" + "|".join(re.escape(word) for word in words) + ")"
    return lists


def _expanded(text: str, key: str, lists: Lists) -> str:
    """``text`` with each ``{{name}}`` replaced by the regex of that list."""

    def _list(found: re.Match[str]) -> str:
        name = found.group(1)
        if name not in lists:
            known = ", ".join(sorted(lists)) or "none"
            message = f"{key}: bad regex {text!r}: no list named {name!r} (lists: {known})"
            raise _FieldError(key, message)
        return lists[name]

    return _LIST_REFERENCE.sub(_list, text) if "{{" in text else text


def _checked(text: object, key: str, loading: Loading) -> Pattern:
    """A pattern of ``text``, parsed for its literals but not compiled yet; the errors
    only compiling finds are about lookbehinds, so a regex with one is compiled now,
    unless its analysis is known (kept by a load that compiled it)."""
    if not isinstance(text, str) or not text:
        raise _FieldError(key, f"{key} must hold non-empty regex strings")
    source = _expanded(text, key, loading.lists)
    try:
        analysis = loading.analysed.get(source)
        known = analysis is not None
        if analysis is None:
            analysis = loading.analysed[source] = regex_literals(source)
        pattern = Pattern(source, *analysis)
        if "(?<" in source and not known:
            _ = pattern.regex
    except re.error as exc:
        raise _FieldError(key, f"{key}: bad regex {text!r}: {exc}") from None
    return pattern


def _pattern(item: object, key: str, tables: bool, loading: Loading) -> Pattern:
    """One pattern: a regex string, or (where ``tables``) ``{line, below, within}``."""
    if not isinstance(item, dict):
        return _checked(item, key, loading)
    if not tables:
        raise _FieldError(key, f"{key} must be a list of regex strings")
    _known(item, ("line", "below", "within", "report"), f"{key}.")
    if "line" not in item or "below" not in item:
        raise _FieldError(key, f"a table in {key} needs 'line' and 'below' regexes")
    within = item.get("within", 3)
    if isinstance(within, bool) or not isinstance(within, int) or not 1 <= within <= MAX_WITHIN:
        raise _FieldError(key, f"{key}.within must be an integer from 1 to {MAX_WITHIN}")
    report = item.get("report", "line")
    if report not in ("line", "below"):
        raise _FieldError(key, f"{key}.report must be 'line' or 'below'")
    line = _checked(item["line"], key, loading)
    below = _checked(item["below"], key, loading)
    return replace(line, below=below, within=within, report_below=report == "below")


def _patterns(
    value: object, key: str, loading: Loading, *, tables: bool = False
) -> tuple[Pattern, ...]:
    if not isinstance(value, list):
        raise _FieldError(key, f"{key} must be a list of regexes")
    return tuple(_pattern(item, key, tables, loading) for item in value)


def _packages(value: object, key: str) -> dict[str, tuple[str, ...]]:
    table = _table(value, key)
    _known(table, DISTROS, f"{key}.")
    return {distro: _strings(names, f"{key}.{distro}") for distro, names in table.items()}
