"""Each pattern's prefilter literals are kept in the per-user cache (``_analysed``):
a second load gives the same rules without parsing the regexes again, an edited
rule file is analysed afresh, and a cache that is missing, damaged or unwritable
only costs the analysis."""

from __future__ import annotations

import marshal
from pathlib import Path

import pytest

from wheelmill._exceptions import RulesError
from wheelmill._platform.dirs import CACHE_VARIABLE
from wheelmill.diagnose import (
    RuleSet,
    _literal,
    default_rules_dirs,
    diagnose,
    load_rules,
)

RULE = """\
[lists]
tools = ["cmake", "ninja"]

[[rule]]
id = "team/missing"
title = "{subject} is missing"
category = "sysdep-missing"
patterns = [
  'could not find (?!(?:{{tools}})\\b)(?P<subject>\\w+)',
  '(?i)FOO (?P<subject>\\w+) gone',
]
root_cause = "because"
"""


def analyses(rules: RuleSet) -> list[tuple[str, tuple[str, ...] | None, bool]]:
    return [(p.source, p.literals, p.folded) for rule in rules for p in rule.patterns]


def entries(cache: Path) -> list[Path]:
    folder = cache / "rules"
    return sorted(folder.glob("*.marshal")) if folder.is_dir() else []


def count_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = _literal.regex_literals

    def counting(text: str) -> tuple[tuple[str, ...] | None, bool]:
        seen.append(text)
        return real(text)

    monkeypatch.setattr("wheelmill.diagnose._fields.regex_literals", counting)
    return seen


def test_a_second_load_reads_the_analysis_kept(
    tmp_path: Path, user_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "team.toml").write_text(RULE, "utf-8")
    parses = count_parses(monkeypatch)
    first = load_rules(tmp_path / "rules")
    assert len(parses) == 2
    assert len(entries(user_cache)) == 1
    again = load_rules(tmp_path / "rules")
    assert len(parses) == 2  # nothing parsed again
    assert analyses(again) == analyses(first)
    assert analyses(first)[1][1:] == ((" gone",), True)  # lower-cased: the pattern folds case
    assert diagnose("could not find zlib\n", again).subject == "zlib"
    assert diagnose("could not find cmake\n", again).rule is None


def test_the_shipped_rules_load_the_same_from_the_cache(user_cache: Path) -> None:
    fresh = load_rules(*default_rules_dirs())
    assert entries(user_cache)
    assert analyses(load_rules(*default_rules_dirs())) == analyses(fresh)


def test_an_edited_rule_file_is_analysed_afresh(tmp_path: Path, user_cache: Path) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "team.toml").write_text(RULE, "utf-8")
    load_rules(folder)
    (folder / "team.toml").write_text(RULE.replace("could not find", "cannot locate"), "utf-8")
    edited = load_rules(folder)
    assert edited["team/missing"].patterns[0].literals == ("cannot locate ",)
    assert diagnose("cannot locate zlib\n", edited).subject == "zlib"
    assert len(entries(user_cache)) == 2


@pytest.mark.parametrize(
    "damage",
    [
        b"not marshal at all",
        marshal.dumps(["a list"]),
        marshal.dumps({"could not find": ("no tuple", 1)}),
        marshal.dumps(({"could not find": ((b"bytes",), False)}, [])),
        marshal.dumps(({}, [({"rule": []}, [1]), ({"rule": []}, [1])])),  # two files, not one
        marshal.dumps(({}, [({"rule": []}, ["1"])])),
    ],
    ids=["not-marshal", "a-list", "not-an-analysis", "bytes-literals", "two-files", "str-line"],
)
def test_a_damaged_cache_only_costs_the_analysis(
    tmp_path: Path, user_cache: Path, damage: bytes
) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "team.toml").write_text(RULE, "utf-8")
    fresh = analyses(load_rules(folder))
    (entry,) = entries(user_cache)
    entry.write_bytes(damage)
    assert analyses(load_rules(folder)) == fresh
    analysed, documents = marshal.loads(entry.read_bytes())  # written again, whole
    assert sorted(analysed) == sorted(source for source, _, _ in fresh)
    assert documents[0][0]["rule"][0]["id"] == "team/missing"


def test_no_cache_or_an_unwritable_one_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "team.toml").write_text(RULE, "utf-8")
    monkeypatch.setenv(CACHE_VARIABLE, "")
    fresh = analyses(load_rules(folder))
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", "utf-8")
    monkeypatch.setenv(CACHE_VARIABLE, str(blocker))
    assert analyses(load_rules(folder)) == fresh
    assert blocker.read_text("utf-8") == "not a directory"


def test_a_date_and_the_rule_lines_read_the_same_from_the_cache(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    dated = RULE.replace(
        'root_cause = "because"', 'root_cause = "because"\nfirst_seen = 2019-06-01'
    )
    (folder / "team.toml").write_text("# a comment\n" + dated, "utf-8")
    fresh = load_rules(folder)["team/missing"]
    kept = load_rules(folder)["team/missing"]
    assert (kept.first_seen, kept.line) == (fresh.first_seen, fresh.line) == ("2019-06-01", 5)


def test_a_file_with_an_error_is_never_kept(tmp_path: Path, user_cache: Path) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "team.toml").write_text(RULE.replace('"because"', "2019-06-01"), "utf-8")
    for _ in range(2):  # reported again, from the file itself
        with pytest.raises(RulesError, match=r"team\.toml:\d+: rule 'team/missing': root_cause"):
            load_rules(folder)
    assert entries(user_cache) == []


def test_the_key_holds_the_code_that_reads_the_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    from wheelmill.diagnose import _analysed

    both = _analysed._entry(["[lists]\n"])
    monkeypatch.setattr(_analysed, "_CODE", ("_literal.py",))
    assert _analysed._entry(["[lists]\n"]) != both  # _document.py's text is in the key
    monkeypatch.setattr(_analysed, "_CODE", ("_literal.py", "_document.py"))
    assert _analysed._entry(["[lists]\n"]) == both


def test_a_lookbehind_is_compiled_when_first_loaded_not_again(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    text = RULE.replace(
        "'(?i)FOO (?P<subject>\\w+) gone'", "'(?<![\\w-])zlib is (?P<subject>\\w+)'"
    )
    (folder / "team.toml").write_text(text, "utf-8")
    first = load_rules(folder)["team/missing"].patterns[1]
    assert first.source.startswith("(?<!")
    assert "regex" in vars(first)  # compiled at load: only compiling checks a lookbehind
    again = load_rules(folder)["team/missing"].patterns[1]
    assert "regex" not in vars(again)  # the load that kept its analysis compiled it
    assert diagnose("zlib is gone\n", load_rules(folder)).subject == "gone"
