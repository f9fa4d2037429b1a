"""The cold prebuild: ``wheelmill build`` into a fresh wheelhouse versus ``pip wheel``.

Locks a real requirements set (``team-web.in``: 60 pins, six of them sdist-only)
with ``wheelmill lock`` (not timed), then alternates, run by run, so drift on a
shared machine hits every side alike:

* ``wheelmill build LOCK -w WH`` into a fresh wheelhouse (its installers' caches
  live inside the wheelhouse, so they start empty too), import checks on (the
  default);
* ``pip wheel -r LOCK --no-cache-dir -w DIR`` into a fresh directory (pip from a
  clean venv, no pip configuration);
* with ``--unchecked``, also ``wheelmill build`` with ``import_check = false``;
* with ``--baseline EXE``, also another ``wheelmill`` (an older commit's, say),
  import checks on, so a change is measured against its parent in the same run.

Each command runs in a PID namespace of its own (``unshare -pf``) when that
works, so the count of tasks it started (processes and threads) can be read off
the namespace's last PID. CPU is user + sys of the command and all its children
(``RUSAGE_CHILDREN``). Prints medians and min-max of wall, CPU and tasks, and
the ratios.

Targets: wheelmill's wall <= 0.6x pip's with import checks on; its CPU <= pip's.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from _common import (
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
    seconds,
    verdict,
)
from bench_noop import ensure_pg_config, shared_requirements


@dataclass
class Side:
    """One competitor: its label, and its runs' wall seconds, CPU seconds and tasks."""

    label: str
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    tasks: list[int] = field(default_factory=list)

    def row(self) -> list[str]:
        def spread(values: list[float]) -> str:
            return f"{seconds(min(values))}-{seconds(max(values))}" if values else ""

        tasks = f"{median(self.tasks):.0f} ({min(self.tasks)}-{max(self.tasks)})"
        return [
            self.label,
            seconds(median(self.wall)),
            spread(self.wall),
            seconds(median(self.cpu)),
            spread(self.cpu),
            tasks if self.tasks else "-",
        ]


def pid_namespace_works() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = ["unshare", "-pf", "--mount-proc", "true"]
    done = subprocess.run(probe, capture_output=True, check=False)
    return done.returncode == 0


def run_counted(
    argv: list[str], env: dict[str, str], counter: Path | None
) -> tuple[float, float, int | None, subprocess.CompletedProcess[str]]:
    """Run ``argv`` (in its own PID namespace when ``counter`` is given): wall seconds,
    CPU seconds of it and its children, tasks started in it, and the finished process."""
    if counter is not None:
        # The shell is the namespace's PID 1 and `cat` its last task: neither counts.
        script = '"$@"; code=$?; cat /proc/sys/kernel/ns_last_pid > "$COUNTER"; exit $code'
        argv = ["unshare", "-pf", "--mount-proc", "sh", "-c", script, "sh", *argv]
        env = {**env, "COUNTER": str(counter)}
    os.sync()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    tasks = None
    if counter is not None and counter.is_file():
        tasks = int(counter.read_text().strip()) - 2
    return wall, cpu, tasks, done


