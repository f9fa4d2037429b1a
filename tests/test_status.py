"""The static status page: its content, its escaping, who writes it, and a real browser.

The browser test renders the page with headless Chromium (installed by
``.ci/run``; skipped when missing, failed when missing under ``CI=true``) and
keeps the screenshot at ``tests/artifacts/status.png``.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import Result

from conftest import LocalIndex, cli_runner, make_wheel, mixed_wheelhouse
from system_tools import require_tool
from wheelmill.cli import cli
from wheelmill.diagnose.diagnosis import Diagnosis, FirstError, Fix, SystemPackages
from wheelmill.index.statuspage import collect_status, write_status_page
from wheelmill.store.attempt import Attempt
from wheelmill.store.catalog import Catalog
from wheelmill.store.wheelhouse import Store
from wheelmill.target import current_target, resolve_target

ARTIFACTS = Path(__file__).parent / "artifacts"
HOSTILE = '<script>alert("x")</script>'


def invoke(*args: str | Path) -> Result:
    return cli_runner().invoke(cli, [str(a) for a in args], prog_name="wheelmill")


class _Cells(HTMLParser):
    """Table rows as lists of cell texts, and whether any <script> or external asset appears."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.external: list[str] = []
        self.scripts = 0
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "script":
            self.scripts += 1
        for name, value in attrs:
            if name in ("src", "href") and value and not value.startswith("#"):
                self.external.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once for the module; the tests only read it."""
    tmp_path = tmp_path_factory.mktemp("status")
    _, root = mixed_wheelhouse(LocalIndex(tmp_path / "index"), tmp_path)
    store = Store(root)
    Catalog(store.catalog_path).add(
        Attempt(
            "k", "failed", "evil", "0.1", current_target().name, "built",
            error=HOSTILE, duration=2.5, created=time.time(),
            diagnosis=Diagnosis(
                rule=None, category="unknown", subject=None,
                first_error=FirstError(3, "<b>bold</b> & more"), summary="",
            ),
        )
    )  # fmt: skip
    diagnosis = Diagnosis(
        rule="sysdep/pg-config",
        category="sysdep-missing",
        subject="pg_config",
        first_error=FirstError(12, "Error: pg_config executable not found."),
        summary="pg_config not found: the PostgreSQL client headers are missing",
        fixes=(Fix("Install libpq's development package.", 0.9),),
        system_packages=(
            SystemPackages("debian", ("libpq-dev",), "apt-get install -y libpq-dev"),
            SystemPackages("fedora", ("libpq-devel",), "dnf install -y libpq-devel"),
        ),
    )
    Catalog(store.catalog_path).add(
        Attempt(
            "k2", "failed", "psycopg2", "2.9.9", current_target().name, "built",
            category="sysdep-missing", diagnosis=diagnosis, created=time.time(),
        )
    )  # fmt: skip
    make_wheel(store.wheels, "stray", "9.9")  # no attempt knows it
    return write_status_page(store)


def test_matrix_names_every_state_in_words(page: Path) -> None:
    here = current_target().name
    mac = resolve_target("3.12/macosx_11_0_arm64").name
    parser = _Cells()
    parser.feed(page.read_text("utf-8"))
    header, *rows = parser.rows
    assert header == ["package", "version", here, mac]
    table = {row[0]: row[2:] for row in rows}
    assert table["pure"] == ["↓ fetched", "↓ fetched"]
    assert table["fast"] == ["↓ fetched", "↓ fetched"]
    assert table["slow"][0].startswith("✓ built ") and table["slow"][0].endswith("s")
    assert table["slow"][1] == "✓ built (same wheel)"
    assert table["broken"][0].startswith("✗ failed") and table["broken"][1] == "! missing"
    assert table["evil"] == ["✗ failed 2.5s", "\u2013 not tried"]
    assert parser.scripts == 0 and parser.external == []


def test_failures_carry_cause_first_error_fix_and_install_command(page: Path) -> None:
    text = page.read_text("utf-8")
    assert "C header missing.h not found (sysdep/missing-header, sysdep-missing)" in text
    assert "fatal error: missing.h: No such file or directory" in text
    assert "fix: Install the development package that provides missing.h" in text
    assert (
        "fix: Install libpq&#x27;s development package. "
        "(hand-written estimate: works 90% of the time)"
    ) in text
    assert "install the missing system package:" in text
    assert "debian: apt-get install -y libpq-dev\nfedora: dnf install -y libpq-devel" in text
    assert "no wheel for cp312-macosx_11_0_arm64 on the index" in text
    assert "Last built: <b>20" in text
    assert "stray-9.9-py3-none-any.whl" in text  # listed as unaccounted for


def test_the_install_line_uses_the_exported_lock(page: Path) -> None:
    """A hashed lock's sdist hashes never match a built wheel: install from `wheelmill export`."""
    text = " ".join(page.read_text("utf-8").split())
    root = page.parent.parent
    assert (
        f"wheelmill export requirements.txt --wheelhouse {root} -o requirements.binary.txt" in text
    )
    assert (
        "pip install --require-hashes --only-binary :all: --index-url "
        "https://&lt;this host&gt;/simple/ -r requirements.binary.txt"
    ) in text
    assert "-r requirements.txt" not in text


