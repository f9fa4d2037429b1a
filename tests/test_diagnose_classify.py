"""The classifier on small, hand-made texts: precedence, envelopes, subjects, normalising."""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

import pytest

from wheelmill.diagnose import (
    FirstError,
    RuleSet,
    default_rules_dirs,
    diagnose,
    load_rules,
    parse_rules,
)
from wheelmill.diagnose._literal import regex_literals
from wheelmill.diagnose._logtext import LogText


def mini(text: str) -> RuleSet:
    return RuleSet(parse_rules(text, "mini.toml"))


RULES = """\
[[rule]]
id = "t/envelope"
title = "wrapper"
category = "unknown"
envelope = true
patterns = ['^error: wrapped (?P<step>\\w+)$']
root_cause = "x"

[[rule]]
id = "t/generic"
title = "generic {subject}"
category = "sysdep-missing"
specificity = 20
subject = "something"
patterns = ['missing thing(?: (?P<subject>\\w+))?']
root_cause = "a {subject} is missing"
build_requirements = ["{subject}-dev"]
[[rule.workarounds]]
text = "install {subject}"
success_rate = 0.5
[[rule.workarounds]]
text = "better: install {subject}-dev"
success_rate = 0.9
[rule.system_packages]
debian = ["libthing-dev"]
fedora = ["thing-devel"]
[rule.subject_packages.foo]
debian = ["libfoo-dev"]

[[rule]]
id = "t/specific"
title = "specific"
category = "python-unsupported"
specificity = 80
patterns = ['special case']
root_cause = "y"

[[rule]]
id = "t/needs-context"
title = "with context"
category = "network"
specificity = 90
patterns = ['refused']
requires = ['while installing']
excludes = ['offline mode']
root_cause = "z"
"""


# --- normalising ----------------------------------------------------------------------------


def test_decorations_are_stripped_and_line_numbers_kept() -> None:
    raw = (
        "Collecting x\r\n"
        "  \u00d7 Building wheel for x did not run successfully.\n"
        "  \u2502 exit code: 1\n"
        "  \u2570\u2500> [2 lines of output]\n"
        "        \u2502 nested\n"
        "      \x1b[31merror\x1b[0m: boom\n"
        "    | poetry line\n"
        "< build installer line\n"
        "2024-05-01T10:00:00.1234567Z ci line\n"
    )
    log = LogText(raw)
    assert log.lines[1] == "Building wheel for x did not run successfully."
    assert log.lines[2] == "exit code: 1"
    assert log.lines[3] == "[2 lines of output]"
    assert log.lines[4] == "nested"
    assert log.lines[5] == "error: boom"
    assert log.lines[6] == "poetry line"
    assert log.lines[7] == "build installer line"
    assert log.lines[8] == "ci line"
    assert len(log.lines) == raw.count("\n") + 1


def test_lines_containing_maps_back_to_log_lines() -> None:
    log = LogText("a\nxx needle\nb\nneedle needle\n")
    assert log.view().lines_containing("needle") == [1, 3]
    subset = log.subset([1, 3])
    assert subset.lines_containing("needle") == [1, 3]
    assert log.view(folded=True).lines_containing("needle") == [1, 3]


@pytest.mark.parametrize(
    ("pattern", "literals"),
    [
        (r"fatal error: (?P<h>[\w/.-]+\.h): No such file", (": No such file",)),
        (r"^\s*error: subprocess-exited-with-error\s*$", ("error: subprocess-exited-with-error",)),
        (r"(?:cmake|ninja) failed", (" failed",)),
        (r"(?:cmake|ninja)", ("cmake", "ninja")),
        (r"a|b", None),
        (r"(?i)Killed Signal", ("killed signal",)),
        (r"ab?cdef", ("cdef",)),
    ],
)
def test_regex_literals(pattern: str, literals: tuple[str, ...] | None) -> None:
    assert regex_literals(pattern) == (literals, pattern.startswith("(?i)"))


# --- precedence --------------------------------------------------------------------------


def test_most_specific_rule_wins_and_envelopes_are_separate() -> None:
    rules = mini(RULES)
    text = "start\nmissing thing foo\nspecial case here\nerror: wrapped build_wheel\n"
    got = diagnose(text, rules)
    assert got.rule == "t/specific"
    assert got.category == "python-unsupported"
    assert got.first_error is not None
    assert (got.first_error.line, got.first_error.text) == (3, "special case here")
    assert got.envelope == ("t/envelope",)
    assert got.also_matched == ("t/generic",)
    assert got.details["step"] == "build_wheel"


def test_on_a_tie_the_earliest_match_wins() -> None:
    rules = mini(
        RULES + '\n[[rule]]\nid = "t/other"\ntitle = "o"\ncategory = "network"\nspecificity = 20\n'
        "patterns = ['other thing']\nroot_cause = \"o\"\n"
    )
    got = diagnose("other thing\nmissing thing\n", rules)
    assert got.rule == "t/other"
    got = diagnose("missing thing\nother thing\n", rules)
    assert got.rule == "t/generic"


def test_requires_and_excludes() -> None:
    rules = mini(RULES)
    assert diagnose("connection refused\n", rules).rule is None
    assert diagnose("while installing\nconnection refused\n", rules).rule == "t/needs-context"
    text = "offline mode\nwhile installing\nconnection refused\n"
    assert diagnose(text, rules).rule is None


def test_subject_fills_texts_and_selects_packages() -> None:
    rules = mini(RULES)
    got = diagnose("missing thing foo\n", rules)
    assert got.subject == "foo"
    assert got.summary == "generic foo"
    assert got.root_cause == "a foo is missing"
    assert [fix.text for fix in got.fixes] == ["better: install foo-dev", "install foo"]
    assert [fix.success_rate for fix in got.fixes] == [0.9, 0.5]
    assert got.build_requirements == ("foo-dev",)
    assert [(p.distro, p.command) for p in got.system_packages] == [
        ("debian", "apt-get install -y libfoo-dev")
    ]
    fallback = diagnose("missing thing\n", rules)
    assert fallback.subject == "something"
    assert {p.distro: p.command for p in fallback.system_packages} == {
        "debian": "apt-get install -y libthing-dev",
        "fedora": "dnf install -y thing-devel",
    }


def test_unknown_reports_the_first_error_looking_line() -> None:
    rules = mini(RULES)
    text = "ok\nerror: wrapped metadata\nnote: This error originates from a subprocess\n"
    text += "something strange failed here\nlater Error: too\n"
    got = diagnose(text, rules)
    assert got.rule is None
    assert got.category == "unknown"
    assert got.envelope == ("t/envelope",)
    assert got.first_error is not None
    assert (got.first_error.line, got.first_error.text) == (4, "something strange failed here")
    assert got.confidence == 0.0


_CHAIN = "\nDuring handling of the above exception, another exception occurred:\n\nTraceback:\n"


@pytest.mark.parametrize(
    ("text", "line", "shown"),
    [
        # a script that catches its failed probe and raises its own message: the message
        (f"TypeError: expected str{_CHAIN}  x()\nException: Unable to find javac\n", 6,
         "Exception: Unable to find javac"),
        # to the end of the chain, in pip's box too
        (f"  \u2502 OSError: no{_CHAIN}KeyError: 'x'{_CHAIN}SystemExit: giving up\n", 9,
         "SystemExit: giving up"),
        # not a chain: the marker belongs to another exception further down
        ("ValueError: first\nok\nok\nok\nRuntimeError: second" + _CHAIN + "Exception: third\n",
         1, "ValueError: first"),
        # the line after the marker is no exception: keep the first
        (f"TypeError: bad{_CHAIN}build failed\n", 1, "TypeError: bad"),
        # a banner with no words of its own: the message is the line under it
        ("ok\n  !!!!! ERROR !!!!!\n  At least one feature must be on\n", 3,
         "At least one feature must be on"),
        ("*** Error ***\n\nThe frobnicator failed\n", 3, "The frobnicator failed"),
        ("ERROR:\n    bad things\n", 2, "bad things"),
        # nothing under it within three lines: the banner itself
        ("!!! ERROR !!!\n\n\n\n\ntoo far\n", 1, "!!! ERROR !!!"),
        # a banner with words is a message of its own
        ("*** ERROR: no compiler ***\nnext\n", 1, "*** ERROR: no compiler ***"),
    ],
)  # fmt: skip
def test_unknown_shows_the_line_that_says_what_failed(text: str, line: int, shown: str) -> None:
    """The exception raised while handling another, to the end of the chain; the message
    under a bare error banner."""
    got = diagnose(text, mini(RULES))
    assert got.first_error is not None
    assert (got.rule, got.first_error.line, got.first_error.text) == (None, line, shown)


_PROBE_RULES = """
[[rule]]
id = "t/py2"
title = "py2"
category = "python-unsupported"
specificity = 80
probe_when_handled = PROBE
patterns = ["No module named '(?P<subject>Py2)'"]
root_cause = "r"

[[rule]]
id = "t/later"
title = "later"
category = "python-unsupported"
specificity = 70
patterns = ["cannot import name '(?P<subject>Later)'"]
root_cause = "r"
"""


@pytest.mark.parametrize(("probe", "rule", "line"), [("true", "t/later", 5), ("false", "t/py2", 1)])
def test_a_probe_rule_matching_only_handled_exceptions_gives_way(
    probe: str, rule: str, line: int
) -> None:
    handled = "ModuleNotFoundError: No module named 'Py2'"
    text = f"{handled}{_CHAIN}ImportError: cannot import name 'Later'\n"
    got = diagnose(text, mini(_PROBE_RULES.replace("PROBE", probe)))
    assert got.rule == rule
    assert got.first_error is not None and got.first_error.line == line


def test_a_probe_rule_matching_only_handled_exceptions_is_never_the_cause() -> None:
    """The probe handled, the fallback then failing in words no rule knows: unknown, and
    the line shown is the exception the fallback raised."""
    handled = "ModuleNotFoundError: No module named 'Py2'"
    text = f"{handled}{_CHAIN}  x()\nException: Unable to read site.cfg\n"
    got = diagnose(text, mini(RULES + _PROBE_RULES.replace("PROBE", "true")))
    assert (got.rule, got.category) == (None, "unknown")
    assert got.first_error is not None
    assert (got.first_error.line, got.first_error.text) == (6, "Exception: Unable to read site.cfg")


_UV_PIP_QUOTED = (
    "Resolved 1 package in 5ms\n   Building thing==1.0\n"
    "error: Failed to build `thing==1.0`\n  cause: The build backend returned an error\n"
    "  cause: Call to `setuptools.build_meta.build_wheel` failed (exit status: 1)\n\n"
    "         [stdout]\n         running bdist_wheel\n\n"
    "         [stderr]\n         *** thing wants its runtime first, see its docs ***\n\n"
    "hint: Build failures usually indicate a problem with the package or the build environment\n"
)
_UV_BUILD_LIVE = (
    "Building wheel from source distribution...\nrunning bdist_wheel\n"
    "*** thing wants its runtime first, see its docs ***\n"
    "error: Failed to build `/tmp/thing-1.0.tar.gz`\n  cause: The build backend returned an error\n"
)
_PIP_LEGACY_BOX = (
    "Processing ./thing-1.0.tar.gz\n    ERROR: Command errored out with exit status 1:\n"
    "     command: python setup.py egg_info\n    Complete output (2 lines):\n"
    "    running egg_info\n    *** thing wants its runtime first, see its docs ***\n"
    "    ----------------------------------------\n"
    "ERROR: Command errored out with exit status 1: python setup.py egg_info Check the logs\n"
)
_PYPA_BUILD_LIVE = (
    "* Getting build dependencies for wheel...\nrunning egg_info\n"
    "*** thing wants its runtime first, see its docs ***\n\n"
    "ERROR Backend subprocess exited when trying to invoke build_wheel\n"
)


@pytest.mark.parametrize(
    ("text", "line"),
    [(_UV_PIP_QUOTED, 11), (_UV_BUILD_LIVE, 3), (_PYPA_BUILD_LIVE, 3), (_PIP_LEGACY_BOX, 6)],
    ids=["uv-pip-quoted", "uv-build-live", "pypa-build-live", "pip-21-box"],
)
def test_unknown_falls_back_to_the_last_line_the_backend_printed(
    rules: RuleSet, text: str, line: int
) -> None:
    """A build that stops with no error-looking line: the line shown is the last one the
    backend printed: the end of the output pip boxes (pip 21's box too) or uv quotes under
    its error, or the line above the frontend's own failure line when the frontend prints
    the output as it comes."""
    got = diagnose(text, rules)
    assert (got.rule, got.category) == (None, "unknown")
    assert got.first_error is not None
    assert (got.first_error.line, got.first_error.text) == (
        line,
        "*** thing wants its runtime first, see its docs ***",
    )


@pytest.mark.parametrize(
    "text",
    [
        "   Building thing==1.0\nerror: Failed to build `thing==1.0`\n",
        "Processing ./thing-1.0.tar.gz\n"
        "ERROR: Command errored out with exit status 1: python setup.py egg_info Check the logs\n",
    ],
    ids=["uv-progress", "pip-envelope"],
)
def test_the_frontends_progress_is_never_the_backends_last_line(rules: RuleSet, text: str) -> None:
    """A frontend's own progress line above its failure line is no output of the backend;
    nor is the line above pip's envelope, which follows the output it boxed, not printed
    it as it came."""
    got = diagnose(text, rules)
    assert got.category == "unknown"
    assert got.first_error is None


def test_a_probe_rule_matching_an_unhandled_exception_keeps_its_rank() -> None:
    text = "ImportError: cannot import name 'Later'\nModuleNotFoundError: No module named 'Py2'\n"
    assert diagnose(text, mini(_PROBE_RULES.replace("PROBE", "true"))).rule == "t/py2"


def test_unknown_falls_back_to_the_last_line_pip_boxed() -> None:
    """A build that refuses in its own words (no error-looking line at all): the line
    shown is the last one of the first subprocess output pip boxed."""
    rules = mini(RULES)
    text = (
        "Collecting thing\n  Getting requirements to build wheel: started\n"
        "  \u2570\u2500> [3 lines of output]\n      \n"
        "      *** Please use the other package ***\n      \n      [end of output]\n"
        "  note: This error originates from a subprocess\n"
    )
    got = diagnose(text, rules)
    assert got.category == "unknown"
    assert got.first_error is not None
    assert (got.first_error.line, got.first_error.text) == (
        5,
        "*** Please use the other package ***",
    )
    # an error-looking line anywhere still comes first
    got = diagnose(text + "something failed\n", rules)
    assert got.first_error is not None and got.first_error.line == 9


def test_empty_and_odd_input() -> None:
    rules = mini(RULES)
    assert diagnose("", rules).first_error is None
    assert diagnose("\x00\ufffd\n\n", rules).category == "unknown"
    assert diagnose("x" * 100_000, rules).category == "unknown"


def test_to_json_is_json(rules: RuleSet) -> None:
    text = (Path(__file__).parent / "logs" / "pip26" / "cffi-no-libffi.log").read_text()
    data = diagnose(text, rules).to_json()
    again = json.loads(json.dumps(data))
    assert again == data
    assert set(data) >= {
        "rule",
        "category",
        "subject",
        "first_error",
        "summary",
        "fixes",
        "dead_ends",
        "system_packages",
        "envelope",
        "confidence",
        "build_requirements",
        "build_constraints",
        "environment",
    }
    assert data["system_packages"]["debian"]["command"] == "apt-get install -y libffi-dev"


#: Audit events of file, process and network I/O (see the "Audit events table").
_IO_EVENTS = ("open", "os.", "shutil.", "subprocess.", "socket.", "urllib.", "tempfile.")


def test_diagnose_is_pure(rules: RuleSet) -> None:
    """The same text gives the same diagnosis whatever rule set object classifies it and
    whatever it classified before; no I/O; the rules are left as they were."""
    texts = [
        "ModuleNotFoundError: No module named 'distutils'\n",
        "sample.c:1:10: fatal error: missing.h: No such file or directory\n",
        "error: subprocess-exited-with-error\nsomething odd happened\n",
        "",
    ]
    fresh = load_rules(*default_rules_dirs())  # other objects, their scan plan from the load
    unused = RuleSet(load_rules(*default_rules_dirs()))  # no scan plan yet
    snapshot = [repr(rule) for rule in unused]
    expected = [diagnose(text, fresh) for text in texts]
    me, io = threading.get_ident(), []

    def audit(event: str, args: tuple[object, ...]) -> None:
        if watching and threading.get_ident() == me and event.startswith(_IO_EVENTS):
            io.append(event)
            raise RuntimeError(f"the classifier did I/O: {event} {args!r:.200}")

    watching = False
    sys.addaudithook(audit)  # stays installed; it only acts while watching
    watching = True
    try:
        results = [
            (diagnose(text, rule_set), want)
            for rule_set in (unused, rules, fresh)  # plan built here; from the load, shared; own
            for text, want in [*zip(texts, expected), *reversed(list(zip(texts, expected)))]
        ]
    finally:
        watching = False
    assert io == []
    for got, want in results:
        assert got == want
    assert [repr(rule) for rule in unused] == snapshot
    assert [rule.id for rule in unused] == [rule.id for rule in fresh]


# --- the shipped knowledge base on one-line cases from other frontends ------------------------


@pytest.mark.parametrize(
    ("text", "rule", "subject"),
    [
        (
            "pip._vendor.pyproject_hooks._impl.BackendUnavailable: Cannot import "
            "'setuptools.build_meta'\n",
            "pip/pep-517-build-backend-requires",
            "setuptools",
        ),
        # the backend's distribution, what to install, not the module imported
        (
            "pyproject_hooks._impl.BackendUnavailable: Cannot import 'poetry.core.masonry.api'\n",
            "pip/pep-517-build-backend-requires",
            "poetry-core",
        ),
        # pip 24 and later: the module that is not there, under the verdict, is the subject
        (
            "  \u00d7 Cannot import build backend 'hatchling.build'.\n"
            "  ╰─> ModuleNotFoundError: No module named 'hatchling'\n",
            "pip/pep-517-build-backend-requires",
            "hatchling",
        ),
        # any other reason under it leaves the backend's name
        (
            "  \u00d7 Cannot import build backend 'backend.api'.\n"
            "  ╰─> SyntaxError: invalid syntax (api.py, line 3)\n",
            "pip/pep-517-build-backend-requires",
            "backend.api",
        ),
        (
            '  File "/tmp/x/overlay/setuptools/__init__.py", line 10, in <module>\n'
            "    import distutils.core\nModuleNotFoundError: No module named 'distutils'\n"
            "pip._vendor.pyproject_hooks._impl.BackendUnavailable: Cannot import "
            "'setuptools.build_meta'\n",
            "python/distutils-removed",
            "distutils",
        ),
        ("make[2]: gfortran: No such file or directory\n", "toolchain/fortran", "gfortran"),
        (
            "AttributeError: module 'pkgutil' has no attribute 'ImpImporter'. "
            "Did you mean: 'zipimporter'?\n",
            "python/pkgutil-impimporter-removed",
            "ImpImporter",
        ),
        ("      ModuleNotFoundError: No module named 'imp'\n", "python/imp-removed", "imp"),
        (
            "src/a.c:1:10: fatal error: longintrepr.h: No such file or directory\n",
            "python/cpython-internal-header",
            "longintrepr.h",
        ),
        (
            "x.c:3:10: fatal error: zlib.h: No such file or directory\n",
            "sysdep/missing-header",
            "zlib.h",
        ),
        (
            "c++: fatal error: Killed signal terminated program cc1plus\n",
            "resource/out-of-memory",
            "cc1plus",
        ),
        # CMake 4 on old CMake code: a removed policy's OLD behaviour, a removed command, an
        # if() that expands its CMAKE_DIAGNOSTIC_INIT cache list
        (
            "CMake Error at src/CMakeLists.txt:4 (cmake_policy):\n"
            "  Policy CMP0026 may not be set to OLD behavior because this version of CMake\n",
            "requirements/cmake4-old-minimum-version",
            "cmake",
        ),
        # CMake's command names are case-insensitive, and old projects write them in capitals
        (
            "CMake Error at CMakeLists.txt:1 (CMAKE_MINIMUM_REQUIRED):\n"
            "  Compatibility with CMake < 3.5 has been removed from CMake.\n",
            "requirements/cmake4-old-minimum-version",
            "cmake",
        ),
        (
            "CMake Error at CMakeLists.txt:3 (Cmake_Policy):\n"
            "  Policy CMP0042 may not be set to OLD behavior because this version of CMake\n",
            "requirements/cmake4-old-minimum-version",
            "cmake",
        ),
        (
            "CMake Error at CMakeLists.txt:9 (load_command):\n"
            "  The load_command command has been removed; see CMP0031.\n",
            "requirements/cmake4-old-minimum-version",
            "cmake",
        ),
        (
            "CMake Error at CMakeLists.txt:88 (if):\n  if given arguments:\n\n"
            '    "NOT" "CMD_AUTHOR=IGNORE" "CMD_DEPRECATED=IGNORE" "STREQUAL" ""\n',
            "requirements/cmake4-old-minimum-version",
            "cmake",
        ),
        (
            "ERROR: Could not install packages due to an OSError: [Errno 28] "
            "No space left on device\n",
            "resource/disk-full",
            "disk",
        ),
    ],
)
def test_shipped_rules_on_tell_tale_lines(
    rules: RuleSet, text: str, rule: str, subject: str
) -> None:
    got = diagnose(text, rules)
    assert (got.rule, got.subject) == (rule, subject)


