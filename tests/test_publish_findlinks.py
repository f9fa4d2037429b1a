"""The find-links listing spliced where its stamp says it is the one written
(``index/_findlinks.py``): the same listing as a full publish writes, and any
listing not as written (or a wheelhouse published before the stamp existed) checked
line by line as before."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import make_wheel
from test_publish_incremental import full_copy, published_files
from wheelmill.index import _findlinks
from wheelmill.index.publish import publish
from wheelmill.store.wheelhouse import Store


def _published(tmp_path: Path) -> Store:
    store = Store(tmp_path / "wh").create()
    make_wheel(store.wheels, "app", "1.0", requires=("mid>=1",))
    make_wheel(store.wheels, "Mid.Dotted", "1.0")
    make_wheel(store.wheels, "leaf", "1.0+local.tag", requires_python=">=3.8")
    make_wheel(store.wheels, "leaf", "2.0", requires_python=">=4")
    make_wheel(store.wheels, "zeta", "1.0")
    publish(store)
    return store


def _known(store: Store) -> bool:
    from wheelmill.index._state import State

    state = State(store.state / "index-state.json")
    return _findlinks.known(store.state, store.wheels / "index.html", state.crc)


def _add(store: Store, tmp: Path) -> None:
    make_wheel(store.wheels, "leaf", "3.0+x.y")
    make_wheel(store.wheels, "aaa-new", "0.1")


def _remove(store: Store, tmp: Path) -> None:
    (store.wheels / "zeta-1.0-py3-none-any.whl").unlink()


def _remove_a_version(store: Store, tmp: Path) -> None:
    (store.wheels / "leaf-2.0-py3-none-any.whl").unlink()


def _rewrite_in_place(store: Store, tmp: Path) -> None:
    """Other bytes written into the same file (its inode stays), its mtime moved by 1 ns."""
    path = store.wheels / "leaf-2.0-py3-none-any.whl"
    info = path.stat()
    rebuilt = make_wheel(tmp / "rebuilt", "leaf", "2.0", requires_python=">=3.9")
    path.write_bytes(rebuilt.read_bytes())
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 1))


@pytest.mark.parametrize("change", [_add, _remove, _remove_a_version, _rewrite_in_place])
def test_a_known_listing_is_spliced_as_a_full_publish_writes_it(
    tmp_path: Path, change: Callable[[Store, Path], None]
) -> None:
    store = _published(tmp_path)
    assert _known(store)  # the splice by stamp is the one taken
    change(store, tmp_path)
    report = publish(store)
    assert report.read <= 2
    full_store = full_copy(store, tmp_path / "full")
    publish(full_store)
    assert published_files(store) == published_files(full_store)
    assert _known(store)  # and noted again for the next one


def _edit_keeping_size_and_mtime(store: Store) -> None:
    listing = store.wheels / "index.html"
    info = listing.stat()
    text = listing.read_bytes()
    listing.write_bytes(text.replace(b"zeta-1.0", b"zeta-9.0"))
    os.utime(listing, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert listing.stat().st_size == info.st_size


def _stamp_lost(store: Store) -> None:
    """A wheelhouse published before the stamp existed."""
    (store.state / _findlinks.STAMP_FILE).unlink()


def _stamp_of_another_state(store: Store) -> None:
    stamp = store.state / _findlinks.STAMP_FILE
    crc, rest = stamp.read_bytes().split(b" ", 1)
    stamp.write_bytes(b"%08x " % (int(crc, 16) ^ 1) + rest)


@pytest.mark.parametrize(
    "breach", [_edit_keeping_size_and_mtime, _stamp_lost, _stamp_of_another_state]
)
def test_a_listing_not_known_is_checked_line_by_line(
    tmp_path: Path, breach: Callable[[Store], None]
) -> None:
    store = _published(tmp_path)
    breach(store)
    assert not _known(store)
    make_wheel(store.wheels, "leaf", "3.0")
    publish(store)
    full_store = full_copy(store, tmp_path / "full")
    publish(full_store)
    assert published_files(store) == published_files(full_store)
    assert _known(store)


def test_a_line_not_where_the_stamp_says_is_rendered_whole() -> None:
    from wheelmill.index._pages import FileEntry, find_links_page

    entries = [
        FileEntry(f"p{i}-1.0-py3-none-any.whl", 1, 2, 3, "1.0", "ab" * 32, "cd" * 32,
                  None, f"p{i}", "t")
        for i in range(4)
    ]  # fmt: skip
    old = find_links_page(entries, {})
    assert _findlinks.splice_known(old, ["p9-1.0-py3-none-any.whl"], [], {}) is None
    spliced = _findlinks.splice_known(old, [entries[1].filename], [], {})
    assert spliced == find_links_page([entries[0], *entries[2:]], {})
    assert _findlinks.splice_known(old + b"x", [], [], {}) is None


def test_publishs_lock_and_filelocks_exclude_each_other(tmp_path: Path) -> None:
    """publish takes its lock with a plain flock (no filelock import): the same lock
    file, so a holder of either kind keeps the other out."""
    from filelock import FileLock, Timeout

    from wheelmill.store.wheelhouse import _locked

    store = Store(tmp_path / "wh").create()
    path = store.locks / "publish.lock"
    with store.lock("publish"), _locked(path, wait=False) as free:
        assert not free
    with store.held("publish"), pytest.raises(Timeout):
        FileLock(str(path)).acquire(timeout=0)
    with _locked(path, wait=False) as free:
        assert free


@pytest.mark.parametrize("listing", [b"not the listing it was", None])
def test_a_listing_that_cannot_be_spliced_is_rendered_whole_from_every_row(
    tmp_path: Path, listing: bytes | None
) -> None:
    """A listing that is gone, or not the one written, is rendered whole after one
    project was written again: the page rendered from every row of the state, the
    yanks of the project written and of one that was not included."""
    from wheelmill.index._pages import FileEntry, find_links_page
    from wheelmill.index._state import State
    from wheelmill.index.yank import Yanks, set_yanked

    store = _published(tmp_path)
    set_yanked(store, "zeta==1.0", 'broken <on> "3.12"')  # a line from the state
    set_yanked(store, "leaf==2.0", "")  # a line from the pool
    publish(store, refresh=["zeta", "leaf"])
    flat = store.wheels / "index.html"
    if listing is None:
        flat.unlink()
    else:
        flat.write_bytes(listing)
    (store.state / _findlinks.STAMP_FILE).unlink()
    make_wheel(store.wheels, "leaf", "3.0")  # leaf is written again; app, mid and zeta are not
    assert publish(store).projects_written == ["leaf"]
    state = State(store.state / "index-state.json")
    every = [FileEntry._make(row) for name in state.names for row in state.rows(name)]
    assert flat.read_bytes() == find_links_page(every, Yanks.load(store).projects)
    assert b'data-yanked="broken &lt;on&gt; &quot;3.12&quot;"' in flat.read_bytes()
    assert b"leaf-2.0-py3-none-any.whl#sha256=" in flat.read_bytes()
    assert flat.read_bytes().count(b'data-yanked=""') == 1
    assert flat.read_bytes().count(b"<a href=") == 6
