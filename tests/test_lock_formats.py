"""The locks teams already have (uv.lock, poetry.lock, pdm.lock, Pipfile.lock) as input.

The lock files under ``tests/data/locks/`` were written by the real tools against
an index holding exactly the files in ``tests/data/locks/files/`` (see the
README there), so their hashes match those files: each lock is built, verified,
exported and kept by ``gc`` offline here.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import Result

from conftest import LocalIndex, cli_runner
from wheelmill.lockfile import read_lock

DATA = Path(__file__).parent / "data" / "locks"
FORMATS = {
    "uv": "uv.lock",
    "poetry": "poetry.lock",
    "pdm": "pdm.lock",
    "pipenv": "Pipfile.lock",
}
WINDOWS = 'sys_platform == "win32"'


def invoke(*args: str | Path) -> Result:
    from wheelmill.cli import cli

    return cli_runner().invoke(cli, [str(a) for a in args], prog_name="wheelmill")


@pytest.fixture
def index(local_index: LocalIndex) -> LocalIndex:
    for path in sorted((DATA / "files").iterdir()):
        shutil.copyfile(path, local_index.files / path.name)
    local_index.refresh()
    return local_index


def _lock(tool: str, tmp_path: Path) -> Path:
    source = DATA / tool / FORMATS[tool]
    if not source.is_file():
        pytest.fail(f"missing test data {source}")
    lock = tmp_path / FORMATS[tool]
    shutil.copyfile(source, lock)
    return lock


@pytest.mark.parametrize("tool", sorted(FORMATS))
def test_the_lock_is_read_with_hashes_and_markers(tool: str, tmp_path: Path) -> None:
    pins = {pin.name: pin for pin in read_lock(_lock(tool, tmp_path))}
    versions = {"alpha": "1.0", "beta": "2.0", "delta": "1.0", "gamma": "1.0"}
    if tool == "pipenv":  # pipenv locks for the platform it runs on: no gamma
        del versions["gamma"]
    assert {name: pin.version for name, pin in pins.items()} == versions
    assert all(len(pin.hashes) == 1 for pin in pins.values())
    assert pins["alpha"].marker is None and pins["beta"].marker is None
    if tool == "pipenv":
        return
    gamma = pins["gamma"].marker
    assert gamma is not None and not gamma.evaluate({"sys_platform": "linux"})
    assert gamma.evaluate({"sys_platform": "win32"})


@pytest.mark.parametrize("tool", sorted(FORMATS))
def test_the_lock_is_built_verified_exported_and_kept(
    tool: str, index: LocalIndex, tmp_path: Path
) -> None:
    lock = _lock(tool, tmp_path)
    wheelhouse = tmp_path / "wh"
    built = invoke("build", lock, "-w", wheelhouse, "--index-url", index.url, "--json")
    assert built.exit_code == 0, built.output + built.stderr
    statuses = {pin["name"]: pin["status"] for pin in json.loads(built.output)["pins"]}
    expected = {"alpha": "fetched", "beta": "fetched", "delta": "built", "gamma": "not-applicable"}
    if tool == "pipenv":
        del expected["gamma"]
    assert statuses == expected
    verified = invoke("verify", lock, "-w", wheelhouse)
    assert verified.exit_code == 0, verified.output + verified.stderr
    exported = invoke("export", lock, "-w", wheelhouse, "-o", tmp_path / "binary.txt")
    assert exported.exit_code == 0, exported.output + exported.stderr
    assert "delta==1.0" in (tmp_path / "binary.txt").read_text()
    kept = invoke("gc", "-w", wheelhouse, "--keep", lock, "--dry-run")
    assert kept.exit_code == 0, kept.output + kept.stderr
    assert len(list((wheelhouse / "wheels").iterdir())) == 3


def test_run_builds_from_a_uv_lock(index: LocalIndex, tmp_path: Path) -> None:
    lock = _lock("uv", tmp_path)
    config = tmp_path / "wheelmill.toml"
    config.write_text(f'requirements = "uv.lock"\nwheelhouse = "wh"\nindex_url = "{index.url}"\n')
    result = invoke("run", "--config", config)
    assert result.exit_code == 0, result.output + result.stderr
    assert lock.read_text() == (DATA / "uv" / "uv.lock").read_text()  # never rewritten
    assert (tmp_path / "wh" / "simple" / "delta" / "index.html").is_file()


@pytest.mark.parametrize("tool", ["pdm", "pipenv", "poetry"])
def test_run_builds_and_publishes_from_the_other_locks(
    tool: str, index: LocalIndex, tmp_path: Path
) -> None:
    lock = _lock(tool, tmp_path)
    config = tmp_path / "wheelmill.toml"
    config.write_text(
        f'requirements = "{lock.name}"\nwheelhouse = "wh"\nindex_url = "{index.url}"\n'
    )
    result = invoke("run", "--config", config, "--json")
    assert result.exit_code == 0, result.output + result.stderr
    report = json.loads(result.stdout)
    assert report["locked"] is False  # a team's lock is built as it is, never re-resolved
    assert report["build"]["counts"]["failed"] == 0
    assert lock.read_text() == (DATA / tool / FORMATS[tool]).read_text()
    for name in ("alpha", "beta", "delta"):
        assert (tmp_path / "wh" / "simple" / name / "index.html").is_file()
    assert not (tmp_path / "wh" / "simple" / "gamma").exists()  # Windows only


@pytest.mark.parametrize(
    ("tool", "edit", "message"),
    [
        (
            "uv",
            lambda t: t.replace(
                'source = { registry = "http://127.0.0.1:8765/simple/" }\nsdist',
                'source = { git = "https://example.org/delta" }\nsdist',
            ),
            "packages from git are not supported",
        ),
        ("uv", lambda t: t.replace("version = 1\n", "version = 7\n", 1), "version 7"),
        (
            "poetry",
            lambda t: t.replace('type = "legacy"', 'type = "git"', 1),
            "packages from a git source are not supported",
        ),
        (
            "pdm",
            lambda t: t.replace('name = "alpha"\n', 'name = "alpha"\ngit = "https://x.org/a"\n'),
            "packages from git are not supported",
        ),
        (
            "pdm",
            lambda t: t.replace(
                'marker = "sys_platform', "marker = \"extra == 'x' and sys_platform"
            ),
            "selects extras or dependency groups",
        ),
        ("pipenv", lambda t: t.replace('"==1.0"', '">=1.0"', 1), "is not pinned"),
    ],
)
def test_what_wheelmill_cannot_honour_is_one_clear_error(
    tool: str, edit: object, message: str, tmp_path: Path
) -> None:
    lock = _lock(tool, tmp_path)
    assert callable(edit)
    lock.write_text(edit(lock.read_text()))
    result = invoke("build", lock, "-w", tmp_path / "wh", "--index-url", "http://127.0.0.1:9/")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr


def test_an_older_poetry_lock_takes_markers_from_the_dependencies(tmp_path: Path) -> None:
    lock = _lock("poetry", tmp_path)
    text = lock.read_text().replace('lock-version = "2.1"', 'lock-version = "2.0"')
    lock.write_text(text.replace('markers = "sys_platform == \\"win32\\""\n', ""))
    assert "\nmarkers = " not in lock.read_text()
    pins = {pin.name: pin for pin in read_lock(lock)}
    assert pins["alpha"].marker is None and pins["delta"].marker is None
    gamma = pins["gamma"].marker
    assert gamma is not None and gamma.evaluate({"sys_platform": "win32"})
    assert not gamma.evaluate({"sys_platform": "linux"})
