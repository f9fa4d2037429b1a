"""prebuild end to end against an offline file:// index, with real `build` runs."""

from __future__ import annotations

import hashlib
import io
import os
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import LocalIndex, make_sdist, make_wheel
from wheelmill.build.batch import prebuild
from wheelmill.build.results import BuildReport
from wheelmill.config import BuildSettings
from wheelmill.lockfile.pins import parse_pins
from wheelmill.store.wheelhouse import Store
from wheelmill.target import current_target


def _run(lock_text: str, index: LocalIndex, wheelhouse: Path, **kwargs: Any) -> BuildReport:
    settings = kwargs.pop("settings", BuildSettings())
    return prebuild(
        parse_pins(lock_text),
        Store(wheelhouse),
        targets=kwargs.pop("targets", [current_target()]),
        settings=settings,
        index_url=index.url,
        jobs=2,
        **kwargs,
    )


def _statuses(report: BuildReport) -> dict[str, str]:
    return {r.name: r.status for r in report.results}


def _wheels(wheelhouse: Path) -> list[str]:
    return sorted(p.name for p in (wheelhouse / "wheels").iterdir())


def _logs(wheelhouse: Path) -> list[Path]:
    return sorted((wheelhouse / ".wheelmill" / "logs").iterdir())


def test_builds_sdist_fetches_wheel_then_does_nothing(
    local_index: LocalIndex, tmp_path: Path
) -> None:
    local_index.add(make_sdist("pure-ok", tmp_path / "src", name="alpha", version="1.0"))
    local_index.add(make_wheel(tmp_path / "src", "beta", "2.0"))
    lock = local_index.lock_line("alpha", "1.0") + local_index.lock_line("beta", "2.0")
    report = _run(lock, local_index, tmp_path / "wh")
    assert _statuses(report) == {"alpha": "built", "beta": "fetched"}
    assert _wheels(tmp_path / "wh") == ["alpha-1.0-py3-none-any.whl", "beta-2.0-py3-none-any.whl"]
    # The fetched wheel's digest was taken while it streamed in, not by a second read:
    # what is recorded must still be the stored bytes' digest, for both.
    for result in report.results:
        assert result.attempt is not None and result.attempt.wheel is not None
        stored = (tmp_path / "wh" / "wheels" / result.attempt.wheel).read_bytes()
        assert result.attempt.sha256 == hashlib.sha256(stored).hexdigest(), result.name
    # The second run needs no index at all: point it at a dead one.
    again = prebuild(
        parse_pins(lock),
        Store(tmp_path / "wh"),
        targets=[current_target()],
        settings=BuildSettings(),
        index_url="http://127.0.0.1:9/dead/",
    )
    assert _statuses(again) == {"alpha": "cached", "beta": "cached"}


def test_prefers_the_upstream_wheel_over_building(local_index: LocalIndex, tmp_path: Path) -> None:
    local_index.add(make_sdist("build-fails", tmp_path / "src", name="gamma", version="3.0"))
    local_index.add(make_wheel(tmp_path / "src", "gamma", "3.0"))
    report = _run(local_index.lock_line("gamma", "3.0"), local_index, tmp_path / "wh")
    assert _statuses(report) == {"gamma": "fetched"}


def test_failed_build_is_reported_kept_and_does_not_stop_others(
    local_index: LocalIndex, tmp_path: Path
) -> None:
    local_index.add(make_sdist("build-fails", tmp_path / "src", name="broken", version="1.0"))
    local_index.add(make_sdist("pure-ok", tmp_path / "src", name="fine", version="1.0"))
    lock = local_index.lock_line("broken", "1.0") + local_index.lock_line("fine", "1.0")
    wheelhouse = tmp_path / "wh"
    report = _run(lock, local_index, wheelhouse)
    assert _statuses(report) == {"broken": "failed", "fine": "built"}
    (failure,) = report.failures
    assert failure.error == "sample.c:1:10: fatal error: missing.h: No such file or directory"
    assert failure.log is not None
    assert "compilation terminated." in Path(failure.log).read_text()
    assert _wheels(wheelhouse) == ["fine-1.0-py3-none-any.whl"]
    # Same inputs: the failure is reported again without a new build attempt.
    logs = _logs(wheelhouse)
    again = _run(lock, local_index, wheelhouse)
    assert _statuses(again) == {"broken": "failed", "fine": "cached"}
    assert _logs(wheelhouse) == logs
    retried = _run(lock, local_index, wheelhouse, retry_failed=True)
    assert _statuses(retried)["broken"] == "failed"
    assert len(_logs(wheelhouse)) == len(logs) + 1


def test_wheel_for_another_project_is_refused(local_index: LocalIndex, tmp_path: Path) -> None:
    local_index.add(make_sdist("wrong-name", tmp_path / "src", name="liar", version="1.0"))
    report = _run(local_index.lock_line("liar", "1.0"), local_index, tmp_path / "wh")
    (failure,) = report.failures
    assert "something_else-9.9-py3-none-any.whl, which is not this pin" in str(failure.error)
    assert _wheels(tmp_path / "wh") == []


