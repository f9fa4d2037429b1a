"""A publish where nothing changed is told from publish's note before its machinery
loads (``index/_unchanged.py``), and any change to what publish looks at sends it
down the full path: which then writes what a full publish of the same wheels writes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import wheelmill.index._statuskey
from conftest import cli_runner, make_wheel
from test_publish_incremental import _attempt, full_copy, published_files
from wheelmill.index import _unchanged
from wheelmill.index._unchanged import unchanged
from wheelmill.index.publish import publish
from wheelmill.index.yank import set_yanked
from wheelmill.store.wheelhouse import Store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "wh").create()
    make_wheel(store.wheels, "app", "1.0", requires=("mid>=1",))
    make_wheel(store.wheels, "mid", "1.0", requires=("leaf",))
    make_wheel(store.wheels, "leaf", "1.0", requires_python=">=3.8")
    make_wheel(store.wheels, "leaf", "2.0", requires_python=">=4")
    return store


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The status page's inputs are trusted however recent (no 2 s wait)."""
    monkeypatch.setattr(wheelmill.index._statuskey, "_RACY_NS", -(10**12))
    yield


def test_the_names_are_publishs_own() -> None:
    from wheelmill.index._state import STATE_FILE
    from wheelmill.index.publish import FIND_LINKS_PAGE
    from wheelmill.index.yank import YANKED_FILE

    assert (_unchanged.STATE_FILE, _unchanged.YANKED_FILE) == (STATE_FILE, YANKED_FILE)
    assert _unchanged.FIND_LINKS_PAGE == FIND_LINKS_PAGE


def test_nothing_changed_is_told_from_the_note(store: Store, settled: None) -> None:
    first = publish(store)
    assert first.read == 4
    told = unchanged(store.root)  # a publish that did something leaves the note too
    again = publish(store)
    assert (again.read, again.projects_written, again.removed) == (0, [], [])
    assert told == (again.files, again.projects) == (first.files, first.projects) == (4, 3)
    assert unchanged(store.root) == told  # a publish that changed nothing keeps the note


def _in_place(store: Store, tmp: Path) -> None:
    """Same size, same inode, one byte flipped: only the mtime tells."""
    wheel = store.wheels / "mid-1.0-py3-none-any.whl"
    data = bytearray(wheel.read_bytes())
    data[len(data) // 2] ^= 0xFF
    with open(wheel, "r+b") as stream:
        stream.write(bytes(data))


def _touch(store: Store, tmp: Path) -> None:
    wheel = store.wheels / "leaf-1.0-py3-none-any.whl"
    info = wheel.stat()
    os.utime(wheel, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))


def _replace(store: Store, tmp: Path) -> None:
    rebuilt = make_wheel(tmp / "rebuilt", "leaf", "1.0", payload=50)
    os.replace(rebuilt, store.wheels / rebuilt.name)


def _add(store: Store, tmp: Path) -> None:
    make_wheel(store.wheels, "mid", "2.0", requires=("leaf",))


def _remove(store: Store, tmp: Path) -> None:
    (store.wheels / "app-1.0-py3-none-any.whl").unlink()


def _link(store: Store, tmp: Path) -> None:
    (store.wheels / "odd-1.0-py3-none-any.whl").symlink_to(
        store.wheels / "app-1.0-py3-none-any.whl"
    )


def _deleted(relative: str) -> Callable[[Store, Path], None]:
    def change(store: Store, tmp: Path) -> None:
        (store.root / relative).unlink()

    change.__name__ = f"_deleted({relative})"
    return change


def _state_edited(store: Store, tmp: Path) -> None:
    with open(store.state / _unchanged.STATE_FILE, "ab") as stream:
        stream.write(b"x")


def _yank(store: Store, tmp: Path) -> None:
    set_yanked(store, "leaf==2.0", "broken")


@pytest.mark.parametrize(
    "change",
    [
        _in_place,
        _touch,
        _replace,
        _add,
        _remove,
        _link,
        _deleted("wheels/mid-1.0-py3-none-any.whl.metadata"),
        _deleted("wheels/index.html"),
        _deleted("simple/leaf/index.json"),
        _deleted("simple/index.json"),
        _deleted("status/index.html"),
        _deleted(f".wheelmill/{_unchanged.STATE_FILE}"),
        _deleted(f".wheelmill/{_unchanged.NOTE_FILE}"),
        _state_edited,
        _yank,
        _attempt,
    ],
    ids=lambda change: change.__name__.strip("_"),
)
def test_every_change_takes_the_full_path(
    store: Store, settled: None, tmp_path: Path, change: Callable[[Store, Path], None]
) -> None:
    publish(store)
    publish(store)
    assert unchanged(store.root) is not None
    change(store, tmp_path)
    assert unchanged(store.root) is None
    report = publish(store, refresh=["leaf"] if change is _yank else ())  # as `yank` does
    full_store = full_copy(store, tmp_path / "full")
    full = publish(full_store)
    assert sorted(report.rejected) == sorted(full.rejected)
    assert published_files(store) == published_files(full_store)
    if report.rejected:  # a wheel left out: there is no note to tell the next run by
        assert unchanged(store.root) is None
    else:  # the publish that saw the change leaves the note the next one is told by
        assert unchanged(store.root) == (report.files, report.projects)
        again = publish(store)
        assert (again.read, again.projects_written, again.removed) == (0, [], [])
        assert unchanged(store.root) == (report.files, report.projects)
        assert published_files(store) == published_files(full_store)