@pytest.mark.parametrize(
    ("text", "category", "subject"),
    [
        # build scripts' own wordings for a missing C library, none of them in a kept log
        (
            "RuntimeError: Unable to find the libfoo development headers\n",
            "sysdep-missing",
            "libfoo",
        ),
        ("Could not locate bar shared library\n", "sysdep-missing", "bar"),
        ("OSError: baz library was not found\n", "sysdep-missing", "baz"),
        ("error: foo/bar.h was not found\n", "sysdep-missing", "foo/bar.h"),
        ("Exception: pkg-config module 'libqux' not found\n", "sysdep-missing", "libqux"),
        # a directory probe is not the verdict
        ("hdf5 headers not found in /usr/include\n", "unknown", ""),
        # a program setup.py starts that does not exist; a file is not a program, but a file
        # a build step of setuptools could not copy, which the sdist lacks
        ("error: [Errno 2] No such file or directory: 'ninja'\n", "toolchain-missing", "ninja"),
        (
            "error: [Errno 2] No such file or directory: 'README.md'\n",
            "package-refuses",
            "README.md",
        ),
        # placeholders in other words
        ("Please use 'scikit-learn' instead of 'sklearn'\n", "package-refuses", "sklearn"),
        ("You tried to pip install 'cv2'. Use opencv-python\n", "package-refuses", "cv2"),
        # a *-config script the build script says is not installed
        ("The 'pcap-config' program is not installed\n", "sysdep-missing", "pcap-config"),
        # setuptools' old bootstrap module, which the blind readings settled as an undeclared
        # build dependency
        (
            '  File "/tmp/b/setup.py", line 3, in <module>\n'
            "    from ez_setup import use_setuptools\n"
            "ModuleNotFoundError: No module named 'ez_setup'\n",
            "import-failed",
            "ez_setup",
        ),
        # distribute's bootstrap module, settled the same way, and astropy's, read alike
        (
            '  File "/tmp/b/setup.py", line 2, in <module>\n'
            "    from distribute_setup import use_setuptools\n"
            "ModuleNotFoundError: No module named 'distribute_setup'\n",
            "import-failed",
            "distribute_setup",
        ),
        (
            '  File "/tmp/b/setup.py", line 7, in <module>\n'
            "    import ah_bootstrap\n"
            "ModuleNotFoundError: No module named 'ah_bootstrap'\n",
            "import-failed",
            "ah_bootstrap",
        ),
        # an #error that refuses another system or its compiler
        ('vendor/inttypes.h:2:2: error: #error "Win32 only"\n', "package-refuses", ""),
        ('src/x.c:10:2: error: #error "This library needs MSVC"\n', "package-refuses", ""),
        ('x.h:2:2: error: #error "Only Windows platforms are supported"\n', "package-refuses", ""),
        ("x.hpp:7:2: error: #error macOS-only code\n", "package-refuses", ""),
        # a build requirement the script says it could not import, and probes that go on without it
        ("Failed to import numpy, please install it first\n", "import-failed", "numpy"),
        ('RuntimeError: Setup for foo: Failed to import "Cython".\n', "import-failed", "Cython"),
        ("Cython (www.cython.org) not found. Please install it.\n", "import-failed", "Cython"),
        ("pybind11 couldn't be found; it is required to build foo\n", "import-failed", "pybind11"),
        ("Cython (www.cython.org) not found, using the pre-generated C files\n", "unknown", ""),
        ("Cython not found, building without Cython extensions\n", "unknown", ""),
        ("Failed to import Cython, building without the speedups\n", "unknown", ""),
        ("warning: Failed to import Cython.\n", "unknown", ""),
        ("numpy could not be imported, using the slow pure-Python version\n", "unknown", ""),
        # Python 2's headers by an absolute path
        (
            "a.c:3:10: fatal error: /usr/include/python2.5/Python.h: No such file or directory\n",
            "python-unsupported",
            "2",
        ),
        # an old Python 3's include directory names that version; this Python's own does not
        (
            "src/py.cpp:1:10: fatal error: python3.5/Python.h: No such file or directory\n",
            "python-unsupported",
            "3.5",
        ),
        (
            "a.c:2:10: fatal error: python3.7m/structmember.h: No such file or directory\n",
            "python-unsupported",
            "3.7",
        ),
        (
            "a.c:2:10: fatal error: python3.12/Python.h: No such file or directory\n",
            "sysdep-missing",
            "python3.12/Python.h",
        ),
        # a build script's verdict on a library with the install it asks for, or the build it
        # is required for; and the same words where the script goes on without the library
        ("libfoo not found. Please install libfoo-dev first.\n", "sysdep-missing", "libfoo"),
        ("[!] The bar library is missing. You need to install bar.\n", "sysdep-missing", "bar"),
        ("Error: libbaz is required to build this extension\n", "sysdep-missing", "libbaz"),
        ("libfoo not found. Please install libfoo-dev; using the bundled copy\n", "unknown", ""),
        ("error: libfoo is required to build _speedups, building without it\n", "unknown", ""),
        ("warning: libfoo not found. Please install libfoo-dev\n", "unknown", ""),
        # a build script's own pkg-config look-up, verb first; and one it falls back from
        ("RuntimeError: Cannot find pkg-config module 'libqux'\n", "sysdep-missing", "libqux"),
        ('unable to find pkg-config package "foo", using the bundled copy\n', "unknown", ""),
        # a library the script cannot find, then the variable that says where it is; and a
        # line that goes on to a fallback
        ("Cannot locate foo; please set FOO_ROOT\n", "sysdep-missing", "foo"),
        # the verdict, then the variable that points at it, then the package to install
        (
            "Eigen not found. Set EIGEN_INCLUDE_DIR to its include dir, or install libeigen3-dev\n",
            "sysdep-missing",
            "Eigen",
        ),
        ("libfoo not found; please set FOO_ROOT to its prefix\n", "sysdep-missing", "libfoo"),
        ("libfoo not found. Set FOO_ROOT to use it, building without it\n", "unknown", ""),
        ("Could not find foo, set FOO_DIR to use it; building without foo\n", "unknown", ""),
        # a library the script cannot locate, in lower case on an exception's line; and the
        # same words where the script goes on without it, or only warns
        ("ImportError: cannot find the bar library\n", "sysdep-missing", "bar"),
        ("RuntimeError: failed to detect the baz shared libraries\n", "sysdep-missing", "baz"),
        ("OSError: could not locate the foo library, using the bundled copy\n", "unknown", ""),
        ("error: unable to find the foo headers; building without foo support\n", "unknown", ""),
        ("UserWarning: could not locate the foo library\n", "unknown", ""),
        # a build requirement the script asks for with the pip command that installs it; and
        # the same words where the script goes on without it
        ("SystemExit: cython not installed; please pip install it\n", "import-failed", "Cython"),
        ('error: numpy is not found! Run "pip install numpy"\n', "import-failed", "numpy"),
        ("Cython missing, please run pip install cython; using bundled C files\n", "unknown", ""),
        ("Cython missing, trying to use existing c files instead.\n", "unknown", ""),
        # a .pxd under the directory of the .pyx that cimports it is the package's own, left out
        # of the sdist; one of another distribution (numpy's, Cython's libc, a dependency's) is not
        ("pkg/sub/_x.pyx:4:0: 'pkg/sub/_y.pxd' not found\n", "package-refuses", "_y.pxd"),
        ("src/pkg/_x.pyx:4:0: 'pkg/defs.pxd' not found\n", "package-refuses", "defs.pxd"),
        ("pkg/_x.pyx:1:8: 'numpy/__init__.pxd' not found\n", "unknown", ""),
        ("pkg/_x.pyx:3:0: 'libc/stdio.pxd' not found\n", "unknown", ""),
        ("pkg/_x.pyx:3:0: 'pkg_dep/types.pxd' not found\n", "unknown", ""),
        ("pkg/_x.pyx:3:0: 'other/pkg/types.pxd' not found\n", "unknown", ""),
        # a build script copying a library from a fixed system prefix that does not have it;
        # not the package's own tree, a container's /usr/src, or a program
        (
            "error: can't copy '/opt/qux/lib/libqux.so.3': doesn't exist or not a regular file\n",
            "sysdep-missing",
            "qux",
        ),
        (
            "distutils.errors.DistutilsFileError: cannot copy tree '/usr/include/quux': "
            "not a directory\n",
            "sysdep-missing",
            "quux",
        ),
        ("error: cannot copy tree 'build/include/foo': not a directory\n", "unknown", ""),
        (
            "distutils.errors.DistutilsFileError: cannot copy tree '/usr/local/include/python3.8': "
            "not a directory\n",
            "unknown",
            "",
        ),
        (
            "distutils.errors.DistutilsFileError: cannot copy tree "
            "'/tmp/pip-req-build-abc/include/foo': not a directory\n",
            "unknown",
            "",
        ),
        (
            "distutils.errors.DistutilsFileError: cannot copy tree '/usr/src/app/data': "
            "not a directory\n",
            "unknown",
            "",
        ),
        (
            "FileNotFoundError: [Errno 2] No such file or directory: "
            "'/tmp/pip-req-build-abc/lib/libfoo.a'\n",
            "unknown",
            "",
        ),
        # the frontend's hook script line CPython 3.13 quotes under a "<string>" frame of the
        # build's own code (setup.py, a file it execs) is code, not the error; the import
        # failing is the backend missing, reported at the exception
        (
            '  File "<string>", line 8, in <module>\n'
            "    import setuptools.build_meta as backend\n"
            "ValueError: FOO_MODE must be one of fast, small\n",
            "unknown",
            "",
        ),
        (
            '  File "<string>", line 8, in <module>\n'
            "    import setuptools.build_meta as backend\n"
            "        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
            "RuntimeError: Unable to find the foo library. Set FOO_HOME to its prefix.\n",
            "sysdep-missing",
            "foo",
        ),
        (
            '  File "<string>", line 8, in <module>\n'
            "    import setuptools.build_meta as backend\n"
            "ModuleNotFoundError: No module named 'setuptools'\n",
            "backend-missing",
            "setuptools",
        ),
        # CPython 3.13's longer wording, with a suggestion after it
        (
            '  File "<string>", line 4, in <module>\n'
            "AttributeError: 'dict' object has no attribute '__FOO_SETUP__' and no __dict__ for "
            "setting new attributes. Did you mean: '__setattr__'?\n",
            "package-refuses",
            "__FOO_SETUP__",
        ),
        # a script's probe printing the compiler's words after its own "checking for X... "
        (
            "checking for foo... /tmp/tmpab/test.c:1:10: fatal error: foo/bar.h: "
            "No such file or directory\n",
            "sysdep-missing",
            "foo/bar.h",
        ),
        # a setup.py's own check naming the two Pythons it takes
        ("RuntimeError: Python version 2.6 or 2.7 required.\n", "python-unsupported", ""),
        # a .pxd of the same top-level package, in another subpackage, left out of the sdist;
        # a bare name is what Cython 3 also says of a sibling .pxd that is there
        ("foo/a/x.pyx:11:0: 'foo/b/y.pxd' not found\n", "package-refuses", "y.pxd"),
        ("src/foo/a/x.pyx:11:0: 'foo/b/y.pxd' not found\n", "package-refuses", "y.pxd"),
        ("foo/x.pyx:1:0: 'y.pxd' not found\n", "unknown", ""),
        # CMake's own stop on a download with an expected hash, and the status under it
        (
            "-- Downloading foo: https://github.com/o/foo/releases/foo.tar.gz\n"
            "CMake Error at CMakeLists.txt:173 (file):\n"
            "  file DOWNLOAD cannot compute hash on failed download\n\n"
            '    from url: "https://github.com/o/foo/releases/foo.tar.gz"\n'
            '    status: [6;"Could not resolve hostname"]\n',
            "network",
            "github.com",
        ),
        # the same stop for a server's refusal is no network failure
        (
            "CMake Error at CMakeLists.txt:173 (file):\n"
            "  file DOWNLOAD cannot compute hash on failed download\n\n"
            '    status: [22;"HTTP response code said error"]\n',
            "unknown",
            "",
        ),
        # a setup script running pip itself after a failed import, where the build
        # environment has no pip: the failed import names what it wanted
        (
            "/tmp/env/bin/python: No module named pip\n"
            "Traceback (most recent call last):\n"
            '  File "<string>", line 4, in <module>\n'
            "ModuleNotFoundError: No module named 'yaml'\n"
            "subprocess.CalledProcessError: Command '['/tmp/env/bin/python', '-m', 'pip', "
            "'install', 'pyyaml']' returned non-zero exit status 1.\n",
            "import-failed",
            "yaml",
        ),
        # a script's probe verdict on a library's directories; not one it builds on without
        ("Library path not found (GLFW)\n", "sysdep-missing", "GLFW"),
        ("Include path not found (SDL), building without SDL support\n", "unknown", ""),
        # cargo on a crate whose manifest the sdist left out
        (
            "error: manifest path `/tmp/build/pkg/_ext/Cargo.toml` does not exist\n",
            "package-refuses",
            "Cargo.toml",
        ),
        # a backend naming the configuration it dropped and the release that dropped it
        (
            "Caused by: The following options in `tool.foo` section of pyproject.toml are "
            "removed since foobackend 2.0.0: bar, baz\n",
            "build-requirement-incompatible",
            "foobackend",
        ),
        # a script asking for a build requirement to be installed first; not one it goes on
        # without
        ("You need to install numpy first - pip install numpy\n", "import-failed", "numpy"),
        (
            "Please install Cython first, falling back to the bundled C sources\n",
            "unknown",
            "",
        ),
        # pkg-config's stderr glued to a script's unfinished line
        (
            "Probing Package libfoo was not found in the pkg-config search path.\n",
            "sysdep-missing",
            "libfoo",
        ),
        # a Python 2 C-API name Python 3 does not declare: the port's cause, subject 2; a
        # Python 3 name that is gone is the removed function
        (
            "src/m.cpp:9:3: error: \u2018PyInt_AsLong\u2019 was not declared in this scope; "
            "did you mean \u2018PyLong_AsLong\u2019?\n",
            "python-unsupported",
            "2",
        ),
        (
            "m.c:4:7: error: implicit declaration of function \u2018Py_InitModule4\u2019 "
            "[-Werror=implicit-function-declaration]\n",
            "python-unsupported",
            "2",
        ),
        (
            "m.c:5:9: error: \u2018PyCObject_Type\u2019 undeclared (first use in this function)\n",
            "python-unsupported",
            "2",
        ),
        (
            "m.c:5:9: error: \u2018_PyLong_NumBits\u2019 undeclared (first use in this function)\n",
            "python-unsupported",
            "_PyLong_NumBits",
        ),
        # a backend's own words for a package directory it does not find
        (
            "foo.errors.ModuleOrPackageNotFoundError: No file/folder found for package mypkg\n",
            "package-refuses",
            "mypkg",
        ),
        (
            "FileNotFoundError: [Errno 2] No such file or directory: "
            "'/tmp/pip-req-build-x/NOTICE.txt'\n",
            "package-refuses",
            "NOTICE.txt",
        ),
        # a setup script's own pip run in an environment without pip, then its own request
        (
            "/tmp/env/bin/python3.12: No module named pip\nPlease install foo-bar package\n",
            "import-failed",
            "foo-bar",
        ),
        (
            "/tmp/env/bin/python3: No module named pip\nPLEASE install baz.\n",
            "import-failed",
            "baz",
        ),
        # no pip, and no request: nothing says setup.py was fetching something
        ("/tmp/env/bin/python3: No module named pip\nbuild failed\n", "unknown", ""),
        # a script's own pip command for a package, where there is no pip; a requirements
        # file names no package
        (
            "/e/bin/python3: No module named pip\nsubprocess.CalledProcessError: Command "
            "'['/e/bin/python3', '-m', 'pip', 'install', '--user', 'scipy']' returned non-zero "
            "exit status 1.\n",
            "import-failed",
            "scipy",
        ),
        (
            "/e/bin/python3: No module named pip\nsubprocess.CalledProcessError: Command "
            "'['/e/bin/python3', '-m', 'pip', 'install', '-r', 'requirements.txt']' returned "
            "non-zero exit status 1.\n",
            "import-failed",
            "",
        ),
        # a script naming the Fortran compiler it did not find; not when it goes on without
        (
            "  \u274c Fortran compiler 'ifort' not found. Please install it.\n",
            "toolchain-missing",
            "ifort",
        ),
        ("Fortran compiler 'gfortran' not found, building without Fortran\n", "unknown", ""),
        # a kit's directory not where the script looked
        (
            "error: The MKL include path could not be located in /opt/intel\n",
            "toolchain-missing",
            "MKL",
        ),
        # a C source another one includes is the sdist's own, named as it is included (as a
        # header is: the settled question in docs/reference/rules.md); a header may be a library's
        (
            "src/mod.c:12:10: fatal error: vendored/impl.c: No such file or directory\n",
            "package-refuses",
            "vendored/impl.c",
        ),
        (
            "mod.c:3:10: fatal error: zlib.h: No such file or directory\n",
            "sysdep-missing",
            "zlib.h",
        ),
        # a script refusing Python 3 in its own words
        ("RuntimeError: not tested on py3 yet\n", "python-unsupported", ""),
        # a setuptools module newer than the setuptools installed; setuptools itself missing
        (
            "ModuleNotFoundError: No module named 'setuptools.command.editable_wheel'\n",
            "build-requirement-incompatible",
            "setuptools",
        ),
        ("ModuleNotFoundError: No module named 'setuptools'\n", "backend-missing", "setuptools"),
        # setup() metadata a newer setuptools' own finalising code cannot read; the same
        # bytes error in the project's own setup.py is Python 2 code
        (
            '  File "/e/site-packages/setuptools/dist.py", line 420, in _finalize_license_files\n'
            "    for pattern in patterns:\n"
            "AttributeError: 'bytes' object has no attribute 'glob'\n",
            "build-requirement-incompatible",
            "setuptools",
        ),
        (
            '  File "setup.py", line 12, in <module>\n'
            '    if cl.startswith("License :: "):\n'
            "TypeError: startswith first arg must be bytes or a tuple of bytes, not str\n",
            "python-unsupported",
            "2",
        ),
        # a Python 2 object type where g++ reads an expression (a template argument)
        (
            "m.cpp:10:20: error: \u2018PyIntObject\u2019 was not declared in this scope\n",
            "python-unsupported",
            "2",
        ),
        # a script's own words for a build requirement, with the version in words
        ("You need numpy 1.7 or later to build foo\n", "import-failed", "numpy"),
        (".. ERROR:: You need Cython 3.0 or newer to compile foo!\n", "import-failed", "Cython"),
        # poetry-core refusing a constraint in [tool.poetry] that is no version
        (
            "ParseConstraintError: Could not parse version constraint: latest\n",
            "package-refuses",
            "",
        ),
        # a part of a namespace package is a distribution of its own; a module of a
        # package is that package
        (
            '  File "setup.py", line 3, in <module>\n'
            "ModuleNotFoundError: No module named 'zope.interface'\n",
            "import-failed",
            "zope.interface",
        ),
        (
            '  File "setup.py", line 3, in <module>\n'
            "ModuleNotFoundError: No module named 'numpy.random'\n",
            "import-failed",
            "numpy",
        ),
        # an archive the frontend does not build from: the package its file name names
        (
            "error: Source distribution `/src/old_pkg-0.3.tgz` has a non-PEP 625-compliant "
            "filename; only `.tar.gz` and `.zip` archives are accepted\n",
            "package-refuses",
            "old_pkg",
        ),
        (
            "ERROR Source ./dist/foo-bar-2.0.tar.gz is not a directory\n",
            "package-refuses",
            "foo-bar",
        ),
        # a build script fetching git submodules in an unpacked sdist
        (
            "git submodule update --init --recursive\n"
            "fatal: not a git repository (or any of the parent directories): .git\n",
            "package-refuses",
            "",
        ),
        # a program that could not start a thread under a memory limit
        (
            "failed to spawn thread: Os { code: 11, kind: WouldBlock, message: "
            '"Resource temporarily unavailable" }\n',
            "resource-exhausted",
            "memory",
        ),
        # the compiler driver refusing an option another compiler takes
        (
            "c++: error: unrecognized command-line option \u2018-fcolor-diagnostics\u2019\n",
            "compile-error",
            "",
        ),
        # an sdist whose files are not under one top directory, which pypa/build refuses
        (
            "ERROR source distribution /x/foo_bar-1.0.tar.gz must contain a single top-level "
            "directory, got: ['.', 'foo.spec']\n",
            "package-refuses",
            "foo_bar",
        ),
        # a name gone from one of NumPy's modules, read by the build script
        (
            "AttributeError: module 'numpy.core.multiarray' has no attribute 'foo'\n",
            "build-requirement-incompatible",
            "numpy",
        ),
        # urllib's reason printed by a script, the URL it wanted on its own line above
        (
            "Tarball is unavailable at URL https://example.org/x.tgz\n"
            "URLError: [Errno -3] Temporary failure in name resolution\n",
            "network",
            "example.org",
        ),
        # GCC out of memory under CMake's progress line for a C object
        (
            "[ 50%] Building C object CMakeFiles/x.dir/a.c.o\n"
            "virtual memory exhausted: Cannot allocate memory\n",
            "resource-exhausted",
            "cc1",
        ),
        # a hidden file and a data file the sdist left out
        (
            "FileNotFoundError: [Errno 2] No such file or directory: '.release'\n",
            "package-refuses",
            ".release",
        ),
        (
            "error: can't copy 'data/icons/app.png': doesn't exist or not a regular file\n",
            "package-refuses",
            "app.png",
        ),
        # Python 2's file object in C
        (
            "m.c:5:9: error: \u2018PyFile_AsFile\u2019 undeclared (first use in this function)\n",
            "python-unsupported",
            "2",
        ),
        # meson-python's own Requires-Python check, with the Python that ran
        (
            "meson-python: error: The package requires Python version >=3.11, running on 3.9.2\n",
            "python-unsupported",
            "3.9.2",
        ),
        # meson's own list of C compilers: the first name it lists, the generic cc (settled)
        (
            "../meson.build:1:0: ERROR: Unknown compiler(s): [['cc'], ['gcc'], ['clang']]\n",
            "toolchain-missing",
            "cc",
        ),
        (
            "meson.build:3:0: ERROR: Unknown compiler(s): [['clang-17']]\n",
            "toolchain-missing",
            "clang-17",
        ),
        # cmake or make named alone, by a script or by the shell it started
        ('error: "cmake" was not found\n', "toolchain-missing", "cmake"),
        ("sh: 1: gmake: not found\n", "toolchain-missing", "gmake"),
        # setuptools' discovery refusing a flat layout with several top-level directories
        (
            "error: Multiple top-level packages discovered in a flat-layout: ['docs', 'pkg'].\n",
            "build-requirement-incompatible",
            "setuptools",
        ),
        # a C-API function declared by the extension with its Python 2 signature
        (
            "m.c:3:6: error: conflicting types for \u2018Py_GetArgcArgv\u2019\n"
            "m.c:9:5: warning: implicit declaration of function \u2018Py_InitModule3\u2019\n",
            "python-unsupported",
            "2",
        ),
        # a probe's pyenv shim and a library the build should have made are no missing files
        ("pyenv: python3.9-config: command not found\n", "unknown", ""),
        (
            "error: can't copy 'lib/libfoo.so.1': doesn't exist or not a regular file\n",
            "unknown",
            "",
        ),
        # pypa/build refusing an archive with no PKG-INFO as an sdist: the package its name names
        (
            "ERROR source distribution /tmp/in/frob-lib-2.1.tar.gz does not contain "
            "frob-lib-2.1/PKG-INFO; this does not appear to be a valid source distribution\n",
            "package-refuses",
            "frob-lib",
        ),
        # a script of the sdist's own that a CMake step runs with Python, left out
        (
            "/tmp/env/bin/python3.11: can't open file '/tmp/b/pkg-1.0/tools/gen_tables.py': "
            "[Errno 2] No such file or directory\n",
            "package-refuses",
            "gen_tables.py",
        ),
        # Cython 3 refusing an option cythonize() no longer takes
        (
            "ValueError: got unknown compilation option, please remove: language_level3\n",
            "build-requirement-incompatible",
            "Cython",
        ),
        # a Python 2 method's class, which Python 3 methods do not have
        (
            "a.cpp:9:20: error: \u2018PyMethod_Class\u2019 was not declared in this scope\n",
            "python-unsupported",
            "2",
        ),
        # one global defined in two of the project's files (-fno-common, GCC 10 and later)
        (
            "/usr/bin/ld: build/temp.linux-x86_64-cpython-312/src/a.o:/tmp/pip-req-build-abc123/"
            "src/a.c:7: multiple definition of `buffer'; build/temp.linux-x86_64-cpython-312/"
            "src/b.o:/tmp/pip-req-build-abc123/src/common.h:3: first defined here\n",
            "compile-error",
            "src/a.c",
        ),
        # a CMake build's probe of a Python package it needs, under CMake's heading
        (
            "CMake Error at cmake/python.cmake:544 (message):\n  Failed to detect numpy\n"
            "Call Stack (most recent call first):\n  CMakeLists.txt:40 (find_numpy)\n"
            "ERROR Backend subprocess exited when trying to invoke build_wheel\n",
            "import-failed",
            "numpy",
        ),
        # the import a script quotes when it goes on without numpy, and numpy's header then
        # missing: the announcement is the cause
        (
            'NumPy include directory unknown ("import numpy" failed).\n'
            "running build_ext\n"
            "ext/m.c:10:10: fatal error: numpy/ndarrayobject.h: No such file or directory\n",
            "import-failed",
            "numpy",
        ),
        # the distribution PyPI knows, not the project's own name for it ("pytorch" on PyPI is a
        # placeholder that refuses to install)
        (
            "ImportError: PyTorch is required to install foo-ops. Please install PyTorch.\n",
            "import-failed",
            "torch",
        ),
        # a module loading its C library with ctypes at build time, the library absent
        (
            "OSError: Zork shared object cannot be found. Please install Zork first.\n",
            "sysdep-missing",
            "Zork",
        ),
        # a setup.py's own version check naming its bound
        ("RuntimeError: needs at least Python 3.14 (vs. 3.12.1)\n", "python-unsupported", ""),
        # Python 2's StandardError, which Python 3 does not have
        (
            "m.c:12:20: error: \u2018PyExc_StandardError\u2019 undeclared (first use in this "
            "function)\n",
            "python-unsupported",
            "2",
        ),
        # a source path setup.py writes with ./ is the file as the project names it
        (
            "./src/core.c:48:17: error: storage size of \u2018tb\u2019 isn\u2019t known\n",
            "compile-error",
            "src/core.c",
        ),
        # a script refusing Python 3 by raising NotImplementedError
        (
            "NotImplementedError: frobnitz Python 3 support is coming\n",
            "python-unsupported",
            "",
        ),
        # setuptools' own refusal of use_2to3, before the setup command restates it
        (
            "distutils.errors.DistutilsSetupError: use_2to3 is invalid.\n",
            "build-requirement-incompatible",
            "use_2to3",
        ),
        # pip naming the requirement whose sdist has no project files
        (
            "ERROR: frob from https://files.example/frob-1.0.tar.gz does not appear to be a "
            "Python project: neither 'setup.py' nor 'pyproject.toml' found.\n",
            "package-refuses",
            "frob",
        ),
        # old Cython output calling PyCode_New with the arguments of an older Python 3: the
        # signature changed, no Python 2 port (even with Python 2 names in warnings)
        (
            "m.c:90:16: warning: implicit declaration of function \u2018PyString_FromString\u2019\n"
            "m.c:8575:15: error: too few arguments to function \u2018PyCode_New\u2019\n",
            "python-unsupported",
            "PyCode_New",
        ),
        # the first import of a fallback handled, the second failing: the second is the cause
        (
            "Traceback (most recent call last):\n"
            '  File "/tmp/b/pkg/draw.py", line 7, in <module>\n'
            "ModuleNotFoundError: No module named 'fastdraw'\n"
            "\n"
            "During handling of the above exception, another exception occurred:\n"
            "\n"
            "Traceback (most recent call last):\n"
            '  File "setup.py", line 3, in <module>\n'
            "ModuleNotFoundError: No module named 'slowdraw'\n"
            "  Getting requirements to build wheel ... error\n",
            "import-failed",
            "slowdraw",
        ),
        # a removed standard-library name tried first and handled: the fallback's import failed
        (
            "Traceback (most recent call last):\n"
            '  File "setup.py", line 3, in <module>\n'
            "ImportError: cannot import name 'getargspec' from 'inspect' (/usr/lib/inspect.py)\n"
            "\n"
            "During handling of the above exception, another exception occurred:\n"
            "\n"
            "Traceback (most recent call last):\n"
            '  File "setup.py", line 5, in <module>\n'
            "ModuleNotFoundError: No module named 'funcsigs'\n"
            "  Getting requirements to build wheel ... error\n",
            "import-failed",
            "funcsigs",
        ),
        # pypa/build refusing an archive whose version PEP 440 does not allow
        (
            "ERROR '/tmp/s/frobnik-1.0-final-r2.tar.gz' does not look like a source "
            "distribution: Invalid sdist filename (invalid version): "
            "'frobnik-1.0-final-r2.tar.gz'\n",
            "package-refuses",
            "frobnik",
        ),
        # pypa/build without isolation: what the backend asked for is not installed
        (
            "* Getting build dependencies for wheel...\n"
            "ERROR Unmet dependencies (checked against /opt/venv/bin/python3):\n"
            "\tsetuptools-git-versioning>=2\n"
            "\t\twanted: >=2\n"
            "\t\tfound: not installed\n",
            "import-failed",
            "setuptools-git-versioning",
        ),
        # a setup.py downloading from an address with no route out: the host from its source line
        (
            "Traceback (most recent call last):\n"
            '  File "/usr/lib/python3.12/urllib/request.py", line 1344, in do_open\n'
            "OSError: [Errno 101] Network is unreachable\n"
            "\n"
            "During handling of the above exception, another exception occurred:\n"
            "\n"
            "Traceback (most recent call last):\n"
            '  File "/tmp/b/setup.py", line 12, in <module>\n'
            '    urllib.request.urlretrieve("https://downloads.example.org/lib-2.1.tgz", "l.tgz")\n'
            "urllib.error.URLError: <urlopen error [Errno 101] Network is unreachable>\n",
            "network",
            "downloads.example.org",
        ),
        # a setup.py for Python 2 only saying so: its own check, no subject
        (
            "      frobpy is for Python 2.6 only.\n      [end of output]\n",
            "python-unsupported",
            "",
        ),
        # PEP 604 between two builtin generics in the project's own module on 3.9
        (
            '  File "/tmp/b/frob/types.py", line 8, in <module>\n'
            "    Pair = tuple[int, int] | list[int]\n"
            "TypeError: unsupported operand type(s) for |: 'types.GenericAlias' and "
            "'types.GenericAlias'\n",
            "python-unsupported",
            "",
        ),
        # uv refusing a build whose metadata has another version than the sdist's name
        (
            "error: Failed to build `frobnik @ file:///tmp/frobnik-2.4.tar.gz`\n"
            "  cause: Package metadata version `0.1.dev1` does not match given version `2.4`\n",
            "package-refuses",
            "frobnik",
        ),
        # a setup.py asking for a build requirement "in order to build", in capitals
        (
            "You need to install NUMPY in order to build Frobnik\n",
            "import-failed",
            "numpy",
        ),
        # cffi's hook given a build script the sdist lacks
        (
            "error in frob setup command: 'src/ffi/frob_build.py' does not name an existing file\n",
            "package-refuses",
            "frob_build.py",
        ),
        # a library's config script named in camel case
        (
            "froblibConfig not found.  Please install froblib (https://example.org/froblib)\n",
            "sysdep-missing",
            "froblibConfig",
        ),
        # a build requirement's changed signature, called by the script's subclass of its command
        (
            '  File "/e/lib/python3.12/site-packages/setuptools_rust/build.py", line 9, in run\n'
            "    self.build_extension(ext)\n"
            '  File "<string>", line 40, in build_extension\n'
            "TypeError: get_rust_target_info() takes 1 positional argument but 2 were given\n",
            "build-requirement-incompatible",
            "setuptools-rust",
        ),
        # NumPy 2's removed buffer type, where Cython says only "Invalid type."
        (
            "cdef np.ndarray[np.uint_t, ndim=2] grid\n"
            "                  ^\n"
            "------------------------------------------------------------\n"
            "frob/_grid.pyx:7:19: Invalid type.\n",
            "build-requirement-incompatible",
            "numpy",
        ),
        # a path dependency's manifest the sdist left out, with crates.io out of reach too
        (
            "warning: spurious network error (1 try remaining): [6] Could not resolve hostname "
            "(Could not resolve host: index.crates.io)\n"
            "error: failed to get `frob_derive` as a dependency of package `frob v0.2.0 (/tmp/b)`\n"
            "\n"
            "Caused by:\n"
            "  failed to load source for dependency `frob_derive`\n"
            "\n"
            "Caused by:\n"
            "  unable to update /tmp/b/frob_derive\n"
            "\n"
            "Caused by:\n"
            "  failed to read `/tmp/b/frob_derive/Cargo.toml`\n",
            "package-refuses",
            "Cargo.toml",
        ),
        # numpy.distutils asked for a Fortran compiler by the setup.py itself
        (
            "numpy.distutils.fcompiler.CompilerNotFound: gnu: f90 nor f77\n",
            "toolchain-missing",
            "gfortran",
        ),
        # Python 2's PyString_AS_STRING, undeclared and subscripted
        (
            "frob/_frob.c:70:9: warning: implicit declaration of function "
            "\u2018PyString_Check\u2019\n"
            "frob/_frob.c:77:31: error: subscripted value is neither array nor pointer nor vector\n"
            "   77 |   first = PyString_AS_STRING(obj)[0];\n",
            "python-unsupported",
            "2",
        ),
        # a header NumPy 2 removed
        (
            "gcc -I/tmp/env/lib/python3.12/site-packages/numpy/_core/include -c src/frob.c\n"
            "src/frob.c:3:10: fatal error: numpy/noprefix.h: No such file or directory\n",
            "build-requirement-incompatible",
            "numpy",
        ),
        # a versioned shared library the sdist left out
        (
            "FileNotFoundError: [Errno 2] No such file or directory: 'vendor/lib/libfrob.so.12'\n",
            "package-refuses",
            "libfrob.so.12",
        ),
        # uv refusing to unpack an sdist member by its name
        (
            "error: Failed to build `/tmp/s/frobnik-3.1.tar.gz`\n"
            "  cause: Invalid tar file\n"
            "  cause: at byte 4096: extraction policy rejected input: archive member path "
            'rejected by name policy: "frobnik-3.1/a: b.tmp"\n',
            "package-refuses",
            "frobnik",
        ),
        # a build requirement's missing name the code then handled: a probe; its fallback's
        # failed import is the cause
        (
            "Traceback (most recent call last):\n"
            '  File "/tmp/b/.eggs/frobffi-3.0-py3.12.egg/frobffi/parse.py", line 5, in <module>\n'
            "    from . import _lexer as lexer\n"
            "ImportError: cannot import name '_lexer' from 'cffi' (/tmp/b/cffi/__init__.py)\n"
            "\n"
            "During handling of the above exception, another exception occurred:\n"
            "\n"
            "Traceback (most recent call last):\n"
            '  File "setup.py", line 13, in <module>\n'
            "    import frobparser\n"
            "ModuleNotFoundError: No module named 'frobparser'\n",
            "import-failed",
            "frobparser",
        ),
        # Python 2's implicit relative import of several sibling modules at once (subject 2, as
        # the blind readings settled)
        (
            '  File "/tmp/b/frobdns/Frob/__init__.py", line 9, in <module>\n'
            "    import Lookup, Cache,Zone\n"
            "ModuleNotFoundError: No module named 'Lookup'\n",
            "python-unsupported",
            "2",
        ),
        # uv's resolver: the name or version a registry sdist builds is not the pinned one
        # (the mismatch its hint spells out is the first error)
        (
            "error: No solution found when resolving dependencies\n"
            "  cause: Because frobnik==0.4.1 has inconsistent metadata and you require "
            "frobnik==0.4.1, we can conclude that your requirements are unsatisfiable.\n"
            "\n"
            "hint: Metadata for `frobnik` (v0.4.1) was inconsistent:\n"
            "  Package metadata version `0.4.0` does not match given version `0.4.1`\n",
            "package-refuses",
            "frobnik",
        ),
        (
            "error: Failed to build `frobnik @ file:///tmp/frobnik-0.4.1.tar.gz`\n"
            "  cause: Package metadata name `frob_nik` does not match given name `frobnik`\n",
            "package-refuses",
            "frobnik",
        ),
        # uv's resolver finding only old archive names on the index
        (
            "error: No solution found when resolving dependencies\n"
            "  cause: Because frobnik==1.0 has a non-PEP 625-compliant source distribution "
            "filename and you require frobnik==1.0, we can conclude that your requirements are "
            "unsatisfiable.\n",
            "package-refuses",
            "frobnik",
        ),
        # pip discarding the one candidate whose metadata gives another version
        (
            "Discarding https://files.example/frobnik-2.1.post1.tar.gz (from "
            "https://pypi.org/simple/frobnik/): Requested frobnik==2.1.post1 from "
            "https://files.example/frobnik-2.1.post1.tar.gz has inconsistent version: "
            "expected '2.1.post1', but metadata has '2.1'\n"
            "ERROR: Could not find a version that satisfies the requirement frobnik==2.1.post1 "
            "(from versions: 2.0, 2.1.post1)\n",
            "package-refuses",
            "frobnik",
        ),
        # a project's own backend running git in an unpacked sdist
        (
            "error: Failed to build `frobnik @ file:///tmp/frobnik-0.3.tar.gz`\n"
            "  cause: The build backend returned an error\n"
            "         Command `git describe --tags` failed with code 128: fatal: not a git "
            "repository (or any of the parent directories): .git\n",
            "package-refuses",
            "frobnik",
        ),
        # a project's CMake message saying how it looked for the library
        (
            "CMake Error at CMakeLists.txt:88 (message):\n"
            "  Frobz not found with pkg-config, and frobz/frobz.h was not found in\n"
            "  FROBZ_ROOT.\n",
            "sysdep-missing",
            "Frobz",
        ),
        # setuptools' distutils asserting on what a setup.py's build_ext subclass left
        (
            '  File "<string>", line 40, in build_extensions\n'
            '  File "/tmp/env/lib/python3.12/site-packages/setuptools/_distutils/command/'
            'build_ext.py", line 590, in build_extension\n'
            "    assert self.compiler is not None\n"
            "AssertionError\n",
            "build-requirement-incompatible",
            "setuptools",
        ),
        # a part of the project the setup.py runs CMake on, left out of the sdist
        (
            'CMake Error: The source directory "/tmp/b/frobnik-1.2/bindings/python3" does not '
            "exist.\n"
            "Specify --help for usage, or press the help button on the CMake GUI.\n",
            "package-refuses",
            "python3",
        ),
        # a cimported module of a distribution not in the build environment
        (
            "Error compiling Cython file:\n"
            "------------------------------------------------------------\n"
            "from cymem.cymem cimport Pool\n"
            "^\n"
            "------------------------------------------------------------\n"
            "frob/_fast.pyx:12:0: 'cymem/cymem.pxd' not found\n"
            "Traceback (most recent call last):\n"
            '  File "/tmp/env/lib/python3.12/site-packages/setuptools/build_meta.py", line 333, '
            "in get_requires_for_build_wheel\n",
            "import-failed",
            "cymem",
        ),
        # an old setuptools' vendored packages on a Python with no find_module
        (
            "  \u00d7 Cannot import build backend 'setuptools.build_meta:__legacy__'.\n"
            "  ╰─> ModuleNotFoundError: No module named 'setuptools.extern.packaging'\n",
            "python-unsupported",
            "setuptools.extern.packaging",
        ),
        # a build hook's own words for a program that should be on PATH
        (
            '  File "/tmp/b/frob-1.0/hatch_build.py", line 21, in initialize\n'
            "    raise RuntimeError(msg)\n"
            "RuntimeError: the Zig toolchain is required and 'zig' should be on your PATH\n",
            "toolchain-missing",
            "zig",
        ),
        # pkg-config started without a shell, named by the OSError alone
        (
            "Traceback (most recent call last):\n"
            '  File "<string>", line 9, in <module>\n'
            '  File "/opt/python/3.12.1/lib/python3.12/subprocess.py", line 1955, in '
            "_execute_child\n"
            "OSError: [Errno 2] No such file or directory: 'pkg-config'\n",
            "toolchain-missing",
            "pkg-config",
        ),
        # a setuptools release without the test command, imported by a setup.py
        (
            '  File "/tmp/env/lib/python3.11/site-packages/setuptools/build_meta.py", line 320, '
            "in run_setup\n"
            "    exec(code, locals())\n"
            '  File "<string>", line 7, in <module>\n'
            "ModuleNotFoundError: No module named 'setuptools.command.test'\n",
            "build-requirement-incompatible",
            "setuptools",
        ),
        # Cython's build API raising when a setup.py calls it the old way
        (
            '  File "setup.py", line 30, in <module>\n'
            "    ext_modules=cythonize(extensions, nthreads=2),\n"
            '  File "/tmp/env/lib/python3.12/site-packages/Cython/Build/Dependencies.py", '
            "line 1010, in cythonize\n"
            "    module_list, module_metadata = create_extension_list(\n"
            "TypeError: create_extension_list() got an unexpected keyword argument 'nthreads'\n",
            "build-requirement-incompatible",
            "Cython",
        ),
        # a build constraint that excludes what the build requirements ask for
        (
            "  \u00d7 pip subprocess to install build dependencies did not run successfully.\n"
            "  \u2502 exit code: 1\n"
            "  \u2570\u2500> [9 lines of output]\n"
            "      ERROR: Cannot install Cython>=3.1 and numpy>=2 because these package versions "
            "have conflicting dependencies.\n"
            "      The conflict is caused by:\n"
            "          The user requested Cython>=3.1\n"
            "          The user requested (constraint) cython<3\n",
            "build-requirement-incompatible",
            "Cython",
        ),
        # the same conflict as pypa/build prints pip's output: the list first, the line wrapped
        (
            "* Installing packages in isolated environment:\n"
            "  - numpy>=2.1\n"
            "< The conflict is caused by:\n"
            "<     The user requested numpy>=2.1\n"
            "<     The user requested (constraint) numpy<2\n"
            "< ERROR: Cannot install numpy>=2.1 because these package versions have\n"
            "  conflicting dependencies.\n",
            "build-requirement-incompatible",
            "numpy",
        ),
        # a build script's own sentence about pkg-config, before the compiler misses the header
        (
            "pkg-config failed to find frobz; set PKG_CONFIG_PATH to where frobz.pc is.\n"
            "running build_ext\n"
            "src/frob.c:4:10: fatal error: frobz/frobz.h: No such file or directory\n",
            "sysdep-missing",
            "frobz",
        ),
        # a template of the C++ standard library failing where the project instantiated it
        (
            "src/frob.cpp:88:21:   required from here\n"
            "/usr/include/c++/13/bits/stl_vector.h:1290:24: error: no matching function for "
            "call to 'FrobAlloc<int>::construct(int*&, const int&)'\n",
            "compile-error",
            "/usr/include/c++/13/bits/stl_vector.h",
        ),
        # the same conflict from uv, installing the build requirements for pypa/build
        (
            "* Installing packages in isolated environment:\n"
            "< error: No solution found when resolving dependencies\n"
            "<   cause: Because you require numpy>=2.1 and numpy==1.26.4, we can\n"
            "  conclude that your requirements are unsatisfiable.\n",
            "build-requirement-incompatible",
            "numpy",
        ),
        # pip 21 discarding the only candidate after its build failed: the failure is the cause
        (
            "  ModuleNotFoundError: No module named 'frobtools'\n"
            "  ----------------------------------------\n"
            "WARNING: Discarding https://files.example/frob-1.0.tar.gz (from "
            "https://pypi.org/simple/frob/). Command errored out with exit status 1: python "
            "setup.py egg_info Check the logs for full command output.\n"
            "ERROR: No matching distribution found for frob==1.0\n",
            "import-failed",
            "frobtools",
        ),
        # a script naming the distributions' development packages
        (
            "Please install libfrobz-dev or libfrobz-devel\n",
            "sysdep-missing",
            "libfrobz",
        ),
        # a script asking for a Python build requirement in a line of its own, or through logging
        (
            "Please install Cython.\nNameError: name 'cythonize' is not defined\n",
            "import-failed",
            "Cython",
        ),
        ("ERROR:setup:NumPy is required\n", "import-failed", "numpy"),
        # Python 2's list-returning builtins
        ("TypeError: 'filter' object is not subscriptable\n", "python-unsupported", "filter"),
        # an older setuptools without the ext-modules table
        (
            "configuration error: `tool.setuptools` must not contain {'ext-modules'} properties\n",
            "build-requirement-incompatible",
            "setuptools",
        ),
        # setuptools 58's refusal of use_2to3 in its older wording
        (
            "error in setup command: use_2to3 is invalid.\n",
            "build-requirement-incompatible",
            "use_2to3",
        ),
        # a CMake message naming the component before its verdict
        (
            "CMake Error at cmake/FindFrob.cmake:40 (MESSAGE):\n"
            "  FROB: Could not find frobcore library from FROB_ROOT\n",
            "sysdep-missing",
            "frobcore",
        ),
        # a script's verdict after searching every directory it lists
        (
            "RuntimeError: No GMP headers found in ['/usr/include', '/usr/local/include']\n",
            "sysdep-missing",
            "GMP",
        ),
        # a build helper's verdict on a program it looked up
        ("`yarn` unavailable.  Install it and try again\n", "toolchain-missing", "yarn"),
        # a setup script refusing the Python that runs it, by its version
        ("RuntimeError: Python version 3.13.0 is not supported\n", "python-unsupported", ""),
        # a build backend's own check of pyproject.toml, with the frontend naming the package
        (
            "Collecting frobnik==2.0\n"
            "  Getting requirements to build wheel: started\n"
            "  error: subprocess-exited-with-error\n"
            "ValueError: Field `project.readme` must be a string or a table\n",
            "package-refuses",
            "frobnik",
        ),
        (
            "Collecting frobnik==2.0\n"
            "  error: subprocess-exited-with-error\n"
            "flit_core.config.ConfigError: description field should be <class 'str'>, "
            "not <class 'list'>\n",
            "package-refuses",
            "frobnik",
        ),
        # cargo found, the compiler it runs not
        (
            "error: could not execute process `rustc - --crate-name ___ --print=file-names` "
            "(never executed)\n\nCaused by:\n  No such file or directory (os error 2)\n",
            "toolchain-missing",
            "rustc",
        ),
        # an include file cythonize's scan did not find in the sdist
        (
            "Cython.Compiler.Errors.InternalError: Internal compiler error: "
            "'frob/_defs.pxi' not found\n",
            "package-refuses",
            "_defs.pxi",
        ),
        # an old setuptools' distutils choosing a newer Python's install scheme
        (
            '  File "/tmp/e/site-packages/setuptools/_distutils/command/install.py", '
            "line 528, in select_scheme\n"
            "    return self._select_scheme(resolved)\n"
            "KeyError: 'platinclude'\n",
            "build-requirement-incompatible",
            "setuptools",
        ),
        # the project's own CMake module, included by name, left out of the sdist
        (
            "CMake Error at CMakeLists.txt:12 (include):\n"
            "  include could not find load file:\n\n    FrobCompilerChecks\n",
            "package-refuses",
            "FrobCompilerChecks",
        ),
        # make stopping on a file the project's Makefile names and the sdist lacks
        (
            "make[1]: *** No rule to make target 'src/frob_tables.c', needed by "
            "'frob_tables.o'.  Stop.\n",
            "package-refuses",
            "frob_tables.c",
        ),
        # an old pkg_resources refusing an egg setup_requires fetched, by its normalised name
        (
            "pkg_resources.ContextualVersionConflict: (zope-interface 7.2 "
            "(/tmp/b/.eggs/zope_interface-7.2-py3.9.egg), Requirement.parse('zope.interface'), "
            "{'twisted'})\n",
            "build-requirement-incompatible",
            "setuptools",
        ),
        # a lower-case <python.h>, found only where file names ignore case
        (
            "src/frob/module.c:4:10: fatal error: python.h: No such file or directory\n",
            "compile-error",
            "src/frob/module.c",
        ),
        # a setup.py's words after its import of setuptools failed
        (
            "frob requires setuptools to install, but setuptools is not installed\n",
            "backend-missing",
            "setuptools",
        ),
        # Cython 3's cythonize given a lazy include object it no longer turns into a path
        (
            '  File "/tmp/e/site-packages/Cython/Compiler/Main.py", line 331, in '
            "search_include_directories\n"
            "    return search_include_directories(\n"
            '  File "<frozen posixpath>", line 76, in join\n'
            "TypeError: expected str, bytes or os.PathLike object, not get_pybind_include\n",
            "build-requirement-incompatible",
            "Cython",
        ),
        # a stub sdist pointing at the wheels pip did not find
        (
            "Collecting frobnik==3.1\n  error: subprocess-exited-with-error\n"
            "RuntimeError: If you see this error, pip did not find a compatible wheel for "
            "this platform\n",
            "package-refuses",
            "frobnik",
        ),
        # GCC without its Objective-C front end, under CMake's compiler test
        (
            "CMake Error at /usr/share/cmake-3.28/Modules/CMakeTestOBJCCompiler.cmake:60 "
            "(message):\n  The Objective-C compiler\n\n"
            "    gcc: fatal error: cannot execute 'cc1obj': execvp: No such file or directory\n",
            "toolchain-missing",
            "cc1obj",
        ),
        # the compiler proper or the linker refusing what CFLAGS or LDFLAGS pass
        ("cc1plus: error: bad value 'znver9' for '-mtune=' switch\n", "compile-error", ""),
        ("/usr/bin/ld.bfd: unrecognized option '--icf=all'\n", "compile-error", ""),
        # GCC's link step without the linker -fuse-ld= names
        (
            "collect2: fatal error: cannot find 'ld'\ncompilation terminated.\n",
            "toolchain-missing",
            "ld",
        ),
        # a header CPPFLAGS forces in with -include
        (
            "<command-line>: fatal error: /usr/local/include/frob_prefix.h: No such file or "
            "directory\n",
            "sysdep-missing",
            "/usr/local/include/frob_prefix.h",
        ),
        # a script's words without a verb
        ("RuntimeError: numpy required to build the frob extension\n", "import-failed", "numpy"),
        # CMake's FindPython finding this Python too old for the project
        (
            "CMake Error at /tmp/e/FindPackageHandleStandardArgs.cmake:230 (message):\n"
            '  Could NOT find Python3: Found unsuitable version "3.9.18", but required is\n'
            '  at least "3.10" (found /usr/bin/python3)\n',
            "python-unsupported",
            "3.9.18",
        ),
        # scikit-build-core not knowing a setting the project's pyproject.toml uses
        (
            "ERROR: Unrecognized options in pyproject.toml:\n"
            "  tool.scikit-build.build.targets -> Did you mean: tool.scikit-build.build-dir?\n",
            "build-requirement-incompatible",
            "scikit-build-core",
        ),
        # CMake finding no package, the project's fallback fetching it, the fetch failing
        (
            "-- Could NOT find nlohmann_json (missing: nlohmann_json_DIR)\n"
            "-- Cloning nlohmann_json from GitHub\n"
            "fatal: unable to access 'https://github.com/nlohmann/json/': Could not resolve "
            "host: github.com\n",
            "sysdep-missing",
            "nlohmann_json",
        ),
        # setup.py's packages naming a directory the sdist lacks
        ("error: package directory 'src/frob' does not exist\n", "package-refuses", "frob"),
        # an f-string only Python 3.12 reads, run by an older Python
        ("SyntaxError: f-string: expecting '}'\n", "python-unsupported", ""),
        # a UTF-8 file read under an ASCII locale: no rule, not Python 2
        (
            '  File "/tmp/b/setup.py", line 9, in <module>\n'
            "    long_description = open('README.rst').read()\n"
            '  File "/usr/lib/python3.10/encodings/ascii.py", line 26, in decode\n'
            "UnicodeDecodeError: 'ascii' codec can't decode byte 0xe2 in position 7: ordinal "
            "not in range(128)\n",
            "unknown",
            "",
        ),
        # the script asking for two build requirements at once
        (
            "RuntimeError: You must install Cython, numpy or pythran before building frob\n",
            "import-failed",
            "Cython",
        ),
        # the preprocessor handed a FreeBSD-only header by its full path
        (
            "Collecting frob\n"
            "cc1plus: fatal error: /usr/local/include/sys/procdesc.h: No such file or directory\n",
            "package-refuses",
            "frob",
        ),
        # SWIG 4 refusing another option SWIG 3 took
        (
            "swig -python -modern -o frob_wrap.c frob.i\n"
            "Deprecated command line option: -modern. This option is no longer available.\n"
            "error: command '/usr/bin/swig' failed with exit status 1\n",
            "toolchain-missing",
            "swig",
        ),
        # swig having run and failed is no missing swig: its own error above is the cause
        (
            "frob.i:12: Error: Syntax error in input(1).\n"
            "error: command 'swig' failed with exit code 1\n",
            "unknown",
            "",
        ),
        # setuptools refusing an entry point two entries run together
        (
            "error in frob-tools setup command: Problems to parse EntryPoint(name='frob', "
            "value='frob.cli:mainfrobnicate=frob.cli:other', group='console_scripts').\n",
            "package-refuses",
            "frob-tools",
        ),
        # the script's verdict on a pkg-config query, the library as its subject
        ("Exception: libfrob was not found using pkg-config\n", "sysdep-missing", "libfrob"),
        # a setup script's own PATH check, in setuptools' error wording, naming the full path
        (
            "error: command '/usr/local/bin/pkg-config' not found\n",
            "toolchain-missing",
            "pkg-config",
        ),
        # a setup.py that could not start pkg-config at all
        ("Exception: Failed to execute pkg-config\n", "toolchain-missing", "pkg-config"),
        # ... but after pkg-config's own output, the module it did not find is the cause
        (
            "Package frob was not found in the pkg-config search path.\n"
            "RuntimeError: Unable to run pkg-config.\n",
            "sysdep-missing",
            "frob",
        ),
        # a build hook asking for Node.js by the product's name
        ("RuntimeError: Please install nodejs first\n", "toolchain-missing", "node"),
        # hatchling's force-include of a directory the sdist lacks
        (
            "FileNotFoundError: Forced include not found: /tmp/b/frob/js/build/\n",
            "package-refuses",
            "build",
        ),
        # a metadata hook naming the missing file alone
        ("FileNotFoundError: README.rst\n", "package-refuses", "README.rst"),
        # a setup.py's git describe on an unpacked sdist, and the script dying of it
        (
            "fatal: not a git repository (or any parent up to mount point /tmp)\n"
            "Stopping at filesystem boundary (GIT_DISCOVERY_ACROSS_FILESYSTEM not set).\n"
            "Traceback (most recent call last):\n"
            '  File "setup.py", line 7, in <module>\n'
            "subprocess.CalledProcessError: Command '['git', 'rev-parse', '--short', 'HEAD']' "
            "returned non-zero exit status 128.\n",
            "package-refuses",
            "",
        ),
        # ... but a probe that went on, the build failing elsewhere, is not the cause
        (
            "fatal: not a git repository (or any of the parent directories): .git\n"
            "frob.c:3:10: fatal error: zlib.h: No such file or directory\n",
            "sysdep-missing",
            "zlib.h",
        ),
        # pip listing every release it tried of the requirement a constraint rules out
        (
            "Installing build dependencies: finished with status 'error'\n"
            "ERROR: Cannot install frob==1.0, frob==1.1 and frob==1.2 because these package "
            "versions have conflicting dependencies.\n"
            "    The user requested (constraint) bar<2\n"
            "pip subprocess to install build dependencies did not run successfully.\n",
            "build-requirement-incompatible",
            "frob",
        ),
        # a make recipe entering a bundled library's directory the sdist left out (bash)
        (
            "/bin/sh: line 1: cd: src/vendor/libfrob: No such file or directory\n",
            "package-refuses",
            "libfrob",
        ),
        # a bare exception asking for a library
        ("RuntimeError: Please install libfrob.\n", "sysdep-missing", "libfrob"),
        # SciPy's LAPACK declarations cimported where SciPy is not installed
        (
            '  File "setup.py", line 30, in <module>\n'
            "frob/_lin.pyx:4:0: 'scipy/linalg/cython_lapack.pxd' not found\n",
            "import-failed",
            "scipy",
        ),
        # libtool (dash) running a C++ compiler that is not installed
        ("./libtool: 2104: clang++-18: not found\n", "toolchain-missing", "clang++-18"),
        # an optional find_package, then CMake's generate step refusing the unset variable: the
        # generate step's list is read, its first variable the subject (settled)
        (
            "-- Could NOT find GMP (missing: GMP_INCLUDE_DIR)\n"
            "-- Configuring done\n"
            "CMake Error: The following variables are used in this project, but they are set "
            "to NOTFOUND.\n"
            "GMP_INCLUDE_DIR\n",
            "sysdep-missing",
            "GMP_INCLUDE_DIR",
        ),
        # a CPython struct this Python made opaque, by its tag
        (
            "src/frob.c:88:9: error: invalid use of undefined type \u2018struct _is\u2019\n",
            "python-unsupported",
            "_is",
        ),
        # a program of the named list not found, the script asking for its package
        ("nasm not found. Is nasm installed?\n", "toolchain-missing", "nasm"),
        # pip naming the requirement it could not treat as a Python project, with its pin
        (
            "ERROR: frob[cli]>=1.0 from https://files.example/frob-1.0.zip does not appear to "
            "be a Python project: neither 'setup.py' nor 'pyproject.toml' found.\n",
            "package-refuses",
            "frob",
        ),
        # uv reading a workspace whose member the sdist shipped without its pyproject.toml
        (
            "  Caused by: Workspace member `/tmp/b/pkgs/core` is missing a `pyproject.toml` "
            "(matches: `pkgs/*`)\n",
            "package-refuses",
            "pyproject.toml",
        ),
        # the linker refusing the project's objects compiled without -fPIC
        (
            "/usr/bin/ld: build/frob.o: relocation R_X86_64_32 against `.rodata' can not be "
            "used when making a shared object; recompile with -fPIC\n",
            "compile-error",
            "build/frob.o",
        ),
        # OpenBLAS unable to allocate under a memory limit
        (
            "OpenBLAS error: Memory allocation still failed after 5 retries, giving up.\n",
            "resource-exhausted",
            "memory",
        ),
        # uv offline, a build requirement in neither its cache nor the local files
        (
            "  cause: Failed to resolve requirements from `build-system.requires`\n"
            "  cause: Because cython was not found in the cache and you require cython, we can "
            "conclude that your requirements are unsatisfiable.\n",
            "network",
            "",
        ),
        # pip with no index, the local files lacking a build requirement
        (
            "Looking in links: /tmp/wheelhouse\n"
            "  Installing build dependencies: started\n"
            "ERROR: Could not find a version that satisfies the requirement "
            "scikit-build-core>=0.5 (from versions: none)\n",
            "network",
            "",
        ),
        # pip interrupted from outside
        ("ERROR: Operation cancelled by user\n", "resource-exhausted", ""),
        # rustup unable to make its home, so no cargo runs
        (
            "error: could not create home directory: '/nonexistent/.rustup'\n",
            "toolchain-missing",
            "cargo",
        ),
        # uv's build constraint naming a yanked release of a build requirement
        (
            "  cause: Failed to resolve requirements from `build-system.requires`\n"
            "  cause: No solution found when resolving: `hatchling>=1.18`\n"
            "  cause: Because hatchling==1.19.0 was yanked (reason: broken) and only the "
            "following versions of hatchling are available:\n",
            "build-requirement-incompatible",
            "hatchling",
        ),
        # a find module's status that a header is nowhere it looked, then CMake's error
        (
            '-- Unable to find NvInfer.h in either "/usr/include" or "/opt/trt/include"\n'
            "CMake Error at src/CMakeLists.txt:40 (target_link_libraries):\n"
            '  Target "frob" links to:\n'
            "    TensorRT::nvinfer\n",
            "sysdep-missing",
            "NvInfer.h",
        ),
        # pip 21 throwing away a wheel whose version is not PEP 440
        (
            "WARNING: Built wheel for frob is invalid: Metadata 1.2 mandates PEP 440 version, "
            "but '1.0-beta' is not\n",
            "package-refuses",
            "frob",
        ),
        # a setup script asking whether libxslt's development files are installed
        (
            "error: no flags; do you have the libxslt development files installed?\n",
            "sysdep-missing",
            "libxslt",
        ),
        # a variable the script reads with os.environ[...] (an older Python's os.py frame)
        (
            '  File "/usr/lib/python3.10/os.py", line 680, in __getitem__\n'
            "    raise KeyError(key) from None\n"
            "KeyError: 'HOME'\n",
            "package-refuses",
            "HOME",
        ),
        # pip refusing pyproject.toml's build requirements: the package it names above
        (
            "error: invalid-pyproject-build-system-requires\n"
            "\u00d7 Can not process frob==2.0 from https://files.example/frob-2.0.tar.gz\n"
            "╰─> This package has an invalid `build-system.requires` key in pyproject.toml.\n",
            "package-refuses",
            "frob",
        ),
        # NumPy 2's accessors take an array: C++ handing them a PyObject* (C's -fpermissive words)
        (
            "gcc -I/tmp/b/lib/python3.12/site-packages/numpy/_core/include -c frob.cpp\n"
            "frob.cpp:12:9: error: invalid conversion from \u2018PyObject*\u2019 to "
            "\u2018PyArrayObject*\u2019 [-fpermissive]\n",
            "build-requirement-incompatible",
            "numpy",
        ),
        # a removed NumPy function called in a C++ template
        (
            "In file included from /tmp/b/numpy/_core/include/numpy/arrayobject.h:5,\n"
            "frob/quux.h:40:7: error: there are no arguments to \u2018PyArray_GetCastFunc\u2019 "
            "that depend on a template parameter, so a declaration must be available\n",
            "build-requirement-incompatible",
            "numpy",
        ),
        # a setup script's OpenMP check failing, and the script stopping
        (
            "running egg_info\nOpenMP is not supported by this compiler; stopping.\n",
            "toolchain-missing",
            "OpenMP",
        ),
        # the variables a script read and the library files it searched for
        (
            "Looking for fftw include path:\n"
            "RuntimeError: Could not find FFTW_PATH, FFTW_PREFIX, or library matching 'fftw3'\n",
            "sysdep-missing",
            "fftw3",
        ),
        # a script finding no MPI compiler wrapper
        (
            "running build_ext\n"
            "Exception: MPICC is unset and no MPI C compiler was found on this machine\n",
            "toolchain-missing",
            "mpicc",
        ),
        # setuptools' setup.cfg reader handing a requirement to packaging, which refuses it
        (
            '  File "/tmp/e/setuptools/config/setupcfg.py", line 296, in __setitem__\n'
            "    parsed = self.parsers.get(option_name, lambda x: x)(value)\n"
            '  File "/tmp/e/packaging/requirements.py", line 37, in __init__\n'
            "packaging.requirements.InvalidRequirement: Expected end or semicolon\n",
            "build-requirement-incompatible",
            "setuptools",
        ),
        # a Python 2 script's hedge
        (
            "[stdout]\nPython3 is not yet supported, sorry\n",
            "python-unsupported",
            "",
        ),
        # a __future__ feature an older Python lacks
        (
            '  File "/opt/python/3.4.10/lib/python3.4/importlib/__init__.py", line 109, in '
            "import_module\n"
            '  File "/tmp/b/setup.py", line 1\n'
            "SyntaxError: future feature generator_stop is not defined\n",
            "python-unsupported",
            "3.4",
        ),
        # a helper's own download failing to resolve its host
        (
            "Fetching toolchain...ERROR: Unable to download https://dl.example.org/tc.tar.xz: "
            "[Errno -3] Temporary failure in name resolution\n",
            "network",
            "dl.example.org",
        ),
        # a helper asserting it found no program of the names it tried
        (
            "RuntimeError: Could not find yarnpkg or yarn executable\n",
            "toolchain-missing",
            "yarn",
        ),
        # the library file a script searched for in its list of directories
        (
            "ValueError:\n\nThe shared library 'libquux.so.2' cannot be located in any of:\n",
            "sysdep-missing",
            "libquux.so.2",
        ),
        # a platform refusal the script handled, then the system library's pkg-config failing
        (
            "Package frob was not found in the pkg-config search path.\n"
            "OSError: Unsupported platform: linux\n"
            "\n"
            "During handling of the above exception, another exception occurred:\n"
            "\n"
            "FileNotFoundError: [Errno 2] No such file or directory: 'frob-config'\n",
            "sysdep-missing",
            "frob",
        ),
        # CMake finding no package, FetchContent's sub-build then failing to clone it
        (
            "-- Could NOT find Quux (missing: Quux_DIR)\n"
            "[  9%] Performing download step (git clone) for 'quux-populate'\n"
            "fatal: unable to access 'https://gitlab.example.org/q/quux.git/': "
            "Could not resolve host: gitlab.example.org\n",
            "sysdep-missing",
            "Quux",
        ),
        # pyproject-metadata refusing a license file outside the sdist
        (
            "  | pyproject_metadata.errors.ConfigurationError: License file not found "
            "('../../LICENSE.txt')\n",
            "package-refuses",
            "LICENSE.txt",
        ),
        # a helper header named after the source file that includes it
        (
            "src/frob.cpp:4:10: fatal error: frob-internal.hpp: No such file or directory\n"
            '    4 | #include "frob-internal.hpp"\n',
            "package-refuses",
            "frob-internal.hpp",
        ),
        # a C++23 header clang's library does not have yet: the compiler of the compile line,
        # as the blind readings settled
        (
            "clang++ -std=c++23 -c frob/ops.cpp -o build/ops.o\n"
            "frob/ops.cpp:7:10: fatal error: 'expected' file not found\n",
            "toolchain-missing",
            "clang++",
        ),
        # a project's own compiler check under CMake's heading, for clang
        (
            "-- The CXX compiler identification is Clang 14.0.6\n"
            "CMake Error at CMakeLists.txt:20 (message):\n"
            "  The C++ compiler version is too old: need Clang 16 or later\n",
            "toolchain-missing",
            "clang++",
        ),
        # a setup.py's Cython check with the bound after it
        (
            "Cython version: 3.1.2\nRuntimeError: Cython is too new (>= 3.1), use an older one\n",
            "build-requirement-incompatible",
            "Cython",
        ),
        # a build description the sdist left out, read by a custom build_ext
        (
            "running build_ext\n"
            "error: [Errno 2] No such file or directory: 'third_party/deps.bzl'\n",
            "package-refuses",
            "deps.bzl",
        ),
        # a .pyx left untranslated for want of Cython
        (
            "  Building wheel for quux (setup.py): started\n"
            "distutils.errors.UnknownFileError: unknown file type '.pyx' (from 'src/quux.pyx')\n",
            "import-failed",
            "Cython",
        ),
        # NumPy 2's C99 complex initialized by its old fields
        (
            "gcc -I/tmp/e/lib/python3.12/site-packages/numpy/_core/include -c src/q.c\n"
            "src/q.c:12:31: error: field name not in record or union initializer\n"
            "   12 |     npy_cdouble zero = {.real = 0.0, .imag = 0.0};\n",
            "build-requirement-incompatible",
            "numpy",
        ),
        # an older flit-core refusing keys of its table
        (
            "flit_core.config.ConfigError: Unknown keys in [tool.flit.metadata]: frob\n",
            "package-refuses",
            "",
        ),
        # pyproject-metadata refusing an extra key of a tool's table
        (
            '  | pyproject_metadata.errors.ConfigurationError: Extra keys present in "project": '
            "'homepage'\n",
            "package-refuses",
            "",
        ),
        # a script's exception after the pkgconfig module found no module
        (
            "Exception: pkg-config: quux was not found.\n",
            "sysdep-missing",
            "quux",
        ),
        # cargo offline, a crate its cache lacks
        (
            "error: no matching package named `serde` found\n"
            "location searched: crates.io index\n"
            "As a reminder, you're using offline mode (--offline) which can sometimes cause "
            "surprising resolution failures\n",
            "network",
            "",
        ),
        # a versioned find module's miss, then the fallback download failing
        (
            '-- Could NOT find Quux: (Required is exact version "1.2") (found version "1.0")\n'
            "-- Quux not found, downloading it\n"
            "curl: (6) Could not resolve host: example.org\n",
            "sysdep-missing",
            "Quux",
        ),
        # a C-API name a later CPython added, on an older one: the project's compile error
        (
            "src/lock.c:40:5: error: unknown type name \u2018PyCriticalSection\u2019\n",
            "compile-error",
            "src/lock.c",
        ),
        # a setup script refusing Linux, the kind of thing after the name
        (
            "RuntimeError: The frobwin module only works on Windows\n",
            "package-refuses",
            "frobwin",
        ),
        # a module of Sphinx a newer Sphinx dropped, imported by a setup.py
        (
            '  File "<string>", line 5, in <module>\n'
            "ImportError: cannot import name 'BuildDoc' from 'sphinx.setup_command' "
            "(unknown location)\n",
            "build-requirement-incompatible",
            "Sphinx",
        ),
        # a wrapper library saying the program it drives is missing
        (
            "RuntimeError: No pandoc was found on this system\n",
            "toolchain-missing",
            "pandoc",
        ),
        # a setup script's check of the CMake it found, naming both versions
        (
            "RuntimeError: CMake >= 3.20 is required to build frob; found 3.10.2\n",
            "build-requirement-incompatible",
            "cmake",
        ),
        # a build requirement's own assertion on a value the setup script passes it
        (
            '  File "/tmp/env/lib/python3.12/site-packages/setuptools_scm/_config.py", '
            "line 9, in frob\n"
            '    assert isinstance(value, dict), "frob expects a dict"\n'
            "AssertionError: frob expects a dict\n",
            "build-requirement-incompatible",
            "setuptools-scm",
        ),
        # a libtool macro configure was generated without, then the program really missing
        (
            "./configure: line 4021: AM_PROG_AR: command not found\n"
            "checking for a sed that does not truncate output... /bin/sed\n"
            "./build_frob.sh: line 7: make: command not found\n",
            "toolchain-missing",
            "make",
        ),
        # an optional program's status line, then pkg_search_module finding no module
        (
            "-- Could NOT find Doxygen (missing: DOXYGEN_EXECUTABLE) \n"
            "-- Checking for one of the modules 'quux-1.0'\n"
            "CMake Error at /usr/share/cmake-3.25/Modules/FindPkgConfig.cmake:894 (message):\n"
            "  None of the required 'quux-1.0' found\n",
            "sysdep-missing",
            "quux-1.0",
        ),
        # the project's macros breaking a system header it includes
        (
            "In file included from /usr/include/stdio.h:27,\n"
            "                 from src/frob.c:3:\n"
            "/usr/include/x86_64-linux-gnu/bits/types.h:12:5: error: expected identifier\n",
            "compile-error",
            "/usr/include/x86_64-linux-gnu/bits/types.h",
        ),
        # a standard-library call with a keyword a later Python dropped
        (
            "    fh = gzip.GzipFile(path, 'wb', compresslevel=9, buffering=4096)\n"
            "TypeError: GzipFile.__init__() got an unexpected keyword argument 'buffering'\n",
            "python-unsupported",
            "GzipFile",
        ),
        # the compiler driver unable to start the linker it runs
        (
            "building 'frob' extension\n"
            "cc: fatal error: cannot execute \u2018ld\u2019: execvp: No such file or directory\n",
            "toolchain-missing",
            "ld",
        ),
        # another compiler's option the GCC driver reads as its own, wanting a target
        (
            "c++: error: missing makefile target after \u2018-MQ\u2019\n",
            "compile-error",
            "",
        ),
        # a script's own words for a library, its name quoted
        (
            "ValueError: Could not find 'libquux-2.0' library\n",
            "sysdep-missing",
            "libquux-2.0",
        ),
        # a script's lookup with the names it tried
        (
            "Frob not found. Tried: ['frobc', 'frob']\n",
            "toolchain-missing",
            "frobc",
        ),
        # a name gone from a package the isolated build environment installed
        (
            "ImportError: cannot import name 'Quux' from 'quuxlib.build' "
            "(/tmp/build-env-ab12cd/lib/python3.12/site-packages/quuxlib/build.py)\n",
            "build-requirement-incompatible",
            "quuxlib",
        ),
        # Zig's compiler refusing a source of the project
        (
            "src/frob.zig:12:5: error: expected ';' after statement\n",
            "compile-error",
            "src/frob.zig",
        ),
        # CMake told by CUDACXX to use a compiler that is not there
        (
            "CMake Error at /usr/share/cmake-3.31/Modules/CMakeDetermineCUDACompiler.cmake:28 "
            "(message):\n"
            "  Could not find compiler set in environment variable CUDACXX:\n"
            "\n"
            "  /opt/cuda-9.9/bin/nvcc.\n",
            "toolchain-missing",
            "nvcc",
        ),
        # a setup script's apology naming the Pythons it refuses, with a bound
        (
            "Sorry, Python 2 < 2.7 is not supported\n",
            "python-unsupported",
            "",
        ),
        # a find module's status line, then its verdict under CMake's heading
        (
            "-- Unable to find quuxrt library.\n"
            "CMake Error at /usr/share/cmake-3.25/Modules/FindPackageHandleStandardArgs.cmake:230 "
            "(message):\n"
            "  Could NOT find QuuxToolkit (missing: QuuxToolkit_INCLUDE_DIR)\n",
            "sysdep-missing",
            "QuuxToolkit",
        ),
        # a header probe the project does without, then the package it needs
        (
            "-- Looking for asm/frob.h - not found\n"
            "-- Could NOT find QUUX (missing: QUUX_LIBRARY QUUX_INCLUDE_DIR)\n"
            "CMake Error at CMakeLists.txt:62 (message):\n"
            "  Please provide quux\n",
            "sysdep-missing",
            "QUUX",
        ),
        # pkg_check_modules finding nothing, then the fallback fetch failing to resolve its host
        (
            "-- Checking for modules 'frob;blas'\n"
            "--   Package 'frob', required by 'virtual:world', not found\n"
            "-- Trying with automatic fetching of Frob\n"
            "CMake Error at cmake/CPM.cmake:25 (file):\n"
            "  file DOWNLOAD HASH mismatch\n"
            '             status: [6;"Couldn\'t resolve host name"]\n'
            "CMake Error at CMakeLists.txt:95 (enable_language):\n"
            "  No CMAKE_Fortran_COMPILER could be found.\n",
            "sysdep-missing",
            "frob",
        ),
        # g++'s first wording for a call, inside a template, to a function this Python dropped
        (
            "src/bind.hpp:12:9: error: there are no arguments to \u2018PyUnicode_AsUnicode\u2019 "
            "that depend on a template parameter, so a declaration of "
            "\u2018PyUnicode_AsUnicode\u2019 must be available [-fpermissive]\n",
            "python-unsupported",
            "PyUnicode_AsUnicode",
        ),
        # gcc warning of the implicit declaration, then refusing the int it assumed
        (
            "src/m.c:88:22: warning: implicit declaration of function "
            "\u2018PyUnicode_AS_DATA\u2019 [-Wimplicit-function-declaration]\n"
            "   88 |     const char *s = PyUnicode_AS_DATA(o);\n"
            "      |                     ^~~~~~~~~~~~~~~~~\n"
            "src/m.c:88:21: error: initialization of \u2018const char *\u2019 from "
            "\u2018int\u2019 makes pointer from integer without a cast [-Wint-conversion]\n",
            "python-unsupported",
            "PyUnicode_AS_DATA",
        ),
        # a configure step's header that the sdist should have shipped
        (
            "lib/zz/zz_impl.c:12:10: fatal error: config.h: No such file or directory\n"
            '   12 | #include "config.h"\n'
            "      |          ^~~~~~~~~~\n"
            "compilation terminated.\n",
            "package-refuses",
            "config.h",
        ),
        # the release's version read from a variable only its release job sets
        (
            "Traceback (most recent call last):\n"
            '  File "<string>", line 9, in <module>\n'
            '  File "<frozen os>", line 714, in __getitem__\n'
            "KeyError: 'FROBNICATE_PKG_VERSION'\n",
            "package-refuses",
            "FROBNICATE_PKG_VERSION",
        ),
        # dunamai asked for a version from git in a tree that is no checkout
        (
            "Traceback (most recent call last):\n"
            '  File "/tmp/env/lib/python3.12/site-packages/dunamai/__init__.py", line 1191, '
            "in from_any_vcs\n"
            "RuntimeError: This does not appear to be a Git project\n",
            "package-refuses",
            "",
        ),
        # meson finding a module through pkg-config, older than the project asks
        (
            "../meson.build:31:2: ERROR: Dependency lookup for libzstd with method "
            "'pkg-config' failed: Invalid version, need 'libzstd' ['>=1.5'] found '1.4.8'.\n",
            "sysdep-missing",
            "libzstd",
        ),
        # an optional package's config-mode warning, then the project's own verdict
        (
            "CMake Warning at CMakeLists.txt:20 (find_package):\n"
            '  By not providing "FindFrob.cmake" in CMAKE_MODULE_PATH this project has\n'
            '  asked CMake to find a package configuration file provided by "Frob", but\n'
            "  CMake did not find one.\n"
            "\n"
            "CMake Error at CMakeLists.txt:44 (message):\n"
            "  Cannot find Quux Toolkit: could not locate quux.  See INSTALL.\n",
            "sysdep-missing",
            "quux",
        ),
        # cythonize's scan of an include statement naming a .pxd the sdist left out
        (
            "Cython.Compiler.Errors.InternalError: Internal compiler error: "
            "'src/frob_consts.pxd' not found\n",
            "package-refuses",
            "frob_consts.pxd",
        ),
        # a build script's own words for no C++ compiler
        (
            "RuntimeError: Could not find a C++ compiler. Set CXX to one.\n",
            "toolchain-missing",
            "g++",
        ),
        # a build script opening a file of the repository above the sdist's own directory
        (
            "FileNotFoundError: [Errno 2] No such file or directory: '../../proto/frob.proto'\n",
            "package-refuses",
            "frob.proto",
        ),
        # a file's own header, included with a leading ./ (the name as included, ./ kept, as
        # the blind readings settled)
        (
            "src/zz_codec.c:5:10: fatal error: ./zz_codec.h: No such file or directory\n"
            '    5 | #include "./zz_codec.h"\n'
            "      |          ^~~~~~~~~~~~~~\n",
            "package-refuses",
            "./zz_codec.h",
        ),
        # the driver's words for an assembler it cannot run, in a frontend's short output
        (
            "x86_64-linux-gnu-gcc: fatal error: cannot execute 'as': execvp: "
            "No such file or directory\ncompilation terminated.\n",
            "toolchain-missing",
            "as",
        ),
        # the linker given an object of the package's own tree that nothing built
        (
            "/usr/bin/ld: cannot find vendor/libfoo/foo_core.o: No such file or directory\n",
            "package-refuses",
            "foo_core.o",
        ),
        # a build step making a script of the sdist's own executable
        (
            "chmod: cannot access 'scripts/gen_version.sh': No such file or directory\n",
            "package-refuses",
            "gen_version.sh",
        ),
        # meson running the project's own download script, which says only that it failed
        (
            "../meson.build:44:2: ERROR: Command `/tmp/s/tools/download-deps.sh "
            "https://gitlab.com/frob/deps.tar.gz` failed with status 6.\n",
            "network",
            "gitlab.com",
        ),
        # a .pxi among an Extension's sources, which Cython 0.29's build_ext dropped
        (
            "error: unknown file type '.pxi' (from 'src/frob/defs.pxi')\n",
            "build-requirement-incompatible",
            "Cython",
        ),
        # a module slot a later CPython added, on an older one
        (
            "frob.c:90:28: error: \u2018Py_MOD_GIL_NOT_USED\u2019 undeclared here "
            "(not in a function)\n",
            "compile-error",
            "frob.c",
        ),
        # a global a header defines, twice, under an unpacked sdist's own directory
        (
            "/usr/bin/ld: build/temp.linux-x86_64-cpython-312/src/b.o:/home/me/src/frob-2.1/"
            "include/frob_globals.h:12: multiple definition of `frob_state'; "
            "build/temp.linux-x86_64-cpython-312/src/a.o:/home/me/src/frob-2.1/include/"
            "frob_globals.h:12: first defined here\n",
            "compile-error",
            "include/frob_globals.h",
        ),
        # setuptools' vendored distutils, under a setuptools older than 48
        (
            "ModuleNotFoundError: No module named 'setuptools._distutils.command'\n",
            "build-requirement-incompatible",
            "setuptools",
        ),
        # a setup script's own list of the build tools it misses
        (
            "ERROR: missing required build tools:\n  * gfortran (GNU Fortran)\n",
            "toolchain-missing",
            "gfortran",
        ),
        # a build environment's plugin calling a name its own requirement dropped
        (
            '  File "/tmp/pip-build-env-abc/overlay/lib/python3.11/site-packages/'
            'frob_readme.py", line 12, in render\n'
            "    html = mistune.markdown(text)\n"
            "AttributeError: module 'mistune' has no attribute 'markdown'\n",
            "build-requirement-incompatible",
            "mistune",
        ),
        # the project's own capitals for the requirement it asks for
        (
            "SciPy is required to build this extension.\n",
            "import-failed",
            "scipy",
        ),
        # a project's CMake status line saying not found and fetching at once
        (
            "-- Frobnicator not found in the system paths; fetching its release tarball\n"
            "-- Downloading frobnicator-2.0.tar.gz\n"
            "curl: (6) Could not resolve host: frob.example.org\n",
            "sysdep-missing",
            "Frobnicator",
        ),
        # a setup script's own verdict on the Fortran compilers it tried
        (
            "error: no working Fortran compiler found\n",
            "toolchain-missing",
            "gfortran",
        ),
        # a backport's own check naming the Pythons it was written for
        (
            "RuntimeError: frobcompat must be installed on Python 3.5 or 3.6\n",
            "python-unsupported",
            "",
        ),
        # FindSWIG given Python's None for the program no one found
        (
            "CMake Error at /usr/share/cmake-3.28/Modules/FindSWIG.cmake:176 (message):\n"
            '  Command "/usr/local/bin/None -swiglib" failed with output:\n'
            "\n",
            "toolchain-missing",
            "swig",
        ),
        # a setup script's own pkg-config miss, then its download fallback failing
        (
            "Could not find quux-core on this system using pkg-config\n"
            "Trying to fetch it instead\n"
            "Could not download quux-core.tar.gz\n",
            "sysdep-missing",
            "quux-core",
        ),
        # a script's own words for a config script it could not start, the command a list
        (
            "RuntimeError: unable to invoke ['gdal-config', '--cflags']\n",
            "sysdep-missing",
            "gdal-config",
        ),
        # CMake's ExternalProject without the version-control program it clones with
        (
            "CMake Error at /usr/share/cmake-3.25/Modules/ExternalProject.cmake:2611 (message):\n"
            "  error: could not find hg for clone of frob-src\n",
            "toolchain-missing",
            "hg",
        ),
        # a path climbing out of the unpacked sdist into the project's repository
        (
            "FileNotFoundError: [Errno 2] No such file or directory: "
            "'/home/me/frob-1.0/../shared/frob_tables.json'\n",
            "package-refuses",
            "frob_tables.json",
        ),
        # pypa/build given a directory with neither pyproject.toml nor setup.py
        (
            "* Getting build dependencies for wheel...\n"
            "ERROR Source C:\\work\\frob does not appear to be a Python project: "
            "no pyproject.toml or setup.py\n",
            "package-refuses",
            "",
        ),
        # pybind11's CMake helper from the build environment, older than an option it is given
        (
            "CMake Error at /tmp/pip-build-env-ab12/overlay/lib/python3.12/site-packages/"
            "pybind11/share/cmake/pybind11/pybind11NewTools.cmake:217 (add_library):\n"
            "  Cannot find source file:\n"
            "\n"
            "    WITH_SOABI\n"
            "Call Stack (most recent call first):\n"
            "  CMakeLists.txt:40 (pybind11_add_module)\n",
            "build-requirement-incompatible",
            "pybind11",
        ),
        # a script that could not work out a kit's home, in its own words
        (
            "RuntimeError: cannot determine ANDROID_NDK_ROOT, set it to the NDK you installed\n",
            "toolchain-missing",
            "ANDROID_NDK_ROOT",
        ),
        # a script's check that a library file is under the prefix it was given
        (
            "Traceback (most recent call last):\n"
            '  File "setup.py", line 88, in <module>\n'
            "AssertionError: libfrobnicate.so.3 is not found in /opt/frob/lib\n",
            "sysdep-missing",
            "frobnicate",
        ),
        # an optional config-mode find_package CMake only warns about, the project's own
        # check stopping later
        (
            "CMake Warning at CMakeLists.txt:40 (find_package):\n"
            '  By not providing "FindGrackle.cmake" in CMAKE_MODULE_PATH this project has\n'
            '  asked CMake to find a package configuration file provided by "Grackle", but\n'
            "  CMake did not find one.\n"
            "\n"
            "-- Configuring the solver without extras\n"
            "CMake Error at CMakeLists.txt:55 (message):\n"
            "  Grackle support requested but unavailable\n",
            "sysdep-missing",
            "Grackle",
        ),
        # cffi's hook given a build script the sdist left out, setuptools naming no project
        (
            "* Getting build dependencies for wheel...\n"
            "error in setup command: 'ffi/gen/frob_ffi_build.py' does not name an existing file\n",
            "package-refuses",
            "frob_ffi_build.py",
        ),
        # find_package in the capitals old CMakeLists.txt files use
        (
            "CMake Error at CMakeLists.txt:12 (FIND_PACKAGE):\n"
            '  By not providing "FindGrackle.cmake" in CMAKE_MODULE_PATH this project has\n'
            '  asked CMake to find a package configuration file provided by "Grackle", but\n'
            "  CMake did not find one.\n",
            "sysdep-missing",
            "Grackle",
        ),
        # a project's CMake message naming the library with a parenthesis, advice after it
        (
            "CMake Error at cmake/deps.cmake:40 (message):\n"
            "  Frobnicator (the shared library) is required.  See the install notes for\n"
            "  where to get it.\n",
            "sysdep-missing",
            "Frobnicator",
        ),
        # ninja asked to link a prebuilt library of the project's tree the sdist lacks
        (
            "[3/4] Building CXX object CMakeFiles/_frob.dir/src/frob.cpp.o\n"
            "ninja: error: 'vendor/prebuilt/libfrobcore.so', needed by '_frob.abi3.so', "
            "missing and no known rule to make it\n",
            "package-refuses",
            "libfrobcore.so",
        ),
        # a setup script's own words for a pkg-config package it asked for
        (
            "RuntimeError: could not find package 'frobnicate-2.0'\n",
            "sysdep-missing",
            "frobnicate-2.0",
        ),
        # a script listing the library names it tried
        (
            "RuntimeError: Unable to find the frobnicator. Tried ['frob', 'frob3', 'frob-mt']\n",
            "sysdep-missing",
            "frobnicator",
        ),
        # pkg-config's verdict right above the project's CMake message, which follows from it
        (
            "-- Checking for module 'frobnicate'\n"
            "--   Package 'frobnicate', required by 'virtual:world', not found\n"
            "CMake Error at cmake/deps.cmake:40 (message):\n"
            "  Could not find FROBNICATE.\n",
            "sysdep-missing",
            "frobnicate",
        ),
        # a Python 2 class deriving from object and a classic class
        (
            "TypeError: Cannot create a consistent method resolution\n"
            "order (MRO) for bases object, build_ext\n",
            "python-unsupported",
            "2",
        ),
        # a script's verdict naming the headers none of the places it looked held
        (
            "ValueError: No frob/frob_conf.h or frob_user.h found under /usr/local\n",
            "sysdep-missing",
            "frob/frob_conf.h",
        ),
        # a data file named with Windows separators, which no Linux path has
        (
            "error: can't copy 'C:\\build\\frob\\data\\glyphs.bin': doesn't exist or not a "
            "regular file\n",
            "package-refuses",
            "glyphs.bin",
        ),
        # git's refusal taken for the version outside a checkout
        (
            "pkg_resources.extern.packaging.version.InvalidVersion: Invalid version: 'fatal: not a "
            "git repository (or any parent up to mount point /tmp)'\n",
            "package-refuses",
            "",
        ),
        # Cython crashing on a module it compiles in pure Python mode
        (
            "Error compiling Cython file:\n"
            "frob/_core.py:12:8: Compiler crash in ControlFlowAnalysis\n",
            "build-requirement-incompatible",
            "Cython",
        ),
        # a warning -Werror turns into an error inside libstdc++, reached by inlining
        (
            "    inlined from \u2018void frob::load()\u2019 at src/frob.cpp:9:10:\n"
            "/usr/include/c++/13/bits/stl_algobase.h:437:30: error: \u2018void* "
            "__builtin_memmove(void*, const void*, long unsigned int)\u2019 writing 1 or more "
            "bytes into a region of size 0 overflows the destination "
            "[-Werror=stringop-overflow=]\n",
            "compile-error",
            "/usr/include/c++/13/bits/stl_algobase.h",
        ),
        # a shell line's program not found, then its cd into what the program would have made
        (
            "bash: line 1: svn: command not found\nbash: line 1: cd: vendor: No such file or "
            "directory\n",
            "toolchain-missing",
            "svn",
        ),
        # a script's verdict on the parts of a system it looked for
        ("OSError: Could not locate the Frobnix components\n", "sysdep-missing", "Frobnix"),
        # a script asking for the library built from source and its place in a variable
        (
            "RuntimeError: Please build frobnicate from sources and set the FROB_DIR variable\n",
            "sysdep-missing",
            "frobnicate",
        ),
        # a script's probe naming the library by the linker flag it tried
        ("RuntimeError: could not find shared library '-lfrobz'\n", "sysdep-missing", "frobz"),
        # a scikit-build-core module the settings name, missing from the release that runs
        (
            "ModuleNotFoundError: No module named 'scikit_build_core.setuptools.wrapper'\n",
            "build-requirement-incompatible",
            "scikit-build-core",
        ),
        # a project's CMake verdict with the version it needs, under a banner of its own
        (
            "CMake Error at cmake/deps.cmake:12 (message):\n"
            "  ****************************************\n"
            "   ERROR: frobz (>= 2.4) not found.\n",
            "sysdep-missing",
            "frobz",
        ),
        # a script's verdict on the library after its fallback download failed as well
        (
            "RuntimeError: Unable to find Frobnium\n"
            "Frobnium is not installed here; fetching it from https://frob.example.org/\n"
            "<urlopen error [Errno -3] Temporary failure in name resolution>\n",
            "sysdep-missing",
            "Frobnium",
        ),
        # a library the script names in quotes, the language between the name and the word
        (
            'OSError: the "frobz" C++ library could not be found on this machine\n',
            "sysdep-missing",
            "frobz",
        ),
        # uv's resolver meeting a range constraint on a build requirement
        (
            "error: Failed to build `/tmp/frob-1.0.tar.gz`\n"
            "  cause: Failed to resolve requirements from `build-system.requires`\n"
            "  cause: No solution found when resolving: `scikit-build-core<0.9`, `pybind11`\n"
            "  cause: Because you require scikit-build-core<0.9 and scikit-build-core>=0.10, we"
            " can conclude that your requirements are unsatisfiable.\n",
            "build-requirement-incompatible",
            "scikit-build-core",
        ),
        # a C++ source another one includes, under a directory of its own
        (
            "lib/core.cpp:3:10: fatal error: detail/impl_x86.cpp: No such file or directory\n",
            "package-refuses",
            "detail/impl_x86.cpp",
        ),
        # -Werror meeting a warning in the interpreter's own header, one include deep
        (
            "In file included from src/frob.c:3:\n"
            "/usr/local/include/python3.12/cpython/longintrepr.h:88:5: error: ISO C forbids"
            " zero-size array [-Werror=pedantic]\n",
            "compile-error",
            "/usr/local/include/python3.12/cpython/longintrepr.h",
        ),
        # a library's location the script looked for and did not find
        (
            "RuntimeError: the frobz library location could not be found\n",
            "sysdep-missing",
            "frobz",
        ),
        # no usable value for a kit's directory variable
        ("OSError: No valid FROBKIT_DIR.\n", "toolchain-missing", "FROBKIT_DIR"),
        # the variable asked for where the kit itself is absent: the kit
        (
            "from sdist: you need to set FROBHOME when there is no frobnicator installed\n",
            "toolchain-missing",
            "frobnicator",
        ),
        # an MSVC compiler module setuptools' own copy of distutils dropped
        (
            "ModuleNotFoundError: No module named 'distutils.msvc9compiler'\n",
            "build-requirement-incompatible",
            "setuptools",
        ),
        # a kit's directory variable named alone on the script's line, before it asks for it
        ("FROBKITROOT environment variable is not set\n", "toolchain-missing", "FROBKITROOT"),
        # a build requirement the script names with its purpose in brackets
        ("error: pybind11 (needed for building) is not installed.\n", "import-failed", "pybind11"),
        # pip 21's retries installing build requirements: the index its own command line names
        (
            "  Installing build dependencies: started\n"
            "  Installing build dependencies: finished with status 'error'\n"
            "  ERROR: Command errored out with exit status 1:\n"
            "   command: /tmp/v/bin/python /tmp/pip-standalone-pip-x/__env_pip__.zip/pip install"
            " --ignore-installed --no-user --prefix /tmp/o -i https://mirror.example.org/simple --"
            " setuptools\n"
            "  WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None,"
            " status=None)) after connection broken by 'NewConnectionError('<pip._vendor.urllib3."
            "connection.HTTPSConnection object at 0x7f00>: Failed to establish a new connection:"
            " [Errno -3] Temporary failure in name resolution')': /simple/setuptools/\n",
            "network",
            "mirror.example.org",
        ),
        # GCC's driver without the compiler proper it runs: that program, what to install again
        (
            "x86_64-linux-gnu-g++-13: error trying to exec 'cc1plus': execvp: No such file or "
            "directory\n",
            "toolchain-missing",
            "cc1plus",
        ),
        # autoconf trying every C++ compiler it knows, none of which runs
        (
            "checking for clang++... no\nchecking whether the C++ compiler works... no\n"
            "configure: error: C++ compiler cannot create executables\n",
            "toolchain-missing",
            "g++",
        ),
        # setuptools-scm's hook asking an older setuptools' command for what it lacks
        (
            '  File "/tmp/env/lib/python3.12/site-packages/setuptools_scm/_integration/'
            'setuptools.py", line 88, in infer_version\n'
            "    cmd.frob_option = True\n"
            '  File "/tmp/env/lib/python3.12/site-packages/setuptools/_distutils/cmd.py", line'
            " 105, in __getattr__\n"
            "    raise AttributeError(attr)\n"
            "AttributeError: frob_option_list\n",
            "build-requirement-incompatible",
            "setuptools",
        ),
        # CMake's FindPython without the development files: the package as find_package
        # names it
        (
            "CMake Error at /usr/share/cmake-3.31/Modules/FindPackageHandleStandardArgs.cmake:233"
            " (message):\n"
            "  Could NOT find Python (missing: Development.Module Development.SABIModule)\n",
            "sysdep-missing",
            "Python",
        ),
        # Python 2's implicit relative import in a package's __init__.py: the package
        # importing from itself, half made
        (
            '  File "<string>", line 5, in <module>\n'
            '  File "/tmp/b/frobnik/__init__.py", line 3, in <module>\n'
            "    from frobnik import Frob\n"
            "ImportError: cannot import name 'Frob' from partially initialized module 'frobnik'"
            " (most likely due to a circular import) (/tmp/b/frobnik/__init__.py)\n",
            "python-unsupported",
            "2",
        ),
        # a build-helper module the sdist neither ships nor declares, as ez_setup
        (
            '  File "<string>", line 9, in <module>\n'
            "ModuleNotFoundError: No module named 'build_helpers'\n",
            "import-failed",
            "build_helpers",
        ),
        # a Python package's header missing though pypa/build installed the package: the
        # build looks in the wrong place, a missing header
        (
            "* Installing packages in isolated environment:\n"
            "  - nanobind>=2.0\n"
            "  - setuptools\n"
            "src/frob.cpp:3:10: fatal error: nanobind/nanobind.h: No such file or directory\n",
            "sysdep-missing",
            "nanobind/nanobind.h",
        ),
        # a script's "not found" that goes on to compile what it did not find: a probe, not
        # the cause
        (
            "Precompiled frobnicator library not found, will compile it from source\n"
            "src/frob.c:2:10: fatal error: zstd.h: No such file or directory\n",
            "sysdep-missing",
            "zstd.h",
        ),
        # a workspace crate the sdist shipped without its sources: cargo's chain ends on the
        # targets it did not find
        (
            "error: failed to load manifest for workspace member `/tmp/b/crates/frobcore`\n"
            "referenced by workspace at `/tmp/b/Cargo.toml`\n\n"
            "Caused by:\n"
            "  failed to parse manifest at `/tmp/b/crates/frobcore/Cargo.toml`\n\n"
            "Caused by:\n"
            "  no targets specified in the manifest\n"
            "  either src/lib.rs, src/main.rs, a [lib] section, or [[bin]] section must be"
            " present\n",
            "package-refuses",
            "lib.rs",
        ),
        # scikit-build told to configure a CMake source directory the sdist lacks
        (
            "  setup parameter 'cmake_source_dir' set to a nonexistent directory.\n"
            "    Project Root  : /tmp/b\n"
            "    CMake Source Directory: native/cpp\n",
            "package-refuses",
            "cpp",
        ),
        # meson's OpenMP, which the compiler provides
        (
            '../meson.build:42:2: ERROR: Dependency "openmp" not found (tried system)\n',
            "toolchain-missing",
            "openmp",
        ),
        # uv building an unpacked sdist whose pyproject.toml it refuses: the package named
        # by the directory, without its version
        (
            "error: Failed to build `/tmp/src/frobnik-2.0.1`\n"
            "  cause: `pyproject.toml` does not match the required schema. When the `[project]`"
            " table is present, `project.name` must be present and non-empty.\n",
            "package-refuses",
            "frobnik",
        ),
        # a setup script's own search for a library, its download on the same line, and the
        # download failing too
        (
            "Could not find GLM on the system, trying to download it\n"
            "Download failed: <urlopen error [Errno -3] Temporary failure in name resolution>\n",
            "sysdep-missing",
            "GLM",
        ),
        # a setup script's own sentence naming the header's full path
        (
            "Cannot find /usr/local/include/frob/frob.h\n"
            "error: Setup script exited with status 1\n",
            "sysdep-missing",
            "frob/frob.h",
        ),
        # a build that goes on after a header it did not find, then links without the library:
        # the header, earlier, is the first error
        (
            "src/net.cc:47:10: fatal error: frobnet/frobnet.h: No such file or directory\n"
            "compilation terminated.\n"
            "g++ -shared build/a.o build/b.o -lfrobnet -o build/lib/_frob.so\n"
            "/usr/bin/ld: cannot find -lfrobnet: No such file or directory\n",
            "sysdep-missing",
            "frobnet/frobnet.h",
        ),
        # a setup script's own check for Rust
        (
            "RuntimeError: The Rust compiler is required to build frobber; see rustup.rs\n",
            "toolchain-missing",
            "Rust",
        ),
        # the script's own sentence that a build requirement is needed for the install, in
        # the project's capitals
        (
            "RuntimeError: SciPy is required for installing frobnik\n",
            "import-failed",
            "scipy",
        ),
        # the project's own header by a generic name, included in quotes: no system package
        # installs it
        (
            "src/frob.cc:3:10: fatal error: utils.hpp: No such file or directory\n"
            '    3 | #include "utils.hpp"\n',
            "package-refuses",
            "utils.hpp",
        ),
        # a project's own CMake check that its download is there, the address below it
        (
            "CMake Error at cmake/Deps.cmake:40 (message):\n"
            "  libfrob 2.1 could not be downloaded from\n"
            "  https://downloads.frob.example/libfrob-2.1.tar.gz - check the network\n",
            "network",
            "downloads.frob.example",
        ),
        # a Python 2 print statement of a string whose line goes on below: 3.8 and 3.9 say
        # only "invalid syntax"
        (
            '  File "/tmp/b/setup.py", line 40\n'
            "    print 'frobbing %s with %s' % (name,\n"
            "                                ^\n"
            "SyntaxError: invalid syntax\n",
            "python-unsupported",
            "2",
        ),
        # the script's own words for a build requirement, the verb left out
        (
            "ImportError: numpy >= 1.7 required\n",
            "import-failed",
            "numpy",
        ),
        # imp.find_module's plain ImportError for a build requirement the script looks up
        (
            '  File "<string>", line 12, in <module>\n'
            '  File "/opt/python/3.10/lib/python3.10/imp.py", line 297, in find_module\n'
            "    raise ImportError(_ERR_MSG.format(name), name=name)\n"
            "ImportError: No module named 'pybind11'\n",
            "import-failed",
            "pybind11",
        ),
        # the same header with the package not installed: the build requirement undeclared
        (
            "* Installing packages in isolated environment:\n"
            "  - setuptools\n"
            "src/frob.cpp:3:10: fatal error: nanobind/nanobind.h: No such file or directory\n",
            "import-failed",
            "nanobind",
        ),
        # a setup script's instruction to install the C++ compiler it did not find
        (
            "Please install GCC/g++ 9 or later to build frobgraph\n",
            "toolchain-missing",
            "g++",
        ),
        # clang's -stdlib= refused before a macOS-only option of the same command: the first
        # refusal is the error, not the platform
        (
            "g++ -O2 -fPIC -c src/frob.cpp -o build/frob.o -stdlib=libc++ -arch arm64\n"
            "g++: error: unrecognized command-line option '-stdlib=libc++'\n"
            "g++: error: unrecognized command-line option '-arch'\n",
            "compile-error",
            "",
        ),
        # a build requirement the resolver cannot find, named in lower case
        (
            "  cause: Because there is no version of cython==3.1.0b7 and you require "
            "cython==3.1.0b7, we can conclude that your requirements are unsatisfiable.\n",
            "package-refuses",
            "Cython",
        ),
        # the script's own sentence that a build requirement is required, then how to get it
        (
            "ImportError: numpy >= 1.20 required. NumPy may be installed with: pip install numpy\n",
            "import-failed",
            "numpy",
        ),
        # a config script tried and its absence handled, then the script's verdict on both ways
        (
            "FileNotFoundError: [Errno 2] No such file or directory: 'frob-config'\n"
            "\n"
            "During handling of the above exception, another exception occurred:\n"
            "\n"
            "RuntimeError: Neither the system Frobnicate library nor frob-config could be found.\n",
            "sysdep-missing",
            "Frobnicate",
        ),
        # a library whose Python bindings come with it, not importable
        (
            "FROB cannot be imported. Is FROB installed with PyFROB enabled?\n",
            "sysdep-missing",
            "FROB",
        ),
        # a script setup.py lists that the sdist lacks
        (
            "running build_scripts\n"
            "creating build/scripts-3.11\n"
            "error: [Errno 2] No such file or directory: 'scripts/frobctl'\n",
            "package-refuses",
            "frobctl",
        ),
        # a bundled library's private header the sdist left out
        (
            "vendor/frob/src/frob_io.c:12:10: fatal error: frob_private.h: "
            "No such file or directory\n",
            "package-refuses",
            "frob_private.h",
        ),
        # a Python 2 implicit relative import of the package's own module by a generic name
        (
            '  File "/tmp/src/frobber-1.0/frobber/__init__.py", line 3, in <module>\n'
            "    from utils import frob\n"
            "ModuleNotFoundError: No module named 'utils'\n",
            "python-unsupported",
            "2",
        ),
        # a script's own refusal naming the Python that runs it: no subject
        (
            "RuntimeError: Python 3.11 is not supported by frobnik\n",
            "python-unsupported",
            "",
        ),
        # a C++23 header this compiler's library lacks: the compiler, not the header
        (
            "g++ -std=c++23 -O2 -c src/frob.cpp -o build/frob.o\n"
            "src/frob.cpp:2:10: fatal error: print: No such file or directory\n",
            "toolchain-missing",
            "g++",
        ),
        # the script's sentence that a build requirement needs installing before the package
        (
            "ImportError: Cython needs to be installed before frobnik can be installed.\n",
            "import-failed",
            "Cython",
        ),
        # a compile error in an unpacked sdist named by its absolute path: the path from the
        # sdist's own directory on
        (
            "/home/dev/work/frobber-2.1.0/vendor/include/frob/lock.hpp:27:61: error: "
            "'scoped_lock' is not a member of 'std'\n",
            "compile-error",
            "vendor/include/frob/lock.hpp",
        ),
        # a setup script's own check naming the Pythons it takes, a comma before the last
        ("frobnik requires Python 2.6, 2.7, or 3.2\n", "python-unsupported", ""),
        # a package's own test module imported bare from its __init__.py: Python 2
        (
            '  File "/tmp/src/frob-0.3/frob/tests/__init__.py", line 2, in <module>\n'
            "    import test_parser\n"
            "ModuleNotFoundError: No module named 'test_parser'\n",
            "python-unsupported",
            "2",
        ),
        # a setup script's own words that CMake is not available
        (
            "RuntimeError: CMake is not available. CMake 3.18 is required.\n",
            "toolchain-missing",
            "cmake",
        ),
        # a build requirement named in quotes as a Python package
        ("Error : Python package 'Cython' is required.\n", "import-failed", "Cython"),
        # a library's program looked for on PATH by the setup script
        (
            "RuntimeError: Could not find Frob-Lisp - is it on the PATH?\n",
            "sysdep-missing",
            "Frob-Lisp",
        ),
        # a project's own CMake message that the libraries it bundles are not built
        (
            "CMake Error at CMakeLists.txt:40 (message):\n"
            "  FROBLIB/KLEIN are not built (no libraries under /tmp/b/.deps)\n",
            "sysdep-missing",
            "FROBLIB",
        ),
        # MSVC's options given to GCC: the project's compile error, no file named
        (
            "g++: error: /EHsc: linker input file not found: No such file or directory\n",
            "compile-error",
            "",
        ),
        # pyproject-metadata refusing a [project] key's value
        (
            "    | frob_backend._vendor.pyproject_metadata.errors.ConfigurationError: "
            '"project.dynamic" must not contain "name"\n',
            "package-refuses",
            "",
        ),
        # a file under requirements/ the sdist lacks
        (
            "FileNotFoundError: [Errno 2] No such file or directory: 'requirements/base'\n",
            "package-refuses",
            "base",
        ),
        # the script's own request for a build requirement, quoted
        ("Please install 'Cython' first.\n", "import-failed", "Cython"),
        # a class attribute a newer setuptools dropped from one of its commands
        (
            "AttributeError: type object 'build_ext' has no attribute 'user_options_extra'\n",
            "build-requirement-incompatible",
            "setuptools",
        ),
        # a setup script's bare sentence that it requires a build requirement
        ("Frobnik requires SciPy\n", "import-failed", "scipy"),
        # a setup.cfg option a setuptools command no longer has
        (
            "error: error in setup.cfg: command 'bdist_wheel' has no such option 'license_file'\n",
            "build-requirement-incompatible",
            "license-file",
        ),
        # a setup.py saved in Latin-1, which setuptools reads as UTF-8
        (
            '  File "/tmp/env/lib/python3.11/site-packages/setuptools/build_meta.py", line 314, '
            "in run_setup\n"
            "    code = f.read().replace(r'\\r\\n', r'\\n')\n"
            "UnicodeDecodeError: 'utf-8' codec can't decode byte 0xe9 in position 88: invalid "
            "continuation byte\n",
            "python-unsupported",
            "2",
        ),
        # a program CMake's find_package did not find: the program as it is run
        (
            "CMake Error at /usr/share/cmake-3.25/Modules/FindPackageHandleStandardArgs.cmake:230 "
            "(message):\n"
            "  Could NOT find Perl (missing: PERL_EXECUTABLE)\n",
            "toolchain-missing",
            "perl",
        ),
        # a bundled library the repository's own script builds first
        (
            "ERROR: libfrob not built. Run: ./scripts/build-libfrob.sh\n",
            "package-refuses",
            "",
        ),
        # a header of the C++ standard library itself, missing: the C++ toolchain is incomplete
        (
            "src/frob.cc:3:10: fatal error: unordered_map: No such file or directory\n",
            "toolchain-missing",
            "g++",
        ),
        (
            "clang++ -O2 -fPIC -c src/frob.cpp -o build/frob.o\n"
            "src/frob.cpp:1:10: fatal error: 'string' file not found\n",
            "toolchain-missing",
            "clang++",
        ),
        # a build requirement given as a direct URL: its own host is unreachable, not the index
        # the command names
        (
            "Processing ./src/frob-1.0.tar.gz\n"
            "  Installing build dependencies: finished with status 'error'\n"
            "  ERROR: Command errored out with exit status 1:\n"
            "   command: /tmp/venv/bin/python /tmp/pip/__env_pip__.zip/pip install"
            " --ignore-installed --no-user --prefix /tmp/overlay -i https://pypi.org/simple --"
            " frob-core@"
            " https://git.example.org/frob/frob-core-1.0.zip setuptools\n"
            "  Complete output (2 lines):\n"
            "  Collecting frob-core@ https://git.example.org/frob/frob-core-1.0.zip\n"
            "    WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None,"
            " status=None)) after connection broken by 'NewConnectionError('<HTTPSConnection"
            " object at 0x7f0>: Failed to establish a new connection: [Errno -3] Temporary failure"
            " in name resolution')': /frob/frob-core-1.0.zip\n",
            "network",
            "git.example.org",
        ),
        # GCC's driver without its Fortran compiler proper: the program it could not run
        (
            "cc -O2 -fPIC -c src/frob.f90 -o build/frob.o\n"
            "cc: error trying to exec 'f951': execvp: No such file or directory\n",
            "toolchain-missing",
            "f951",
        ),
        # a program the build script downloads when it is not on PATH, the download failing:
        # the missing program is the cause, the download only its fallback
        (
            "build.py: nasm executable not found, downloading nasm 2.16 from https://www.nasm.us/\n"
            "curl: (6) Could not resolve host: www.nasm.us\n"
            "error: command 'curl' failed with exit code 6\n",
            "toolchain-missing",
            "nasm",
        ),
        # a file's own header under a directory, spelt in another case than the file
        (
            "g++ -O2 -fPIC -Isrc -c src/FrobMesh.cc -o build/FrobMesh.o\n"
            "src/FrobMesh.cc:4:10: fatal error: frobmesh/frobmesh.h: No such file or directory\n"
            '    4 | #include "frobmesh/frobmesh.h"\n',
            "package-refuses",
            "frobmesh/frobmesh.h",
        ),
        # the script's own imperative, capitalised, as the exception's message
        (
            '  File "setup.py", line 6, in <module>\n'
            "    raise RuntimeError('Install Cython first!')\n"
            "RuntimeError: Install Cython first!\n",
            "import-failed",
            "Cython",
        ),
        # the script's guess that a build requirement is not there, printed before it exits
        (
            "It seems you do not have numpy installed; get it with pip, then run this again.\n",
            "import-failed",
            "numpy",
        ),
        # neither variable pointing at a library set: the library the script asks for
        (
            "RuntimeError: Neither GSL_DIR nor CONDA_PREFIX is set. Please install GSL or set"
            " GSL_DIR.\n",
            "sysdep-missing",
            "GSL",
        ),
        # CMake finding no CUDA compiler: the variable it names stands for nvcc
        (
            "CMake Error at CMakeLists.txt:5 (enable_language):\n"
            "  No CMAKE_CUDA_COMPILER could be found.\n"
            "\n"
            "  Tell CMake where to find the compiler by setting either the environment\n"
            '  variable "CUDACXX" or the CMake cache entry CMAKE_CUDA_COMPILER to the full\n',
            "toolchain-missing",
            "nvcc",
        ),
        # a program of the named list the project's own CMake check did not find
        (
            "CMake Error at cmake/Tools.cmake:12 (message):\n"
            "  Could not find protoc\n"
            "\n"
            "-- Configuring incomplete, errors occurred!\n",
            "toolchain-missing",
            "protoc",
        ),
        # a header with an upper-case .H included in quotes: a vendor's, left out of the sdist
        (
            "gcc -O2 -fPIC -c src/wrap.c -o build/wrap.o\n"
            "src/wrap.c:10:10: fatal error: VENDOR_API.H: No such file or directory\n"
            '   10 | #include "VENDOR_API.H"\n',
            "package-refuses",
            "VENDOR_API.H",
        ),
        # GCC's OpenMP runtime files not installed: the spec file -fopenmp reads
        (
            "x86_64-linux-gnu-gcc -shared -fopenmp build/frob.o -o build/frob.so\n"
            "x86_64-linux-gnu-gcc: fatal error: cannot read spec file 'libgomp.spec': No such"
            " file or directory\n",
            "toolchain-missing",
            "libgomp",
        ),
        # Python 2's implicit relative import of the package's own private module, under the
        # carets Python 3.13 prints
        (
            '  File "/tmp/src/frob-0.3/frob/__init__.py", line 2, in <module>\n'
            "    import _compat\n"
            "    ^^^^^^^^^^^^^^\n"
            "ModuleNotFoundError: No module named '_compat'\n",
            "python-unsupported",
            "2",
        ),
        # a SWIG too new for an option the setup script still passes
        (
            "swig -python -c++ -outdir frob frob/frob.i\n"
            "swig error : Unrecognized option -noruntime\n"
            "Use 'swig -help' for available options.\n"
            "error: command '/usr/bin/swig' failed with exit code 1\n",
            "toolchain-missing",
            "swig",
        ),
        # uv unable to read a .tar.bz2 sdist's compression
        (
            "error: Failed to extract archive: file:///tmp/src/frob-2.0.tar.bz2\n"
            "  cause: Archive contains a file with an unsupported compression method; files must"
            " be compressed with 'stored', 'DEFLATE', or 'zstd'\n",
            "package-refuses",
            "frob",
        ),
        # a script's request through Python's logging, naming the package with its headers
        (
            "CRITICAL:setup:SciPy and its headers are required to build this. Exiting\n",
            "import-failed",
            "scipy",
        ),
        # CMake's FindCython finding no cython program: the program as it is run
        (
            "CMake Error at /usr/share/cmake-3.25/Modules/FindPackageHandleStandardArgs.cmake:230"
            " (message):\n"
            "  Could NOT find Cython (missing: CYTHON_EXECUTABLE) (Required is at least"
            ' version "3.0")\n',
            "toolchain-missing",
            "cython",
        ),
        # a backend's search for a CMake recent enough, finding none
        (
            "frob_build.errors.BuildError: Could not find cmake of version 3.18 or newer on PATH\n",
            "toolchain-missing",
            "cmake",
        ),
        # a setup script's configure-style check finding the library, but too old a release
        (
            "Checking for MPFR library `-lmpfr'... ok\n"
            "\n"
            "FAILED: version `4.1.0' is too old, must be newer than `4.2.0'.\n",
            "sysdep-missing",
            "mpfr",
        ),
        # a FindPkgConfig error CMake goes on after, then a find_package() that stops it: the
        # first is the cause
        (
            "CMake Error at /usr/share/cmake-3.25/Modules/FindPkgConfig.cmake:890 (message):\n"
            "  None of the required 'libfrob' found\n"
            "-- Looking for pthread.h - found\n"
            "CMake Error at /usr/share/cmake-3.25/Modules/FindPackageHandleStandardArgs.cmake:230"
            " (message):\n"
            "  Could NOT find Boost (missing: Boost_INCLUDE_DIR)\n",
            "sysdep-missing",
            "libfrob",
        ),
        # a compile error under uv's directory for a local sdist: the project's own path kept
        (
            "/home/user/.cache/uv/sdists-v11/path/0123456789abcdef/fedcba9876543210/src/src/frob.c"
            ":3:1: error: unknown type name 'frob_t'\n",
            "compile-error",
            "src/frob.c",
        ),
        # the script's own ImportError that a build requirement is missing, two spaces after
        # its full stop
        (
            '  File "<string>", line 5, in <module>\n'
            "ImportError: scipy not found.  Please install scipy before installing frobfit.\n",
            "import-failed",
            "scipy",
        ),
        # the script's own words that a kit's directory variable is not in its environment
        (
            "RuntimeError: FROBSDK_LIBDIR was not found in the environment; install the Frob SDK\n",
            "toolchain-missing",
            "FROBSDK_LIBDIR",
        ),
        # rustup's sentence at the end of maturin's chain over cargo metadata
        (
            "💥 maturin failed\n"
            "  Caused by: Cargo metadata failed. Does your crate compile with `cargo build`?\n"
            "  Caused by: `cargo metadata` exited with an error: error: rustup could not choose a"
            " version of cargo to run, because one wasn't specified explicitly, and no default is"
            " configured.\n",
            "toolchain-missing",
            "cargo",
        ),
        # a wildcard in setup.py's scripts, which setuptools does not expand
        (
            "running build_scripts\n"
            "creating build/scripts-3.11\n"
            "error: [Errno 2] No such file or directory: 'bin/frob-*'\n",
            "package-refuses",
            "frob-*",
        ),
        # a shell started on a script of the sdist's own that the sdist left out
        (
            "running build_ext\n"
            "/bin/sh: 1: /tmp/build-via-sdist-abc/frob-2.0/tools/fetch_libs.sh: not found\n",
            "package-refuses",
            "fetch_libs.sh",
        ),
        # the script's list of the libraries it found missing
        (
            "RuntimeError: The following system libraries are not installed: sodium, zmq\n",
            "sysdep-missing",
            "sodium",
        ),
        # a CMake project's own status line: no system copy, FetchContent instead (which fails)
        (
            "-- System fmt not found; falling back to FetchContent\n"
            "fatal: unable to access 'https://github.com/fmtlib/fmt.git/': "
            "Could not resolve host: github.com\n",
            "sysdep-missing",
            "fmt",
        ),
        # pip 21: a lower bound that no release listed for this Python reaches
        (
            "ERROR: Could not find a version that satisfies the requirement scipy~=1.14 "
            "(from versions: 0.8.0, 1.10.1)\n"
            "ERROR: No matching distribution found for scipy~=1.14\n",
            "python-unsupported",
            "",
        ),
        # a setup script's own pip run in an environment without pip, and its own verdict
        (
            "/tmp/env/bin/python3: No module named pip\n"
            "Traceback (most recent call last):\n"
            '  File "<string>", line 9, in ensure\n'
            "ModuleNotFoundError: No module named 'pythran'\n"
            "\n"
            "During handling of the above exception, another exception occurred:\n"
            "\n"
            "Traceback (most recent call last):\n"
            '  File "<string>", line 20, in <module>\n'
            "RuntimeError: pythran installation failed.\n",
            "import-failed",
            "pythran",
        ),
        # a program looked up on PATH, the names tried in brackets
        ("error: nim compiler not found in PATH (tried: 'nim')\n", "toolchain-missing", "nim"),
        # a setup script's own request with its advice to retry, a build requirement in lower case
        ("Please install cython and try again.\n", "import-failed", "Cython"),
        (
            "[stdout]\nPlease install pythran and try again.\n\n[stderr]\n"
            "AssertionError: Exactly one .egg-info should have been produced, but found 0: []\n",
            "import-failed",
            "pythran",
        ),
        # OpenMP's header, which comes with the compiler, not found: the compiler setuptools ran
        (
            "src/kernels.c:4:10: fatal error: omp.h: No such file or directory\n"
            "compilation terminated.\n"
            "error: command '/usr/bin/x86_64-linux-gnu-gcc' failed with exit code 1\n",
            "toolchain-missing",
            "x86_64-linux-gnu-gcc",
        ),
        # a CMake script's message that the build must use the environment's package
        (
            "CMake Error at cmake/Deps.cmake:20 (message):\n"
            "  Foo needs to be built against the JAX package of the environment.\n"
            "  Python said:\n\n"
            "  ModuleNotFoundError: No module named 'jax'\n\n",
            "import-failed",
            "jax",
        ),
        # a script's own words for a library's files it did not find
        (
            "Missing the tfhe library file, build it under `TFHE/build` first\n",
            "sysdep-missing",
            "tfhe",
        ),
        # a library not found, with the command that installs its package
        (
            "Frob Reader library not found.  Install it using `sudo apt install libfrob`\n",
            "sysdep-missing",
            "libfrob",
        ),
        # meson's find_program given two names, neither found
        (
            "../meson.build:7:8: ERROR: Program 'flex win_flex' not found or not executable\n",
            "toolchain-missing",
            "flex",
        ),
        # a failed import re-raised by the script with its own words after it
        (
            "Traceback (most recent call last):\n"
            '  File "<string>", line 84, in get_version_info\n'
            "ImportError: No module named 'scipy' - Install scipy before building.\n",
            "import-failed",
            "scipy",
        ),
        # a header named after the directory of the grammar that includes it
        (
            "lib/lexer/scan.l:22:10: fatal error: lexer.h: No such file or directory\n"
            "compilation terminated.\n",
            "package-refuses",
            "lexer.h",
        ),
        # a header under scikit-build's install tree, which CMake never filled
        (
            "cc1: fatal error: _skbuild/linux-x86_64-3.12/cmake-install/include/frob/api.h: "
            "No such file or directory\n",
            "package-refuses",
            "api.h",
        ),
        # a find module handing CONFIG mode's failure to FindPackageHandleStandardArgs
        (
            "CMake Error at /usr/share/cmake-3.25/Modules/FindPackageHandleStandardArgs.cmake:230 "
            "(message):\n"
            "  Could NOT find Frob: found neither FrobConfig.cmake nor\n"
            "  frob-config.cmake\n",
            "sysdep-missing",
            "Frob",
        ),
        # a setup script's own words when distutils' build_py_2to3 is gone
        (
            "Python 3 support requires the 2to3 tool.\nPlease install it.\n",
            "build-requirement-incompatible",
            "setuptools",
        ),
        # Windows' own types in a cffi declaration parsed on another system (the package, from
        # pip's closing line for a local sdist)
        (
            "ERROR: Failed to build 'file:///tmp/src/winspy-1.0.tar.gz' when getting "
            "requirements to build wheel\n"
            'cffi.CDefError: cannot parse "BOOL CloseHandle(HANDLE h);"\n',
            "package-refuses",
            "winspy",
        ),
        # Python 2's relative import as a star import of a sibling module; a distribution that
        # is star-imported is still a missing build dependency
        (
            '  File "/tmp/src/foo-1.0/foo/__init__.py", line 1, in <module>\n'
            "    from widgets import *\n"
            "ModuleNotFoundError: No module named 'widgets'\n",
            "python-unsupported",
            "2",
        ),
        (
            '  File "setup.py", line 3, in <module>\n'
            '  File "/tmp/src/foo-1.0/foo/__init__.py", line 1, in <module>\n'
            "    from numpy import *\n"
            "ModuleNotFoundError: No module named 'numpy'\n",
            "import-failed",
            "numpy",
        ),
        # a Windows installer's command Python's own distutils dropped
        (
            '  File "setup.py", line 9, in <module>\n'
            "    from distutils.command.bdist_msi import bdist_msi\n"
            "ModuleNotFoundError: No module named 'distutils.command.bdist_msi'\n",
            "python-unsupported",
            "distutils.command.bdist_msi",
        ),
        # CMake's file(DOWNLOAD) failing with nothing above announcing it: the host on its own
        # "from url:" line below
        (
            "-- Detecting CXX compile features - done\n"
            "CMake Error at cmake/GetDeps.cmake:4 (file):\n"
            "  file DOWNLOAD cannot compute hash on failed download\n"
            "\n"
            '    from url: "https://gitlab.example.org/tools/deps.cmake"\n'
            '    status: [6;"Could not resolve hostname"]\n',
            "network",
            "gitlab.example.org",
        ),
        # a setup script's own version check: the releases it takes, then the verdict
        (
            '  File "setup.py", line 12, in <module>\n'
            "RuntimeError: Python versions 2.6, 3.2 or 3.3 required\n",
            "python-unsupported",
            "",
        ),
        # a build script's own check that what it needs is on PATH, then what is missing
        (
            "Building foo requires the Zig toolchain in PATH; missing: zig\n",
            "toolchain-missing",
            "zig",
        ),
        # a build requirement asked for "during" the build
        (
            '  File "setup.py", line 4, in <module>\nscipy is needed during the build\n',
            "import-failed",
            "scipy",
        ),
        # the package's name, then the one system it supports
        (
            "CMake Error at CMakeLists.txt:9 (message):\n"
            "  fastwin only supports macOS.  Building on 'Linux' is not supported.\n",
            "package-refuses",
            "fastwin",
        ),
        # a file's own header included by a relative path: the name as included
        (
            "src/grid.c:3:10: fatal error: ./grid.h: No such file or directory\n"
            '    3 | #include "./grid.h"\n',
            "package-refuses",
            "./grid.h",
        ),
        # a setup script's failed import of pip, re-raised in its own words
        (
            '  File "setup.py", line 7, in <module>\n'
            "RuntimeError: pip is not available, see https://pip.pypa.io to install it\n",
            "build-requirement-incompatible",
            "pip",
        ),
        # a setup script's own words that it needs a Python binding, the project's address under
        # them
        (
            "pyfoo requires the GObject Python bindings\n"
            "See: https://gitlab.example.org/gnome/pygobject/\n",
            "import-failed",
            "pygobject",
        ),
        # a setup script handling its failed import of pkg_resources with its own verdict on
        # setuptools
        (
            "Traceback (most recent call last):\n"
            "ModuleNotFoundError: No module named 'pkg_resources'\n"
            "\n"
            "During handling of the above exception, another exception occurred:\n"
            "\n"
            '  File "setup.py", line 9, in <module>\n'
            "RuntimeError: The setuptools module is missing or broken\n",
            "backend-missing",
            "setuptools",
        ),
        # make could not start a GPU toolchain's compiler: the first error, over the header the
        # build misses after going on
        (
            "make: hipcc: No such file or directory\n"
            "make: *** [Makefile:12: kern.o] Error 127\n"
            "foo.c:3:10: fatal error: numpy/arrayobject.h: No such file or directory\n",
            "toolchain-missing",
            "hipcc",
        ),
        # a build requirement said to be "necessary"
        (
            "         [stdout]\n"
            "         scipy is necessary to compile this module. Install it and try again.\n",
            "import-failed",
            "scipy",
        ),
        # an older pyproject-metadata refusing a [project] field's type, the field in backticks
        (
            "pyproject_metadata.ConfigurationError: Field `project.readme` has an invalid type,"
            " expecting a string (got `{'file': 'README.md'}`)\n",
            "package-refuses",
            "",
        ),
        # a CMake project's own check finding no library, then a script of its own fetching it
        (
            "-- Foolib not found, running fetch script...\n"
            "Cloning into 'foolib'...\n"
            "fatal: unable to access 'https://git.example.org/foolib.git/': Could not resolve host:"
            " git.example.org\n",
            "sysdep-missing",
            "Foolib",
        ),
        # the sdist's own build.py, which "python -m build" run in its directory starts instead
        # of the frontend, importing a module nothing installed
        (
            "Traceback (most recent call last):\n"
            '  File "<frozen runpy>", line 88, in _run_code\n'
            '  File "/tmp/src/foo-2.0/build.py", line 5, in <module>\n'
            "    from mesonize import MesonExtension\n"
            "ModuleNotFoundError: No module named 'mesonize'\n",
            "import-failed",
            "mesonize",
        ),
        # a directory of the project's tree a subprocess was to run in, missing from the sdist
        (
            '  File "/usr/lib/python3.12/subprocess.py", line 1950, in _execute_child\n'
            "FileNotFoundError: [Errno 2] No such file or directory: 'third_party'\n",
            "package-refuses",
            "third_party",
        ),
        # a symbolic link in the sdist pointing outside it, which uv will not unpack
        (
            "error: Failed to build `/tmp/src/foo-1.0.tar.gz`\n"
            "  cause: Invalid tar file\n"
            "  cause: at byte 1024: unsafe symbolic-link target "
            '"/srv/dev/foo/data.bin": is absolute\n',
            "package-refuses",
            "foo",
        ),
        # SWIG's %include of a library's header the system lacks
        (
            "running swig\nsrc/wrap.i:12: Error: Unable to find 'gphoto2/gphoto2-camera.h'\n",
            "sysdep-missing",
            "gphoto2/gphoto2-camera.h",
        ),
        # a setup script's own verdict that a Python build requirement is not found, the
        # project's capitals and a plain "Error:" before it
        (
            "         [stderr]\n         Error: SciPy not found\n",
            "import-failed",
            "scipy",
        ),
        # the script's own words that the requirement is needed before the installation runs
        (
            "RuntimeError: Cython required prior to running the package installation\n",
            "import-failed",
            "Cython",
        ),
        # libstdc++'s headers hidden under a CMake build that prints no compile line: the
        # compiler CMake's check found
        (
            "-- Check for working CXX compiler: /usr/bin/c++ - skipped\n"
            "[ 50%] Building CXX object CMakeFiles/core.dir/src/core.cpp.o\n"
            "/tmp/src/foo-1.0/src/core.cpp:3:10: fatal error: map: No such file or directory\n",
            "toolchain-missing",
            "c++",
        ),
        # uv refusing a wheel whose version is not the sdist's own
        (
            "error: Failed to build `/tmp/src/foo-2.0.1.tar.gz`\n"
            "  cause: The source distribution declares version 2.0.1, but the wheel declares"
            " version 2.0\n",
            "package-refuses",
            "foo",
        ),
        # a newer SWIG refusing a target language given twice in swig_opts
        (
            "Only one target language can be supported at a time (both -python and -python3"
            " were specified).\n"
            "error: command '/usr/bin/swig' failed with exit code 1\n",
            "toolchain-missing",
            "swig",
        ),
        # a directory of the project's tree, by its relative path, that the sdist lacks
        (
            '  File "<string>", line 21, in <module>\n'
            "FileNotFoundError: [Errno 2] No such file or directory: 'vendor/sdk/drivers'\n",
            "package-refuses",
            "drivers",
        ),
        # the C++ compiler's probes failing on the linker it runs, which the driver says is
        # missing, above pybind11's verdict that the compiler is unsupported
        (
            "g++ -O2 -fPIC -c flagcheck.cpp -o flagcheck.o -std=c++17\n"
            "g++: fatal error: cannot execute 'collect2': execvp: No such file or directory\n"
            "compilation terminated.\n"
            "RuntimeError: Unsupported compiler -- at least C++11 support is needed!\n",
            "toolchain-missing",
            "collect2",
        ),
        # a header of libstdc++'s target-specific directory not found by another of its headers
        (
            "g++ -O2 -fPIC -c src/core.cpp -o build/core.o\n"
            "/usr/include/c++/13/string:38:10: fatal error: bits/c++allocator.h: No such file"
            " or directory\n",
            "toolchain-missing",
            "g++",
        ),
        # setuptools imported by the sdist's own build script, which another backend runs
        (
            "Traceback (most recent call last):\n"
            '  File "/tmp/pip-req-build-abc123/pdm_build.py", line 2, in <module>\n'
            "    from setuptools import Extension\n"
            "ModuleNotFoundError: No module named 'setuptools'\n",
            "import-failed",
            "setuptools",
        ),
        # rustup failing to download the toolchain a rust-toolchain file pins
        (
            "info: syncing channel updates for 1.79.0-aarch64-unknown-linux-gnu\n"
            "error: could not download file from"
            " 'https://static.rust-lang.org/dist/channel-rust-1.79.0.toml.sha256' to"
            " '/home/ci/.rustup/tmp/abc_file': error downloading file: timed out\n",
            "toolchain-missing",
            "cargo",
        ),
        # numpy.distutils under a setuptools without dry_run, its message wrapped at the
        # frontend's width
        (
            '  File "/tmp/env/lib/python3.9/site-packages/numpy/distutils/ccompiler.py", line 9\n'
            "TypeError: UnixCCompiler.__init__() got an unexpected keyword\n"
            "argument 'dry_run'\n",
            "build-requirement-incompatible",
            "setuptools",
        ),
        # meson run on a directory the sdist left without its meson.build
        (
            "ERROR: Neither directory 'native_src' nor directory None contain a build file"
            " meson.build.\n",
            "package-refuses",
            "meson.build",
        ),
        # an old release's own refusal of Python 3 in its words
        (
            "RuntimeError: Sorry, we are not yet supporting Python 3\n",
            "python-unsupported",
            "",
        ),
        # pkg-config run through env by a setup script, its failure escaping
        (
            "subprocess.CalledProcessError: Command '['env', 'pkg-config', '--libs', 'cairo']'"
            " returned non-zero exit status 1.\n",
            "sysdep-missing",
            "cairo",
        ),
        # an sdist uv's tar reader cannot parse
        (
            "error: Failed to build `/tmp/src/foo-1.0.tar.gz`\n"
            "  cause: Invalid tar file\n"
            "  cause: at byte 512: unexpected tar block: expected ordinary ustar member header\n",
            "package-refuses",
            "foo",
        ),
        # the script's own words for a build requirement it needs, unquoted
        (
            "Exception: Install requires Cython. Use pip: `pip install cython`\n",
            "import-failed",
            "Cython",
        ),
        (
            "RuntimeError: Sorry, the required module numpy is not installed\n",
            "import-failed",
            "numpy",
        ),
        # poetry-core 2 running an old build.py as a program
        (
            "Traceback (most recent call last):\n"
            '  File "/tmp/build-via-sdist-x/foo-1.0/build.py", line 40, in <module>\n'
            "    build()\n"
            "TypeError: build() missing 1 required positional argument: 'setup_kwargs'\n",
            "build-requirement-incompatible",
            "poetry-core",
        ),
        # a project's CMake check naming the directories it looked in, wrapped onto the next line
        (
            "CMake Error at CMakeLists.txt:40 (message):\n"
            "  solverlib not found in\n"
            "  /opt/solver/lib;/usr/local/solver/lib\n",
            "sysdep-missing",
            "solverlib",
        ),
        # dunamai finding no version control in the unpacked sdist
        (
            "RuntimeError: Unable to detect version control system. Checked: Git, Mercurial."
            " Not installed: Darcs.\n",
            "package-refuses",
            "",
        ),
        # the sdist's Cython code checked against another build requirement's changed .pxd
        (
            "Error compiling Cython file:\n"
            "pkg/_impl.pyx:40:9: Signature not compatible with previous declaration\n"
            "Error compiling Cython file:\n"
            "/tmp/env/lib/python3.12/site-packages/pysam/libcalignmentfile.pxd:12:9: Previous"
            " declaration is here\n",
            "build-requirement-incompatible",
            "pysam",
        ),
        # a setup script sending the build to the repository, where its sources sit beside it
        (
            "FileNotFoundError: Cannot find the Fortran sources at /tmp/src/fortran. Build the"
            " package from within the project's git checkout.\n",
            "package-refuses",
            "",
        ),
        # setuptools' own copy of a file the sdist lacks
        (
            "running build_py\n"
            "error: [Errno 2] No such file or directory: 'vendor/lib/x64/engine.dylib'\n",
            "package-refuses",
            "engine.dylib",
        ),
        # the extension's own header, its source named with a leading underscore
        (
            "gcc -O2 -fPIC -c src/_fastmath.c -o build/_fastmath.o\n"
            "src/_fastmath.c:3:10: fatal error: fastmath.h: No such file or directory\n"
            '    3 | #include "fastmath.h"\n',
            "package-refuses",
            "fastmath.h",
        ),
        # an empty argument given to the compiler driver, taken for an input file
        (
            "gcc -O2 -fPIC -c src/codec.c -o build/codec.o\n"
            "gcc: error: : No such file or directory\n",
            "compile-error",
            "",
        ),
        # a generically named header of the project's own, left out of the sdist
        (
            "src/geo/_speedups.c:812:10: fatal error: headers.h: No such file or directory\n"
            '  812 | #include "headers.h"\n',
            "package-refuses",
            "headers.h",
        ),
        # meson's files() naming a source the sdist lacks
        (
            "meson.build:41:9: ERROR: File src/kernels/blur_kernel.c does not exist.\n",
            "package-refuses",
            "blur_kernel.c",
        ),
        # a setup script asking, in its own words, for a build dependency
        (
            "RuntimeError: To build the extension an installation of Cython is required\n",
            "import-failed",
            "Cython",
        ),
        # Python 2's implicit relative import of a module by a generic name of an application's
        # own layout, from the package's own __init__.py
        (
            '  File "/tmp/src/shopcart-0.3/shopcart/__init__.py", line 2, in <module>\n'
            "    from mixins import CartMixin\n"
            "ModuleNotFoundError: No module named 'mixins'\n",
            "python-unsupported",
            "2",
        ),
        # a script's own probe finding no CMake new enough
        (
            "RuntimeError: No CMake or no CMake >= 3.15 installation found, please install it\n",
            "toolchain-missing",
            "cmake",
        ),
        # Python 2's wording of a failed import, raised by the script with its advice
        (
            "ImportError: No module named Cython. You must install Cython to build this package\n",
            "import-failed",
            "Cython",
        ),
        # uv refusing an archive whose compression its reader does not take
        (
            "error: Failed to build `/tmp/src/tidepool-1.2.tar.bz2`\n"
            "  cause: Archive contains a file with an unsupported compression method; files must"
            " be compressed with 'stored', 'DEFLATE', or 'zstd'\n",
            "package-refuses",
            "tidepool",
        ),
        # a vendored library's internal header, included in quotes by a source of that copy
        (
            "pysnd/libsndfile/src/wavlike.c:31:10: fatal error: sfendian.h: No such file or"
            " directory\n"
            '   31 | #include "sfendian.h"\n',
            "package-refuses",
            "sfendian.h",
        ),
        # setuptools' code applying the [project] table failing on a value it did not expect
        (
            '  File "/tmp/env/lib/python3.12/site-packages/setuptools/config/'
            '_apply_pyprojecttoml.py", line 211, in _license\n'
            '    text = val.get("text")\n'
            "AttributeError: 'list' object has no attribute 'get'\n",
            "build-requirement-incompatible",
            "setuptools",
        ),
        # the kernel refusing memory to a system call under a limit, raised by Python
        (
            '  File "/tmp/env/lib/python3.11/subprocess.py", line 1885, in _execute_child\n'
            "    self.pid = _fork_exec(\n"
            "OSError: [Errno 12] Cannot allocate memory\n",
            "resource-exhausted",
            "memory",
        ),
        # hatchling's version source reading a file the sdist left out
        (
            "OSError: Error getting the version from source `code`: file does not exist:"
            " lib/tidewatch/version.py\n",
            "package-refuses",
            "version.py",
        ),
        # uv's sentence naming a requirement of several clauses beside the constraint's pin
        (
            "  cause: Failed to resolve requirements from `build-system.requires`\n"
            "  cause: No solution found when resolving: `setuptools>=64, <80`\n"
            "  cause: Because you require setuptools>=64,<80 and setuptools==58.2.0, we can"
            " conclude that your requirements are unsatisfiable.\n",
            "build-requirement-incompatible",
            "setuptools",
        ),
        # Python unable to start a thread under a memory or process limit
        (
            '  File "/usr/lib/python3.12/concurrent/futures/thread.py", line 199, in'
            " _adjust_thread_count\n"
            "    t.start()\n"
            '  File "/usr/lib/python3.12/threading.py", line 992, in start\n'
            "    _start_new_thread(self._bootstrap, ())\n"
            "RuntimeError: can't start new thread\n",
            "resource-exhausted",
            "memory",
        ),
        # a setup script refusing the wheel build in its own words
        (
            "Exception: This package does not build wheels; install it from the sdist.\n",
            "package-refuses",
            "",
        ),
        # a file named by its absolute path under the unpacked sdist's own directory
        (
            "FileNotFoundError: [Errno 2] No such file or directory:"
            " '/tmp/src/tidewatch-2.1.0/data/stations.csv'\n",
            "package-refuses",
            "stations.csv",
        ),
        # a project's CMake verdict with the variable left empty in a parenthesis
        (
            "CMake Error at CMakeLists.txt:88 (message):\n"
            "  HDF5 not found (HDF5_LIBRARY is empty).\n",
            "sysdep-missing",
            "HDF5",
        ),
        # the project's own header by another generic name, in quotes
        (
            "src/geo.c:4:10: fatal error: macros.h: No such file or directory\n"
            '    4 | #include "macros.h"\n',
            "package-refuses",
            "macros.h",
        ),
        # a .pxd of the package's own, cimported by a .py module in Cython's pure Python mode
        (
            "src/tidewatch/grid.py:12:4: 'tidewatch/grid_types.pxd' not found\n",
            "package-refuses",
            "grid_types.pxd",
        ),
        # pip 21's build-dependency conflict under its progress line, with no box around it
        (
            "  Installing build dependencies: started\n"
            "  Installing build dependencies: finished with status 'error'\n"
            "  ERROR: Command errored out with exit status 1:\n"
            "  Complete output (9 lines):\n"
            "  ERROR: Cannot install meson-python>=0.15 because these package versions have"
            " conflicting dependencies.\n"
            "  The conflict is caused by:\n"
            "      The user requested meson-python>=0.15\n"
            "      The user requested (constraint) meson-python<0.13\n",
            "build-requirement-incompatible",
            "meson-python",
        ),
        # setuptools warning of a version file the sdist lacks, then refusing the empty version
        (
            "  /tmp/env/lib/python3.12/site-packages/setuptools/config/expand.py:126:"
            " SetuptoolsWarning: File '/tmp/src/tidewatch-2.1.0/tidewatch/VERSION.txt' cannot be"
            " found\n"
            "    return '\\n'.join(\n"
            "  Traceback (most recent call last):\n"
            "  packaging.version.InvalidVersion: Invalid version: ''\n",
            "package-refuses",
            "VERSION.txt",
        ),
        # GCC's OpenMP runtime missing at link time, which comes with the compiler
        (
            "/usr/bin/ld: cannot find -lgomp: No such file or directory\n"
            "collect2: error: ld returned 1 exit status\n"
            "error: command '/usr/bin/gcc' failed with exit code 1\n",
            "toolchain-missing",
            "gcc",
        ),
        # a placeholder's banner that the package has moved, alone on its line
        (
            "  ╰─> [9 lines of output]\n"
            "      *** tidewatch has moved to tidewatch-core! ***\n"
            "      Install tidewatch-core instead.\n",
            "package-refuses",
            "tidewatch",
        ),
        # a build backend's own executable lacking the command its hooks call (an early
        # release held back by a constraint)
        (
            "* Building sdist...\n"
            'Error: Unknown subcommand: build-backend (cli: ArgsOs { inner: ["C:\\\\Users\\\\ci'
            '\\\\AppData\\\\Local\\\\Temp\\\\build-env-k2\\\\Scripts\\\\uv-build.exe",'
            ' "build-backend", "build-sdist", "dist"] })\n'
            "ERROR Backend subprocess exited when trying to invoke build_sdist\n",
            "build-requirement-incompatible",
            "uv-build",
        ),
        # a missing build requirement's ImportError caught by the setup script and printed
        # after its own words
        (
            "  running egg_info\n"
            "  Unable to configure the extension: No module named 'pybind11'\n"
            "  error: metadata-generation-failed\n",
            "import-failed",
            "pybind11",
        ),
        # easy_install's warning that it goes on without the index is not the cause: the build
        # runs on to its real error
        (
            "  Download error on https://pypi.python.org/simple/frob-helpers/: [Errno -3] Temporary"
            " failure in name resolution -- Some packages may not be found!\n"
            "  Couldn't find index page for 'frob-helpers' (maybe misspelled?)\n"
            "  running build_ext\n"
            "  frob/_core.c:40:5: error: unknown type name \u2018frob_t\u2019\n"
            "  error: command '/usr/bin/gcc' failed with exit code 1\n",
            "compile-error",
            "frob/_core.c",
        ),
        # a header included through a directory of copied-in libraries, which no system package
        # installs headers under
        (
            "  frob/_core.cpp:3:10: fatal error: 3rdparty/xxhash/xxhash.h: No such file or"
            " directory\n"
            "  compilation terminated.\n",
            "package-refuses",
            "3rdparty/xxhash/xxhash.h",
        ),
        # a source path with Windows separators, which no file on this system has
        (
            "  cc1: fatal error: frob\\csrc\\util\\ring.c: No such file or directory\n"
            "  compilation terminated.\n",
            "package-refuses",
            "ring.c",
        ),
        # Python 2's attribute lookup over a method table, gone in Python 3
        (
            "  frob/_mod.cpp:88:12: error: \u2018Py_FindMethodInChain\u2019 was not declared in"
            " this scope\n"
            "     88 |     return Py_FindMethodInChain(&chain, self, name);\n",
            "python-unsupported",
            "2",
        ),
        # Cython's helper code refused under the limited API the package builds for
        (
            "  gcc -fPIC -DPy_LIMITED_API=0x030A0000 -I/opt/python/3.12.1/include/python3.12 -c"
            " frob/_fast.c -o build/temp/frob/_fast.o\n"
            "  frob/_fast.c: In function \u2018__Pyx_PyObject_GetSlice\u2019:\n"
            "  frob/_fast.c:2210:9: error: \u2018PyMappingMethods\u2019 undeclared (first use in"
            " this function)\n",
            "build-requirement-incompatible",
            "Cython",
        ),
        # pip's conflict as pypa/build prints it, wrapped before "have"
        (
            "* Installing packages in isolated environment:\n"
            "<     The user requested setuptools<70 and >=64\n"
            "<     The user requested (constraint) setuptools==72.1.0\n"
            "< ERROR: Cannot install setuptools<70 and >=64 because these package versions\n"
            "  have conflicting dependencies.\n",
            "build-requirement-incompatible",
            "setuptools",
        ),
        # a project's CMake status line that it did not find a library and downloads it, then
        # the download failing
        (
            '-- Found PkgConfig: /usr/bin/pkg-config (found version "1.8.1")\n'
            "-- zstd not found, downloading...\n"
            "CMake Error at /usr/share/cmake-3.25/Modules/FetchContent.cmake:1624 (message):\n"
            "  Could not resolve host: github.com\n",
            "sysdep-missing",
            "zstd",
        ),
        # a setup script naming the build requirements it needs before it can be installed
        (
            "  running egg_info\n"
            "  RuntimeError: numpy, pybind11, and scipy have to be installed before frob can be"
            " built.\n",
            "import-failed",
            "numpy",
        ),
        # a setup script's header probe is not the cause: the compile of its own sources is
        (
            "  _configtest.c:1:10: fatal error: gsl/gsl_version.h: No such file or directory\n"
            "  failure.\n"
            "  removing: _configtest.c _configtest.o\n"
            "  building 'frob._gsl' extension\n"
            "  frob/_gsl.c:12:10: fatal error: gsl/gsl_sf_bessel.h: No such file or directory\n",
            "sysdep-missing",
            "gsl/gsl_sf_bessel.h",
        ),
    ],
)
def test_mechanism_rules_on_unseen_wordings(
    rules: RuleSet, text: str, category: str, subject: str
) -> None:
    got = diagnose(text, rules)
    assert (got.category, got.subject or "") == (category, subject)


