"""Named lists: a ``[lists]`` table in any rule file, named by ``{{name}}`` in patterns."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from wheelmill import _toml
from wheelmill._exceptions import RulesError
from wheelmill.diagnose import default_rules_dirs, diagnose, load_rules, parse_rules

LISTS = """\
[lists]
tools = ["cmake", "g++", "pkg-config"]
"""

MISSING = """\
[[rule]]
id = "team/missing"
title = "{subject} is missing"
category = "sysdep-missing"
patterns = ['could not find (?!(?:{{tools}})(?![\\w+.-]))(?P<subject>[\\w+.-]+)']
root_cause = "because"
"""


def write(directory: Path, name: str, text: str) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text(text, "utf-8")


def error_for(directory: Path, *files: tuple[str, str]) -> str:
    for name, text in files:
        write(directory, name, text)
    with pytest.raises(RulesError) as caught:
        load_rules(directory)
    return str(caught.value)


def test_a_list_of_one_file_serves_the_patterns_of_another(tmp_path: Path) -> None:
    write(tmp_path, "lists.toml", LISTS)
    write(tmp_path, "a.toml", MISSING)  # loads first: every file's lists are read before
    rules = load_rules(tmp_path)
    assert diagnose("could not find cairo\n", rules).subject == "cairo"
    # the words are matched as written: g++ needs no escaping, and stays out
    for tool in ("cmake", "g++", "pkg-config"):
        assert diagnose(f"could not find {tool}\n", rules).rule is None
    # a longer word that starts with a listed one is not the listed word
    assert diagnose("could not find cmakelists\n", rules).subject == "cmakelists"


def test_a_file_may_use_its_own_lists() -> None:
    (rule,) = parse_rules(LISTS + "\n" + MISSING, "own.toml")
    assert "(?:cmake|g\\+\\+|pkg\\-config)" in rule.patterns[0].source
    (again,) = parse_rules(MISSING, "given.toml", {"tools": "(?:swig)"})
    assert "(?:swig)" in again.patterns[0].source


def test_a_later_folder_replaces_a_list_for_every_rule(tmp_path: Path) -> None:
    write(tmp_path / "base", "lists.toml", LISTS)
    write(tmp_path / "base", "rules.toml", MISSING)
    write(tmp_path / "team", "lists.toml", '[lists]\ntools = ["cmake", "cairo"]\n')
    rules = load_rules(tmp_path / "base", tmp_path / "team")
    assert diagnose("could not find cairo\n", rules).rule is None
    assert diagnose("could not find g++\n", rules).subject == "g++"


def test_a_pattern_naming_no_list_fails_at_its_line(tmp_path: Path) -> None:
    message = error_for(tmp_path, ("rules.toml", MISSING))
    assert message.startswith(f"{tmp_path / 'rules.toml'}:5: rule 'team/missing': ")
    assert "no list named 'tools' (lists: none)" in message
    message = error_for(tmp_path, ("lists.toml", '[lists]\ntool = ["cmake"]\n'))
    assert "no list named 'tools' (lists: tool)" in message


def test_a_bad_list_fails_at_its_line(tmp_path: Path) -> None:
    message = error_for(tmp_path, ("lists.toml", '[lists]\nfine = ["a"]\ntools = "cmake"\n'))
    assert message.startswith(f"{tmp_path / 'lists.toml'}:3: ")
    assert "lists.tools must be a list of non-empty strings" in message
    message = error_for(tmp_path, ("lists.toml", '[lists]\nBad-Name = ["a"]\n'))
    assert "list name 'Bad-Name' must be lower-case" in message
    assert "unknown top-level key 'list'" in error_for(tmp_path, ("lists.toml", "[list]\n"))


def test_the_shipped_rules_spell_each_list_once() -> None:
    (directory,) = default_rules_dirs()
    lists = _toml.loads((directory / "lists.toml").read_text("utf-8"))["lists"]
    programs = set(lists["programs"])
    spelled = "|".join(lists["build_tools"]).replace("+", "\\+")
    for path in sorted(directory.glob("*.toml")):
        if path.name == "lists.toml":
            continue
        rules = path.read_text("utf-8")
        assert spelled not in rules, f"{path.name} spells out the build_tools list"
        for lookahead in re.findall(r"\(\?!(?:lib\|)?\(\?:([^()]*)\)", rules):
            named = [w for w in lookahead.replace("\\+", "+").split("|") if w in programs]
            assert len(named) < 4, f"{path.name}: a lookahead spells out programs: {named}"
        # the fallback words: a lookahead that keeps out a bare "without" and another of
        # them names the list instead (one that keeps out "building without" alone reads
        # "cannot build without libfoo" as a cause, and spells its words out)
        for lookahead in re.findall(r"\\b\(\?:((?:[^()]|\([^()]*\))*)\)\)", rules):
            named = [w for w in lookahead.split("|") if w in lists["fallbacks"]]
            bare = "without" in named and len(named) > 1
            assert not bare, f"{path.name}: a lookahead spells out fallbacks: {named}"


def test_the_shipped_programs_list_keeps_compilers_named_with_plus_signs_out() -> None:
    # the lookaheads once ended in \b, which never follows "g++": the compiler was
    # read as a library whose development files were missing
    rules = load_rules(*default_rules_dirs())
    for compiler in ("g++", "clang++"):
        log = f"CMake Error at CMakeLists.txt:3 (message):\n  {compiler} was not found\n"
        assert diagnose(log, rules).category != "sysdep-missing"
