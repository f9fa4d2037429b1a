"""What a new user hits first: wrong paths, odd files, Ctrl-C, narrow terminals."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from conftest import LocalIndex, cli_runner, make_sdist, make_wheel
from wheelmill.build.results import BuildReport, PinResult
from wheelmill.cli import cli
from wheelmill.cli._render import print_build
from wheelmill.diagnose.diagnosis import Remedy
from wheelmill.outcomes import PinStatus
from wheelmill.store.attempt import Attempt
from wheelmill.store.catalog import Catalog
from wheelmill.store.wheelhouse import Store

MANYLINUX = "numpy-2.1.3-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"


def invoke(*args: str | Path, env: dict[str, str] | None = None, stdin: bytes = b"") -> Result:
    return cli_runner().invoke(
        cli,
        [str(a) for a in args],
        prog_name="wheelmill",
        catch_exceptions=False,
        env=env,
        input=stdin,
    )


def one_error_line(result: Result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), result.stderr
    return lines[0]


@pytest.fixture
def built(local_index: LocalIndex, tmp_path: Path) -> tuple[Path, Path]:
    """A lock of one fetched wheel, and a wheelhouse it was built into."""
    local_index.add(make_wheel(tmp_path / "src", "alpha", "1.0"))
    lock = tmp_path / "lock.txt"
    lock.write_text(local_index.lock_line("alpha", "1.0"))
    wheelhouse = tmp_path / "wh"
    result = invoke("build", lock, "-w", wheelhouse, "--index-url", local_index.url)
    assert result.exit_code == 0, result.stderr
    return lock, wheelhouse


# --- diagnose: an empty or binary file is not "no error found" ---------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "is empty"),
        (b"\n  \n\t\n", "is empty"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00" + bytes(range(256)), "is not a text log"),
    ],
)
def test_diagnose_says_what_is_wrong_with_the_file(
    content: bytes, expected: str, tmp_path: Path
) -> None:
    log = tmp_path / "build.log"
    log.write_bytes(content)
    result = invoke("diagnose", log)
    assert result.exit_code == 2
    line = one_error_line(result)
    assert line.startswith(f"error: {log} {expected}")
    assert "no line looks like an error" not in result.output
    from_stdin = invoke("diagnose", "-", stdin=content)
    assert from_stdin.exit_code == 2
    assert one_error_line(from_stdin).startswith(f"error: stdin {expected}")


def test_diagnose_binary_says_binary(tmp_path: Path) -> None:
    log = tmp_path / "core"
    log.write_bytes(b"\x00" * 64)
    assert "(binary data)" in one_error_line(invoke("diagnose", log))


def test_diagnose_reads_a_utf16_log(tmp_path: Path) -> None:
    log = tmp_path / "build.log"
    text = "sample.c:1:10: fatal error: missing.h: No such file or directory\n"
    log.write_bytes(text.encode("utf-16"))  # with its byte order mark
    result = invoke("diagnose", log)
    assert result.exit_code == 0, result.output
    assert "missing.h" in result.stdout


# --- a wheelhouse that is not there ------------------------------------------------------


READERS = {
    "verify": lambda lock, out: ["verify", lock],
    "export": lambda lock, out: ["export", lock, "-o", out],
    "publish": lambda lock, out: ["publish"],
    "serve": lambda lock, out: ["serve", "--port", "0"],
    "failures": lambda lock, out: ["failures"],
    "show": lambda lock, out: ["show", "alpha"],
    "gc": lambda lock, out: ["gc", "--keep", lock],
    "pip-config": lambda lock, out: ["pip-config"],
}


@pytest.mark.parametrize("command", sorted(READERS))
@pytest.mark.parametrize("where", ["mistyped", "empty-directory"])
def test_commands_that_read_a_wheelhouse_refuse_a_missing_one(
    built: tuple[Path, Path], command: str, where: str, tmp_path: Path
) -> None:
    lock, _ = built
    wrong = tmp_path / "whouse"
    if where == "empty-directory":
        wrong.mkdir()
    result = invoke(*READERS[command](lock, tmp_path / "out.txt"), "-w", wrong)
    assert result.exit_code == 2, result.output
    line = one_error_line(result)
    assert str(wrong) in line and "wheelhouse" in line
    assert "never built" not in result.output
    assert not (tmp_path / "out.txt").exists()
    assert wrong.exists() == (where == "empty-directory")
    if where == "empty-directory":
        assert list(wrong.iterdir()) == []  # publish did not fill it


def test_the_wheelhouse_from_the_config_is_checked_too(
    built: tuple[Path, Path], tmp_path: Path
) -> None:
    lock, _ = built
    config = tmp_path / "wheelmill.toml"
    config.write_text(f'wheelhouse = "{tmp_path / "typo"}"\n')
    result = invoke("verify", lock, "--config", config)
    assert result.exit_code == 2
    assert str(tmp_path / "typo") in one_error_line(result)


@pytest.mark.parametrize("command", ["build", "verify", "publish", "failures"])
def test_a_wheelhouse_that_is_a_file_is_one_line(
    built: tuple[Path, Path], command: str, tmp_path: Path
) -> None:
    lock, _ = built
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    args = [command, lock] if command in ("build", "verify") else [command]
    result = invoke(*args, "-w", blocker)
    assert result.exit_code == 2
    line = one_error_line(result)
    assert str(blocker) in line and "not a directory" in line
    assert "Usage:" not in result.stderr


# --- -j 0 is what the config's default means ----------------------------------------------


def test_jobs_zero_means_one_per_core(local_index: LocalIndex, tmp_path: Path) -> None:
    local_index.add(make_wheel(tmp_path / "src", "alpha", "1.0"))
    lock = tmp_path / "lock.txt"
    lock.write_text(local_index.lock_line("alpha", "1.0"))
    built = invoke("build", lock, "-w", tmp_path / "wh", "-j", "0", "--index-url", local_index.url)
    assert built.exit_code == 0, built.stderr
    config = tmp_path / "wheelmill.toml"
    config.write_text("jobs = 0\n")
    ran = invoke(
        *("run", "-r", lock, "-w", tmp_path / "wh", "-j", "0", "--config", config),
        *("--index-url", local_index.url),
    )
    assert ran.exit_code == 0, ran.stderr
    assert invoke("build", lock, "-j", "-1").exit_code == 2
    for command in ("build", "run"):
        assert "0: one per" in " ".join(invoke(command, "--help").output.split())


# --- help texts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "verb"),
    [
        ("build", "Build for"),
        ("run", "Build for"),
        ("verify", "Check for"),
        ("export", "Export for"),
        ("doctor", "Inspect"),
    ],
)
def test_target_help_says_what_the_command_does(command: str, verb: str) -> None:
    text = " ".join(invoke(command, "--help").output.split())
    assert f"--target TEXT {verb} " in text
    if command not in ("build", "run"):
        assert "Build for" not in text


def test_serve_help_mentions_the_status_page() -> None:
    assert "/status/" in invoke("serve", "--help").output


# --- show: a package never built is a result, not a usage error --------------------------


def test_show_of_a_package_never_built(built: tuple[Path, Path]) -> None:
    _, wheelhouse = built
    result = invoke("show", "Never_Built", "-w", wheelhouse)
    assert result.exit_code == 1
    assert result.stdout == "Never_Built: no attempt recorded in this wheelhouse\n"
    assert result.stderr == ""
    as_json = invoke("show", "never-built", "-w", wheelhouse, "--json")
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout) == {
        "name": "never-built",
        "attempts": [],
        "last_failure": None,
    }
    assert invoke("show", "alpha", "-w", wheelhouse).exit_code == 0


# --- the result table ------------------------------------------------------------------------


def _pin(name: str, version: str, key: str, status: PinStatus, **fields: Any) -> PinResult:
    """A pin's result with the attempt behind it."""
    attempt = Attempt(
        key, "failed" if status == "failed" else "ok", name, version, "cp312", "built", **fields
    )
    return PinResult(name, version, "cp312", status, attempt)


