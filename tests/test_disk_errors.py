"""Read-only and full disks: one clear line, reading commands still work, nothing cached.

A read-only wheelhouse is a real read-only bind mount (a private user + mount
namespace, see ``_mounts``), so it holds for root too; a full disk is a real tmpfs
of a few megabytes (root only).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from _mounts import fill, readonly, small_tmpfs
from conftest import LocalIndex, cli_runner, make_sdist, make_wheel
from wheelmill.store.catalog import Catalog
from wheelmill.store.wheelhouse import Store

WHEELMILL = [sys.executable, "-m", "wheelmill"]


def _cli(*args: str | Path) -> None:
    from wheelmill.cli import cli

    cli_runner().invoke(cli, [str(a) for a in args], prog_name="wheelmill")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """A published wheelhouse with one fetched pin and one failed build:
    (wheelhouse, lock, index URL)."""
    root = tmp_path_factory.mktemp("disk")
    index = LocalIndex(root / "index")
    index.add(make_wheel(root / "src", "pure", "1.0"))
    index.add(make_sdist("build-fails", root / "src", name="broken", version="1.0"))
    lock = root / "lock.txt"
    lock.write_text(index.lock_line("pure", "1.0") + index.lock_line("broken", "1.0"))
    wheelhouse = root / "wh"
    _cli("build", lock, "-w", wheelhouse, "--index-url", index.url)
    _cli("publish", "-w", wheelhouse)
    assert Catalog(Store(wheelhouse).catalog_path).current_failures()
    return wheelhouse, lock, index.url


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(path.relative_to(root)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in root.rglob("*")
        if path.is_file()
    }


def _one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["failures"], "broken"),
        (["show", "broken"], "last failure"),
        (["rules"], "rules"),
        (["gc", "--keep", "{lock}", "--dry-run"], "would remove"),
    ],
)
def test_reading_commands_work_on_a_read_only_wheelhouse(
    built: tuple[Path, Path, str], args: list[str], expected: str
) -> None:
    wheelhouse, lock, _ = built
    before = _snapshot(wheelhouse)
    argv = [a.format(lock=lock) for a in args]
    result = readonly(wheelhouse, [*WHEELMILL, *argv, "-w", str(wheelhouse)])
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert expected in result.stdout
    assert _snapshot(wheelhouse) == before


def test_json_of_failures_on_a_read_only_wheelhouse(built: tuple[Path, Path, str]) -> None:
    wheelhouse, _, _ = built
    result = readonly(wheelhouse, [*WHEELMILL, "failures", "--json", "-w", str(wheelhouse)])
    assert result.returncode == 0, result.stderr
    assert [row["name"] for row in json.loads(result.stdout)["failures"]] == ["broken"]


@pytest.mark.parametrize("command", ["build", "publish", "gc"])
def test_writing_commands_say_the_wheelhouse_is_read_only(
    built: tuple[Path, Path, str], command: str
) -> None:
    wheelhouse, lock, url = built
    argv = {
        "build": ["build", str(lock), "--index-url", url],
        "publish": ["publish"],
        "gc": ["gc", "--keep", str(lock)],
    }[command]
    result = readonly(wheelhouse, [*WHEELMILL, *argv, "-w", str(wheelhouse)])
    line = _one_error_line(result)
    assert "read-only file system" in line
    assert "run on a writable copy of the wheelhouse" in line
    assert str(wheelhouse) in line


def test_an_unmigrated_catalog_reads_on_a_read_only_wheelhouse(tmp_path: Path) -> None:
    """A catalog written by an older wheelmill lacks columns; reading may not add them."""
    import sqlite3

    wheelhouse = tmp_path / "wh"
    store = Store(wheelhouse).create()
    with sqlite3.connect(store.catalog_path) as db:
        db.execute(
            "CREATE TABLE attempts (id INTEGER PRIMARY KEY, created REAL, package TEXT, "
            "version TEXT, target TEXT, key TEXT, status TEXT, source TEXT, duration REAL, "
            "wheel TEXT, sha256 TEXT, log TEXT, error TEXT, installer TEXT)"
        )
        db.execute(
            "INSERT INTO attempts VALUES (1, 0, 'old', '1.0', 't', 'k', 'failed', 'built', "
            "1.0, NULL, NULL, NULL, 'it broke', 'pip')"
        )
    db.close()
    result = readonly(wheelhouse, [*WHEELMILL, "failures", "-w", str(wheelhouse)])
    assert result.returncode == 0, result.stderr
    assert "old" in result.stdout and "it broke" in result.stdout


def test_a_full_disk_is_not_remembered_as_a_failed_build(tmp_path: Path) -> None:
    index = LocalIndex(tmp_path / "index")
    index.add(make_sdist("pure-ok", tmp_path / "src", name="roomy", version="1.0"))
    lock = tmp_path / "lock.txt"
    lock.write_text(index.lock_line("roomy", "1.0"))
    with small_tmpfs(tmp_path / "disk", "16m") as disk:
        wheelhouse = disk / "wh"
        build = [*WHEELMILL, "build", str(lock), "-w", str(wheelhouse), "--index-url", index.url]
        Store(wheelhouse).create()
        filler = fill(disk, leave=64 * 1024)
        full = subprocess.run(build, capture_output=True, text=True, check=False)
        assert full.returncode == 1, full.stdout + full.stderr
        assert "Traceback" not in full.stdout + full.stderr
        said = " ".join(full.stdout.split()).lower()  # the table may fold long errors
        assert "ran out of resources (no space left on device)" in said
        assert "not remembered as a failed build" in said
        records = [record for _, record in Store(wheelhouse).iter_records()]
        assert not [record for record in records if record.status == "failed"]
        filler.unlink()
        # Space is back: the next build builds it, no --retry-failed needed.
        again = subprocess.run(build, capture_output=True, text=True, check=False)
        assert again.returncode == 0, again.stdout + again.stderr
        assert "built" in again.stdout
        assert [p.name for p in (wheelhouse / "wheels").glob("*.whl")] == [
            "roomy-1.0-py3-none-any.whl"
        ]


@pytest.mark.parametrize("command", ["publish", "build"])
def test_a_full_disk_is_one_line(
    built: tuple[Path, Path, str], tmp_path: Path, command: str
) -> None:
    source, lock, url = built
    with small_tmpfs(tmp_path / "disk", "16m") as disk:
        wheelhouse = disk / "wh"
        shutil.copytree(source / "wheels", wheelhouse / "wheels")
        Store(wheelhouse).create()
        fill(disk, leave=0)
        argv = {"publish": ["publish"], "build": ["build", str(lock), "--index-url", url]}
        result = subprocess.run(
            [*WHEELMILL, *argv[command], "-w", str(wheelhouse)],
            capture_output=True,
            text=True,
            check=False,
        )
        if command == "publish":
            line = _one_error_line(result)
            assert "no space left on device; free some space" in line
        else:  # a batch goes on: every pin says it, then the one summary line
            assert result.returncode == 1
            assert "Traceback" not in result.stdout + result.stderr
            assert "internal error" not in result.stdout
            assert "no space left on device" in result.stdout.lower()
