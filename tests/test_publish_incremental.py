"""An incremental publish writes exactly what a full publish of the same wheels writes.

Each step changes the wheelhouse the way users do (a wheel added, removed, rebuilt,
damaged, a version yanked), publishes it incrementally, and compares every file
publish writes, byte for byte, with a full publish of a copy that has no publish
state, no pages and no status page. The status page is compared without its
"page written" minute. A publish where nothing changed writes nothing, the status
page included, until an input of the page changes.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import make_wheel
from wheelmill.index._pages import FileEntry, find_links_page, splice_find_links
from wheelmill.index._statuskey import KEY_FILE
from wheelmill.index._statusparts import PARTS_FILE
from wheelmill.index.publish import publish
from wheelmill.index.statuspage import write_status_page
from wheelmill.index.yank import set_yanked
from wheelmill.store.attempt import Attempt
from wheelmill.store.catalog import Catalog
from wheelmill.store.reproducibility import ReproducibilityCheck, Reproduction, record_check
from wheelmill.store.wheelhouse import Store
from wheelmill.target import current_target

_WRITTEN = re.compile(rb"page written \d{4}-\d\d-\d\d \d\d:\d\d UTC")


def published_files(store: Store) -> dict[str, bytes]:
    """Every file publish writes (the status page without its minute and the
    wheelhouse's own path), by path."""
    files = {
        str(path.relative_to(store.root)): path.read_bytes()
        for root in (store.simple, store.wheels)
        for path in root.rglob("*")
        if path.is_file() and not path.name.endswith(".whl")
    }
    page = (store.root / "status" / "index.html").read_bytes()
    page = page.replace(str(store.root).encode(), b"DIR")
    files["status"] = _WRITTEN.sub(b"page written (minute)", page)
    return files


def full_copy(store: Store, where: Path) -> Store:
    """The same wheels (and the store's word on them) without publish's state or output."""
    copy = Store(where / store.root.name)
    shutil.copytree(store.root, copy.root, symlinks=True)
    for stale in (copy.simple, copy.root / "status"):
        shutil.rmtree(stale)
    for path in copy.wheels.iterdir():
        if not path.name.endswith(".whl"):
            path.unlink()
    (copy.state / "index-state.json").unlink()
    (copy.state / KEY_FILE).unlink(missing_ok=True)
    (copy.state / PARTS_FILE).unlink(missing_ok=True)
    return copy


def _add(store: Store, tmp: Path) -> None:
    make_wheel(store.wheels, "mid", "2.0", requires=("leaf",))


def _remove(store: Store, tmp: Path) -> None:
    (store.wheels / "app-1.0-py3-none-any.whl").unlink()


def _rebuild(store: Store, tmp: Path) -> None:
    rebuilt = make_wheel(tmp / "rebuilt", "leaf", "1.0", payload=50)
    os.replace(rebuilt, store.wheels / rebuilt.name)


def _damage(store: Store, tmp: Path) -> None:
    (store.wheels / "mid-1.0-py3-none-any.whl").write_bytes(b"PK\x03\x04 not a zip any more")


def _stale_listing(store: Store, tmp: Path) -> None:
    """The find-links listing lost a line behind publish's back, then a wheel came."""
    listing = store.wheels / "index.html"
    lines = listing.read_text(encoding="utf-8").splitlines(keepends=True)
    listing.write_text("".join(line for line in lines if "app-1.0" not in line), "utf-8")
    make_wheel(store.wheels, "mid", "2.0", requires=("leaf",))


def _yank(store: Store, tmp: Path) -> None:
    set_yanked(store, "leaf==2.0", "broken on 3.12")  # then published with refresh=["leaf"]


def _attempt(store: Store, tmp: Path) -> None:
    Catalog(store.catalog_path).add(
        Attempt(
            "k1", "failed", "leaf", "2.0", current_target().name, "built",
            category="sysdep-missing", created=time.time(),
        )
    )  # fmt: skip


@pytest.mark.parametrize(
    "change", [_add, _remove, _rebuild, _damage, _stale_listing, _yank, _attempt]
)
def test_incremental_publish_writes_what_a_full_publish_writes(
    tmp_path: Path, change: Callable[[Store, Path], None]
) -> None:
    store = Store(tmp_path / "wh").create()
    make_wheel(store.wheels, "app", "1.0", requires=("mid>=1",))
    make_wheel(store.wheels, "mid", "1.0", requires=("leaf",))
    make_wheel(store.wheels, "leaf", "1.0", requires_python=">=3.8")
    make_wheel(store.wheels, "leaf", "2.0", requires_python=">=4")
    publish(store)
    change(store, tmp_path)
    incremental = publish(store, refresh=["leaf"] if change is _yank else ())
    full_store = full_copy(store, tmp_path / "full")
    full = publish(full_store)

    assert incremental.read < full.read  # it really was incremental
    assert sorted(incremental.rejected) == sorted(full.rejected)
    assert published_files(store) == published_files(full_store)


def test_a_publish_that_changes_nothing_writes_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path / "wh").create()
    for version in ("1.0", "1.1"):
        make_wheel(store.wheels, "steady", version)
    publish(store)
    time.sleep(2.1)  # older than the window in which a stamp is not trusted
    publish(store)  # writes down the status page's inputs
    written = {
        path: os.stat(path).st_ino
        for path in (
            store.root / "status" / "index.html",
            store.state / "index-state.json",
            store.state / KEY_FILE,
            store.simple / "index.json",
            store.wheels / "index.html",
        )
    }
    report = publish(store)

    assert (report.read, report.projects_written) == (0, [])
    assert {path: os.stat(path).st_ino for path in written} == written

    # an input of the status page changes: the page is written again, and shows it
    _attempt(store, tmp_path)
    publish(store)
    page = store.root / "status" / "index.html"
    assert page.stat().st_ino != written[page]
    assert "leaf" in page.read_text(encoding="utf-8")


