"""`run` resolves again only when the lock's inputs changed (its header records their hash)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import Result

from _fake_upstream import FakeUpstream
from conftest import LocalIndex, cli_runner, make_wheel
from wheelmill.lockfile.inputs import read_header


def invoke(*args: str | Path) -> Result:
    from wheelmill.cli import cli

    return cli_runner().invoke(cli, [str(a) for a in args], prog_name="wheelmill")


def _project(index: LocalIndex, tmp_path: Path) -> Path:
    src = tmp_path / "src"
    index.add(make_wheel(src, "alpha", "1.0"))
    index.add(make_wheel(src, "beta", "2.0", requires=("alpha",)))
    (tmp_path / "base.txt").write_text("beta\n")
    (tmp_path / "requirements.in").write_text("-r base.txt\n")
    config = tmp_path / "wheelmill.toml"
    config.write_text(
        'requirements = "requirements.in"\nlock = "requirements.txt"\nwheelhouse = "wh"\n'
        f'index_url = "{index.url}"\n'
    )
    return config


def test_a_second_run_goes_straight_to_build_without_the_index(
    local_index: LocalIndex, tmp_path: Path
) -> None:
    config = _project(local_index, tmp_path)
    lock = tmp_path / "requirements.txt"
    first = invoke("run", "--config", config)
    assert first.exit_code == 0, first.output + first.stderr
    header = read_header(lock)
    assert header.inputs is not None and header.inputs.startswith("sha256:")
    written = lock.read_bytes()

    # The index is gone: a resolver would fail; the run must not need one.
    local_index.root.rename(tmp_path / "gone")
    second = invoke("run", "--config", config, "--json")
    assert second.exit_code == 0, second.output + second.stderr
    data = json.loads(second.output)
    assert data["locked"] is False
    assert data["build"]["counts"]["cached"] == 2
    assert lock.read_bytes() == written
    assert "up to date" in invoke("run", "--config", config).stderr

    # An input changed (in an included file): it is resolved again (and here fails).
    (tmp_path / "base.txt").write_text("beta\nalpha\n")
    third = invoke("run", "--config", config)
    assert third.exit_code == 1
    assert "cannot resolve" in third.stderr or "cannot reach" in third.stderr
    assert lock.read_bytes() == written


def test_every_input_enters_the_hash(local_index: LocalIndex, tmp_path: Path) -> None:
    from wheelmill.config import load_config
    from wheelmill.lockfile.uptodate import lock_inputs_of

    config = load_config(_project(local_index, tmp_path))
    requirements = tmp_path / "requirements.in"
    first = lock_inputs_of(config, requirements)
    assert lock_inputs_of(config, requirements) == first
    changed = [
        lock_inputs_of(config.with_overrides(resolver="uv"), requirements),
        lock_inputs_of(config.with_overrides(index_url="http://127.0.0.1:9/x/"), requirements),
        lock_inputs_of(config.with_overrides(targets=("current", "3.12")), requirements),
    ]
    build = config.build.__class__(constraints=("setuptools<81",))
    changed.append(lock_inputs_of(config.with_overrides(build=build), requirements))
    (tmp_path / "base.txt").write_text("beta\n# a comment changes the text\n")
    changed.append(lock_inputs_of(config, requirements))
    (tmp_path / "base.txt").write_text("beta\n")
    (tmp_path / "constraints.txt").write_text("alpha<2\n")
    requirements.write_text("-r base.txt\n-c constraints.txt\n")
    with_constraints = lock_inputs_of(config, requirements)
    changed.append(with_constraints)
    (tmp_path / "constraints.txt").write_text("alpha<3\n")
    changed.append(lock_inputs_of(config, requirements))
    assert len({first, *changed}) == len(changed) + 1


def test_upgrade_resolves_anyway(local_index: LocalIndex, tmp_path: Path) -> None:
    config = _project(local_index, tmp_path)
    assert invoke("run", "--config", config).exit_code == 0
    local_index.root.rename(tmp_path / "gone")
    again = invoke("run", "--config", config, "--upgrade")
    assert again.exit_code == 1


def test_the_lock_step_reports_its_progress(local_index: LocalIndex, tmp_path: Path) -> None:
    from wheelmill.config import load_config
    from wheelmill.run import run_pipeline

    seen: list[str] = []

    class Recorder:
        def lock_started(self, requirements: Path, lock: Path) -> None:
            seen.append(f"started {requirements.name} -> {lock.name}")

        def lock_finished(self) -> None:
            seen.append("finished")

    config = load_config(_project(local_index, tmp_path))
    run_pipeline(config, lock_events=Recorder())
    assert seen == ["started requirements.in -> requirements.txt", "finished"]
    run_pipeline(config, lock_events=Recorder())  # up to date: no lock step
    assert len(seen) == 2


def _on_a_terminal(argv: list[str], cwd: Path, **environ: str) -> tuple[int, bytes]:
    """Run wheelmill with its stderr on a pseudo-terminal: its exit code and what the
    terminal showed (read while it runs, so the terminal never fills up)."""
    import os
    import pty

    from conftest import client_env

    primary, secondary = pty.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "wheelmill", *argv], cwd=cwd,
            stdout=subprocess.DEVNULL, stderr=secondary, env=client_env(**environ),
        )  # fmt: skip
        os.close(secondary)
        shown = b""
        while True:
            try:
                chunk = os.read(primary, 65536)
            except OSError:  # the process closed the terminal
                break
            if not chunk:
                break
            shown += chunk
        return process.wait(timeout=120), shown
    finally:
        os.close(primary)


def test_lock_shows_a_spinner_on_a_terminal(local_index: LocalIndex, tmp_path: Path) -> None:
    _project(local_index, tmp_path)
    argv = ["lock", "requirements.in", "-o", "r.txt", "--index-url", local_index.url]
    code, shown = _on_a_terminal(argv, tmp_path)
    assert code == 0, shown
    assert b"locking" in shown and b"requirements.in" in shown


@pytest.mark.parametrize("resolver", ["pip-tools", "uv"])
def test_a_second_run_asks_the_index_nothing_and_needs_no_network(
    resolver: str, tmp_path: Path
) -> None:
    """Over real HTTP: the index serving the first run sees no request from the second,
    and the second also succeeds where there is no network at all (an empty network
    namespace, where ``unshare`` can make one)."""
    with FakeUpstream(tmp_path / "upstream") as upstream:
        src = tmp_path / "src"
        upstream.add(make_wheel(src, "alpha", "1.0"), "2025-01-01T00:00:00Z")
        upstream.add(make_wheel(src, "beta", "2.0", requires=("alpha",)), "2025-01-02T00:00:00Z")
        (tmp_path / "requirements.in").write_text("beta\n")
        config = tmp_path / "wheelmill.toml"
        config.write_text(
            'requirements = "requirements.in"\nlock = "requirements.txt"\nwheelhouse = "wh"\n'
            f'index_url = "{upstream.url}"\nresolver = "{resolver}"\n'
        )
        first = invoke("run", "--config", config, "--json")
        assert first.exit_code == 0, first.output + first.stderr
        assert json.loads(first.stdout)["locked"] is True
        assert any(path.startswith("/simple/") for path in upstream.requests)

        upstream.requests.clear()
        second = invoke("run", "--config", config, "--json")
        assert second.exit_code == 0, second.output + second.stderr
        report = json.loads(second.stdout)
        assert report["locked"] is False and report["build"]["counts"]["cached"] == 2
        assert upstream.requests == []

    unshare = shutil.which("unshare")
    no_network = [unshare, "--map-root-user", "--net", "--"] if unshare else []
    if not no_network or subprocess.run([*no_network, "true"]).returncode != 0:
        pytest.skip("no network namespace here (unshare)")
    offline = subprocess.run(
        [*no_network, sys.executable, "-m", "wheelmill", "run", "--config", str(config), "--json"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert offline.returncode == 0, offline.stdout + offline.stderr
    assert json.loads(offline.stdout)["build"]["counts"]["cached"] == 2


def test_run_shows_the_lock_spinner_and_its_time_on_a_narrow_terminal(
    local_index: LocalIndex, tmp_path: Path
) -> None:
    """The lock's paths are long (absolute, from the config) and the terminal 80 columns
    wide: the line is cut to fit, so the spinner turns and the time counts."""
    config = _project(local_index, tmp_path)
    argv = ["run", "--config", str(config)]
    code, shown = _on_a_terminal(argv, tmp_path.parent, COLUMNS="80", LINES="24")
    assert code == 0, shown
    text = shown.decode("utf-8", "replace")
    frames = [line for line in text.split("\r") if "locking" in line and "\x1b[2K" in line]
    assert frames, text
    for frame in frames:
        assert re.search(r"[\u2800-\u28ff]", frame), frame  # the spinner
        assert re.search(r"\d:\d\d:\d\d", frame), frame  # the time spent
        assert "requirements.txt" in frame  # the lock's name survives the cut