@pytest.mark.parametrize(
    ("log", "rule", "subject", "line", "text"),
    [
        # add_subdirectory() of a directory the sources lack: the message under CMake's
        # heading says what is missing, the heading only where
        (
            "CMake Error at CMakeLists.txt:12 (add_subdirectory):\n"
            '  add_subdirectory given source "third_party/frob" which is not an existing\n'
            "  directory.\n",
            "package/source-file-missing",
            "frob",
            2,
            'add_subdirectory given source "third_party/frob" which is not an existing',
        ),
        # include() of a .cmake file the sources lack: the message too, the subject the
        # file's base name
        (
            "CMake Error at cmake/deps.cmake:4 (include):\n"
            "  include could not find load file:\n"
            "\n"
            "    /tmp/src/frob-1.0/cmake/FrobTargets.cmake\n",
            "package/source-file-missing",
            "FrobTargets.cmake",
            2,
            "include could not find load file:",
        ),
        # CMake too old for the project, or a policy it does not know: the message says what
        (
            "CMake Error at CMakeLists.txt:2 (cmake_minimum_required):\n"
            "  CMake 3.21 or higher is required.  You are running version 3.18.4\n",
            "requirements/cmake-too-old",
            "cmake",
            2,
            "CMake 3.21 or higher is required.  You are running version 3.18.4",
        ),
        (
            "CMake Error at vendor/frob/CMakeLists.txt:9 (cmake_policy):\n"
            '  Policy "CMP0177" is not known to this version of CMake.\n',
            "requirements/cmake-too-old",
            "cmake",
            2,
            'Policy "CMP0177" is not known to this version of CMake.',
        ),
        # a setup script trying one of pip's modules, then another: the first import is its
        # probe, the fallback's failure the error
        (
            "Traceback (most recent call last):\n"
            '  File "<string>", line 4, in <module>\n'
            "ModuleNotFoundError: No module named 'pip._internal.req'\n"
            "\n"
            "During handling of the above exception, another exception occurred:\n"
            "\n"
            "Traceback (most recent call last):\n"
            '  File "<string>", line 6, in <module>\n'
            "ModuleNotFoundError: No module named 'pip.download'\n",
            "requirements/setup-imports-pip",
            "pip",
            9,
            "ModuleNotFoundError: No module named 'pip.download'",
        ),
        # wheels for other Pythons only: uv's resolver sentence, the Python from the hint
        # under it
        (
            "  cause: Because frob==1.0 has no wheels with a matching Python ABI tag (e.g., "
            "`cp312`) and you require frob==1.0, we can conclude that your requirements are "
            "unsatisfiable.\n"
            "\n"
            "hint: You require CPython 3.12 (`cp312`), but we only found wheels for `frob` (v1.0) "
            "with the following Python ABI tags: `cp310`, `cp311`\n",
            "python/requires-python",
            "3.12",
            1,
            "cause: Because frob==1.0 has no wheels with a matching Python ABI tag (e.g., "
            "`cp312`) and you require frob==1.0, we can conclude that your requirements are "
            "unsatisfiable.",
        ),
        # a setup script running pip through a shell with no pip on PATH: the shell's verdict,
        # not the import that then fails (which names the requirement)
        (
            "Cython is not installed; installing it now.\n"
            "sh: 1: pip3: not found\n"
            "Traceback (most recent call last):\n"
            '  File "setup.py", line 9, in <module>\n'
            "ModuleNotFoundError: No module named 'Cython'\n",
            "import/setup-requires-without-pip",
            "Cython",
            2,
            "sh: 1: pip3: not found",
        ),
    ],
)
def test_the_first_error_line_the_readings_settled(
    rules: RuleSet, log: str, rule: str, subject: str, line: int, text: str
) -> None:
    # what the table of unseen wordings does not check: which line of a failure is its first
    # error, where the blind readings settled it (docs/reference/rules.md), and its text
    got = diagnose(log, rules)
    assert (got.rule, got.subject) == (rule, subject)
    assert got.first_error is not None
    assert (got.first_error.line, got.first_error.text) == (line, text)


