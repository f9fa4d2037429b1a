"""The no-op rerun: ``wheelmill build`` on a settled lock versus a warm ``pip wheel``.

Locks a real requirements set (``team-web.in``: django, numpy, pandas, lxml,
psycopg2, cryptography, …) with ``wheelmill lock``, builds it once cold with
``wheelmill build LOCK -w WH`` and with ``pip wheel -r LOCK -w DIR`` (pip from a
clean venv, no pip configuration, its own cache), then times N reruns of each,
interleaved, and of ``wheelmill run`` with the ``.in`` (lock, build, publish: the
README's main job). Also checks that the no-op reruns need no network: they must
succeed with a dead ``--index-url`` (build) and, where ``unshare -n`` works, with
no network at all (build and run).

The first rerun after a cold build takes the full path and writes the no-op
stamp (it is not written while the wheels are seconds old); it is shown apart.

Targets: the wheelmill no-op rerun <= 80 ms and >= 50x faster than the warm pip
rerun; the ``run`` no-op as fast as the build no-op (within 10 %).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import time
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
#: A no-op stamp is not written while the files it lists are this fresh (build/stamp.py).
SETTLE = 2.2


def shared_requirements() -> Path:
    """``shared/bench/team-web.in`` in the first parent directory that has it (a
    checkout's sibling ``shared/``, or one further up for a worktree)."""
    for parent in ROOT.parents:
        candidate = parent / "shared" / "bench" / "team-web.in"
        if candidate.is_file():
            return candidate
    return ROOT.parent / "shared" / "bench" / "team-web.in"


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


def wheelmill_run(exe: Path, config: Path, *, prefix: tuple[str, ...] = ()) -> tuple[float, bool]:
    """One ``wheelmill run --config CONFIG --json``: (wall seconds, whether it succeeded
    without resolving)."""
    argv = [*prefix, str(exe), "run", "--config", str(config), "--json"]
    wall, _, out = run_timed(argv, check=False)
    try:
        data = json.loads(out)
    except ValueError:
        data = {}
    return wall, bool(data.get("ok")) and data.get("locked") is False


def offline_checks(
    exe: Path, lock: Path, wheelhouse: Path, run_config: Path
) -> list[tuple[str, bool, str]]:
    checks = []
    _, data, code = wheelmill_build(exe, lock, wheelhouse, "--index-url", DEAD_INDEX)
    checks.append((f"build --index-url {DEAD_INDEX} (dead)", code == 0, counts(data)))
    probe = (
        subprocess.run(["unshare", "-n", "true"], capture_output=True, check=False)
        if shutil.which("unshare")
        else None
    )
    if probe is not None and probe.returncode == 0:
        _, data, code = wheelmill_build(exe, lock, wheelhouse, prefix=("unshare", "-n"))
        checks.append(("build under unshare -n (no network at all)", code == 0, counts(data)))
        _, ok = wheelmill_run(exe, run_config, prefix=("unshare", "-n"))
        checks.append(("run (.in) under unshare -n", ok, "not resolved" if ok else "failed"))
    return checks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 reruns instead of 10")
    parser.add_argument("--runs", type=int, help="reruns of each tool (default 10)")
    parser.add_argument("--requirements", type=Path, default=shared_requirements())
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
    # `run` with the .in: the lock's header says it is up to date, so nothing resolves.
    run_config = work / "run.toml"
    run_config.write_text(
        f'requirements = "{requirements.name}"\nlock = "{lock.name}"\n'
        f'wheelhouse = "{wheelhouse.name}"\n'
    )
    print("first run (publishes the index) ...", flush=True)
    run_first, run_ok = wheelmill_run(exe, run_config)
    if not run_ok:
        print("  note: `wheelmill run` resolved again or failed; its rows are not no-ops")
    time.sleep(SETTLE)
    first_rerun, _, _ = wheelmill_build(exe, lock, wheelhouse)
    wheelmill_run(exe, run_config)

    wm_times, wm_lib, pip_times, run_times = [], [], [], []
    for rep in range(runs):
        wall, data, _ = wheelmill_build(exe, lock, wheelhouse)
        wm_times.append(wall)
        wm_lib.append(float(data.get("duration", "nan")))  # type: ignore[arg-type]
        run_times.append(wheelmill_run(exe, run_config)[0])
        pip_times.append(run_timed(pip_argv, env=pip_env, check=False)[0])
        print(
            f"  rerun {rep + 1}/{runs}: wheelmill build {seconds(wall)} (library "
            f"{seconds(wm_lib[-1])}), wheelmill run {seconds(run_times[-1])}, "
            f"pip {seconds(pip_times[-1])}",
            flush=True,
        )
    checks = offline_checks(exe, lock, wheelhouse, run_config)

    wm, pw, rn = median(wm_times), median(pip_times), median(run_times)
    print(
        f"\nno-op rerun of {pins} pins ({requirements.name}); median of {runs}; "
        f"{machine_line()}; pip {dist_version(pip_venv, 'pip')}\n"
    )
    print_table(
        ["run", "median", "min-max"],
        [
            ["wheelmill build, cold", seconds(wm_cold), ""],
            ["pip wheel, cold (empty cache)", seconds(pip_cold), ""],
            ["wheelmill run (.in), first (publishes)", seconds(run_first), ""],
            ["wheelmill build, first rerun (writes the stamp)", seconds(first_rerun), ""],
            [
                "wheelmill build, no-op (CLI wall)",
                seconds(wm),
                f"{seconds(min(wm_times))}-{seconds(max(wm_times))}",
            ],
            ["  of which the library call (its --json duration)", seconds(median(wm_lib)), ""],
            [
                "wheelmill run (.in), no-op (CLI wall)",
                seconds(rn),
                f"{seconds(min(run_times))}-{seconds(max(run_times))}",
            ],
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
        f"\ntarget: no-op {ratio:.1f}x faster than warm pip wheel (target >= 50x): "
        f"{verdict(ratio >= 50)}"
    )
    print(f"target: no-op {seconds(wm)} (target <= 80 ms): {verdict(wm <= 0.080)}")
    print(
        f"target: run no-op {rn / wm:.2f}x the build no-op (target <= 1.1x): "
        f"{verdict(rn <= 1.1 * wm)}"
    )


if __name__ == "__main__":
    main_guard(main)