def _report() -> BuildReport:
    return BuildReport(
        results=[
            _pin("numpy", "2.1.3", "k1", "fetched", wheel=MANYLINUX, duration=1.25),
            _pin("six", "1.16.0", "k2", "cached", wheel="six.whl", duration=42.0),
            _pin("broken-thing", "1.0", "k3", "failed", error="x" * 150),
        ],
        duration=2.0,
    )


@pytest.mark.parametrize("columns", [80, 60])
def test_the_table_fits_the_terminal(
    columns: int, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    print_build(_report(), verbose=1)
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert all(len(line) <= columns for line in lines), out
    assert lines[0].split() == [
        "package",
        "version",
        "status",
        "time",
        *["wheel", "/", "error", "/", "reason"],
    ]
    numpy = next(i for i, line in enumerate(lines) if line.startswith("numpy "))
    column = lines[0].index("wheel / error")
    folded = [lines[numpy][column:]]
    for line in lines[numpy + 1 :]:
        if line[:column].strip():
            break
        folded.append(line[column:])
    assert "".join(folded) == MANYLINUX  # folded, nothing lost
    assert "1.2s" in lines[numpy]


def test_the_table_is_not_folded_without_a_terminal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    print_build(_report(), verbose=1)
    assert any(line.endswith(MANYLINUX) for line in capsys.readouterr().out.splitlines())


def test_cached_pins_show_no_build_time(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    print_build(_report(), verbose=1)
    (six,) = [line for line in capsys.readouterr().out.splitlines() if line.startswith("six ")]
    assert six.split()[:4] == ["six", "1.16.0", "cached", "six.whl"]
    assert "42" not in six


@pytest.fixture
def cython_index(local_index: LocalIndex, tmp_path: Path) -> LocalIndex:
    local_index.add(make_wheel(tmp_path / "src", "cython", "0.29.37", code="VERSION = '0.29.37'"))
    local_index.add(make_wheel(tmp_path / "src", "cython", "3.0.11", code="VERSION = '3.0.11'"))
    local_index.add(make_sdist("cython3-broken", tmp_path / "src", name="oldyaml", version="5.4"))
    return local_index


def test_fixed_is_printed_once_and_never_with_quiet(
    cython_index: LocalIndex, tmp_path: Path
) -> None:
    lock = tmp_path / "lock.txt"
    lock.write_text(cython_index.lock_line("oldyaml", "5.4"))
    args = ("build", lock, "--index-url", cython_index.url, "-w", tmp_path / "wh")
    first = invoke(*args)
    assert first.exit_code == 0, first.stderr
    assert "FIXED oldyaml==5.4: retried with requirements/cython3-incompatible" in first.stderr
    again = invoke(*args, "-v")
    assert again.exit_code == 0
    assert "cached" in again.stdout
    assert "FIXED" not in again.stderr + again.stdout


@pytest.mark.parametrize(
    ("status", "quiet"), [("built", False), ("built", True), ("cached", False)]
)
def test_fixed_only_for_a_pin_fixed_in_this_run(
    status: str, quiet: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    fix = Remedy("r", constraints=("x",))
    fixed = _pin("oldyaml", "5.4", "k", status, wheel="o.whl", remedy=fix)
    broken = _pin("other", "1.0", "k2", "failed", error="boom")
    print_build(BuildReport(results=[fixed, broken]), quiet=quiet)
    printed = "FIXED oldyaml==5.4: retried with r: build constraint x" in capsys.readouterr().err
    assert printed == (status == "built" and not quiet)


# --- log names ----------------------------------------------------------------------------------


def test_log_names_are_unique_within_a_second(tmp_path: Path) -> None:
    store = Store(tmp_path / "wh").create()
    names = {store.new_log("alpha", "1.0", "f" * 64).name for _ in range(50)}
    names |= {store.new_log("alpha", "1.0", "f" * 64, attempt=2).name for _ in range(50)}
    assert len(names) == 100
    for name in names:
        assert name.startswith("alpha-1.0-ffffffffffff-") and name.endswith(".log")
    assert any("-retry1" in name for name in names)


# --- Ctrl-C -----------------------------------------------------------------------------------


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
@pytest.mark.parametrize("presses", [1, 2])
def test_ctrl_c_stops_the_build_at_once(
    presses: int, local_index: LocalIndex, tmp_path: Path
) -> None:
    local_index.add(make_sdist("slow-build", tmp_path / "src", name="slow", version="1.0"))
    local_index.add(make_sdist("pure-ok", tmp_path / "src", name="later", version="1.0"))
    lock = tmp_path / "lock.txt"
    lock.write_text(local_index.lock_line("slow", "1.0") + local_index.lock_line("later", "1.0"))
    wheelhouse = tmp_path / "wh"
    # The backend reports its PID: a host PID only outside the sandbox's PID namespace.
    config = tmp_path / "wheelmill.toml"
    config.write_text('[build]\nsandbox = "off"\n')
    command = [sys.executable, "-m", "wheelmill", "build", str(lock), "-w", str(wheelhouse)]
    process = subprocess.Popen(
        [*command, "--index-url", local_index.url, "-j", "1", "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a terminal sends Ctrl-C to the whole foreground group
    )
    logs = wheelhouse / ".wheelmill" / "logs"
    deadline = time.monotonic() + 60
    backend = None
    while backend is None:
        assert time.monotonic() < deadline, "the slow build never started"
        assert process.poll() is None, process.communicate()
        for log in logs.glob("slow-*.log") if logs.is_dir() else []:
            found = re.search(r"sleeping in process (\d+)", log.read_text())
            if found:
                backend = int(found.group(1))
        time.sleep(0.05)
    started = time.monotonic()
    for _ in range(presses):
        os.killpg(process.pid, signal.SIGINT)
        time.sleep(0.05)
    try:
        _, stderr = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    elapsed = time.monotonic() - started
    # A second Ctrl-C landing while the interpreter shuts down ends it by SIGINT: what
    # a shell shows as 130 too.
    assert process.returncode in ((130, -signal.SIGINT) if presses > 1 else (130,)), stderr
    assert elapsed < 3, elapsed
    assert (
        "interrupted: stopping; waiting for 1 running build to stop (Ctrl-C again to kill them)"
        in stderr.splitlines()
    )
    assert "Traceback" not in stderr
    time.sleep(0.2)
    assert not _alive(backend)
    # Nothing was recorded: the next run builds the pin again; the other pin never started.
    assert list((wheelhouse / ".wheelmill" / "records").iterdir()) == []
    assert not list(logs.glob("later-*"))
    assert list((wheelhouse / "wheels").iterdir()) == []


def test_a_stopped_run_starts_no_remediation_retry(
    cython_index: LocalIndex, tmp_path: Path
) -> None:
    from wheelmill._cancel import Cancel, Cancelled
    from wheelmill.build.batch import prebuild
    from wheelmill.config import BuildSettings
    from wheelmill.diagnose import RuleSet
    from wheelmill.diagnose.remedy import LazyRules
    from wheelmill.lockfile.pins import parse_pins
    from wheelmill.target import current_target

    cancel = Cancel()

    class StopWhileDiagnosing(LazyRules):
        """Ctrl-C lands while the first attempt's failure is being diagnosed."""

        def get(self) -> RuleSet:
            cancel.request()
            return super().get()

    wheelhouse = tmp_path / "wh"
    with pytest.raises(Cancelled):
        prebuild(
            parse_pins(cython_index.lock_line("oldyaml", "5.4")),
            Store(wheelhouse),
            targets=[current_target()],
            settings=BuildSettings(),
            index_url=cython_index.url,
            rules=StopWhileDiagnosing(),
            cancel=cancel,
        )
    state = wheelhouse / ".wheelmill"
    assert [log.name for log in (state / "logs").iterdir() if "retry" in log.name] == []
    assert len(list((state / "logs").iterdir())) == 1
    assert list((state / "records").iterdir()) == []
    assert Catalog(state / "catalog.sqlite").attempts() == []
