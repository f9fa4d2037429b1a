"""A requirement string the strict parser rejects names whose parser it was."""

from __future__ import annotations

import pytest

from wheelmill.diagnose import RuleSet, diagnose


@pytest.mark.parametrize(
    ("exception", "subject"),
    [
        ("pip._vendor.packaging._tokenizer.ParserSyntaxError", "pip"),
        ("pip._vendor.packaging.requirements.InvalidRequirement", "pip"),
        ("setuptools.extern.packaging.requirements.InvalidRequirement", "setuptools"),
        ("pkg_resources.extern.packaging.requirements.InvalidRequirement", "setuptools"),
        ("setuptools._vendor.packaging._tokenizer.ParserSyntaxError", "setuptools"),
        ("packaging._tokenizer.ParserSyntaxError", "setuptools"),
        ("InvalidRequirement", "setuptools"),
    ],
)
def test_the_subject_is_the_parsers_owner(rules: RuleSet, exception: str, subject: str) -> None:
    text = f"{exception}: Expected end or semicolon (after version specifier)\n    foo>=1.0.x\n"
    got = diagnose(text, rules)
    assert (got.rule, got.subject) == ("requirements/setuptools-strict-requirement", subject)
