"""``wheelmill publish`` after a change, answered before click loads (``cli/_noop.py``):
the same library call as the command, the same files, the same output; a rejected
wheel is still caught, and said as the command says it."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import cli_runner, make_wheel
from test_publish_incremental import published_files
from wheelmill.index.publish import publish
from wheelmill.store.wheelhouse import Store

#: Runs the console entry point and says, on its last stderr line, the exit code and
#: whether click was loaded.
_ENTRY = (
    "import sys\nfrom wheelmill.cli import main\n"
    "sys.argv = ['wheelmill', *sys.argv[1:]]\n"
    "try:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\n"
    "print(code, 'click' in sys.modules, file=sys.stderr)\n"
)
_SECONDS = re.compile(r"in \d+\.\d\ds")


def _command(root: Path, *extra: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-c", _ENTRY, "publish", "-w", str(root), *extra]
    return subprocess.run(argv, capture_output=True, text=True, check=False, cwd=cwd)


def _click(root: Path, *extra: str) -> tuple[int, str, str]:
    from wheelmill.cli import cli

    result = cli_runner().invoke(cli, ["publish", "-w", str(root), *extra])
    return result.exit_code, result.stdout, result.stderr


def _document(text: str, root: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads(text.replace(str(root), "DIR"))
    data.pop("duration")
    return data


def _stored(store: Store, name: str, version: str, **options: Any) -> None:
    """A wheel put in through the store, with an upload time of its own (as a fetched
    one is): two wheelhouses given the same wheels publish the same bytes."""
    built = make_wheel(store.root.parent, name, version, **options)
    store.add_wheel(built, built.name, upload_time="2026-01-02T03:04:05.000000Z")


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Store, Store]:
    """Two wheelhouses of the same wheels, each published."""
    stores = Store(tmp_path / "a" / "wh").create(), Store(tmp_path / "b" / "wh").create()
    for store in stores:
        _stored(store, "app", "1.0", requires=("mid>=1",))
        _stored(store, "leaf", "1.0", requires_python=">=3.8")
        _stored(store, "mid", "1.0", requires=("leaf",))
        publish(store)
    return stores


@pytest.mark.parametrize("new_project", [False, True])
def test_a_changed_wheelhouse_is_published_without_click(
    pair: tuple[Store, Store], new_project: bool
) -> None:
    """A real subprocess publishes one more wheel (or a wheel gone) without loading
    click, writes the files click's command writes, and prints its JSON."""
    fast, slow = pair
    name = "newcomer" if new_project else "mid"
    for store in pair:
        _stored(store, name, "2.0")
        (store.wheels / "app-1.0-py3-none-any.whl").unlink()
    told = _command(fast.root, "--json")
    assert told.stderr.strip().splitlines()[-1] == "0 False", told.stderr
    code, out, _ = _click(slow.root, "--json")
    assert code == 0
    document = _document(told.stdout, fast.root)
    assert document == _document(out, slow.root)
    assert (document["read"], document["removed"]) == (1, ["app-1.0-py3-none-any.whl"])
    assert published_files(fast) == published_files(slow)


def test_its_human_output_is_the_commands(pair: tuple[Store, Store]) -> None:
    fast, slow = pair
    for store in pair:
        _stored(store, "mid", "2.0")
    told = _command(fast.root)
    assert told.stderr.strip() == "0 False"
    code, out, _ = _click(slow.root)
    assert code == 0
    assert _SECONDS.sub("", told.stdout).replace(str(fast.root), "DIR") == _SECONDS.sub(
        "", out
    ).replace(str(slow.root), "DIR")
    assert "(1 project pages written, 1 wheels read)" in told.stdout
    make_wheel(fast.wheels, "leaf", "2.0")
    quiet = _command(fast.root, "-q")
    assert (quiet.stdout, quiet.stderr.strip()) == ("", "0 False")
    assert (fast.wheels / "leaf-2.0-py3-none-any.whl.metadata").is_file()


