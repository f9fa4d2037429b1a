"""How ``wheelmill publish`` grows with the wheelhouse: 1,000 / 10,000 / 50,000 wheels.

For each size (synthetic wheels from ``_synth.py``, 5 versions per project, hard
links into a fresh wheelhouse): one full publish, then ``--runs`` times a publish
of one more wheel, then ``--runs`` times a publish where nothing changed. Each is
timed as the command a user runs (``wheelmill publish -w WH -q``, interpreter
start included) and as the ``publish()`` call inside a process. The cost per
wheel in the wheelhouse is printed for each, so a line that grows with the
wheelhouse shows as a constant cost per wheel, and a flat one as a falling cost.

Before the +1 and the no-change runs the script waits until the wheelhouse is 2 s
old: inputs of the status page changed more recently than that are not trusted, so
the page would be rendered whole again (see ``index/_statuskey.py``); a user does
not publish twice within 2 s of creating a wheelhouse. Each +1 command is followed
by the command once more: the first publish after a change, where nothing changed.

Target: the +1 and the no-change publish (the command) < 0.1 s at every size.

Beside them, the *floor*: a bare interpreter that lists ``wheels/`` and stats every
wheel in it, and nothing else, timed as a command. A publish that tells a wheel
rewritten in place (same name and inode, new bytes) from an unchanged one must do at
least that when ``wheels/`` changed (a +1), so where the floor is near or past the
target, no publish that keeps that check can meet it.
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

import _synth
from _common import (
    WORK,
    find_wheelmill,
    machine_line,
    main_guard,
    median,
    print_table,
    run_timed,
    seconds,
    verdict,
)

TARGET = 0.1
IN_PROCESS = (
    "import sys, time\n"
    "from pathlib import Path\n"
    "from wheelmill.index.publish import publish\n"
    "from wheelmill.store.wheelhouse import Store\n"
    "started = time.perf_counter()\n"
    "report = publish(Store(Path(sys.argv[1])))\n"
    "print(time.perf_counter() - started, report.read)\n"
)
#: The least a +1 publish that checks every wheel's stat does: list, then stat each.
FLOOR = (
    "import os, sys\n"
    "directory = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)\n"
    "for name in os.listdir(directory):\n"
    "    if name.endswith('.whl'):\n"
    "        os.stat(name, dir_fd=directory, follow_symlinks=False)\n"
)


class Size:
    def __init__(self, wheels: int) -> None:
        self.wheels = wheels
        self.full = 0.0
        self.times: dict[str, list[float]] = {
            key: [] for key in ("add", "first", "add_call", "same", "same_call", "floor")
        }

    def row(self, key: str) -> list[str]:
        values = self.times[key]
        middle = median(values)
        return [
            f"{self.wheels:,}",
            seconds(middle),
            f"{seconds(min(values))}-{seconds(max(values))}",
            f"{middle / self.wheels * 1e6:.2f} us",
        ]


def measure(wheelmill: Path, python: Path, pool: Path, base: Path, size: Size, runs: int) -> None:
    wheelhouse = base / f"wh-{size.wheels}"
    shutil.rmtree(wheelhouse, ignore_errors=True)
    _synth.link_tree(pool, wheelhouse / "wheels")
    created = time.monotonic()
    size.full = run_timed([wheelmill, "publish", "-w", wheelhouse, "-q"])[0]

    def call() -> tuple[float, int]:
        out = run_timed([python, "-c", IN_PROCESS, wheelhouse])[2].split()
        return float(out[0]), int(out[1])

    time.sleep(max(0.0, 2.1 - (time.monotonic() - created)))
    for rep in range(runs):
        _synth.write_wheel(wheelhouse / "wheels", 1, f"3.{2 * rep}")
        size.times["add"].append(run_timed([wheelmill, "publish", "-w", wheelhouse, "-q"])[0])
        size.times["first"].append(run_timed([wheelmill, "publish", "-w", wheelhouse, "-q"])[0])
        _synth.write_wheel(wheelhouse / "wheels", 1, f"3.{2 * rep + 1}")
        took, read = call()
        if read != 1:
            print(f"  note: +1 publish read {read} wheels")
        size.times["add_call"].append(took)
    time.sleep(max(0.0, 2.1 - (time.monotonic() - created)))
    for _ in range(runs):
        size.times["same"].append(run_timed([wheelmill, "publish", "-w", wheelhouse, "-q"])[0])
        took, read = call()
        if read != 0:
            print(f"  note: no-change publish read {read} wheels")
        size.times["same_call"].append(took)
        floor = [python, "-I", "-S", "-c", FLOOR, wheelhouse / "wheels"]
        size.times["floor"].append(run_timed(floor)[0])
    shutil.rmtree(wheelhouse, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,50000", help="wheel counts (x5 versions)")
    parser.add_argument("--runs", type=int, default=5, help="runs per case (default 5)")
    parser.add_argument("--quick", action="store_true", help="2 runs")
    parser.add_argument("--wheelmill", help="wheelmill executable (default: next to python)")
    args = parser.parse_args()
    runs = 2 if args.quick else args.runs
    wheelmill, python = find_wheelmill(args.wheelmill)
    sizes = [Size(int(n)) for n in args.sizes.split(",")]
    base = WORK / "growth"
    try:
        for size in sizes:
            projects = size.wheels // 5
            print(f"{size.wheels:,} wheels: generating (once) and publishing...", flush=True)
            pool = _synth.wheelhouse(WORK / f"pool-{projects}x5", projects, 5)
            measure(wheelmill, python, pool, base, size, runs)
    finally:
        shutil.rmtree(base, ignore_errors=True)

    print(f"\nwheelmill publish growth, median of {runs}; {machine_line()}\n")
    print_table(
        ["wheels", "full publish (CLI)", "per wheel"],
        [[f"{s.wheels:,}", seconds(s.full), f"{s.full / s.wheels * 1e6:.1f} us"] for s in sizes],
    )
    for key, label in (
        ("add", "+1 wheel, the command"),
        ("first", "nothing changed, right after a +1, the command"),
        ("add_call", "+1 wheel, publish() in-process"),
        ("same", "nothing changed, the command"),
        ("same_call", "nothing changed, publish() in-process"),
        ("floor", "floor: a bare interpreter listing wheels/ and stating every wheel"),
    ):
        print(f"\n{label}")
        header = ["wheels", "median", "min-max", "per wheel in the house"]
        print_table(header, [s.row(key) for s in sizes])
    print("\ntargets (the command, < 100 ms at every size):")
    for size in sizes:
        for key, label in (
            ("add", "+1 wheel"),
            ("first", "no change, after a +1"),
            ("same", "no change"),
        ):
            took = median(size.times[key])
            print(f"  {size.wheels:>6,} wheels, {label}: {seconds(took)}: {verdict(took < TARGET)}")


if __name__ == "__main__":
    main_guard(main)
