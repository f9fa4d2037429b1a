"""Reproducibility as a figure: ``build --check-reproducible`` over a whole lock.

Two sample projects: ``pure-ok`` (its wheel is the same bytes every time) and
``embeds-timestamp`` (its wheel carries the build time and random bytes). The
check reports 1 of 2 in its text and ``--json`` output, names the members that
differ, keeps the figure in the wheelhouse, and the status page ``publish``
writes shows it.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from conftest import LocalIndex, cli_runner, make_sdist
from wheelmill.build.reproduce import differing_members
from wheelmill.cli import cli
from wheelmill.store.reproducibility import last_check
from wheelmill.store.wheelhouse import Store


def _project(local_index: LocalIndex, tmp_path: Path) -> tuple[Path, Path]:
    local_index.add(make_sdist("pure-ok", tmp_path / "src", name="steady", version="1.0"))
    local_index.add(make_sdist("embeds-timestamp", tmp_path / "src", version="2.0"))
    lock = tmp_path / "lock.txt"
    lock.write_text(
        local_index.lock_line("steady", "1.0") + local_index.lock_line("embeds-timestamp", "2.0")
    )
    config = tmp_path / "wheelmill.toml"
    config.write_text(f'wheelhouse = "wh"\nindex_url = "{local_index.url}"\n')
    return lock, config


def test_the_figure_for_a_lock_is_reported_recorded_and_published(
    local_index: LocalIndex, tmp_path: Path
) -> None:
    lock, config = _project(local_index, tmp_path)
    args = ["build", str(lock), "--config", str(config), "--check-reproducible"]
    result = cli_runner().invoke(cli, [*args, "--json"], prog_name="wheelmill")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["reproducibility"] == {"identical": 1, "total": 2}
    found = {item["name"]: item for item in data["reproducible"]}
    assert found["steady"]["reproducible"] and found["steady"]["differing"] == []
    wobbly = found["embeds-timestamp"]
    assert not wobbly["reproducible"]
    assert wobbly["differing"] == [
        "embeds_timestamp-2.0.dist-info/RECORD",
        "embeds_timestamp.py",
    ]
    assert (
        "differs in embeds_timestamp-2.0.dist-info/RECORD, embeds_timestamp.py"
        in (wobbly["detail"])
    )

    # Kept in the wheelhouse: the lock, when, and each wheel's outcome.
    check = last_check(Store(tmp_path / "wh"))
    assert check is not None
    assert (check.identical, check.total, check.lock) == (1, 2, str(lock))
    assert [item.name for item in check.differ] == ["embeds-timestamp"]

    # The text says the same (here on a no-op run: the stored wheels are checked again).
    human = cli_runner().invoke(cli, args, prog_name="wheelmill")
    assert human.exit_code == 0, human.stderr
    assert (
        "reproducible: 1 of 2 wheels built from source are byte-identical across two builds"
        in human.stdout
    )
    assert "DIFFERS  embeds-timestamp==2.0" in human.stdout
    assert "differs in embeds_timestamp-2.0.dist-info/RECORD, embeds_timestamp.py" in human.stdout

    published = cli_runner().invoke(
        cli, ["publish", "--wheelhouse", str(tmp_path / "wh")], prog_name="wheelmill"
    )
    assert published.exit_code == 0, published.stderr
    page = (tmp_path / "wh" / "status" / "index.html").read_text("utf-8")
    assert (
        "Reproducibility: <b>1 of 2 wheels built from source are byte-identical across two "
        "builds</b>" in page
    )
    assert "<b>embeds-timestamp==2.0</b>" in page
    assert "differs in <code>embeds_timestamp-2.0.dist-info/RECORD</code>, " in page
    assert "<b>steady==1.0</b>" not in page  # only those that differ are listed


def test_a_wheelhouse_never_checked_says_so(local_index: LocalIndex, tmp_path: Path) -> None:
    lock, config = _project(local_index, tmp_path)
    built = cli_runner().invoke(
        cli, ["build", str(lock), "--config", str(config)], prog_name="wheelmill"
    )
    assert built.exit_code == 0, built.stderr
    assert last_check(Store(tmp_path / "wh")) is None
    cli_runner().invoke(cli, ["publish", "--wheelhouse", str(tmp_path / "wh")])
    page = (tmp_path / "wh" / "status" / "index.html").read_text("utf-8")
    assert "Reproducibility: not checked yet" in page


def _zip(path: Path, members: dict[str, tuple[bytes, tuple[int, int, int, int, int, int]]]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, (data, when) in members.items():
            archive.writestr(zipfile.ZipInfo(name, when), data)
    return path


def test_the_members_that_differ_are_named(tmp_path: Path) -> None:
    then, later = (2020, 1, 1, 0, 0, 0), (2024, 6, 1, 12, 0, 0)
    first = _zip(tmp_path / "a.whl", {"m.py": (b"A", then), "same.py": (b"S", then)})
    other = _zip(tmp_path / "b.whl", {"m.py": (b"B", then), "same.py": (b"S", then)})
    extra = _zip(tmp_path / "c.whl", {"m.py": (b"A", then), "new.py": (b"N", then)})
    stamped = _zip(tmp_path / "d.whl", {"m.py": (b"A", later), "same.py": (b"S", then)})
    assert differing_members(first, other) == ("m.py",)
    assert differing_members(first, extra) == ("new.py", "same.py")
    assert differing_members(first, stamped) == ("m.py (zip entry)",)
    (tmp_path / "bad.whl").write_bytes(b"not a zip")
    (problem,) = differing_members(first, tmp_path / "bad.whl")
    assert problem.startswith("(not a readable wheel")
