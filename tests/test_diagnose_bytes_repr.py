"""A subprocess's output printed as a Python bytes repr on one line.

A setup.py that runs make or pkg-config and prints the captured bytes (``print(out)``)
puts the whole output on one stored line, its lines joined by escaped ``\\n``. The
classifier reads such a line as its escaped lines, in order; the first error line is
the stored line holding them.
"""

from __future__ import annotations

from wheelmill.diagnose import RuleSet, diagnose, parse_rules
from wheelmill.diagnose._scan import escaped_lines

RULES = """\
[[rule]]
id = "t/pc"
title = "no {subject}"
category = "sysdep-missing"
specificity = 30
patterns = ['^Package (?P<subject>[\\w.+-]+) was not found in the pkg-config search path']
root_cause = "no .pc"

[[rule]]
id = "t/header"
title = "no {subject}"
category = "sysdep-missing"
specificity = 30
patterns = ['fatal error: (?P<subject>[\\w./+-]+): No such file or directory']
root_cause = "no header"
"""

LINE = (
    "      b\"make: Entering directory '/tmp/x'\\nPackage glib-2.0 was not found in the "
    "pkg-config search path.\\ndemo.c:1:10: fatal error: glib.h: No such file or "
    'directory\\nmake: *** [Makefile:2: demo] Error 1\\n"'
)


def test_escaped_lines_of_a_bytes_repr() -> None:
    assert escaped_lines(r"b'a\'s\nb\n'") == ["a's", "b"]
    assert escaped_lines("b'no newline escapes'") == []
    assert escaped_lines("plain text \\n with an escape") == []


def test_the_escaped_lines_are_read_in_order_on_the_stored_line() -> None:
    rules = RuleSet(parse_rules(RULES, "bytes.toml"))
    got = diagnose(f"Processing ./src/x\n{LINE}\nerror: could not build\n", rules)
    assert got.rule == "t/pc"
    assert got.subject == "glib-2.0"
    assert got.first_error is not None and got.first_error.line == 2
    assert got.first_error.text == LINE.strip()


def test_a_cause_on_the_logs_own_lines_ranks_before_one_in_a_dump() -> None:
    # a script prints a failed probe's output as a warning and builds on: the compiler's
    # own error line, below, is the cause
    rules = RuleSet(parse_rules(RULES, "bytes.toml"))
    log = (
        "WARNING: a problem occurred while running pkg-config\n"
        'b"Package sdl2 was not found in the pkg-config search path.\\nno sdl2.pc\\n"\n'
        "x.h:5:10: fatal error: SDL.h: No such file or directory\n"
    )
    got = diagnose(log, rules)
    assert got.rule == "t/header"
    assert got.first_error is not None and got.first_error.line == 3
