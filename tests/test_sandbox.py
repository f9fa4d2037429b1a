"""Hostile sdists build harmlessly: no network, no secrets, no writes outside, no survivors.

Each sample backend under ``tests/packages/`` does one hostile thing and then
builds a wheel; the build runs under the default sandbox tier (bubblewrap where
it works, as CI installs it) and the test checks that the hostile part had no
effect. The fallback tier (a network namespace) is forced by naming no
bubblewrap (``WHEELMILL_BWRAP=""``).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import sys
import tempfile
import threading
import uuid
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import LocalIndex, cli_runner, make_sdist
from wheelmill._exceptions import ConfigError, SandboxUnavailable
from wheelmill.build._sandbox import _probe, available, choose_sandbox
from wheelmill.build.batch import BuildReport, prebuild
from wheelmill.cli import cli
from wheelmill.config import BuildSettings, parse_config
from wheelmill.diagnose.remedy import LazyRules
from wheelmill.lockfile.pins import parse_pins
from wheelmill.store.wheelhouse import Store
from wheelmill.target import current_target

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux sandboxes")

BUBBLEWRAP = available()[0].tier == "bubblewrap"
needs_bubblewrap = pytest.mark.skipif(
    not BUBBLEWRAP, reason="bubblewrap does not work here (apt-get install bubblewrap)"
)


@pytest.fixture(autouse=True)
def _fresh_probe() -> Iterator[None]:
    """Tests change which programs exist: probe again in each."""
    _probe.cache_clear()
    yield
    _probe.cache_clear()


def _build(
    index: LocalIndex, case: str, root: Path, **settings: object
) -> tuple[BuildReport, str, str]:
    """Build ``case`` as ``alpha``; the report, the log, and the wheel's text (or "")."""
    index.add(make_sdist(case, root / "src", name="alpha", version="1.0"))
    store = Store(root / "wh")
    report = prebuild(
        parse_pins(index.lock_line("alpha", "1.0")),
        store,
        targets=[current_target()],
        settings=BuildSettings(**settings),  # type: ignore[arg-type]
        index_url=index.url,
        rules=LazyRules(),
    )
    (result,) = report.results
    attempt = result.attempt
    assert attempt is not None, result.note
    log = Path(attempt.log).read_text("utf-8") if attempt.log else ""
    wheel_text = ""
    if attempt.wheel:
        # Even a build run as nobody leaves a wheel owned by wheelmill's user.
        assert (store.wheels / attempt.wheel).stat().st_uid == os.getuid()
        with zipfile.ZipFile(store.wheels / attempt.wheel) as archive:
            wheel_text = "".join(
                archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
            )
    return report, log, wheel_text


