"""A rule's confidence and its fixes' success and failure rates are hand-written
estimates: every output that prints them says so, and shows what the catalog
measured (evidence, fix rate) next to them when a wheelhouse is at hand."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import Result

from conftest import cli_runner
from wheelmill.cli import cli
from wheelmill.diagnose.diagnosis import Diagnosis, FirstError, Fix
from wheelmill.index.statuspage import write_status_page
from wheelmill.store.attempt import Attempt
from wheelmill.store.catalog import Catalog
from wheelmill.store.wheelhouse import Store

LOG = Path(__file__).parent / "logs" / "pip26" / "pycairo-no-cairo.log"
RULE = "sysdep/cairo"


def invoke(*args: str | Path) -> Result:
    return cli_runner().invoke(cli, [str(a) for a in args], prog_name="wheelmill")


def _attempt(key: str, status: str, created: float) -> Attempt:
    diagnosis = Diagnosis(
        rule=RULE,
        category="sysdep-missing",
        subject="cairo",
        first_error=FirstError(62, 'Dependency "cairo" not found'),
        summary="cairo development files are missing",
        fixes=(Fix("Install the cairo development package.", 0.95),),
        confidence=0.9,
    )
    return Attempt(
        key, status, "pycairo", "1.26.0", "cp312-manylinux_x86_64", "built",  # type: ignore[arg-type]
        category="sysdep-missing" if status == "failed" else None,
        diagnosis=diagnosis if status == "failed" else None,
        created=created, error="failed" if status == "failed" else None,
    )  # fmt: skip


@pytest.fixture()
def wheelhouse(tmp_path: Path) -> Path:
    """Two failures the cairo rule explained; the first was retried and then built."""
    store = Store(tmp_path / "wh")
    store.wheels.mkdir(parents=True)
    store.catalog_path.parent.mkdir(parents=True)
    catalog = Catalog(store.catalog_path)
    now = time.time()
    catalog.add(_attempt("k1", "failed", now - 30))
    catalog.add(_attempt("k1", "ok", now - 20))
    catalog.add(_attempt("k2", "failed", now - 10))
    return store.root


def test_diagnose_labels_confidence_and_rates_as_estimates() -> None:
    result = invoke("diagnose", LOG)
    assert result.exit_code == 0, result.output
    assert "(sysdep-missing; confidence 92%, a hand-written estimate)" in result.output
    assert "fixes (success rates: hand-written estimates):" in result.output
    assert "measured" not in result.output  # no wheelhouse given: nothing measured to show


def test_diagnose_json_names_the_estimates() -> None:
    data = json.loads(invoke("diagnose", LOG, "--json").stdout)
    assert data["estimates"] == ["confidence", "fixes.success_rate", "dead_ends.failure_rate"]
    assert "measured" not in data


def test_diagnose_shows_measured_fix_rate_next_to_the_estimate(wheelhouse: Path) -> None:
    result = invoke("diagnose", LOG, "--wheelhouse", wheelhouse)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    estimate = next(i for i, line in enumerate(lines) if "hand-written estimate" in line)
    assert lines[estimate + 1] == (
        "  measured: evidence 2 failure(s) in this wheelhouse, fix rate 100% (1 of 1 retried)"
    )
    data = json.loads(invoke("diagnose", LOG, "-w", wheelhouse, "--json").stdout)
    assert data["measured"] == {"evidence": 2, "retried": 1, "fixed": 1, "fix_rate": 1.0}


def test_rules_table_labels_confidence_as_estimate(wheelhouse: Path) -> None:
    result = invoke("rules", "-w", wheelhouse, "--category", "sysdep-missing")
    assert result.exit_code == 0, result.output
    header = result.output.splitlines()[0]
    assert "est. conf." in header and "fix rate" in header and "evidence" in header
    assert "est. conf.: hand-written estimate from the rule file (not measured)" in result.output
    cairo = next(line for line in result.output.splitlines() if line.startswith(RULE))
    assert " 2 " in cairo and "100%" in cairo
    data = json.loads(invoke("rules", "-w", wheelhouse, "--json").stdout)
    entry = next(rule for rule in data["rules"] if rule["id"] == RULE)
    assert entry["confidence_source"] == "hand-written estimate"
    assert (entry["evidence"], entry["fix_rate"]) == (2, 1.0)
    assert "hand-written" in data["notes"]["est. conf."]


def test_show_and_status_page_label_estimates_and_show_measurements(wheelhouse: Path) -> None:
    result = invoke("show", "pycairo", "-w", wheelhouse)
    assert "a hand-written estimate" in result.output
    assert "measured: evidence 2 failure(s)" in result.output
    page = write_status_page(Store(wheelhouse)).read_text("utf-8")
    assert "hand-written estimate: works 95% of the time" in page
    assert "measured here: explained 2 failure(s); fix rate 100% (1 of 1 retried)" in page
