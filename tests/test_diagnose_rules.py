"""The rules loader: the shipped knowledge base is valid, and bad rule files fail clearly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from wheelmill._exceptions import ConfigError, RulesError
from wheelmill._requirement import parse_requirement
from wheelmill.diagnose import (
    CATEGORIES,
    RuleSet,
    default_rules_dirs,
    diagnose,
    load_rules,
    parse_rules,
)

GOOD = """\
[[rule]]
id = "team/first"
title = "first"
category = "network"
patterns = ['first (?P<subject>\\w+)']
root_cause = "because"
"""


@pytest.fixture(scope="module")
def shipped() -> RuleSet:
    return load_rules(*default_rules_dirs())


def write(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text, "utf-8")
    return path


# --- the shipped knowledge base ---------------------------------------------------------


def test_default_rules_dir_is_found() -> None:
    (directory,) = default_rules_dirs()
    # the checkout's config/rules, or the copy a wheel carries as wheelmill/diagnose/_rules
    assert directory.parts[-2:] in (("config", "rules"), ("diagnose", "_rules"))
    assert sorted(directory.glob("*.toml"))


def test_shipped_base_is_broad(shipped: RuleSet) -> None:
    causes = [rule for rule in shipped if not rule.envelope]
    assert len(shipped) >= 40
    assert len(causes) >= 40
    assert {rule.category for rule in causes} >= set(CATEGORIES) - {"unknown"}


def test_shipped_rules_are_complete(shipped: RuleSet) -> None:
    for rule in shipped:
        assert rule.workarounds, rule.id
        assert rule.first_seen, rule.id
        assert all(0 <= w.success_rate <= 1 for w in rule.workarounds)
        rates = [w.success_rate for w in rule.workarounds]
        assert rates == sorted(rates, reverse=True), rule.id
        assert all(url.startswith("https://") for url in rule.docs), rule.id
        if rule.envelope:
            assert rule.specificity < 10, rule.id
        else:
            assert rule.category != "unknown", rule.id
            assert rule.specificity >= 10, rule.id


def test_every_shipped_pattern_has_a_prefilter_literal(shipped: RuleSet) -> None:
    """Patterns without a literal are run on every line: too slow for big logs."""
    for rule in shipped:
        for pattern in (
            *rule.patterns,
            *rule.requires,
            *rule.excludes,
            *rule.subject_above,
            *rule.subject_below,
        ):
            assert pattern.literals, (rule.id, pattern.regex.pattern)


def test_seed_entries_carry_their_knowledge(shipped: RuleSet) -> None:
    backend = shipped["pip/pep-517-build-backend-requires"]
    assert backend.category == "backend-missing"
    assert backend.confidence == 0.88
    assert backend.first_seen == "2023-06-15"
    assert [w.success_rate for w in backend.workarounds][:2] == [0.95, 0.9]
    assert sorted(d.failure_rate for d in backend.dead_ends) == [0.7, 0.9, 1.0]
    assert "zh" in backend.translations
    assert {v.tool for v in backend.versions} >= {"pip", "setuptools"}
    envelope = shipped["pip/subprocess-exited-with-error"]
    assert envelope.envelope
    assert any("first concrete compiler" in w.text for w in envelope.workarounds)


def test_system_packages_name_real_distros(shipped: RuleSet) -> None:
    cairo = shipped["sysdep/cairo"]
    assert cairo.system_packages["debian"] == ("libcairo2-dev", "pkg-config")
    assert set(cairo.system_packages) == {"debian", "fedora", "alpine", "homebrew"}


def test_shipped_build_requirements_and_constraints_are_requirements(shipped: RuleSet) -> None:
    # a build runs with them added: one that does not parse would fail the build it fixes
    for rule in shipped.rules:
        for text in (*rule.build_requirements, *rule.build_constraints):
            filled = text.replace("{subject}", "foo")
            assert not isinstance(parse_requirement(filled), str), (rule.id, text)


# --- loading and overriding ---------------------------------------------------------------


def test_later_directories_override_rules_with_the_same_id(tmp_path: Path) -> None:
    write(tmp_path / "base", "a.toml", GOOD)
    write(tmp_path / "team", "z.toml", GOOD.replace('title = "first"', 'title = "team"'))
    rules = load_rules(tmp_path / "base", tmp_path / "team")
    assert len(rules) == 1
    assert rules["team/first"].title == "team"
    assert rules["team/first"].source.endswith("z.toml")


def test_enabled_false_switches_a_rule_off(tmp_path: Path) -> None:
    write(tmp_path / "base", "a.toml", GOOD)
    write(tmp_path / "team", "off.toml", '[[rule]]\nid = "team/first"\nenabled = false\n')
    rules = load_rules(tmp_path / "base", tmp_path / "team")
    assert "team/first" not in rules
    assert len(rules) == 0


def test_files_load_in_name_order(tmp_path: Path) -> None:
    write(tmp_path, "b.toml", GOOD.replace('title = "first"', 'title = "b"'))
    write(tmp_path, "a.toml", GOOD.replace('title = "first"', 'title = "a"'))
    assert load_rules(tmp_path)["team/first"].title == "b"


def test_full_rule_parses(tmp_path: Path) -> None:
    text = GOOD + (
        "specificity = 70\nconfidence = 0.8\nfirst_seen = 2024-05-01\n"
        'build_constraints = ["Cython<3"]\n'
        "[rule.system_packages]\ndebian = ['libfoo-dev']\n"
        "[rule.environment]\nFOO = '1'\n"
        "[[rule.workarounds]]\ntext = 'low'\nsuccess_rate = 0.2\n"
        "[[rule.workarounds]]\ntext = 'high'\nsuccess_rate = 0.9\n"
        "[[rule.dead_ends]]\ntext = 'no'\nfailure_rate = 1\nwhy = 'never'\n"
        "[[rule.versions]]\ntool = 'pip'\nversion = 22.0\nstatus = 'active'\n"
        "[rule.translations.de]\nroot_cause = 'weil'\nworkarounds = ['hoch']\n"
    )
    (rule,) = parse_rules(text, "mem.toml")
    assert rule.specificity == 70
    assert rule.first_seen == "2024-05-01"
    assert [w.text for w in rule.workarounds] == ["high", "low"]
    assert rule.dead_ends[0].why == "never"
    assert rule.versions[0].version == "22.0"
    assert rule.translations["de"].workarounds == ("hoch",)
    assert rule.environment == {"FOO": "1"}
    assert rule.system_packages == {"debian": ("libfoo-dev",)}
    assert rule.patterns[0].literals == ("first ",)


# --- errors name the file and the line ------------------------------------------------------


def error_for(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, "team.toml", text)
    with pytest.raises(RulesError) as info:
        load_rules(tmp_path)
    message = str(info.value)
    assert message.startswith(f"{path}:")
    return message


def line_of(message: str) -> int:
    found = re.match(r".*?\.toml:(\d+): ", message)
    assert found, message
    return int(found.group(1))


def test_bad_regex_names_its_line(tmp_path: Path) -> None:
    text = GOOD + GOOD.replace("team/first", "team/second").replace(
        "'first (?P<subject>\\w+)'", "'ok', '(?P<x>broken'"
    )
    message = error_for(tmp_path, text)
    assert line_of(message) == 11
    assert "team/second" in message
    assert "bad regex" in message


def test_a_lookbehind_only_compiling_refuses_fails_at_load(tmp_path: Path) -> None:
    # the parser accepts a variable-width lookbehind; only compiling it says no
    text = GOOD.replace("'first (?P<subject>\\w+)'", "'(?<=ab+)first'")
    message = error_for(tmp_path, text)
    assert "bad regex" in message
    assert "look-behind" in message


def test_patterns_are_compiled_when_first_needed() -> None:
    rules = RuleSet(
        parse_rules(
            GOOD + GOOD.replace("team/first", "team/second").replace("first (", "second ("),
            "team.toml",
        )
    )
    first, second = (rule.patterns[0] for rule in rules)
    assert "regex" not in vars(first)
    assert "regex" not in vars(second)
    found = diagnose("all fine\nfirst thing broke\n", rules)
    assert (found.rule, found.subject) == ("team/first", "thing")
    assert "regex" in vars(first)
    assert "regex" not in vars(second)  # its literal is in no line: never run


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    message = error_for(tmp_path, GOOD + "workaround = []\n")
    assert line_of(message) == 7
    assert "did you mean 'workarounds'" in message


def test_bad_category_is_listed(tmp_path: Path) -> None:
    message = error_for(tmp_path, GOOD.replace('"network"', '"networking"'))
    assert line_of(message) == 4
    assert "sysdep-missing" in message


def test_bad_rate_names_the_table_line(tmp_path: Path) -> None:
    text = GOOD + "[[rule.workarounds]]\ntext = 'x'\nsuccess_rate = 95\n"
    message = error_for(tmp_path, text)
    assert line_of(message) == 7
    assert "between 0 and 1" in message


def test_missing_required_key(tmp_path: Path) -> None:
    message = error_for(tmp_path, GOOD.replace('root_cause = "because"\n', ""))
    assert "missing required key 'root_cause'" in message
    assert line_of(message) == 2


def test_bad_id_and_unknown_distro(tmp_path: Path) -> None:
    assert "family/name" in error_for(tmp_path, GOOD.replace("team/first", "First"))
    message = error_for(tmp_path, GOOD + "[rule.system_packages]\nubuntu = ['x']\n")
    assert "unknown key 'system_packages.ubuntu'" in message


def test_duplicate_id_in_one_file(tmp_path: Path) -> None:
    message = error_for(tmp_path, GOOD + GOOD)
    assert "defined twice" in message
    assert line_of(message) == 7


def test_invalid_toml_and_unknown_top_level_key(tmp_path: Path) -> None:
    assert "not valid TOML" in error_for(tmp_path, "[[rule]\n")
    assert "unknown top-level key 'rules'" in error_for(tmp_path, "[[rules]]\nid = 'a/b'\n")
    assert "must be a table" in error_for(tmp_path, "rule = [1]\n")


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="no such rules directory"):
        load_rules(tmp_path / "nope")


def test_rules_error_is_a_config_error() -> None:
    assert issubclass(RulesError, ConfigError)
    assert RulesError("x").exit_code == 2
