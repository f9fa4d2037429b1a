"""The store's temp files and tree removal, made without tempfile and shutil."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from wheelmill.store._files import rmtree, temp_file
from wheelmill.store.wheelhouse import Store, write_atomic


def test_a_temp_file_is_private_new_and_named_for_the_reaper(tmp_path: Path) -> None:
    """As mkstemp: mode 0600, never an existing file; named ``.NAME.*.tmp``, which
    the store reaps when a writer was killed mid-write."""
    made = [temp_file(tmp_path, "index.html") for _ in range(50)]
    names = {name for _, name in made}
    for fd, name in made:
        os.close(fd)
        assert stat.S_IMODE(os.stat(name).st_mode) == 0o600
    assert len(names) == 50
    assert {str(path) for path in tmp_path.glob(".index.html.*.tmp")} == names


def test_write_atomic_leaves_a_readable_file_and_no_temp(tmp_path: Path) -> None:
    directory = tmp_path / "pages"
    directory.mkdir()
    target = directory / "page.html"
    write_atomic(target, b"one")
    write_atomic(target, b"two", tmp_dir=directory)
    assert target.read_bytes() == b"two"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert sorted(path.name for path in directory.iterdir()) == ["page.html"]


def test_rmtree_removes_empty_full_and_missing_trees(tmp_path: Path) -> None:
    empty, full = tmp_path / "empty", tmp_path / "full"
    empty.mkdir()
    (full / "deep").mkdir(parents=True)
    (full / "deep" / "file").write_bytes(b"x")
    for path in (empty, full, tmp_path / "missing"):
        rmtree(path)
        assert not path.exists()


def test_a_session_directory_goes_with_what_it_holds(tmp_path: Path) -> None:
    store = Store(tmp_path / "wh").create()
    with store.session() as directory:
        (directory / "left").write_bytes(b"x")
    with store.session():
        pass
    assert [path for path in store.tmp.iterdir() if not path.name.startswith(".")] == []
