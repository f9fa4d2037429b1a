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
(lower-cased by ``_literal``) needs a lead that has no case: an ASCII digit, blank or
punctuation; one without such a character goes into one slower pass of its own.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable, Iterable
from typing import AnyStr

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
    hits = _PER_10K.get(lead, _RARE) / 10_000
    return literals / (1 + hits * (_HIT_COST + _HIT_COST_PER_LITERAL * literals))


def _uncased(char: str) -> bool:
    return char.isascii() and not char.isalpha()


def _leads(literals: set[str], usable: bool) -> dict[str, list[str]]:
    """Literals grouped under a lead character each contains (greedy weighted cover).

    With ``usable`` False (case-insensitive literals) only characters without case
    can lead; literals without one are left out.
    """
    holders: dict[str, set[str]] = {}
    for literal in literals:
        if usable or any(map(_uncased, literal)):
            for char in set(literal):
                if usable or _uncased(char):
                    holders.setdefault(char, set()).add(literal)
    return greedy_cover(holders, _worth)


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

    def emit(node: _Node) -> str:
        branches = [re.escape(c) + emit(child) for c, child in node.items() if c]
        ends = node.get("", {})
        if any(literal.startswith(lead) for literal in ends):
            branches.append("")  # the text matched so far is the whole literal
        else:
            branches.extend(f"(?<={re.escape(literal)})" for literal in ends)
        return branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"

    return emit(root)


def _pattern(lead: str, exact: list[str], folded: list[str]) -> str:
    parts = [_trie(lead, exact)] if exact else []
    if folded:
        parts.append(f"(?i:{_trie(lead, folded)})")
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


class Prefilter:
    """Finds the lines containing any of ``literals`` (case-sensitive) or of ``folded``
    (lower case, matched ignoring case). Literals spanning lines are ignored.

    Text read from a file can be searched before it is decoded, as UTF-8 bytes
    (:meth:`reads` says when that finds the same lines).
    """

    def __init__(self, literals: Iterable[str], folded: Iterable[str] = ()) -> None:
        exact = {literal for literal in literals if literal and "\n" not in literal}
        ignoring = {literal for literal in folded if literal and "\n" not in literal}
        exact_groups = _leads(exact, usable=True)
        folded_groups = _leads(ignoring, usable=False)
        leads = sorted({*exact_groups, *folded_groups})
        pairs = [(exact_groups.get(lead, []), folded_groups.get(lead, [])) for lead in leads]
        self.passes = [re.compile(_pattern(lead, *pair)) for lead, pair in zip(leads, pairs)]
        #: the same passes over UTF-8 bytes (``None``: a literal has U+FFFD, which the
        #: decoder also puts for bytes that are not UTF-8)
        self.byte_passes: list[re.Pattern[bytes]] | None = None
        if not any("\ufffd" in literal for literal in exact | ignoring):
            self.byte_passes = [
                re.compile(_latin1(_pattern(_utf8(lead), *map(_utf8s, pair))))
                for lead, pair in zip(leads, pairs)
            ]
        self.folded = bool(ignoring)
        leftover = ignoring - {literal for group in folded_groups.values() for literal in group}
        if leftover:
            alternatives = "|".join(map(re.escape, sorted(leftover, key=len, reverse=True)))
            self.passes.append(re.compile(alternatives, re.IGNORECASE))
            if self.byte_passes is not None:
                regex = re.compile(_latin1(_utf8(alternatives)), re.IGNORECASE)
                self.byte_passes.append(regex)

    def reads(self, data: bytes) -> bool:
        """Whether searching the bytes ``data`` finds the lines searching its decoded text
        would: no carriage return or colour code (they are removed before reading) and,
        with case-insensitive literals, ASCII only (case folding is ASCII-only in bytes)."""
        return (
            self.byte_passes is not None
            and b"\r" not in data
            and b"\x1b" not in data
            and (not self.folded or data.isascii())
        )

    def line_starts(self, text: str | bytes) -> list[int]:
        """Offsets in ``text`` of the starts of the lines (ended by ``\\n``) containing a
        literal, each once, in order. Bytes only where :meth:`reads` says so."""
        if isinstance(text, str):
            return _starts(self.passes, text, "\n")
        if self.byte_passes is None:
            raise ValueError("these literals cannot be searched in bytes")
        return _starts(self.byte_passes, text, b"\n")
