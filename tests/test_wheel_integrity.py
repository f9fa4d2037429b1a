"""A stored wheel that changes on disk is never published, and the next build replaces it.

The store remembers each wheel's sha256 (and its size, mtime and inode) when it
stores it: ``publish``, ``verify`` and the no-op ``build`` compare against that,
a stat per wheel, and hash again only what changed (or everything with
``--verify``). Archives that would expand far beyond their size are refused
when stored and when published; ``wheels/`` must hold regular files only.
"""

from __future__ import annotations

import functools
import json
import os
import random
import re
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from click.testing import Result
from packaging.utils import canonicalize_name

from conftest import LocalIndex, cli_runner, make_wheel
from wheelmill._exceptions import InvalidWheelError
from wheelmill.build.batch import prebuild
from wheelmill.build.results import BuildReport
from wheelmill.cli import cli
from wheelmill.config import BuildSettings
from wheelmill.index.publish import publish
from wheelmill.lockfile.pins import parse_pins
from wheelmill.store._wheelfile import _direct_metadata, _zipfile_metadata
from wheelmill.store.wheelhouse import Store
from wheelmill.target import current_target
from wheelmill.verify.coverage import GAP, verify

ALPHA = "alpha-1.0-py3-none-any.whl"
BETA = "beta-1.0-py3-none-any.whl"


def invoke(*args: str | Path) -> Result:
    return cli_runner().invoke(cli, [str(a) for a in args], prog_name="wheelmill")


def _prebuild(
    lock: str, index: LocalIndex, wheelhouse: Path, *, verify: bool = False
) -> BuildReport:
    return prebuild(
        parse_pins(lock),
        Store(wheelhouse),
        targets=[current_target()],
        settings=BuildSettings(),
        index_url=index.url,
        verify=verify,
    )


def _build(
    lock: str, index: LocalIndex, wheelhouse: Path, *, verify: bool = False
) -> dict[str, str]:
    report = _prebuild(lock, index, wheelhouse, verify=verify)
    return {result.name: result.status for result in report.results}


def _two_pins(index: LocalIndex, tmp_path: Path) -> tuple[str, Path]:
    """alpha and beta on the index, fetched into a wheelhouse; returns (lock, wheelhouse)."""
    src = tmp_path / "src"
    index.add(make_wheel(src, "alpha", "1.0", payload=4000))
    index.add(make_wheel(src, "beta", "1.0"))
    lock = index.lock_line("alpha", "1.0") + index.lock_line("beta", "1.0")
    wheelhouse = tmp_path / "wh"
    assert _build(lock, index, wheelhouse) == {"alpha": "fetched", "beta": "fetched"}
    assert publish(Store(wheelhouse)).rejected == {}
    return lock, wheelhouse


def _flip_outside_metadata(path: Path) -> None:
    """Flip one byte of the module's compressed data, in place (METADATA stays readable)."""
    with zipfile.ZipFile(path) as archive:
        info = next(i for i in archive.infolist() if i.filename.endswith("__init__.py"))
    at = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    with path.open("r+b") as stream:
        stream.seek(at + info.compress_size // 2)
        byte = stream.read(1)
        stream.seek(-1, os.SEEK_CUR)
        stream.write(bytes([byte[0] ^ 0x55]))


def _later_mtime(path: Path) -> None:
    """What a write does a moment later: the mtime moves on."""
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 2_000_000_000))


def _assert_unpublished(store: Store, filename: str) -> None:
    project = filename.split("-")[0]
    assert not (store.simple / project).exists()
    assert f"{project}/" not in (store.simple / "index.html").read_text(encoding="utf-8")
    assert not (store.wheels / f"{filename}.metadata").exists()
    assert (store.wheels / filename).exists()  # reported, not deleted


