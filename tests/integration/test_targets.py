"""Several real targets, a per-package override, and rebuilds of exactly what changed.

docopt (pure Python) is built once and serves both interpreters; netifaces (C)
and PyYAML 5.4.1 (C, and only buildable with ``Cython<3`` — the override) are
built per interpreter and repaired into manylinux wheels (``repair = "auto"``);
every built wheel passed the import check. Changing the
override rebuilds that pin alone. The test process carries a dead
``PIP_INDEX_URL`` and a bogus pip config (see conftest): builds ignore them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.utils import parse_wheel_filename

from wheelmill.target import current_target, resolve_target

pytestmark = pytest.mark.network

OTHER = "3.12" if sys.version_info[:2] != (3, 12) else "3.11"
CONFIG = """\
requirements = "requirements.in"
lock = "requirements.txt"
wheelhouse = "wh"
targets = ["current", "{other}"]

[packages.pyyaml]
constraints = ["Cython<3"]
env = {{ WHEELMILL_TEST_MARK = "{mark}" }}
"""


def _run(work: Path, mark: str) -> dict[tuple[str, str], str]:
    (work / "wheelmill.toml").write_text(CONFIG.format(other=OTHER, mark=mark))
    done = subprocess.run(
        [sys.executable, "-m", "wheelmill", "run", "--config", "wheelmill.toml", "--json"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    pins = json.loads(done.stdout)["build"]["pins"]
    return {(p["name"], p["target"]): p["status"] for p in pins}


def test_two_interpreters_one_override(tmp_path: Path) -> None:
    (tmp_path / "requirements.in").write_text("docopt\nnetifaces\nPyYAML==5.4.1\n")
    here, other = current_target().name, resolve_target(OTHER).name
    first = _run(tmp_path, "one")
    assert first == {
        ("docopt", here): "built",
        ("docopt", other): "cached",
        ("netifaces", here): "built",
        ("netifaces", other): "built",
        ("pyyaml", here): "built",
        ("pyyaml", other): "built",
    }
    wheels = sorted(p.name for p in (tmp_path / "wh" / "wheels").glob("*.whl"))
    tags = {here.split("-")[0], other.split("-")[0]}
    # compiled wheels come out repaired (repair = "auto"): manylinux, never linux_*
    assert wheels[0] == "docopt-0.6.2-py2.py3-none-any.whl"
    compiled = [parse_wheel_filename(wheel) for wheel in wheels[1:]]
    versions = {"netifaces": "0.11.0", "pyyaml": "5.4.1"}
    assert sorted(
        (name, str(version), next(iter(found)).interpreter) for name, version, _, found in compiled
    ) == sorted((name, version, t) for name, version in versions.items() for t in tags)
    for wheel, (_, _, _, found) in zip(wheels[1:], compiled):
        assert all(tag.platform.startswith("manylinux") for tag in found), wheel
    second = _run(tmp_path, "two")
    assert second == {
        **dict.fromkeys(first, "cached"),
        ("pyyaml", here): "built",
        ("pyyaml", other): "built",
    }
