"""How much an sdist may unpack to (``build.max_unpacked_mb``), and a full disk."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import pytest

from conftest import LocalIndex, make_sdist
from wheelmill._exceptions import ConfigError, WheelmillError
from wheelmill.build._archive import unpack_sdist
from wheelmill.build.batch import prebuild
from wheelmill.build.key import build_key
from wheelmill.config import BuildSettings, parse_config
from wheelmill.lockfile.pins import parse_pins
from wheelmill.store.wheelhouse import Store
from wheelmill.target import current_target

MIB = 1 << 20


def tar_bomb(path: Path, sizes: dict[str, int]) -> Path:
    """A tar.gz of members full of zeros (so it stays tiny however large they are)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as archive:
        for name, size in sizes.items():
            info = tarfile.TarInfo(name)
            info.size = size
            archive.addfile(info, _Zeros(size))
    return path


class _Zeros(io.RawIOBase):
    """``size`` zero bytes, read in chunks, without holding them in memory."""

    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        count = min(len(buffer), self.left)
        buffer[:count] = bytes(count)
        self.left -= count
        return count


def test_a_bomb_is_refused_at_its_header_before_anything_is_written(tmp_path: Path) -> None:
    bomb = tar_bomb(tmp_path / "bomb-1.0.tar.gz", {"bomb-1.0/zeros.bin": 64 * MIB})
    assert bomb.stat().st_size < 256 * 1024
    dest = tmp_path / "out"
    started = time.monotonic()
    with pytest.raises(WheelmillError) as caught:
        unpack_sdist(bomb, dest, max_unpacked_mb=8)
    assert time.monotonic() - started < 2
    message = str(caught.value)
    assert "bomb-1.0.tar.gz" in message
    assert "8 MiB" in message and "max_unpacked_mb" in message
    assert "\n" not in message
    assert not any(path.is_file() for path in dest.rglob("*"))


def test_many_members_count_together(tmp_path: Path) -> None:
    sizes = {f"many-1.0/part{n}.bin": MIB // 2 for n in range(6)}
    archive = tar_bomb(tmp_path / "many-1.0.tar.gz", sizes)
    with pytest.raises(WheelmillError, match=r"many-1\.0\.tar\.gz: .*more than 2 MiB"):
        unpack_sdist(archive, tmp_path / "out", max_unpacked_mb=2)
    # Under the cap (or with no cap) it unpacks.
    source = unpack_sdist(archive, tmp_path / "ok", max_unpacked_mb=4)
    assert sorted(p.name for p in source.iterdir()) == sorted(n.split("/")[1] for n in sizes)
    assert unpack_sdist(archive, tmp_path / "free", max_unpacked_mb=0).is_dir()


def test_a_zip_bomb_is_refused_too(tmp_path: Path) -> None:
    bomb = tmp_path / "zbomb-1.0.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zbomb-1.0/zeros.bin", bytes(32 * MIB))
    with pytest.raises(WheelmillError, match=r"zbomb-1\.0\.zip: .*more than 16 MiB"):
        unpack_sdist(bomb, tmp_path / "out", max_unpacked_mb=16)
    assert not any(path.is_file() for path in (tmp_path / "out").rglob("*"))


_UNPACK = """
import sys
from pathlib import Path
from wheelmill.build._archive import unpack_sdist
from wheelmill._exceptions import WheelmillError
try:
    unpack_sdist(Path(sys.argv[1]), Path(sys.argv[2]) / "out", max_unpacked_mb=8)
except WheelmillError as exc:
    print(exc)
"""
#: Runs a command with a 1 MiB tmpfs mounted on DIR, in a private mount namespace.
_IN_SMALL_TMPFS = [
    "unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
    'mount -t tmpfs -o size=1m tmpfs "$1" && shift && exec "$@"', "sh",
]  # fmt: skip


def _small_tmpfs_works(directory: Path) -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run([*_IN_SMALL_TMPFS, str(directory), "true"], capture_output=True)
    return probe.returncode == 0


def test_a_full_disk_says_so(tmp_path: Path) -> None:
    archive = tar_bomb(tmp_path / "full-1.0.tar.gz", {"full-1.0/data.bin": 2 * MIB})
    small = tmp_path / "small"
    small.mkdir()
    if not _small_tmpfs_works(small):
        pytest.skip("cannot mount a small tmpfs here (needs unshare and user namespaces)")
    run = subprocess.run(
        [*_IN_SMALL_TMPFS, str(small), sys.executable, "-c", _UNPACK, str(archive), str(small)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    message = run.stdout.strip()
    assert message.startswith("full-1.0.tar.gz: the disk is full"), message
    assert "No space left on device" in message
    assert "not a readable sdist archive" not in message


def test_the_cap_is_configured_and_stays_out_of_the_build_key(tmp_path: Path) -> None:
    path = tmp_path / "wheelmill.toml"
    config = parse_config({"build": {"max_unpacked_mb": 100}}, path)
    assert config.build.max_unpacked_mb == 100
    assert BuildSettings().max_unpacked_mb == 2048
    big = parse_config({"packages": {"Huge": {"max_unpacked_mb": 9000}}}, path)
    assert big.settings_for("huge").max_unpacked_mb == 9000
    with pytest.raises(ConfigError, match=r"build\.max_unpacked_mb must be a non-negative integer"):
        parse_config({"build": {"max_unpacked_mb": -1}}, path)
    (pin,) = parse_pins("x==1.0\n")
    keys = {
        build_key(pin, None, BuildSettings(max_unpacked_mb=cap), index_url="u") for cap in (1, 2048)
    }
    assert len(keys) == 1


def test_a_build_over_the_cap_fails_with_the_reason(
    local_index: LocalIndex, tmp_path: Path
) -> None:
    local_index.add(tar_bomb(tmp_path / "src" / "huge-1.0.tar.gz", {"huge-1.0/z.bin": 4 * MIB}))
    local_index.add(make_sdist("pure-ok", tmp_path / "src", name="small", version="1.0"))
    lock = local_index.lock_line("huge", "1.0") + local_index.lock_line("small", "1.0")
    report = prebuild(
        parse_pins(lock),
        Store(tmp_path / "wh"),
        targets=[current_target()],
        settings=BuildSettings(max_unpacked_mb=1),
        index_url=local_index.url,
    )
    statuses = {r.name: r.status for r in report.results}
    assert statuses == {"huge": "failed", "small": "built"}
    (failure,) = report.failures
    assert "huge-1.0.tar.gz" in str(failure.error) and "max_unpacked_mb" in str(failure.error)
