"""`wheelmill lock` resolves for every configured target, and the lock says which."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import pytest
from click.testing import Result

from conftest import LocalIndex, cli_runner, make_wheel
from wheelmill._exceptions import WheelmillError
from wheelmill.lockfile.inputs import read_header
from wheelmill.lockfile.pins import read_pins
from wheelmill.target import resolve_target

HERE = f"{sys.version_info[0]}.{sys.version_info[1]}"
OLDER = f"{sys.version_info[0]}.{sys.version_info[1] - 1}"


def invoke(*args: str | Path) -> Result:
    from wheelmill.cli import cli

    return cli_runner().invoke(cli, [str(a) for a in args], prog_name="wheelmill")


@pytest.fixture
def older() -> str:
    try:
        resolve_target(OLDER)
    except WheelmillError:
        pytest.skip(f"no Python {OLDER} on this machine")
    return OLDER


def _config(tmp_path: Path, index: LocalIndex, *targets: str, resolver: str = "uv") -> Path:
    config = tmp_path / "wheelmill.toml"
    listed = ", ".join(f'"{target}"' for target in targets)
    config.write_text(
        f'requirements = "requirements.in"\nwheelhouse = "wh"\nindex_url = "{index.url}"\n'
        f'resolver = "{resolver}"\ntargets = [{listed}]\n'
    )
    (tmp_path / "requirements.in").write_text("alpha\n")
    return config


def _two_releases(index: LocalIndex, tmp_path: Path) -> None:
    # alpha 2.0 needs the running Python; alpha 1.0 serves the older one.
    src = tmp_path / "src"
    index.add(make_wheel(src, "alpha", "1.0"), requires_python=">=3.8")
    index.add(
        make_wheel(src, "alpha", "2.0", requires_python=f">={HERE}"), requires_python=f">={HERE}"
    )


def test_uv_locks_universally_for_every_target(
    older: str, local_index: LocalIndex, tmp_path: Path
) -> None:
    _two_releases(local_index, tmp_path)
    config = _config(tmp_path, local_index, older, "current")
    lock = tmp_path / "requirements.txt"
    locked = invoke("lock", tmp_path / "requirements.in", "-o", lock, "--config", config)
    assert locked.exit_code == 0, locked.output + locked.stderr
    header = read_header(lock)
    assert header.targets == (older, HERE) and header.universal
    pins = {(pin.name, pin.version): pin.marker for pin in read_pins(lock)}
    assert set(pins) == {("alpha", "1.0"), ("alpha", "2.0")}
    old, new = pins[("alpha", "1.0")], pins[("alpha", "2.0")]
    assert old is not None and new is not None
    assert old.evaluate({"python_full_version": f"{older}.1", "python_version": older})
    assert new.evaluate({"python_full_version": f"{HERE}.0", "python_version": HERE})

    # Built for both targets: each gets its release, the other is not applicable; no failure.
    built = invoke("build", lock, "--config", config, "--json")
    assert built.exit_code == 0, built.output + built.stderr
    assert "warning" not in built.stderr
    outcomes = {
        (pin["version"], pin["target"].split("-")[0]): pin["status"]
        for pin in json.loads(built.output)["pins"]
    }
    cp_old, cp_here = f"cp{older.replace('.', '')}", f"cp{HERE.replace('.', '')}"
    assert outcomes == {
        ("1.0", cp_old): "fetched",
        ("1.0", cp_here): "not-applicable",
        ("2.0", cp_old): "not-applicable",
        ("2.0", cp_here): "fetched",
    }


def test_build_warns_about_a_target_the_lock_was_not_resolved_for(
    older: str, local_index: LocalIndex, tmp_path: Path
) -> None:
    _two_releases(local_index, tmp_path)
    config = _config(tmp_path, local_index, "current")
    lock = tmp_path / "requirements.txt"
    assert (
        invoke("lock", tmp_path / "requirements.in", "-o", lock, "--config", config).exit_code == 0
    )
    assert read_header(lock).targets == (HERE,)
    result = invoke("build", lock, "--config", config, "--target", older, "--target", "current")
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1
    assert f"resolved for {HERE}, not for cp{older.replace('.', '')}" in warnings[0]
    # A lock that does not say what it was resolved for draws no warning.
    plain = tmp_path / "plain.txt"
    plain.write_text(local_index.lock_line("alpha", "1.0"))
    quiet = invoke("build", plain, "--config", config, "--target", older)
    assert "warning" not in quiet.stderr


def test_pip_tools_leaves_out_a_target_interpreter_without_it(
    older: str, local_index: LocalIndex, tmp_path: Path
) -> None:
    import subprocess

    python = resolve_target(older).python
    if subprocess.run([python, "-c", "import piptools"], capture_output=True).returncode == 0:
        pytest.skip(f"pip-tools is installed in {python}")
    _two_releases(local_index, tmp_path)
    config = _config(tmp_path, local_index, older, "current", resolver="pip-tools")
    result = invoke(
        "lock", tmp_path / "requirements.in", "-o", tmp_path / "r.txt", "--config", config
    )
    # Resolved for the interpreters that can (as before targets were known), and the
    # lock says so: building it for the other target warns.
    assert result.exit_code == 0, result.stderr
    built = invoke("build", tmp_path / "r.txt", "--config", config, "--target", older)
    assert "warning" in built.stderr and ", not for " in built.stderr


def test_per_target_resolutions_merge_into_one_lock_with_markers() -> None:
    from packaging.markers import Marker

    from wheelmill.lockfile.merge import merge_per_target
    from wheelmill.lockfile.pins import Pin, parse_pins
    from wheelmill.target import current_target

    here = current_target()
    other = dataclasses.replace(here, python_version="3.99", abi="cp399")
    shared = Pin("beta", "1.0", frozenset({"sha256:" + "b" * 64}))
    text = merge_per_target(
        [
            (here, [Pin("alpha", "2.0", frozenset({"sha256:" + "a" * 64})), shared]),
            (other, [Pin("alpha", "1.0", frozenset({"sha256:" + "c" * 64})), shared]),
        ]
    )
    pins = {(pin.name, pin.version): pin for pin in parse_pins(text)}
    assert pins[("beta", "1.0")].marker is None
    assert pins[("alpha", "2.0")].marker == Marker(f'python_version == "{here.python_version}"')
    assert pins[("alpha", "1.0")].marker == Marker('python_version == "3.99"')
    assert pins[("alpha", "1.0")].hashes == {"sha256:" + "c" * 64}


@pytest.mark.network
def test_a_small_set_locked_for_two_pythons_from_pypi(tmp_path: Path) -> None:
    try:
        resolve_target("3.10")
    except WheelmillError:
        pytest.skip("no Python 3.10 on this machine")
    config = tmp_path / "wheelmill.toml"
    config.write_text('resolver = "uv"\ntargets = ["3.10", "3.12"]\n')
    (tmp_path / "requirements.in").write_text("numpy\nasgiref\n")
    lock = tmp_path / "requirements.txt"
    result = invoke("lock", tmp_path / "requirements.in", "-o", lock, "--config", config)
    assert result.exit_code == 0, result.output + result.stderr
    numpy = [pin for pin in read_pins(lock) if pin.name == "numpy"]
    env_310 = {"python_full_version": "3.10.13", "python_version": "3.10"}
    env_312 = {"python_full_version": "3.12.1", "python_version": "3.12"}
    for env in (env_310, env_312):
        applying = [pin for pin in numpy if pin.applies_to({**_linux(), **env})]
        assert len(applying) == 1, (env, numpy)
    assert read_header(lock).targets == ("3.10", "3.12")


def _linux() -> dict[str, str]:
    from wheelmill.target import current_target

    return dict(current_target().environment)


def test_pip_tools_leaves_a_download_only_target_to_the_warning(
    local_index: LocalIndex, tmp_path: Path
) -> None:
    _two_releases(local_index, tmp_path)
    config = _config(
        tmp_path, local_index, "current", f"{HERE}/macosx_11_0_arm64", resolver="pip-tools"
    )
    lock = tmp_path / "requirements.txt"
    locked = invoke("lock", tmp_path / "requirements.in", "-o", lock, "--config", config)
    assert locked.exit_code == 0, locked.output + locked.stderr
    assert read_header(lock).targets == (HERE,)
    built = invoke("build", lock, "--config", config)
    assert "not for cp" in built.stderr and "macosx_11_0_arm64" in built.stderr


def test_run_warns_about_a_target_its_lock_was_not_resolved_for(
    local_index: LocalIndex, tmp_path: Path
) -> None:
    # The lock `run` resolves itself: pip-tools cannot resolve for a download-only
    # platform target, so the lock leaves it out, and `run` says so (--json too).
    _two_releases(local_index, tmp_path)
    mac = f"{HERE}/macosx_11_0_arm64"
    config = _config(tmp_path, local_index, "current", mac, resolver="pip-tools")
    text = config.read_text() + 'lock = "requirements.txt"\n'
    config.write_text(text)
    resolved = invoke("run", "--config", config, "--json")
    assert resolved.exit_code == 0, resolved.output + resolved.stderr
    assert read_header(tmp_path / "requirements.txt").targets == (HERE,)
    warnings = [line for line in resolved.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1, resolved.stderr
    assert f"resolved for {HERE}, not for " in warnings[0] and "macosx_11_0_arm64" in warnings[0]
    json.loads(resolved.stdout)  # the warning is not on stdout

    # A lock given as it is (pinned): the same warning, once.
    config.write_text(text.replace('requirements = "requirements.in"', 'requirements = "r.txt"'))
    (tmp_path / "r.txt").write_bytes((tmp_path / "requirements.txt").read_bytes())
    pinned = invoke("run", "--config", config)
    assert pinned.exit_code == 0, pinned.output + pinned.stderr
    assert pinned.stderr.count("warning:") == 1 and "macosx_11_0_arm64" in pinned.stderr

    # Resolved for every target (uv, universally): no warning.
    config.write_text(text.replace('resolver = "pip-tools"', 'resolver = "uv"'))
    universal = invoke("run", "--config", config)
    assert universal.exit_code == 0, universal.output + universal.stderr
    assert read_header(tmp_path / "requirements.txt").targets == (HERE, mac)
    assert "warning" not in universal.stderr