# -- zip bombs ----------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _gib_of_zeros() -> tuple[bytes, int]:
    """A raw deflate stream of 1 GiB of zero bytes (about 1 MB), and its CRC-32."""
    mib = bytes(1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(mib) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(1024):
        crc = zlib.crc32(mib, crc)
    return block * 1024 + compressor.flush(), crc


def make_bomb(directory: Path, name: str, version: str) -> Path:
    """A valid wheel of about 1 MB whose one data file expands to 1 GiB."""
    dist = f"{name}-{version}"
    stream, crc = _gib_of_zeros()
    small = {
        f"{dist}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist}.dist-info/WHEEL": "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        f"{dist}.dist-info/RECORD": f"{name}/zeros.bin,,\n{dist}.dist-info/RECORD,,\n",
    }
    members = [(f"{name}/zeros.bin", stream, crc, 1 << 30)]
    for member, text in small.items():
        deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
        data = deflate.compress(text.encode()) + deflate.flush()
        members.append((member, data, zlib.crc32(text.encode()), len(text.encode())))
    local, central = bytearray(), bytearray()
    for member, data, member_crc, size in members:
        encoded = member.encode()
        head = (8, 0, 0x21, member_crc, len(data), size, len(encoded))
        central += struct.pack(
            "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, *head, 0, 0, 0, 0, 0o644 << 16, len(local)
        )
        central += encoded
        local += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, *head, 0) + encoded + data
    end = struct.pack(
        "<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), len(central), len(local), 0
    )
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{dist}-py3-none-any.whl"
    path.write_bytes(bytes(local + central + end))
    return path


def test_the_bomb_is_a_zip_that_expands_to_1_gib(tmp_path: Path) -> None:
    with zipfile.ZipFile(make_bomb(tmp_path, "boom", "1.0")) as archive:
        info = archive.getinfo("boom/zeros.bin")
        assert info.file_size == 1 << 30 and info.compress_size < 1_100_000
        with archive.open(info) as member:
            assert member.read(1 << 20) == bytes(1 << 20)
        assert archive.read("boom-1.0.dist-info/METADATA").startswith(b"Metadata-Version")


# -- a byte flipped outside METADATA ------------------------------------------------


def test_a_flipped_byte_is_left_out_and_the_next_build_refetches(
    local_index: LocalIndex, tmp_path: Path
) -> None:
    lock, wheelhouse = _two_pins(local_index, tmp_path)
    store = Store(wheelhouse)
    wheel = store.wheels / ALPHA
    _flip_outside_metadata(wheel)
    _later_mtime(wheel)

    report = publish(store)

    assert list(report.rejected) == [ALPHA]
    assert "changed since it was stored" in report.rejected[ALPHA]
    _assert_unpublished(store, ALPHA)
    assert (store.simple / "beta" / "index.html").is_file()
    assert publish(store).rejected == {ALPHA: report.rejected[ALPHA]}  # still reported

    assert _build(lock, local_index, wheelhouse) == {"alpha": "fetched", "beta": "cached"}
    assert wheel.read_bytes() == (local_index.files / ALPHA).read_bytes()
    assert publish(store).rejected == {}
    assert (store.simple / "alpha" / "index.html").is_file()


@pytest.mark.parametrize("list_from", [1, 10**6], ids=["listed", "looked-up"])
def test_stored_records_count_the_same_listed_or_looked_up(
    local_index: LocalIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, list_from: int
) -> None:
    """A publish reading many wheels lists the records once instead of looking for each:
    the same rejections, the same upload times, and a hand-put wheel is still checked
    as an archive."""
    from wheelmill.store._integrity import StoredRecords

    monkeypatch.setattr(StoredRecords, "LIST_FROM", list_from)
    _, wheelhouse = _two_pins(local_index, tmp_path)
    store = Store(wheelhouse)
    make_wheel(store.wheels, "handput", "1.0")
    _flip_outside_metadata(store.wheels / ALPHA)
    _later_mtime(store.wheels / ALPHA)
    report = publish(store)
    assert list(report.rejected) == [ALPHA]
    assert "changed since it was stored" in report.rejected[ALPHA]
    recalled = store.recall(BETA)
    assert recalled is not None and recalled.upload_time
    page = json.loads((store.simple / "beta" / "index.json").read_text())
    assert [row["upload-time"] for row in page["files"]] == [recalled.upload_time]
    assert (store.simple / "handput" / "index.json").is_file()


