"""One convention for subjects, and the rule fields that serve it.

A network subject is the host alone (no scheme, port or path), empty when the
log names none; ``unnamed_subject`` gives the words the texts use then;
``subject_below`` finds a host a message names under the error; an envelope's
``subject_above`` names the package pip was collecting when its summary names
none.
"""

from __future__ import annotations

import pytest

from wheelmill.diagnose import RuleSet, diagnose, parse_rules
from wheelmill.diagnose._scan import MAX_HITS

RULES = """\
[[rule]]
id = "t/index"
title = "the index could not be reached ({subject})"
category = "network"
unnamed_subject = "host not named in the log"
patterns = ['Failed to fetch: (?P<subject>\\S+)', 'Connection refused']
subject_above = ['^Looking in indexes: (?P<subject>[^\\s,]+)$']
root_cause = "no route to {subject}"

[[rule.workarounds]]
text = "Check that {subject} answers."
success_rate = 0.5

[[rule]]
id = "t/download"
title = "{subject} could not be resolved"
category = "network"
specificity = 60
unnamed_subject = "the download's host"
patterns = ['^socket\\.gaierror: ']
subject_above = ['[Ff]etching .*?(?P<subject>https://\\S+)']
subject_below = ['https://(?P<subject>[\\w.-]+)\\S* is not reachable']
root_cause = "no DNS"

[[rule]]
id = "t/missing"
title = "{subject} is missing"
category = "sysdep-missing"
patterns = ['missing file (?P<subject>\\S+)']
root_cause = "x"

[[rule]]
id = "t/refuses"
title = "{subject} refuses this platform"
category = "package-refuses"
subject = "{package}"
patterns = ['only works on Windows']
root_cause = "x"

[[rule]]
id = "t/envelope"
title = "a step failed"
category = "unknown"
envelope = true
patterns = ['^error: subprocess-exited-with-error$']
subject_above = ['^Collecting (?P<package>[A-Za-z0-9][\\w.-]*)']
root_cause = "x"

[[rule]]
id = "t/summary"
title = "a wheel failed"
category = "unknown"
envelope = true
specificity = 2
patterns = ['^ERROR: Failed building wheel for (?P<package>\\S+)']
root_cause = "x"
"""


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return RuleSet(parse_rules(RULES, "forms.toml"))


@pytest.mark.parametrize(
    ("named", "host"),
    [
        ("https://pypi.org/simple/six/", "pypi.org"),
        ("http://127.0.0.1:9/simple/", "127.0.0.1"),
        ("http://user:secret@mirror.example:8080/simple", "mirror.example"),
        ("files.pythonhosted.org:443", "files.pythonhosted.org"),
        ("pypi.nvidia.com", "pypi.nvidia.com"),
    ],
)
def test_a_network_subject_is_the_host_alone(rules: RuleSet, named: str, host: str) -> None:
    got = diagnose(f"error: Failed to fetch: {named}\n", rules)
    assert got.subject == host
    assert got.summary == f"the index could not be reached ({host})"


def test_other_categories_keep_their_subject_as_written(rules: RuleSet) -> None:
    got = diagnose("missing file http://x.example:9/a.h\n", rules)
    assert got.subject == "http://x.example:9/a.h"


def test_the_one_index_above_names_the_host(rules: RuleSet) -> None:
    log = "Looking in indexes: http://127.0.0.1:9/simple\nConnection refused\n"
    assert diagnose(log, rules).subject == "127.0.0.1"


def test_several_indexes_name_no_host(rules: RuleSet) -> None:
    log = (
        "Looking in indexes: https://a.example/simple, https://b.example/simple\n"
        "Connection refused\n"
    )
    got = diagnose(log, rules)
    assert got.subject is None
    assert got.summary == "the index could not be reached (host not named in the log)"
    assert got.root_cause == "no route to host not named in the log"
    assert got.fix == "Check that host not named in the log answers."


def test_subject_below_when_nothing_above_names_it(rules: RuleSet) -> None:
    log = (
        "socket.gaierror: [Errno -2] Name or service not known\n"
        "InstallFailedError:\n"
        "If https://far.example/ is not reachable, we cannot download it.\n"
        "If https://farther.example/ is not reachable, either.\n"
    )
    got = diagnose(log, rules)
    assert got.subject == "far.example"
    assert got.first_error is not None and got.first_error.line == 1


