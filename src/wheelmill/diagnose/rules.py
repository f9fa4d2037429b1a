"""The diagnostic knowledge base: rule files (TOML) loaded into a validated :class:`RuleSet`.

A rules directory holds ``*.toml`` files, each a list of ``[[rule]]`` tables
(docs/reference/rules.md describes every field). :func:`load_rules` reads
directories in order and files in name order; a rule whose ``id`` was already
loaded replaces the earlier one, so a team's folder can override or switch off
(``enabled = false``) any rule of the shipped base.

Every problem is a :class:`~wheelmill._exceptions.RulesError` naming the file
and the line of the offending rule or key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._exceptions import RulesError
from ..outcomes import CATEGORIES, Category, as_category
from ._analysed import remembered
from ._document import document, key_line, lists_of, quoted_regex, table_lines
from ._fields import (
    Lists,
    Loading,
    Pattern,
    _FieldError,
    _known,
    _packages,
    _patterns,
    _prose,
    _rate,
    _strings,
    _table,
    _text,
)
from ._scan import Plan
from .diagnosis import DeadEnd, Translation

_ID = re.compile(r"^[a-z0-9]+(?:[-_.][a-z0-9]+)*/[a-z0-9]+(?:[-_.][a-z0-9]+)*$")
_DATE = re.compile(r"^\d{4}-\d{2}(?:-\d{2})?$")


@dataclass(frozen=True)
class Workaround:
    """A fix that usually works, with the share of cases it solves (0-1)."""

    text: str
    success_rate: float


@dataclass(frozen=True)
class VersionNote:
    """One row of the version-compatibility table: where the rule applies."""

    tool: str
    version: str
    status: str
    note: str = ""


@dataclass(frozen=True)
class Rule:
    """One knowledge-base entry. Build with :func:`load_rules`; fields mirror the TOML."""

    id: str
    title: str
    category: Category
    patterns: tuple[Pattern, ...]
    root_cause: str
    specificity: int = 50
    envelope: bool = False
    #: a match inside an exception something then handled (Python's "During handling of
    #: the above exception" follows) is a probe, not the cause: the rule then ranks below
    #: every rule that matched anything else (Python 2 imports tried first)
    probe_when_handled: bool = False
    confidence: float = 0.5
    subject: str | None = None
    requires: tuple[Pattern, ...] = ()
    excludes: tuple[Pattern, ...] = ()
    #: where the subject is when the winning hits name none: the nearest line at or above
    #: the first hit that one of these matches (a URL printed before a download fails)
    subject_above: tuple[Pattern, ...] = ()
    #: where the subject is when neither the hits nor ``subject_above`` name one: the
    #: nearest line below the first hit (a message that names the address after the error)
    subject_below: tuple[Pattern, ...] = ()
    #: a subject read as a key is reported as its value (the compiler driver ``g++`` runs
    #: ``cc1plus``, the program that runs out of memory)
    subject_aliases: Mapping[str, str] = field(default_factory=dict)
    #: the words the rule's texts use for the subject when the log names none (the
    #: subject itself stays empty): "the download's host"
    unnamed_subject: str | None = None
    workarounds: tuple[Workaround, ...] = ()
    dead_ends: tuple[DeadEnd, ...] = ()
    docs: tuple[str, ...] = ()
    versions: tuple[VersionNote, ...] = ()
    translations: Mapping[str, Translation] = field(default_factory=dict)
    first_seen: str | None = None
    system_packages: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    subject_packages: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    build_requirements: tuple[str, ...] = ()
    build_constraints: tuple[str, ...] = ()
    environment: Mapping[str, str] = field(default_factory=dict)
    source: str = "<memory>"
    line: int = 0


class RuleSet:
    """The rules in force, in load order; look one up with ``rules[rule_id]``."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules: tuple[Rule, ...] = tuple(rules)
        self._by_id = {rule.id: rule for rule in self.rules}
        #: How the classifier finds the lines each pattern could match (a ``_scan.Plan``):
        #: :func:`load_rules` gives it one, else the classifier builds it on first use.
        self.plan: Plan | None = None

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._by_id

    def __getitem__(self, rule_id: str) -> Rule:
        return self._by_id[rule_id]

    def __repr__(self) -> str:
        return f"RuleSet({len(self.rules)} rules)"


_RULE_KEYS = (
    "id",
    "title",
    "category",
    "patterns",
    "root_cause",
    "specificity",
    "envelope",
    "probe_when_handled",
    "confidence",
    "subject",
    "requires",
    "excludes",
    "subject_above",
    "subject_below",
    "unnamed_subject",
    "subject_aliases",
    "workarounds",
    "dead_ends",
    "docs",
    "versions",
    "translations",
    "first_seen",
    "system_packages",
    "subject_packages",
    "build_requirements",
    "build_constraints",
    "environment",
    "enabled",
)