def test_a_change_that_keeps_size_and_mtime_is_found_by_verify(
    local_index: LocalIndex, tmp_path: Path
) -> None:
    lock, wheelhouse = _two_pins(local_index, tmp_path)
    store = Store(wheelhouse)
    wheel = store.wheels / ALPHA
    before = wheel.stat()
    _flip_outside_metadata(wheel)
    os.utime(wheel, ns=(before.st_atime_ns, before.st_mtime_ns))

    published = invoke("publish", "-w", wheelhouse, "--verify")
    assert published.exit_code == 1
    assert f"REJECTED {ALPHA}" in published.stderr
    _assert_unpublished(store, ALPHA)

    lock_file = tmp_path / "lock.txt"
    lock_file.write_text(lock)
    built = invoke(
        "build", lock_file, "-w", wheelhouse, "--index-url", local_index.url, "--verify", "--json"
    )
    assert built.exit_code == 0, built.stderr
    assert wheel.read_bytes() == (local_index.files / ALPHA).read_bytes()
    assert invoke("publish", "-w", wheelhouse).exit_code == 0


def test_a_noop_build_hashes_only_what_changed(local_index: LocalIndex, tmp_path: Path) -> None:
    lock, wheelhouse = _two_pins(local_index, tmp_path)
    store = Store(wheelhouse)
    records = {path.name: path.stat().st_mtime_ns for path in store.records.iterdir()}
    # touched, not changed: hashed once, found intact, and its new mtime remembered
    _later_mtime(store.wheels / BETA)
    assert _build(lock, local_index, wheelhouse) == {"alpha": "cached", "beta": "cached"}
    rewritten = {
        name
        for name, mtime in records.items()
        if (store.records / name).stat().st_mtime_ns != mtime
    }
    beta_keys = {p.name for p in store.records.iterdir() if '"beta"' in p.read_text()}
    assert rewritten and rewritten <= beta_keys
    assert publish(store).rejected == {}


# -- zip bombs ----------------------------------------------------------------------


def test_a_zip_bomb_is_neither_stored_nor_published(
    local_index: LocalIndex, tmp_path: Path
) -> None:
    local_index.add(make_bomb(tmp_path / "src", "boom", "1.0"))
    lock, wheelhouse = _two_pins(local_index, tmp_path)
    store = Store(wheelhouse)

    # from the index: refused before it reaches wheels/
    report = _prebuild(local_index.lock_line("boom", "1.0"), local_index, wheelhouse)
    (failure,) = report.failures
    assert "expands to" in str(failure.error)
    assert not (store.wheels / "boom-1.0-py3-none-any.whl").exists()

    # copied in by hand: left out of the index
    (store.wheels / "boom-1.0-py3-none-any.whl").write_bytes(
        (local_index.files / "boom-1.0-py3-none-any.whl").read_bytes()
    )
    # a stored wheel replaced by one: left out, and fetched again by the next build
    make_bomb(tmp_path / "bomb", "alpha", "1.0").replace(store.wheels / ALPHA)
    published = publish(store)
    assert sorted(published.rejected) == [ALPHA, "boom-1.0-py3-none-any.whl"]
    assert "expands to" in published.rejected["boom-1.0-py3-none-any.whl"]
    assert "changed since it was stored" in published.rejected[ALPHA]
    _assert_unpublished(store, ALPHA)
    _assert_unpublished(store, "boom-1.0-py3-none-any.whl")

    assert _build(lock, local_index, wheelhouse) == {"alpha": "fetched", "beta": "cached"}
    assert (store.wheels / ALPHA).read_bytes() == (local_index.files / ALPHA).read_bytes()


# -- a truncated wheel --------------------------------------------------------------


