"""From a failed build to its diagnosis, and from a diagnosis to what to do next.

* :func:`explain` classifies a build log with the knowledge base and gives the
  record fields (category, rule, subject, first real error, full diagnosis);
* :func:`remedy` turns a diagnosis into adjusted build settings when the rule
  carries a fix that is safe inside the controlled environment (build
  constraints, extra build requirements, environment variables). System
  packages are never installed: the report prints the install command;
* :func:`still_blocked` says when a pin is not worth building: its last failure
  was a missing system library or tool, and nothing was installed since;
* :func:`with_machine_packages` names the distro package that ships a missing
  header or ``*-config`` script when the rules do not, by asking the machine's
  own package index (apt-file, dnf provides) where one is installed.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .._exceptions import RulesError
from .._platform import packages_shipping
from ..outcomes import SYSTEM_CATEGORIES, Category
from .diagnosis import Diagnosis, Remedy, SystemPackages

if TYPE_CHECKING:  # the knowledge base loads only when a failure needs explaining
    from ..config import BuildSettings
    from ..store.attempt import Attempt
    from ..store.catalog import Catalog
    from .rules import RuleSet


def knowledge_base(extra: Sequence[Path] = ()) -> RuleSet:
    """The shipped rules plus a team's own directories (later ones override by id)."""
    from . import default_rules_dirs, load_rules

    directories = (*default_rules_dirs(), *extra)
    if not directories:
        raise RulesError("no diagnostic rules found; pass a rules directory")
    return load_rules(*directories)


class LazyRules:
    """Loads the knowledge base on first use: a run with no failure never pays for it."""

    def __init__(self, extra: Sequence[Path] = ()) -> None:
        self.extra = tuple(extra)
        self._rules: RuleSet | None = None
        self._lock = threading.Lock()

    def get(self) -> RuleSet:
        with self._lock:
            if self._rules is None:
                self._rules = knowledge_base(self.extra)
            return self._rules


@dataclass(frozen=True)
class Explained:
    """Why a build failed: the one-line error, and the diagnosis when the knowledge
    base could read the log."""

    error: str | None
    diagnosis: Diagnosis | None = None

    @property
    def category(self) -> Category | None:
        return self.diagnosis.category if self.diagnosis else None


def explain(rules: LazyRules | None, log: Path, fallback: str | None) -> Explained:
    """Classify the log of a failed build (``fallback``: the error without a diagnosis)."""
    if rules is None:
        return Explained(fallback)
    try:
        ruleset = rules.get()
    except RulesError as exc:
        return Explained(f"{fallback} (not diagnosed: {exc})")
    from ._logtext import PIECE
    from .classify import diagnose_bytes

    try:
        with log.open("rb") as stream:  # a few MB at a time: a huge log is never whole
            diagnosis = diagnose_bytes(iter(lambda: stream.read(PIECE), b""), ruleset)
    except OSError:
        return Explained(fallback)
    first = diagnosis.first_error
    return Explained(first.text if first is not None else fallback, diagnosis)


def remedy(diagnosis: Diagnosis | None, settings: BuildSettings) -> Remedy | None:
    """The safe fixes of ``diagnosis`` that ``settings`` do not have yet (or ``None``)."""
    if diagnosis is None or not diagnosis.rule:
        return None
    found = Remedy(
        rule=diagnosis.rule,
        constraints=tuple(c for c in diagnosis.build_constraints if c not in settings.constraints),
        requirements=tuple(
            r for r in diagnosis.build_requirements if r not in settings.build_requires
        ),
        environment={
            key: value
            for key, value in diagnosis.environment.items()
            if settings.env.get(key) != value
        },
    )
    return found if found.constraints or found.requirements or found.environment else None


def apply_remedy(settings: BuildSettings, fix: Remedy) -> BuildSettings:
    """``settings`` with ``fix`` applied: how a remediated build (and its rebuild) runs."""
    return settings.replace(
        constraints=(*settings.constraints, *fix.constraints),
        build_requires=(*settings.build_requires, *fix.requirements),
        env={**settings.env, **fix.environment},
    )


def still_blocked(catalog: Catalog, package: str, system: str) -> Attempt | None:
    """The package's last failure, if it was a missing system dependency and the
    machine is unchanged since (same packages, compilers, ``PATH``)."""
    last = catalog.last_failure(package)
    if last is None or last.category not in SYSTEM_CATEGORIES:
        return None
    return last if last.system == system else None


#: Subjects that name a file a distro package ships: a header, a ``*-config`` script.
_FILE_SUBJECT = re.compile(r"^[\w.+/-]+(?:\.(?:h|hh|hpp|hxx|pc)|[-_]config)$")


def with_machine_packages(diagnosis: Diagnosis) -> Diagnosis:
    """``diagnosis``, with the package that ships its missing file named by this machine's
    package index (apt-file, dnf) when the rules do not know it; else unchanged."""
    subject = diagnosis.subject
    if diagnosis.category != "sysdep-missing" or diagnosis.system_packages or not subject:
        return diagnosis
    if not _FILE_SUBJECT.match(subject):
        return diagnosis
    wanted = subject if "/" in subject or not subject.endswith("config") else f"bin/{subject}"
    found = packages_shipping(wanted)
    if found is None:
        return diagnosis
    from .classify import INSTALL_COMMANDS

    distro, names = found
    command = f"{INSTALL_COMMANDS[distro]} {' '.join(names)}"
    return replace(diagnosis, system_packages=(SystemPackages(distro, names, command),))