def test_pips_retry_warning_wrapped_by_pypa_build_is_read_at_its_failure(rules: RuleSet) -> None:
    # pypa/build wraps its installer's output at 80 columns: the first error is the wrapped
    # line that states the connection's failure, not the warning's first line (the settled
    # question in docs/reference/rules.md)
    log = (
        "* Installing packages in isolated environment:\n"
        "  - hatchling\n"
        "< WARNING: Retrying (Retry(total=2, connect=None, read=None, redirect=None,\n"
        "  status=None)) after connection broken by\n"
        "  'NewConnectionError('<pip._vendor.urllib3.connection.HTTPSConnection object\n"
        "  at 0x7f00>: Failed to establish a new connection: [Errno 101] Network is\n"
        "  unreachable')': /simple/hatchling/\n"
    )
    got = diagnose(log, rules)
    assert (got.rule, got.subject or "") == ("network/build-deps-unreachable", "")
    assert got.first_error is not None and got.first_error.line == 6


@pytest.mark.parametrize(
    ("log", "subject", "line"),
    [
        # urllib's error in a retry notice is not the failure yet; the last attempt's is
        (
            "Fetching frob-runtime 2.0...\n"
            "retrying in 2 s (<urlopen error [Errno -3] Temporary failure in name resolution>)\n"
            "FATAL: could not download frob-runtime: <urlopen error [Errno -3] Temporary"
            " failure in name resolution>\n",
            "",
            3,
        ),
        # cargo's retry warnings name the host; the error cargo stops with is the first error
        (
            "    Updating crates.io index\n"
            "warning: spurious network error (2 tries remaining): [6] Could not resolve hostname "
            "(Could not resolve host: crates.mirror.example)\n"
            "warning: spurious network error (1 try remaining): [6] Could not resolve hostname "
            "(Could not resolve host: crates.mirror.example)\n"
            "error: failed to get `serde` as a dependency of package `frob v0.1.0 (/tmp/b)`\n"
            "\n"
            "Caused by:\n"
            "  [6] Could not resolve hostname (Could not resolve host: crates.mirror.example)\n",
            "crates.mirror.example",
            4,
        ),
    ],
)
def test_a_retried_download_reports_its_last_error(
    log: str, subject: str, line: int, rules: RuleSet
) -> None:
    got = diagnose(log, rules)
    assert (got.category, got.subject or "") == ("network", subject)
    assert got.first_error is not None and got.first_error.line == line