def test_hash_mismatch_fails_and_keeps_nothing(local_index: LocalIndex, tmp_path: Path) -> None:
    local_index.add(make_sdist("pure-ok", tmp_path / "src", name="alpha", version="1.0"))
    local_index.add(make_wheel(tmp_path / "src", "beta", "2.0"))
    lock = (
        local_index.lock_line("alpha", "1.0")
        + local_index.lock_line("beta", "2.0")
        + f"gamma==1.0 --hash=sha256:{'0' * 64}\n"
    )
    local_index.add(make_wheel(tmp_path / "src", "gamma", "1.0"))
    # alpha's sdist changes on the index after locking (its page still shows the old
    # hash): caught when downloaded. gamma's lock hash matches no file: caught before.
    (local_index.files / "alpha-1.0.tar.gz").write_bytes(b"tampered")
    report = _run(lock, local_index, tmp_path / "wh")
    statuses = _statuses(report)
    assert statuses == {"alpha": "failed", "beta": "fetched", "gamma": "failed"}
    errors = {r.name: r.error or "" for r in report.failures}
    assert "matches none of the lock's hashes" in errors["alpha"]
    assert "re-lock" in errors["gamma"]
    assert _wheels(tmp_path / "wh") == ["beta-2.0-py3-none-any.whl"]
    assert list((tmp_path / "wh" / ".wheelmill" / "sdists").iterdir()) == []


def test_unknown_project_and_missing_version(local_index: LocalIndex, tmp_path: Path) -> None:
    local_index.add(make_wheel(tmp_path / "src", "beta", "2.0"))
    local_index.add(make_wheel(tmp_path / "src", "gamma", "1.0"))
    lock = "nosuchproject==1.0\ngamma==9.9\n" + local_index.lock_line("beta", "2.0")
    report = _run(lock, local_index, tmp_path / "wh")
    errors = {(r.name, r.version): r.error or "" for r in report.failures}
    assert "no such project" in errors[("nosuchproject", "1.0")]
    assert "version not found" in errors[("gamma", "9.9")]
    assert [r.status for r in report.results if r.version == "2.0"] == ["fetched"]


def test_marker_excludes_pin(local_index: LocalIndex, tmp_path: Path) -> None:
    lock = 'neverhere==1.0 ; python_version < "3"\n'
    report = _run(lock, local_index, tmp_path / "wh")
    assert _statuses(report) == {"neverhere": "not-applicable"}
    assert not report.failures


def test_hostile_sdist_is_refused_and_writes_nothing_outside(
    local_index: LocalIndex, tmp_path: Path
) -> None:
    evil = tmp_path / "src" / "evil-1.0.tar.gz"
    evil.parent.mkdir(parents=True)
    with tarfile.open(evil, "w:gz") as archive:
        payload = b"owned\n"
        info = tarfile.TarInfo("evil-1.0/../../../escaped.txt")
        info.size = len(payload)
        archive.addfile(info, io.BytesIO(payload))
    local_index.add(evil)
    report = _run(local_index.lock_line("evil", "1.0"), local_index, tmp_path / "wh")
    (failure,) = report.failures
    assert "escapes the tree" in str(failure.error)
    assert not list(tmp_path.rglob("escaped.txt"))
    assert _wheels(tmp_path / "wh") == []


def test_build_settings_change_the_key_and_reach_the_backend(
    local_index: LocalIndex, tmp_path: Path
) -> None:
    import zipfile

    local_index.add(make_sdist("pure-ok", tmp_path / "src", name="alpha", version="1.0"))
    lock = local_index.lock_line("alpha", "1.0")
    wheelhouse = tmp_path / "wh"
    first = _run(lock, local_index, wheelhouse)
    tuned = BuildSettings(env={"SAMPLE_ENV": "tuned"}, config_settings={"greeting": "hi"})
    second = _run(lock, local_index, wheelhouse, settings=tuned)
    assert first.results[0].key != second.results[0].key
    assert _statuses(second) == {"alpha": "built"}
    with zipfile.ZipFile(wheelhouse / "wheels" / "alpha-1.0-py3-none-any.whl") as wheel:
        module = wheel.read("alpha.py").decode()
    assert "GREETING = 'hi'" in module
    assert "ENV = 'tuned'" in module
    assert _statuses(_run(lock, local_index, wheelhouse, settings=tuned)) == {"alpha": "cached"}


def test_build_requirements_come_from_wheelmills_index_not_the_users(
    local_index: LocalIndex, tmp_path: Path
) -> None:
    # The autouse fixture points PIP_INDEX_URL/UV_DEFAULT_INDEX/pip.conf at a dead
    # address; the build requirement is only on wheelmill's configured index.
    local_index.add(make_wheel(tmp_path / "src", "sample-build-helper", "1.0"))
    local_index.add(make_sdist("needs-build-dep", tmp_path / "src", name="delta", version="1.0"))
    report = _run(local_index.lock_line("delta", "1.0"), local_index, tmp_path / "wh")
    assert _statuses(report) == {"delta": "built"}, report.failures


