"""`--junit FILE` on build and run: one testcase per pin and target, read back with ElementTree."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from click.testing import Result

from conftest import LocalIndex, cli_runner, make_sdist, make_wheel
from wheelmill.target import current_target, resolve_target
from wheelmill.verify.junit import Case, junit_xml


def invoke(*args: str | Path) -> Result:
    from wheelmill.cli import cli

    return cli_runner().invoke(cli, [str(a) for a in args], prog_name="wheelmill")


def _lock(index: LocalIndex, tmp_path: Path) -> Path:
    src = tmp_path / "src"
    index.add(make_sdist("build-fails", src, name="broken", version="1.0"))
    index.add(make_wheel(src, "beta", "2.0"))
    lock = tmp_path / "requirements.txt"
    lock.write_text(
        index.lock_line("broken", "1.0")
        + index.lock_line("beta", "2.0")
        + 'winonly==1.0 ; sys_platform == "win32"\n'
    )
    return lock


def _cases(path: Path) -> tuple[ET.Element, dict[tuple[str, str], ET.Element]]:
    root = ET.parse(path).getroot()
    cases = {
        (case.get("classname", ""), case.get("name", "")): case for case in root.iter("testcase")
    }
    return root, cases


def test_build_junit_has_one_case_per_pin_and_target(
    local_index: LocalIndex, tmp_path: Path
) -> None:
    lock = _lock(local_index, tmp_path)
    junit = tmp_path / "out" / "build.xml"
    mac = resolve_target("3.12/macosx_11_0_arm64").name
    here = current_target().name
    result = invoke(
        "build", lock, "-w", tmp_path / "wh", "--index-url", local_index.url,
        "--target", "current", "--target", "3.12/macosx_11_0_arm64", "--junit", junit,
    )  # fmt: skip
    assert result.exit_code == 1
    root, cases = _cases(junit)
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("6", "2", "2")
    suites = {suite.get("name"): suite for suite in root.findall("testsuite")}
    assert set(suites) == {f"wheelmill build [{here}]", f"wheelmill build [{mac}]"}
    for suite in suites.values():
        assert (suite.get("tests"), suite.get("errors")) == ("3", "0")
        assert len(suite.findall("testcase")) == 3
    failure = cases[(here, "broken==1.0")].find("failure")
    assert failure is not None
    assert failure.get("message") == (
        "C header missing.h not found (sysdep/missing-header, sysdep-missing)"
    )
    assert failure.get("type") == "sysdep-missing"
    assert failure.text is not None
    assert failure.text.startswith("first error (log line ")
    assert "fatal error: missing.h" in failure.text.splitlines()[0]
    assert "log: " in failure.text
    no_wheel = cases[(mac, "broken==1.0")].find("failure")
    assert no_wheel is not None and no_wheel.get("type") == "no-wheel"
    skipped = cases[(here, "winonly==1.0")].find("skipped")
    assert skipped is not None
    assert skipped.get("message") == f'marker sys_platform == "win32" is false on {here}'
    assert list(cases[(here, "beta==2.0")]) == []  # passed: no child element
    assert float(cases[(here, "broken==1.0")].get("time", "0")) > 0


def test_run_writes_junit_too(local_index: LocalIndex, tmp_path: Path) -> None:
    lock = _lock(local_index, tmp_path)
    config = tmp_path / "wheelmill.toml"
    config.write_text(
        f'requirements = "{lock.name}"\nwheelhouse = "wh"\nindex_url = "{local_index.url}"\n'
    )
    junit = tmp_path / "run.xml"
    result = invoke("run", "--config", config, "--junit", junit, "-q")
    assert result.exit_code == 1
    root, _ = _cases(junit)
    assert root.get("name") == "wheelmill run"
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("3", "1", "1")


def test_text_xml_cannot_carry_is_dropped() -> None:
    case = Case("t", "a==1", failure="bad \x1b[31mred\x1b[0m", details="line\x00 two")
    document = junit_xml("suite", [case])
    failure = ET.fromstring(document).find("testsuite/testcase/failure")
    assert failure is not None
    assert failure.get("message") == "bad [31mred[0m" and failure.text == "line two"
