"""Nothing a build or an import check starts outlives the step (real builds, offline).

Each sample backend writes the PIDs of the processes it leaves behind to a file
(``SAMPLE_PIDFILE``); when the step is over, none of them may be alive, whether
the step succeeded, timed out or wheelmill itself was killed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import LocalIndex, make_sdist
from wheelmill.build.batch import prebuild
from wheelmill.build.results import BuildReport
from wheelmill.config import BuildSettings
from wheelmill.lockfile.pins import parse_pins
from wheelmill.store.wheelhouse import Store
from wheelmill.target import current_target

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX process handling")

LINUX = sys.platform.startswith("linux")


def _alive(pid: int) -> bool:
    """Whether ``pid`` is a running process (a zombie is not)."""
    if LINUX:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return False
        return stat.rpartition(")")[2].split()[0] not in ("Z", "X")
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _pids(pidfile: Path) -> list[int]:
    if not pidfile.exists():
        return []
    return [int(line) for line in pidfile.read_text().split()]


def _wait_until(condition: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(0.05)
    return bool(callable(condition) and condition())


@pytest.fixture
def pidfile(tmp_path: Path) -> Iterator[Path]:
    """Where the sample backends record their processes; any left are ended afterwards."""
    path = tmp_path / "pids.txt"
    yield path
    for pid in _pids(path):  # only if a test failed: do not leave its processes behind
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def _prebuild(index: LocalIndex, name: str, wheelhouse: Path, **settings: object) -> BuildReport:
    # The supervisor alone is under test: without a sandbox, the processes the
    # backends record (host PIDs, in a host file) are the ones to check.
    settings.setdefault("sandbox", "off")
    return prebuild(
        parse_pins(index.lock_line(name, "1.0")),
        Store(wheelhouse),
        targets=[current_target()],
        settings=BuildSettings(**settings),  # type: ignore[arg-type]
        index_url=index.url,
    )


def test_a_background_child_of_a_successful_build_is_ended(
    local_index: LocalIndex, tmp_path: Path, pidfile: Path
) -> None:
    local_index.add(make_sdist("leaves-child", tmp_path / "src", name="alpha"))
    report = _prebuild(local_index, "alpha", tmp_path / "wh", env={"SAMPLE_PIDFILE": str(pidfile)})
    assert [r.status for r in report.results] == ["built"], report.failures
    pids = _pids(pidfile)
    assert len(pids) == 1
    assert [pid for pid in pids if _alive(pid)] == []


@pytest.mark.skipif(not LINUX, reason="only a Linux subreaper catches a setsid daemon")
def test_a_daemon_started_by_a_successful_build_is_ended(
    local_index: LocalIndex, tmp_path: Path, pidfile: Path
) -> None:
    local_index.add(make_sdist("daemonizes", tmp_path / "src", name="alpha"))
    report = _prebuild(local_index, "alpha", tmp_path / "wh", env={"SAMPLE_PIDFILE": str(pidfile)})
    assert [r.status for r in report.results] == ["built"], report.failures
    pids = _pids(pidfile)
    assert len(pids) == 1
    assert [pid for pid in pids if _alive(pid)] == []


def test_a_hanging_import_is_a_timeout_and_leaves_nothing(
    local_index: LocalIndex, tmp_path: Path, pidfile: Path
) -> None:
    local_index.add(make_sdist("hangs-on-import", tmp_path / "src", name="alpha"))
    reports: list[BuildReport] = []
    worker = threading.Thread(
        target=lambda: reports.append(
            _prebuild(
                local_index,
                "alpha",
                tmp_path / "wh",
                timeout=3,
                env={"SAMPLE_PIDFILE": str(pidfile)},
            )
        ),
        daemon=True,
    )
    worker.start()
    assert _wait_until(lambda: len(_pids(pidfile)) == 2, 60), "the import check never started"
    importing = time.monotonic()
    worker.join(timeout=3 + 10)
    assert not worker.is_alive(), "the import check ignored build.timeout"
    assert time.monotonic() - importing < 3 + 10
    (failure,) = reports[0].failures
    assert failure.error == "import check timed out after 3 s (build.timeout)"
    assert [pid for pid in _pids(pidfile) if _alive(pid)] == []


def _processes_mentioning(text: str) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if text in cmdline and _alive(int(proc.name)):
            found.append(int(proc.name))
    return found


@pytest.mark.skipif(not LINUX, reason="the parent-death signal is Linux-only")
def test_killing_wheelmill_during_the_import_check_ends_everything(
    local_index: LocalIndex, tmp_path: Path, pidfile: Path
) -> None:
    local_index.add(make_sdist("hangs-on-import", tmp_path / "src", name="alpha"))
    lock = tmp_path / "lock.txt"
    lock.write_text(local_index.lock_line("alpha", "1.0"))
    config = tmp_path / "wheelmill.toml"
    config.write_text(
        f'[build]\ntimeout = 120\nsandbox = "off"\nenv = {{ SAMPLE_PIDFILE = {str(pidfile)!r} }}\n'
    )
    wheelhouse = tmp_path / "wh"
    run = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wheelmill",
            "build",
            str(lock),
            "-w",
            str(wheelhouse),
            "--index-url",
            local_index.url,
            "--config",
            str(config),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=tmp_path,
    )
    try:
        assert _wait_until(lambda: len(_pids(pidfile)) == 2, 60), "the import check never started"
    finally:
        os.kill(run.pid, signal.SIGKILL)
        run.wait()
    pids = _pids(pidfile)
    assert _wait_until(lambda: not any(_alive(pid) for pid in pids), 10), "a process survived"
    assert _wait_until(lambda: not _processes_mentioning(str(wheelhouse)), 10)


_DAEMON = r"""
import os, sys, time
if os.fork():
    os._exit(0)
os.setsid()
if os.fork():
    os._exit(0)
null = os.open(os.devnull, os.O_RDWR)
for fd in (0, 1, 2):
    os.dup2(null, fd)
with open(sys.argv[1], "a") as stream:
    stream.write(f"{os.getpid()}\n")
time.sleep(300)
"""


@pytest.mark.skipif(not LINUX, reason="only a Linux subreaper catches a setsid daemon")
def test_a_tool_run_for_locking_or_checking_leaves_nothing(pidfile: Path) -> None:
    # pip-compile and pip may build sdists to read their metadata: the same rule applies.
    from wheelmill._tools import run_captured

    script = f"import subprocess, sys, time\nsubprocess.run([sys.executable, '-c', {_DAEMON!r}, "
    script += f"{str(pidfile)!r}])\nwhile not open({str(pidfile)!r}).read(): time.sleep(0.05)\n"
    script += "print('done')\n"
    pidfile.touch()
    done = run_captured([sys.executable, "-c", script], env=dict(os.environ), timeout=60)
    assert (done.returncode, done.stdout) == (0, "done\n")
    (pid,) = _pids(pidfile)
    assert not _alive(pid)
    with pytest.raises(FileNotFoundError):
        run_captured(["no-such-program-here"], env=dict(os.environ))
    with pytest.raises(subprocess.TimeoutExpired):
        run_captured([sys.executable, "-c", "import time; time.sleep(30)"], env={}, timeout=1)


def test_kill_is_the_systems_strongest_signal() -> None:
    """``_platform.KILL`` is spelt out (the signal module is not loaded for it): it must
    be the system's own SIGKILL, or SIGTERM where there is none."""
    from wheelmill import _platform

    assert getattr(signal, "SIGKILL", signal.SIGTERM) == _platform.KILL
