"""Generate small, valid synthetic wheels: a wheelhouse shaped like a real one.

Project ``i`` of ``n`` has versions ``1.0 … 1.(v-1)``. Every tenth project has a
mixed-case, dotted display name (``Synth.Pkg_0010``, file ``Synth_Pkg_0010-…``);
versions from ``1.2`` on declare ``Requires-Python: >=3.8``; the newest version
of most projects requires the previous project, so dependency chains run up to
nine deep. Each wheel is a few KB and has a correct ``RECORD``.
"""

from __future__ import annotations

import base64
import hashlib
import random
import shutil
import zipfile
from pathlib import Path

_STAMP = (2026, 1, 1, 0, 0, 0)
_WHEEL = (
    "Wheel-Version: 1.0\nGenerator: wheelmill-bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
)


def display_name(index: int) -> str:
    return f"Synth.Pkg_{index:04d}" if index % 10 == 0 else f"synth-pkg-{index:04d}"


def _dist_name(index: int) -> str:
    return f"Synth_Pkg_{index:04d}" if index % 10 == 0 else f"synth_pkg_{index:04d}"


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def write_wheel(directory: Path, index: int, version: str, *, newest: bool = False) -> Path:
    """Write the wheel of project ``index`` at ``version``; return its path."""
    dist = _dist_name(index)
    module = f"synth_pkg_{index:04d}"
    info = f"{dist}-{version}.dist-info"
    headers = [
        "Metadata-Version: 2.1",
        f"Name: {display_name(index)}",
        f"Version: {version}",
        f"Summary: synthetic package {index} for benchmarks",
    ]
    if version not in ("1.0", "1.1"):
        headers.append("Requires-Python: >=3.8")
    if newest and index % 10 != 0:
        headers.append(f"Requires-Dist: {display_name(index - 1)}>=1.0")
    metadata = ("\n".join(headers) + "\n\nA synthetic long description.\n").encode()
    rng = random.Random(f"{index}-{version}")
    words = [f"w{rng.randrange(5000)}" for _ in range(400)]
    files = {
        f"{module}/__init__.py": f"VERSION = {version!r}\nWORDS = {words!r}\n".encode(),
        f"{info}/METADATA": metadata,
        f"{info}/WHEEL": _WHEEL.encode(),
    }
    record = [_record_line(name, data) for name, data in files.items()] + [f"{info}/RECORD,,"]
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    path = directory / f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name, _STAMP), data, zipfile.ZIP_DEFLATED)
    return path


def wheelhouse(directory: Path, projects: int, versions: int) -> Path:
    """``directory`` filled with ``projects * versions`` wheels (made once, then reused)."""
    marker = directory / ".complete"
    if marker.is_file():
        return directory
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    for index in range(projects):
        for minor in range(versions):
            write_wheel(directory, index, f"1.{minor}", newest=minor == versions - 1)
    marker.touch()
    return directory


def link_tree(source: Path, target: Path) -> None:
    """A fresh ``target`` holding hard links to (or copies of) the wheels in ``source``."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for path in source.glob("*.whl"):
        try:
            (target / path.name).hardlink_to(path)
        except OSError:  # another file system
            shutil.copy2(path, target / path.name)
