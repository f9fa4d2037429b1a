"""Patterns that read below their line: ``{ line = …, below = …, within = N }``.

A tool prints a heading and the thing it is about on a later line (CMake's
``Could not find compiler set in environment variable CC:`` with the name two
lines down, a bare ``RuntimeError:`` with its message underneath). Such a
pattern hits on the heading's line, and only when ``below`` matches one of
the next ``within`` non-blank lines; the named groups of both are the hit's.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from wheelmill._exceptions import RulesError
from wheelmill.diagnose import (
    FirstError,
    RuleSet,
    default_rules_dirs,
    diagnose,
    diagnose_bytes,
    load_rules,
    parse_rules,
)

RULES = """\
[[rule]]
id = "t/wrapper"
title = "wrapper"
category = "unknown"
envelope = true
patterns = ['^ERROR: Failed building wheel for (?P<package>\\S+)']
root_cause = "a step failed"

[[rule]]
id = "t/compiler"
title = "compiler {subject} missing"
category = "toolchain-missing"
subject = "gcc"
patterns = [
  { line = 'compiler set in CC:$', below = '^(?P<subject>[\\w.+-]+?)\\.?$' },
]
root_cause = "CC names a compiler that is not there"

[[rule]]
id = "t/placeholder"
title = "{subject} refuses"
category = "package-refuses"
subject = "{package}"
patterns = [{ line = '^RuntimeError:$', below = 'placeholder', within = 2 }]
root_cause = "a placeholder"
"""


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return RuleSet(parse_rules(RULES, "below.toml"))


def test_the_subject_comes_from_a_line_below_past_blank_ones(rules: RuleSet) -> None:
    log = "configuring\nCMake Error:\n  Could not find compiler set in CC:\n\n    tcc.\nmore\n"
    found = diagnose(log, rules)
    assert (found.rule, found.subject) == ("t/compiler", "tcc")
    assert found.first_error == FirstError(3, "Could not find compiler set in CC:")


def test_no_line_below_matching_means_no_hit(rules: RuleSet) -> None:
    found = diagnose("Could not find compiler set in CC:\n  -- two words here\n", rules)
    assert found.rule is None
    found = diagnose("Could not find compiler set in CC:", rules)  # the last line of the log
    assert found.rule is None


def test_within_counts_non_blank_lines(rules: RuleSet) -> None:
    near = "RuntimeError:\n#####\n\nonly a placeholder\n"
    far = "RuntimeError:\n#####\n-----\nonly a placeholder\n"
    assert diagnose(near, rules).rule == "t/placeholder"
    assert diagnose(far, rules).rule is None


def test_a_default_subject_can_name_an_envelope_group(rules: RuleSet) -> None:
    log = "RuntimeError:\n  a placeholder project\nERROR: Failed building wheel for tensor-thing\n"
    found = diagnose(log, rules)
    assert (found.rule, found.subject, found.summary) == (
        "t/placeholder",
        "tensor-thing",
        "tensor-thing refuses",
    )
    assert diagnose("RuntimeError:\n  a placeholder\n", rules).subject is None


def test_the_lines_below_may_be_in_the_next_piece(rules: RuleSet) -> None:
    log = ("x\n" * 50 + "Could not find compiler set in CC:\n\n\n  clang-99.\n").encode()
    whole = diagnose(log.decode(), rules)
    assert whole.subject == "clang-99"
    for size in (3, 7, 40):
        pieces = [log[i : i + size] for i in range(0, len(log), size)]
        assert diagnose_bytes(pieces, rules) == whole


REPORT_BELOW = """\
[[rule]]
id = "t/relative"
title = "{subject}"
category = "python-unsupported"
patterns = [
  { line = '^\\s*import (?P<subject>\\w+)$', below = 'NotFound', within = 1, report = "below" },
]
root_cause = "a sibling module imported by its bare name"
"""


def test_report_below_makes_the_line_below_the_first_error() -> None:
    rules = RuleSet(parse_rules(REPORT_BELOW, "report.toml"))
    log = "x\n" * 20 + '  File "pkg/__init__.py", line 2\n    import Type\n'
    log += "ModuleNotFoundError: No module named 'Type'\nend\n"
    whole = diagnose(log, rules)
    assert (whole.rule, whole.subject) == ("t/relative", "Type")
    assert whole.first_error == FirstError(23, "ModuleNotFoundError: No module named 'Type'")
    for size in (3, 7, 40):
        data = log.encode()
        pieces = [data[i : i + size] for i in range(0, len(data), size)]
        assert diagnose_bytes(pieces, rules) == whole


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("{ line = 'a' }", "needs 'line' and 'below'"),
        ("{ line = 'a', below = 'b', within = 0 }", "within must be an integer from 1 to 10"),
        ("{ line = 'a', below = 'b', within = true }", "within must be an integer"),
        ("{ line = 'a', below = 'b', reach = 2 }", "unknown key 'patterns.reach'"),
        ("{ line = 'a', below = '(b' }", "bad regex '(b'"),
        ("{ line = 'a', below = 'b', report = 'above' }", "report must be 'line' or 'below'"),
    ],
)
def test_bad_tables_are_named(pattern: str, message: str) -> None:
    text = f"""\
