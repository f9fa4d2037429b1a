"""The lines of a log piece that contain any of many literals, in a few regex passes.

Searching each literal (or each shared 4-letter anchor) with :meth:`str.find` costs one
pass over the whole piece per literal, so a log's time grows with the knowledge base.
Instead the literals are grouped by a *lead* character that each of them contains, and
each group becomes one regex: the lead, then a trie of what follows it in each literal,
and at the end a fixed-width lookbehind that checks the whole literal. A regex that
starts with one literal character is searched by the regex engine's own tight loop for
that character, so a pass costs little more than a :meth:`str.find`; the number of
passes is the number of lead characters (a handful), however many literals there are.

Leads are chosen greedily, preferring characters that are rare in build logs (each
occurrence of the lead starts a trie walk). A literal of a case-insensitive pattern
(lower-cased by ``_literal``) is led by a character without case (an ASCII digit,
blank or punctuation) or by an ASCII letter in both its cases, one pass each (a
character class would lose the regex engine's fast scan for a literal first
character); ``i``, ``k`` and ``s`` cannot lead such a literal, since the engine also
matches them to other characters (dotless i, the Kelvin sign, long s). One without any of
those goes into one slower pass of its own.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable, Iterable
from functools import cached_property
from typing import AnyStr, Optional

#: How often characters appear in the build logs of tests/logs, per 10,000 characters.
#: A character not listed counts as :data:`_RARE`.
# fmt: off
_PER_10K = {
    " ": 1566, "e": 582, "i": 521, "t": 466, "n": 439, "o": 390, "l": 355, "s": 354,
    "r": 344, "p": 323, "/": 295, "a": 279, "c": 272, "u": 249, "d": 234, "-": 215,
    ".": 184, "y": 162, "h": 157, "g": 155, "*": 151, "m": 145, "_": 143, "b": 141,
    "^": 135, "f": 104, "x": 73, ":": 73, "v": 65, "'": 57, "w": 51, "k": 51, ",": 49,
    "~": 41, "X": 32, '"': 32, "I": 31, "(": 30, ")": 29, "C": 26, "P": 26, ">": 24,
    "F": 23, "E": 22, "=": 22, "R": 18, "q": 17, "S": 17, "D": 17, "N": 16, "j": 15,
    "O": 15, "T": 14, "B": 13, "z": 12, "G": 11, "L": 11, "W": 11, "[": 10, "]": 10,
    **dict.fromkeys("0123456789", 60),
}
# fmt: on
_RARE = 5
#: What one occurrence of a lead costs, in characters scanned: starting a match, plus a
#: little per literal of its group (the regex engine tries the trie's branches in turn).
_HIT_COST = 100
_HIT_COST_PER_LITERAL = 5

#: A trie of literal text: character -> subtree; key "" holds the literals ending here.
_Node = dict[str, "_Node"]


def _worth(lead: str, literals: int) -> float:
    """Literals covered per unit of cost (one pass over text without ``lead`` = 1)."""
    return _covered(literals, (lead,))


def _covered(literals: int, leads: tuple[str, ...]) -> float:
    """Literals covered per unit of cost of one pass led by each of ``leads``."""
    hits = sum(_PER_10K.get(lead, _RARE) for lead in leads) / 10_000
    return literals / (len(leads) + hits * (_HIT_COST + _HIT_COST_PER_LITERAL * literals))


#: Letters that lead a case-insensitive literal in two passes, their two cases: the
#: ASCII letters that re's IGNORECASE matches to no other character.
_TWO_CASES = frozenset("abcdefghjlmnopqrtuvwxyz")


def _uncased(char: str) -> bool:
    return char.isascii() and not char.isalpha()


def _folded_lead(char: str) -> bool:
    """Whether ``char`` can lead a case-insensitive (lower-case) literal."""
    return _uncased(char) or char in _TWO_CASES


def _folded_worth(lead: str, literals: int) -> float:
    """:func:`_worth` for a case-insensitive lead: a letter costs a pass per case."""
    return _covered(literals, (lead,) if _uncased(lead) else (lead, lead.upper()))


def _leads(literals: set[str], folded: bool) -> dict[str, list[str]]:
    """Literals grouped under a lead character each contains (greedy weighted cover).

    With ``folded`` (case-insensitive literals, in lower case) only the characters
    :func:`_folded_lead` allows can lead; literals without one are left out.
    """
    holders: dict[str, set[str]] = {}
    for literal in literals:
        for char in set(literal):
            if not folded or _folded_lead(char):
                holders.setdefault(char, set()).add(literal)
    return greedy_cover(holders, _folded_worth if folded else _worth)


def greedy_cover(
    holders: dict[str, set[str]], worth: Callable[[str, int], float] = lambda _key, size: size
) -> dict[str, list[str]]:
    """Every item of ``holders``' sets grouped under one key whose set holds it, by
    greedy set cover: each time the key whose items not yet grouped are worth most
    (among equals, the first in sorted order) takes them all. Keys in that order.

    ``worth`` grows with the number of items and that number only falls, so a heap of
    worths, checked again when popped, finds the best key without scoring every key
    each time. The sets of ``holders`` are emptied as their items are grouped.
    """
    keys_of: dict[str, list[str]] = {}
    for key, members in holders.items():
        for item in members:
            keys_of.setdefault(item, []).append(key)
    heap = [(-worth(key, len(members)), key) for key, members in holders.items() if members]
    heapq.heapify(heap)
    groups: dict[str, list[str]] = {}
    while heap:
        negated, key = heapq.heappop(heap)
        size = len(holders[key])
        if not size:
            continue
        now = worth(key, size)
        if now != -negated:
            heapq.heappush(heap, (-now, key))
            continue
        groups[key] = sorted(holders[key])
        for item in groups[key]:
            for other in keys_of[item]:
                holders[other].discard(item)
    return groups


def _trie(lead: str, literals: list[str]) -> str:
    """Regex (without the lead) matching the text after ``lead`` in each literal,
    ending in a lookbehind for the whole literal where the lead is not its start."""
    root: _Node = {}
    for literal in literals:
        node = root
        for char in literal[literal.index(lead) + len(lead) :]:
            node = node.setdefault(char, {})
        node.setdefault("", {})[literal] = {}

    def emit(node: _Node, read: int) -> str:
        branches = [re.escape(c) + emit(child, read + 1) for c, child in node.items() if c]
        ends = list(node.get("", {}))
        if any(literal.startswith(lead) for literal in ends):
            branches.append("")  # the text matched so far is the whole literal
        elif ends:
            branches.append(_behind(ends, read))
        return _either(branches)

    return emit(root, len(lead))


def _either(branches: list[str]) -> str:
    return branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"


def _behind(literals: list[str], read: int) -> str:
    """Regex asserting that the text before the position ends with one of ``literals``,
    whose last ``read`` characters (the same for all) were just matched: lookbehinds
    that go back one character more at each step (a trie of the literals read from
    their end), so a position most literals do not end at fails after a check or two."""
    ahead: dict[str, list[str]] = {}
    for literal in literals:
        ahead.setdefault(literal[-read - 1], []).append(literal)
    branches = []
    for group in ahead.values():
        if len(group) == 1:
            branches.append(f"(?<={re.escape(group[0])})")
            continue
        longer = [literal for literal in group if len(literal) > read + 1]
        inner = _behind(longer, read + 1) if len(longer) == len(group) else ""
        branches.append(f"(?<={re.escape(group[0][-read - 1 :])})" + inner)
    return _either(branches)


def _pattern(lead: str, exact: list[str], folded: list[str]) -> str:
    """One pass: ``lead``, then the tries of the literals it leads (``folded``: in lower
    case, led by ``lead`` in either case)."""
    parts = [_trie(lead, exact)] if exact else []
    if folded:
        parts.append(f"(?i:{_trie(lead.lower(), folded)})")
    return re.escape(lead) + (parts[0] if len(parts) == 1 else f"(?:{'|'.join(parts)})")


def _utf8(text: str) -> str:
    """``text``'s UTF-8 bytes as the characters 0-255 (to build a bytes pattern)."""
    return text.encode("utf-8").decode("latin-1")