class _Listener:
    """A TCP listener on 127.0.0.1 that counts the connections it receives."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.server.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.server.close()


@pytest.fixture
def listener() -> Iterator[_Listener]:
    running = _Listener()
    yield running
    running.close()


@pytest.fixture
def visible_dir() -> Iterator[Path]:
    """A directory outside every masked one (homes, temp dirs): the sandbox shows it
    read-only."""
    path = Path(tempfile.mkdtemp(prefix=".escape-", dir=Path(__file__).parent))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_a_build_cannot_reach_a_listener_on_localhost(
    local_index: LocalIndex, tmp_path: Path, listener: _Listener
) -> None:
    report, log, _ = _build(
        local_index, "phones-home", tmp_path, env={"SAMPLE_PORT": str(listener.port)}
    )
    assert [r.status for r in report.results] == ["built"], report.failures
    assert "phones-home: no connection" in log
    assert listener.connections == 0
    # The listener itself works: an unsandboxed build reaches it.
    report, log, _ = _build(
        local_index,
        "phones-home",
        tmp_path / "off",
        env={"SAMPLE_PORT": str(listener.port)},
        sandbox="off",
    )
    assert "phones-home: connected" in log
    assert listener.connections == 1


@needs_bubblewrap
def test_secrets_in_home_and_in_the_environment_stay_out_of_reach(
    local_index: LocalIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    secret_file = home / ".secret"
    secret_file.write_text("home-secret-6f1c\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws-secret-93ab")
    monkeypatch.setenv("GITHUB_TOKEN", "token-secret-77de")
    report, log, wheel = _build(
        local_index, "reads-secrets", tmp_path, env={"SAMPLE_SECRET_FILE": str(secret_file)}
    )
    assert [r.status for r in report.results] == ["built"], report.failures
    assert "reads-secrets found:" in log
    for secret in ("home-secret-6f1c", "aws-secret-93ab", "token-secret-77de"):
        assert secret not in log
        assert secret not in wheel
    (result,) = report.results
    assert result.attempt is not None and result.attempt.sandbox == "bubblewrap"


@needs_bubblewrap
def test_writes_outside_the_build_directory_leave_nothing(
    local_index: LocalIndex, tmp_path: Path, visible_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    outside = tmp_path / "outside"
    outside.mkdir()
    wheelhouse = tmp_path / "wh"
    targets = [outside, visible_dir, wheelhouse, local_index.root]
    report, log, _ = _build(
        local_index,
        "writes-outside",
        tmp_path,
        env={"SAMPLE_ESCAPE": os.pathsep.join(map(str, targets))},
    )
    assert [r.status for r in report.results] == ["built"], report.failures
    assert f"cannot write {visible_dir / 'escaped.txt'}" in log
    for directory in (*targets, home):
        assert not (directory / "escaped.txt").exists(), directory


def _processes_with(token: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if token.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
    return found


def test_a_daemon_does_not_survive_the_build(local_index: LocalIndex, tmp_path: Path) -> None:
    token = f"wheelmill-daemon-{uuid.uuid4().hex}"
    report, _, _ = _build(local_index, "forks-daemon", tmp_path, env={"SAMPLE_TOKEN": token})
    assert [r.status for r in report.results] == ["built"], report.failures
    assert _processes_with(token) == []


def test_allocating_beyond_the_cap_is_killed_and_diagnosed(
    local_index: LocalIndex, tmp_path: Path
) -> None:
    report, _, _ = _build(
        local_index, "pure-ok", tmp_path, memory_mb=600, env={"SAMPLE_ALLOCATE_MB": "2000"}
    )
    (failure,) = report.failures
    assert failure.attempt is not None
    assert failure.attempt.category == "resource-exhausted"
    assert "ran out of resources" in (failure.attempt.error or "")
    assert failure.attempt.memory_cap in ("cgroup-v2", "rlimit-as")


_CAP_LINES = {
    "cgroup-v2": "wheelmill: memory cap: cgroup v2 memory.max 600 MB",
    "rlimit-as": "wheelmill: memory cap: address-space limit (RLIMIT_AS) 600 MB",
}


def test_the_attempt_record_says_how_the_memory_was_capped(
    local_index: LocalIndex, tmp_path: Path
) -> None:
    from wheelmill import _platform
    from wheelmill._platform import limits

    report, log, _ = _build(local_index, "pure-ok", tmp_path, memory_mb=600)
    (result,) = report.results
    assert result.attempt is not None and result.status == "built", report.failures
    used = result.attempt.memory_cap
    # Without a cgroup v2 hierarchy (a cgroup v1 machine) only the address-space limit
    # can be had; with one, either (the hierarchy may not be writable).
    assert used == "rlimit-as" if limits._cgroup2_mount() is None else used in _CAP_LINES
    if _platform.memory_cap_mechanism() == "rlimit-as":  # what doctor says is what it got
        assert used == "rlimit-as"
    doctor = cli_runner().invoke(cli, ["doctor", "--json"], prog_name="wheelmill")
    assert json.loads(doctor.stdout)["memory_cap"] == _platform.memory_cap_mechanism()
    assert used is not None and _CAP_LINES[used] in log
    record = Store(tmp_path / "wh").read_record(result.attempt.key)
    assert record is not None and record.memory_cap == used
    uncapped, log, _ = _build(local_index, "pure-ok", tmp_path / "uncapped", memory_mb=0)
    assert uncapped.results[0].attempt is not None
    assert uncapped.results[0].attempt.memory_cap == "none"
    assert "memory cap" not in log


def test_the_fallback_tier_cuts_the_network_and_scrubs_the_environment(
    local_index: LocalIndex,
    tmp_path: Path,
    listener: _Listener,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WHEELMILL_BWRAP", "")  # no bubblewrap on this "machine"
    if available()[0].tier != "netns":
        pytest.skip("network namespaces are not allowed here")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws-secret-5e2d")
    report, log, _ = _build(
        local_index, "phones-home", tmp_path, env={"SAMPLE_PORT": str(listener.port)}
    )
    assert [r.status for r in report.results] == ["built"], report.failures
    assert listener.connections == 0
    assert "netns (no network" in log
    (result,) = report.results
    assert result.attempt is not None and result.attempt.sandbox == "netns"
    report, log, wheel = _build(local_index, "reads-secrets", tmp_path / "secrets")
    assert "aws-secret-5e2d" not in log + wheel


def test_strict_refuses_to_build_without_bubblewrap(
    local_index: LocalIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WHEELMILL_BWRAP", "")
    with pytest.raises(SandboxUnavailable, match="install bubblewrap"):
        choose_sandbox("strict", sys.executable)
    report = prebuild(
        parse_pins(_added(local_index, tmp_path)),
        Store(tmp_path / "wh"),
        targets=[current_target()],
        settings=BuildSettings(sandbox="strict"),
        index_url=local_index.url,
    )
    (failure,) = report.failures
    assert failure.attempt is not None
    error = failure.attempt.error or ""
    assert "install bubblewrap" in error and "\n" not in error
    assert not list((tmp_path / "wh").rglob("*.whl"))
    assert not list((tmp_path / "wh").rglob("*.tar.gz"))  # refused before downloading


def _added(index: LocalIndex, root: Path) -> str:
    index.add(make_sdist("pure-ok", root / "src", name="alpha", version="1.0"))
    return index.lock_line("alpha", "1.0")


def test_off_runs_without_a_sandbox_and_says_so(local_index: LocalIndex, tmp_path: Path) -> None:
    report, log, _ = _build(local_index, "pure-ok", tmp_path, sandbox="off")
    (result,) = report.results
    assert result.attempt is not None and result.attempt.sandbox == "none"
    assert "wheelmill: sandbox: none" in log


def test_the_sandbox_setting_is_validated(tmp_path: Path) -> None:
    config = parse_config(
        {"build": {"sandbox": "strict"}, "packages": {"Alpha": {"sandbox": "off"}}},
        tmp_path / "wheelmill.toml",
    )
    assert config.build.sandbox == "strict"
    assert config.settings_for("alpha").sandbox == "off"
    with pytest.raises(ConfigError, match=r"build\.sandbox must be one of auto, strict, off"):
        parse_config({"build": {"sandbox": "yes"}}, tmp_path / "wheelmill.toml")
    with pytest.raises(ConfigError, match="did you mean 'sandbox'"):
        parse_config({"build": {"sandbx": "auto"}}, tmp_path / "wheelmill.toml")


def test_doctor_reports_the_sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from conftest import cli_runner
    from wheelmill.cli import cli

    config = tmp_path / "wheelmill.toml"
    config.write_text("")
    result = cli_runner().invoke(cli, ["doctor", "--config", str(config), "--json"])
    assert result.exit_code == 0, result.output
    sandbox = json.loads(result.stdout)["sandbox"]
    assert sandbox["tier"] == available()[0].tier
    assert sandbox["available"][-1] == "none"
    monkeypatch.setenv("WHEELMILL_BWRAP", "")
    _probe.cache_clear()
    result = cli_runner().invoke(cli, ["doctor", "--config", str(config)])
    assert "sandbox" in result.stdout
    assert "install bubblewrap" in result.stdout


def test_as_root_the_build_runs_as_nobody_where_it_can(tmp_path: Path) -> None:
    from wheelmill._platform import bwrap_prefix
    from wheelmill.build._sandbox import Sandbox, for_directory

    box = Sandbox("bubblewrap", "bwrap", "setpriv")
    private = tmp_path / "private"
    (private / "work").mkdir(parents=True)
    visible = Path(tempfile.mkdtemp(prefix=".work-", dir=Path(__file__).parent))
    try:
        private.chmod(0o700)
        visible.chmod(0o755)
        # Under a masked directory (/tmp) the sandbox recreates the parents enterable.
        assert for_directory(box, private / "work").uid == 65534
        prefix = bwrap_prefix("bwrap", writable=[private / "work"], readable=[], setpriv="setpriv")
        assert ["--perms", "0755", "--dir", str(private)] == prefix[
            prefix.index(str(private)) - 3 : prefix.index(str(private)) + 1
        ]
        assert prefix[prefix.index("--") + 1 :][:3] == ["setpriv", "--reuid=65534", "--regid=65534"]
        # Elsewhere a directory others cannot enter means running as root.
        (visible / "inner").mkdir()
        (visible / "inner").chmod(0o700)
        assert for_directory(box, visible / "inner" / "work").uid is None
        assert for_directory(box, visible / "work").uid == 65534
    finally:
        shutil.rmtree(visible, ignore_errors=True)
    best = available()[0]
    if best.uid is not None:  # root, with an interpreter nobody can run: it really does
        assert "uid 65534" in best.describe()


def test_the_import_check_runs_in_the_sandbox_too(
    local_index: LocalIndex, tmp_path: Path, listener: _Listener
) -> None:
    code = (
        "import socket\ntry:\n"
        f"    socket.create_connection(('127.0.0.1', {listener.port}), 3).close()\n"
        "except OSError:\n    pass\n"
    )
    report, _, wheel = _build(local_index, "pure-ok", tmp_path, env={"SAMPLE_IMPORT_CODE": code})
    assert [r.status for r in report.results] == ["built"], report.failures
    assert "create_connection" in wheel  # the import check ran that code
    assert listener.connections == 0


def test_a_cgroup_kill_for_memory_is_diagnosed_resource_exhausted() -> None:
    from wheelmill.diagnose import default_rules_dirs, diagnose, load_rules

    log = (
        "* Building wheel...\n"
        "ERROR Backend subprocess exited when trying to invoke build_wheel\n"
        "wheelmill: the build was killed: out of memory (memory.max 600 MB)\n"
    )
    found = diagnose(log, load_rules(*default_rules_dirs()))
    assert found.category == "resource-exhausted"
    assert found.rule == "resource/out-of-memory"


def test_the_cgroup_memory_cap_is_set_where_the_hierarchy_allows() -> None:
    from wheelmill import _platform

    name = f"wheelmill-test-{os.getpid()}"
    read, write = os.pipe()
    with warnings.catch_warnings():  # the child only moves itself and exits
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()  # the cgroup move applies to the calling process: do it in a child
    if pid == 0:  # pragma: no cover (the child)
        answer = "none"
        try:
            made = _platform.cgroup_memory_cap(64, name)
            if made is not None:
                answer = (made / "memory.max").read_text().strip()
                _platform.leave_cgroup(made)
                answer += " left" if not made.exists() else " stayed"
        finally:
            os.write(write, answer.encode())
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as stream:
        answer = stream.read()
    os.waitpid(pid, 0)
    # Either no writable cgroup v2 memory controller here (the address-space limit
    # is used), or a child cgroup capped at 64 MiB that is removed afterwards.
    assert answer in ("none", f"{64 * 1024 * 1024} left"), answer


def test_the_frontend_and_installer_see_an_allow_list_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wheelmill.build.sdist import build_environment

    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws-secret-1b7c")
    monkeypatch.setenv("GITHUB_TOKEN", "token-4d2e")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("CFLAGS", "-O1")
    env = build_environment(
        BuildSettings(env={"SAMPLE_ENV": "kept"}),
        index_url="https://index.example/simple/",
        find_links=(),
        scratch=tmp_path,
        cache=tmp_path,
    )
    assert "AWS_SECRET_ACCESS_KEY" not in env and "GITHUB_TOKEN" not in env
    assert env["HTTPS_PROXY"] == "http://proxy.example:3128"  # installing needs the network
    assert (env["CFLAGS"], env["SAMPLE_ENV"]) == ("-O1", "kept")
    assert env["PATH"] == os.environ["PATH"]
    assert env["PIP_INDEX_URL"] == "https://index.example/simple/"


def test_a_source_date_epoch_of_the_environment_still_wins(
    local_index: LocalIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1234567890")
    report, _, wheel = _build(local_index, "pure-ok", tmp_path)
    assert [r.status for r in report.results] == ["built"], report.failures
    assert "SOURCE_DATE_EPOCH = '1234567890'" in wheel
