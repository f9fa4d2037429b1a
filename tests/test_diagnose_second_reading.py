"""A second reading of held-out logs: how far two careful readers agree.

A held-out log's ``[expected]`` diagnosis was written by one reader from the log
alone. Some of its logs also carry ``[second_reading]``: the same log diagnosed
blind by a second reader, who saw neither the first reader's file nor the rules
nor the classifier's answer. Where the two readers agree (category, subject and
first error line), the first reader's file is a fair yardstick; the share of
logs they agree on is the ceiling a classifier can reach against one reader.
``docs/reference/rules.md`` quotes these figures; this test recomputes them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from _readings import EXPECTED, LOGS, ROOT, answer, as_written, log_of, log_text, read
from wheelmill.diagnose import RuleSet

READ_TWICE = [p for p in EXPECTED if "second_reading" in read(p)]


def _scored_right(data: dict[str, Any]) -> bool:
    """Whether the classifier was right when the set was scored: its misses then carry
    ``known_miss`` (still wrong) or ``miss_at_measurement`` (right since)."""
    return "known_miss" not in data and "miss_at_measurement" not in data


def test_there_is_a_second_reading() -> None:
    assert len(READ_TWICE) >= 50


@pytest.mark.parametrize("path", READ_TWICE, ids=[str(p.relative_to(LOGS)) for p in READ_TWICE])
def test_second_reading_names_a_line_of_its_log(path: Path, rules: RuleSet) -> None:
    data = read(path)
    assert data["held_out"] is True, "only held-out logs are read twice"
    second = data["second_reading"]
    lines = log_text(log_of(path)).split("\n")
    assert second["first_error_text"]
    assert second["first_error_text"] in lines[second["first_error_line"] - 1]
    ids = {rule.id for rule in rules}
    assert second["rule"] == "" or second["rule"] in ids
    assert second["category"] in {rule.category for rule in rules} | {"unknown"}


def test_documented_agreement_is_the_measured_one() -> None:
    """The first reader's file as written: a convention settled later changes what is
    scored, not what the first reader wrote."""
    agreed = [p for p in READ_TWICE if answer(as_written(p)) == answer(read(p)["second_reading"])]
    same_category = sum(
        as_written(p)["category"] == read(p)["second_reading"]["category"] for p in READ_TWICE
    )
    right_where_agreed = sum(_scored_right(read(p)) for p in agreed)
    doc = " ".join((ROOT / "docs" / "reference" / "rules.md").read_text("utf-8").split())
    assert f"agree on {len(agreed)} of {len(READ_TWICE)} logs" in doc
    assert f"category alone {same_category} of {len(READ_TWICE)}" in doc
    assert f"scored {right_where_agreed} of {len(agreed)} right" in doc
