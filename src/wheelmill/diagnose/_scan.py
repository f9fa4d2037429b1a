"""Where each rule pattern matches in a log piece: the classifier's scan plan.

Per piece, one :class:`~._prefilter.Prefilter` pass per lead character finds the lines
that contain any pattern's literal (or any other text the classifier looks for); only
those lines are cut out and normalised. Among them, each literal's lines are found by
substring search (literals grouped under shared 4-letter anchors), and each pattern
runs only on the lines holding one of its literals.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ._fields import Pattern
from ._logtext import AnyPiece, Piece, TextView
from ._prefilter import Prefilter
from .rules import RuleSet

#: At most this many matches are kept per pattern (subjects come from the first ones).
MAX_HITS = 8
#: Length of the shared substrings that group literals for the first search.
_ANCHOR = 4


@dataclass(frozen=True)
class Hit:
    line: int  # 0-based
    match: re.Match[str]


def _anchors(literals: set[str]) -> dict[str, list[str]]:
    """Group literals under short shared substrings (greedy cover by 4-grams).

    Each anchor is searched in the candidate lines once; its literals are then only
    searched in the few lines that contain the anchor.
    """
    groups: dict[str, list[str]] = {}
    left = set(literals)
    while left:
        counts: dict[str, int] = {}
        for literal in left:
            for gram in {literal[i : i + _ANCHOR] for i in range(len(literal) - _ANCHOR + 1)}:
                counts[gram] = counts.get(gram, 0) + 1
        if not counts:  # only literals shorter than an anchor remain
            for literal in left:
                groups[literal] = [literal]
            break
        anchor = max(sorted(counts), key=lambda gram: counts[gram])
        groups[anchor] = sorted(literal for literal in left if anchor in literal)
        left -= set(groups[anchor])
    return groups


class Plan:
    """Every pattern of a rule set, and how to find the lines worth trying it on.

    ``extra`` literals (case-sensitive) are other text the caller looks for in
    :meth:`candidates`' view.
    """

    def __init__(self, rules: RuleSet, extra: Iterable[str] = ()) -> None:
        patterns: dict[int, Pattern] = {}
        for rule in rules:
            for pattern in (*rule.patterns, *rule.requires, *rule.excludes):
                patterns[id(pattern)] = pattern
        self.patterns = list(patterns.values())
        #: how many lines envelope hits can take out of the search for an error-looking line
        self.envelope_lines = MAX_HITS * sum(len(r.patterns) for r in rules if r.envelope)
        #: a pattern without a literal runs on every line
        self.every_line = any(pattern.literals is None for pattern in self.patterns)
        literals: dict[bool, set[str]] = {False: set(), True: set()}
        for pattern in self.patterns:
            folded = bool(pattern.regex.flags & re.IGNORECASE)
            literals[folded].update(pattern.literals or ())
        self.groups = {folded: _anchors(found) for folded, found in literals.items()}
        self.prefilter = Prefilter({*literals[False], *extra}, literals[True])

    def piece(self, raw: str | bytes) -> AnyPiece:
        """A piece of the log; bytes stay bytes when the prefilter can search them as such."""
        if isinstance(raw, str):
            return Piece(raw)
        if self.prefilter.reads(raw):
            return Piece(raw)
        return Piece(raw.decode("utf-8", "replace"))

    def candidates(self, piece: AnyPiece) -> TextView:
        """The lines of ``piece`` that hold a literal of a pattern or an extra literal."""
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
        self, piece: AnyPiece, view: TextView, offset: int, hits: dict[int, list[Hit]]
    ) -> None:
        """Add the hits in ``piece`` (whose first line is line ``offset`` of the whole log;
        ``view`` from :meth:`candidates`) to ``hits``, per pattern (keyed by
        ``id(pattern)``), in line order, at most MAX_HITS."""
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
                folded = bool(pattern.regex.flags & re.IGNORECASE)
                lines = [literal_lines[(lit, folded)] for lit in pattern.literals]
                candidates = lines[0] if len(lines) == 1 else sorted(set().union(*lines))
            search = pattern.regex.search
            for index in candidates:
                match = search(piece.line(index))
                if match:
                    found.append(Hit(offset + index, match))
                    if len(found) >= MAX_HITS:
                        break
            if found:
                hits[id(pattern)] = found


def plan(rules: RuleSet, extra: Iterable[str] = ()) -> Plan:
    """The rule set's plan, built on first use and kept with it."""
    if not isinstance(rules.plan, Plan):
        rules.plan = Plan(rules, extra)
    return rules.plan