@pytest.mark.parametrize(
    ("log", "line", "text"),
    [
        # a flag, header or function probe that fails is an answer; the build goes on (a
        # rule reads a failed header probe right over the project's error), and under
        # CMake's heading its message is shown
        (
            "-- Performing Test /Ox - Failed\n"
            "-- Looking for quux.h - not found\n"
            "CMake Error at CMakeLists.txt:9 (frob_setup):\n"
            "  frob_setup Function invoked with incorrect arguments\n",
            4,
            "frob_setup Function invoked with incorrect arguments",
        ),
        # the heading says where CMake stopped, the indented message below it what, also
        # past a blank line and in the generate step's "CMake Error in …:" form
        (
            "-- Configuring frob 1.0\n"
            "CMake Error in src/CMakeLists.txt:\n"
            "\n"
            '  Unknown CMake command "frob_add_plugin".\n'
            "\n"
            "-- Configuring incomplete, errors occurred!\n",
            4,
            'Unknown CMake command "frob_add_plugin".',
        ),
        # a heading with no message of its own, the call stack right under it: the
        # heading stands
        (
            "CMake Error at cmake/frob.cmake:12 (frob_check):\n"
            "Call Stack (most recent call first):\n"
            "  CMakeLists.txt:30 (include)\n",
            1,
            "CMake Error at cmake/frob.cmake:12 (frob_check):",
        ),
    ],
)
def test_the_picker_on_cmakes_output(log: str, line: int, text: str) -> None:
    # the picker alone, as for a log no rule explains
    got = diagnose(log, RuleSet([]))
    assert got.first_error is not None
    assert (got.first_error.line, got.first_error.text) == (line, text)


