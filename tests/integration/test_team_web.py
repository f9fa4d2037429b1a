"""A team's real requirements locked for four Pythons and built: no false failure.

``tests/data/team-web.in`` (23 requirements: web frameworks, numpy and pandas,
C extensions built from sdists such as psycopg2, netifaces and pyminizip) is
locked by ``wheelmill lock`` universally for 3.10, 3.11, 3.12 and 3.13 and
built for all four with two jobs. Every pin is settled for every target, or is
not applicable there (its marker or its Requires-Python) and says why; no
target lacks a release of any requirement. The interpreters are found as for
any target (``PATH``, pyenv, ``uv python find``); the test is skipped, saying
which, when one is missing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from wheelmill._exceptions import WheelmillError
from wheelmill.lockfile.inputs import read_header
from wheelmill.target import resolve_target

pytestmark = [pytest.mark.network, pytest.mark.slow]

REQUIREMENTS = Path(__file__).parent.parent / "data" / "team-web.in"
TARGETS = ("3.10", "3.11", "3.12", "3.13")
SETTLED = {"built", "fetched", "cached"}


def wheelmill(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wheelmill", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=1200,
    )


def _failures(done: subprocess.CompletedProcess[str]) -> str:
    """The failed pins of a ``build --json`` run (else the tail of its output)."""
    try:
        pins = json.loads(done.stdout)["pins"]
    except (ValueError, KeyError):
        return done.stdout[-4000:] + done.stderr[-4000:]
    failed = [
        f"{p['name']}=={p['version']} on {p['target']}: {p.get('error')} "
        f"[{p.get('category')}] {p.get('first_error')} (log {p.get('log')})"
        for p in pins
        if p["status"] == "failed"
    ]
    return "\n".join([*failed, done.stderr[-2000:]])


def test_team_web_locked_for_four_pythons_builds_with_no_failure(tmp_path: Path) -> None:
    try:
        abis = {resolve_target(version).name: version for version in TARGETS}
    except WheelmillError as exc:
        pytest.skip(str(exc))
    (tmp_path / "requirements.in").write_text(REQUIREMENTS.read_text())
    listed = ", ".join(f'"{version}"' for version in TARGETS)
    (tmp_path / "wheelmill.toml").write_text(
        f'resolver = "uv"\ntargets = [{listed}]\nwheelhouse = "wh"\n'
    )

    locked = wheelmill(
        "lock", "requirements.in", "-o", "requirements.txt", "--config", "wheelmill.toml",
        cwd=tmp_path,
    )  # fmt: skip
    assert locked.returncode == 0, locked.stderr
    header = read_header(tmp_path / "requirements.txt")
    assert header.targets == TARGETS and header.universal

    built = wheelmill(
        "build", "requirements.txt", "--config", "wheelmill.toml", "--jobs", "2", "--json",
        cwd=tmp_path,
    )  # fmt: skip
    assert built.returncode == 0, _failures(built)
    assert "warning" not in built.stderr  # the lock was resolved for every target
    report = json.loads(built.stdout)
    assert report["counts"]["failed"] == 0
    pins = report["pins"]
    assert {pin["target"] for pin in pins} == set(abis)

    outcomes: dict[tuple[str, str, str], str] = {}
    for pin in pins:
        where = (pin["name"], pin["version"], pin["target"])
        assert where not in outcomes, f"settled twice: {where}"
        outcomes[where] = pin["status"]
        if pin["status"] == "not-applicable":
            assert pin["reason"], pin
        else:
            assert pin["status"] in SETTLED, pin
    # Every pin is accounted for on every target ...
    versions = {(name, version) for name, version, _ in outcomes}
    assert len(outcomes) == len(versions) * len(abis)
    # ... and every requirement has a settled release on every target.
    wanted = {
        canonicalize_name(Requirement(line).name)
        for line in REQUIREMENTS.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for target, version in abis.items():
        settled = {
            name for (name, _, on), status in outcomes.items() if on == target and status in SETTLED
        }
        assert wanted <= settled, (version, sorted(wanted - settled))
