"""The controlled build environment: targets, overrides, import check, proof (offline)."""

from __future__ import annotations

import json
import os
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest

from conftest import LocalIndex, cli_runner, make_sdist, make_wheel
from wheelmill.build.batch import prebuild
from wheelmill.build.results import BuildReport
from wheelmill.build.toolchain import _version_of, toolchain_fingerprint
from wheelmill.cli import cli
from wheelmill.config import BuildSettings, Config, load_config
from wheelmill.lockfile.pins import parse_pins
from wheelmill.store.wheelhouse import Store
from wheelmill.target import current_target, resolve_target

HERE = sys.version_info[:2]
OTHER = "3.12" if HERE != (3, 12) else "3.11"


def _config(text: str, tmp_path: Path) -> Config:
    path = tmp_path / "wheelmill.toml"
    path.write_text(text)
    return load_config(path)


def _run(lock: str, index: LocalIndex, wheelhouse: Path, **kwargs: Any) -> BuildReport:
    return prebuild(
        parse_pins(lock),
        Store(wheelhouse),
        targets=kwargs.pop("targets", [current_target()]),
        settings=kwargs.pop("settings", BuildSettings()),
        index_url=kwargs.pop("index_url", index.url),
        jobs=2,
        **kwargs,
    )


def _statuses(report: BuildReport) -> dict[tuple[str, str], str]:
    return {(r.name, r.target): r.status for r in report.results}


def _wheels(wheelhouse: Path) -> list[str]:
    return sorted(p.name for p in (wheelhouse / "wheels").iterdir())


def _module(wheelhouse: Path, wheel: str, module: str) -> str:
    with zipfile.ZipFile(wheelhouse / "wheels" / wheel) as archive:
        return archive.read(module).decode()


# -- targets ---------------------------------------------------------------------------------


def test_a_pure_wheel_is_built_once_and_serves_every_target(
    local_index: LocalIndex, tmp_path: Path
) -> None:
    other = resolve_target(OTHER)
    local_index.add(make_sdist("pure-ok", tmp_path / "src", name="alpha", version="1.0"))
    lock = local_index.lock_line("alpha", "1.0")
    report = _run(lock, local_index, tmp_path / "wh", targets=[current_target(), other])
    assert _statuses(report) == {
        ("alpha", current_target().name): "built",
        ("alpha", other.name): "cached",
    }
    assert _wheels(tmp_path / "wh") == ["alpha-1.0-py3-none-any.whl"]
    assert len(list((tmp_path / "wh" / ".wheelmill" / "logs").iterdir())) == 1


def test_download_only_targets_fetch_wheels_and_name_source_builds(
    local_index: LocalIndex, tmp_path: Path
) -> None:
    mac = resolve_target("3.12/macosx_11_0_arm64")
    windows = resolve_target("3.12/win_amd64")
    src = tmp_path / "src"
    local_index.add(make_wheel(src, "fast", "1.0", tag="cp312-cp312-macosx_11_0_arm64"))
    local_index.add(make_wheel(src, "fast", "1.0", tag="cp312-cp312-win_amd64"))
    local_index.add(make_wheel(src, "pure", "1.0"))
    local_index.add(make_sdist("pure-ok", src, name="slow", version="1.0"))
    lock = "".join(local_index.lock_line(n, "1.0") for n in ("fast", "pure", "slow"))
    lock += 'winonly==1.0 ; sys_platform == "win32"\n'
    report = _run(lock, local_index, tmp_path / "wh", targets=[mac, windows])
    assert _statuses(report) == {
        ("fast", mac.name): "fetched",
        ("fast", windows.name): "fetched",
        ("pure", mac.name): "fetched",
        ("pure", windows.name): "cached",
        ("slow", mac.name): "no-wheel",
        ("slow", windows.name): "no-wheel",
        ("winonly", mac.name): "not-applicable",
        ("winonly", windows.name): "failed",  # applies there, and the index lacks it
    }
    slow = next(r for r in report.failures if r.name == "slow")
    assert "would build it from source" in str(slow.error)
    assert "slow-1.0-py3-none-any.whl" not in _wheels(tmp_path / "wh")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("3.99", "no such interpreter found"),
        ("3.12/solaris_sparc", "is not one wheelmill knows"),
        ("/no/such/python", "neither a Python version"),
    ],
)
def test_bad_targets_are_one_clear_error(spec: str, message: str, tmp_path: Path) -> None:
    lock = tmp_path / "lock.txt"
    lock.write_text("six==1.16.0\n")
    result = cli_runner().invoke(
        cli,
        ["build", str(lock), "-w", str(tmp_path / "wh"), "--target", spec],
        prog_name="wheelmill",
    )
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_targets_from_the_config_resolve(tmp_path: Path) -> None:
    config = _config(f'targets = ["current", "{OTHER}", "3.13/win_amd64"]', tmp_path)
    from wheelmill.cli._options import targets_of

    names = [t.name for t in targets_of(config, ())]
    other = OTHER.replace(".", "")
    assert names == [current_target().name, f"cp{other}-linux_x86_64", "cp313-win_amd64"]


