"""The wheelhouse on disk: atomic writes, records, wheel checks, sessions, concurrent writers."""

from __future__ import annotations

import hashlib
import io
import json
import multiprocessing
import os
import signal
import stat
import subprocess
import sys
import time
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import make_wheel, unprivileged
from wheelmill._exceptions import InvalidWheelError, WheelhouseError
from wheelmill.store._wheelfile import check_wheel, metadata_bytes
from wheelmill.store.attempt import Attempt
from wheelmill.store.wheelhouse import Store, sha256_file, write_atomic

WHEEL = "conc-1.0-py3-none-any.whl"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "wh").create()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def wheel_bytes(name: str, version: str, payload: bytes) -> bytes:
    """A valid wheel whose size follows ``payload`` (stored, not compressed)."""
    dist = f"{name}-{version}"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(f"{name}/__init__.py", b"# " + payload.hex().encode() + b"\n")
        archive.writestr(
            f"{dist}.dist-info/METADATA",
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        )
        archive.writestr(f"{dist}.dist-info/WHEEL", "Wheel-Version: 1.0\nTag: py3-none-any\n")
        archive.writestr(f"{dist}.dist-info/RECORD", "")
    return buffer.getvalue()


# -- creation and atomic writes -------------------------------------------------------


def test_create_makes_the_layout(tmp_path: Path) -> None:
    store = Store(tmp_path / "new" / "wh").create()
    for path in (store.wheels, store.records, store.locks, store.tmp, store.sdists, store.logs):
        assert path.is_dir()
    assert Store(store.root).create().root == store.root  # idempotent


@pytest.mark.parametrize("where", ["under-a-file", "is-a-file"])
def test_create_on_an_unusable_location(tmp_path: Path, where: str) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    root = blocker / "wh" if where == "under-a-file" else blocker
    with pytest.raises(WheelhouseError) as info:
        Store(root).create()
    message = str(info.value)
    assert message.startswith(f"{root}: cannot create the wheelhouse")
    assert "choose a writable --wheelhouse" in message


def test_create_in_a_read_only_directory(shared_tmp: Path) -> None:
    locked = shared_tmp / "ro"
    locked.mkdir(mode=0o555)

    def attempt() -> str:
        with pytest.raises(WheelhouseError) as info:
            Store(locked / "wh").create()
        return str(info.value)

    message = unprivileged(attempt)
    assert message.startswith(f"{locked / 'wh'}: cannot create the wheelhouse"), message
    assert "Permission denied" in message
    assert not (locked / "wh").exists()


def test_write_atomic(tmp_path: Path) -> None:
    target = tmp_path / "out" / "file.json"
    target.parent.mkdir()
    old_umask = os.umask(0o077)
    try:
        write_atomic(target, b"first")
        write_atomic(target, b"second")
    finally:
        os.umask(old_umask)
    assert target.read_bytes() == b"second"
    assert mode(target) == 0o644
    assert sorted(p.name for p in target.parent.iterdir()) == ["file.json"]


def test_write_atomic_through_a_tmp_dir(store: Store) -> None:
    target = store.records / "x.json"
    write_atomic(target, b"{}", tmp_dir=store.tmp)
    assert target.read_bytes() == b"{}"
    assert list(store.tmp.iterdir()) == []
    assert [p.name for p in store.records.iterdir()] == ["x.json"]


def test_write_atomic_failure_leaves_no_temp(store: Store) -> None:
    with pytest.raises(FileNotFoundError):
        write_atomic(store.root / "missing-dir" / "x.json", b"{}", tmp_dir=store.tmp)
    assert list(store.tmp.iterdir()) == []


# -- records ------------------------------------------------------------------


def ok_record(store: Store, key: str = "k" * 32) -> Attempt:
    wheel = make_wheel(store.wheels, "alpha", "1.0")
    return Attempt(
        key=key,
        status="ok",
        name="alpha",
        version="1.0",
        target="cp311-linux_x86_64",
        source="built",
        wheel=wheel.name,
        sha256=sha256_file(wheel),
        size=wheel.stat().st_size,
        log="/logs/alpha.log",
        duration=1.5,
        installer="uv",
        created=1700000000.0,
    )


def test_record_round_trip(store: Store) -> None:
    record = ok_record(store)
    store.write_record(record)
    assert store.read_record(record.key) == record
    assert mode(store.records / f"{record.key}.json") == 0o644
    assert store.read_record("0" * 32) is None
    failed = Attempt("f" * 32, "failed", "beta", "2.0", "t", "none", error="boom")
    store.write_record(failed)
    assert store.read_record(failed.key) == failed
    assert list(store.tmp.iterdir()) == []


