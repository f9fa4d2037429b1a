"""Odd lock and config input: a byte-order mark, huge lines, bad build constraints.

Whatever the input, the answer is one short line on stderr.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import Result

from conftest import LocalIndex, cli_runner, make_wheel
from wheelmill.cli import cli

HUGE = 1_000_000


def invoke(*args: str | Path) -> Result:
    return cli_runner().invoke(
        cli, [str(a) for a in args], prog_name="wheelmill", catch_exceptions=False
    )


def one_short_error_line(result: Result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr[:2000]
    assert lines[0].startswith("error: ")
    assert len(lines[0]) < 400, lines[0][:2000]
    return lines[0]


def test_a_lock_starting_with_a_byte_order_mark_is_read(
    local_index: LocalIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    local_index.add(make_wheel(tmp_path / "src", "beta", "2.0"))
    lock = tmp_path / "lock.txt"
    lock.write_bytes(b"\xef\xbb\xbf" + local_index.lock_line("beta", "2.0").encode())
    result = invoke("build", lock, "-w", tmp_path / "wh", "--index-url", local_index.url)
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "wh" / "wheels" / "beta-2.0-py3-none-any.whl").is_file()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("foo==1.0 " + "x" * HUGE, "cannot parse requirement"),
        ("foo==1.0 --hash=sha256:" + "a" * HUGE, "malformed hash"),
        ("foo==1.0 --hash=sha256:" + "a" * 64 + " " + "b" * HUGE, "after --hash"),
        ("-" + "x" * HUGE, "is not supported in a lock"),
        ("foo>=" + "1" * HUGE, "is not pinned to one version"),
        ("foo @ https://example.com/" + "x" * HUGE, "direct references"),
    ],
)
def test_a_huge_lock_line_is_not_echoed_whole(
    line: str, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    lock = tmp_path / "lock.txt"
    lock.write_text(f"six==1.16.0\n{line}\n")
    result = invoke("build", lock, "-w", tmp_path / "wh")
    assert result.exit_code == 2
    message = one_short_error_line(result)
    assert f"{lock}:2:" in message and expected in message
    assert "…" in message


@pytest.mark.parametrize(
    ("constraint", "expected"),
    [
        ("not a valid requirement!!", "'not a valid requirement!!' is not a valid requirement"),
        ("setuptools<" + "9" * HUGE + " ;;", "is not a valid requirement"),
    ],
)
def test_a_bad_build_constraint_is_one_line(
    constraint: str, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "wheelmill.toml"
    config.write_text(f"[build]\nconstraints = [{constraint!r}]\n".replace("'", '"'))
    lock = tmp_path / "lock.txt"
    lock.write_text("six==1.16.0\n")
    result = invoke("build", lock, "-w", tmp_path / "wh", "--config", config)
    assert result.exit_code == 2
    message = one_short_error_line(result)
    assert f"{config}: build.constraints:" in message and expected in message


def test_a_bad_package_constraint_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "wheelmill.toml"
    config.write_text('[packages.numpy]\nconstraints = ["Cython<<3"]\n')
    lock = tmp_path / "lock.txt"
    lock.write_text("six==1.16.0\n")
    result = invoke("build", lock, "-w", tmp_path / "wh", "--config", config)
    assert result.exit_code == 2
    message = one_short_error_line(result)
    assert "packages.numpy.constraints: 'Cython<<3' is not a valid requirement" in message
