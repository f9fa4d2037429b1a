"""`wheelmill export`: the lock with the wheelhouse's own hashes, used exactly as CI would.

The CI tests build a wheelhouse offline (one pin built from an sdist, one
fetched), publish it, export the lock, serve it on 127.0.0.1 and install into
fresh environments with real pip and real uv, `--require-hashes`, binary-only.
A wheel whose bytes change after the export is then refused by pip itself.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result
from packaging.version import Version

from conftest import LocalIndex, cli_runner, client_env, make_sdist, make_wheel, sha256
from wheelmill import WheelmillError
from wheelmill._exceptions import ExportIncomplete, WheelChanged
from wheelmill.cli import cli
from wheelmill.index.export import export, wheels_base
from wheelmill.lockfile import read_lock
from wheelmill.lockfile.pins import parse_pins
from wheelmill.serve.server import BackgroundServer
from wheelmill.store.attempt import Attempt
from wheelmill.store.wheelhouse import Store
from wheelmill.target import current_target, resolve_target


def invoke(*args: str | Path) -> Result:
    return cli_runner().invoke(cli, [str(a) for a in args], prog_name="wheelmill")


def _venv(path: Path) -> Path:
    """A fresh environment without pip: the pip under test installs into it (--python)."""
    import venv

    venv.EnvBuilder(with_pip=False).create(path)
    return path / "bin" / "python"


def _pip(python: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", *map(str, args)],
        capture_output=True,
        text=True,
        env=client_env(),
        timeout=300,
    )


def _uv(python: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    from uv import find_uv_bin

    return subprocess.run(
        [find_uv_bin(), "pip", "install", "--python", str(python), "--no-cache", *map(str, args)],
        capture_output=True,
        text=True,
        env=client_env(),
        timeout=300,
    )


# -- what is written ------------------------------------------------------------------


def test_every_wheel_of_a_pin_is_hashed_markers_kept(tmp_path: Path) -> None:
    store = Store(tmp_path / "wh").create()
    pure = make_wheel(store.wheels, "alpha", "1.0")
    mac = make_wheel(store.wheels, "fast", "2.0", tag="cp312-cp312-macosx_11_0_arm64")
    win = make_wheel(store.wheels, "fast", "2.0", tag="cp312-cp312-win_amd64")
    make_wheel(store.wheels, "fast", "1.0", tag="cp312-cp312-win_amd64")  # another version
    pins = parse_pins(
        "alpha[extra]==1.0\n"
        'fast==2.0 ; python_version >= "3.12"\n'
        'winonly==1.0 ; sys_platform == "win32"\n'
    )
    out = tmp_path / "requirements.binary.txt"
    report = export(pins, store, out, targets=[resolve_target("3.12/macosx_11_0_arm64")])
    assert report.format == "requirements" and report.wheels == 3
    assert [pin.name for pin in report.unneeded] == ["winonly"]
    text = out.read_text()
    assert f"alpha[extra]==1.0 \\\n    --hash=sha256:{sha256(pure)}\n" in text
    assert 'fast==2.0 ; python_version >= "3.12" \\\n' in text
    assert f"--hash=sha256:{sha256(mac)}" in text and f"--hash=sha256:{sha256(win)}" in text
    assert 'winonly==1.0 ; sys_platform == "win32"\n' in text
    # It is a valid lock again, with those hashes.
    again = {pin.name: pin for pin in read_lock(out)}
    assert again["fast"].sha256s() == {sha256(mac), sha256(win)}


def test_a_pin_a_target_needs_without_wheel_writes_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path / "wh").create()
    make_wheel(store.wheels, "alpha", "1.0")
    out = tmp_path / "out.txt"
    with pytest.raises(ExportIncomplete, match=re.escape("beta==2.0")):
        export(parse_pins("alpha==1.0\nbeta==2.0\n"), store, out, targets=[current_target()])
    assert not out.exists()


def test_a_wheel_changed_after_it_was_stored_is_refused(tmp_path: Path) -> None:
    store = Store(tmp_path / "wh").create()
    wheel = make_wheel(store.wheels, "alpha", "1.0")
    store.write_record(
        Attempt("k", "ok", "alpha", "1.0", "t", "built", wheel=wheel.name, sha256=sha256(wheel))
    )
    out = tmp_path / "out.txt"
    export(parse_pins("alpha==1.0\n"), store, out, targets=[current_target()])
    make_wheel(store.wheels, "alpha", "1.0", payload=10)  # same name, other bytes
    with pytest.raises(WheelChanged, match=re.escape("alpha-1.0-py3-none-any.whl")):
        export(parse_pins("alpha==1.0\n"), store, out, targets=[current_target()])


def test_pylock_format_paths_urls_and_names(tmp_path: Path) -> None:
    store = Store(tmp_path / "wh").create()
    wheel = make_wheel(store.wheels, "alpha", "1.0")
    lock = tmp_path / "lock.txt"
    lock.write_text('alpha==1.0 ; python_version >= "3"\n')
    local = invoke("export", lock, "-w", store.root, "-o", tmp_path / "ci" / "pylock.toml")
    assert local.exit_code == 0, local.output
    text = (tmp_path / "ci" / "pylock.toml").read_text()
    assert 'path = "../wh/wheels/alpha-1.0-py3-none-any.whl"' in text
    assert f"size = {wheel.stat().st_size}" in text and sha256(wheel) in text
    assert "marker = " in text
    served = invoke(
        "export", lock, "-w", store.root, "-o", tmp_path / "pylock.ci.toml",
        "--url", "https://wheels.example/team/simple/", "--json",
    )  # fmt: skip
    assert json.loads(served.stdout)["format"] == "pylock"
    url = "https://wheels.example/team/wheels/alpha-1.0-py3-none-any.whl"
    assert f'url = "{url}"' in (tmp_path / "pylock.ci.toml").read_text()
    bad = invoke("export", lock, "-w", store.root, "-o", tmp_path / "x.toml", "--format", "pylock")
    assert bad.exit_code == 2 and "must be named pylock.toml" in bad.stderr
    assert wheels_base("http://h:8000") == "http://h:8000/wheels/"


def test_export_cli_exit_codes(tmp_path: Path) -> None:
    lock = tmp_path / "lock.txt"
    lock.write_text("alpha==1.0\n")
    (tmp_path / "wh" / "wheels").mkdir(parents=True)  # a wheelhouse without that wheel
    missing = invoke("export", lock, "-w", tmp_path / "wh", "-o", tmp_path / "out.txt")
    assert missing.exit_code == 1
    assert "no wheel in the wheelhouse for alpha==1.0" in missing.stderr
    assert isinstance(ExportIncomplete(["a"]), WheelmillError)


# -- exactly what CI does -------------------------------------------------------------


@pytest.fixture
def published(local_index: LocalIndex, tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """A built and published wheelhouse, and its exported requirements.binary.txt."""
    local_index.add(make_sdist("pure-ok", tmp_path / "src", name="alpha", version="1.0"))
    local_index.add(make_wheel(tmp_path / "src", "beta", "2.0", requires=("alpha",)))
    lock = tmp_path / "requirements.txt"
    lock.write_text(local_index.lock_line("alpha", "1.0") + local_index.lock_line("beta", "2.0"))
    wheelhouse = tmp_path / "wh"
    built = invoke("build", lock, "-w", wheelhouse, "--index-url", local_index.url)
    assert built.exit_code == 0, built.output
    assert invoke("publish", "-w", wheelhouse).exit_code == 0
    exported = tmp_path / "requirements.binary.txt"
    result = invoke("export", lock, "-w", wheelhouse, "-o", exported)
    assert result.exit_code == 0, result.output
    yield exported, wheelhouse


def _imports(python: Path) -> None:
    subprocess.run([str(python), "-c", "import alpha, beta"], check=True, env=client_env())


def test_ci_installs_the_export_with_require_hashes_pip_and_uv(
    published: tuple[Path, Path], tmp_path: Path
) -> None:
    exported, wheelhouse = published
    with BackgroundServer(wheelhouse) as server:
        python = _venv(tmp_path / "pip-env")
        flags = ("--require-hashes", "--only-binary", ":all:", "--index-url", server.url)
        done = _pip(python, *flags, "-r", exported)
        assert done.returncode == 0, done.stdout + done.stderr
        _imports(python)
        uv_python = _venv(tmp_path / "uv-env")
        done = _uv(uv_python, *flags, "-r", exported)
        assert done.returncode == 0, done.stdout + done.stderr
        _imports(uv_python)


#: pip reads ``-r pylock.toml`` from 26.1 on (older pips take it for a requirements file).
PIP_READS_PYLOCK = Version(importlib.metadata.version("pip")) >= Version("26.1")


@pytest.mark.skipif(not PIP_READS_PYLOCK, reason="this pip cannot install from pylock.toml")
def test_ci_installs_an_exported_pylock_pip_and_uv(
    published: tuple[Path, Path], tmp_path: Path
) -> None:
    exported, wheelhouse = published
    lock = exported.parent / "requirements.txt"
    with BackgroundServer(wheelhouse) as server:
        pylock = tmp_path / "ci" / "pylock.toml"
        result = invoke("export", lock, "-w", wheelhouse, "-o", pylock, "--url", server.url)
        assert result.exit_code == 0, result.output
        python = _venv(tmp_path / "pip-env")
        done = _pip(python, "-r", pylock)
        assert done.returncode == 0, done.stdout + done.stderr
        _imports(python)
        uv_python = _venv(tmp_path / "uv-env")
        done = _uv(uv_python, "-r", pylock)
        assert done.returncode == 0, done.stdout + done.stderr
        _imports(uv_python)
    # Without --url: paths relative to the lock file, no server at all.
    relative = tmp_path / "pylock.toml"
    assert invoke("export", lock, "-w", wheelhouse, "-o", relative).exit_code == 0
    python = _venv(tmp_path / "relative-env")
    done = _pip(python, "-r", relative)
    assert done.returncode == 0, done.stdout + done.stderr
    _imports(python)


def test_pip_refuses_a_wheel_changed_after_the_export(
    published: tuple[Path, Path], tmp_path: Path
) -> None:
    exported, wheelhouse = published
    # Someone replaces beta's wheel with other bytes: publish leaves it out of the
    # index (it is not what was stored); a client reading wheels/ directly finds
    # it, and only the exported hashes still know better.
    make_wheel(wheelhouse / "wheels", "beta", "2.0", requires=("alpha",), code="EVIL = 1")
    republished = invoke("publish", "-w", wheelhouse)
    assert republished.exit_code == 1
    assert "REJECTED beta-2.0-py3-none-any.whl" in republished.stderr
    python = _venv(tmp_path / "env")
    flags = ("--require-hashes", "--only-binary", ":all:", "--no-index", "--find-links")
    done = _pip(python, *flags, wheelhouse / "wheels", "-r", exported)
    assert done.returncode != 0
    assert "THESE PACKAGES DO NOT MATCH THE HASHES" in done.stderr
    assert "beta" in done.stderr
    # And wheelmill will not export the new bytes either.
    lock = exported.parent / "requirements.txt"
    again = invoke("export", lock, "-w", wheelhouse, "-o", tmp_path / "x.txt")
    assert again.exit_code == 1 and "changed after wheelmill stored it" in again.stderr