def _rule(data: Mapping[str, Any], source: str, line: int, loading: Loading) -> Rule:
    _known(data, _RULE_KEYS, "")
    for required in ("id", "title", "category", "patterns", "root_cause"):
        if required not in data:
            raise _FieldError("id", f"missing required key {required!r}")
    rule_id = _text(data["id"], "id")
    if not _ID.match(rule_id):
        raise _FieldError("id", f"id {rule_id!r} must look like 'family/name' (lower-case)")
    category = as_category(data["category"])
    if category is None:
        raise _FieldError("category", f"category must be one of {', '.join(CATEGORIES)}")
    patterns = _patterns(data["patterns"], "patterns", loading, tables=True)
    if not patterns:
        raise _FieldError("patterns", "patterns must list at least one regex")
    specificity = data.get("specificity", 0 if data.get("envelope") else 50)
    if isinstance(specificity, bool) or not isinstance(specificity, int):
        raise _FieldError("specificity", "specificity must be an integer (0-100)")
    if not 0 <= specificity <= 100:
        raise _FieldError("specificity", "specificity must be between 0 and 100")
    envelope = data.get("envelope", False)
    if not isinstance(envelope, bool):
        raise _FieldError("envelope", "envelope must be true or false")
    probe = data.get("probe_when_handled", False)
    if not isinstance(probe, bool):
        raise _FieldError("probe_when_handled", "probe_when_handled must be true or false")
    first_seen = data.get("first_seen")
    if first_seen is not None:
        first_seen = str(first_seen)
        if not _DATE.match(first_seen):
            raise _FieldError("first_seen", "first_seen must be a date (YYYY-MM-DD)")
    workarounds = []
    for item in data.get("workarounds", []):
        table = _table(item, "workarounds")
        _known(table, ("text", "success_rate"), "workarounds.")
        workarounds.append(
            Workaround(
                _text(table.get("text"), "workarounds.text"),
                _rate(table.get("success_rate"), "workarounds.success_rate"),
            )
        )
    dead_ends = []
    for item in data.get("dead_ends", []):
        table = _table(item, "dead_ends")
        _known(table, ("text", "failure_rate", "why"), "dead_ends.")
        dead_ends.append(
            DeadEnd(
                _text(table.get("text"), "dead_ends.text"),
                _rate(table.get("failure_rate"), "dead_ends.failure_rate"),
                _text(table.get("why"), "dead_ends.why"),
            )
        )
    versions = []
    for item in data.get("versions", []):
        table = _table(item, "versions")
        _known(table, ("tool", "version", "status", "note"), "versions.")
        versions.append(
            VersionNote(
                _text(table.get("tool"), "versions.tool"),
                _text(str(table.get("version", "")), "versions.version"),
                _text(table.get("status"), "versions.status"),
                str(table.get("note", "")),
            )
        )
    translations = {}
    for language, item in _table(data.get("translations", {}), "translations").items():
        table = _table(item, f"translations.{language}")
        _known(table, ("title", "root_cause", "workarounds"), f"translations.{language}.")
        title = table.get("title")
        translations[language] = Translation(
            _text(title, "translations.title") if title is not None else None,
            _prose(table.get("root_cause"), f"translations.{language}.root_cause"),
            _strings(table.get("workarounds", []), f"translations.{language}.workarounds"),
        )
    subject_packages = {
        subject: _packages(packages, "subject_packages")
        for subject, packages in _table(
            data.get("subject_packages", {}), "subject_packages"
        ).items()
    }
    environment = _table(data.get("environment", {}), "environment")
    for name, value in environment.items():
        if not isinstance(value, str):
            raise _FieldError("environment", f"environment.{name} must be a string")
    subject = data.get("subject")
    unnamed = data.get("unnamed_subject")
    aliases = {
        name: _text(value, f"subject_aliases.{name}")
        for name, value in _table(data.get("subject_aliases", {}), "subject_aliases").items()
    }
    return Rule(
        id=rule_id,
        title=_text(data["title"], "title"),
        category=category,
        patterns=patterns,
        root_cause=_prose(data["root_cause"], "root_cause"),
        specificity=specificity,
        envelope=envelope,
        probe_when_handled=probe,
        confidence=_rate(data.get("confidence", 0.5), "confidence"),
        subject=_text(subject, "subject") if subject is not None else None,
        requires=_patterns(data.get("requires", []), "requires", loading),
        excludes=_patterns(data.get("excludes", []), "excludes", loading, tables=True),
        subject_above=_patterns(
            data.get("subject_above", []), "subject_above", loading, tables=True
        ),
        subject_below=_patterns(data.get("subject_below", []), "subject_below", loading),
        unnamed_subject=_text(unnamed, "unnamed_subject") if unnamed is not None else None,
        subject_aliases=aliases,
        workarounds=tuple(sorted(workarounds, key=lambda w: -w.success_rate)),
        dead_ends=tuple(dead_ends),
        docs=_strings(data.get("docs", []), "docs"),
        versions=tuple(versions),
        translations=translations,
        first_seen=first_seen,
        system_packages=_packages(data.get("system_packages", {}), "system_packages"),
        subject_packages=subject_packages,
        build_requirements=_strings(data.get("build_requirements", []), "build_requirements"),
        build_constraints=_strings(data.get("build_constraints", []), "build_constraints"),
        environment=dict(environment),
        source=source,
        line=line,
    )


