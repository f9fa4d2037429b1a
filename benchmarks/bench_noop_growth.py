"""How the no-op rerun grows with the lock: 60, 600 and 3,000 pins, cost per pin.

For each size, ``_synth.py`` wheels (one version per project) go on a ``file://``
PEP 503 index, a hashed lock pins them all, and ``wheelmill build LOCK --json``
fetches them once into a fresh wheelhouse. Then, alternating, N reruns of each:

* the no-op as it runs (answered from the no-op stamp);
* the full path: the same rerun with the stamp removed first (every record read,
  every wheel stat'ed, every build key computed, and the stamp written again).

The cost per pin is the slope between the smallest and the largest size, so the
interpreter's start and the imports (the same at every size) drop out.

Target: the no-op's slope <= 0.1 ms per pin.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import shutil
import time
from pathlib import Path

import _synth
from _common import (
    WORK,
    SetupError,
    find_wheelmill,
    machine_line,
    main_guard,
    median,
    print_table,
    run_timed,
    seconds,
    verdict,
)

SIZES = (60, 600, 3000)
#: A stamp is not written while the files it lists are this fresh (see build/stamp.py).
SETTLE = 2.2


def make_index(pool: Path, root: Path) -> str:
    """A PEP 503 tree over the wheels in ``pool`` at ``root``; returns its file:// URL."""
    simple = root / "simple"
    shutil.rmtree(simple, ignore_errors=True)
    for wheel in sorted(pool.glob("*.whl")):
        project = wheel.name.split("-")[0].lower().replace("_", "-").replace(".", "-")
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        page = simple / project
        page.mkdir(parents=True)
        link = f"{wheel.resolve().as_uri()}#sha256={digest}"
        (page / "index.html").write_text(
            f'<!DOCTYPE html><html><body><a href="{html.escape(link)}">'
            f"{html.escape(wheel.name)}</a></body></html>"
        )
    return simple.resolve().as_uri() + "/"


def make_lock(pool: Path, lock: Path) -> int:
    lines = []
    for wheel in sorted(pool.glob("*.whl")):
        name, version = wheel.name.split("-")[:2]
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        lines.append(f"{name}=={version} \\\n    --hash=sha256:{digest}\n")
    lock.write_text("".join(lines))
    return len(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 reruns instead of 10")
    parser.add_argument("--runs", type=int, help="reruns of each (default 10)")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--wheelmill", help="wheelmill executable (default: next to python)")
    args = parser.parse_args()
    runs = args.runs or (3 if args.quick else 10)
    exe, _ = find_wheelmill(args.wheelmill)
    rows, fast, full = [], {}, {}
    for size in args.sizes:
        work = WORK / "growth" / str(size)
        pool = _synth.wheelhouse(WORK / f"growth-pool-{size}", size, 1)
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        url = make_index(pool, work / "index")
        lock = work / "lock.txt"
        pins = make_lock(pool, lock)
        config = work / "wheelmill.toml"
        config.write_text(f'wheelhouse = "wheelhouse"\nindex_url = "{url}"\n')
        argv = [exe, "build", lock, "--config", config, "--json"]
        stamps = work / "wheelhouse" / ".wheelmill" / "noop"
        print(f"{pins} pins: cold build ...", flush=True)
        wall, _, out = run_timed(argv, check=False)
        data = json.loads(out or "{}")
        if not data.get("ok"):
            raise SetupError(f"the cold build of {pins} pins failed: {out[-2000:]}")
        print(f"  {seconds(wall)}: {data['counts']}", flush=True)
        time.sleep(SETTLE)
        run_timed(argv)  # the first rerun writes the stamp
        if not list(stamps.glob("*.json")):
            raise SetupError(f"{pins} pins: no stamp after a settled rerun")
        fast[pins], full[pins] = [], []
        for _ in range(runs):
            fast[pins].append(run_timed(argv)[0])
            for stamp in stamps.glob("*.json"):
                stamp.unlink()
            full[pins].append(run_timed(argv)[0])
        rows.append(
            [
                str(pins),
                seconds(median(fast[pins])),
                f"{seconds(min(fast[pins]))}-{seconds(max(fast[pins]))}",
                seconds(median(full[pins])),
                f"{seconds(min(full[pins]))}-{seconds(max(full[pins]))}",
            ]
        )
    print(f"\nno-op rerun by lock size; median of {runs}; {machine_line()}\n")
    print_table(["pins", "no-op", "min-max", "full path (no stamp)", "min-max"], rows)
    small, large = min(fast), max(fast)
    if small == large:
        return
    slope = (median(fast[large]) - median(fast[small])) / (large - small)
    slope_full = (median(full[large]) - median(full[small])) / (large - small)
    print(
        f"\ncost per pin ({small} -> {large} pins): no-op {slope * 1e3:.3f} ms, "
        f"full path {slope_full * 1e3:.3f} ms"
    )
    print(f"target: no-op <= 0.1 ms per pin: {verdict(slope <= 0.0001)}")


if __name__ == "__main__":
    main_guard(main)
