"""The status page rewritten from its parts (``index/_statusparts.py``) is, byte for
byte, the page a full render writes, after every kind of change to the wheels; and
the parts are used only when they hold (same other inputs, the same wheels able to
change a cell, an intact file)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import wheelmill.index._statuskey
from conftest import make_wheel
from wheelmill.index import _statusparts
from wheelmill.index._scan import wheel_sizes
from wheelmill.index.publish import publish
from wheelmill.index.statuspage import write_status_page
from wheelmill.store.attempt import Attempt
from wheelmill.store.catalog import Catalog
from wheelmill.store.wheelhouse import Store
from wheelmill.target import current_target

_WRITTEN = re.compile(rb"page written \d{4}-\d\d-\d\d \d\d:\d\d UTC")


@pytest.fixture(autouse=True)
def settled(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The page's inputs are trusted however recent (no 2 s wait)."""
    monkeypatch.setattr(wheelmill.index._statuskey, "_RACY_NS", -(10**12))
    yield


def _attempt(name: str, version: str, status: str = "ok", wheel: str | None = None) -> Attempt:
    return Attempt(
        f"k-{name}-{version}", status, name, version, current_target().name, "built",
        wheel=wheel, created=time.time() - 60,
    )  # fmt: skip


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "wh").create()
    built = make_wheel(store.wheels, "built", "1.0")
    make_wheel(store.wheels, "Pure.Shared", "2.0")
    make_wheel(store.wheels, "Pure.Shared", "2.0", tag="cp311-cp311-manylinux_2_17_x86_64")
    for index in range(205):  # more than the page lists by name
        make_wheel(store.wheels, f"loose{index:03d}", "1.0")
    store.upstream.mkdir(parents=True, exist_ok=True)
    make_wheel(store.upstream, "Fetched.Up", "3.0")  # answered by `serve --upstream`
    catalog = Catalog(store.catalog_path)
    catalog.add(_attempt("built", "1.0", wheel=built.name))
    catalog.add(_attempt("broken", "3.0", status="failed"))
    catalog.add(_attempt("pure-shared", "2.0", status="failed"))
    return store


def _page(store: Store) -> bytes:
    page = (store.root / "status" / "index.html").read_bytes()
    return _WRITTEN.sub(b"page written (minute)", page)


def _full_render(store: Store, tmp: Path) -> bytes:
    """The page a full render writes for the same wheelhouse, at the same path."""
    saved = tmp / "saved-parts"
    parts = store.state / _statusparts.PARTS_FILE
    shutil.copy2(parts, saved)
    page = store.root / "status" / "index.html"
    spliced = page.read_bytes()
    write_status_page(store)
    full = _page(store)
    page.write_bytes(spliced)
    shutil.copy2(saved, parts)
    return full


def _add_loose(store: Store) -> None:
    make_wheel(store.wheels, "aaa-newcomer", "1.0")


def _add_built_version(store: Store) -> None:
    make_wheel(store.wheels, "built", "1.1")  # a package on the page, not named


def _remove_loose(store: Store) -> None:
    (store.wheels / "loose004-1.0-py3-none-any.whl").unlink()


def _rewrite_in_place(store: Store) -> None:
    """``cp`` over an existing wheel: same name, same inode, new bytes and size."""
    target = store.wheels / "loose010-1.0-py3-none-any.whl"
    other = make_wheel(store.root / "elsewhere", "loose010", "1.0", payload=300)
    inode = target.stat().st_ino
    subprocess.run(["cp", str(other), str(target)], check=True)
    assert target.stat().st_ino == inode


def _remove_named(store: Store) -> None:
    (store.wheels / "built-1.0-py3-none-any.whl").unlink()  # its cell turns missing


def _remove_pure(store: Store) -> None:
    (store.wheels / "pure_shared-2.0-py3-none-any.whl").unlink()  # no longer shared


def _add_upstream_project(store: Store) -> None:
    """The index now carries a project answered from upstream: the page marks it."""
    make_wheel(store.wheels, "fetched-up", "3.0")


SPLICED: list[Callable[[Store], None]] = [_add_loose, _remove_loose, _rewrite_in_place]
RENDERED: list[Callable[[Store], None]] = [
    _add_built_version, _remove_named, _remove_pure, _add_upstream_project,
]  # fmt: skip


@pytest.mark.parametrize("change", SPLICED + RENDERED, ids=lambda change: change.__name__)
def test_the_page_from_its_parts_is_the_full_render(
    store: Store, tmp_path: Path, change: Callable[[Store], None]
) -> None:
    publish(store)
    change(store)
    taken = _statusparts.update(store.root, store.tmp, wheel_sizes(store.wheels))
    assert taken == (change in SPLICED)  # a cell could change: rendered whole
    publish(store)  # the page as publish leaves it (from the parts or whole)
    assert _page(store) == _full_render(store, tmp_path)
    if change is _add_upstream_project:
        assert b"now in the lock" in _page(store)
    if change in SPLICED:
        assert re.search(rb"<li>\xe2\x80\xa6 and \d+ more</li>", _page(store))