def test_everything_from_the_wheelhouse_is_escaped(page: Path) -> None:
    text = page.read_text("utf-8")
    assert HOSTILE not in text and "<b>bold</b>" not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in text
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; more" in text


def test_publish_and_run_write_it_atomically(tmp_path: Path) -> None:
    store = Store(tmp_path / "wh").create()
    make_wheel(store.wheels, "alpha", "1.0")
    result = invoke("publish", "-w", store.root)
    assert result.exit_code == 0, result.output
    page = store.root / "status" / "index.html"
    assert f"status page: {page}" in result.stdout
    assert "alpha-1.0-py3-none-any.whl" in page.read_text("utf-8")
    assert sorted(p.name for p in page.parent.iterdir()) == ["index.html"]  # no temp file left
    assert collect_status(store).last_built is None


def test_run_writes_it(local_index: LocalIndex, tmp_path: Path) -> None:
    local_index.add(make_wheel(tmp_path / "src", "beta", "2.0"))
    (tmp_path / "lock.txt").write_text(local_index.lock_line("beta", "2.0"))
    config = tmp_path / "wheelmill.toml"
    config.write_text(f'requirements = "lock.txt"\nindex_url = "{local_index.url}"\n')
    result = invoke("run", "--config", config, "--json")
    assert result.exit_code == 0, result.output
    page = tmp_path / "wheelhouse" / "status" / "index.html"
    assert page.is_file() and "↓ fetched" in page.read_text("utf-8")


# -- in a real browser ------------------------------------------------------------------


def _chromium() -> str | None:
    """Chromium when installed (``.ci/run`` installs it); else None."""
    return next(
        (shutil.which(name) for name in ("chromium", "chromium-browser") if shutil.which(name)),
        None,
    )


@pytest.mark.parametrize("ci", ["true", ""])
def test_a_missing_tool_skips_outside_ci_and_fails_in_ci(
    ci: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", ci)
    expected = pytest.fail.Exception if ci else pytest.skip.Exception
    with pytest.raises(expected, match="install the 'chromium' package"):
        require_tool(None, "chromium", "chromium")
    assert require_tool("/usr/bin/chromium", "chromium", "chromium") == "/usr/bin/chromium"


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_a_headless_browser_renders_it(page: Path, tmp_path: Path) -> None:
    browser = require_tool(_chromium(), "chromium", "chromium")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "status.png"
    shot.unlink(missing_ok=True)
    done = subprocess.run(
        [
            browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={shot}", "--window-size=1280,900", page.as_uri(),
        ],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.is_file() and shot.stat().st_size > 20_000  # a rendered page, not a blank one
    assert _png_size(shot) == (1280, 900)
    print(f"screenshot: {shot}")