@pytest.mark.parametrize("installer", ["pip", "uv"])
def test_build_requirements_are_served_from_the_wheelhouse(
    local_index: LocalIndex, tmp_path: Path, installer: str
) -> None:
    wheelhouse = tmp_path / "wh"
    make_wheel(Store(wheelhouse).create().wheels, "sample-build-helper", "1.0")
    local_index.add(make_sdist("needs-build-dep", tmp_path / "src", name="delta", version="1.0"))
    report = _run(
        local_index.lock_line("delta", "1.0"),
        local_index,
        wheelhouse,
        settings=BuildSettings(installer=installer),
    )
    assert _statuses(report) == {"delta": "built"}, report.failures
    (result,) = report.results
    assert result.attempt is not None and result.attempt.log
    log = Path(result.attempt.log).read_text("utf-8")
    # uv fetches build requirements unless pip was chosen; either finds the helper here
    fetched = f"wheelmill: build requirements from the wheelhouse ({installer}): "
    assert fetched in log
    assert "wheelmill: build requirements from the wheelhouse + index" not in log


def test_timeout_kills_the_build(local_index: LocalIndex, tmp_path: Path) -> None:
    local_index.add(make_sdist("pure-ok", tmp_path / "src", name="slow", version="1.0"))
    settings = BuildSettings(timeout=1, env={"SAMPLE_SLEEP": "30"})
    started = time.monotonic()
    report = _run(
        local_index.lock_line("slow", "1.0"), local_index, tmp_path / "wh", settings=settings
    )
    assert time.monotonic() - started < 15
    (failure,) = report.failures
    assert "timed out after 1 s" in str(failure.error)


def _cli_build(
    lock: Path, wheelhouse: Path, index: LocalIndex, *extra: str
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wheelmill",
            "build",
            str(lock),
            "-w",
            str(wheelhouse),
            "--index-url",
            index.url,
            "--json",
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=lock.parent,
    )


def test_two_builders_on_one_wheelhouse_build_each_pin_once(
    local_index: LocalIndex, tmp_path: Path
) -> None:
    import json

    lock_text = ""
    for name in ("p1", "p2", "p3"):
        local_index.add(make_sdist("pure-ok", tmp_path / "src", name=name, version="1.0"))
        lock_text += local_index.lock_line(name, "1.0")
    lock = tmp_path / "lock.txt"
    lock.write_text(lock_text)
    wheelhouse = tmp_path / "wh"
    runs = [_cli_build(lock, wheelhouse, local_index) for _ in range(2)]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    reports = [json.loads(out) for out, _ in outputs]
    built = [p["name"] for r in reports for p in r["pins"] if p["status"] == "built"]
    assert sorted(built) == ["p1", "p2", "p3"]  # each exactly once, by one of the two
    assert len(_logs(wheelhouse)) == 3
    assert _wheels(wheelhouse) == [f"{n}-1.0-py3-none-any.whl" for n in ("p1", "p2", "p3")]


def _processes_mentioning(text: str) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if text in cmdline:
            found.append(cmdline)
    return found


def test_killed_builder_leaves_nothing_published(local_index: LocalIndex, tmp_path: Path) -> None:
    local_index.add(make_sdist("pure-ok", tmp_path / "src", name="slow", version="1.0"))
    lock = tmp_path / "lock.txt"
    lock.write_text(local_index.lock_line("slow", "1.0"))
    config = tmp_path / "wheelmill.toml"
    config.write_text('[build]\nenv = { SAMPLE_SLEEP = "30" }\n')
    wheelhouse = tmp_path / "wh"
    run = _cli_build(lock, wheelhouse, local_index, "--config", str(config))
    state = wheelhouse / ".wheelmill"
    deadline = time.monotonic() + 60
    while not list(state.glob("tmp/*/*/build-*/src")) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert list(state.glob("tmp/*/*/build-*/src")), "the build never started"
    time.sleep(0.5)
    os.kill(run.pid, signal.SIGKILL)
    run.communicate(timeout=30)
    # The build it had started dies with it (no orphan keeps running) ...
    deadline = time.monotonic() + 10
    while _processes_mentioning(str(wheelhouse)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _processes_mentioning(str(wheelhouse)) == []
    # ... and nothing was published or recorded.
    assert _wheels(wheelhouse) == []
    assert list(state.glob("records/*.json")) == []
    # The next builder reaps the dead one's temp space and builds normally.
    config.write_text("")
    done = _cli_build(lock, wheelhouse, local_index, "--config", str(config))
    _out, err = done.communicate(timeout=120)
    assert done.returncode == 0, err
    assert _wheels(wheelhouse) == ["slow-1.0-py3-none-any.whl"]
    assert [p.name for p in (state / "tmp").iterdir()] == []
