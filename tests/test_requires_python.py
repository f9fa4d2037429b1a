"""Requires-Python is honoured before anything is built: a release that does not support a
target's interpreter is `not-applicable` there, with the reason, in every report."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import Result

from conftest import LocalIndex, cli_runner, make_sdist, make_wheel
from wheelmill.target import current_target

#: No interpreter this suite runs on satisfies it.
FUTURE = ">=99"


def invoke(*args: str | Path) -> Result:
    from wheelmill.cli import cli

    return cli_runner().invoke(cli, [str(a) for a in args], prog_name="wheelmill")


def _lock(index: LocalIndex, tmp_path: Path) -> Path:
    src = tmp_path / "src"
    # A release for a future Python only: its sdist would build here, but must not be.
    index.add(make_sdist("pure-ok", src, name="future", version="1.0"), requires_python=FUTURE)
    index.add(make_wheel(src, "future", "1.0", requires_python=FUTURE), requires_python=FUTURE)
    index.add(make_wheel(src, "beta", "2.0"), requires_python=">=3.8")
    lock = tmp_path / "requirements.txt"
    lock.write_text(index.lock_line("future", "1.0") + index.lock_line("beta", "2.0"))
    return lock


def test_unsupported_python_is_not_applicable_with_its_reason(
    local_index: LocalIndex, tmp_path: Path
) -> None:
    lock = _lock(local_index, tmp_path)
    wheelhouse = tmp_path / "wh"
    junit = tmp_path / "build.xml"
    result = invoke(
        "build", lock, "-w", wheelhouse, "--index-url", local_index.url, "--json", "--junit", junit
    )
    assert result.exit_code == 0, result.output + result.stderr
    pins = {pin["name"]: pin for pin in json.loads(result.output)["pins"]}
    assert pins["beta"]["status"] == "fetched"
    future = pins["future"]
    assert future["status"] == "not-applicable"
    python = current_target().environment["python_full_version"]
    assert future["reason"] == f"requires Python {FUTURE}; {current_target().name} has {python}"
    assert future["error"] is None and future["log"] is None
    # Nothing was built: no log, no wheel of it.
    assert not list((wheelhouse / ".wheelmill").glob("logs/future*"))
    assert [p.name for p in (wheelhouse / "wheels").iterdir()] == ["beta-2.0-py3-none-any.whl"]
    skipped = {
        case.get("name"): case.find("skipped")
        for case in ET.parse(junit).getroot().iter("testcase")
    }
    assert skipped["future==1.0"] is not None
    assert FUTURE in (skipped["future==1.0"].get("message") or "")

    # The terminal report names it with its reason.
    shown = invoke("build", lock, "-w", wheelhouse, "--index-url", "http://127.0.0.1:9/dead/")
    assert shown.exit_code == 0, shown.output + shown.stderr
    assert "future" in shown.output and f"requires Python {FUTURE}" in shown.output
    assert "1 not-applicable" in shown.output

    # verify: not applicable with the reason, never a gap.
    verified = invoke("verify", lock, "-w", wheelhouse, "--json")
    assert verified.exit_code == 0, verified.output + verified.stderr
    coverage = {
        pin["name"]: pin
        for target in json.loads(verified.output)["targets"]
        for pin in target["pins"]
    }
    assert coverage["future"]["status"] == "not-applicable"
    assert f"requires Python {FUTURE}" in coverage["future"]["reason"]

    # export leaves it out as no target needs it, instead of refusing a "missing" pin.
    exported = invoke("export", lock, "-w", wheelhouse, "-o", tmp_path / "binary.txt")
    assert exported.exit_code == 0, exported.output + exported.stderr
    assert (
        "# no wheel, and no target of the wheelhouse needs it:\nfuture==1.0"
        in (tmp_path / "binary.txt").read_text()
    )

    # failures lists nothing; the status page says it in words.
    assert "future" not in invoke("failures", "-w", wheelhouse).output
    assert invoke("publish", "-w", wheelhouse).exit_code == 0
    page = (wheelhouse / "status" / "index.html").read_text()
    assert "not applicable" in page and "requires Python &gt;=99" in page


def test_an_sdist_only_release_for_another_python_is_not_built(
    local_index: LocalIndex, tmp_path: Path
) -> None:
    src = tmp_path / "src"
    local_index.add(make_sdist("build-fails", src, name="old", version="1.0"), requires_python="<3")
    lock = tmp_path / "requirements.txt"
    lock.write_text(local_index.lock_line("old", "1.0"))
    result = invoke("build", lock, "-w", tmp_path / "wh", "--index-url", local_index.url, "--json")
    assert result.exit_code == 0, result.output + result.stderr
    (pin,) = json.loads(result.output)["pins"]
    assert pin["status"] == "not-applicable"
    assert pin["reason"].startswith("requires Python <3;")


def test_a_release_with_a_wheel_for_the_target_is_still_fetched(
    local_index: LocalIndex, tmp_path: Path
) -> None:
    # The sdist says nothing, an old wheel excludes us, a newer-tagged one fits: fetched.
    src = tmp_path / "src"
    local_index.add(make_sdist("pure-ok", src, name="mixed", version="1.0"))
    local_index.add(make_wheel(src, "mixed", "1.0", tag="py2-none-any"), requires_python="<3")
    local_index.add(make_wheel(src, "mixed", "1.0"), requires_python=">=3.8")
    lock = tmp_path / "requirements.txt"
    lock.write_text(local_index.lock_line("mixed", "1.0"))
    result = invoke("build", lock, "-w", tmp_path / "wh", "--index-url", local_index.url, "--json")
    assert result.exit_code == 0, result.output + result.stderr
    assert [pin["status"] for pin in json.loads(result.output)["pins"]] == ["fetched"]


def test_a_pure_wheel_is_not_shared_with_a_target_its_python_excludes(
    local_index: LocalIndex, tmp_path: Path
) -> None:
    import sys

    from wheelmill._exceptions import WheelmillError
    from wheelmill.target import resolve_target

    here = f"{sys.version_info[0]}.{sys.version_info[1]}"
    older = f"{sys.version_info[0]}.{sys.version_info[1] - 1}"
    try:
        old = resolve_target(older)
    except WheelmillError:
        pytest.skip(f"no Python {older} on this machine")
    src = tmp_path / "src"
    spec = f">={here}"
    local_index.add(make_wheel(src, "modern", "1.0", requires_python=spec), requires_python=spec)
    lock = tmp_path / "requirements.txt"
    lock.write_text(local_index.lock_line("modern", "1.0"))
    result = invoke(
        "build", lock, "-w", tmp_path / "wh", "--index-url", local_index.url, "--json",
        "--target", "current", "--target", older,
    )  # fmt: skip
    assert result.exit_code == 0, result.output + result.stderr
    statuses = {pin["target"]: pin["status"] for pin in json.loads(result.stdout)["pins"]}
    assert statuses == {current_target().name: "fetched", old.name: "not-applicable"}