def test_is_current(store: Store) -> None:
    record = ok_record(store)
    assert store.is_current(record)
    assert not store.is_current(None)
    assert not store.is_current(replace(record, status="failed"))
    assert not store.is_current(replace(record, wheel=None))
    assert not store.is_current(replace(record, size=record.size + 1))  # type: ignore[operator]
    wheel = store.wheels / str(record.wheel)
    wheel.write_bytes(wheel.read_bytes() + b"\0")  # the size changed on disk
    assert not store.is_current(record)
    wheel.unlink()
    assert not store.is_current(record)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{not json",
        b"\xff\xfe\x00garbage",
        b"[1, 2]",
        b'"a string"',
        b"null",
        b'{"key": "k"}',
        json.dumps({"unexpected": 1}).encode(),
    ],
    ids=["empty", "syntax", "binary", "list", "string", "null", "missing-fields", "unknown-field"],
)
def test_corrupt_record_is_absent(store: Store, content: bytes) -> None:
    (store.records / "bad.json").write_bytes(content)
    assert store.read_record("bad") is None


def test_truncated_record_is_absent(store: Store) -> None:
    record = ok_record(store)
    store.write_record(record)
    path = store.records / f"{record.key}.json"
    path.write_bytes(path.read_bytes()[:40])
    assert store.read_record(record.key) is None


# -- wheels -------------------------------------------------------------------


def test_add_wheel(store: Store, tmp_path: Path) -> None:
    temp = make_wheel(tmp_path / "build", "alpha", "1.0")
    temp.chmod(0o600)
    expected = hashlib.sha256(temp.read_bytes()).hexdigest(), temp.stat().st_size
    assert store.add_wheel(temp, temp.name)[:2] == expected
    final = store.wheels / temp.name
    assert not temp.exists()
    assert mode(final) == 0o644
    check_wheel(final)


def corrupt_payload(path: Path) -> None:
    """Flip the compressed bytes of the module inside the wheel (headers stay intact)."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = next(i for i in archive.infolist() if i.filename.endswith("__init__.py"))
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for offset in range(start, start + info.compress_size):
        data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", ["flipped", "truncated", "empty", "not-zip", "other-project"])
def test_add_wheel_rejects_a_bad_wheel(store: Store, tmp_path: Path, damage: str) -> None:
    temp = make_wheel(tmp_path / "build", "alpha", "1.0", payload=4000)
    filename = temp.name
    if damage == "flipped":
        corrupt_payload(temp)
    elif damage == "truncated":
        temp.write_bytes(temp.read_bytes()[:-100])
    elif damage == "empty":
        temp.write_bytes(b"")
    elif damage == "not-zip":
        temp.write_bytes(b"<html>502 Bad Gateway</html>")
    else:
        filename = "beta-1.0-py3-none-any.whl"
    with pytest.raises(InvalidWheelError):
        store.add_wheel(temp, filename)
    assert list(store.wheels.iterdir()) == []


def test_bad_crc_is_rejected(store: Store, tmp_path: Path) -> None:
    temp = tmp_path / WHEEL
    data = bytearray(wheel_bytes("conc", "1.0", b"\x01" * 64))
    index = data.index(b"# 0101")
    data[index + 2 : index + 4] = b"ff"  # stored member: same size, wrong CRC
    temp.write_bytes(bytes(data))
    with pytest.raises(InvalidWheelError, match=r"corrupted member conc/__init__\.py"):
        store.add_wheel(temp, WHEEL)
    assert list(store.wheels.iterdir()) == []


def test_sdist_cache(store: Store, tmp_path: Path) -> None:
    temp = tmp_path / "download.part"
    temp.write_bytes(b"sdist")
    digest = hashlib.sha256(b"sdist").hexdigest()
    assert store.cached_sdist(digest, "a-1.0.tar.gz") is None
    assert store.cached_sdist(None, "a-1.0.tar.gz") is None
    kept = store.keep_sdist(temp, digest, "a-1.0.tar.gz")
    assert store.cached_sdist(digest, "a-1.0.tar.gz") == kept
    assert kept.read_bytes() == b"sdist"


# -- sessions -----------------------------------------------------------------


def test_session_is_private_and_removed(store: Store) -> None:
    with store.session() as first, store.session() as second:
        assert first != second
        assert first.is_dir() and second.is_dir()
        (first / "scratch").write_bytes(b"x")
        # A session held by this very process is alive: it is not reaped.
        assert store.reap_sessions() == []
        assert (first / "scratch").exists()
    assert list(store.tmp.iterdir()) == []


SESSION_HOLDER = """
import sys, time
from pathlib import Path
from wheelmill.store.wheelhouse import Store