# -- overrides -------------------------------------------------------------------------------


def test_package_overrides_rebuild_exactly_that_pin(
    local_index: LocalIndex, tmp_path: Path
) -> None:
    for name in ("alpha", "beta"):
        local_index.add(make_sdist("pure-ok", tmp_path / "src", name=name, version="1.0"))
    lock = local_index.lock_line("alpha", "1.0") + local_index.lock_line("beta", "1.0")
    wheelhouse = tmp_path / "wh"
    first = _config('[packages.alpha]\nenv = { SAMPLE_ENV = "one" }\n', tmp_path)
    report = _run(lock, local_index, wheelhouse, settings=first.settings_for)
    assert {r.status for r in report.results} == {"built"}
    assert "ENV = 'one'" in _module(wheelhouse, "alpha-1.0-py3-none-any.whl", "alpha.py")
    second = _config(
        '[packages.Alpha]\nenv = { SAMPLE_ENV = "two" }\nconfig_settings = { greeting = "hey" }\n',
        tmp_path,
    )
    again = _run(lock, local_index, wheelhouse, settings=second.settings_for)
    assert [(r.name, r.status) for r in again.results] == [("alpha", "built"), ("beta", "cached")]
    module = _module(wheelhouse, "alpha-1.0-py3-none-any.whl", "alpha.py")
    assert "ENV = 'two'" in module and "GREETING = 'hey'" in module


def test_skip_and_from_source(local_index: LocalIndex, tmp_path: Path) -> None:
    src = tmp_path / "src"
    local_index.add(make_wheel(src, "alpha", "1.0"))
    local_index.add(make_sdist("pure-ok", src, name="alpha", version="1.0"))
    local_index.add(make_wheel(src, "beta", "1.0"))
    lock = local_index.lock_line("alpha", "1.0") + local_index.lock_line("beta", "1.0")
    config = _config(
        "[packages.alpha]\nfrom_source = true\n[packages.beta]\nskip = true\n", tmp_path
    )
    report = _run(lock, local_index, tmp_path / "wh", settings=config.settings_for)
    assert [(r.name, r.status) for r in report.results] == [
        ("alpha", "built"),
        ("beta", "skipped"),
    ]
    assert "GREETING" in _module(tmp_path / "wh", "alpha-1.0-py3-none-any.whl", "alpha.py")


def test_extra_build_requirements_and_constraints(local_index: LocalIndex, tmp_path: Path) -> None:
    src = tmp_path / "src"
    local_index.add(make_wheel(src, "sample-build-helper", "1.0"))
    local_index.add(make_wheel(src, "sample-build-helper", "2.0", code="BROKEN = True"))
    local_index.add(make_sdist("needs-extra", src, name="gamma", version="1.0"))
    lock = local_index.lock_line("gamma", "1.0")
    bare = _run(lock, local_index, tmp_path / "wh1")
    assert "Cannot import 'backend'" in str(bare.failures[0].error)
    assert "No module named 'sample_build_helper'" in Path(str(bare.failures[0].log)).read_text()
    unconstrained = _config(
        '[packages.gamma]\nbuild_requires = ["sample-build-helper"]\n', tmp_path
    )
    broken = _run(lock, local_index, tmp_path / "wh2", settings=unconstrained.settings_for)
    assert "constrain it to <2" in Path(str(broken.failures[0].log)).read_text()
    constrained = _config(
        '[build]\nconstraints = ["sample-build-helper<2"]\n'
        '[packages.gamma]\nbuild_requires = ["sample-build-helper"]\n',
        tmp_path,
    )
    fixed = _run(lock, local_index, tmp_path / "wh3", settings=constrained.settings_for)
    assert _statuses(fixed) == {("gamma", current_target().name): "built"}
    # The build requirement is now kept in the wheelhouse for later builds.
    kept = sorted(p.name for p in (tmp_path / "wh3" / ".wheelmill" / "build-deps").iterdir())
    assert kept == ["sample_build_helper-1.0-py3-none-any.whl"]


