"""``subject_above``: where the subject is when the winning hits name none.

urllib's name-resolution error names no host; the line that announced the
download, above it, does. The nearest such line at or above the first hit
gives the subject; lines below it, and other rules' lines, do not.
"""

from __future__ import annotations

import pytest

from wheelmill.diagnose import RuleSet, diagnose, parse_rules

RULES = """\
[[rule]]
id = "t/download"
title = "download from {subject} failed"
category = "network"
subject = "the host"
patterns = ['^socket\\.gaierror: ', 'could not resolve (?P<subject>[\\w.]+)']
subject_above = ['[Ff]etching .*?https://(?P<subject>[\\w.-]+)']
root_cause = "no DNS"
"""


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return RuleSet(parse_rules(RULES, "above.toml"))


def test_the_nearest_line_above_names_the_subject(rules: RuleSet) -> None:
    log = (
        "Fetching a from https://first.example/a.tgz\n"
        "Fetching b from https://second.example/b.tgz\n"
        "Traceback (most recent call last):\n"
        "socket.gaierror: [Errno -3] Temporary failure in name resolution\n"
        "Fetching c from https://later.example/c.tgz\n"
    )
    got = diagnose(log, rules)
    assert got.subject == "second.example"
    assert got.first_error is not None and got.first_error.line == 4


def test_a_subject_on_the_hit_wins(rules: RuleSet) -> None:
    log = "Fetching a from https://first.example/a.tgz\nerror: could not resolve pypi.example\n"
    assert diagnose(log, rules).subject == "pypi.example"


def test_without_a_line_above_the_default_stays(rules: RuleSet) -> None:
    log = "socket.gaierror: [Errno -2] Name or service not known\nFetching https://x.example/\n"
    assert diagnose(log, rules).subject == "the host"


TABLE_RULES = """\
[[rule]]
id = "t/oom"
title = "{subject} ran out of memory"
category = "resource-exhausted"
subject = "memory"
patterns = ['^virtual memory exhausted: Cannot allocate memory$']
subject_above = [
  { line = '^FAILED: ', below = '^(?P<subject>g\\+\\+|gcc) [^\\n]*? -c ', within = 1 },
]
root_cause = "no memory"
"""


def test_a_subject_above_table_names_it_from_the_line_under_its_heading() -> None:
    rules = RuleSet(parse_rules(TABLE_RULES, "above.toml"))
    log = (
        "FAILED: a.o\n"
        "gcc -O2 -c a.c -o a.o\n"
        "a.c:1:1: error: expected ';'\n"
        "FAILED: big.o\n"
        "g++ -O2 -c big.cpp -o big.o\n"
        "virtual memory exhausted: Cannot allocate memory\n"
    )
    got = diagnose(log, rules)
    assert got.subject == "g++"
    assert got.first_error is not None and got.first_error.line == 6


def test_a_subject_above_table_without_its_below_gives_nothing() -> None:
    rules = RuleSet(parse_rules(TABLE_RULES, "above.toml"))
    log = "FAILED: big.o\nninja: error\nvirtual memory exhausted: Cannot allocate memory\n"
    assert diagnose(log, rules).subject == "memory"