def _utf8s(texts: list[str]) -> list[str]:
    return [_utf8(text) for text in texts]


def _latin1(pattern: str) -> bytes:
    return pattern.encode("latin-1")


def _starts(passes: list[re.Pattern[AnyStr]], text: AnyStr, newline: AnyStr) -> list[int]:
    starts: set[int] = set()
    for regex in passes:
        search = regex.search
        found = search(text)
        while found is not None:
            position = found.start()
            starts.add(text.rfind(newline, 0, position) + 1)
            end = text.find(newline, position)
            if end == -1:
                break
            found = search(text, end + 1)  # one hit per line is enough
    return sorted(starts)


#: What a :class:`Prefilter` searches with, as regex sources: the passes over text,
#: the same over UTF-8 bytes (``None``: they cannot be, see :meth:`Prefilter.reads`),
#: and whether any literal ignores case. What the per-user cache keeps of it.
Sources = tuple[list[str], Optional[list[bytes]], bool]  # Optional: evaluated on 3.9 too


def sources(literals: Iterable[str], folded: Iterable[str] = ()) -> Sources:
    """The passes that find the lines containing any of ``literals`` (case-sensitive)
    or of ``folded`` (lower case, matched ignoring case); literals spanning lines are
    left out."""
    exact = {literal for literal in literals if literal and "\n" not in literal}
    ignoring = {literal for literal in folded if literal and "\n" not in literal}
    exact_groups = _leads(exact, folded=False)
    folded_groups = _leads(ignoring, folded=True)
    by_case = {case: lead for lead in folded_groups for case in {lead, lead.upper()}}
    leads = sorted({*exact_groups, *by_case})
    pairs = [
        (exact_groups.get(lead, []), folded_groups.get(by_case.get(lead, ""), [])) for lead in leads
    ]
    text = [_pattern(lead, *pair) for lead, pair in zip(leads, pairs)]
    data: list[bytes] | None = None
    # the decoder puts U+FFFD for bytes that are not UTF-8: such a literal is not in them
    if not any("\ufffd" in literal for literal in exact | ignoring):
        data = [
            _latin1(_pattern(_utf8(lead), *map(_utf8s, pair))) for lead, pair in zip(leads, pairs)
        ]
    leftover = ignoring - {literal for group in folded_groups.values() for literal in group}
    if leftover:
        alternatives = "|".join(map(re.escape, sorted(leftover, key=len, reverse=True)))
        text.append(f"(?i:{alternatives})")
        if data is not None:
            data.append(_latin1(_utf8(f"(?i:{alternatives})")))
    return text, data, bool(ignoring)


