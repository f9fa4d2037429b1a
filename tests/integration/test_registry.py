"""The whole flow on real sdists and wheels from the registry (network-marked).

lock → build → publish → serve, then real pip and real uv install binary-only
from the served index into fresh environments, and pip from the flat
find-links directory, and the installed modules import; `verify` proves the
lock, and the `export`ed lock installs with --require-hashes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import client_env
from wheelmill.lockfile.pins import read_pins
from wheelmill.serve.server import BackgroundServer

pytestmark = pytest.mark.network

REQUIREMENTS = """\
docopt        # sdist only, pure Python
crcmod        # sdist only, C extension
netifaces     # sdist only, C extension
sgmllib3k     # sdist only, pure Python
six           # wheel on the index
idna          # wheel on the index
"""
MODULES = ["docopt", "crcmod", "netifaces", "sgmllib", "six", "idna"]


def wheelmill(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wheelmill", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=900,
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    work = tmp_path_factory.mktemp("registry")
    (work / "requirements.in").write_text(REQUIREMENTS)
    locked = wheelmill("lock", "requirements.in", "-o", "requirements.txt", cwd=work)
    assert locked.returncode == 0, locked.stderr
    build = wheelmill("build", "requirements.txt", "-w", "wh", "--json", cwd=work)
    assert build.returncode == 0, build.stdout + build.stderr
    statuses = {p["name"]: p["status"] for p in json.loads(build.stdout)["pins"]}
    assert statuses == {
        "docopt": "built",
        "crcmod": "built",
        "netifaces": "built",
        "sgmllib3k": "built",
        "six": "fetched",
        "idna": "fetched",
    }
    published = wheelmill("publish", "-w", "wh", cwd=work)
    assert published.returncode == 0, published.stderr
    # The lock's hashes are those of the upstream files; a built wheel has its own,
    # which pip and uv check against the index's #sha256 fragments. So installs
    # use the pins without the upstream hashes.
    pins = read_pins(work / "requirements.txt")
    (work / "pins.txt").write_text("".join(f"{p.spec}\n" for p in pins))
    yield work / "pins.txt", work / "wh"


def _fresh_python(path: Path) -> Path:
    venv.EnvBuilder(with_pip=True).create(path)
    return path / "bin" / "python"


def _imports_ok(python: Path) -> None:
    code = "; ".join(f"import {m}" for m in MODULES)
    subprocess.run([str(python), "-c", code], check=True, env=client_env())


def test_second_build_needs_no_network_and_builds_nothing(built: tuple[Path, Path]) -> None:
    lock, wheelhouse = built
    again = wheelmill(
        "build",
        "requirements.txt",
        "-w",
        wheelhouse,
        "--json",
        "--index-url",
        "http://127.0.0.1:9/",
        cwd=lock.parent,
    )
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["counts"]["cached"] == 6


def test_pip_installs_binary_only_from_the_served_index(
    built: tuple[Path, Path], tmp_path: Path
) -> None:
    lock, wheelhouse = built
    python = _fresh_python(tmp_path / "venv")
    with BackgroundServer(wheelhouse) as server:
        subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--only-binary",
                ":all:",
                "--index-url",
                server.url,
                "-r",
                str(lock),
            ],
            check=True,
            env=client_env(),
        )
    _imports_ok(python)


def test_uv_installs_binary_only_from_the_served_index(
    built: tuple[Path, Path], tmp_path: Path
) -> None:
    from uv import find_uv_bin

    lock, wheelhouse = built
    uv = find_uv_bin()
    target = tmp_path / "uvenv"
    subprocess.run(
        [uv, "venv", "--python", sys.executable, str(target)],
        check=True,
        env=client_env(),
        capture_output=True,
    )
    with BackgroundServer(wheelhouse) as server:
        subprocess.run(
            [
                uv,
                "pip",
                "install",
                "--python",
                str(target / "bin" / "python"),
                "--only-binary",
                ":all:",
                "--index-url",
                server.url,
                "--no-cache",
                "-r",
                str(lock),
            ],
            check=True,
            env=client_env(),
        )
    _imports_ok(target / "bin" / "python")


def test_pip_installs_from_the_flat_directory(built: tuple[Path, Path], tmp_path: Path) -> None:
    lock, wheelhouse = built
    python = _fresh_python(tmp_path / "venv")
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--only-binary",
            ":all:",
            "--no-index",
            "--find-links",
            str(wheelhouse / "wheels"),
            "-r",
            str(lock),
        ],
        check=True,
        env=client_env(),
    )
    _imports_ok(python)


def test_verify_proves_the_real_lock(built: tuple[Path, Path]) -> None:
    lock, wheelhouse = built
    done = wheelmill("verify", "requirements.txt", "-w", wheelhouse, "--json", cwd=lock.parent)
    assert done.returncode == 0, done.stdout + done.stderr
    (target,) = json.loads(done.stdout)["targets"]
    assert (target["covered"], target["total"], target["proved"]) == (6, 6, True)


def test_exported_lock_installs_with_require_hashes(
    built: tuple[Path, Path], tmp_path: Path
) -> None:
    """What CI does: the exported lock, --require-hashes, a served index, pip and uv."""
    from uv import find_uv_bin

    lock, wheelhouse = built
    exported = tmp_path / "requirements.binary.txt"
    work = lock.parent
    done = wheelmill("export", "requirements.txt", "-w", wheelhouse, "-o", exported, cwd=work)
    assert done.returncode == 0, done.stderr
    python = _fresh_python(tmp_path / "venv")
    uv_target = tmp_path / "uvenv"
    subprocess.run(
        [find_uv_bin(), "venv", "--python", sys.executable, str(uv_target)],
        check=True, env=client_env(), capture_output=True,
    )  # fmt: skip
    flags = ["--require-hashes", "--only-binary", ":all:", "-r", str(exported)]
    with BackgroundServer(wheelhouse) as server:
        subprocess.run(
            [str(python), "-m", "pip", "install", "--index-url", server.url, *flags],
            check=True, env=client_env(),
        )  # fmt: skip
        subprocess.run(
            [find_uv_bin(), "pip", "install", "--python", str(uv_target / "bin" / "python"),
             "--no-cache", "--index-url", server.url, *flags],
            check=True, env=client_env(),
        )  # fmt: skip
    _imports_ok(python)
    _imports_ok(uv_target / "bin" / "python")