def test_ninjas_failed_heading_is_no_error() -> None:
    # ninja names the failed step, then prints its output: the compiler's error is the cause
    rules = RuleSet([])
    log = (
        "[6/180] Building C object util/CMakeFiles/frob.dir/frob.c.o\n"
        "FAILED: util/CMakeFiles/frob.dir/frob.c.o \n"
        "/usr/bin/cc -I/tmp/b/include -c /tmp/b/util/frob.c\n"
        "/tmp/b/util/frob.c:3:1: warning: bad idea\n"
        "/tmp/b/util/frob.c:9:5: quux: no such quux\n"
        "ninja: build stopped: subcommand failed.\n"
    )
    got = diagnose(log, rules)
    assert got.first_error is not None and got.first_error.line == 6


def test_an_exception_continued_below_is_shown_at_the_error_it_quotes() -> None:
    # a build script raising with the program's output on the lines under its own
    rules = RuleSet([])
    log = (
        "RuntimeError: Running: configure --quiet failed with error:\n"
        "configure: error: in `/tmp/b/frob-1.0':\n"
        "configure: error: cannot run C compiled programs.\n"
        ".\n"
    )
    got = diagnose(log, rules)
    assert got.first_error == FirstError(3, "configure: error: cannot run C compiled programs.")


def test_pips_version_check_is_no_error(rules: RuleSet) -> None:
    # pip without network says it could not check its own version; the build's error follows
    log = (
        "WARNING: There was an error checking the latest version of pip.\n"
        "Collecting frob\n"
        "      error: failed to acquire package cache lock\n"
    )
    got = diagnose(log, rules)
    assert got.first_error is not None and got.first_error.line == 3


