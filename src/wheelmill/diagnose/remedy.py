"""From a failed build to its diagnosis, and from a diagnosis to what to do next.

* :func:`explain` classifies a build log with the knowledge base and gives the
  record fields (category, rule, subject, first real error, full diagnosis);
* :func:`remedy` turns a diagnosis into adjusted build settings when the rule
  carries a fix that is safe inside the controlled environment (build
  constraints, extra build requirements, environment variables). System
  packages are never installed: the report prints the install command;
* :func:`still_blocked` says when a pin is not worth building: its last failure
  was a missing system library or tool, and nothing was installed since.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._exceptions import RulesError
from ..config import BuildSettings

if TYPE_CHECKING:  # the knowledge base loads only when a failure needs explaining
    from ..store.catalog import Catalog
    from . import RuleSet

#: Categories that depend on the machine, not on the package or its settings.
SYSTEM_CATEGORIES = ("sysdep-missing", "toolchain-missing")


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


def explain(rules: LazyRules | None, log: Path, fallback: str | None) -> dict[str, Any]:
    """Record fields describing why the build whose log is ``log`` failed."""
    if rules is None:
        return {"error": fallback}
    try:
        ruleset = rules.get()
    except RulesError as exc:
        return {"error": f"{fallback} (not diagnosed: {exc})"}
    try:
        text = log.read_text("utf-8", "replace")
    except OSError:
        return {"error": fallback}
    from . import diagnose

    diagnosis = diagnose(text, ruleset)
    first = diagnosis.first_error
    return {
        "error": first.text if first is not None else fallback,
        "category": diagnosis.category,
        "rule": diagnosis.rule,
        "subject": diagnosis.subject,
        "first_error": f"{first.line}: {first.text}" if first is not None else None,
        "diagnosis": diagnosis.to_json(),
    }


def remedy(
    settings: BuildSettings, diagnosis: Mapping[str, Any] | None
) -> tuple[BuildSettings, str] | None:
    """Settings with the safe fixes of ``diagnosis`` applied, and a description (or ``None``)."""
    if not diagnosis or not diagnosis.get("rule"):
        return None
    constraints = [
        c for c in diagnosis.get("build_constraints", []) if c not in settings.constraints
    ]
    requires = [
        r for r in diagnosis.get("build_requirements", []) if r not in settings.build_requires
    ]
    env = {
        key: value
        for key, value in diagnosis.get("environment", {}).items()
        if settings.env.get(key) != value
    }
    if not (constraints or requires or env):
        return None
    parts = []
    if constraints:
        parts.append("build constraint " + ", ".join(constraints))
    if requires:
        parts.append("build requirement " + ", ".join(requires))
    if env:
        parts.append("environment " + ", ".join(f"{k}={v}" for k, v in env.items()))
    adjusted = replace(
        settings,
        constraints=(*settings.constraints, *constraints),
        build_requires=(*settings.build_requires, *requires),
        env={**settings.env, **env},
    )
    return adjusted, f"{diagnosis['rule']}: {'; '.join(parts)}"


def still_blocked(catalog: Catalog, package: str, system: str) -> dict[str, Any] | None:
    """The package's last failure, if it was a missing system dependency and the
    machine is unchanged since (same packages, compilers, ``PATH``)."""
    last = catalog.last_failure(package)
    if last is None or last.get("category") not in SYSTEM_CATEGORIES:
        return None
    return last if last.get("system") == system else None