def test_offline_builds_use_only_what_the_wheelhouse_kept(
    local_index: LocalIndex, tmp_path: Path
) -> None:
    src = tmp_path / "src"
    local_index.add(make_wheel(src, "sample-build-helper", "1.0"))
    local_index.add(make_sdist("needs-build-dep", src, name="delta", version="1.0"))
    local_index.add(make_sdist("needs-build-dep", src, name="delta", version="2.0"))
    wheelhouse = tmp_path / "wh"
    first = _run(local_index.lock_line("delta", "1.0"), local_index, wheelhouse)
    assert first.results[0].status == "built"
    # Offline, with the helper gone from the index: 2.0 builds from what was kept.
    (local_index.files / "sample_build_helper-1.0-py3-none-any.whl").unlink()
    local_index.refresh()
    offline = BuildSettings(offline=True)
    second = _run(local_index.lock_line("delta", "2.0"), local_index, wheelhouse, settings=offline)
    assert second.results[0].status == "built", second.results[0].error


# -- the controlled environment and the proof ------------------------------------------------


def test_source_date_epoch_is_the_sdists_newest_file(
    local_index: LocalIndex, tmp_path: Path
) -> None:
    sdist = make_sdist("pure-ok", tmp_path / "src", name="alpha", version="1.0")
    with tarfile.open(sdist) as archive:
        newest = max(member.mtime for member in archive.getmembers())
    local_index.add(sdist)
    _run(local_index.lock_line("alpha", "1.0"), local_index, tmp_path / "wh")
    module = _module(tmp_path / "wh", "alpha-1.0-py3-none-any.whl", "alpha.py")
    assert f"SOURCE_DATE_EPOCH = '{max(int(newest), 315532800)}'" in module


def test_a_wheel_that_does_not_import_is_not_published(
    local_index: LocalIndex, tmp_path: Path
) -> None:
    local_index.add(make_sdist("pure-ok", tmp_path / "src", name="alpha", version="1.0"))
    settings = BuildSettings(env={"SAMPLE_BROKEN_IMPORT": "1"})
    report = _run(
        local_index.lock_line("alpha", "1.0"), local_index, tmp_path / "wh", settings=settings
    )
    (failure,) = report.failures
    assert failure.error == "import alpha failed: RuntimeError: broken at import"
    assert _wheels(tmp_path / "wh") == []
    log = Path(str(failure.log)).read_text()
    assert "Traceback" in log and "broken at import" in log
    from wheelmill.store.catalog import Catalog

    (row,) = Catalog(tmp_path / "wh" / ".wheelmill" / "catalog.sqlite").attempts("alpha")
    assert row.category == "import-failed"
    # Without the check the same wheel would have been published.
    unchecked = BuildSettings(env={"SAMPLE_BROKEN_IMPORT": "1"}, import_check=False)
    report = _run(
        local_index.lock_line("alpha", "1.0"),
        local_index,
        tmp_path / "wh",
        settings=unchecked,
        retry_failed=True,
    )
    assert [r.status for r in report.results] == ["built"]


def test_memory_cap_stops_a_hungry_build(local_index: LocalIndex, tmp_path: Path) -> None:
    local_index.add(make_sdist("pure-ok", tmp_path / "src", name="alpha", version="1.0"))
    settings = BuildSettings(memory_mb=600, env={"SAMPLE_ALLOCATE_MB": "2000"})
    report = _run(
        local_index.lock_line("alpha", "1.0"), local_index, tmp_path / "wh", settings=settings
    )
    (failure,) = report.failures
    assert "MemoryError" in Path(str(failure.log)).read_text()


def test_a_compiler_upgrade_rebuilds_compiled_wheels_only(
    local_index: LocalIndex, tmp_path: Path
) -> None:
    tag = next(t for t in current_target().tags if t.platform != "any")
    compiled_tag = f"{tag.interpreter}-{tag.abi}-{tag.platform}"
    for name in ("native", "pure"):
        local_index.add(make_sdist("pure-ok", tmp_path / "src", name=name, version="1.0"))
    config = _config(f'[packages.native]\nenv = {{ SAMPLE_TAG = "{compiled_tag}" }}\n', tmp_path)
    lock = local_index.lock_line("native", "1.0") + local_index.lock_line("pure", "1.0")
    wheelhouse = tmp_path / "wh"
    _run(lock, local_index, wheelhouse, settings=config.settings_for)
    # Pretend both were built with yesterday's compilers.
    for record in (wheelhouse / ".wheelmill" / "records").glob("*.json"):
        data = json.loads(record.read_text())
        if data.get("toolchain"):
            data["toolchain"] = "yesterday"
            record.write_text(json.dumps(data))
    again = _run(lock, local_index, wheelhouse, settings=config.settings_for)
    assert [(r.name, r.status) for r in again.results] == [("native", "built"), ("pure", "cached")]


def test_toolchain_fingerprint_follows_the_compilers(tmp_path: Path) -> None:
    fake = tmp_path / "bin"
    fake.mkdir()
    script = fake / "cc"
    script.write_text("#!/bin/sh\necho 'cc (Fake) 99.0'\n")
    script.chmod(0o755)
    real = toolchain_fingerprint()
    faked = toolchain_fingerprint({"PATH": f"{fake}{os.pathsep}{os.environ['PATH']}"})
    assert real != faked
    assert real == toolchain_fingerprint()


