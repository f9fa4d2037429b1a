"""A ``raise`` statement that a Python traceback quotes is code, not the error.

A build script's ``raise OSError("Could not find libfoo library file")`` appears twice
in its traceback: quoted as source under the frame that raised it, then as the
exception's own line at the end. A pattern that matches the message matches both;
the first error is the exception's line. A quoted line that is not a ``raise`` (the
call that used a removed name) is left as it is, and so is a quoted ``raise`` that the
rule matches nowhere else.
"""

from __future__ import annotations

from wheelmill.diagnose import RuleSet, diagnose, diagnose_bytes, parse_rules

RULES = """\
[[rule]]
id = "t/lib"
title = "no {subject}"
category = "sysdep-missing"
patterns = ['Could not find (?P<subject>lib\\w+) library']
root_cause = "no library"
"""

LOG = """\
Traceback (most recent call last):
  File "setup.py", line 4, in <module>
    from pkg import core
  File "/tmp/pkg/core.py", line 12, in <module>
    raise OSError("Could not find libfoo library file")
OSError: Could not find libfoo library file
error: subprocess-exited-with-error
"""


def rules() -> RuleSet:
    return RuleSet(parse_rules(RULES, "quoted.toml"))


def test_the_exception_line_is_the_first_error_not_the_quoted_raise() -> None:
    got = diagnose(LOG, rules())
    assert got.rule == "t/lib"
    assert got.subject == "libfoo"
    assert got.first_error is not None
    assert (got.first_error.line, got.first_error.text) == (
        6,
        "OSError: Could not find libfoo library file",
    )


def test_the_same_in_pieces_cut_between_the_frame_and_its_raise() -> None:
    data = LOG.encode()
    whole = diagnose(LOG, rules())
    for size in (1, 7, 37, 100):
        blocks = [data[i : i + size] for i in range(0, len(data), size)]
        assert diagnose_bytes(blocks, rules()) == whole


def test_a_quoted_raise_the_rule_matches_nowhere_else_is_still_reported() -> None:
    # the exception's line is cut off (a truncated log): the quoted raise is all there is
    log = LOG.replace("OSError: Could not find libfoo library file\n", "")
    got = diagnose(log, rules())
    assert got.first_error is not None and got.first_error.line == 5


def test_a_raise_that_no_frame_quotes_is_a_line_like_any_other() -> None:
    # a script that prints its own source, or a line that merely starts with "raise "
    log = 'raise OSError("Could not find libfoo library file")\n' + LOG
    got = diagnose(log, rules())
    assert got.first_error is not None and got.first_error.line == 1
