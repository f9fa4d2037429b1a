"""The classifier's fast paths find exactly what a line-by-line reading finds.

The prefilter's few regex passes must report every line that contains a literal
(and only those), and a :class:`Piece` must hand out the same normalised lines as
:class:`LogText`, whichever line is asked for first.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from wheelmill.diagnose import _scan, default_rules_dirs, diagnose, load_rules
from wheelmill.diagnose._logtext import LogText, Piece
from wheelmill.diagnose._prefilter import Prefilter, greedy_cover

LOGS = sorted((Path(__file__).parent / "logs").rglob("*.log"))

#: Lines with decorations, colour codes cut through words, carriage returns, odd case.
ODD = (
    "Collecting x\r\n"
    "  \u2502 fatal \x1b[1merr\x1b[0mor: boom\n"
    "\n"
    "KILLED SIGNAL 9 and Ninja\r\n"
    "progress 10%\rprogress 100%\n"
    "2024-05-01T10:00:00.1234567Z ERROR: no\n"
    "\u212aILLED signal (Kelvin sign)\n"
    "last line without newline"
)


def _literals() -> set[str]:
    rules = load_rules(*default_rules_dirs())
    return {
        literal
        for rule in rules
        for pattern in (
            *rule.patterns,
            *rule.requires,
            *rule.excludes,
            *rule.subject_above,
            *rule.subject_below,
        )
        for literal in pattern.literals or ()
    }


def _expected(text: str, exact: set[str], folded: set[str], *, utf8: bool = False) -> list[int]:
    starts, offset = [], 0
    for line in text.split("\n"):
        lowered = line.lower()
        if any(literal in line for literal in exact) or any(f in lowered for f in folded):
            starts.append(offset)
        offset += len(line.encode() if utf8 else line) + 1
    return starts


@pytest.mark.parametrize("folded", [set(), {"killed signal", "ninja", "error: n"}])
def test_the_prefilter_finds_exactly_the_lines_with_a_literal(folded: set[str]) -> None:
    exact = _literals() | {"rror", " of output]", "zz", "\u2502 fatal", "\u2018tmp\u2019"}
    prefilter = Prefilter(exact, folded)
    assert 1 < len(prefilter.passes) < len(exact) // 4  # grouped, not one pass each
    read_as_bytes = 0
    for text in [*(log.read_text("utf-8", "replace") for log in LOGS), ODD]:
        text = Piece(text).text
        assert prefilter.line_starts(text) == _expected(text, exact, folded)
        data = text.encode()
        if prefilter.reads(data):
            read_as_bytes += 1
            assert prefilter.line_starts(data) == _expected(text, exact, folded, utf8=True)
    assert read_as_bytes > len(LOGS) // 4  # the others are not ASCII (with folded literals)


def test_a_literal_spanning_lines_or_without_a_caseless_lead_still_works() -> None:
    # "haystack" is led by a letter in both its cases; "kiss" by none (re also matches k,
    # i and s to other letters, the Kelvin sign here), so it has a slower pass of its own
    prefilter = Prefilter({"a\nb", "needle"}, {"haystack", "kiss"})
    text = "a\nb\nHayStack x\nno\nthe needle\nKISS\n\u212aiss\nkis"
    assert prefilter.line_starts(text) == [4, 18, 29, 34]
    assert [p.pattern for p in prefilter.passes if p.pattern.startswith("(?i:")] == ["(?i:kiss)"]
    assert prefilter.line_starts(text.encode()) == [4, 18, 29]  # bytes fold ASCII only


def test_the_passes_are_compiled_for_what_is_searched() -> None:
    prefilter = Prefilter({"needle", "pin"})
    assert prefilter.line_starts(b"a pin\nhay\n") == [0]
    assert "byte_passes" in vars(prefilter)
    assert "passes" not in vars(prefilter)  # text passes: none searched, none compiled


@pytest.mark.parametrize("order", ["forwards", "backwards", "scattered"])
def test_a_piece_gives_the_lines_of_logtext(order: str) -> None:
    text = "\n".join([ODD, *(log.read_text("utf-8", "replace") for log in LOGS[:20])])
    expected = LogText(text).lines
    piece = Piece(text)
    assert piece.count == len(expected)
    indexes = list(range(piece.count))
    if order == "backwards":
        indexes.reverse()
    elif order == "scattered":
        piece.locate([0, text.index("\n") + 1])
        indexes = indexes[::7] + indexes[::-3] + indexes
    assert [piece.line(i) for i in indexes] == [expected[i] for i in indexes]
    assert Piece(text).lines() == expected


def test_a_piece_of_bytes_gives_the_lines_of_logtext() -> None:
    data = (
        "\n".join(["  \u2502 caf\u00e9 error", "x \u2018tmp\u2019", "", "    | last"]).encode()
        + b"\nbad \xe2\x82 bytes \xff\n\xc3"
    )
    expected = LogText(data.decode("utf-8", "replace")).lines
    piece = Piece(data)
    assert [piece.line(i) for i in reversed(range(piece.count))] == expected[::-1]
    assert Piece(data).lines() == expected
    with pytest.raises(ValueError, match="decode"):
        Piece(b"colour \x1b[31m")


#: What most of a long build log is: compiler command lines, their warnings, copies.
COMPILER_NOISE = (
    "gcc -Wsign-compare -DNDEBUG -g -fwrapv -O3 -Wall -fPIC -Isrc -I/usr/include/python3.11 "
    "-c src/module_7.c -o build/temp.linux-x86_64-cpython-311/src/module_7.o",
    "src/module_7.c: In function \u2018helper_7\u2019:",
    "src/module_7.c:7:17: warning: unused variable \u2018tmp\u2019 [-Wunused-variable]",
    "    7 |     int tmp = 0;",
    "      |         ^~~",
    "copying lib/pkg/sub_7.py -> build/lib.linux-x86_64-cpython-311/pkg",
    "x86_64-linux-gnu-gcc -shared -Wl,-O1 build/temp.linux-x86_64-cpython-312/a.o "
    "-L/usr/lib/x86_64-linux-gnu -o build/lib.linux-x86_64-cpython-312/a.cpython-312.so",
)


def test_no_pattern_is_searched_on_ordinary_compiler_output() -> None:
    """A pattern runs only on lines holding one of its literals: a literal found in
    ordinary compiler output (``python`` is in every ``-I…/python3.11``) would run it on
    most lines of a long log, and one such pattern made 100,000 lines 4x slower."""
    rules = load_rules(*default_rules_dirs())
    searched = [
        (rule.id, literal, line)
        for rule in rules
        for pattern in (
            *rule.patterns,
            *rule.requires,
            *rule.excludes,
            *rule.subject_above,
            *rule.subject_below,
        )
        for literal in pattern.literals or ()
        for line in COMPILER_NOISE
        if literal in line or literal in line.lower()
    ]
    assert searched == []


def test_greedy_cover_takes_the_largest_set_first_and_the_first_name_among_equals() -> None:
    holders = {"b": {"x", "y"}, "a": {"x", "y"}, "c": {"y", "z"}, "d": {"w"}}
    groups = greedy_cover(holders)
    # "a", "b" and "c" tie at two and "a" sorts first; then "c" keeps only "z" and ties
    # with "d"; "b" is empty by then and never comes
    assert list(groups) == ["a", "c", "d"]
    assert groups == {"a": ["x", "y"], "c": ["z"], "d": ["w"]}


def test_a_short_log_is_read_line_by_line_and_a_long_one_through_the_prefilter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Below ``PREFILTERED`` every line is a candidate and the prefilter's regexes are
    never compiled; above it they are. Both ways give the same diagnosis of every third
    stored log (the others: the same mechanisms, more time)."""
    rules = load_rules(*default_rules_dirs())
    texts = [log.read_text("utf-8", "replace") for log in LOGS[::3]]
    assert all(len(text) < _scan.PREFILTERED for text in texts)  # else both ways: prefilter
    line_by_line = [diagnose(text, rules) for text in texts]
    assert rules.plan is not None
    assert not {"passes", "byte_passes"} & set(vars(rules.plan.prefilter))  # none compiled
    monkeypatch.setattr(_scan, "PREFILTERED", 0)
    rules = load_rules(*default_rules_dirs())
    assert [diagnose(text, rules) for text in texts] == line_by_line
    assert rules.plan is not None
    assert "passes" in vars(rules.plan.prefilter)