def test_the_fingerprint_is_cached_by_the_compilers_files(tmp_path: Path) -> None:
    """Asked once per set of compiler files: a compiler replaced in place, or another put
    first on PATH, is asked again."""
    fake = tmp_path / "bin"
    fake.mkdir()
    calls = tmp_path / "calls"
    script = fake / "cc"
    script.write_text(f"#!/bin/sh\necho x >> {calls}\necho 'cc (Fake) 99.0'\n")
    script.chmod(0o755)
    env = {"PATH": f"{fake}{os.pathsep}{os.environ['PATH']}"}
    cache = tmp_path / "toolchain.json"
    first = toolchain_fingerprint(env, cache=cache)
    assert first == toolchain_fingerprint(env)  # the same digest as a probe
    _version_of.cache_clear()  # (the process's own memory of versions)
    assert toolchain_fingerprint(env, cache=cache) == first
    assert calls.read_text().count("x") == 1
    script.write_text(f"#!/bin/sh\necho x >> {calls}\necho 'cc (Fake) 100.0'\n")
    assert toolchain_fingerprint(env, cache=cache) != first
    assert calls.read_text().count("x") == 2
    assert toolchain_fingerprint(cache=cache) == toolchain_fingerprint()  # PATH: another cc
    cache.write_text("not json")
    assert toolchain_fingerprint(env, cache=cache) != first


# -- doctor ----------------------------------------------------------------------------------


def test_doctor_reports_tools_headers_and_libraries(tmp_path: Path) -> None:
    result = cli_runner().invoke(cli, ["doctor", "--json"], prog_name="wheelmill")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    (target,) = data["targets"]
    assert target["name"] == current_target().name
    found = {item["name"]: item for item in data["tools"]}
    assert found["cc"]["ok"] and found["cc"]["version"]
    assert target["python_headers"]["ok"]
    libraries = {item["name"] for item in data["libraries"]}
    assert {"pkg-config: cairo", "pkg-config: libffi"} <= libraries  # from the knowledge base
    human = cli_runner().invoke(cli, ["doctor"], prog_name="wheelmill")
    assert "C compiler" in human.stdout


def test_doctor_notices_a_missing_compiler(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("CC", raising=False)
    result = cli_runner().invoke(cli, ["doctor", "--json"], prog_name="wheelmill")
    found = {item["name"]: item for item in json.loads(result.stdout)["tools"]}
    assert not found["cc"]["ok"]


def test_a_failed_repair_keeps_the_wheel_out(local_index: LocalIndex, tmp_path: Path) -> None:
    # A "linux_x86_64" wheel with no shared library in it: auditwheel refuses it.
    tag = next(t for t in current_target().tags if t.platform.startswith("linux_"))
    local_index.add(make_sdist("pure-ok", tmp_path / "src", name="alpha", version="1.0"))
    settings = BuildSettings(repair="auditwheel", env={"SAMPLE_TAG": str(tag)})
    report = _run(
        local_index.lock_line("alpha", "1.0"), local_index, tmp_path / "wh", settings=settings
    )
    (failure,) = report.failures
    assert str(failure.error).startswith("auditwheel repair failed: ")
    assert "does not look like a platform wheel" in str(failure.error)
    assert _wheels(tmp_path / "wh") == []


def test_check_reproducible_names_the_wheels_that_differ(
    local_index: LocalIndex, tmp_path: Path
) -> None:
    for name in ("steady", "wobbly"):
        local_index.add(make_sdist("pure-ok", tmp_path / "src", name=name, version="1.0"))
    lock = tmp_path / "lock.txt"
    lock.write_text(local_index.lock_line("steady", "1.0") + local_index.lock_line("wobbly", "1.0"))
    config = tmp_path / "wheelmill.toml"
    config.write_text(
        f'wheelhouse = "wh"\nindex_url = "{local_index.url}"\n'
        '[packages.wobbly]\nenv = { SAMPLE_NONDETERMINISTIC = "1" }\n'
    )
    result = cli_runner().invoke(
        cli,
        ["build", str(lock), "--config", str(config), "--check-reproducible", "--json"],
        prog_name="wheelmill",
    )
    assert result.exit_code == 0, result.stderr
    found = {
        item["name"]: item["reproducible"] for item in json.loads(result.stdout)["reproducible"]
    }
    assert found == {"steady": True, "wobbly": False}
    # On a no-op run the wheels built earlier are checked too.
    human = cli_runner().invoke(
        cli,
        ["build", str(lock), "--config", str(config), "--check-reproducible"],
        prog_name="wheelmill",
    )
    assert "reproducible: 1 of 2 wheels built from source" in human.stdout