store = Store(Path(sys.argv[1])).create()
with store.session() as session:
    print(session, flush=True)
    if sys.argv[2] == "write":
        with open(session / "conc-1.0-py3-none-any.whl", "wb") as stream:
            chunk = b"PK" * (1 << 19)
            while True:  # a writer that never finishes: it is killed mid-file
                stream.write(chunk)
                stream.flush()
                time.sleep(0.01)
    time.sleep(120)
"""


def hold_session(store: Store, how: str) -> tuple[subprocess.Popen[str], Path]:
    process = subprocess.Popen(
        [sys.executable, "-c", SESSION_HOLDER, str(store.root), how],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    assert line, "the session holder died before opening its session"
    return process, Path(line)


def test_killed_writer_is_reaped_but_a_live_session_is_not(store: Store) -> None:
    live, live_dir = hold_session(store, "idle")
    victim, victim_dir = hold_session(store, "write")
    try:
        partial = victim_dir / WHEEL
        deadline = time.monotonic() + 10
        while (not partial.exists() or partial.stat().st_size < 4 << 20) and (
            time.monotonic() < deadline
        ):
            time.sleep(0.02)
        assert partial.stat().st_size >= 4 << 20
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        assert victim_dir.exists()  # a killed process cleans up nothing itself
        assert list(store.wheels.iterdir()) == []

        with store.session() as mine:  # a new session reaps the dead one on its way in
            assert not victim_dir.exists()
            assert not (store.tmp / f"{victim_dir.name}.lock").exists()
            assert live_dir.is_dir()
            assert sorted(p.name for p in store.tmp.iterdir() if p.is_dir()) == sorted(
                [live_dir.name, mine.name]
            )
        assert live_dir.is_dir()
        assert store.reap_sessions() == []
        assert list(store.wheels.iterdir()) == []
    finally:
        live.kill()
        live.wait(timeout=10)
        victim.kill()
        victim.wait(timeout=10)
        for process in (live, victim):
            assert process.stdout is not None
            process.stdout.close()
    # Once its holder is gone too, the other session goes the same way.
    assert store.reap_sessions() == [live_dir.name]
    assert list(store.tmp.iterdir()) == []


# -- concurrent writers ---------------------------------------------------------------


def _writer(root: str, seed: int, rounds: int) -> None:
    """Replace ``wheels/WHEEL`` ``rounds`` times with valid wheels of changing size."""
    store = Store(Path(root))
    with store.session() as session:
        for i in range(rounds):
            size = 20_000 + ((seed * 7919 + i * 104_729) % 400_000)
            payload = hashlib.sha256(f"{seed}-{i}".encode()).digest() * (size // 32)
            temp = session / f"{i}.whl"
            temp.write_bytes(wheel_bytes("conc", "1.0", payload))
            store.add_wheel(temp, WHEEL)


def test_concurrent_writers_never_expose_a_partial_wheel(store: Store) -> None:
    context = multiprocessing.get_context("spawn")
    writers = [
        context.Process(target=_writer, args=(str(store.root), seed, 25)) for seed in range(4)
    ]
    for writer in writers:
        writer.start()
    seen: set[str] = set()
    checks = 0
    try:
        while any(writer.is_alive() for writer in writers) or checks == 0:
            for entry in os.listdir(store.wheels):
                assert entry == WHEEL, f"a non-final file appeared in wheels/: {entry}"
                try:
                    data = (store.wheels / entry).read_bytes()
                except FileNotFoundError:
                    continue
                # Every byte string ever read is a whole, valid wheel (CRCs included).
                metadata_bytes(data, entry, check_crc=True)
                seen.add(hashlib.sha256(data).hexdigest())
                checks += 1
    finally:
        for writer in writers:
            writer.join(timeout=60)
    assert [writer.exitcode for writer in writers] == [0, 0, 0, 0]
    assert checks > 10
    assert len(seen) > 1  # the reader really saw the file being replaced
    check_wheel(store.wheels / WHEEL)
    assert os.listdir(store.wheels) == [WHEEL]
    assert list(store.tmp.iterdir()) == []
