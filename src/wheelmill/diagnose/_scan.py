"""Where each rule pattern matches in a log piece: the classifier's scan plan.

Per piece, one :class:`~._prefilter.Prefilter` pass per lead character finds the lines
that contain any pattern's literal (or any other text the classifier looks for); only
those lines are cut out and normalised (a piece of a short log is taken whole, every
line normalised: cheaper than compiling the passes). Among them, each literal's lines are found by
substring search (literals grouped under shared 4-letter anchors), and each pattern
runs only on the lines holding one of its literals. A pattern with ``below`` then
reads a few lines under each match (into the next piece when a match is near the end
of one): only lines its own literals picked out cost that.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ._chained import FRAME_LINE
from ._fields import Pattern
from ._logtext import AnyPiece, Piece, TextView
from ._planned import Layout, remembered_layout
from ._prefilter import Prefilter, greedy_cover, sources
from ._searched import SEARCHED

if TYPE_CHECKING:
    from .rules import RuleSet

#: At most this many matches are kept per pattern (subjects come from the first ones).
MAX_HITS = 8
#: Length of the shared substrings that group literals for the first search.
_ANCHOR = 4
#: A piece shorter than this (in characters or bytes) is not prefiltered: searching
#: each of its lines for the anchors costs less than compiling the prefilter's regexes,
#: which is most of the work for a log of a few kilobytes, as most failed builds' are.
PREFILTERED = 1 << 18


@dataclass(frozen=True)
class Hit:
    line: int  # 0-based
    match: re.Match[str]
    below: re.Match[str] | None = None  # the pattern's ``below`` match, if it has one
    # the stored line reported, when it is not the match's own: the line holding the
    # escaped line the match is in, or the line under a heading that ``below`` matched
    whole: str | None = None
    part: int = 0  # which of those escaped lines (they keep their order within the line)
    # the line is a raise statement a Python traceback quotes: code, not output
    quoted: bool = False

    def groups(self) -> dict[str, str]:
        """Named groups that matched: the line's first, then those of the lines below."""
        found = {k: v for k, v in self.match.groupdict().items() if v is not None}
        if self.below is not None:
            for name, value in self.below.groupdict().items():
                if value is not None:
                    found.setdefault(name, value)
        return found


@dataclass
class Waiting:
    """A match of a pattern with ``below`` whose lines below run into the next piece."""

    pattern: Pattern
    line: int  # 0-based, in the whole log
    match: re.Match[str]
    left: int  # non-blank lines still to try


def escaped_lines(line: str) -> list[str]:
    """The lines of a Python bytes repr that holds a whole output (``print(out)`` of a
    subprocess's bytes: ``b"make: Entering …\\nPackage x was not found…\\n"``); none for
    any other line."""
    if len(line) < 3 or line[0] != "b" or line[1] not in "'\"" or line[-1] != line[1]:
        return []
    text = line[2:-1]
    if "\\n" not in text:
        return []
    text = text.replace("\\'", "'").replace('\\"', '"')
    return [part.strip() for part in text.split("\\n") if part.strip()]


def _quoted(piece: AnyPiece, index: int, text: str, before: str) -> bool:
    """Whether line ``index`` is the ``raise`` statement a traceback quotes under the frame
    above it (``raise OSError("Could not find libfoo")``): the exception's own line, at
    the traceback's end, says the same. ``before`` is the line above the piece."""
    if not text.startswith("raise "):
        return False
    return FRAME_LINE.match(piece.line(index - 1) if index else before) is not None


def _search(pattern: Pattern, line: str) -> tuple[re.Match[str] | None, int]:
    """The first match of ``pattern`` on ``line``, and where: 0 for the line itself, else
    the 1-based index of the escaped line of a bytes repr it is in (such a line is read as
    its escaped lines, in order, by the patterns without ``below``)."""
    parts = escaped_lines(line) if pattern.below is None and line[:1] == "b" else []
    if not parts:
        return pattern.regex.search(line), 0
    for index, part in enumerate(parts):
        match = pattern.regex.search(part)
        if match:
            return match, index + 1
    return None, 0


