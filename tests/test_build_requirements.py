"""Build requirements that exist only as sdists build like any pin: sandboxed, offline.

``gamma`` (the ``needs-build-dep`` sample) requires ``sample-build-helper`` in
its ``[build-system]``; the local index offers the helper as an sdist only.
wheelmill builds the helper first, by the same path and in the same sandbox as
a pin, then gamma with the helper's wheel. A hostile helper (the
``phones-home`` sample) tries to reach a listener the test runs: no connection
arrives. The frontend installs binary only, so a requirement the backend asks
for while the build runs is never built outside the sandbox either: wheelmill
builds it the same way and builds the pin again.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import LocalIndex, make_sdist
from test_sandbox import _Listener
from wheelmill.build._builddeps import pick_sdist, wheel_less
from wheelmill.build._sandbox import _probe, available
from wheelmill.build.batch import BuildReport, prebuild
from wheelmill.build.sdist import build_environment
from wheelmill.build.upstream import RemoteFile
from wheelmill.config import BuildSettings
from wheelmill.diagnose.remedy import LazyRules
from wheelmill.lockfile.pins import parse_pins
from wheelmill.store.wheelhouse import Store
from wheelmill.target import current_target

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux sandboxes")


@pytest.fixture(autouse=True)
def _fresh_probe() -> Iterator[None]:
    _probe.cache_clear()
    yield
    _probe.cache_clear()


@pytest.fixture
def port_listener() -> Iterator[_Listener]:
    running = _Listener()
    yield running
    running.close()


def _build(index: LocalIndex, case: str, root: Path, **settings: object) -> BuildReport:
    index.add(make_sdist(case, root / "src", name="gamma", version="1.0"))
    return prebuild(
        parse_pins(index.lock_line("gamma", "1.0")),
        Store(root / "wh"),
        targets=[current_target()],
        settings=BuildSettings(**settings),  # type: ignore[arg-type]
        index_url=index.url,
        rules=LazyRules(),
    )


def _helper_log(text: str) -> str:
    """The helper's own build log, named in gamma's."""
    line = next(
        line for line in text.splitlines() if "wheelmill: built sample_build_helper" in line
    )
    return Path(line.rsplit("; log: ", 1)[1].rstrip(")")).read_text("utf-8")


def test_an_sdist_only_build_requirement_is_built_first_in_the_same_sandbox(
    local_index: LocalIndex, tmp_path: Path
) -> None:
    local_index.add(make_sdist("pure-ok", tmp_path / "src", name="sample-build-helper"))
    report = _build(local_index, "needs-build-dep", tmp_path)
    (result,) = report.results
    assert result.status == "built", report.failures
    assert result.attempt is not None and result.attempt.log
    log = Path(result.attempt.log).read_text("utf-8")
    assert "no wheel for build requirement sample-build-helper: building it from its sdist" in log
    # uv found no wheel for it and said so in its own words: pip's output named it
    assert "wheelmill: build requirements from the wheelhouse + index (pip): " in log
    # once built, the helper's wheel is here: uv resolves from the wheelhouse alone
    assert "wheelmill: build requirements from the wheelhouse (uv): " in log
    tier = result.attempt.sandbox
    assert tier == available()[0].tier
    assert f"wheelmill: built sample_build_helper-1.0-py3-none-any.whl (sandbox: {tier}; " in log
    helper = _helper_log(log)
    assert helper.startswith("wheelmill: building sample_build_helper-1.0.tar.gz")
    assert f"wheelmill: sandbox: {tier}" in helper
    deps = tmp_path / "wh" / ".wheelmill" / "build-deps"
    assert (deps / "sample_build_helper-1.0-py3-none-any.whl").is_file()
    # The next build finds the helper's wheel there: nothing is built again.
    local_index.add(make_sdist("pure-ok", tmp_path / "src2", name="delta"))
    again = _build(local_index, "needs-build-dep", tmp_path / "again")
    assert [r.status for r in again.results] == ["built"], again.failures


def test_a_hostile_build_requirement_is_contained(
    local_index: LocalIndex,
    tmp_path: Path,
    port_listener: _Listener,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws-secret-b1d4")
    local_index.add(make_sdist("phones-home", tmp_path / "src", name="sample-build-helper"))
    report = _build(
        local_index,
        "needs-build-dep",
        tmp_path,
        env={"SAMPLE_PORT": str(port_listener.port), "SAMPLE_ENV": "shown"},
    )
    assert [r.status for r in report.results] == ["built"], report.failures
    assert port_listener.connections == 0
    (result,) = report.results
    assert result.attempt is not None and result.attempt.log
    helper = _helper_log(Path(result.attempt.log).read_text("utf-8"))
    assert "phones-home: no connection" in helper
    assert "aws-secret-b1d4" not in helper


@pytest.mark.parametrize("installer", ["uv", "pip"])
def test_a_requirement_asked_for_during_the_build_is_built_first_too(
    local_index: LocalIndex, tmp_path: Path, port_listener: _Listener, installer: str
) -> None:
    # `asks-build-dep` names its requirement only from get_requires_for_build_wheel: the
    # installer refuses to build it (binary only), wheelmill builds it, sandboxed, and
    # builds the pin again.
    local_index.add(make_sdist("phones-home", tmp_path / "src", name="sample-build-helper"))
    env = {"SAMPLE_PORT": str(port_listener.port)}
    report = _build(local_index, "asks-build-dep", tmp_path, env=env, installer=installer)
    assert [r.status for r in report.results] == ["built"], report.failures
    assert port_listener.connections == 0
    (result,) = report.results
    assert result.attempt is not None and result.attempt.log
    log = Path(result.attempt.log).read_text("utf-8")
    assert "no wheel for build requirement sample-build-helper" in log
    assert "wheelmill: building again, with the requested build requirements built" in log
    helper = _helper_log(log)
    assert f"wheelmill: sandbox: {available()[0].tier}" in helper
    assert "phones-home: no connection" in helper
    # Nothing of the helper ran outside: its only output is in its own, sandboxed log.
    assert "phones-home" not in log


def test_the_frontend_installs_binary_only(tmp_path: Path) -> None:
    env = build_environment(
        BuildSettings(), index_url="file:///nowhere", find_links=(), scratch=tmp_path,
        cache=tmp_path,
    )  # fmt: skip
    assert env["PIP_ONLY_BINARY"] == ":all:"
    config = Path(env["UV_CONFIG_FILE"])
    assert config.parent == tmp_path  # the cache: outside the build directory
    assert config.read_text() == '[pip]\nonly-binary = [":all:"]\n'


def test_the_requirements_without_a_wheel_are_read_from_pip() -> None:
    output = (
        "ERROR: Could not find a version that satisfies the requirement cython<3 "
        "(from versions: none)\nERROR: No matching distribution found for cython<3\n"
        "ERROR: No matching distribution found for sample-build-helper\n"
    )
    assert [str(r) for r in wheel_less(output)] == ["cython<3", "sample-build-helper"]
    assert wheel_less("everything fine") == []


def test_the_newest_fitting_sdist_is_picked() -> None:
    from packaging.requirements import Requirement
    from packaging.specifiers import SpecifierSet

    files = [
        RemoteFile("helper-1.0.tar.gz", "u1"),
        RemoteFile("helper-2.0.tar.gz", "u2"),
        RemoteFile("helper-3.0.tar.gz", "u3", yanked=True),
        RemoteFile("helper-2.5.tar.gz", "u4", requires_python=">=4"),
        RemoteFile("helper-2.1-py3-none-any.whl", "u5"),
        RemoteFile("other-9.0.tar.gz", "u6"),
        RemoteFile("helper-2.2rc1.tar.gz", "u7"),
    ]
    target = current_target()
    chosen = pick_sdist(files, Requirement("helper"), target, SpecifierSet())
    assert chosen is not None and chosen.filename == "helper-2.0.tar.gz"
    narrowed = pick_sdist(files, Requirement("helper"), target, SpecifierSet("<2"))
    assert narrowed is not None and narrowed.filename == "helper-1.0.tar.gz"
    assert pick_sdist(files, Requirement("helper"), target, SpecifierSet(">5")) is None
