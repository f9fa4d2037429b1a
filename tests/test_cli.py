"""The command line: in-process with CliRunner, and once as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import Result

from conftest import LocalIndex, cli_runner, make_sdist, make_wheel
from wheelmill.cli import cli


def invoke(*args: str | Path) -> Result:
    return cli_runner().invoke(
        cli, [str(a) for a in args], prog_name="wheelmill", catch_exceptions=False
    )


def one_error_line(result: Result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.fixture
def index_with_two(local_index: LocalIndex, tmp_path: Path) -> LocalIndex:
    local_index.add(make_sdist("pure-ok", tmp_path / "src", name="alpha", version="1.0"))
    local_index.add(make_wheel(tmp_path / "src", "beta", "2.0", requires=("alpha",)))
    return local_index


@pytest.mark.parametrize(
    "command",
    ["", "lock", "build", "publish", "serve", "run", "verify", "export", "pip-config", "gc"],
)
def test_help_teaches(command: str) -> None:
    result = invoke(*([command] if command else []), "--help")
    assert result.exit_code == 0
    assert "Usage: wheelmill" in result.output
    if command in ("build", "run", "publish", "verify", "export", "gc"):
        assert "Exit codes" in result.output or "exit code" in result.output


def test_build_then_publish_json(index_with_two: LocalIndex, tmp_path: Path) -> None:
    lock = tmp_path / "lock.txt"
    lock.write_text(
        index_with_two.lock_line("alpha", "1.0") + index_with_two.lock_line("beta", "2.0")
    )
    wheelhouse = tmp_path / "wh"
    built = invoke("build", lock, "-w", wheelhouse, "--index-url", index_with_two.url, "--json")
    assert built.exit_code == 0, built.stderr
    data = json.loads(built.stdout)
    assert data["ok"] is True
    assert data["counts"] == {
        "built": 1,
        "cached": 0,
        "failed": 0,
        "fetched": 1,
        "no-wheel": 0,
        "skipped": 0,
        "not-applicable": 0,
    }
    published = invoke("publish", "-w", wheelhouse, "--json")
    assert published.exit_code == 0
    assert json.loads(published.stdout)["files"] == 2
    assert (wheelhouse / "simple" / "beta" / "index.html").is_file()
    again = invoke("build", lock, "-w", wheelhouse, "--index-url", index_with_two.url)
    assert again.exit_code == 0
    assert "2 pins" in again.stdout and "2 cached" in again.stdout


def test_failed_pin_exits_1_and_others_still_built(local_index: LocalIndex, tmp_path: Path) -> None:
    local_index.add(make_sdist("build-fails", tmp_path / "src", name="broken", version="1.0"))
    local_index.add(make_wheel(tmp_path / "src", "beta", "2.0"))
    lock = tmp_path / "lock.txt"
    lock.write_text(local_index.lock_line("broken", "1.0") + local_index.lock_line("beta", "2.0"))
    result = invoke("build", lock, "-w", tmp_path / "wh", "--index-url", local_index.url)
    assert result.exit_code == 1
    assert (
        "FAILED broken==1.0: C header missing.h not found (sysdep/missing-header, sysdep-missing)"
        in result.stderr
    )
    assert "fatal error: missing.h: No such file or directory" in result.stderr
    assert "first error (log line " in result.stderr
    assert "error: 1 of 2 pins failed" in result.stderr
    assert (tmp_path / "wh" / "wheels" / "beta-2.0-py3-none-any.whl").is_file()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("requests>=2.0", "is not pinned to one version"),
        ("foo==", "cannot parse requirement"),
        ("-e ./here", "is not supported in a lock"),
        ("foo==1.0 --hash=sha256:abc", "malformed hash"),
    ],
)
def test_malformed_lock_is_one_line_exit_2(line: str, expected: str, tmp_path: Path) -> None:
    lock = tmp_path / "lock.txt"
    lock.write_text(f"six==1.16.0\n{line}\n")
    result = invoke("build", lock, "-w", tmp_path / "wh")
    assert result.exit_code == 2
    message = one_error_line(result)
    assert f"{lock}:2:" in message and expected in message
    assert not (tmp_path / "wh").exists()


def test_missing_lock(tmp_path: Path) -> None:
    result = invoke("build", tmp_path / "nope.txt", "-w", tmp_path / "wh")
    assert result.exit_code == 2
    assert "no such lock file" in one_error_line(result)


def test_bad_config_names_the_key(tmp_path: Path) -> None:
    config = tmp_path / "wheelmill.toml"
    config.write_text('wheelhose = "x"\n')
    result = invoke("run", "--config", config)
    assert result.exit_code == 2
    assert "did you mean 'wheelhouse'?" in one_error_line(result)
    config.write_text("jobs = [\n")
    result = invoke("run", "--config", config)
    assert result.exit_code == 2
    assert "not valid TOML" in one_error_line(result)


def test_run_from_config_offline(index_with_two: LocalIndex, tmp_path: Path) -> None:
    lock = tmp_path / "conf" / "pinned.txt"
    lock.parent.mkdir()
    lock.write_text(
        index_with_two.lock_line("alpha", "1.0") + index_with_two.lock_line("beta", "2.0")
    )
    config = tmp_path / "conf" / "wheelmill.toml"
    config.write_text(
        f'requirements = "pinned.txt"\nwheelhouse = "../wh"\nindex_url = "{index_with_two.url}"\n'
    )
    result = invoke("run", "--config", config, "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["ok"] and data["publish"]["files"] == 2
    assert (tmp_path / "wh" / "simple" / "alpha" / "index.json").is_file()
    # Command-line flags override the config.
    other = invoke("run", "--config", config, "--wheelhouse", tmp_path / "elsewhere", "-q")
    assert other.exit_code == 0
    assert (tmp_path / "elsewhere" / "simple" / "index.html").is_file()
    assert other.stdout == ""


@pytest.mark.parametrize("resolver", ["pip-tools", "uv"])
def test_lock_offline_against_a_local_index(
    index_with_two: LocalIndex, tmp_path: Path, resolver: str
) -> None:
    index_with_two.add(make_wheel(tmp_path / "src", "alpha", "1.0"))
    requirements = tmp_path / "requirements.in"
    requirements.write_text("beta\n")
    lock = tmp_path / "requirements.txt"
    result = invoke(
        "lock", requirements, "-o", lock, "--index-url", index_with_two.url, "--resolver", resolver
    )
    assert result.exit_code == 0, result.stderr
    text = lock.read_text()
    assert "alpha==1.0" in text and "beta==2.0" in text
    assert text.count("--hash=sha256:") >= 3  # alpha's wheel and sdist, beta's wheel
    assert "127.0.0.1:9" not in text  # nothing from the hostile user configuration


def test_lock_errors_leave_the_old_lock(index_with_two: LocalIndex, tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.in"
    lock = tmp_path / "requirements.txt"
    lock.write_text("keep==1.0\n")
    requirements.write_text("beta\nnot a requirement!\n")
    bad = invoke("lock", requirements, "-o", lock, "--index-url", index_with_two.url)
    assert bad.exit_code == 2
    assert f"{requirements}:2: cannot parse requirement" in one_error_line(bad)
    requirements.write_text("nosuchproject-xyz\n")
    unknown = invoke("lock", requirements, "-o", lock, "--index-url", index_with_two.url)
    assert unknown.exit_code == 1
    message = one_error_line(unknown)
    assert "cannot resolve" in message and "nosuchproject" in message.lower()
    assert lock.read_text() == "keep==1.0\n"


def test_publish_rejects_a_corrupted_wheel(tmp_path: Path) -> None:
    wheels = tmp_path / "wh" / "wheels"
    make_wheel(wheels, "good", "1.0")
    (wheels / "bad-1.0-py3-none-any.whl").write_bytes(b"not a zip")
    result = invoke("publish", "-w", tmp_path / "wh")
    assert result.exit_code == 1
    assert "REJECTED bad-1.0-py3-none-any.whl" in result.stderr
    assert not (tmp_path / "wh" / "simple" / "bad").exists()
    assert (tmp_path / "wh" / "simple" / "good" / "index.html").is_file()


def test_serve_needs_a_published_index(tmp_path: Path) -> None:
    result = invoke("serve", "-w", tmp_path / "empty", "--port", "0")
    assert result.exit_code == 2
    assert "run `wheelmill publish" in one_error_line(result)


def test_real_subprocess_and_exit_codes(tmp_path: Path) -> None:
    version = subprocess.run(
        [sys.executable, "-m", "wheelmill", "--version"], capture_output=True, text=True, check=True
    )
    assert version.stdout.startswith("wheelmill, version ")
    usage = subprocess.run(
        [sys.executable, "-m", "wheelmill", "build"], capture_output=True, text=True
    )
    assert usage.returncode == 2
    assert "Missing argument 'LOCK'" in usage.stderr


def test_a_reader_leaving_early_is_no_error(tmp_path: Path) -> None:
    # `wheelmill rules | head -1`: the reader is gone before the listing is written
    with subprocess.Popen(
        [sys.executable, "-m", "wheelmill", "rules", "--wheelhouse", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as listing:
        assert listing.stdout is not None and listing.stderr is not None
        listing.stdout.close()
        stderr = listing.stderr.read()
    assert (listing.returncode, stderr) == (141, b"")
