"""Failed builds are diagnosed, cataloged, remediated when safe, and not retried in vain."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from conftest import LocalIndex, cli_runner, make_sdist, make_wheel
from wheelmill.build.batch import prebuild
from wheelmill.build.results import BuildReport
from wheelmill.cli import cli
from wheelmill.config import BuildSettings
from wheelmill.diagnose.remedy import LazyRules
from wheelmill.lockfile.pins import parse_pins
from wheelmill.store.catalog import Catalog
from wheelmill.store.wheelhouse import Store
from wheelmill.target import current_target


def _run(lock: str, index: LocalIndex, wheelhouse: Path, **kwargs: Any) -> BuildReport:
    return prebuild(
        parse_pins(lock),
        Store(wheelhouse),
        targets=[current_target()],
        settings=kwargs.pop("settings", BuildSettings()),
        index_url=index.url,
        rules=LazyRules(),
        **kwargs,
    )


def invoke(*args: str | Path) -> Result:
    return cli_runner().invoke(cli, [str(a) for a in args], prog_name="wheelmill")


def _catalog(wheelhouse: Path) -> Catalog:
    return Catalog(wheelhouse / ".wheelmill" / "catalog.sqlite")


@pytest.fixture
def cython_index(local_index: LocalIndex, tmp_path: Path) -> LocalIndex:
    local_index.add(make_wheel(tmp_path / "src", "cython", "0.29.37", code="VERSION = '0.29.37'"))
    local_index.add(make_wheel(tmp_path / "src", "cython", "3.0.11", code="VERSION = '3.0.11'"))
    local_index.add(make_sdist("cython3-broken", tmp_path / "src", name="oldyaml", version="5.4"))
    return local_index


def test_a_failure_is_diagnosed_and_cataloged(local_index: LocalIndex, tmp_path: Path) -> None:
    local_index.add(make_sdist("build-fails", tmp_path / "src", name="broken", version="1.0"))
    wheelhouse = tmp_path / "wh"
    report = _run(local_index.lock_line("broken", "1.0"), local_index, wheelhouse)
    (failure,) = report.failures
    assert (failure.category, failure.rule) == ("sysdep-missing", "sysdep/missing-header")
    assert failure.first_error is not None
    assert failure.first_error.text == (
        "sample.c:1:10: fatal error: missing.h: No such file or directory"
    )
    (row,) = _catalog(wheelhouse).attempts("broken")
    assert row.rule == "sysdep/missing-header" and row.subject == "missing.h"
    assert row.diagnosis is not None
    assert row.diagnosis.envelope  # the generic wrapper is reported separately

    listed = invoke("failures", "-w", wheelhouse)
    assert listed.exit_code == 0
    assert "broken" in listed.stdout and "sysdep/missing-header" in listed.stdout
    assert "fatal error: missing.h" in listed.stdout
    as_json = json.loads(invoke("failures", "-w", wheelhouse, "--json").stdout)
    assert [f["name"] for f in as_json["failures"]] == ["broken"]

    shown = invoke("show", "broken", "-w", wheelhouse)
    assert shown.exit_code == 0
    assert "last failure: 1.0" in shown.stdout
    assert "fixes (success rates: hand-written estimates):" in shown.stdout
    assert "sysdep/missing-header" in shown.stdout
    assert invoke("show", "never-built", "-w", wheelhouse).exit_code == 1

    rules = json.loads(invoke("rules", "-w", wheelhouse, "--json").stdout)["rules"]
    stat = next(rule for rule in rules if rule["id"] == "sysdep/missing-header")
    assert stat["evidence"] == 1 and stat["fix_rate"] is None
    assert len(rules) >= 40


def test_a_safe_fix_is_applied_once_and_recorded(cython_index: LocalIndex, tmp_path: Path) -> None:
    wheelhouse = tmp_path / "wh"
    report = _run(cython_index.lock_line("oldyaml", "5.4"), cython_index, wheelhouse)
    (result,) = report.results
    assert result.status == "built"
    assert result.remediation == "requirements/cython3-incompatible: build constraint Cython<3"
    first, second = _catalog(wheelhouse).attempts("oldyaml")
    assert (first.status, first.category) == ("failed", "build-requirement-incompatible")
    assert (second.status, second.remediation) == ("ok", result.remediation)
    rules = json.loads(invoke("rules", "-w", wheelhouse, "--json").stdout)["rules"]
    stat = next(rule for rule in rules if rule["id"] == "requirements/cython3-incompatible")
    assert (stat["evidence"], stat["fix_rate"]) == (1, 1.0)
    # The remediated wheel is the pin's wheel from now on.
    again = _run(cython_index.lock_line("oldyaml", "5.4"), cython_index, wheelhouse)
    assert [r.status for r in again.results] == ["cached"]


def test_no_remediate_leaves_the_failure(cython_index: LocalIndex, tmp_path: Path) -> None:
    report = _run(
        cython_index.lock_line("oldyaml", "5.4"), cython_index, tmp_path / "wh", remediate=False
    )
    (failure,) = report.failures
    assert failure.category == "build-requirement-incompatible"
    assert failure.remediation is None
    assert len(_catalog(tmp_path / "wh").attempts("oldyaml")) == 1


def test_a_missing_system_dependency_is_not_rebuilt_in_vain(
    local_index: LocalIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for version in ("1.0", "1.1"):
        local_index.add(make_sdist("build-fails", tmp_path / "src", name="broken", version=version))
    wheelhouse = tmp_path / "wh"
    _run(local_index.lock_line("broken", "1.0"), local_index, wheelhouse)
    logs = sorted((wheelhouse / ".wheelmill" / "logs").iterdir())
    # A new version, same machine: the diagnosis is reported at once, nothing is built.
    blocked = _run(local_index.lock_line("broken", "1.1"), local_index, wheelhouse)
    (failure,) = blocked.failures
    assert "nothing was installed since" in str(failure.error)
    assert failure.rule == "sysdep/missing-header"
    assert sorted((wheelhouse / ".wheelmill" / "logs").iterdir()) == logs
    # --force builds anyway ...
    forced = _run(local_index.lock_line("broken", "1.1"), local_index, wheelhouse, force=True)
    assert len(list((wheelhouse / ".wheelmill" / "logs").iterdir())) == len(logs) + 1
    assert forced.failures[0].rule == "sysdep/missing-header"
    # ... and so does a changed machine (here: another pkg-config search path).
    local_index.add(make_sdist("build-fails", tmp_path / "src", name="broken", version="1.2"))
    monkeypatch.setenv("PKG_CONFIG_PATH", str(tmp_path))
    changed = _run(local_index.lock_line("broken", "1.2"), local_index, wheelhouse)
    assert "nothing was installed since" not in str(changed.failures[0].error)
    assert len(list((wheelhouse / ".wheelmill" / "logs").iterdir())) == len(logs) + 2


def test_the_cli_prints_cause_first_error_and_install_line(
    local_index: LocalIndex, tmp_path: Path
) -> None:
    local_index.add(make_sdist("build-fails", tmp_path / "src", name="broken", version="1.0"))
    lock = tmp_path / "lock.txt"
    lock.write_text(local_index.lock_line("broken", "1.0"))
    result = invoke("build", lock, "-w", tmp_path / "wh", "--index-url", local_index.url)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith("FAILED broken==1.0: ")
    assert lines[1].startswith("  first error (log line ")
    assert any(line.startswith("  fix: ") for line in lines)
