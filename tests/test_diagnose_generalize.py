"""The knowledge base generalizes: every pattern is backed by a real log, and no
rule keys on the name of the package being built.

1. Every pattern of every shipped rule matches a line of at least one log under
   ``tests/logs/``. Patterns that cannot be produced on Linux are allowed by an
   explicit list; older patterns still waiting for a real log are listed too, and
   that list may only shrink (a test fails when one of them gains a log).
2. Renaming the package in every log (every case variant of its name, and its
   ``-``/``_``/``.`` spellings) gives the same diagnosis category, except in a log
   whose expected file says ``renaming_changes_the_cause`` and whose first error line
   spells the name (a package named after the platform header it wraps).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name, parse_sdist_filename

from _readings import EXPECTED, LOGS, log_of, log_text, read
from wheelmill.diagnose import RuleSet, default_rules_dirs, diagnose, load_rules
from wheelmill.diagnose._logtext import LogText

#: Patterns for failures that cannot happen on this Linux machine (MSVC on Windows,
#: Apple's clang wording): (rule id, pattern) pairs.
UNPRODUCIBLE_HERE = {
    # wheelmill's own line after a cgroup v2 OOM kill; this machine's cgroups are v1
    ("resource/out-of-memory", r"^wheelmill: the build was killed: out of memory"),
    # MSVC (Windows only)
    ("compile/c-error",
     r"^(?P<subject>[^\s(]+\.(?:c|cc|cpp|cxx|h|hpp))\(\d+\): (?:fatal )?error C\d+: "),
    ("python/cpython-internal-header",
     r"Cannot open include file: '(?P<subject>longintrepr\.h|code\.h|eval\.h)"),
    ("sysdep/openssl", r"Cannot open include file: '(?P<subject>openssl/[\w./]+\.h)"),
    ("sysdep/python-headers", r"Cannot open include file: '(?P<subject>Python\.h)"),
    ("sysdep/openldap", r"Cannot open include file: '(?P<subject>lber\.h|ldap\.h)"),
    ("sysdep/missing-header", r"fatal error C1083: Cannot open include file: '(?P<subject>[^']+)"),
    ("sysdep/missing-library-linker",
     r"LINK : fatal error LNK1104: cannot open file '(?P<subject>[^']+)"),
    ("toolchain/msvc", r"Unable to find vcvarsall\.bat"),
    # clang's wording (no clang on the machine the logs are made on)
    ("python/cython-ob-digit", r"no member named '(?P<subject>ob_digit)' in 'struct _longobject"),
    ("python/cython-pylong-asbytearray", r"too few arguments to function call, expected 6, have 5"),
}  # fmt: skip

#: Patterns written before logs were kept for every pattern, still without one. Each
#: needs a real log (or removal); this list may only shrink.
AWAITING_A_LOG = frozenset((LOGS / "awaiting-a-log.txt").read_text("utf-8").splitlines())


@functools.cache
def _rules() -> RuleSet:
    """The shipped rules, loaded once for the module (diagnosing does not change them)."""
    return load_rules(*default_rules_dirs())


@pytest.fixture(scope="module")
def log_lines() -> list[list[str]]:
    return [LogText(log_text(p)).lines for p in sorted(LOGS.rglob("*.log"))]


def _key(rule_id: str, pattern: str) -> str:
    return f"{rule_id} {pattern}"


def _unmatched(log_lines: list[list[str]]) -> list[str]:
    missing = []
    for rule in _rules():
        for pattern in rule.patterns:
            if not any(pattern.regex.search(line) for lines in log_lines for line in lines):
                missing.append(_key(rule.id, pattern.regex.pattern))
    return missing


def test_every_pattern_is_matched_by_a_log(log_lines: list[list[str]]) -> None:
    allowed = {_key(rule, pattern) for rule, pattern in UNPRODUCIBLE_HERE} | AWAITING_A_LOG
    missing = [key for key in _unmatched(log_lines) if key not in allowed]
    assert not missing, "patterns no log matches:\n" + "\n".join(missing)


def test_allow_lists_only_shrink(log_lines: list[list[str]]) -> None:
    """An allowed pattern that a log now matches (or that is gone) must leave the list."""
    unmatched = set(_unmatched(log_lines))
    allowed = {_key(rule, pattern) for rule, pattern in UNPRODUCIBLE_HERE} | AWAITING_A_LOG
    stale = sorted(allowed - unmatched)
    assert not stale, "matched now or removed; drop from the allow-list:\n" + "\n".join(stale)
    assert len(UNPRODUCIBLE_HERE) <= 12


def _package(expected: dict[str, object]) -> str | None:
    """The name of the package built, from the recorded command (``name==version`` or an
    sdist); a shell comment after it (``# constraints.txt: setuptools==44.1.1``) is no part."""
    command = str(expected.get("command", "")).partition(" # ")[0]
    for word in reversed(command.split()):
        if "==" in word and not word.startswith("-"):
            return word.split("==")[0].split("[")[0]
        if word.endswith((".tar.gz", ".zip")):
            try:
                return str(parse_sdist_filename(Path(word).name)[0])
            except ValueError:
                return None
    return None


def _renamed(text: str, name: str) -> str:
    """``text`` with every spelling of ``name`` (any case, any of - _ . between parts)."""
    parts = re.split(r"[-_.]+", canonicalize_name(name))
    spelling = r"[-_.]".join(re.escape(part) for part in parts)
    return re.sub(rf"(?<![A-Za-z0-9]){spelling}(?![A-Za-z0-9])", "qqzzrenamed", text, flags=re.I)


#: Every expected file, parsed once for collection and the tests alike.
DATA = {p: read(p) for p in EXPECTED}
CASES = [(p, _package(data)) for p, data in DATA.items()]


@pytest.mark.parametrize(
    ("expected_file", "package"),
    [case for case in CASES if case[1]],
    ids=[str(p.relative_to(LOGS)) for p, name in CASES if name],
)
def test_renaming_the_package_keeps_the_diagnosis(expected_file: Path, package: str) -> None:
    rules = _rules()
    text = log_text(log_of(expected_file))
    renamed = _renamed(text, package)
    if renamed == text:
        pytest.skip(f"{package} does not appear in the log")
    data = DATA[expected_file]
    because = data.get("renaming_changes_the_cause")
    if because:
        # allowed only where the line that states the cause spells the package's name: a
        # package named after the platform header it wraps (asl, for macOS's asl.h)
        first = str(data["expected"]["first_error_text"])
        assert _renamed(first, package) != first, "the cause does not name the package"
        pytest.skip(f"renaming {package} changes the cause: {because}")
    assert diagnose(renamed, rules).category == diagnose(text, rules).category


def test_renaming_catches_every_spelling() -> None:
    text = "Building wheel for Foo_Bar.baz\nfoo-bar-baz-1.0.tar.gz\nFOO.BAR_BAZ\nfoobarbaz\n"
    assert _renamed(text, "foo-bar-baz") == (
        "Building wheel for qqzzrenamed\nqqzzrenamed-1.0.tar.gz\nqqzzrenamed\nfoobarbaz\n"
    )
