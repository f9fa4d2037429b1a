"""Unpacking hostile sdists: every escape is refused and nothing lands outside the tree."""

from __future__ import annotations

import io
import os
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from conftest import PACKAGES, make_sdist
from wheelmill._exceptions import UnsafeArchiveError
from wheelmill.build._archive import unpack_sdist

SECRET = b"do not touch\n"


class Sandbox:
    """``tmp/a/b/c/dest`` to unpack into, and ``tmp/outside`` with a file to protect."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.archives = root / "archives"
        self.archives.mkdir()
        self.dest = root / "a" / "b" / "c" / "dest"
        self.outside = root / "outside"
        self.outside.mkdir()
        self.secret = self.outside / "secret.txt"
        self.secret.write_bytes(SECRET)

    def up(self, start: str, to: Path) -> str:
        """A relative path from ``dest/start`` to ``to``: the way out a hostile member uses."""
        return os.path.relpath(to, self.dest / start)

    def tree(self) -> set[Path]:
        return {p.relative_to(self.root) for p in self.root.rglob("*")}

    def refused(self, archive: Path, match: str) -> None:
        """Unpacking ``archive`` fails with ``match``, and nothing appears outside ``dest``."""
        before = self.tree()
        with pytest.raises(UnsafeArchiveError, match=match):
            unpack_sdist(archive, self.dest)
        dest = self.dest.relative_to(self.root)
        new = {p for p in self.tree() - before if dest not in p.parents}
        assert new <= {dest, *dest.parents}, f"written outside the destination: {new}"
        assert self.secret.read_bytes() == SECRET
        assert list(self.outside.iterdir()) == [self.secret]


@pytest.fixture
def box(tmp_path: Path) -> Sandbox:
    return Sandbox(tmp_path)


Member = tuple[tarfile.TarInfo, bytes]


def regular(name: str, data: bytes = b"owned\n") -> Member:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    return info, data


def directory(name: str) -> Member:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    info.mode = 0o755
    return info, b""


def link(name: str, target: str, *, hard: bool = False) -> Member:
    info = tarfile.TarInfo(name)
    info.type = tarfile.LNKTYPE if hard else tarfile.SYMTYPE
    info.linkname = target
    return info, b""


def special(name: str, kind: bytes) -> Member:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.devmajor, info.devminor = 1, 3
    return info, b""


def make_tar(box: Sandbox, members: list[Member], name: str = "evil-1.0.tar.gz") -> Path:
    path = box.archives / name
    with tarfile.open(path, "w:gz", format=tarfile.PAX_FORMAT) as archive:
        for info, data in [directory("evil-1.0"), regular("evil-1.0/PKG-INFO"), *members]:
            archive.addfile(info, io.BytesIO(data) if info.isfile() else None)
    return path


def assert_nothing_extracted(box: Sandbox) -> None:
    # Every tar check runs before extraction starts: not even the harmless members are there.
    assert not box.dest.exists() or list(box.dest.iterdir()) == []


# -- tar --------------------------------------------------------------------------


def test_absolute_member(box: Sandbox) -> None:
    archive = make_tar(box, [regular(str(box.outside / "abs.txt"))])
    box.refused(archive, "has an absolute path")
    assert_nothing_extracted(box)


def test_dotdot_member(box: Sandbox) -> None:
    archive = make_tar(box, [regular("evil-1.0/../../../../escaped.txt")])
    box.refused(archive, "escapes the tree with '..'")
    assert_nothing_extracted(box)


def test_backslash_dotdot_member(box: Sandbox) -> None:
    archive = make_tar(box, [regular("evil-1.0\\..\\..\\escaped.txt")])
    box.refused(archive, "escapes the tree")
    assert_nothing_extracted(box)


def test_symlink_to_etc(box: Sandbox) -> None:
    archive = make_tar(box, [link("evil-1.0/etc", "../../etc"), regular("evil-1.0/etc/owned")])
    box.refused(archive, r"link 'evil-1.0/etc' -> '../../etc' points outside the tree")
    assert_nothing_extracted(box)


def test_symlink_then_write_through_it(box: Sandbox) -> None:
    out = box.up("evil-1.0", box.outside)
    archive = make_tar(
        box, [link("evil-1.0/out", out), regular("evil-1.0/out/secret.txt", b"overwritten\n")]
    )
    box.refused(archive, "points outside the tree")
    assert_nothing_extracted(box)


def test_absolute_symlink(box: Sandbox) -> None:
    archive = make_tar(box, [link("evil-1.0/abs", str(box.outside))])
    box.refused(archive, "points outside the tree")
    assert_nothing_extracted(box)


def test_chained_symlinks_that_look_in_tree_one_by_one(box: Sandbox) -> None:
    # Each target normalizes to something inside; followed on disk, c is dest/..
    archive = make_tar(
        box,
        [
            link("evil-1.0/a", "."),
            link("evil-1.0/b", "a/.."),
            link("evil-1.0/c", "b/.."),
            regular("evil-1.0/c/escaped.txt"),
        ],
    )
    box.refused(archive, "'evil-1.0/c' -> 'b/..' points outside the tree")
    assert_nothing_extracted(box)


def test_member_written_through_a_directory_symlink(box: Sandbox) -> None:
    # The link is declared after the directory of the same name: it replaces it on disk.
    out = box.up("evil-1.0", box.outside)
    archive = make_tar(
        box,
        [
            directory("evil-1.0/data"),
            link("evil-1.0/data", out),
            regular("evil-1.0/data/secret.txt", b"overwritten\n"),
        ],
    )
    box.refused(archive, "points outside the tree")
    assert_nothing_extracted(box)


@pytest.mark.parametrize(
    "target",
    ["../../etc/passwd", "/etc/passwd", "SECRET"],
    ids=["relative", "absolute", "outside-file"],
)
def test_hardlink_outside(box: Sandbox, target: str) -> None:
    if target == "SECRET":
        target = box.up("", box.secret)
    archive = make_tar(
        box, [link("evil-1.0/hl", target, hard=True), regular("evil-1.0/hl", b"overwritten\n")]
    )
    box.refused(archive, "hard link 'evil-1.0/hl'")
    assert_nothing_extracted(box)


def test_hardlink_to_a_member_not_in_the_archive(box: Sandbox) -> None:
    archive = make_tar(box, [link("evil-1.0/hl", "evil-1.0/nowhere", hard=True)])
    box.refused(archive, "does not point to an earlier file of the archive")
    assert_nothing_extracted(box)


@pytest.mark.parametrize(
    "kind", [tarfile.CHRTYPE, tarfile.BLKTYPE, tarfile.FIFOTYPE], ids=["chr", "blk", "fifo"]
)
def test_device_or_fifo(box: Sandbox, kind: bytes) -> None:
    archive = make_tar(box, [special("evil-1.0/dev", kind)])
    box.refused(archive, "is a device or fifo")
    assert_nothing_extracted(box)


def test_truncated_tar_gz(box: Sandbox, tmp_path: Path) -> None:
    good = make_sdist("pure-ok", tmp_path / "src")
    data = good.read_bytes()
    truncated = box.archives / good.name
    truncated.write_bytes(data[: len(data) // 2])
    box.refused(truncated, "not a readable sdist archive")
    assert_nothing_extracted(box)


def test_not_an_archive(box: Sandbox) -> None:
    junk = box.archives / "junk-1.0.tar.gz"
    junk.write_bytes(b"this is not a tarball\n" * 10)
    box.refused(junk, "not a readable sdist archive")
    assert_nothing_extracted(box)


# -- zip --------------------------------------------------------------------------


def make_zip(box: Sandbox, members: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    path = box.archives / "evil-1.0.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("evil-1.0/PKG-INFO", b"Metadata-Version: 2.1\n")
        for info, data in members:
            archive.writestr(info, data)
    return path


def test_zip_dotdot_member(box: Sandbox) -> None:
    archive = make_zip(box, [("evil-1.0/../../../../escaped.txt", b"owned\n")])
    box.refused(archive, "escapes the tree with '..'")
    assert_nothing_extracted(box)


def test_zip_absolute_member(box: Sandbox) -> None:
    archive = make_zip(box, [(str(box.outside / "abs.txt"), b"owned\n")])
    box.refused(archive, "has an absolute path")
    assert_nothing_extracted(box)


def test_zip_symlink(box: Sandbox) -> None:
    info = zipfile.ZipInfo("evil-1.0/link")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    archive = make_zip(box, [(info, str(box.outside).encode())])
    box.refused(archive, "is a symlink")
    assert_nothing_extracted(box)


def test_truncated_zip(box: Sandbox) -> None:
    good = make_zip(box, [("evil-1.0/setup.py", b"print('hi')\n" * 100)])
    data = good.read_bytes()
    good.write_bytes(data[: len(data) // 2])
    box.refused(good, "not a readable sdist archive")


# -- what is allowed ------------------------------------------------------------------


def test_normal_sdist_unpacks_to_its_top_directory(tmp_path: Path) -> None:
    sdist = make_sdist("pure-ok", tmp_path / "src", name="alpha", version="2.0")
    dest = tmp_path / "dest"
    top = unpack_sdist(sdist, dest)
    assert top == dest / "alpha-2.0"
    sources = {p.name for p in (PACKAGES / "pure-ok").iterdir() if p.name != "__pycache__"}
    assert {p.name for p in top.iterdir()} == {*sources, "PKG-INFO", "sample_backend.py"}
    assert "Version: 2.0" in (top / "PKG-INFO").read_text()


def test_in_tree_symlinks_and_hardlinks_are_kept(box: Sandbox) -> None:
    archive = make_tar(
        box,
        [
            regular("evil-1.0/real.txt", b"real\n"),
            directory("evil-1.0/sub"),
            link("evil-1.0/alias.txt", "real.txt"),
            link("evil-1.0/sub/up.txt", "../real.txt"),
            link("evil-1.0/sub/self", "."),
            link("evil-1.0/same.txt", "evil-1.0/real.txt", hard=True),
        ],
        name="fine-1.0.tar.gz",
    )
    top = unpack_sdist(archive, box.dest)
    assert top == box.dest / "evil-1.0"
    assert (top / "alias.txt").is_symlink()
    assert (top / "alias.txt").read_bytes() == b"real\n"
    assert (top / "sub" / "up.txt").read_bytes() == b"real\n"
    assert (top / "sub" / "self" / "up.txt").read_bytes() == b"real\n"
    assert (top / "same.txt").read_bytes() == b"real\n"


def test_modes_are_sanitized(box: Sandbox) -> None:
    info, data = regular("evil-1.0/tool.sh", b"#!/bin/sh\n")
    info.mode = 0o6777  # setuid, setgid, world-writable
    top = unpack_sdist(make_tar(box, [(info, data)]), box.dest)
    mode = stat.S_IMODE((top / "tool.sh").stat().st_mode)
    assert not mode & (stat.S_ISUID | stat.S_ISGID | stat.S_IWOTH)


def test_zip_sdist_unpacks(box: Sandbox) -> None:
    top = unpack_sdist(make_zip(box, [("evil-1.0/setup.py", b"")]), box.dest)
    assert top == box.dest / "evil-1.0"
    assert (top / "setup.py").is_file()


def test_flat_archive_returns_the_destination(box: Sandbox) -> None:
    path = box.archives / "flat-1.0.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        info, data = regular("pyproject.toml", b"")
        archive.addfile(info, io.BytesIO(data))
    assert unpack_sdist(path, box.dest) == box.dest
