"""`wheelmill gc`: what no kept lock references goes, everything of it, and never under a build."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result

from conftest import LocalIndex, cli_runner, make_sdist, make_wheel
from wheelmill._exceptions import WheelhouseBusy
from wheelmill.gc import collect_garbage, parse_age
from wheelmill.lockfile.pins import parse_pins
from wheelmill.store.catalog import Catalog
from wheelmill.store.wheelhouse import Store


def invoke(*args: str | Path) -> Result:
    from wheelmill.cli import cli

    return cli_runner().invoke(cli, [str(a) for a in args], prog_name="wheelmill")


def _files(root: Path) -> set[str]:
    return {
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and "locks" not in p.parts and not p.name.endswith(("-wal", "-shm"))
    }


@pytest.fixture
def wheelhouse(local_index: LocalIndex, tmp_path: Path) -> Path:
    """alpha 1.0 and 2.0 built, a build helper (pinned too) fetched and kept as build
    dependency, delta built with it, broken failed; everything published."""
    src = tmp_path / "src"
    local_index.add(make_sdist("pure-ok", src, name="alpha", version="1.0"))
    local_index.add(make_sdist("pure-ok", src, name="alpha", version="2.0"))
    local_index.add(make_wheel(src, "sample-build-helper", "1.0"))
    local_index.add(make_sdist("needs-build-dep", src, name="delta", version="1.0"))
    local_index.add(make_sdist("build-fails", src, name="broken", version="1.0"))
    old = tmp_path / "old.txt"
    old.write_text(
        "".join(
            local_index.lock_line(*pin)
            for pin in (("alpha", "1.0"), ("sample-build-helper", "1.0"), ("delta", "1.0"))
        )
        + local_index.lock_line("broken", "1.0")
    )
    new = tmp_path / "new.txt"
    new.write_text(local_index.lock_line("alpha", "2.0") + local_index.lock_line("delta", "1.0"))
    root = tmp_path / "wh"
    for lock in (old, new):
        invoke("build", lock, "-w", root, "--index-url", local_index.url)
    assert invoke("publish", "-w", root).exit_code == 0
    deps = sorted(p.name for p in (root / ".wheelmill" / "build-deps").iterdir())
    assert deps == ["sample_build_helper-1.0-py3-none-any.whl"]
    return root


def test_removes_every_trace_of_unkept_versions(wheelhouse: Path, tmp_path: Path) -> None:
    store = Store(wheelhouse)
    before = _files(wheelhouse)
    dry = invoke("gc", "-w", wheelhouse, "--keep", tmp_path / "new.txt", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert _files(wheelhouse) == before  # a dry run changes nothing
    assert "would remove wheels/alpha-1.0-py3-none-any.whl (" in dry.stdout
    assert "would remove .wheelmill/build-deps/sample_build_helper-1.0-py3-none-any.whl" in (
        dry.stdout
    )
    result = invoke("gc", "-w", wheelhouse, "--keep", tmp_path / "new.txt", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["versions"] == ["alpha==1.0", "broken==1.0", "sample-build-helper==1.0"]
    assert data["bytes"] == sum(item["size"] for item in data["files"]) > 0
    kinds = {item["kind"] for item in data["files"]}
    assert kinds == {"wheel", "metadata", "sdist", "build-dep", "record", "log"}
    assert sorted(p.name for p in store.wheels.glob("*.whl")) == [
        "alpha-2.0-py3-none-any.whl",
        "delta-1.0-py3-none-any.whl",
    ]
    assert sorted(p.name for p in store.wheels.glob("*.metadata")) == [
        "alpha-2.0-py3-none-any.whl.metadata",
        "delta-1.0-py3-none-any.whl.metadata",
    ]
    assert sorted(p.name for p in store.sdists.glob("*/*")) == [
        "alpha-2.0.tar.gz",
        "delta-1.0.tar.gz",
    ]
    assert len(list(store.sdists.iterdir())) == 2  # the emptied digest directory went too
    assert not list((store.state / "build-deps").iterdir())
    rows = Catalog(store.catalog_path).attempts()
    assert {(r.name, r.version) for r in rows} == {("alpha", "2.0"), ("delta", "1.0")}
    assert all(Path(r.log).is_file() for r in rows if r.log)
    # What the store remembered of each removed wheel went with it.
    assert sorted(p.name for p in store.stored.iterdir()) == [
        f"{p.name}.json" for p in sorted(store.wheels.glob("*.whl"))
    ]
    assert {r.version for _, r in store.iter_records()} == {"2.0", "1.0"}
    assert {r.name for _, r in store.iter_records()} == {"alpha", "delta"}
    assert len(list(store.logs.iterdir())) == 2
    # Republished: the index and the status page no longer know the removed versions.
    page = (wheelhouse / "simple" / "alpha" / "index.html").read_text()
    assert "alpha-2.0" in page and "alpha-1.0" not in page
    assert not (wheelhouse / "simple" / "sample-build-helper").exists()
    assert "broken" not in (wheelhouse / "status" / "index.html").read_text()


def test_older_than_spares_recent_files(tmp_path: Path) -> None:
    store = Store(tmp_path / "wh").create()
    old = make_wheel(store.wheels, "alpha", "1.0")
    recent = make_wheel(store.wheels, "beta", "1.0")
    keep = make_wheel(store.wheels, "gamma", "1.0")
    month_ago = time.time() - 31 * 86400
    os.utime(old, (month_ago, month_ago))
    report = collect_garbage(store, parse_pins("gamma==1.0\n"), older_than=parse_age("30d"))
    assert [item.path.name for item in report.files] == [old.name]
    assert not old.exists() and recent.exists() and keep.exists()


def test_refuses_to_empty_the_wheelhouse_and_bad_ages(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n")
    store = Store(tmp_path / "wh").create()
    result = invoke("gc", "-w", store.root, "--keep", empty)
    assert result.exit_code == 2 and "refusing to empty the wheelhouse" in result.stderr
    bad = invoke("gc", "-w", store.root, "--keep", empty, "--older-than", "soon")
    assert bad.exit_code == 2 and "is not an age" in bad.stderr
    assert parse_age("2w") == 14 * 86400 and parse_age("90m") == 5400


_HOLD = """
import sys, time
from pathlib import Path
from wheelmill.store.wheelhouse import Store
store = Store(Path(sys.argv[1]))
with (store.building() if sys.argv[2] == "build" else store.exclusive(timeout=5)):
    print("held", flush=True)
    while not Path(sys.argv[3]).exists():
        time.sleep(0.05)
