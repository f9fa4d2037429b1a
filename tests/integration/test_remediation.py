"""The knowledge base at work on a real sdist: PyYAML 5.4.1 against today's Cython.

Its build breaks on Cython 3 (``AttributeError: ... 'cython_sources'``). wheelmill
diagnoses that as ``build-requirement-incompatible``, retries once with the
rule's fix (the build constraint ``Cython<3``), and the wheel lands in the
wheelhouse; the catalog keeps both attempts and the rule's fix rate shows it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.network


def wheelmill(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wheelmill", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=900,
    )


def test_pyyaml_541_is_diagnosed_retried_and_built(tmp_path: Path) -> None:
    (tmp_path / "requirements.in").write_text("PyYAML==5.4.1\n")
    locked = wheelmill("lock", "requirements.in", "-o", "requirements.txt", cwd=tmp_path)
    assert locked.returncode == 0, locked.stderr
    assert "requirements/cython3-incompatible: build constraint Cython<3" in locked.stderr

    built = wheelmill("build", "requirements.txt", "-w", "wh", "--json", cwd=tmp_path)
    assert built.returncode == 0, built.stdout + built.stderr
    (pin,) = json.loads(built.stdout)["pins"]
    assert pin["status"] == "built"
    assert pin["remediation"] == "requirements/cython3-incompatible: build constraint Cython<3"
    assert list((tmp_path / "wh" / "wheels").glob("pyyaml-5.4.1-*.whl"))

    shown = json.loads(wheelmill("show", "pyyaml", "-w", "wh", "--json", cwd=tmp_path).stdout)
    first, second = shown["attempts"]
    assert first["status"] == "failed"
    assert first["category"] == "build-requirement-incompatible"
    assert "cython_sources" in first["diagnosis"]["first_error"]["text"]
    assert second["status"] == "ok"

    rules = json.loads(wheelmill("rules", "-w", "wh", "--json", cwd=tmp_path).stdout)["rules"]
    rule = next(r for r in rules if r["id"] == "requirements/cython3-incompatible")
    assert (rule["evidence"], rule["fix_rate"]) == (1, 1.0)

    # With --no-remediate the same pin fails, explained.
    again = wheelmill(
        "build", "requirements.txt", "-w", "wh2", "--no-remediate", "--json", cwd=tmp_path
    )
    assert again.returncode == 1
    (failed,) = json.loads(again.stdout)["pins"]
    assert (failed["category"], failed["rule"]) == (
        "build-requirement-incompatible",
        "requirements/cython3-incompatible",
    )