def test_a_line_above_wins_over_one_below(rules: RuleSet) -> None:
    log = (
        "Fetching lib from https://above.example:8443/lib.tgz\n"
        "socket.gaierror: [Errno -2] Name or service not known\n"
        "If https://below.example/ is not reachable, we cannot download it.\n"
    )
    assert diagnose(log, rules).subject == "above.example"


def test_no_host_anywhere_leaves_the_subject_empty(rules: RuleSet) -> None:
    got = diagnose("socket.gaierror: [Errno -2] Name or service not known\n", rules)
    assert got.subject is None
    assert got.summary == "the download's host could not be resolved"


def test_an_envelope_names_the_package_collected_above_it(rules: RuleSet) -> None:
    log = (
        "Collecting pyobjc-framework-foo\n"
        "  Getting requirements to build wheel: finished with status 'error'\n"
        "  error: subprocess-exited-with-error\n"
        "  Exception: this only works on Windows\n"
    )
    got = diagnose(log, rules)
    assert got.subject == "pyobjc-framework-foo"
    assert got.details["package"] == "pyobjc-framework-foo"


def test_the_envelope_s_own_package_wins_over_the_line_above(rules: RuleSet) -> None:
    log = (
        "Collecting app\n"
        "Collecting dependency\n"
        "error: subprocess-exited-with-error\n"
        "Exception: this only works on Windows\n"
        "ERROR: Failed building wheel for app\n"
    )
    assert diagnose(log, rules).subject == "app"


def test_a_line_above_lost_to_the_hit_limit_names_nothing(rules: RuleSet) -> None:
    """Only the first MAX_HITS hits of a pattern are kept: past them, the nearest
    "Collecting" line above the envelope may not be among them, so none is used."""
    collected = "".join(f"Collecting dep{n}\n" for n in range(MAX_HITS + 2))
    log = collected + "error: subprocess-exited-with-error\nException: only works on Windows\n"
    got = diagnose(log, rules)
    assert got.rule == "t/refuses"
    assert got.subject is None


def test_a_subject_alias_reports_the_program_that_ran_out() -> None:
    rules = RuleSet(
        parse_rules(
            "[[rule]]\n"
            'id = "t/oom"\n'
            'title = "{subject} ran out of memory"\n'
            'category = "resource-exhausted"\n'
            'subject = "memory"\n'
            "patterns = ['^virtual memory exhausted: ']\n"
            "subject_above = ['^(?P<subject>g\\+\\+|cc1plus) [^\\n]*? -c ']\n"
            'root_cause = "x"\n'
            "[rule.subject_aliases]\n"
            '"g++" = "cc1plus"\n',
            "oom.toml",
        )
    )
    log = "g++ -O3 -fPIC -c big.cpp -o big.o\nvirtual memory exhausted: Cannot allocate memory\n"
    got = diagnose(log, rules)
    assert got.subject == "cc1plus"
    assert got.summary == "cc1plus ran out of memory"
    assert diagnose("virtual memory exhausted: Cannot allocate memory\n", rules).subject == "memory"


def test_a_package_default_gives_way_to_a_subject_group_alone() -> None:
    rules = RuleSet(
        parse_rules(
            "[[rule]]\n"
            'id = "t/windows-header"\n'
            'title = "{subject} is for Windows"\n'
            'category = "package-refuses"\n'
            'subject = "{package}"\n'
            "patterns = ['fatal error: (?P<header>windows\\.h): No such file']\n"
            'root_cause = "x"\n'
            "[[rule]]\n"
            'id = "t/summary"\n'
            'title = "a wheel failed"\n'
            'category = "unknown"\n'
            "envelope = true\n"
            "patterns = ['^ERROR: Failed building wheel for (?P<package>\\S+)']\n"
            'root_cause = "x"\n',
            "header.toml",
        )
    )
    log = (
        "w.c:1:10: fatal error: windows.h: No such file\n"
        "ERROR: Failed building wheel for winthing\n"
    )
    got = diagnose(log, rules)
    assert got.subject == "winthing"
    assert got.details["header"] == "windows.h"
    assert diagnose("w.c:1:10: fatal error: windows.h: No such file\n", rules).subject is None
