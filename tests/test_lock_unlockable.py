"""One sdist that cannot produce metadata does not block `run`: the rest is locked,
built and published; it is a diagnosed failure with the resolver output as its log."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import Result

from conftest import LocalIndex, cli_runner, make_sdist, make_wheel
from wheelmill.lockfile.inputs import read_header
from wheelmill.lockfile.pins import read_pins


def invoke(*args: str | Path) -> Result:
    from wheelmill.cli import cli

    return cli_runner().invoke(cli, [str(a) for a in args], prog_name="wheelmill")


@pytest.mark.parametrize("resolver", ["pip-tools", "uv"])
def test_the_rest_is_locked_built_and_published(
    resolver: str, local_index: LocalIndex, tmp_path: Path
) -> None:
    src = tmp_path / "src"
    # Its metadata step runs the build, which lacks a C header (as mysqlclient without
    # its development files).
    local_index.add(make_sdist("build-fails", src, name="broken", version="1.0"))
    local_index.add(make_wheel(src, "beta", "2.0"))
    (tmp_path / "requirements.in").write_text("broken\nbeta\n")
    config = tmp_path / "wheelmill.toml"
    config.write_text(
        f'requirements = "requirements.in"\nwheelhouse = "wh"\nindex_url = "{local_index.url}"\n'
        f'resolver = "{resolver}"\n'
    )
    junit = tmp_path / "run.xml"
    result = invoke("run", "--config", config, "--json", "--junit", junit)
    assert result.exit_code == 1, result.output + result.stderr
    data = json.loads(result.stdout)
    pins = {pin["name"]: pin for pin in data["build"]["pins"]}
    assert pins["beta"]["status"] == "fetched"
    broken = pins["broken"]
    assert broken["status"] == "failed" and broken["version"] == "1.0"
    assert broken["category"] == "sysdep-missing", broken
    assert "missing.h" in Path(broken["log"]).read_text()
    assert "cannot produce metadata" in broken["error"]
    # The lock holds the rest, and records no inputs: the next run resolves again.
    lock = tmp_path / "requirements.txt"
    assert [pin.name for pin in read_pins(lock)] == ["beta"]
    assert ".requirements." not in lock.read_text()  # no temporary file named
    assert read_header(lock).inputs is None
    assert (tmp_path / "wh" / "simple" / "beta" / "index.html").is_file()
    failures = {case.get("name"): case for case in ET.parse(junit).getroot().iter("testcase")}
    assert failures["broken==1.0"].find("failure") is not None
    assert "broken" in invoke("failures", "-w", tmp_path / "wh").output
    page = (tmp_path / "wh" / "status" / "index.html").read_text()
    assert "broken" in page and "missing.h" in page
