"""The config's parsed document is kept in the per-user cache (``_toml.loads_cached``):
the same answer as the parser's, for the text as it is now, without loading the
parser; and a cache that is missing, damaged or unwritable only costs the parse."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from wheelmill import _toml
from wheelmill._platform.dirs import CACHE_VARIABLE, user_cache_dir
from wheelmill.config import load_config

TEXT = 'wheelmill = "x"\njobs = 3\n[packages.a]\nenv = {A = "1"}\nlist = [1.5, true, "s"]\n'


def _entries(root: Path) -> list[Path]:
    return sorted((root / "toml").glob("*.marshal")) if (root / "toml").is_dir() else []


def test_the_cached_document_is_the_parsers(tmp_path: Path) -> None:
    cache = Path(os.environ[CACHE_VARIABLE])
    first = _toml.loads_cached(TEXT)
    assert first == _toml.loads(TEXT)
    assert len(_entries(cache)) == 1
    again = _toml.loads_cached(TEXT)
    assert again == first and again is not first
    assert list(again) == list(first)  # the keys' order too
    edited = TEXT.replace("jobs = 3", "jobs = 4")
    assert _toml.loads_cached(edited)["jobs"] == 4  # keyed by the text: no stale answer
    assert len(_entries(cache)) == 2


def test_a_cached_config_is_read_without_the_parser(tmp_path: Path) -> None:
    """In a fresh interpreter: the second read of a config loads neither tomli nor
    datetime, and gives the same config."""
    config = tmp_path / "wheelmill.toml"
    config.write_text('wheelhouse = "wh"\njobs = 2\n')
    code = (
        "import sys\nfrom pathlib import Path\nfrom wheelmill.config import load_config\n"
        "c = load_config(Path(sys.argv[1]))\n"
        "print(c.jobs, c.wheelhouse.name, 'tomli' in sys.modules, 'datetime' in sys.modules)\n"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", code, str(config)], capture_output=True, text=True, check=True
        ).stdout.split()
        for _ in range(2)
    ]
    assert runs[0][:3] == ["2", "wh", "True"]
    assert runs[1] == ["2", "wh", "False", "False"]


def test_a_document_with_a_date_is_parsed_every_time() -> None:
    text = "when = 2026-12-03T10:00:00Z\n"
    assert _toml.loads_cached(text) == _toml.loads(text)
    assert _entries(Path(os.environ[CACHE_VARIABLE])) == []
    assert _toml.loads_cached(text) == _toml.loads(text)


@pytest.mark.parametrize("damage", [b"", b"\x00garbage", b"N", b"\xe9\x03\x00\x00\x00"])
def test_a_damaged_entry_is_parsed_past_and_replaced(damage: bytes) -> None:
    cache = Path(os.environ[CACHE_VARIABLE])
    _toml.loads_cached(TEXT)
    (entry,) = _entries(cache)
    entry.write_bytes(damage)
    assert _toml.loads_cached(TEXT) == _toml.loads(TEXT)
    assert _toml.loads_cached(TEXT) == _toml.loads(TEXT)
    assert entry.read_bytes() != damage


def test_bad_toml_is_the_same_error_and_never_cached(tmp_path: Path) -> None:
    with pytest.raises(_toml.TOMLDecodeError):
        _toml.loads_cached("jobs = = 3\n")
    assert _entries(Path(os.environ[CACHE_VARIABLE])) == []
    config = tmp_path / "bad.toml"
    config.write_text("jobs = = 3\n")
    with pytest.raises(Exception, match="not valid TOML"):
        load_config(config)


def test_no_cache_when_turned_off_or_unwritable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_VARIABLE, "")
    assert user_cache_dir() is None
    assert _toml.loads_cached(TEXT) == _toml.loads(TEXT)
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    monkeypatch.setenv(CACHE_VARIABLE, str(blocked))
    assert _toml.loads_cached(TEXT) == _toml.loads(TEXT)
    assert blocked.read_text() == "not a directory"
    assert not list(tmp_path.glob("a-file*.tmp"))


def test_old_entries_are_pruned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_toml, "_KEEP", 3)
    cache = Path(os.environ[CACHE_VARIABLE])
    for number in range(6):
        _toml.loads_cached(f"n = {number}\n")
    assert len(_entries(cache)) == 3
    assert _toml.loads_cached("n = 5\n") == {"n": 5}


@pytest.mark.parametrize(
    ("platform", "variables", "expected"),
    [
        ("linux", {"HOME": "/home/u"}, "/home/u/.cache/wheelmill"),
        ("linux", {"HOME": "/home/u", "XDG_CACHE_HOME": "/x"}, "/x/wheelmill"),
        ("linux", {"HOME": "/home/u", "XDG_CACHE_HOME": "rel"}, "/home/u/.cache/wheelmill"),
        (
            "darwin",
            {"HOME": "/Users/u", "XDG_CACHE_HOME": "/x"},
            "/Users/u/Library/Caches/wheelmill",
        ),
        ("win32", {"LOCALAPPDATA": "/appdata"}, "/appdata/wheelmill/Cache"),
        ("win32", {}, None),
        ("linux", {CACHE_VARIABLE: "/chosen", "XDG_CACHE_HOME": "/x"}, "/chosen"),
    ],
)
def test_the_cache_is_where_each_system_keeps_one(
    monkeypatch: pytest.MonkeyPatch, platform: str, variables: dict[str, str], expected: str | None
) -> None:
    for name in (CACHE_VARIABLE, "XDG_CACHE_HOME", "LOCALAPPDATA", "HOME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "platform", platform)
    found = user_cache_dir()
    assert (found.as_posix() if found else None) == expected
