"""The no-op rerun: ``wheelmill build`` on a settled lock versus a warm ``pip wheel``.

Locks a real requirements set (``team-web.in``: django, numpy, pandas, lxml,
psycopg2, cryptography, …) with ``wheelmill lock``, builds it once cold with
``wheelmill build LOCK -w WH`` and with ``pip wheel -r LOCK -w DIR`` (pip from a
clean venv, no pip configuration, its own cache), then times N reruns of each,
interleaved. Also checks that the no-op rerun needs no network: it must succeed
with a dead ``--index-url`` (and, where ``unshare -n`` works, with no network at all).

Target: the wheelmill no-op rerun >= 20x faster than the warm pip rerun.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
from pathlib import Path

from _common import (
    ROOT,
    WORK,
    SetupError,
    clean_env,
    dist_version,
    find_wheelmill,
    machine_line,
    main_guard,
    make_venv,
    median,
    print_table,
    run_timed,
    seconds,
    verdict,
)

DEAD_INDEX = "http://127.0.0.1:9/"


def ensure_pg_config() -> None:
    """psycopg2 builds from source and needs ``pg_config`` (Debian: libpq-dev)."""
    if shutil.which("pg_config"):
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("setup: apt-get install libpq-dev (pg_config, for psycopg2)", flush=True)
        for argv in (
            ["apt-get", "update", "-qq"],
            ["apt-get", "install", "-y", "-qq", "libpq-dev"],
        ):
            subprocess.run(argv, capture_output=True, check=False)
    if not shutil.which("pg_config"):
        print("note: no pg_config; psycopg2 will fail to build for both tools")


def wheelmill_build(
    exe: Path, lock: Path, wheelhouse: Path, *extra: str, prefix: tuple[str, ...] = ()
) -> tuple[float, dict[str, object], int]:
    """One ``wheelmill build --json`` run: (wall seconds, its JSON report, exit code)."""
    argv = [*prefix, str(exe), "build", str(lock), "-w", str(wheelhouse), "--json", *extra]
    wall, _, out = run_timed(argv, check=False)
    try:
        data = json.loads(out)
    except ValueError:
        data = {}
    return wall, data, 0 if data.get("ok") else 1


def counts(data: dict[str, object]) -> str:
    found = data.get("counts") or {}
    assert isinstance(found, dict)
    return ", ".join(f"{n} {status}" for status, n in found.items() if n) or "no report"


def failed_pins(data: dict[str, object]) -> list[str]:
    pins = data.get("pins") or []
    assert isinstance(pins, list)
    return [f"{p['name']}=={p['version']}: {p['error']}" for p in pins if p["status"] == "failed"]


def offline_checks(exe: Path, lock: Path, wheelhouse: Path) -> list[tuple[str, bool, str]]:
    checks = []
    _, data, code = wheelmill_build(exe, lock, wheelhouse, "--index-url", DEAD_INDEX)
    checks.append((f"--index-url {DEAD_INDEX} (dead)", code == 0, counts(data)))
    probe = (
        subprocess.run(["unshare", "-n", "true"], capture_output=True, check=False)
        if shutil.which("unshare")
        else None
    )
    if probe is not None and probe.returncode == 0:
        _, data, code = wheelmill_build(exe, lock, wheelhouse, prefix=("unshare", "-n"))
        checks.append(("unshare -n (no network at all)", code == 0, counts(data)))
    return checks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 reruns instead of 10")
    parser.add_argument("--runs", type=int, help="reruns of each tool (default 10)")
    parser.add_argument(
        "--requirements", type=Path, default=ROOT.parent / "shared" / "bench" / "team-web.in"
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="reuse the lock, wheelhouse and pip cache of a previous run (cold rows: warm)",
    )
    parser.add_argument("--wheelmill", help="wheelmill executable (default: next to python)")
    args = parser.parse_args()
    runs = args.runs or (3 if args.quick else 10)
    if not args.requirements.is_file():
        raise SetupError(f"{args.requirements}: no such requirements file (--requirements)")
    exe, _ = find_wheelmill(args.wheelmill)
    ensure_pg_config()
    pip_venv = make_venv("pip", "pip")
    pip = pip_venv / "bin" / "pip"
    work = WORK / "noop"
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    requirements, lock = work / args.requirements.name, work / "lock.txt"
    wheelhouse, pip_dir, pip_cache = work / "wheelhouse", work / "pip-wheels", work / "pip-cache"
    shutil.copyfile(args.requirements, requirements)
    if not lock.is_file():
        print(f"wheelmill lock {requirements.name} ...", flush=True)
        run_timed([exe, "lock", requirements, "-o", lock])
    pins = sum(1 for line in lock.read_text().splitlines() if "==" in line)
    pip_env = clean_env(PIP_CACHE_DIR=str(pip_cache))
    pip_argv: list[str | Path] = [pip, "wheel", "-q", "-r", lock, "-w", pip_dir]

    print(f"cold: wheelmill build ({pins} pins) ...", flush=True)
    wm_cold, data, _ = wheelmill_build(exe, lock, wheelhouse)
    print(f"  {seconds(wm_cold)}: {counts(data)}")
    for failure in failed_pins(data):
        print(f"  FAILED {failure}")
    print("cold: pip wheel ...", flush=True)
    pip_cold, _, _ = run_timed(pip_argv, env=pip_env, check=False)
    print(f"  {seconds(pip_cold)}: {len(list(pip_dir.glob('*.whl')))} wheels in {pip_dir.name}")

    wm_times, wm_lib, pip_times = [], [], []
    for rep in range(runs):
        wall, data, _ = wheelmill_build(exe, lock, wheelhouse)
        wm_times.append(wall)
        wm_lib.append(float(data.get("duration", "nan")))  # type: ignore[arg-type]
        pip_times.append(run_timed(pip_argv, env=pip_env, check=False)[0])
        print(
            f"  rerun {rep + 1}/{runs}: wheelmill {seconds(wall)} (prebuild() "
            f"{seconds(wm_lib[-1])}), pip {seconds(pip_times[-1])}",
            flush=True,
        )
    checks = offline_checks(exe, lock, wheelhouse)

    wm, pw = median(wm_times), median(pip_times)
    print(
        f"\nno-op rerun of {pins} pins ({requirements.name}); median of {runs}; "
        f"{machine_line()}; pip {dist_version(pip_venv, 'pip')}\n"
    )
    print_table(
        ["run", "median", "min-max"],
        [
            ["wheelmill build, cold", seconds(wm_cold), ""],
            ["pip wheel, cold (empty cache)", seconds(pip_cold), ""],
            [
                "wheelmill build, no-op (CLI wall)",
                seconds(wm),
                f"{seconds(min(wm_times))}-{seconds(max(wm_times))}",
            ],
            ["  of which prebuild() (its --json duration)", seconds(median(wm_lib)), ""],
            [
                "pip wheel, warm cache",
                seconds(pw),
                f"{seconds(min(pip_times))}-{seconds(max(pip_times))}",
            ],
        ],
    )
    print("\nno network on the no-op rerun:")
    for label, ok, detail in checks:
        print(f"  {label}: {'ok' if ok else 'FAILED'} ({detail})")
    ratio = pw / wm
    print(
        f"\ntarget: no-op {ratio:.1f}x faster than warm pip wheel (target >= 20x): "
        f"{verdict(ratio >= 20)}"
    )


if __name__ == "__main__":
    main_guard(main)
