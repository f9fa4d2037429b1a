"""`wheelmill verify`: real pip's dry run per target, gaps explained from the catalog.

One wheelhouse, built offline for the running Python and a download-only
macOS target, holds every kind of pin: covered everywhere, built from an sdist,
failed with a diagnosis, without an upstream wheel for the platform, never
built, refused by pip (Requires-Python), needing a dependency the lock lacks,
and not applicable (marker).
"""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result

from conftest import MIXED_TARGET, LocalIndex, cli_runner, make_wheel, mixed_wheelhouse
from wheelmill._exceptions import ConfigError
from wheelmill.cli import cli
from wheelmill.lockfile.pins import parse_pins
from wheelmill.store.wheelhouse import Store
from wheelmill.target import Target, current_target, resolve_target
from wheelmill.verify.coverage import COVERED, GAP, NOT_APPLICABLE, VerifyReport, verify

MAC = MIXED_TARGET


def invoke(*args: str | Path) -> Result:
    return cli_runner().invoke(cli, [str(a) for a in args], prog_name="wheelmill")


def _snapshot(root: Path) -> dict[str, int]:
    """Every file and its mtime (SQLite's transient -wal/-shm files of a reader aside)."""
    return {
        str(p.relative_to(root)): p.stat().st_mtime_ns
        for p in root.rglob("*")
        if p.is_file() and not p.name.endswith(("-wal", "-shm"))
    }


@pytest.fixture(scope="module")
def mac() -> Target:
    return resolve_target(MAC)


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """(lock, wheelhouse) with one pin of every kind; built once, only read by the tests."""
    tmp_path = tmp_path_factory.mktemp("verify")
    built, root = mixed_wheelhouse(LocalIndex(tmp_path / "index"), tmp_path)
    # Wheels that reach the wheelhouse some other way.
    make_wheel(root / "wheels", "future", "1.0", requires_python=">=3.99")
    make_wheel(root / "wheels", "needy", "1.0", requires=("absent",))
    lock = tmp_path / "requirements.txt"
    lock.write_text(
        built + "future==1.0\nneedy==1.0\nnever==1.0\n" + 'winonly==1.0 ; sys_platform == "win32"\n'
    )
    yield lock, root


def _by_name(report: VerifyReport, target: str) -> dict[str, tuple[str, str | None]]:
    (found,) = [t for t in report.targets if t.target == target]
    return {pin.name: (pin.status, pin.kind) for pin in found.pins}


def test_every_kind_of_gap_is_found_and_explained(
    wheelhouse: tuple[Path, Path], mac: Target
) -> None:
    lock, root = wheelhouse
    before = _snapshot(root)
    here = current_target()
    report = verify(parse_pins(lock.read_text()), Store(root), [here, mac])
    assert _snapshot(root) == before  # verifying writes nothing into the wheelhouse
    assert _by_name(report, here.name) == {
        "pure": (COVERED, None),
        "fast": (COVERED, None),
        "slow": (COVERED, None),
        "broken": (GAP, "failed"),
        "future": (GAP, "refused"),
        "needy": (COVERED, None),
        "absent": (GAP, "dependency"),
        "never": (GAP, "never-built"),
        "winonly": (NOT_APPLICABLE, None),
    }
    # On the download-only target: dependencies are not resolved (pip cannot
    # evaluate their markers for another platform), the pure wheel built here serves.
    assert _by_name(report, mac.name) == {
        "pure": (COVERED, None),
        "fast": (COVERED, None),
        "slow": (COVERED, None),
        "broken": (GAP, "no-wheel"),
        "future": (GAP, "refused"),
        "needy": (COVERED, None),
        "never": (GAP, "never-built"),
        "winonly": (NOT_APPLICABLE, None),
    }
    first, second = report.targets
    assert (first.covered, first.total) == (4, 7)
    assert (second.covered, second.total) == (4, 7)
    gaps = {(gap.name, gap.target): gap for gap in report.gaps}
    broken = gaps[("broken", here.name)]
    assert (broken.category, broken.rule) == ("sysdep-missing", "sysdep/missing-header")
    assert broken.first_error and "missing.h" in broken.first_error.text
    assert "build failed: C header missing.h not found" in str(broken.reason)
    assert "(no-wheel)" in str(gaps[("broken", mac.name)].reason)
    assert "requires a different Python" in str(gaps[("future", here.name)].reason)
    assert "absent" in str(gaps[("absent", here.name)].reason)
    chosen = {pin.name: pin.wheel for pin in second.pins if pin.status == COVERED}
    assert chosen["fast"] == "fast-1.0-cp312-cp312-macosx_11_0_arm64.whl"
    assert chosen["slow"] == "slow-1.0-py3-none-any.whl"