"""


@contextlib.contextmanager
def _holding(root: Path, mode: str, release: Path) -> Iterator[None]:
    """Another process holds the wheelhouse lock (as a build, or as gc) until ``release``."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(root), mode, str(release)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    try:
        assert holder.stdout.readline().strip() == "held"
        yield
    finally:
        release.touch()
        holder.wait(timeout=30)
        holder.stdout.close()


def test_gc_waits_for_a_running_build_and_gives_up_cleanly(tmp_path: Path) -> None:
    store = Store(tmp_path / "wh").create()
    doomed = make_wheel(store.wheels, "alpha", "1.0")
    make_wheel(store.wheels, "beta", "1.0")
    keep = tmp_path / "keep.txt"
    keep.write_text("beta==1.0\n")
    release = tmp_path / "release"
    with _holding(store.root, "build", release):
        with pytest.raises(WheelhouseBusy, match="a build is running"):
            collect_garbage(store, parse_pins("beta==1.0\n"), wait=0.3)
        assert doomed.exists()  # nothing removed
        busy = invoke("gc", "-w", store.root, "--keep", keep, "--wait", "0.2")
        assert busy.exit_code == 1 and "nothing was removed" in busy.stderr
        finish = threading.Timer(0.5, release.touch)  # the build ends while gc waits
        finish.start()
        started = time.monotonic()
        report = collect_garbage(store, parse_pins("beta==1.0\n"), wait=30)
        assert time.monotonic() - started >= 0.4
        finish.join()
    assert [item.path.name for item in report.files] == [doomed.name]


def test_a_build_waits_while_gc_holds_the_wheelhouse(
    local_index: LocalIndex, tmp_path: Path
) -> None:
    local_index.add(make_wheel(tmp_path / "src", "beta", "2.0"))
    lock = tmp_path / "lock.txt"
    lock.write_text(local_index.lock_line("beta", "2.0"))
    root = tmp_path / "wh"
    Store(root).create()
    release = tmp_path / "release"
    with _holding(root, "gc", release):
        build = subprocess.Popen(
            [sys.executable, "-m", "wheelmill", "build", str(lock), "-w", str(root),
             "--index-url", local_index.url, "-q"],
        )  # fmt: skip
        try:
            time.sleep(1.5)
            assert build.poll() is None  # still waiting for gc
            assert not list((root / "wheels").iterdir())
            release.touch()
            assert build.wait(timeout=60) == 0
        finally:
            if build.poll() is None:
                build.kill()
                build.wait()
    assert (root / "wheels" / "beta-2.0-py3-none-any.whl").is_file()