def parse_rules(text: str, source: str, lists: Lists | None = None) -> list[Rule]:
    """Rules of one TOML document (``source`` names it in errors); validation included.

    Patterns may name the document's own ``[lists]`` and those of ``lists`` (its own
    win); :func:`load_rules` passes the lists of every file it reads.
    """
    data = document(text, source)
    loading = Loading({**(lists or {}), **lists_of(data, text, source)})
    return _rules_of(data, text, source, loading)


def _rules_of(
    data: Mapping[str, Any],
    text: str,
    source: str,
    loading: Loading,
    starts: list[int] | None = None,
) -> list[Rule]:
    """The rules of one parsed file; ``starts``: its ``[[rule]]`` lines, when known."""
    tables = data.get("rule", [])
    if not isinstance(tables, list):
        raise RulesError(f"{source}:1: 'rule' must be an array of tables ([[rule]])")
    if starts is None:
        starts = table_lines(text)
    rules: list[Rule] = []
    for index, table in enumerate(tables):
        start = starts[index] if index < len(starts) else 1
        end = starts[index + 1] if index + 1 < len(starts) else None
        if not isinstance(table, dict):
            raise RulesError(f"{source}:{start}: each rule must be a table ([[rule]])")
        try:
            if table.get("enabled", True) is False:
                rules.append(_disabled(table, source, start))
                continue
            rules.append(_rule(table, source, start, loading))
        except _FieldError as exc:
            needle = quoted_regex(str(exc))
            line = key_line(text, start, end, exc.key, needle)
            rule_id = table.get("id", f"#{index + 1}")
            raise RulesError(f"{source}:{line}: rule {rule_id!r}: {exc}") from None
    return rules


#: Marker for ``enabled = false``: removes an earlier rule with the same id.
_DISABLED = "__disabled__"


def _disabled(table: Mapping[str, Any], source: str, line: int) -> Rule:
    rule_id = _text(table.get("id"), "id")
    return Rule(rule_id, _DISABLED, "unknown", (), _DISABLED, source=source, line=line)


def rule_files(directory: Path) -> list[Path]:
    """The ``*.toml`` files of a rules directory, in the order they are loaded."""
    if not directory.is_dir():
        raise RulesError(f"{directory}: no such rules directory; check --rules or the config")
    return sorted(p for p in directory.iterdir() if p.suffix == ".toml" and p.is_file())


def load_rules(*directories: Path) -> RuleSet:
    """Load every ``*.toml`` of ``directories``; later files override rules with the same id.

    Every file's ``[lists]`` are read first, so any pattern may name a list of any
    file; a list defined again later replaces the earlier one, as rules do. The
    files' parsed TOML and the patterns' prefilter literals come from the per-user
    cache when these files were loaded before (:mod:`._analysed`), and so does how
    the classifier searches a log for those literals (the rule set's scan plan,
    :mod:`._planned`).
    """
    files: list[tuple[str, str]] = []
    for directory in directories:
        for path in rule_files(Path(directory)):
            try:
                files.append((str(path), path.read_text("utf-8")))
            except (OSError, UnicodeDecodeError) as exc:
                raise RulesError(f"{path}: cannot read rules file ({exc})") from None
    by_id: dict[str, Rule] = {}
    with remembered([text for _, text in files]) as memory:
        if memory.documents is None:
            memory.documents = [
                (document(text, source), table_lines(text)) for source, text in files
            ]
        lists: dict[str, str] = {}
        for (source, text), (data, _) in zip(files, memory.documents):
            lists.update(lists_of(data, text, source))
        loading = Loading(lists, memory.analysed)
        for (source, text), (data, starts) in zip(files, memory.documents):
            seen: set[str] = set()
            for rule in _rules_of(data, text, source, loading, starts):
                if rule.id in seen:
                    raise RulesError(f"{source}:{rule.line}: rule {rule.id!r} is defined twice")
                seen.add(rule.id)
                by_id.pop(rule.id, None)
                if rule.title != _DISABLED:
                    by_id[rule.id] = rule
    rules = RuleSet(by_id.values())
    rules.plan = Plan(rules, remembered=True)
    return rules
