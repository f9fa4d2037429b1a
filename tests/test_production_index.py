"""The index a team runs in production: true upload times, find-links over HTTP, yank,
with real pip and uv against ``wheelmill serve`` on 127.0.0.1."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from uv import find_uv_bin

import test_nginx
from _fake_upstream import FakeUpstream
from conftest import client_env, make_sdist, make_wheel
from wheelmill._timestamps import iso_time
from wheelmill.build.batch import prebuild
from wheelmill.config import BuildSettings
from wheelmill.diagnose.remedy import LazyRules
from wheelmill.index.publish import publish
from wheelmill.lockfile.pins import parse_pins
from wheelmill.serve.server import BackgroundServer
from wheelmill.store.wheelhouse import Store
from wheelmill.target import current_target

UPSTREAM_TIME = "2020-01-02T03:04:05.000000Z"


def run_client(args: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        args, capture_output=True, text=True, env=client_env(UV_PYTHON_DOWNLOADS="never")
    )
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def get(port: int, path: str, accept: str = "application/vnd.pypi.simple.v1+json") -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"Accept": accept})
        response = conn.getresponse()
        body = response.read()
        assert response.status == 200, (path, response.status, body)
        return body
    finally:
        conn.close()


def upload_times(port: int, project: str) -> dict[str, str]:
    page = json.loads(get(port, f"/simple/{project}/"))
    return {f["filename"]: f["upload-time"] for f in page["files"]}


@pytest.fixture
def built(tmp_path: Path) -> Iterator[Store]:
    """``fetched`` taken from an upstream that says it was uploaded in 2020, ``made``
    built here from its sdist; published."""
    src = tmp_path / "src"
    with FakeUpstream(tmp_path / "upstream") as upstream:
        wheel = make_wheel(src, "fetched", "1.0")
        sdist = make_sdist("pure-ok", src, name="made", version="1.0")
        lock = (
            f"fetched==1.0 --hash=sha256:{upstream.add(wheel, '2020-01-02T03:04:05Z')}\n"
            f"made==1.0 --hash=sha256:{upstream.add(sdist, '2020-01-02T03:04:05Z')}\n"
        )
        store = Store(tmp_path / "wh")
        report = prebuild(
            parse_pins(lock),
            store,
            targets=[current_target()],
            settings=BuildSettings(),
            index_url=upstream.url,
            rules=LazyRules(),
        )
        assert not report.failures, report
    publish(store)
    yield store


@pytest.fixture
def server(built: Store) -> Iterator[BackgroundServer]:
    with BackgroundServer(built.root) as running:
        yield running


def test_upload_time_is_upstreams_for_a_fetched_wheel_and_the_build_time_for_a_built_one(
    built: Store, server: BackgroundServer
) -> None:
    records = {record.name: record for _, record in built.iter_records()}
    assert records["fetched"].upload_time == UPSTREAM_TIME
    assert upload_times(server.port, "fetched") == {"fetched-1.0-py3-none-any.whl": UPSTREAM_TIME}
    made = records["made"]
    assert made.source == "built"
    assert upload_times(server.port, "made") == {made.wheel: iso_time(made.created)}


def test_uv_lock_exclude_newer_takes_what_upstream_uploaded_before_the_date(
    server: BackgroundServer, tmp_path: Path
) -> None:
    def lock(dependency: str) -> subprocess.CompletedProcess[str]:
        project = tmp_path / dependency
        project.mkdir()
        (project / "pyproject.toml").write_text(
            f'[project]\nname = "app"\nversion = "0"\nrequires-python = ">=3.8"\n'
            f'dependencies = ["{dependency}"]\n'
        )
        return run_client(
            [
                find_uv_bin(), "lock", "--directory", str(project), "--python", sys.executable,
                "--cache-dir", str(tmp_path / "cache"), "--default-index", server.url,
                "--exclude-newer", "2021-01-01T00:00:00Z",
            ],
            check=dependency == "fetched",
        )  # fmt: skip

    lock("fetched")
    assert 'name = "fetched"' in (tmp_path / "fetched" / "uv.lock").read_text()
    refused = lock("made")  # built today: newer than the date
    assert refused.returncode != 0
    assert "made" in refused.stderr


def test_copying_the_wheelhouse_without_timestamps_keeps_upload_times(
    built: Store, tmp_path: Path
) -> None:
    made = make_wheel(tmp_path / "own", "own", "2.0")  # put in by hand, never stored
    shutil.copy(made, built.wheels / made.name)
    publish(built)

    def times(store: Store) -> dict[str, str]:
        found = {}
        for page in store.simple.glob("*/index.json"):
            found.update(
                {f["filename"]: f["upload-time"] for f in json.loads(page.read_text())["files"]}
            )
        return found

    before = times(built)
    assert len(before) == 3
    copy = Store(tmp_path / "copy")
    shutil.copytree(built.root, copy.root, copy_function=shutil.copyfile)  # new mtimes
    for wheel in copy.wheels.glob("*.whl"):
        os.utime(wheel, (1_000_000_000, 1_000_000_000))
    publish(copy, verify=True)
    assert times(copy) == before
    assert "2001-09-09" not in json.dumps(times(copy))


def test_pip_finds_links_over_http(server: BackgroundServer, built: Store, tmp_path: Path) -> None:
    listing = get(server.port, "/wheels/", accept="text/html").decode()
    assert "fetched-1.0-py3-none-any.whl#sha256=" in listing
    run_client(
        [
            sys.executable, "-m", "pip", "install", "--no-cache-dir", "--quiet",
            "--no-index", "--find-links", server.url.replace("/simple/", "/wheels/"),
            "--only-binary", ":all:", "--target", str(tmp_path / "t"), "fetched", "made",
        ]
    )  # fmt: skip
    assert (tmp_path / "t" / "fetched-1.0.dist-info").is_dir()
    assert (tmp_path / "t" / "made-1.0.dist-info").is_dir()
    # the local directory still works for find-links (the listing is one more file there)
    run_client(
        [
            sys.executable, "-m", "pip", "install", "--no-cache-dir", "--quiet",
            "--no-index", "--find-links", str(built.wheels),
            "--only-binary", ":all:", "--target", str(tmp_path / "t2"), "fetched",
        ]
    )  # fmt: skip


served = test_nginx.served  # the documented nginx in front of a small wheelhouse


def test_nginx_example_serves_the_find_links_listing(served: str, tmp_path: Path) -> None:
    run_client(
        [
            sys.executable, "-m", "pip", "install", "--no-cache-dir", "--quiet",
            "--no-index", "--find-links", f"{served}/wheels/",
            "--only-binary", ":all:", "--target", str(tmp_path / "t"), "beta",
        ]
    )  # fmt: skip
    assert (tmp_path / "t" / "alpha-1.0.dist-info").is_dir()


def test_serve_redirects_wheels_to_its_listing(server: BackgroundServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("GET", "/wheels")
        response = conn.getresponse()
        response.read()
        assert (response.status, response.getheader("Location")) == (301, "/wheels/")
    finally:
        conn.close()
