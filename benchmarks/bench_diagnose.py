"""Classifying a huge build log: ``diagnose()`` on 100,000+ lines.

Takes a real failed-build log from ``tests/logs/`` (pycairo without the cairo
development files, pip 26), pads it with 100,000 lines of compiler noise (gcc
command lines, warnings with their caret lines, ``copying`` lines) before the
real failure, and times ``diagnose()`` on the whole text, in-process, with
the shipped knowledge base loaded once. Also times a log of pure noise (the
"unknown" path, which scans for an error-looking line) and the rules loading.

Target: classifying the padded log takes well under 1 s (median of N runs).
"""

from __future__ import annotations

import argparse
import time

from _common import ROOT, machine_line, main_guard, median, print_table, seconds, verdict

from wheelmill.diagnose import default_rules_dirs, diagnose, load_rules

LOG = ROOT / "tests" / "logs" / "pip26" / "pycairo-no-cairo.log"
TARGET = 1.0

_NOISE = (
    "      gcc -Wsign-compare -DNDEBUG -g -fwrapv -O3 -Wall -fPIC -Isrc -I/usr/include/python3.11 "
    "-c src/module_{n}.c -o build/temp.linux-x86_64-cpython-311/src/module_{n}.o",
    "      src/module_{n}.c: In function \u2018helper_{n}\u2019:",
    "      src/module_{n}.c:{n}:17: warning: unused variable \u2018tmp\u2019 [-Wunused-variable]",
    "       {n} |     int tmp = 0;",
    "          |         ^~~",
    "      copying lib/pkg/sub_{n}.py -> build/lib.linux-x86_64-cpython-311/pkg",
)


def padded_log(lines: int) -> str:
    """The real log with ``lines`` lines of compiler noise inserted before its failure."""
    real = LOG.read_text("utf-8").split("\n")
    cut = 20  # after pip's "Preparing metadata" lines, inside the output block
    noise = [_NOISE[n % len(_NOISE)].format(n=n) for n in range(lines)]
    return "\n".join([*real[:cut], *noise, *real[cut:]])


def timed(function: object, *args: object) -> tuple[float, object]:
    start = time.perf_counter()
    result = function(*args)  # type: ignore[operator]
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs per case (default 15)")
    parser.add_argument("--lines", type=int, default=100_000, help="noise lines (default 100,000)")
    parser.add_argument("--quick", action="store_true", help="5 runs")
    args = parser.parse_args()
    runs = 5 if args.quick else args.runs
    print(machine_line())

    load_times = []
    for _ in range(runs):
        spent, rules = timed(load_rules, *default_rules_dirs())
        load_times.append(spent)
    rules = load_rules(*default_rules_dirs())
    diagnose("warm-up", rules)  # the scan plan is built once per rule set

    padded = padded_log(args.lines)
    noise_only = "\n".join(_NOISE[n % len(_NOISE)].format(n=n) for n in range(args.lines))
    cases = {"padded real log": padded, "noise only (unknown)": noise_only}
    rows = []
    results = {}
    for name, text in cases.items():
        times = []
        for _ in range(runs):
            spent, diagnosis = timed(diagnose, text, rules)
            times.append(spent)
        results[name] = (median(times), diagnosis)
        size = f"{text.count(chr(10)) + 1:,} lines, {len(text) / 1e6:.1f} MB"
        rows.append([name, size, seconds(min(times)), seconds(median(times)), seconds(max(times))])
    rows.append(
        [
            "load_rules()",
            f"{len(rules)} rules",
            seconds(min(load_times)),
            seconds(median(load_times)),
            seconds(max(load_times)),
        ]
    )
    print()
    print_table(["case", "input", "min", "median", "max"], rows)

    spent, diagnosis = results["padded real log"]
    print()
    print(
        f"padded log diagnosed as {diagnosis.rule} (subject {diagnosis.subject!r}), "  # type: ignore[attr-defined]
        f"first error on line {diagnosis.first_error.line}"
    )  # type: ignore[attr-defined]
    assert diagnosis.rule == "sysdep/cairo", "the padded log must still be diagnosed"  # type: ignore[attr-defined]
    print(
        f"target: padded log < {TARGET:.0f} s (median of {runs}): "
        f"{seconds(spent)} -> {verdict(spent < TARGET)}"
    )


if __name__ == "__main__":
    main_guard(main)
