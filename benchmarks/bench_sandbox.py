"""What the build sandbox costs: cold builds of sample sdists, sandbox on vs off.

Packs a few of the test suite's sample projects (``tests/packages/``, in-tree
backends: no network needed) as sdists on a ``file://`` index, then times
``prebuild`` of all of them into a fresh wheelhouse, in-process, alternating
``sandbox = "auto"`` (the strongest tier here) and ``sandbox = "off"`` run by
run, so drift on a shared machine hits both alike. Each build includes
creating its isolated environment and the import check, as a real cold build
does. Prints medians, the spread (min-max) and the overhead.

Target: the sandbox adds < 10 % to a cold build. These builds are tiny (the
backends do almost nothing), so the figure is the sandbox's fixed cost per
build against the smallest possible build: an upper bound for real packages.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import shutil
import tarfile
import time
from pathlib import Path

from _common import ROOT, WORK, machine_line, main_guard, median, print_table, seconds, verdict

from wheelmill.build._sandbox import available
from wheelmill.build.batch import prebuild
from wheelmill.config import BuildSettings
from wheelmill.lockfile.pins import parse_pins
from wheelmill.store.wheelhouse import Store
from wheelmill.target import current_target

PACKAGES = ROOT / "tests" / "packages"
CASES = ("pure-ok", "writes-outside", "reads-secrets", "phones-home")
TARGET = 0.10


def _sdist(case: str, name: str, directory: Path) -> Path:
    dist = f"{name}-1.0"
    path = directory / f"{dist}.tar.gz"
    pkg_info = f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n".encode()
    with tarfile.open(path, "w:gz") as archive:
        for source in sorted((PACKAGES / case).iterdir()):
            if source.name != "__pycache__":
                archive.add(source, arcname=f"{dist}/{source.name}")
        archive.add(PACKAGES / "_sample_backend.py", arcname=f"{dist}/sample_backend.py")
        info = tarfile.TarInfo(f"{dist}/PKG-INFO")
        info.size = len(pkg_info)
        archive.addfile(info, io.BytesIO(pkg_info))
    return path


def _index(root: Path) -> tuple[str, str]:
    """A ``file://`` index of the sample sdists; its URL and a hashed lock of them."""
    files = root / "files"
    files.mkdir(parents=True)
    lock = ""
    for number, case in enumerate(CASES):
        name = f"bench{number}"
        sdist = _sdist(case, name, files)
        digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
        page = root / "simple" / name
        page.mkdir(parents=True)
        link = f'<a href="../../files/{sdist.name}#sha256={digest}">{sdist.name}</a>'
        (page / "index.html").write_text(f"<!DOCTYPE html><html><body>{link}</body></html>")
        lock += f"{name}==1.0 --hash=sha256:{digest}\n"
    return (root / "simple").as_uri() + "/", lock


def _cold_build(url: str, lock: str, wheelhouse: Path, sandbox: str) -> float:
    shutil.rmtree(wheelhouse, ignore_errors=True)
    settings = BuildSettings(sandbox=sandbox, env={"SAMPLE_PORT": "9", "SAMPLE_ESCAPE": ""})
    start = time.perf_counter()
    report = prebuild(
        parse_pins(lock), Store(wheelhouse), targets=[current_target()], settings=settings,
        index_url=url, jobs=1,
    )  # fmt: skip
    elapsed = time.perf_counter() - start
    if report.failures:
        raise SystemExit(f"a sample build failed: {report.failures[0]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=9, help="timed runs per mode (default 9)")
    parser.add_argument("--quick", action="store_true", help="3 runs per mode")
    args = parser.parse_args()
    runs = 3 if args.quick else args.runs
    print(machine_line())
    tier = available()[0]
    print(f"sandbox tier (auto): {tier.describe()}")
    work = WORK / "sandbox"
    shutil.rmtree(work, ignore_errors=True)
    url, lock = _index(work / "index")
    times: dict[str, list[float]] = {"auto": [], "off": []}
    _cold_build(url, lock, work / "wh", "auto")  # warm the interpreter, the probe and caches
    for run in range(runs):
        for mode in ("auto", "off") if run % 2 == 0 else ("off", "auto"):
            times[mode].append(_cold_build(url, lock, work / "wh", mode))
    on, off = median(times["auto"]), median(times["off"])
    overhead = on / off - 1
    rows = [
        [mode, seconds(median(values)), f"{seconds(min(values))}-{seconds(max(values))}"]
        for mode, values in times.items()
    ]
    print(f"{len(CASES)} sdists, cold wheelhouse, {runs} runs each (alternating)")
    print_table(["sandbox", "median", "spread"], rows)
    print(
        f"overhead: {overhead:+.1%} ({seconds(on - off)} for {len(CASES)} builds, "
        f"{seconds((on - off) / len(CASES))} each); target < {TARGET:.0%}: "
        f"{verdict(overhead < TARGET)}"
    )


if __name__ == "__main__":
    main_guard(main)