def test_a_truncated_wheel_is_left_out_and_the_next_build_refetches(
    local_index: LocalIndex, tmp_path: Path
) -> None:
    lock, wheelhouse = _two_pins(local_index, tmp_path)
    store = Store(wheelhouse)
    wheel = store.wheels / ALPHA
    wheel.write_bytes(wheel.read_bytes()[:-300])

    result = invoke("publish", "-w", wheelhouse)

    assert result.exit_code == 1
    assert f"REJECTED {ALPHA}" in result.stderr
    _assert_unpublished(store, ALPHA)
    assert _build(lock, local_index, wheelhouse) == {"alpha": "fetched", "beta": "cached"}
    assert wheel.read_bytes() == (local_index.files / ALPHA).read_bytes()
    assert publish(store).rejected == {}


def test_verify_names_the_unreadable_wheel_not_every_pin(
    local_index: LocalIndex, tmp_path: Path
) -> None:
    src = tmp_path / "src"
    names = [f"pkg{number}" for number in range(6)]
    for name in names:
        local_index.add(make_wheel(src, name, "1.0"))
    lock = "".join(local_index.lock_line(name, "1.0") for name in names)
    wheelhouse = tmp_path / "wh"
    assert set(_build(lock, local_index, wheelhouse).values()) == {"fetched"}
    store = Store(wheelhouse)
    truncated = store.wheels / "pkg2-1.0-py3-none-any.whl"
    truncated.write_bytes(truncated.read_bytes()[:-300])
    flipped = store.wheels / "pkg4-1.0-py3-none-any.whl"
    _flip_outside_metadata(flipped)
    _later_mtime(flipped)

    report = verify(parse_pins(lock), store, [current_target()])

    gaps = {gap.name: gap for gap in report.gaps}
    assert sorted(gaps) == ["pkg2", "pkg4"]
    for gap, path in ((gaps["pkg2"], truncated), (gaps["pkg4"], flipped)):
        assert gap.status == GAP and gap.kind == "corrupt", gap
        reason = str(gap.reason)
        assert reason.startswith(f"wheels/{path.name} is unreadable or corrupt: ")
        assert reason.endswith("run `wheelmill build` again to replace it")
    (target,) = report.targets
    assert target.covered == 4 and target.proved


# -- not regular files --------------------------------------------------------------


def test_symlinks_and_other_non_files_in_wheels_are_left_out(tmp_path: Path) -> None:
    store = Store(tmp_path / "wh").create()
    make_wheel(store.wheels, "good", "1.0")
    outside = make_wheel(tmp_path / "outside", "sneaky", "1.0")
    (store.wheels / outside.name).symlink_to(outside)
    secret = tmp_path / "secret.txt"
    secret.write_text("Name: leak\nVersion: 1.0\n")
    (store.wheels / "leak-1.0-py3-none-any.whl").symlink_to(secret)
    os.mkfifo(store.wheels / "pipe-1.0-py3-none-any.whl")
    (store.wheels / "dir-1.0-py3-none-any.whl").mkdir()
    odd = [outside.name, "leak-1.0-py3-none-any.whl", "pipe-1.0-py3-none-any.whl"]
    odd.append("dir-1.0-py3-none-any.whl")

    report = publish(store)

    assert sorted(report.rejected) == sorted(odd)
    assert "symbolic link" in report.rejected[outside.name]
    assert "not a regular file" in report.rejected["pipe-1.0-py3-none-any.whl"]
    for name, reason in report.rejected.items():
        assert name in reason
    assert (report.files, report.projects) == (1, 1)
    assert sorted(p.name for p in store.simple.iterdir() if p.is_dir()) == ["good"]
    for name in odd:
        assert not (store.wheels / f"{name}.metadata").exists()


