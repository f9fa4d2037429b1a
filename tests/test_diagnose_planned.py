"""The classifier's scan plan is kept in the per-user cache (``_planned``): a second
plan of the same literals reads it instead of grouping them again, and finds the same
lines; other literals are planned afresh; and a cache that is missing, damaged or
unwritable only costs the planning."""

from __future__ import annotations

import marshal
from collections.abc import Callable
from pathlib import Path

import pytest

from wheelmill._platform.dirs import CACHE_VARIABLE
from wheelmill.diagnose import (
    RuleSet,
    _planned,
    default_rules_dirs,
    diagnose,
    load_rules,
    parse_rules,
)
from wheelmill.diagnose._planned import Layout
from wheelmill.diagnose._scan import Plan

RULE = """\
[[rule]]
id = "team/missing"
title = "{subject} is missing"
category = "sysdep-missing"
patterns = ['could not find (?P<subject>\\w+)', '(?i)library (?P<subject>\\w+) GONE']
root_cause = "because"
"""

LOG = "x\ncould not find zlib\nLibrary png gone\n"


def entries(cache: Path) -> list[Path]:
    folder = cache / "plans"
    return sorted(folder.glob("*.marshal")) if folder.is_dir() else []


@pytest.fixture
def rules_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "team.toml").write_text(RULE, "utf-8")
    return folder


def count_plans(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    built: list[object] = []
    real = _planned.remembered_layout

    def counting(exact: set[str], folded: set[str], build: Callable[[], Layout]) -> Layout:
        def building() -> Layout:
            built.append(exact)
            return build()

        return real(exact, folded, building)

    monkeypatch.setattr("wheelmill.diagnose._scan.remembered_layout", counting)
    return built


def test_a_second_plan_reads_the_one_kept(
    rules_dir: Path, user_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = count_plans(monkeypatch)
    first = diagnose(LOG, load_rules(rules_dir))
    assert len(built) == 1
    assert len(entries(user_cache)) == 1
    again = diagnose(LOG, load_rules(rules_dir))
    assert len(built) == 1  # nothing planned again
    assert again == first
    assert (first.subject, first.first_error.line if first.first_error else 0) == ("zlib", 2)


def test_the_shipped_rules_plan_the_same_from_the_cache(user_cache: Path) -> None:
    load_rules(*default_rules_dirs())
    assert entries(user_cache)
    kept = load_rules(*default_rules_dirs()).plan  # from the cache
    fresh = Plan(load_rules(*default_rules_dirs()))  # built here, no cache
    assert kept is not None
    assert (kept.groups, kept.prefilter.sources) == (fresh.groups, fresh.prefilter.sources)


def test_a_rule_set_not_loaded_from_files_plans_when_first_used(user_cache: Path) -> None:
    rules = RuleSet(parse_rules(RULE, "team.toml"))
    assert rules.plan is None
    assert diagnose(LOG, rules).subject == "zlib"
    assert rules.plan is not None
    assert entries(user_cache) == []  # the classifier does no I/O


def test_other_literals_are_planned_afresh(
    rules_dir: Path, user_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    diagnose(LOG, load_rules(rules_dir))
    (rules_dir / "team.toml").write_text(RULE.replace("could not find", "cannot locate"))
    edited = diagnose("cannot locate zlib\n", load_rules(rules_dir))
    assert edited.subject == "zlib"
    assert len(entries(user_cache)) == 2


@pytest.mark.parametrize(
    "damage",
    [
        b"not marshal at all",
        marshal.dumps(["a list"]),
        marshal.dumps(({False: {}, True: {}}, (["could"], None))),  # two sources, not three
        marshal.dumps(({False: {"coul": [b"bytes"]}}, (["could"], None, False))),
        marshal.dumps(({False: {}}, (["could"], ["not bytes"], False))),
        marshal.dumps(({2: {}}, (["could"], None, False))),
    ],
    ids=["not-marshal", "a-list", "short-sources", "bytes-literal", "str-pass", "odd-key"],
)
def test_a_damaged_cache_only_costs_the_planning(
    rules_dir: Path, user_cache: Path, damage: bytes
) -> None:
    fresh = diagnose(LOG, load_rules(rules_dir))
    (entry,) = entries(user_cache)
    entry.write_bytes(damage)
    assert diagnose(LOG, load_rules(rules_dir)) == fresh
    groups, sources = marshal.loads(entry.read_bytes())  # written again, whole
    assert "could not find " in [
        lit for anchors in groups.values() for g in anchors.values() for lit in g
    ]
    assert len(sources) == 3


def test_no_cache_or_an_unwritable_one_changes_nothing(
    rules_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_VARIABLE, "")
    fresh = diagnose(LOG, load_rules(rules_dir))
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", "utf-8")
    monkeypatch.setenv(CACHE_VARIABLE, str(blocker))
    assert diagnose(LOG, load_rules(rules_dir)) == fresh
    assert blocker.read_text("utf-8") == "not a directory"


def test_the_key_holds_the_literals_and_the_code_that_plans(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    both = _planned._entry({"could not"}, {"gone"})
    assert _planned._entry({"could not"}, {"gone"}) == both
    assert _planned._entry({"could not"}, set()) != both
    assert _planned._entry({"gone"}, {"could not"}) != both  # which of them ignore case
    monkeypatch.setattr(_planned, "_CODE", ("_prefilter.py",))
    assert _planned._entry({"could not"}, {"gone"}) != both  # _scan.py's text is in the key
