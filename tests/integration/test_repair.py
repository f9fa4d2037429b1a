"""auditwheel repair on a real C extension: a portable manylinux wheel that imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.network


def test_netifaces_becomes_manylinux(tmp_path: Path) -> None:
    (tmp_path / "lock.txt").write_text("netifaces==0.11.0\n")
    (tmp_path / "wheelmill.toml").write_text('wheelhouse = "wh"\n[build]\nrepair = "auditwheel"\n')
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "wheelmill",
            "build",
            "lock.txt",
            "--config",
            "wheelmill.toml",
            "--json",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (pin,) = json.loads(done.stdout)["pins"]
    assert pin["status"] == "built"
    assert "manylinux" in pin["wheel"] and "linux_x86_64" not in pin["wheel"].split("-")[-1]
    (row,) = json.loads(
        subprocess.run(
            [sys.executable, "-m", "wheelmill", "show", "netifaces", "-w", "wh", "--json"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )["attempts"]
    assert row["repair"].startswith(f"auditwheel: {pin['wheel']}; grafted ")