def test_cli_table_json_junit_and_exit_code(wheelhouse: tuple[Path, Path], tmp_path: Path) -> None:
    lock, root = wheelhouse
    junit = tmp_path / "reports" / "verify.xml"
    result = invoke("verify", lock, "-w", root, "--target", "current", "--junit", junit)
    assert result.exit_code == 1
    assert "covered" in result.stdout and "4/7" in result.stdout
    assert "GAP broken==1.0" in result.stderr and "missing.h" in result.stderr
    assert "error: 4 gap(s) on 1 target(s)" in result.stderr
    suite = ET.parse(junit).getroot()
    assert suite.tag == "testsuites"
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("9", "4", "1")
    (testsuite,) = suite.findall("testsuite")
    cases = {case.get("name"): case for case in testsuite.findall("testcase")}
    assert cases["broken==1.0"].get("classname") == current_target().name
    failure = cases["broken==1.0"].find("failure")
    assert failure is not None
    assert failure.get("message") == (
        "C header missing.h not found (sysdep/missing-header, sysdep-missing)"
    )
    assert failure.text is not None and failure.text.startswith("first error (log line ")
    assert cases["winonly==1.0"].find("skipped") is not None
    assert cases["pure==1.0"].find("failure") is None
    as_json = invoke("verify", lock, "-w", root, "--target", "current", "--json")
    data = json.loads(as_json.stdout)
    assert data["ok"] is False and len(data["gaps"]) == 4
    assert data["targets"][0]["covered"] == 4


def test_a_complete_wheelhouse_verifies(tmp_path: Path) -> None:
    store = Store(tmp_path / "wh").create()
    make_wheel(store.wheels, "alpha", "1.0")
    make_wheel(store.wheels, "beta", "2.0", requires=("alpha",))
    lock = tmp_path / "lock.txt"
    lock.write_text("alpha==1.0\nbeta==2.0\n")
    result = invoke("verify", lock, "-w", store.root, "--target", "current", "--target", MAC)
    assert result.exit_code == 0, result.output
    assert "every pin installs binary-only from the wheelhouse on 2 target(s)" in result.stdout
    quiet = invoke("verify", lock, "-w", store.root, "-q")
    assert quiet.exit_code == 0 and quiet.stdout == ""


def test_a_conflict_is_a_gap_and_pins_are_still_proved_one_by_one(tmp_path: Path) -> None:
    store = Store(tmp_path / "wh").create()
    make_wheel(store.wheels, "alpha", "1.0")
    make_wheel(store.wheels, "alpha", "2.0")
    make_wheel(store.wheels, "beta", "1.0", requires=("alpha>=2",))
    report = verify(parse_pins("alpha==1.0\nbeta==1.0\n"), store, [current_target()])
    (target,) = report.targets
    assert not target.proved
    assert {(p.name, p.status) for p in target.pins} == {
        ("alpha", COVERED),
        ("beta", COVERED),
        ("(dependencies)", GAP),
    }
    assert "conflicting dependencies" in str(target.gaps[0].reason)


def test_another_local_interpreter_is_asked_through_pip_python(tmp_path: Path) -> None:
    other_version = "3.12" if sys.version_info[:2] != (3, 12) else "3.11"
    try:
        other = resolve_target(other_version)
    except ConfigError:
        pytest.skip(f"no Python {other_version} here")
    store = Store(tmp_path / "wh").create()
    make_wheel(store.wheels, "alpha", "1.0")
    make_wheel(store.wheels, "fast", "1.0", tag=str(current_target().tags[0]))
    report = verify(parse_pins("alpha==1.0\nfast==1.0\n"), store, [current_target(), other])
    here, there = report.targets
    assert here.covered == 2 and not here.gaps
    assert there.command.startswith(f"pip --python {other.python} install --dry-run")
    assert [(gap.name, gap.kind) for gap in there.gaps] == [("fast", "never-built")]
    assert there.proved  # alpha, the rest, installs there