def test_a_published_wheel_replaced_by_a_symlink_is_unpublished(tmp_path: Path) -> None:
    store = Store(tmp_path / "wh").create()
    wheel = make_wheel(store.wheels, "good", "1.0")
    make_wheel(store.wheels, "other", "1.0")
    assert publish(store).rejected == {}
    outside = make_wheel(tmp_path / "outside", "good", "1.0", code="EVIL = 1")
    wheel.unlink()
    wheel.symlink_to(outside)
    report = publish(store)
    assert list(report.rejected) == [wheel.name]
    _assert_unpublished(store, wheel.name)


# -- wheels without a record --------------------------------------------------------


def test_a_hand_copied_wheel_is_checked_for_zip_integrity(tmp_path: Path) -> None:
    store = Store(tmp_path / "wh").create()
    make_wheel(store.wheels, "fine", "1.0")
    damaged = make_wheel(store.wheels, "damaged", "1.0", payload=4000)
    _flip_outside_metadata(damaged)
    report = publish(store)
    assert list(report.rejected) == [damaged.name]
    assert "corrupted member" in report.rejected[damaged.name]
    _assert_unpublished(store, damaged.name)
    assert (store.simple / "fine" / "index.html").is_file()


@pytest.mark.parametrize("where", ["publish", "store"])
def test_the_expansion_bounds_leave_ordinary_wheels_alone(tmp_path: Path, where: str) -> None:
    store = Store(tmp_path / "wh").create()
    wheel = make_wheel(tmp_path / "src", "big", "1.0", payload=3_000_000)  # 3 MB of "x"
    if where == "store":
        store.add_wheel(wheel, wheel.name)
    else:
        wheel.replace(store.wheels / wheel.name)
    assert publish(store).rejected == {}


def test_the_fast_full_check_agrees_with_zipfile(tmp_path: Path) -> None:
    """The fast reader passes a whole archive only where zipfile's full check does too."""
    wheel = make_wheel(tmp_path, "checked", "1.0", payload=200_000, code="X = 1")
    name = canonicalize_name("checked")
    data = wheel.read_bytes()
    expected = _zipfile_metadata(data, wheel.name, name, True)
    assert _direct_metadata(data, name, check_all=True) == expected
    rng = random.Random(1)
    answered = 0
    for _ in range(300):
        damaged = bytearray(data)
        damaged[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        fast = _direct_metadata(bytes(damaged), name, check_all=True)
        try:
            slow: bytes | None = _zipfile_metadata(bytes(damaged), wheel.name, name, True)
        except InvalidWheelError:
            slow = None
        if fast is not None:
            answered += 1
            assert fast == slow
    assert answered  # flips in the zip's unused header fields leave it whole


# -- a fetched wheel: a digest vouches for it, or every member is read ---------------


@pytest.mark.parametrize("vouched", [True, False], ids=["hashed", "no-hash-anywhere"])
def test_a_fetched_wheel_is_read_whole_unless_a_digest_vouched_for_it(
    local_index: LocalIndex, tmp_path: Path, vouched: bool
) -> None:
    """A wheel whose sha256 the lock or the index gave is the publisher's file, whole:
    its bounds and METADATA are checked, not every member (pip would get the same
    bytes). With no digest anywhere, nothing proves the transfer: every member's
    CRC-32 is read, and a damaged one is refused before it reaches ``wheels/``."""
    wheel = make_wheel(tmp_path / "src", "alpha", "1.0", code="VALUE = 1\n" * 50)
    _flip_outside_metadata(wheel)
    local_index.add(wheel)
    if vouched:
        lock = local_index.lock_line("alpha", "1.0")
    else:
        lock = "alpha==1.0\n"
        page = local_index.simple / "alpha" / "index.html"
        page.write_text(re.sub(r"#sha256=[0-9a-f]+", "", page.read_text()))
    store = Store(tmp_path / "wh")

    report = _prebuild(lock, local_index, store.root)

    if vouched:
        assert [r.status for r in report.results] == ["fetched"]
        assert (store.wheels / ALPHA).read_bytes() == wheel.read_bytes()
    else:
        (failure,) = report.failures
        assert "corrupted member alpha/__init__.py" in str(failure.error)
        assert not (store.wheels / ALPHA).exists()
