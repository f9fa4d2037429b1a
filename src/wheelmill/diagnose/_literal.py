"""The literal text a regex cannot match without: a cheap prefilter for the classifier.

A rule pattern such as ``fatal error: (?P<header>[\\w/.-]+\\.h): No such file`` can
only match a line that contains ``": No such file"``. Finding that substring
with :meth:`str.find` runs at memory speed, so the classifier only runs the
regex on the few lines that contain it instead of on every line of a 100,000-line
log.

The parse uses the standard library's regex parser (``re._parser``, called
``sre_parse`` before Python 3.11). It is private, so any surprise makes the
function answer "no literal" and the pattern is then run on every line: slower,
never wrong.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

try:  # Python 3.11+
    _PARSER: Any = importlib.import_module("re._parser")
    _CONSTANTS: Any = importlib.import_module("re._constants")
except ImportError:  # pragma: no cover - Python 3.9 and 3.10
    _PARSER = importlib.import_module("sre_parse")
    _CONSTANTS = importlib.import_module("sre_constants")

#: Shorter literals than this are too common to filter anything out.
MIN_LENGTH = 3
#: A run this short gives way to an alternation whose every branch has a longer one.
SHORT = 5


def _runs(parsed: Any) -> list[str]:
    """Literal runs of a parsed sequence that every match contains, longest first."""
    runs: list[str] = []
    current: list[str] = []
    for op, arg in parsed:
        if op is _CONSTANTS.LITERAL:
            current.append(chr(arg))
            continue
        if current:
            runs.append("".join(current))
            current = []
        if op is _CONSTANTS.SUBPATTERN:
            # A quantified group is wrapped in MAX_REPEAT, so a bare group is required;
            # one that ignores case ("(?i:fetch)") matches text of any case
            if not arg[1] & re.IGNORECASE:
                runs.extend(_runs(arg[-1]))
        elif op in (_CONSTANTS.MAX_REPEAT, _CONSTANTS.MIN_REPEAT) and arg[0] >= 1:
            runs.extend(_runs(arg[2]))
    if current:
        runs.append("".join(current))
    return runs


def _alternatives(parsed: Any) -> tuple[str, ...] | None:
    """One literal per branch of an alternation in ``parsed``: a match contains one of them."""
    for op, arg in parsed:
        if op is _CONSTANTS.SUBPATTERN and not arg[1] & re.IGNORECASE:
            found = _alternatives(arg[-1])
            if found:
                return found
        if op is _CONSTANTS.BRANCH:
            literals = []
            for branch in arg[1]:
                runs = [run for run in _runs(branch) if len(run) >= MIN_LENGTH]
                if not runs:
                    return None
                literals.append(max(runs, key=len))
            return tuple(literals)
    return None


def regex_literals(text: str) -> tuple[tuple[str, ...] | None, bool]:
    """Substrings one of which every match of the regex ``text`` contains, or ``None``;
    and whether the regex ignores case. From one parse, without compiling it.

    Usually one literal (the longest run of plain text the pattern requires);
    for an alternation such as ``(?:cmake|ninja) failed`` without a long enough
    common part, one literal per branch, also when the longest run is shorter
    than :data:`SHORT` characters and every branch's literal is longer (``lib``
    is in too many lines to filter on). Lower-cased when the pattern ignores
    case (compare against lower-cased text then). ``None`` when no literal of
    at least :data:`MIN_LENGTH` characters can be found.

    Raises :class:`re.error` when ``text`` is not a regex. A parser that does not
    behave as expected gives no literals, and the regex is compiled to check it.
    """
    try:
        parsed = _PARSER.parse(text, 0)
        folded = bool(parsed.state.flags & re.IGNORECASE)
        runs = [run for run in _runs(parsed) if len(run) >= MIN_LENGTH]
        literals = (max(runs, key=len),) if runs else _alternatives(parsed)
        if runs and len(longest := max(runs, key=len)) < SHORT:
            branches = _alternatives(parsed)
            if branches and all(len(branch) > len(longest) for branch in branches):
                literals = branches
    except re.error:
        raise
    except Exception:  # pragma: no cover - a private parser changed shape
        return None, bool(re.compile(text).flags & re.IGNORECASE)
    if literals and folded:
        return tuple(literal.lower() for literal in literals), folded
    return literals, folded
