"""As root, builds run as user ``nobody``; ``strict`` refuses in one line when they cannot.

wheelmill running as root (CI containers) would hand a build every file
whatever its mode; inside bubblewrap the build drops to uid 65534 with
``setpriv``. These tests run the real thing where wheelmill runs as root with
bubblewrap and ``setpriv`` (CI installs both), and say why they skip elsewhere.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import LocalIndex, make_sdist
from wheelmill._exceptions import SandboxUnavailable
from wheelmill.build._sandbox import _probe, available, choose_sandbox
from wheelmill.build.batch import BuildReport, prebuild
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


def _as_nobody() -> bool:
    return os.geteuid() == 0 and available()[0].uid == 65534


needs_nobody = pytest.mark.skipif(
    not (os.geteuid() == 0 and shutil.which("bwrap") and shutil.which("setpriv")),
    reason="runs as root with bubblewrap and setpriv only",
)


@pytest.fixture
def visible_dir() -> Iterator[Path]:
    """A directory outside the masked ones (homes, temp dirs): the sandbox shows it."""
    path = Path(tempfile.mkdtemp(prefix=".root-", dir=Path(__file__).parent))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _build(index: LocalIndex, case: str, wheelhouse: Path, **settings: object) -> BuildReport:
    index.add(make_sdist(case, wheelhouse.parent / "src", name="alpha", version="1.0"))
    return prebuild(
        parse_pins(index.lock_line("alpha", "1.0")),
        Store(wheelhouse),
        targets=[current_target()],
        settings=BuildSettings(**settings),  # type: ignore[arg-type]
        index_url=index.url,
        rules=LazyRules(),
    )


@needs_nobody
def test_a_build_as_nobody_cannot_read_a_file_only_root_may(
    local_index: LocalIndex, tmp_path: Path, visible_dir: Path
) -> None:
    assert _as_nobody(), available()[0].describe()
    secret = visible_dir / "root-only.txt"
    secret.write_text("root-only-secret-4a7e\n")
    secret.chmod(0o600)  # root reads it whatever its mode; nobody does not
    report = _build(
        local_index, "reads-secrets", tmp_path / "wh", env={"SAMPLE_SECRET_FILE": str(secret)}
    )
    (result,) = report.results
    assert result.status == "built", report.failures
    assert result.attempt is not None and result.attempt.log
    log = Path(result.attempt.log).read_text("utf-8")
    assert "uid 65534" in log
    assert "<PermissionError>" in log
    assert "root-only-secret-4a7e" not in log


@needs_nobody
def test_a_build_directory_nobody_cannot_enter_is_said_or_refused(
    local_index: LocalIndex, visible_dir: Path
) -> None:
    closed = visible_dir / "closed"
    closed.mkdir(mode=0o700)
    closed.chmod(0o700)
    # auto: the build runs as root inside bubblewrap, and its log says why and what to do.
    report = _build(local_index, "pure-ok", closed / "wh")
    (result,) = report.results
    assert result.status == "built", report.failures
    assert result.attempt is not None and result.attempt.log
    log = Path(result.attempt.log).read_text("utf-8")
    assert f"as root: user nobody cannot enter {closed}" in log
    assert f"chmod o+x {closed}" in log
    # strict: refused, one line naming the fix.
    refused = _build(local_index, "pure-ok", closed / "strict", sandbox="strict")
    (failure,) = refused.failures
    assert failure.attempt is not None
    error = failure.attempt.error or ""
    assert "\n" not in error
    assert 'sandbox = "strict" runs builds as user nobody' in error
    assert f"chmod o+x {closed}" in error


@needs_nobody
def test_strict_as_root_without_setpriv_names_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A PATH with bubblewrap and unshare but no setpriv.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for program in ("bwrap", "unshare"):
        found = shutil.which(program)
        assert found is not None
        (bin_dir / program).symlink_to(found)
    monkeypatch.setenv("PATH", str(bin_dir))
    best = available(sys.executable)[0]
    assert best.tier == "bubblewrap" and best.uid is None
    assert "setpriv is missing" in best.describe()
    with pytest.raises(SandboxUnavailable) as refused:
        choose_sandbox("strict", sys.executable)
    message = str(refused.value)
    assert "\n" not in message
    assert "install util-linux" in message and "apt-get install util-linux" in message
    assert choose_sandbox("auto", sys.executable).tier == "bubblewrap"  # auto still builds


def test_strict_with_a_bubblewrap_that_cannot_start_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "bwrap"  # installed, but the kernel forbids its namespaces
    broken.write_text(
        "#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n"
    )
    broken.chmod(0o755)
    monkeypatch.setenv("WHEELMILL_BWRAP", str(broken))
    with pytest.raises(SandboxUnavailable) as refused:
        choose_sandbox("strict", sys.executable)
    message = str(refused.value)
    assert "\n" not in message
    assert "bubblewrap is installed but cannot create user namespaces" in message
    monkeypatch.setenv("WHEELMILL_BWRAP", "")
    _probe.cache_clear()
    with pytest.raises(SandboxUnavailable, match="apt-get install bubblewrap"):
        choose_sandbox("strict", sys.executable)