[[rule]]
id = "t/bad"
title = "bad"
category = "unknown"
patterns = [{pattern}]
root_cause = "x"
"""
    with pytest.raises(RulesError) as info:
        parse_rules(text, "bad.toml")
    assert message in str(info.value)
    assert str(info.value).startswith("bad.toml:")


EXCLUDES_BELOW = """\
[[rule]]
id = "t/message"
title = "{subject}"
category = "sysdep-missing"
patterns = [
  { line = '^CMake Error at ', below = '^Could not find (?P<subject>\\w+)', report = "below" },
]
excludes = [
  { line = "^-- +Package '[^']+' not found$", below = '^CMake Error at ', within = 1 },
]
root_cause = "the project's own message"
"""


def test_an_excludes_table_rules_out_a_heading_over_its_line() -> None:
    """An ``excludes`` table says the rule does not apply where ``line`` has ``below``
    under it (pkg-config's verdict right above the project's message), and only there."""
    rules = RuleSet(parse_rules(EXCLUDES_BELOW, "excludes.toml"))
    message = "CMake Error at CMakeLists.txt:9 (message):\n  Could not find FROB.\n"
    assert diagnose(message, rules).subject == "FROB"
    assert diagnose("--   Package 'frob' not found\n" + message, rules).rule is None
    further = "--   Package 'frob' not found\n-- Configuring incomplete\n" + message
    assert diagnose(further, rules).subject == "FROB"


def test_requires_take_no_tables() -> None:
    text = """\
[[rule]]
id = "t/bad"
title = "bad"
category = "unknown"
patterns = ['a']
requires = [{ line = 'a', below = 'b' }]
root_cause = "x"
"""
    with pytest.raises(RulesError, match="requires must be a list of regex strings"):
        parse_rules(text, "bad.toml")


def _timed(search: Callable[[str], object], text: str) -> float:
    started = time.process_time()
    search(text)
    return time.process_time() - started


def test_shipped_below_regexes_stay_linear_on_long_lines() -> None:
    rules = load_rules(*default_rules_dirs())
    tables = (p for r in rules for p in (*r.patterns, *r.excludes, *r.subject_above))
    below = [p.below.regex for p in tables if p.below is not None]
    assert below  # the shipped rules use the table form
    slow = []
    for regex in below:
        for filler in ("a", " ", ".", "/", "a/", "a.", "a ", "-"):
            line = filler * (20_000 // len(filler))
            # a slow search is timed twice more and the fastest counts: a busy machine can
            # stall one search, while a backtracking regex is slow every time
            elapsed = _timed(regex.search, line + " x")
            if elapsed > 0.05 and min(_timed(regex.search, line + " x") for _ in "ab") > 0.05:
                slow.append((regex.pattern, filler))
    assert slow == []