class Prefilter:
    """Finds the lines containing any of ``literals`` (case-sensitive) or of ``folded``
    (lower case, matched ignoring case). Literals spanning lines are ignored.

    Text read from a file can be searched before it is decoded, as UTF-8 bytes
    (:meth:`reads` says when that finds the same lines). The passes are compiled when
    first searched with: a file is searched as text or as bytes, rarely both.
    """

    def __init__(self, literals: Iterable[str], folded: Iterable[str] = ()) -> None:
        self.sources = sources(literals, folded)

    @classmethod
    def of(cls, found: Sources) -> Prefilter:
        """The prefilter that searches with ``found`` (:func:`sources`' answer, kept)."""
        prefilter = cls.__new__(cls)
        prefilter.sources = found
        return prefilter

    @property
    def folded(self) -> bool:
        return self.sources[2]

    @cached_property
    def passes(self) -> list[re.Pattern[str]]:
        return [re.compile(source) for source in self.sources[0]]

    @cached_property
    def byte_passes(self) -> list[re.Pattern[bytes]] | None:
        found = self.sources[1]
        return None if found is None else [re.compile(source) for source in found]

    def reads(self, data: bytes) -> bool:
        """Whether searching the bytes ``data`` finds the lines searching its decoded text
        would: no carriage return or colour code (they are removed before reading) and,
        with case-insensitive literals, ASCII only (case folding is ASCII-only in bytes)."""
        return (
            self.sources[1] is not None
            and b"\r" not in data
            and b"\x1b" not in data
            and (not self.folded or data.isascii())
        )

    def line_starts(self, text: str | bytes) -> list[int]:
        """Offsets in ``text`` of the starts of the lines (ended by ``\\n``) containing a
        literal, each once, in order. Bytes only where :meth:`reads` says so."""
        if isinstance(text, str):
            return _starts(self.passes, text, "\n")
        byte_passes = self.byte_passes
        if byte_passes is None:
            raise ValueError("these literals cannot be searched in bytes")
        return _starts(byte_passes, text, b"\n")