def _unchanged_publish_rewrites_page(store: Store) -> bool:
    page = store.root / "status" / "index.html"
    before = page.stat().st_ino
    publish(store)
    return page.stat().st_ino != before


def test_the_status_page_follows_its_other_inputs(tmp_path: Path) -> None:
    """The reproducibility check and the wheels answered from upstream are on the
    page too: a change to either is a change of the page's inputs."""
    store = Store(tmp_path / "wh").create()
    make_wheel(store.wheels, "steady", "1.0")
    publish(store)
    time.sleep(2.1)
    publish(store)
    assert not _unchanged_publish_rewrites_page(store)

    check = ReproducibilityCheck(
        time.time(), "lock.txt", (Reproduction("steady", "1.0", "t", "w.whl", False, "differ"),)
    )
    record_check(store, check)
    time.sleep(2.1)
    assert _unchanged_publish_rewrites_page(store)
    assert "0 of 1" in (store.root / "status" / "index.html").read_text(encoding="utf-8")

    store.upstream.mkdir(parents=True, exist_ok=True)
    make_wheel(store.upstream, "fetched", "3.0")
    time.sleep(2.1)
    assert _unchanged_publish_rewrites_page(store)
    assert "fetched" in (store.root / "status" / "index.html").read_text(encoding="utf-8")


def test_the_status_page_publish_writes_is_the_one_written_on_its_own(tmp_path: Path) -> None:
    store = Store(tmp_path / "wh").create()
    make_wheel(store.wheels, "alone", "1.0")
    make_wheel(store.wheels, "Other.Name", "2.0", tag="cp311-cp311-manylinux_2_17_x86_64")
    _attempt(store, tmp_path)
    publish(store)
    by_publish = published_files(store)["status"]
    write_status_page(store)
    assert published_files(store)["status"] == by_publish


def test_the_find_links_listing_is_spliced_not_rendered_again(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    made = [make_wheel(wheels, name, "1.0") for name in ("alpha", "Beta.Two", "gamma")]
    entries = {
        path.name: FileEntry(path.name, 1, 2, 3, "1.0", "ab" * 32, "cd" * 32, None, "x", "t")
        for path in made
    }
    old = find_links_page(list(entries.values()), {})
    beta = entries["beta_two-1.0-py3-none-any.whl"]
    newer = beta._replace(filename="beta_two-2.0+local-py3-none-any.whl", version="2.0+local")
    yanks = {"beta-two": {"2.0+local": "bad"}}
    spliced = splice_find_links(old, entries.keys(), {beta.filename}, [beta, newer], yanks)
    whole = find_links_page([*entries.values(), newer], yanks)
    assert spliced == whole
    assert b'data-yanked="bad"' in whole and b"2.0%2Blocal" in whole
    # a line missing, or one too many: not the listing of these wheels
    assert splice_find_links(old, [*entries, "delta-1.0-py3-none-any.whl"], (), [], {}) is None
    assert splice_find_links(old, list(entries)[:2], (), [], {}) is None
    first, *_ = entries.values()
    doubled = find_links_page([first, *list(entries.values())[:2]], {})  # a line twice
    assert splice_find_links(doubled, entries.keys(), (), [], {}) is None
