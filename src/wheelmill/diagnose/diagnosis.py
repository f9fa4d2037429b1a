"""What a diagnosis is: the typed result of classifying a build log.

:meth:`Diagnosis.to_json` and :meth:`Diagnosis.from_json` are the one seam
between the typed value and its stored form (build records, catalog rows,
``--json`` outputs); everywhere else a diagnosis stays a :class:`Diagnosis`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypedDict

from ..outcomes import Category, as_category


@dataclass(frozen=True)
class FirstError:
    """The first line of the log that shows the cause: 1-based line number and text."""

    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.line}: {self.text}"


@dataclass(frozen=True)
class Fix:
    """A fix to try, with the share of cases it solves (0-1)."""

    text: str
    success_rate: float


@dataclass(frozen=True)
class DeadEnd:
    """Something people try that does not help, how often it fails (0-1), and why."""

    text: str
    failure_rate: float
    why: str


@dataclass(frozen=True)
class Translation:
    """The human texts of a rule in another language."""

    title: str | None
    root_cause: str
    workarounds: tuple[str, ...]


@dataclass(frozen=True)
class SystemPackages:
    """What to install on one distro, and the exact command line."""

    distro: str
    packages: tuple[str, ...]
    command: str


class FirstErrorJSON(TypedDict):
    line: int
    text: str


class FixJSON(TypedDict):
    text: str
    success_rate: float


class DeadEndJSON(TypedDict):
    text: str
    failure_rate: float
    why: str


class SystemPackagesJSON(TypedDict):
    packages: list[str]
    command: str


class TranslationJSON(TypedDict):
    title: str | None
    root_cause: str
    workarounds: list[str]


class DiagnosisJSON(TypedDict):
    """A diagnosis as ``wheelmill diagnose --json`` prints it and records store it."""

    rule: str | None
    category: Category
    subject: str | None
    first_error: FirstErrorJSON | None
    summary: str
    root_cause: str
    fixes: list[FixJSON]
    dead_ends: list[DeadEndJSON]
    system_packages: dict[str, SystemPackagesJSON]
    envelope: list[str]
    confidence: float
    #: Which numbers are hand-written estimates from the rule file (not measured).
    estimates: list[str]
    build_requirements: list[str]
    build_constraints: list[str]
    environment: dict[str, str]
    docs: list[str]
    details: dict[str, str]
    also_matched: list[str]
    translations: dict[str, TranslationJSON]


#: The numbers of a diagnosis that a rule's author wrote by hand (estimates, not
#: measurements); JSON outputs name them under ``estimates``.
ESTIMATES = ("confidence", "fixes.success_rate", "dead_ends.failure_rate")


@dataclass(frozen=True)
class Diagnosis:
    """Why a build failed, and what to do about it."""

    rule: str | None
    category: Category
    subject: str | None
    first_error: FirstError | None
    summary: str
    root_cause: str = ""
    fixes: tuple[Fix, ...] = ()
    dead_ends: tuple[DeadEnd, ...] = ()
    system_packages: tuple[SystemPackages, ...] = ()
    envelope: tuple[str, ...] = ()
    confidence: float = 0.0
    build_requirements: tuple[str, ...] = ()
    build_constraints: tuple[str, ...] = ()
    environment: Mapping[str, str] = field(default_factory=dict)
    docs: tuple[str, ...] = ()
    #: Named groups of the matches (``package``, ``step``, ``header``...).
    details: Mapping[str, str] = field(default_factory=dict)
    #: Other (less specific or later) cause rules that matched too.
    also_matched: tuple[str, ...] = ()
    translations: Mapping[str, Translation] = field(default_factory=dict)

    @property
    def fix(self) -> str | None:
        """The most useful fix's text, if the rule knows one."""
        return self.fixes[0].text if self.fixes else None

    def install_command(self, distro: str) -> str | None:
        """The command installing the missing system package on ``distro`` (debian else)."""
        chosen = {p.distro: p for p in self.system_packages}
        found = chosen.get(distro) or chosen.get("debian")
        return found.command if found else None

    def to_json(self) -> DiagnosisJSON:
        """The diagnosis as JSON-ready data."""
        first = self.first_error
        return {
            "rule": self.rule,
            "category": self.category,
            "subject": self.subject,
            "first_error": {"line": first.line, "text": first.text} if first else None,
            "summary": self.summary,
            "root_cause": self.root_cause,
            "fixes": [{"text": f.text, "success_rate": f.success_rate} for f in self.fixes],
            "dead_ends": [
                {"text": d.text, "failure_rate": d.failure_rate, "why": d.why}
                for d in self.dead_ends
            ],
            "system_packages": {
                p.distro: {"packages": list(p.packages), "command": p.command}
                for p in self.system_packages
            },
            "envelope": list(self.envelope),
            "confidence": self.confidence,
            "estimates": list(ESTIMATES),
            "build_requirements": list(self.build_requirements),
            "build_constraints": list(self.build_constraints),
            "environment": dict(self.environment),
            "docs": list(self.docs),
            "details": dict(self.details),
            "also_matched": list(self.also_matched),
            "translations": {
                language: {
                    "title": t.title,
                    "root_cause": t.root_cause,
                    "workarounds": list(t.workarounds),
                }
                for language, t in self.translations.items()
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Diagnosis:
        """The inverse of :meth:`to_json`; tolerant of fields an older wheelmill left out."""
        first = _mapping(data.get("first_error"))
        packages = _mapping(data.get("system_packages"))
        translations = _mapping(data.get("translations"))
        return cls(
            rule=_text(data.get("rule")),
            category=as_category(data.get("category")) or "unknown",
            subject=_text(data.get("subject")),
            first_error=(
                FirstError(_int(first.get("line")), str(first.get("text", ""))) if first else None
            ),
            summary=str(data.get("summary") or ""),
            root_cause=str(data.get("root_cause") or ""),
            fixes=tuple(
                Fix(str(f.get("text", "")), _float(f.get("success_rate")))
                for f in map(_mapping, _list(data.get("fixes")))
            ),
            dead_ends=tuple(
                DeadEnd(
                    str(d.get("text", "")), _float(d.get("failure_rate")), str(d.get("why", ""))
                )
                for d in map(_mapping, _list(data.get("dead_ends")))
            ),
            system_packages=tuple(
                SystemPackages(
                    str(distro),
                    tuple(str(p) for p in _list(_mapping(entry).get("packages"))),
                    str(_mapping(entry).get("command", "")),
                )
                for distro, entry in packages.items()
            ),
            envelope=_strings(data.get("envelope")),
            confidence=_float(data.get("confidence")),
            build_requirements=_strings(data.get("build_requirements")),
            build_constraints=_strings(data.get("build_constraints")),
            environment=_string_map(data.get("environment")),
            docs=_strings(data.get("docs")),
            details=_string_map(data.get("details")),
            also_matched=_strings(data.get("also_matched")),
            translations={
                str(language): Translation(
                    _text(_mapping(t).get("title")),
                    str(_mapping(t).get("root_cause", "")),
                    _strings(_mapping(t).get("workarounds")),
                )
                for language, t in translations.items()
            },
        )


def _mapping(value: object) -> Mapping[str, object]:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[object]:
    return list(value) if isinstance(value, (list, tuple)) else []


def _strings(value: object) -> tuple[str, ...]:
    return tuple(str(item) for item in _list(value))


def _string_map(value: object) -> dict[str, str]:
    return {str(k): str(v) for k, v in _mapping(value).items()}


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _int(value: object) -> int:
    return int(value) if isinstance(value, (int, float, str)) and str(value).isdigit() else 0


def _float(value: object) -> float:
    return float(value) if isinstance(value, (int, float)) else 0.0


class RemedyJSON(TypedDict):
    rule: str
    constraints: list[str]
    requirements: list[str]
    environment: dict[str, str]


@dataclass(frozen=True)
class Remedy:
    """The safe fix wheelmill applied when it retried a failed build: what a diagnosis's
    rule adds to the build settings (build constraints, build requirements, variables)."""

    rule: str
    constraints: tuple[str, ...] = ()
    requirements: tuple[str, ...] = ()
    environment: Mapping[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        parts = []
        if self.constraints:
            parts.append("build constraint " + ", ".join(self.constraints))
        if self.requirements:
            parts.append("build requirement " + ", ".join(self.requirements))
        if self.environment:
            parts.append(
                "environment " + ", ".join(f"{k}={v}" for k, v in self.environment.items())
            )
        return f"{self.rule}: {'; '.join(parts)}"

    def to_json(self) -> RemedyJSON:
        return {
            "rule": self.rule,
            "constraints": list(self.constraints),
            "requirements": list(self.requirements),
            "environment": dict(self.environment),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Remedy:
        return cls(
            rule=str(data.get("rule") or ""),
            constraints=_strings(data.get("constraints")),
            requirements=_strings(data.get("requirements")),
            environment=_string_map(data.get("environment")),
        )