def test_a_logged_error_is_shown_at_the_exception_of_its_traceback() -> None:
    # logging.exception prints a summary, then the traceback: its exception is the cause
    rules = RuleSet([])
    logged = (
        "Building wheel from source distribution...\n"
        "ERROR:frob.common:Quux failed\n"
        "Traceback (most recent call last):\n"
        '  File "/tmp/b/frob/build.py", line 9, in build\n'
        "    raise QuuxException('Profile not found: default')\n"
        "quux.errors.QuuxException: Profile not found: default\n"
        "\n"
        "The above exception was the direct cause of the following exception:\n"
        "\n"
        "Traceback (most recent call last):\n"
        "RuntimeError: build failed\n"
    )
    got = diagnose(logged, rules).first_error
    assert got == FirstError(6, "quux.errors.QuuxException: Profile not found: default")
    # with no traceback right under it, the logged error is the message itself
    for below in ("", "warning: retrying\nTraceback (most recent call last):\n"):
        summary = "ERROR:root:Could not find frob.h"
        text = summary + "\n" + below + "ValueError: x\n"
        assert diagnose(text, rules).first_error == FirstError(1, summary)


def test_a_scripts_own_warning_is_no_error() -> None:
    # a script warning, in capitals, that something optional was not found goes on building
    rules = RuleSet([])
    log = (
        "**************************************************\n"
        "*** WARNING: SYCL (Intel Basekit) path not found\n"
        "**************************************************\n"
        "running build_ext\n"
        "RuntimeError: frob failed to start\n"
    )
    assert diagnose(log, rules).first_error == FirstError(5, "RuntimeError: frob failed to start")


def test_a_bare_exception_is_shown_at_its_message_below() -> None:
    # raise ValueError("\\n" + message): the exception's name alone, the message under it
    rules = RuleSet([])
    log = "Traceback (most recent call last):\nfrob.QuuxError:\n\nThe quux could not be set up\n"
    assert diagnose(log, rules).first_error == FirstError(4, "The quux could not be set up")


def test_a_box_drawn_around_a_bare_exceptions_message_is_passed_over() -> None:
    # raise RuntimeError("\\n" + a message drawn in a box): the box's top is no message
    rules = RuleSet([])
    top, side, bottom = (
        "\u2554" + "\u2550" * 27 + "\u2557",
        "\u2551",
        "\u255a" + "\u2550" * 27 + "\u255d",
    )
    message = f"{side} ERROR: the quux is absent {side}"
    log = f"RuntimeError: \n{top}\n{message}\n{bottom}\n"
    assert diagnose(log, rules).first_error == FirstError(3, message)


def test_pypa_builds_tip_is_no_error() -> None:
    rules = RuleSet([])
    log = (
        "* Building wheel...\n"
        "TIP pass --env-dir and --sdist-extract-dir to keep the build environment and sources, "
        "then see https://build.pypa.io/… for help debugging a failed build\n"
    )
    assert diagnose(log, rules).first_error is None


def test_a_compiler_command_line_is_no_error_and_an_undefined_reference_is() -> None:
    # a source file named for errors on an echoed command line; the linker's verdict below
    rules = RuleSet([])
    log = (
        "gcc -O2 -fPIC -Isrc -c src/frob-error.c -o build/frob-error.o\n"
        "/usr/bin/ld: build/frob.o: in function `frob':\n"
        "src/frob.c:12: undefined reference to `quux_open'\n"
    )
    assert diagnose(log, rules).first_error == FirstError(
        3, "src/frob.c:12: undefined reference to `quux_open'"
    )


def test_a_source_file_named_for_errors_is_no_error() -> None:
    # a setup script printing its list of sources, one of them error.c (or a directory of
    # that name), before the exception it stops with; "Error." ending a sentence still is one
    rules = RuleSet([])
    log = (
        "['lib/quux/decoder.c', 'lib/quux/error.c', 'lib/error/table.c']\n"
        "ValueError: list.remove(x): x not in list\n"
    )
    assert diagnose(log, rules).first_error == FirstError(
        2, "ValueError: list.remove(x): x not in list"
    )
    assert diagnose("frobnicate: Error. Giving up\n", rules).first_error == FirstError(
        1, "frobnicate: Error. Giving up"
    )


def test_a_retry_cargo_got_over_is_no_network_failure(rules: RuleSet) -> None:
    log = (
        "warning: spurious network error (2 tries remaining): [6] Could not resolve hostname "
        "(Could not resolve host: index.crates.io)\n"
        "   Compiling frob v0.1.0 (/tmp/b)\n"
        "error[E0425]: cannot find value `x` in this scope\n"
    )
    assert diagnose(log, rules).category != "network"


def test_a_git_probe_outside_a_repository_is_no_refusal(rules: RuleSet) -> None:
    # version detection runs git and goes on: only git's refusal under a submodule fetch counts
    probe = (
        "git describe --tags\n"
        "fatal: not a git repository (or any of the parent directories): .git\n"
    )
    assert diagnose(probe, rules).category != "package-refuses"


@pytest.mark.parametrize(
    "line",
    [
        'src/x.c:4:2: error: #error "HAVE_CONFIG_H must be defined"',
        'src/x.c:4:2: error: #error "Python 3.8 or newer is required"',
        'src/x.c:4:2: error: #error "requires MSVC 2015 or newer"',
        'x.h:9:2: error: #error "compiler too old: use GCC >= 4.8 or MSVC >= 2015"',
        'x.h:9:2: error: #error "Define USE_OPENSSL or USE_WINDOWS_CRYPTO"',
        "x.h:9:2: error: #error Unknown compiler",
        'x.c:9:2: error: #error "Windows builds need WIN32_LEAN_AND_MEAN"',
    ],
)
def test_an_error_directive_about_anything_else_is_not_a_platform_refusal(
    rules: RuleSet, line: str
) -> None:
    assert diagnose(line + "\n", rules).rule != "package/platform-unsupported"


@pytest.mark.parametrize(
    "text",
    [
        # an if() the project's own code gets wrong, whatever the CMake
        "CMake Error at CMakeLists.txt:12 (if):\n  if given arguments:\n\n"
        '    "NOT" "STREQUAL" "foo"\n\n  Unknown arguments specified\n',
        "CMake Error at cmake/Foo.cmake:40 (if):\n  if given arguments:\n\n"
        '    "(" "FOO_LIBS" "MATCHES" "a;b" "AND" ")"\n\n  Unknown arguments specified\n',
        # CMake 3's wording for a command the project's own policy settings disallow
        "CMake Error at CMakeLists.txt:3 (build_name):\n"
        "  The build_name command should not be called; see CMP0036.\n",
        # a policy this CMake does not know yet: the CMake is too old, not too new
        "CMake Error at CMakeLists.txt:2 (cmake_policy):\n"
        '  Policy "CMP0177" is not known to this version of CMake.\n',
    ],
)
def test_cmake_errors_a_too_new_cmake_does_not_cause(rules: RuleSet, text: str) -> None:
    assert diagnose(text, rules).rule != "requirements/cmake4-old-minimum-version"


@pytest.mark.parametrize(
    ("header", "category"),
    [
        ("sys/event.h", "package-refuses"),
        ("net/if_dl.h", "package-refuses"),
        ("kvm.h", "package-refuses"),
        # macOS's: Apple System Log, the process-info library, launchd
        ("asl.h", "package-refuses"),
        ("libproc.h", "package-refuses"),
        ("launch.h", "package-refuses"),
        # a library's header of a similar name, in its own directory
        ("ampl/asl.h", "sysdep-missing"),
        # headers Linux has, or had: missing here means a system package is missing
        ("net/route.h", "sysdep-missing"),
        ("sys/sysctl.h", "sysdep-missing"),
        ("sys/mount.h", "sysdep-missing"),
        ("net/if.h", "sysdep-missing"),
    ],
)
def test_only_headers_no_linux_has_are_a_platform_refusal(
    rules: RuleSet, header: str, category: str
) -> None:
    line = f"src/watch.c:3:10: fatal error: {header}: No such file or directory\n"
    assert diagnose(line, rules).category == category


@pytest.mark.parametrize(
    "line",
    [
        "configure: WARNING: foo.h not found",
        "configure: warning: header file foo/foo.h is missing",
        "configure: foo.h not found, building without it",
        "configure: error: foo.h not found, using the bundled copy",
        "foo/bar.h was not found, falling back to the built-in parser",
        "CMake Error at CMakeLists.txt:6 (message):\n  foo.h header not found, building without it",
    ],
)
def test_a_header_check_the_build_survives_is_not_a_missing_header(
    rules: RuleSet, line: str
) -> None:
    assert diagnose(line + "\n", rules).rule != "sysdep/missing-header"


@pytest.mark.parametrize(
    ("line", "subject"),
    [
        ("ValueError: JAVA_HOME not defined in environment", "JAVA_HOME"),
        ("KeyError: FOOKIT_ROOT is not set", "FOOKIT_ROOT"),
        ("AssertionError: BAR_SDK not defined in the environment", "BAR_SDK"),
        # other words for it, a variable pointing nowhere, os.environ's KeyError
        (
            "RuntimeError: The BAZ_TOOLCHAIN_FILE environment variable is not set.",
            "BAZ_TOOLCHAIN_FILE",
        ),
        ("OSError: QUXROOT is empty", "QUXROOT"),
        ("ImportError: You need to define QUX_ROOT before building", "QUX_ROOT"),
        ("error: The directory from $BAZ_HOME ('/opt/baz') does not exist", "BAZ_HOME"),
        (
            '  File "<frozen os>", line 714, in __getitem__\n'
            "  raise KeyError(key) from None\nKeyError: 'QUX_HOME'",
            "QUX_HOME",
        ),
        # a CMakeLists.txt's own verdict, and a verdict that then asks for the variable
        (
            "CMake Error at CMakeLists.txt:7 (message):\n  QUX_SDK_PATH is not defined",
            "QUX_SDK_PATH",
        ),
        ("CMake Error at cmake/qux.cmake:3 (message):\n  $ENV{QUXROOT} does not exist", "QUXROOT"),
        (
            "RuntimeError: Qux cannot be found; give the path in the environment variable QUX_DIR",
            "QUX_DIR",
        ),
    ],
)
def test_a_kits_variable_unset_or_pointing_nowhere(rules: RuleSet, line: str, subject: str) -> None:
    got = diagnose(line + "\n", rules)
    assert (got.rule, got.subject) == ("toolchain/sdk-home-missing", subject)


@pytest.mark.parametrize(
    "line",
    [
        # a search path is not a kit's home, and an exception about another thing is not either
        "ValueError: LD_LIBRARY_PATH not defined in environment",
        "KeyError: 'JAVA_HOME'",
        "ValueError: FOO_MODE not defined in environment",
        # a variable the script goes on without, and a warning, are no cause
        "Missing environment variable LIBFOOROOT, using the bundled copy",
        "You must set FOO_HOME to enable the optional foo backend",
        "warning: FOO_DIR points to /opt/foo, which does not exist",
        # CMake's warning the build survives, and a location the script goes on without
        "CMake Warning at CMakeLists.txt:9 (message):\n  QUX_SDK_PATH is not set",
        "Qux not found; specify its location in the environment variable QUX_HOME"
        " or the build goes on without qux support",
    ],
)
def test_a_search_path_or_another_variable_is_not_a_kits_home(rules: RuleSet, line: str) -> None:
    assert diagnose(line + "\n", rules).rule != "toolchain/sdk-home-missing"


@pytest.mark.parametrize(
    ("line", "numpy2"),
    [
        ("foo.pyx:3:9: 'int_t' is not a type identifier", True),
        ("pkg/m.pyx:7:30: cimported module has no attribute 'PyArray_FromDims'", True),
        # a name NumPy 2 still declares, or another module's: not NumPy 2's removal
        ("foo.pyx:3:9: 'DTYPE_t' is not a type identifier", False),
        ("foo.pyx:3:9: 'intp_t' is not a type identifier", False),
        ("pkg/m.pyx:7:30: cimported module has no attribute 'foo_free'", False),
    ],
)
def test_a_name_numpy2s_pxd_no_longer_declares(rules: RuleSet, line: str, numpy2: bool) -> None:
    got = diagnose(line + "\n", rules)
    assert (got.rule == "requirements/numpy2-removed-name") is numpy2
    if numpy2:
        assert got.subject == "numpy"


@pytest.mark.parametrize("mode", ["U", "rU", "rbU"])
def test_open_mode_u_is_named_as_the_removed_feature(rules: RuleSet, mode: str) -> None:
    got = diagnose(f"ValueError: invalid mode: '{mode}'\n", rules)
    assert (got.rule, got.subject) == ("python/stdlib-api-removed", "open() mode 'U'")


def test_missing_header_maps_known_headers_to_packages(rules: RuleSet) -> None:
    got = diagnose("x.c:3:10: fatal error: zlib.h: No such file or directory\n", rules)
    assert {p.distro: p.packages for p in got.system_packages}["debian"] == ("zlib1g-dev",)


def test_a_hundred_thousand_lines_of_noise_hide_nothing(rules: RuleSet) -> None:
    # how fast this is is measured side by side in benchmarks/bench_diagnose.py, not here
    noise = "\n".join(
        f"      gcc -O2 -Wall -fPIC -c src/m{n}.c -o build/temp/m{n}.o" for n in range(100_000)
    )
    text = noise + "\n      src/m.c:1:10: fatal error: ffi.h: No such file or directory\n"
    got = diagnose(text, rules)
    assert got.rule == "sysdep/libffi"
    assert got.first_error is not None and got.first_error.line == 100_001


