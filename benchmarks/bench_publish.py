"""Publishing a 10,000-wheel wheelhouse: wheelmill versus dumb-pypi and simple503.

Every tool gets the same synthetic wheels (hard links into a fresh directory per
run) and must produce hashes, Requires-Python and PEP 658 ``.metadata`` files:

* wheelmill: ``wheelmill publish`` (CLI wall time), and the ``publish()`` call
  timed inside the process;
* dumb-pypi: our own ``_dumbpypi_list.py`` hashes the wheels and writes
  ``.metadata``, then ``dumb-pypi --package-list-json … --no-per-release-json``;
  the total of both is what is compared;
* simple503: ``simple503 POOL``, in place (metadata extraction on, the default), as
  its users run it on a wheel directory; ``--copy`` would add a copy of every wheel.

Then incremental: one new wheel added to the published wheelhouse, published
again (wheelmill), versus dumb-pypi with ``--previous-package-list-json``.

Targets: wheelmill full publish >= 3x faster than dumb-pypi (total) and than
simple503; incremental publish < 0.1 s.
"""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Callable
from pathlib import Path

import _synth
from _common import (
    WORK,
    SetupError,
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

HERE = Path(__file__).resolve().parent
IN_PROCESS = (
    "import sys, time\n"
    "from pathlib import Path\n"
    "from wheelmill.index.publish import publish\n"
    "from wheelmill.store.wheelhouse import Store\n"
    "started = time.perf_counter()\n"
    "report = publish(Store(Path(sys.argv[1])))\n"
    "print(time.perf_counter() - started, report.read, len(report.projects_written))\n"
)


Timing = tuple[float, float]  # (wall, CPU incl. children) seconds


class Tools:
    def __init__(self, wheelmill: str | None) -> None:
        self.wheelmill, self.wm_python = find_wheelmill(wheelmill)
        self.dumb = make_venv("dumbpypi", "dumb-pypi")
        self.s503 = make_venv("simple503", "simple503")

    def versions(self) -> str:
        return (
            f"dumb-pypi {dist_version(self.dumb, 'dumb-pypi')}, "
            f"simple503 {dist_version(self.s503, 'simple503')}"
        )

    def wm_cli(self, wheelhouse: Path) -> Timing:
        return run_timed([self.wheelmill, "publish", "-w", wheelhouse, "-q"])[:2]

    def wm_call(self, wheelhouse: Path) -> tuple[float, int, int]:
        """The ``publish()`` call timed inside the process: (seconds, wheels read, pages)."""
        out = run_timed([self.wm_python, "-c", IN_PROCESS, wheelhouse])[2].split()
        return float(out[0]), int(out[1]), int(out[2])

    def dumb_list(self, run: Path, *names: str) -> Timing:
        argv: list[str | Path] = [
            self.dumb / "bin" / "python",
            HERE / "_dumbpypi_list.py",
            run / "pool",
            run / "list.json",
            *names,
        ]
        return run_timed(argv)[:2]

    def dumb_build(self, run: Path, previous: Path | None = None) -> Timing:
        argv: list[str | Path] = [
            self.dumb / "bin" / "dumb-pypi",
            "--package-list-json",
            run / "list.json",
            "--packages-url",
            "../../../pool/",
            "--output-dir",
            run / "out",
            "--no-per-release-json",
        ]
        if previous is not None:
            argv += ["--previous-package-list-json", previous]
        return run_timed(argv)[:2]

    def simple503(self, run: Path) -> Timing:
        return run_timed([self.s503 / "bin" / "simple503", run / "pool"])[:2]


def fresh(run: Path, pool: Path, wheels: str) -> Path:
    shutil.rmtree(run, ignore_errors=True)
    _synth.link_tree(pool, run / wheels)
    return run


def full_publish(tools: Tools, pool: Path, base: Path, runs: int) -> dict[str, list[Timing]]:
    """Every tool ``runs`` times on a fresh copy, in rotating order (against drift)."""
    times: dict[str, list[Timing]] = {
        k: [] for k in ("wm", "wm_call", "dumb_list", "dumb", "dumb_total", "s503")
    }

    def wm() -> None:
        times["wm"].append(tools.wm_cli(fresh(base / "wm", pool, "wheels")))

    def wm_call() -> None:
        took = tools.wm_call(fresh(base / "wm-call", pool, "wheels"))[0]
        times["wm_call"].append((took, float("nan")))

    def dumb() -> None:
        run = fresh(base / "dumb", pool, "pool")
        listed, built = tools.dumb_list(run), tools.dumb_build(run)
        times["dumb_list"].append(listed)
        times["dumb"].append(built)
        times["dumb_total"].append((listed[0] + built[0], listed[1] + built[1]))

    def s503() -> None:
        times["s503"].append(tools.simple503(fresh(base / "s503", pool, "pool")))

    steps: list[Callable[[], None]] = [wm, wm_call, dumb, s503]
    for rep in range(runs):
        for step in steps[rep % 4 :] + steps[: rep % 4]:
            step()
        print(f"  full run {rep + 1}/{runs} done", flush=True)
    return times


def incremental(tools: Tools, base: Path, runs: int) -> dict[str, list[float]]:
    """Add one wheel at a time to the wheelhouses the full runs left behind."""
    times: dict[str, list[float]] = {"wm": [], "wm_call": [], "dumb": []}
    wheelhouse, dumb = base / "wm", base / "dumb"
    for rep in range(runs):
        _synth.write_wheel(wheelhouse / "wheels", 0, f"2.{2 * rep}")
        times["wm"].append(tools.wm_cli(wheelhouse)[0])
        _synth.write_wheel(wheelhouse / "wheels", 0, f"2.{2 * rep + 1}")
        took, read, written = tools.wm_call(wheelhouse)
        if (read, written) != (1, 1):
            print(f"  note: incremental publish read {read} wheels, wrote {written} pages")
        times["wm_call"].append(took)
        new = _synth.write_wheel(dumb / "pool", 0, f"2.{rep}")
        previous = dumb / "previous.json"
        shutil.copyfile(dumb / "list.json", previous)
        listed, built = tools.dumb_list(dumb, new.name), tools.dumb_build(dumb, previous)
        times["dumb"].append(listed[0] + built[0])
    return times


def spread(values: list[float]) -> str:
    return f"{seconds(min(values))}-{seconds(max(values))}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000 wheels, 2 runs")
    parser.add_argument("--tmpfs", action="store_true", help="work in /dev/shm, not on disk")
    parser.add_argument("--projects", type=int, help="default 2000 (400 with --quick)")
    parser.add_argument("--versions", type=int, default=5)
    parser.add_argument("--runs", type=int, help="repetitions (default 5, 2 with --quick)")
    parser.add_argument("--wheelmill", help="wheelmill executable (default: next to python)")
    args = parser.parse_args()
    projects = args.projects or (400 if args.quick else 2000)
    runs = args.runs or (2 if args.quick else 5)
    top = Path("/dev/shm/wheelmill-bench") if args.tmpfs else WORK
    if args.tmpfs and not Path("/dev/shm").is_dir():
        raise SetupError("no /dev/shm on this machine")

    tools = Tools(args.wheelmill)
    count = projects * args.versions
    print(f"generating {count} wheels ({projects} projects x {args.versions} versions)...")
    pool = _synth.wheelhouse(top / f"pool-{projects}x{args.versions}", projects, args.versions)
    base = top / "publish"
    where = "tmpfs /dev/shm" if args.tmpfs else f"disk {base}"
    print(f"full publish, {runs} runs each, on {where}...", flush=True)
    try:
        full = full_publish(tools, pool, base, runs)
        inc = incremental(tools, base, runs)
    finally:
        shutil.rmtree(top if args.tmpfs else base, ignore_errors=True)  # tmpfs is RAM

    walls = {key: [t[0] for t in values] for key, values in full.items()}
    m = {key: median(values) for key, values in walls.items()}
    cpu = {key: median([t[1] for t in values]) for key, values in full.items()}
    wm = m["wm"]
    print(f"\nwheelmill publish, {count} wheels, {where}; median of {runs}; {machine_line()}")
    print(f"competitors: {tools.versions()}\n")
    print_table(
        ["tool", "wall", "min-max", "CPU", "wall / wheelmill CLI"],
        [
            [
                label,
                seconds(m[key]),
                spread(walls[key]),
                seconds(cpu[key]),
                "" if key in ("wm", "dumb_list", "dumb") else f"{m[key] / wm:.2f}",
            ]
            for key, label in [
                ("wm", "wheelmill publish (CLI)"),
                ("wm_call", "wheelmill index.publish() in-process"),
                ("dumb_list", "  dumb-pypi: hash list + .metadata"),
                ("dumb", "  dumb-pypi: generator"),
                ("dumb_total", "dumb-pypi total"),
                ("s503", "simple503 (in place)"),
            ]
        ],
    )
    inc_m = {key: median(values) for key, values in inc.items()}
    print(f"\nincremental: +1 wheel to {count}, median of {runs}")
    print_table(
        ["tool", "median", "min-max"],
        [
            [label, seconds(inc_m[key]), spread(inc[key])]
            for key, label in [
                ("wm_call", "wheelmill index.publish() in-process"),
                ("wm", "wheelmill publish (CLI, with interpreter start)"),
                ("dumb", "dumb-pypi --previous-package-list-json (+1 hash)"),
            ]
        ],
    )
    print("\ntargets:")
    for name, ratio in (("dumb-pypi total", m["dumb_total"] / wm), ("simple503", m["s503"] / wm)):
        print(
            f"  full publish: wheelmill {ratio:.2f}x as fast as {name} (target >= 3x): "
            f"{verdict(ratio >= 3)}"
        )
    for label, key in (("in-process", "wm_call"), ("CLI wall", "wm")):
        took = inc_m[key]
        print(f"  incremental {label} {seconds(took)} (target < 100 ms): {verdict(took < 0.1)}")


if __name__ == "__main__":
    main_guard(main)