def test_a_wheel_rewritten_in_place_is_still_caught(pair: tuple[Store, Store]) -> None:
    """Same size, same inode, bytes changed (only the mtime tells): the fast entry
    leaves it out as the command does, says so as the command does, and exits 1."""
    fast, slow = pair
    for store in pair:
        wheel = store.wheels / "mid-1.0-py3-none-any.whl"
        data = bytearray(wheel.read_bytes())
        data[len(data) // 2] ^= 0xFF
        with open(wheel, "r+b") as stream:
            stream.write(bytes(data))
    told = _command(fast.root)
    code, out, err = _click(slow.root)
    assert (code, told.stderr.strip().splitlines()[-1]) == (1, "1 True")
    assert _SECONDS.sub("", told.stdout).replace(str(fast.root), "DIR") == _SECONDS.sub(
        "", out
    ).replace(str(slow.root), "DIR")
    assert told.stderr.strip().splitlines()[:-1] == err.strip().splitlines()
    assert "REJECTED mid-1.0-py3-none-any.whl: " in err
    assert not (fast.wheels / "mid-1.0-py3-none-any.whl.metadata").exists()
    assert published_files(fast) == published_files(slow)
    again = _command(fast.root, "--json")  # still left out, and said again
    assert again.stderr.strip().splitlines()[-1] == "1 True"
    assert "mid-1.0-py3-none-any.whl" in json.loads(again.stdout)["rejected"]


def test_a_config_file_is_loaded_as_the_command_loads_it(
    pair: tuple[Store, Store], tmp_path: Path
) -> None:
    """With ``config/wheelmill.toml`` in the working directory the config may decide (a
    team store, say): the entry loads it as the command does (a broken one: click says
    why); without one, nothing loads it. The name is the config's."""
    from wheelmill.cli._noop import _DEFAULT_CONFIG
    from wheelmill.config import DEFAULT_CONFIG

    assert Path(_DEFAULT_CONFIG) == DEFAULT_CONFIG
    fast, _ = pair
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "wheelmill.toml").write_text('wheelhouse = "elsewhere"\n')
    make_wheel(fast.wheels, "leaf", "2.0")
    told = _command(fast.root, "-q", cwd=tmp_path)
    assert told.stderr.strip() == "0 False", told.stderr  # -w wins over the config's
    assert (fast.simple / "leaf" / "index.json").read_text().count('"filename"') == 2
    (tmp_path / "config" / "wheelmill.toml").write_text("wheelhouse = [\n")  # broken
    broken = _command(fast.root, "-q", cwd=tmp_path)
    assert broken.stderr.strip().splitlines()[-1] == "2 True", broken.stderr


def test_a_find_links_listing_not_as_written_is_rendered_whole() -> None:
    """A +1 publish splices the listing by counting in C, not by reading each line: any
    listing that is not exactly the one written (a line edited, moved, replaced) still
    comes out as ``None`` (rendered whole), and a spliced one as the whole render."""
    from wheelmill.index._pages import FileEntry, find_links_page, splice_find_links

    entries = [
        FileEntry(f"p{i}-1.0{local}-py3-none-any.whl", 1, 2, 3, f"1.0{local}", "ab" * 32,
                  "cd" * 32, None, f"p{i}", "t")
        for i, local in enumerate(("", "+a.b", "", ""))
    ]  # fmt: skip
    old = find_links_page(entries, {})
    names = [entry.filename for entry in entries]
    newer = entries[1]._replace(filename="p1-2.0+z-py3-none-any.whl", version="2.0+z")
    spliced = splice_find_links(old, names, {entries[2].filename}, [newer], {})
    assert spliced == find_links_page([entries[0], entries[1], newer, entries[3]], {})
    assert splice_find_links(old, names, (), [], {}) == old
    lines = old.split(b"\n")
    at = lines.index(next(line for line in lines if line.startswith(b"<a")))
    lines[at], lines[at + 1] = lines[at + 1], lines[at]
    broken = [
        b"\n".join(lines),  # out of order
        old.replace(b"</a><br>\n<a", b"</a>\n<a", 1),  # a line edited
        old.replace(b"\n<a", b"\nx<a", 1),
        old.replace(b'<a href="p3', b'<!-- --><a href="p3'),
        old.replace(b"#sha256=", b"#sha1=", 1),
        old.replace(b"p2-1.0-py3", b"p2-9.0-py3"),  # a wheel for another
        old.replace(entries[3].filename.encode(), entries[0].filename.encode()),  # twice
        old + b"\n",
        old.replace(b"<title>Wheels", b"<title>Wheelz"),
    ]
    for page in broken:
        assert page != old
        assert splice_find_links(page, names, (), [], {}) is None, page
    assert splice_find_links(old, names[:3], (), [], {}) is None


def test_first_publication_times_are_one_file_per_project(tmp_path: Path) -> None:
    """Wheels put in by hand: their upload times are written once per project (not a
    file per wheel), kept through a lost state and a touch, and a time an earlier
    version wrote to a file of the wheel's own is kept too."""
    store = Store(tmp_path / "wh").create()
    for version in ("1.0", "1.1", "2.0"):
        make_wheel(store.wheels, "handmade", version)
    make_wheel(store.wheels, "older", "1.0")
    seen = store.state / "first-published"
    seen.mkdir()
    older = store.wheels / "older-1.0-py3-none-any.whl"
    digest = hashlib.sha256(older.read_bytes()).hexdigest()
    (seen / older.name).write_text(f"{digest} 2020-01-02T03:04:05.000000Z\n")
    publish(store)

    def times(project: str) -> dict[str, str]:
        document = json.loads((store.simple / project / "index.json").read_bytes())
        return {entry["filename"]: entry["upload-time"] for entry in document["files"]}

    first = times("handmade")
    assert sorted(path.name for path in seen.iterdir()) == ["handmade", "older", older.name]
    lines = (seen / "handmade").read_text().splitlines()
    assert [line.split()[0] for line in lines] == sorted(first)
    assert times("older") == {older.name: "2020-01-02T03:04:05.000000Z"}
    (store.state / "index-state.json").unlink()
    for wheel in store.wheels.glob("*.whl"):
        os.utime(wheel, ns=(0, 1_600_000_000_000_000_000))
    (seen / older.name).unlink()  # now in the project's file
    make_wheel(store.wheels, "handmade", "3.0")
    assert publish(store).read == 5
    again = times("handmade")
    assert {name: again[name] for name in first} == first
    assert len(again) == 4 and len((seen / "handmade").read_text().splitlines()) == 4
    assert times("older") == {older.name: "2020-01-02T03:04:05.000000Z"}