@pytest.mark.parametrize(
    ("text", "category", "subject"),
    [
        # a build system's own words for a missing library, none of them in a kept log
        (
            "CMake Error at CMakeLists.txt:8 (message):\n  Unable to find libfoo.  Set FOO_DIR\n",
            "sysdep-missing",
            "libfoo",
        ),
        (
            "Makefile:7: *** foo is not installed. Please install it.  Stop.\n",
            "sysdep-missing",
            "foo",
        ),
        (
            "meson.build:9:4: ERROR: C++ header 'foo/bar.hpp' not found\n",
            "sysdep-missing",
            "foo/bar.hpp",
        ),
        (
            "configure: error: the foo library is required to build this package\n",
            "sysdep-missing",
            "foo",
        ),
        (
            "thread 'main' panicked at build.rs:4:9:\nUnable to locate libfoo, set FOO_DIR\n",
            "sysdep-missing",
            "libfoo",
        ),
        # a fallback the build then takes, and warnings: not the cause
        (
            "CMake Error at CMakeLists.txt:9 (message):\n"
            "  libfoo was not found, using the bundled copy\n",
            "unknown",
            "",
        ),
        (
            "CMake Warning at CMakeLists.txt:9 (message):\n"
            "  libfoo was not found.  Building without it.\n",
            "unknown",
            "",
        ),
        ("Makefile:12: libfoo not found, building without it\n", "unknown", ""),
        (
            "../meson.build:5:2: ERROR: Problem encountered: "
            "libfoo not found, building without it\n",
            "unknown",
            "",
        ),
        (
            "../meson.build:5:2: WARNING: libfoo not found. Install it for the foo backend\n",
            "unknown",
            "",
        ),
        (
            "Makefile:4: *** libfoo not found, falling back to the bundled copy.  Stop.\n",
            "unknown",
            "",
        ),
        ("configure: error: libfoo was not found, building without it\n", "unknown", ""),
        (
            "configure: WARNING: libfoo is required for the foo module; disabling it\n",
            "unknown",
            "",
        ),
        (
            "thread 'main' panicked at build.rs:4:9:\n"
            "libfoo not found, falling back to the vendored copy\n",
            "unknown",
            "",
        ),
        ("warning: foo-sys@0.1.0: libfoo was not found, using the vendored copy\n", "unknown", ""),
    ],
)
def test_build_system_messages_for_a_missing_library(
    rules: RuleSet, text: str, category: str, subject: str
) -> None:
    got = diagnose(text, rules)
    assert (got.category, got.subject or "") == (category, subject)


@pytest.mark.parametrize(
    ("text", "rule", "subject"),
    [
        # names a release removed, as the lists derived from the interpreters hold them
        (
            "ModuleNotFoundError: No module named 'symbol'\n",
            "python/stdlib-module-removed",
            "symbol",
        ),
        (
            "ModuleNotFoundError: No module named '_bootlocale'\n",
            "python/stdlib-module-removed",
            "_bootlocale",
        ),
        (
            "AttributeError: module 'distutils.spawn' has no attribute '_spawn_posix'\n",
            "python/stdlib-api-removed",
            "_spawn_posix",
        ),
        (
            "x.c:7:34: error: 'struct _frame' has no member named 'f_lineno'\n",
            "python/c-api-struct-member",
            "f_lineno",
        ),
        (
            "x.c:6:5: error: unknown type name 'PyTryBlock'\n",
            "python/c-api-removed-function",
            "PyTryBlock",
        ),
        (
            "x.c:2:10: fatal error: pytime.h: No such file or directory\n",
            "python/cpython-internal-header",
            "pytime.h",
        ),
        # a module the package itself should provide is no removal
        ("ModuleNotFoundError: No module named 'parser_utils'\n", None, None),
        ("ModuleNotFoundError: No module named 'mypkg.parser'\n", None, None),
        # a name no Python removed: setuptools' copy of distutils lacks it
        (
            "AttributeError: module 'distutils.util' has no attribute 'run_2to3'\n",
            "requirements/setuptools-missing-attribute",
            "setuptools",
        ),
        # a struct tag, a type and a header that are not CPython's
        ("x.c:7:34: error: 'struct _foo' has no member named 'bar'\n", "compile/c-error", None),
        ("x.c:6:5: error: unknown type name 'foo_t'\n", "compile/c-error", None),
        (
            "x.c:2:10: fatal error: node.h: No such file or directory\n",
            "sysdep/missing-header",
            None,
        ),
    ],
)
def test_names_a_python_release_removed(
    rules: RuleSet, text: str, rule: str | None, subject: str | None
) -> None:
    got = diagnose(text, rules)
    if rule is None or rule.startswith("python/"):
        assert (got.rule, got.subject) == (rule, subject)
    else:
        assert got.rule == rule
        assert subject is None or got.subject == subject


@pytest.mark.parametrize(
    ("text", "rule", "subject"),
    [
        # the older pkg-config's own answer under CMake's FindPkgConfig and autoconf
        (
            "-- Checking for module 'libfoo'\n--   No package 'libfoo' found\n",
            "sysdep/pkg-config-package",
            "libfoo",
        ),
        ("configure: error: No package 'libfoo' found\n", "sysdep/pkg-config-package", "libfoo"),
        # a failed CMake or autoconf check, then the project's own stop in any words
        (
            "-- Looking for foo_init in foo - not found\n"
            "CMake Error at CMakeLists.txt:9 (message):\n  Cannot build the extension.\n",
            "sysdep/cmake-optional-package-then-error",
            "foo",
        ),
        (
            "-- Looking for foo/foo.h - not found\n"
            "CMake Error at CMakeLists.txt:9 (message):\n  Cannot build the extension.\n",
            "sysdep/cmake-optional-package-then-error",
            "foo/foo.h",
        ),
        (
            "checking for foo_init in -lfoo... no\nconfigure: error: cannot build the extension\n",
            "sysdep/missing-fallback",
            "foo",
        ),
        (
            "checking for foo/foo.h... no\nconfigure: error: cannot build the extension\n",
            "sysdep/missing-header",
            "foo/foo.h",
        ),
        # a fallback the script then takes, a warning, an error about something else: not the cause
        (
            "checking for foo_init in -lfoo... no\n"
            "configure: error: libfoo not found, using the bundled copy\n",
            "",
            "",
        ),
        (
            "checking for foo_init in -lfoo... no\n"
            "configure: WARNING: libfoo not found, building without it\n",
            "",
            "",
        ),
        (
            "checking for foo/foo.h... no\n"
            "configure: WARNING: foo/foo.h missing, building without it\n",
            "",
            "",
        ),
        (
            "-- Looking for foo_init in foo - not found\n"
            "-- libfoo not found, using the bundled copy\n",
            "",
            "",
        ),
        (
            "-- Looking for foo_init in foo - not found\n"
            "CMake Warning at CMakeLists.txt:9 (message):\n"
            "  libfoo not found, building without it\n",
            "",
            "",
        ),
        (
            "-- Looking for foo_init in foo - not found\n-- Found Bar\n-- Found Baz\n-- Found Qux\n"
            "CMake Error at CMakeLists.txt:40 (message):\n  Something else went wrong.\n",
            "",
            "",
        ),
    ],
)
def test_a_failed_build_system_check_then_a_stop_in_the_projects_words(
    rules: RuleSet, text: str, rule: str, subject: str
) -> None:
    got = diagnose(text, rules)
    assert (got.rule or "", got.subject or "") == (rule, subject)


@pytest.mark.parametrize(
    ("line", "rule", "subject"),
    [
        ("make: clang-19: No such file or directory", "toolchain/c-compiler", "clang-19"),
        ("make[2]: /usr/bin/gcc-15: No such file or directory", "toolchain/c-compiler", "gcc-15"),
        ("make: g++-14: No such file or directory", "toolchain/cxx-compiler", "g++-14"),
        # make naming a file it cannot find, or a program that is not a compiler: not a compiler
        ("make: foo.c: No such file or directory", None, None),
        ("make: ccache: No such file or directory", None, None),
        ("make: gcc-15: No such file or directory, using cc instead", None, None),
    ],
)
def test_make_running_a_compiler_that_is_not_there(
    rules: RuleSet, line: str, rule: str | None, subject: str | None
) -> None:
    got = diagnose(line + "\n", rules)
    if rule is None:
        assert got.rule not in {"toolchain/c-compiler", "toolchain/cxx-compiler"}
    else:
        assert (got.rule, got.subject) == (rule, subject)


@pytest.mark.parametrize(
    ("line", "rule", "subject"),
    [
        (
            "error occurred: Failed to find tool. Is `gcc-15` installed?",
            "toolchain/c-compiler",
            "gcc-15",
        ),
        ("error occurred: Failed to find tool. Is `cc` installed?", "toolchain/c-compiler", "cc"),
        (
            "error occurred: Failed to find tool. Is `g++` installed?",
            "toolchain/cxx-compiler",
            "g++",
        ),
        # the cc crate's warning while it guesses the compiler family, and a tool that is no
        # compiler: not a missing compiler
        (
            "cargo:warning=Compiler family detection failed due to error: ToolNotFound: "
            "Failed to find tool. Is `gcc-15` installed?",
            None,
            None,
        ),
        ("error occurred: Failed to find tool. Is `nasm` installed?", None, None),
    ],
)
def test_the_cc_crate_not_finding_its_compiler(
    rules: RuleSet, line: str, rule: str | None, subject: str | None
) -> None:
    got = diagnose(line + "\n", rules)
    if rule is None:
        assert got.rule not in {"toolchain/c-compiler", "toolchain/cxx-compiler"}
    else:
        assert (got.rule, got.subject) == (rule, subject)


def test_numpy_distutils_fortran_warning_alone_is_no_cause(rules: RuleSet) -> None:
    warning = "WARN: don't know how to compile Fortran code on platform 'posix'\n"
    # the warning, then the build going on and failing elsewhere: not a missing Fortran compiler
    then_other = (
        warning + "INFO: building 'pkg._speedups' extension\nsrc/a.c:5:13: error: expected ';'\n"
    )
    assert diagnose(then_other, rules).rule != "toolchain/fortran"
    # the warning, then numpy.distutils' own error for a Fortran extension: the error is the
    # first error line (the question the blind readings settled, docs/reference/rules.md)
    then_fortran = (
        warning + "error: extension 'pkg._dot' has Fortran sources but no Fortran compiler found\n"
    )
    got = diagnose(then_fortran, rules)
    assert (got.rule, got.first_error.line if got.first_error else None) == ("toolchain/fortran", 2)


@pytest.mark.parametrize(
    ("line", "meson"),
    [
        ("meson-python: error: Could not find meson version 0.64.0 or newer, found 0.61.2.", True),
        ("ERROR: Meson version is 0.61.2 but project requires >= 1.1", True),
        # meson-python not finding meson at all is a missing tool, not an old one
        ('meson-python: error: meson executable "meson" not found', False),
    ],
)
def test_meson_older_than_meson_python_or_the_project_accepts(
    rules: RuleSet, line: str, meson: bool
) -> None:
    got = diagnose(line + "\n", rules)
    assert (got.rule == "requirements/meson-too-old") is meson
    if meson:
        assert got.subject == "meson"


@pytest.mark.parametrize(
    ("line", "subject"),
    [
        ("RuntimeError: Please install the proto buffer compiler.", "protoc"),
        ("RuntimeError: Please install the proto buffers compiler.", "protoc"),
        # advice with a fallback the script then takes: no missing program
        (
            "Please install the proto buffers compiler for faster builds; using the bundled files",
            None,
        ),
    ],
)
def test_the_proto_buffer_compiler_is_protoc(
    rules: RuleSet, line: str, subject: str | None
) -> None:
    got = diagnose(line + "\n", rules)
    if subject is None:
        assert got.rule != "toolchain/program-missing-fallback"
    else:
        assert (got.rule, got.subject) == ("toolchain/program-missing-fallback", subject)


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        (
            "CMake Error at CMakeLists.txt:9 (add_subdirectory):\n"
            '  add_subdirectory given source "extern/pybind11" which is not an existing\n'
            "  directory.\n",
            "pybind11",
        ),
        (
            "CMake Error at CMakeLists.txt:22 (add_library):\n  Cannot find source file:\n\n"
            "    src/vendor/sqlite3.c\n\n  Tried extensions .c .C .c++ .cc .cpp .cxx\n",
            "sqlite3.c",
        ),
        (
            "CMake Error at /tmp/x/pybind11Tools.cmake:208 (add_library):\n"
            "  Cannot find source file:\n\n    src/_bindings.cpp\n",
            "_bindings.cpp",
        ),
        (
            "CMake Error at CMakeLists.txt:3 (include):\n"
            "  include could not find requested file:\n\n    cmake/CompilerWarnings.cmake\n",
            "CompilerWarnings.cmake",
        ),
        (
            "CMake Error: File /tmp/src/foo/src/config.h.in does not exist.\n"
            "CMake Error at CMakeLists.txt:5 (configure_file):\n"
            "  configure_file Problem configuring file\n",
            "config.h.in",
        ),
        # the same headings over other messages: a warning, the project's own check, an
        # add_subdirectory of a directory that is there, a module only a newer CMake ships
        (
            "CMake Warning (dev) at CMakeLists.txt:9 (add_subdirectory):\n"
            '  add_subdirectory given source "extern/pybind11" which is not an existing\n'
            "  directory.\n",
            None,
        ),
        (
            "CMake Error at CMakeLists.txt:7 (message):\n"
            "  Cannot find source file:\n\n    src/vendor/sqlite3.c\n",
            None,
        ),
        (
            "CMake Error at CMakeLists.txt:9 (add_subdirectory):\n"
            "  add_subdirectory not given a binary directory but the given source directory\n"
            '  "/tmp/x/lib" is not a subdirectory of "/tmp/src".  When specifying an\n'
            "  out-of-tree source a binary directory must be explicitly specified.\n",
            None,
        ),
        (
            "CMake Error at CMakeLists.txt:3 (include):\n"
            "  include could not find requested file:\n\n    CheckLinkerFlag\n",
            None,
        ),
        (
            "CMake Error at CMakeLists.txt:3 (include):\n"
            "  include could not find load file:\n\n    FetchContent\n",
            None,
        ),
        # a wrapper the build should have generated, in its build directory
        (
            "CMake Error at CMakeLists.txt:12 (add_library):\n  Cannot find source file:\n\n"
            "    /tmp/src/foo/cmake-build/foo_wrap.c\n",
            None,
        ),
    ],
)
def test_cmake_naming_a_file_the_sources_lack(
    rules: RuleSet, text: str, subject: str | None
) -> None:
    got = diagnose(text, rules)
    if subject is None:
        assert got.rule != "package/source-file-missing"
    else:
        # the heading's line, but add_subdirectory's and include()'s message under it (the
        # settled questions in docs/reference/rules.md)
        line = 2 if "(add_subdirectory):" in text or "(include):" in text else 1
        assert (got.rule, got.subject, got.first_error.line) == (
            "package/source-file-missing",
            subject,
            line,
        )


_OLD_LICENSE_TABLES = "\n\n    - keys:\n        'file': {type: string}\n      required: ['file']\n"
_SPDX_FIRST = "\n\n    - {type: string, format: 'SPDX'}\n    - type: table\n      keys:\n"


@pytest.mark.parametrize(
    ("text", "too_old"),
    [
        # setuptools before 77 on a license expression: its old tables alone under the verdict
        (
            "configuration error: `project.license` must be valid exactly by one definition"
            " (2 matches found):" + _OLD_LICENSE_TABLES,
            True,
        ),
        # setuptools 77 and later, which list the SPDX string first: an invalid expression
        # or a table with both keys is the project's own mistake, not setuptools' age
        (
            "configuration error: `project.license` must be valid exactly by one definition"
            " (0 matches found):" + _SPDX_FIRST,
            False,
        ),
        (
            "configuration error: `project.license` must be valid exactly by one definition"
            " (2 matches found):" + _SPDX_FIRST,
            False,
        ),
        # the same two under the exception whose message they are, its first line above them
        (
            "ValueError: invalid pyproject.toml config: `project.license`.\n"
            "configuration error: `project.license` must be valid exactly by one definition"
            " (2 matches found):" + _OLD_LICENSE_TABLES,
            True,
        ),
        (
            "ValueError: invalid pyproject.toml config: `project.license`.\n"
            "configuration error: `project.license` must be valid exactly by one definition"
            " (2 matches found):" + _SPDX_FIRST,
            False,
        ),
        # setuptools before 61 built UNKNOWN-0.0.0: pip discards it, uv finds no Name
        (
            "WARNING: Generating metadata for package foo produced metadata for project name"
            " unknown. Fix your #egg=foo fragments.\n",
            True,
        ),
        (
            "Discarding file:///tmp/foo-1.0.tar.gz: Requested unknown from file:///tmp/foo-1.0.tar.gz"
            " has inconsistent name: expected 'foo', but metadata has 'unknown'\n",
            True,
        ),
        (
            "error: Failed to build `foo @ file:///tmp/foo-1.0.tar.gz`\n"
            "  cause: Failed to parse metadata from built wheel\n"
            "  cause: Metadata field Name not found\n",
            True,
        ),
        # another name: an #egg= fragment or a requirement naming the wrong project
        (
            "WARNING: Generating metadata for package foo produced metadata for project name"
            " foo-bar. Fix your #egg=foo fragments.\n",
            False,
        ),
        (
            "Discarding https://x/foo-1.0.tar.gz: Requested foo-bar from https://x/foo-1.0.tar.gz"
            " has inconsistent name: expected 'foo-bar', but metadata has 'foo'\n",
            False,
        ),
        # a Name missing from metadata uv did not build, or another field missing
        (
            "error: Failed to read metadata from `/tmp/foo-1.0-py3-none-any.whl`\n"
            "  cause: Metadata field Name not found\n",
            False,
        ),
        (
            "  cause: Failed to parse metadata from built wheel\n"
            "  cause: Metadata field Version not found\n",
            False,
        ),
        # setuptools before 40.8 running a setup.py the sdist does not have; not the
        # project's own script opening one
        (
            '  File "/tmp/env/site-packages/setuptools/build_meta.py", line 82, in _run_setup\n'
            "    f = getattr(tokenize, 'open', open)(__file__)\n"
            '  File "/opt/python/3.8.18/lib/python3.8/tokenize.py", line 392, in open\n'
            "    buffer = _builtin_open(filename, 'rb')\n"
            "FileNotFoundError: [Errno 2] No such file or directory: 'setup.py'\n",
            True,
        ),
        (
            '  File "/tmp/src/foo/tools/gen.py", line 3, in <module>\n'
            "    open('setup.py')\n"
            "FileNotFoundError: [Errno 2] No such file or directory: 'setup.py'\n",
            False,
        ),
        # setuptools.errors only ever gained names (its distutils error aliases came with 59):
        # one missing there is a setuptools too old; a name missing from another setuptools
        # module is one it removed
        (
            "ImportError: cannot import name 'PlatformError' from 'setuptools.errors' "
            "(/tmp/env/lib/python3.9/site-packages/setuptools/errors.py)\n",
            True,
        ),
        (
            "ImportError: cannot import name 'test' from 'setuptools.command.test' "
            "(/tmp/env/lib/python3.12/site-packages/setuptools/command/test.py)\n",
            False,
        ),
    ],
)
def test_a_setuptools_too_old_for_what_the_project_declares(
    rules: RuleSet, text: str, too_old: bool
) -> None:
    got = diagnose(text, rules)
    assert (got.rule == "requirements/setuptools-too-old") is too_old
    if too_old:
        assert got.subject == "setuptools"


@pytest.mark.parametrize(
    "text",
    [
        # a script that goes on without the download, with a bundled copy
        "-- Could not resolve host: github.com, using the bundled copy of zlib\n",
        "warning: Could not resolve host: github.com; falling back to the vendored sources\n",
        # a URL in a compiler's warning, and in a warning about a download
        "src/fetch.c:12:5: warning: 'CURLOPT_PROTOCOLS' is deprecated "
        "[-Wdeprecated-declarations] (see https://curl.se/libcurl/c/CURLOPT_PROTOCOLS.html)\n",
        'src/dl.c:3:2: warning: #warning "download https://example.org/foo.tar.gz by hand"\n',
        # not wget's resolver, and CMake's status under a warning the project builds on after
        "Resolving dependencies (pass 2)... failed: conflict\n",
        "CMake Warning at CMakeLists.txt:9 (message):\n"
        '  Download of foo failed: 6;"Couldn\'t resolve host name", using the bundled copy\n',
        # npm's error block for a package that does not exist, not a network failure
        "npm error code E404\nnpm error 404 Not Found - GET https://registry.npmjs.org/nope "
        "- Not found\n",
        # httpx refused, not a resolver failure
        "httpx.ConnectError: [Errno 111] Connection refused\n",
    ],
)
def test_lines_that_are_not_a_failed_download_of_the_build(rules: RuleSet, text: str) -> None:
    assert diagnose(text, rules).rule != "network/build-download-failed"


@pytest.mark.parametrize(
    ("text", "subject", "line"),
    [
        # npm 6 to 9 word the same block "npm ERR!", the request line "network request to"
        (
            "npm ERR! code ENOTFOUND\nnpm ERR! syscall getaddrinfo\nnpm ERR! errno ENOTFOUND\n"
            "npm ERR! network request to https://registry.npmjs.org/foo failed, reason: "
            "getaddrinfo ENOTFOUND registry.npmjs.org\n",
            "registry.npmjs.org",
            1,
        ),
        # wget in the C locale, with -nv (no "Resolving …" line)
        (
            "wget: unable to resolve host address 'downloads.example.org'\n",
            "downloads.example.org",
            1,
        ),
        # urllib3 1's chain after socket.gaierror: only the pool names the host
        (
            "socket.gaierror: [Errno -2] Name or service not known\n\n"
            "urllib3.exceptions.NewConnectionError: <urllib3.connection.HTTPSConnection object "
            "at 0x7f0>: Failed to establish a new connection: [Errno -2] Name or service not "
            "known\nrequests.exceptions.ConnectionError: HTTPSConnectionPool(host='example.org', "
            "port=443): Max retries exceeded with url: /foo.tar.gz\n",
            "example.org",
            1,
        ),
        # a newer curl's words in CMake's status list (the message under the heading is the
        # first error line, as the blind readings settled)
        (
            "CMake Error at cmake/deps.cmake:40 (message):\n"
            '  Failed to fetch foo: 6;"Could not resolve hostname"\n',
            "",
            2,
        ),
    ],
)
def test_failed_downloads_of_the_build_in_unseen_words(
    rules: RuleSet, text: str, subject: str, line: int
) -> None:
    got = diagnose(text, rules)
    assert (got.rule, got.subject or "", got.first_error.line) == (
        "network/build-download-failed",
        subject,
        line,
    )


@pytest.mark.parametrize(
    ("line", "installer"),
    [
        (
            "Command '['/tmp/venv/bin/python', '-m', 'pip', '--python', "
            "'/tmp/build-env-x1/bin/python', 'install', '-r', '/tmp/r.txt']' returned non-zero "
            "exit status 1.",
            True,
        ),
        (
            "Command '['/usr/bin/uv', 'pip', 'install', '--python', "
            "'/tmp/build-env-x1/bin/python', 'setuptools']' returned non-zero exit status 2.",
            True,
        ),
        # a build script's own install step is not pypa/build installing its requirements,
        # nor is its own pip run (pypa/build's environment is a build-env- directory)
        ("Command '['npm', 'install']' returned non-zero exit status 1.", False),
        (
            "Command '['/tmp/venv/bin/python', '-m', 'pip', 'install', '--user', 'numpy']' "
            "returned non-zero exit status 1.",
            False,
        ),
        ("Command '['make', 'install']' returned non-zero exit status 2.", False),
    ],
)
def test_only_the_installers_command_is_pypa_builds_install_step(
    rules: RuleSet, line: str, installer: bool
) -> None:
    got = diagnose(f"subprocess.CalledProcessError: {line}\n", rules)
    assert ("build/isolated-env-install-failed" in got.envelope) is installer


@pytest.mark.parametrize(
    ("exception", "newer"),
    [
        ("AttributeError: 'str' object has no attribute 'removesuffix'", True),
        ("AttributeError: 'bytes' object has no attribute 'removeprefix'", True),
        ("TypeError: unsupported operand type(s) for |: 'dict' and 'dict'", True),
        ("ModuleNotFoundError: No module named 'tomllib'", True),
        # a name no Python release gave str: the script's own mistake
        ("AttributeError: 'str' object has no attribute 'decode'", False),
    ],
)
def test_a_setup_script_using_what_a_later_python_brought(
    rules: RuleSet, exception: str, newer: bool
) -> None:
    log = f'  File "<string>", line 112, in _build_readme\n{exception}\n'
    got = diagnose(log, rules)
    assert (got.rule == "python/requires-python") is newer
    # the same exception in a build requirement's code is not the release's Python
    frame = '  File "/tmp/env/lib/python3.8/site-packages/foo/bar.py", line 3, in f\n'
    assert diagnose(f"{frame}{exception}\n", rules).rule != "python/requires-python"


@pytest.mark.parametrize(
    ("line", "subject"),
    [
        (
            "AttributeError: module 'packaging.version' has no attribute 'LegacyVersion'",
            "packaging",
        ),
        (
            "ImportError: cannot import name 'get_abi_tag' from 'wheel.bdist_wheel' "
            "(/tmp/pip-build-env-XXXXXXXX/overlay/lib/python3.12/site-packages/wheel/bdist_wheel.py)",
            "wheel",
        ),
        ("ModuleNotFoundError: No module named 'skbuild.platform_specifics.foo'", "scikit-build"),
        ("ModuleNotFoundError: No module named 'sipbuild.legacy'", "sip"),
        # the script goes on without it, the build requirement is missing altogether, a submodule
        # the script never imported, or a module of no build requirement: not a removal
        (
            "ImportError: cannot import name 'version' from 'setuptools_scm' (…), "
            "using the bundled copy",
            None,
        ),
        ("ModuleNotFoundError: No module named 'wheel'", None),
        ("AttributeError: module 'packaging' has no attribute 'version'", None),
        ("ModuleNotFoundError: No module named 'foo.bar'", None),
    ],
)
def test_a_name_a_build_requirement_removed(rules: RuleSet, line: str, subject: str | None) -> None:
    got = diagnose(line + "\n", rules)
    assert (got.rule == "requirements/build-requirement-api-removed") is (subject is not None)
    if subject is not None:
        assert got.subject == subject


@pytest.mark.parametrize(
    ("announcement", "consequence"),
    [
        (
            "Cython not found, using the pre-generated C files",
            "gcc: error: foo/_bar.c: No such file or directory",
        ),
        (
            "WARNING: numpy is not available",
            "cc1: fatal error: src/_ext.c: No such file or directory",
        ),
        (
            "Note: could not import cython; building from the shipped sources",
            "NameError: name 'HAVE_CYTHON' is not defined",
        ),
        (
            "*** Cython was not found, the C sources are used",
            "cc1plus: fatal error: foo/core.cpp: No such file or directory",
        ),
    ],
)
def test_a_fallback_announcement_is_the_cause_of_its_consequence(
    rules: RuleSet, announcement: str, consequence: str
) -> None:
    got = diagnose(f"{announcement}\nrunning build_ext\n{consequence}\n", rules)
    assert got.rule == "import/fallback-then-failed"
    assert got.first_error is not None and got.first_error.line == 1


@pytest.mark.parametrize(
    ("announcement", "later"),
    [
        # the fallback taken and the build failing for a cause of its own: that cause wins
        (
            "Cython not found, using the bundled C sources",
            "foo/_bar.c:12:10: fatal error: libfoo.h: No such file or directory",
        ),
        (
            "WARNING: Cython not installed, building without it",
            "foo/_bar.c:40:5: error: unknown type name 'foo_t'",
        ),
        (
            "numpy not found, skipping the extension",
            "error: command 'gcc' failed: No such file or directory",
        ),
        # a warning alone is no failure
        ("warning: Cython is not installed", "running build_py"),
    ],
)
def test_a_fallback_the_build_survives_or_that_is_not_the_cause(
    rules: RuleSet, announcement: str, later: str
) -> None:
    got = diagnose(f"{announcement}\nrunning build_ext\n{later}\n", rules)
    assert got.rule != "import/fallback-then-failed"