def _look_below(
    pattern: Pattern, piece: AnyPiece, start: int, left: int
) -> tuple[re.Match[str] | None, int, int]:
    """Try ``pattern.below`` on up to ``left`` non-blank lines from line ``start``:
    the match and its line, or None and how many lines are still to try past the
    piece's end."""
    assert pattern.below is not None
    index = start
    while left and index < piece.count:
        text = piece.line(index)
        if text.strip():
            found = pattern.below.regex.search(text)
            if found:
                return found, 0, index
            left -= 1
        index += 1
    return None, left, index


def _below_hit(
    pattern: Pattern, line: int, match: re.Match[str], below: re.Match[str], under: int
) -> Hit:
    """A table pattern's hit: on its heading's ``line``, or with ``report_below`` on the
    line ``under`` it that ``below`` matched (both 0-based in the whole log)."""
    if pattern.report_below:
        return Hit(under, match, below, below.string)
    return Hit(line, match, below)


def _anchors(literals: set[str]) -> dict[str, list[str]]:
    """Group literals under short shared substrings (greedy cover by 4-grams).

    Each anchor is searched in the candidate lines once; its literals are then only
    searched in the few lines that contain the anchor. Each step takes the 4-gram in
    most literals not yet grouped (:func:`greedy_cover`).
    """
    holders: dict[str, set[str]] = {}
    short = []
    for literal in literals:
        grams = {literal[i : i + _ANCHOR] for i in range(len(literal) - _ANCHOR + 1)}
        for gram in grams:
            holders.setdefault(gram, set()).add(literal)
        if not grams:
            short.append(literal)
    groups = greedy_cover(holders)
    for literal in sorted(short):
        groups[literal] = [literal]  # shorter than an anchor
    return groups