def test_a_wheel_added_is_told_without_listing_wheels(
    store: Store, settled: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An entry added to ``wheels/`` moves the directory's mtime: the check answers
    "changed" from one stat of it, without listing a large directory."""
    publish(store)
    assert unchanged(store.root) is not None
    time.sleep(0.02)  # past the file system's timestamp tick
    make_wheel(store.wheels, "newcomer", "1.0")

    def no_listing(*args: object) -> list[str]:
        raise AssertionError("wheels/ listed")

    monkeypatch.setattr(_unchanged.os, "listdir", no_listing)
    assert unchanged(store.root) is None


def test_a_vouched_stat_of_wheels_stands_for_its_listing(
    store: Store, settled: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The note's stat of ``wheels/`` was taken in a later clock tick than the
    directory's mtime: nothing listed it since, so an equal stat proves the listing
    and the check answers without listing; each wheel is still stat'ed."""
    publish(store)
    assert json.loads(_unchanged.note_path(store.root).read_bytes().split(b"\0")[0])["vouched"]
    listed: list[object] = []
    real = _unchanged.os.listdir

    def listing(*args: object) -> list[str]:
        listed.append(args)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(_unchanged.os, "listdir", listing)
    assert unchanged(store.root) == (4, 3)
    assert listed == []
    _in_place(store, store.root)  # the wheels' own stats are still compared
    assert unchanged(store.root) is None


def test_a_stat_taken_within_the_tick_does_not_vouch(
    store: Store, settled: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``wheels/`` changed in the clock's current tick (here: its mtime set ahead of
    the clock): an entry added in that tick would not move it, so the listing is
    compared, and an entry added is still found."""
    publish(store)
    ahead = time.time_ns() + 3_600 * 10**9
    os.utime(store.wheels, ns=(ahead, ahead))
    assert _unchanged._vouched(store.root) is None
    publish(store)  # the directory's stat changed: the full path, a note without proof
    header = json.loads(_unchanged.note_path(store.root).read_bytes().split(b"\0")[0])
    assert header["vouched"] is False
    assert unchanged(store.root) == (4, 3)  # the listing compared, and the same
    make_wheel(store.wheels, "newcomer", "1.0")
    os.utime(store.wheels, ns=(ahead, ahead))  # the stat is as noted; the listing is not
    assert unchanged(store.root) is None


def test_the_command_as_a_user_runs_it(store: Store) -> None:
    """A real subprocess: once publish has left its note (and the status page's inputs
    are two seconds old), the command's entry answers before click is loaded, with
    what click's `publish` prints; a wheel changed in place still takes the full path."""
    from wheelmill.cli import cli

    publish(store)
    time.sleep(2.1)  # the real window in which the page's inputs are not trusted
    base = ["publish", "-w", str(store.root)]
    slow = cli_runner().invoke(cli, [*base, "--json"])
    assert slow.exit_code == 0, slow.output
    human_slow = cli_runner().invoke(cli, base)
    entry = (
        "import sys\nfrom wheelmill.cli import main\n"
        "sys.argv = ['wheelmill', *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\n"
        "print(code, 'click' in sys.modules, file=sys.stderr)\n"
    )

    def command(*extra: str) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, "-c", entry, *base, *extra]
        return subprocess.run(argv, capture_output=True, text=True, check=False)

    def without_duration(text: str) -> dict[str, object]:
        data: dict[str, object] = json.loads(text)
        return {key: value for key, value in data.items() if key != "duration"}

    fast = command("--json")
    assert fast.stderr.strip().splitlines()[-1] == "0 False", fast.stderr
    assert without_duration(fast.stdout) == without_duration(slow.stdout)
    quiet = command("-q")
    assert (quiet.stdout, quiet.stderr.strip()) == ("", "0 False")
    human = command()
    seconds = re.compile(r"in \d+\.\d\ds")
    assert seconds.sub("", human.stdout) == seconds.sub("", human_slow.stdout)
    _in_place(store, store.root)
    damaged = command("--json")
    assert damaged.stderr.strip().splitlines()[-1] == "1 True", damaged.stderr
    assert "mid-1.0-py3-none-any.whl" in json.loads(damaged.stdout)["rejected"]