def wheelmill_summary(done: subprocess.CompletedProcess[str]) -> str:
    try:
        data = json.loads(done.stdout)
    except ValueError:
        return f"no report (exit {done.returncode}): {done.stderr.strip()[-300:]}"
    found = data.get("counts") or {}
    text = ", ".join(f"{n} {status}" for status, n in found.items() if n)
    failed = [
        f"{p['name']}: {str(p['error']).splitlines()[0]}"
        for p in data.get("pins", [])
        if p["status"] == "failed"
    ]
    return text + "".join(f"\n    FAILED {line}" for line in failed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each side (default 3)")
    parser.add_argument("--quick", action="store_true", help="one run of each side")
    parser.add_argument("--requirements", type=Path, default=shared_requirements())
    parser.add_argument(
        "--unchecked", action="store_true", help="also wheelmill with import_check = false"
    )
    parser.add_argument("--jobs", type=int, help="wheelmill's --jobs (default: its own)")
    parser.add_argument("--wheelmill", help="wheelmill executable (default: next to python)")
    parser.add_argument(
        "--baseline", type=Path, help="also this wheelmill executable, import checks on"
    )
    args = parser.parse_args()
    runs = 1 if args.quick else args.runs
    if not args.requirements.is_file():
        raise SetupError(f"{args.requirements}: no such requirements file (--requirements)")
    exe, _ = find_wheelmill(args.wheelmill)
    ensure_pg_config()
    pip_venv = make_venv("pip", "pip")
    work = WORK / "cold"
    work.mkdir(parents=True, exist_ok=True)
    requirements, lock = work / args.requirements.name, work / "lock.txt"
    if not lock.is_file() or requirements.read_bytes() != args.requirements.read_bytes():
        shutil.copyfile(args.requirements, requirements)
        print(f"wheelmill lock {requirements.name} ...", flush=True)
        done = subprocess.run(
            [str(exe), "lock", str(requirements), "-o", str(lock)],
            env=clean_env(),
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise SetupError(f"wheelmill lock failed:\n{done.stdout}{done.stderr}")
    pins = sum(1 for line in lock.read_text().splitlines() if "==" in line)
    # Both sides name their configuration: the one in the current directory, if any,
    # plays no part.
    checked, unchecked = work / "checked.toml", work / "unchecked.toml"
    checked.write_text("[build]\nimport_check = true\n")
    unchecked.write_text("[build]\nimport_check = false\n")
    counter = work / "tasks" if pid_namespace_works() else None
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []

    def wheelmill(program: Path = exe) -> list[str]:
        wheelhouse = str(work / "wheelhouse")
        return [str(program), "build", str(lock), "-w", wheelhouse, "--json", *jobs]

    pip = [str(pip_venv / "bin" / "pip"), "wheel", "-q", "--no-cache-dir", "-r", str(lock)]
    sides: dict[str, tuple[Side, list[str]]] = {
        "wheelmill": (
            Side("wheelmill build, import checks on"),
            [*wheelmill(), "--config", str(checked)],
        ),
        "pip": (
            Side("pip wheel --no-cache-dir"),
            [*pip, "-w", str(work / "pip-wheels")],
        ),
    }
    if args.unchecked:
        sides["unchecked"] = (
            Side("wheelmill build, import checks off"),
            [*wheelmill(), "--config", str(unchecked)],
        )
    if args.baseline:
        if not args.baseline.is_file():
            raise SetupError(f"{args.baseline}: no such wheelmill executable (--baseline)")
        sides["baseline"] = (
            Side(f"baseline {args.baseline}, import checks on"),
            [*wheelmill(args.baseline), "--config", str(checked)],
        )
    for rep in range(runs):
        order = list(sides) if rep % 2 == 0 else list(reversed(sides))
        for name in order:
            side, argv = sides[name]
            for directory in ("wheelhouse", "pip-wheels", "tmp"):
                shutil.rmtree(work / directory, ignore_errors=True)
            (work / "tmp").mkdir()
            env = clean_env(TMPDIR=str(work / "tmp"))
            wall, cpu, tasks, done = run_counted(argv, env, counter)
            side.wall.append(wall)
            side.cpu.append(cpu)
            if tasks is not None:
                side.tasks.append(tasks)
            if name == "pip":
                made = len(list((work / "pip-wheels").glob("*.whl")))
                note = f"{made} wheels (exit {done.returncode})"
            else:
                note = wheelmill_summary(done)
            print(
                f"  run {rep + 1}/{runs} {side.label}: {seconds(wall)}, CPU {seconds(cpu)}, "
                f"{tasks if tasks is not None else '?'} tasks: {note}",
                flush=True,
            )
    for directory in ("wheelhouse", "pip-wheels", "tmp"):
        shutil.rmtree(work / directory, ignore_errors=True)

    print(
        f"\ncold prebuild of {pins} pins ({requirements.name}); median of {runs}; "
        f"{machine_line()}; pip {dist_version(pip_venv, 'pip')}\n"
    )
    print_table(
        ["run", "wall", "min-max", "CPU", "min-max", "tasks (processes + threads)"],
        [side.row() for side, _ in sides.values()],
    )
    pip_side = sides["pip"][0]
    for name in ("wheelmill", "unchecked", "baseline"):
        if name not in sides:
            continue
        side = sides[name][0]
        wall = median(side.wall) / median(pip_side.wall)
        cpu = median(side.cpu) / median(pip_side.cpu)
        print(f"\n{side.label}: wall {wall:.2f}x pip's, CPU {cpu:.2f}x pip's")
        if name == "wheelmill" and "baseline" in sides:
            base = sides["baseline"][0]
            print(
                f"against the baseline: wall {median(side.wall) / median(base.wall):.2f}x, "
                f"CPU {median(side.cpu) / median(base.cpu):.2f}x"
            )
        if name == "wheelmill":
            print(f"target: wall <= 0.6x pip's: {verdict(wall <= 0.6)}")
            print(f"target: CPU <= pip's: {verdict(cpu <= 1.0)}")


if __name__ == "__main__":
    main_guard(main)