def test_the_state_tells_changed_stamps_without_decoding_them(tmp_path: Path) -> None:
    """Stamps are compared as the state file spells them: any difference in size,
    mtime or inode, a new wheel, or a name JSON would spell otherwise is a change."""
    from wheelmill.index._scan import scan_wheels
    from wheelmill.index._state import STATE_FILE, State

    store = Store(tmp_path / "wh").create()
    for name, version in (("one", "1.0"), ("one", "1.0+local.2"), ("two", "2!3.0")):
        make_wheel(store.wheels, name, version)
    publish(store)
    state = State(store.state / STATE_FILE)
    found = scan_wheels(store.wheels)[0]
    assert state.loaded and state.published == found.keys()
    assert state.changed(found) == set()
    for at in range(3):
        for name in found:
            moved = {**found, name: [v + (i == at) for i, v in enumerate(found[name])]}
            assert state.changed(moved) == {name}
    odd = {**found, 'one"-1.0-py3-none-any.whl': [1, 2, 3], "new-1.0-py3-none-any.whl": [1, 2, 3]}
    assert state.changed(odd) == {'one"-1.0-py3-none-any.whl', "new-1.0-py3-none-any.whl"}
    assert State(store.state / "missing").published == set()


def test_a_changed_wheelhouse_loads_only_what_publishing_uses(pair: tuple[Store, Store]) -> None:
    """The +1 command (a real subprocess) reads and publishes a wheel without loading
    packaging.tags (tags are never published), filelock or their imports."""
    fast, _ = pair
    _stored(fast, "newcomer", "2.0")
    heavy = ("packaging.tags", "packaging.utils", "filelock", "logging", "click", "subprocess")
    # nor html (its entities), zipfile (the wheel is read directly), threading, the pool
    heavy += ("html", "html.entities", "zipfile", "threading", "wheelmill.index._workers")
    entry = _ENTRY.replace(
        "print(code,",
        f"print(sorted(set({heavy!r}) & set(sys.modules)), file=sys.stderr)\nprint(code,",
    )
    argv = [sys.executable, "-c", entry, "publish", "-w", str(fast.root), "--json"]
    told = subprocess.run(argv, capture_output=True, text=True, check=False)
    assert told.stderr.strip().splitlines()[-2:] == ["[]", "0 False"], told.stderr
    assert json.loads(told.stdout)["read"] == 1


@pytest.mark.parametrize(
    "text",
    ["", "plain", "a&b<c>d\"e'f", "&amp; &lt;already&gt;", "ünïcödé ☃ <&>", "'\"'\"&&<<>>"],
)
def test_the_pages_escape_as_html_escape_does(text: str) -> None:
    """The index's own escape (no html import) writes what html.escape writes."""
    import html

    from wheelmill.index._escape import escape

    assert escape(text) == html.escape(text, quote=True)


@pytest.mark.parametrize("looks", [0, 64])
def test_an_earlier_per_wheel_time_is_kept_however_many_wheels_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, looks: int
) -> None:
    """Many wheels read: publish lists the times' directory once; a few: each tries its
    own file. Either way an earlier version's per-wheel time is the one published."""
    import wheelmill.index.publish as publishing

    monkeypatch.setattr(publishing, "_PER_WHEEL_LOOKS", looks)
    store = Store(tmp_path / "wh").create()
    older = make_wheel(store.wheels, "older", "1.0")
    seen = store.state / "first-published"
    seen.mkdir()
    digest = hashlib.sha256(older.read_bytes()).hexdigest()
    (seen / older.name).write_text(f"{digest} 2020-01-02T03:04:05.000000Z\n")
    assert publish(store).read == 1
    document = json.loads((store.simple / "older" / "index.json").read_bytes())
    assert [entry["upload-time"] for entry in document["files"]] == ["2020-01-02T03:04:05.000000Z"]


def test_upload_times_are_written_as_datetime_writes_them() -> None:
    """``iso_time`` (no datetime import) writes what ``datetime`` writes, rounding
    the microseconds the same way, halves and carries into the next second included."""
    import datetime
    import random

    from wheelmill._timestamps import _FORMAT, iso_time

    draw = random.Random(15)
    moments: list[float] = [0, 0.5, 1.9999995, 1.0000005, 1_000_000_000.9999996, 1764780000]
    moments += [draw.uniform(0, 4e9) for _ in range(20_000)]
    moments += [draw.randrange(2**31) + (draw.randrange(10**6) + 0.5) / 1e6 for _ in range(20_000)]
    for moment in moments:
        expected = datetime.datetime.fromtimestamp(moment, datetime.timezone.utc)
        assert iso_time(moment) == expected.strftime(_FORMAT), moment
    assert iso_time().endswith("Z") and len(iso_time()) == len("2024-05-01T12:00:00.000000Z")
