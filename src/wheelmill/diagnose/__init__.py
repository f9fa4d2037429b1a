"""Explain failed builds: a knowledge base of rules (TOML data) and a pure classifier.

>>> rules = load_rules(*default_rules_dirs())
>>> diagnosis = diagnose(log_text, rules)
>>> diagnosis.category, diagnosis.subject, diagnosis.first_error

:func:`diagnose_bytes` does the same for a log read in blocks, holding one piece of it
in memory at a time.

The shipped knowledge base is ``config/rules/*.toml`` at the root of the
repository; teams add their own rules by passing more directories to
:func:`load_rules` (later files override rules with the same id).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .._lazy import exports
from ..outcomes import CATEGORIES

if TYPE_CHECKING:
    from ._fields import DISTROS
    from .classify import INSTALL_COMMANDS, diagnose, diagnose_bytes
    from .diagnosis import DeadEnd, Diagnosis, FirstError, Fix, Remedy, SystemPackages, Translation
    from .rules import (
        Rule,
        RuleSet,
        VersionNote,
        Workaround,
        load_rules,
        parse_rules,
    )

__all__ = [
    "CATEGORIES",
    "DISTROS",
    "INSTALL_COMMANDS",
    "DeadEnd",
    "Diagnosis",
    "FirstError",
    "Fix",
    "Remedy",
    "Rule",
    "RuleSet",
    "SystemPackages",
    "Translation",
    "VersionNote",
    "Workaround",
    "default_rules_dirs",
    "diagnose",
    "diagnose_bytes",
    "load_rules",
    "parse_rules",
]
_DIAGNOSIS = ("DeadEnd", "Diagnosis", "FirstError", "Fix", "Remedy", "SystemPackages")
_RULES = ("Rule", "RuleSet", "VersionNote", "Workaround", "load_rules", "parse_rules")
# The classifier and the rule loader load on first use: a build with no failure
# never pays for them.
__getattr__ = exports(
    __name__,
    {
        "INSTALL_COMMANDS": "classify",
        "diagnose": "classify",
        "diagnose_bytes": "classify",
        "DISTROS": "_fields",
        "Translation": "diagnosis",
        **dict.fromkeys(_DIAGNOSIS, "diagnosis"),
        **dict.fromkeys(_RULES, "rules"),
    },
)

#: Where a wheel built with the knowledge base inside it keeps the files.
_PACKAGED = Path(__file__).parent / "_rules"
#: ``config/rules`` of the checkout this module runs from (editable installs).
_CHECKOUT = Path(__file__).resolve().parents[3] / "config" / "rules"


def default_rules_dirs() -> tuple[Path, ...]:
    """The shipped knowledge base: a copy inside the package if the wheel has one,
    else ``config/rules`` of the source checkout (editable installs, tests)."""
    for candidate in (_PACKAGED, _CHECKOUT):
        if candidate.is_dir():
            return (candidate,)
    return ()