def test_a_publish_of_one_more_wheel_does_not_load_the_status_page(store: Store) -> None:
    """The +1 command (a real subprocess) splices the page: neither the status page's
    module, sqlite3 nor dataclasses (with inspect) is loaded; nor tempfile (with random),
    shutil (with bz2) or datetime: the temp files, the session's directory and
    the new wheel's upload time are made without them."""
    publish(store)
    time.sleep(2.1)  # the catalog is older than the racy window in the subprocess
    make_wheel(store.wheels, "aaa-newcomer", "1.0")
    heavy = ("wheelmill.index.statuspage", "sqlite3", "dataclasses", "inspect")
    heavy += ("tempfile", "random", "shutil", "bz2", "datetime")
    code = (
        "import sys\n"
        "from wheelmill.cli import main\n"
        "sys.argv = ['wheelmill', 'publish', '-w', sys.argv[1], '--json']\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
        f"print(sorted(set({heavy!r}) & set(sys.modules)), file=sys.stderr)\n"
    )
    argv = [sys.executable, "-c", code, str(store.root)]
    # away from the repository's config/wheelmill.toml, which the command would load
    done = subprocess.run(argv, capture_output=True, text=True, check=True, cwd=store.root)
    assert done.stderr.strip().splitlines()[-1] == "[]", done.stderr
    assert '"read": 1' in done.stdout
    assert b"aaa_newcomer-1.0" in _page(store)


def _damage(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[-5] ^= 0x01
    path.write_bytes(bytes(data))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:40])


def _foreign(path: Path) -> None:
    path.write_bytes(b"not the parts at all")


def _lying(path: Path) -> None:
    """A valid header over parts that say something else: caught by the CRC."""
    header, _, body = path.read_bytes().partition(b"\n")
    path.write_bytes(header + b"\n" + body.replace(b"Wheelhouse status", b"Hacked status"))


@pytest.mark.parametrize("damage", [_damage, _truncate, _foreign, _lying])
def test_damaged_parts_are_a_full_render_never_a_wrong_page(
    store: Store, tmp_path: Path, damage: Callable[[Path], None]
) -> None:
    publish(store)
    damage(store.state / _statusparts.PARTS_FILE)
    make_wheel(store.wheels, "aaa-newcomer", "1.0")
    assert not _statusparts.update(store.root, store.tmp, wheel_sizes(store.wheels))
    publish(store)
    assert b"Hacked" not in _page(store)
    assert _page(store) == _full_render(store, tmp_path)
    # the full render kept fresh parts: the next wheel is spliced again
    make_wheel(store.wheels, "aab-newcomer", "1.0")
    assert _statusparts.update(store.root, store.tmp, wheel_sizes(store.wheels))


def test_another_input_is_a_full_render(store: Store, tmp_path: Path) -> None:
    publish(store)
    Catalog(store.catalog_path).add(_attempt("loose001", "1.0", wheel="x.whl"))
    os.utime(store.catalog_path)  # the catalog's stamp moves
    assert not _statusparts.update(store.root, store.tmp, wheel_sizes(store.wheels))
    publish(store)
    assert _page(store) == _full_render(store, tmp_path)
    assert b"loose001" in _page(store)


def test_an_old_wheelhouse_without_parts_is_rendered_whole_once(
    store: Store, tmp_path: Path
) -> None:
    publish(store)
    (store.state / _statusparts.PARTS_FILE).unlink()  # as a previous version left it
    make_wheel(store.wheels, "aaa-newcomer", "1.0")
    assert not _statusparts.update(store.root, store.tmp, wheel_sizes(store.wheels))
    publish(store)
    assert (store.state / _statusparts.PARTS_FILE).is_file()
    assert _page(store) == _full_render(store, tmp_path)


def test_the_plain_wheels_key_is_the_wheels_key_with_nothing_left_out() -> None:
    """The no-op check spells the key of a publish that left no wheel out without
    loading zlib: it must be the key publish itself computes."""
    from wheelmill.index import _statuskey

    sizes = {"a-1.0-py3-none-any.whl": 10, "b-2.0-py3-none-any.whl": 20}
    for crc in (0, 1, 0xDEADBEEF):
        assert _statuskey.plain_wheels_key(crc, 2) == _statuskey.wheels_key(crc, sizes, set())
    assert _statuskey.wheels_key(1, sizes, {"b-2.0-py3-none-any.whl"}) != (
        _statuskey.plain_wheels_key(1, 2)
    )
