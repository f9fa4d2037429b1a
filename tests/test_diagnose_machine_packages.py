"""A missing header no rule knows the package of is looked up in the machine's own
package index (apt-file on Debian/Ubuntu, dnf provides on Fedora), when one is installed.

Neither tool is installed where the suite runs, so the lookups are exercised with
small stand-in programs on ``PATH`` that print the tools' documented output
formats and record the arguments they were given; without them, the diagnosis is
left as the rules made it.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from conftest import cli_runner
from wheelmill._platform import packages_shipping
from wheelmill.cli.diagnose import command
from wheelmill.diagnose import default_rules_dirs, diagnose, load_rules
from wheelmill.diagnose.remedy import with_machine_packages

LOGS = Path(__file__).parent / "logs"
#: mpfr.h missing: a header no rule carries a package for.
GMPY2 = LOGS / "pip26" / "gmpy2-no-mpfr.log"
#: net-snmp-config missing: a library's config script.
EASYSNMP = LOGS / "uv" / "easysnmp-no-net-snmp-config.log"
#: cairo: the rule names the packages itself, nothing is asked.
PYCAIRO = LOGS / "pip26" / "pycairo-no-cairo.log"


def _tool(directory: Path, name: str, output: str) -> Path:
    """A program ``name`` that records its arguments and prints ``output``."""
    calls = directory / f"{name}.calls"
    script = directory / name
    script.write_text(
        f'#!/bin/sh\nprintf "%s\\n" "$*" >> "{calls}"\ncat <<\'EOF\'\n{output}EOF\n',
        "utf-8",
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return calls


@pytest.fixture
def bin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An otherwise empty directory as the whole PATH (``sh`` and ``cat`` linked in)."""
    directory = tmp_path / "bin"
    directory.mkdir()
    for program in ("sh", "cat", "printf"):
        for parent in ("/bin", "/usr/bin"):
            if Path(parent, program).exists():
                os.symlink(Path(parent, program), directory / program)
                break
    monkeypatch.setenv("PATH", str(directory))
    return directory


def test_no_package_index_tool_leaves_the_diagnosis_alone(bin_dir: Path) -> None:
    rules = load_rules(*default_rules_dirs())
    diagnosis = diagnose(GMPY2.read_text("utf-8"), rules)
    assert diagnosis.subject == "mpfr.h"
    assert diagnosis.system_packages == ()
    assert packages_shipping("mpfr.h") is None
    assert with_machine_packages(diagnosis) is diagnosis


def test_apt_file_names_the_development_package(bin_dir: Path) -> None:
    calls = _tool(bin_dir, "apt-file", "libmpfr-dev\nlibmpfr-doc\n")
    result = cli_runner().invoke(command, [str(GMPY2), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["system_packages"] == {
        "debian": {"packages": ["libmpfr-dev"], "command": "apt-get install -y libmpfr-dev"}
    }
    assert calls.read_text("utf-8").split("\n")[0] == "--package-only search /mpfr.h"


def test_a_config_script_is_looked_up_under_bin(bin_dir: Path) -> None:
    calls = _tool(bin_dir, "apt-file", "libsnmp-dev\n")
    result = cli_runner().invoke(command, [str(EASYSNMP)])
    assert result.exit_code == 0, result.output
    assert "  $ apt-get install -y libsnmp-dev" in result.output.splitlines()
    assert calls.read_text("utf-8").strip() == "--package-only search /bin/net-snmp-config"


def test_dnf_provides_when_there_is_no_apt_file(bin_dir: Path) -> None:
    output = (
        "mpfr-devel-4.1.0-10.fc38.x86_64 : Development files for the MPFR library\n"
        "Repo        : fedora\n"
        "Matched from:\n"
        "Filename    : /usr/include/mpfr.h\n"
        "\n"
        "mpfr-devel-4.1.0-10.fc38.i686 : Development files for the MPFR library\n"
        "Repo        : fedora\n"
    )
    calls = _tool(bin_dir, "dnf", output)
    assert packages_shipping("mpfr.h") == ("fedora", ("mpfr-devel",))
    assert calls.read_text("utf-8").strip() == "--quiet provides */mpfr.h"


def test_a_file_nobody_ships_changes_nothing(bin_dir: Path) -> None:
    _tool(bin_dir, "apt-file", "")
    assert packages_shipping("no-such-header.h") is None


def test_packages_the_rule_knows_are_not_asked_for(bin_dir: Path) -> None:
    calls = _tool(bin_dir, "apt-file", "something-else\n")
    rules = load_rules(*default_rules_dirs())
    diagnosis = diagnose(PYCAIRO.read_text("utf-8"), rules)
    assert diagnosis.system_packages
    assert with_machine_packages(diagnosis) is diagnosis
    assert not calls.exists()