class Plan:
    """Every pattern of a rule set, and how to find the lines worth trying it on (and
    those holding the text the classifier always looks for, :data:`._searched.SEARCHED`).

    With ``remembered``, how the literals are grouped comes from the per-user cache
    when it is kept there, and is kept there when it is not (:mod:`._planned`): for
    :func:`~.rules.load_rules`, which reads files anyway. Otherwise it is worked out
    here, with no I/O.
    """

    def __init__(self, rules: RuleSet, *, remembered: bool = False) -> None:
        patterns: dict[int, Pattern] = {}
        for rule in rules:
            for pattern in (
                *rule.patterns,
                *rule.requires,
                *rule.excludes,
                *rule.subject_above,
                *rule.subject_below,
            ):
                patterns[id(pattern)] = pattern
        self.patterns = list(patterns.values())
        #: how many lines envelope hits can take out of the search for an error-looking line
        self.envelope_lines = MAX_HITS * sum(len(r.patterns) for r in rules if r.envelope)
        #: a pattern without a literal runs on every line
        self.every_line = any(pattern.literals is None for pattern in self.patterns)
        literals: dict[bool, set[str]] = {False: set(), True: set()}
        for pattern in self.patterns:
            folded = pattern.folded
            literals[folded].update(pattern.literals or ())
        searched = {*literals[False], *SEARCHED}

        def layout() -> Layout:
            groups = {folded: _anchors(found) for folded, found in literals.items()}
            return groups, sources(searched, literals[True])

        if remembered:
            self.groups, found = remembered_layout(searched, literals[True], layout)
        else:
            self.groups, found = layout()
        self.prefilter = Prefilter.of(found)

    def piece(self, raw: str | bytes) -> AnyPiece:
        """A piece of the log; bytes stay bytes when the prefilter can search them as such."""
        if isinstance(raw, str):
            return Piece(raw)
        if self.prefilter.reads(raw):
            return Piece(raw)
        return Piece(raw.decode("utf-8", "replace"))

    def candidates(self, piece: AnyPiece) -> TextView:
        """The lines of ``piece`` worth searching for the literals: those that hold one
        (found by the prefilter), or every line of a piece under :data:`PREFILTERED`."""
        if len(piece.text) < PREFILTERED:
            return piece.view(list(range(piece.count)))
        return piece.view(piece.locate(self.prefilter.line_starts(piece.text)))

    def _literal_lines(self, piece: AnyPiece, view: TextView) -> dict[tuple[str, bool], list[int]]:
        """For every literal: the 0-based lines of the piece containing it."""
        found: dict[tuple[str, bool], list[int]] = {}
        for folded, groups in self.groups.items():
            searched = piece.view(view.origin or [], folded=True) if folded and groups else view
            for anchor, literals in groups.items():
                lines = searched.lines_containing(anchor)
                subset = piece.view(lines, folded=folded) if lines else None
                for literal in literals:
                    found[(literal, folded)] = subset.lines_containing(literal) if subset else []
        return found

    def scan(
        self,
        piece: AnyPiece,
        view: TextView,
        offset: int,
        hits: dict[int, list[Hit]],
        waiting: list[Waiting] | None = None,
        before: str = "",
    ) -> None:
        """Add the hits in ``piece`` (whose first line is line ``offset`` of the whole log;
        ``view`` from :meth:`candidates`) to ``hits``, per pattern (keyed by
        ``id(pattern)``), in line order, at most MAX_HITS. ``waiting`` carries matches
        whose lines below go on in the next piece from one call to the next; ``before``
        is the previous piece's last line, normalised."""
        if waiting:
            self._resume(piece, offset, hits, waiting)
        literal_lines = self._literal_lines(piece, view)
        if self.every_line:
            piece.lines()
        for pattern in self.patterns:
            found = hits.get(id(pattern), [])
            if len(found) >= MAX_HITS:
                continue
            candidates: Iterable[int]
            if pattern.literals is None:
                candidates = range(piece.count)
            else:
                folded = pattern.folded
                lines = [literal_lines[(lit, folded)] for lit in pattern.literals]
                candidates = lines[0] if len(lines) == 1 else sorted(set().union(*lines))
            for index in candidates:
                text = piece.line(index)
                match, part = _search(pattern, text)
                if not match:
                    continue
                if pattern.below is None:
                    quoted = not part and _quoted(piece, index, text, before)
                    whole = text if part else None
                    found.append(Hit(offset + index, match, None, whole, part, quoted))
                else:
                    below, left, under = _look_below(pattern, piece, index + 1, pattern.within)
                    if below is None:
                        if left and waiting is not None:
                            waiting.append(Waiting(pattern, offset + index, match, left))
                        continue
                    found.append(_below_hit(pattern, offset + index, match, below, offset + under))
                if len(found) >= MAX_HITS:
                    break
            if found:
                hits[id(pattern)] = found

    @staticmethod
    def _resume(
        piece: AnyPiece, offset: int, hits: dict[int, list[Hit]], waiting: list[Waiting]
    ) -> None:
        """Go on reading below the matches the previous piece ended under."""
        still = []
        for wait in waiting:
            below, wait.left, under = _look_below(wait.pattern, piece, 0, wait.left)
            if below is not None:
                found = hits.setdefault(id(wait.pattern), [])
                if len(found) < MAX_HITS:
                    hit = _below_hit(wait.pattern, wait.line, wait.match, below, offset + under)
                    found.append(hit)
            elif wait.left:
                still.append(wait)
        waiting[:] = still


def scan_plan(rules: RuleSet) -> Plan:
    """The rule set's plan: the one :func:`~.rules.load_rules` gave it, else one built
    now (with no I/O) and kept with it."""
    if rules.plan is None:
        rules.plan = Plan(rules)
    return rules.plan
