"""kill -9 at a random moment: the wheelhouse stays consistent, and a rerun finishes the job.

Each trial runs ``wheelmill build``, ``publish`` or ``gc`` as a real process on its
own wheelhouse, kills it (SIGKILL) at a random moment within the time an
uninterrupted run takes, checks the wheelhouse with :mod:`_consistency`, then runs
the command again, which must succeed and leave a consistent wheelhouse.

    WHEELMILL_KILL_TRIALS=50 python -m pytest tests/reliability -s

runs 50 trials per command (default 5); ``WHEELMILL_KILL_SEED`` repeats a run's
kill times. Every test prints a summary line (trials, kills that hit mid-work,
inconsistencies). Offline: everything comes from a ``file://`` index.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from _consistency import dangling, problems
from conftest import LocalIndex, make_sdist, make_wheel
from wheelmill.index.publish import publish
from wheelmill.store.attempt import Attempt
from wheelmill.store.wheelhouse import Store, sha256_file

TRIALS = int(os.environ.get("WHEELMILL_KILL_TRIALS", "5"))
SEED = int(os.environ.get("WHEELMILL_KILL_SEED", str(random.randrange(1 << 30))))
WHEELMILL = [sys.executable, "-m", "wheelmill"]
PROJECTS = 40  # gc and publish: enough files that their work takes a while


@dataclass
class Tally:
    """What the trials of one command saw."""

    command: str
    trials: int = 0
    mid_work: int = 0  # killed while running (not after it had finished on its own)
    inconsistent: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"kill -9 of wheelmill {self.command}: {self.trials} trials, {self.mid_work} killed "
            f"mid-work, {len(self.inconsistent)} inconsistencies (seed {SEED})"
        )


@pytest.fixture
def rng() -> random.Random:
    return random.Random(SEED)


@pytest.fixture
def tally(capsys: pytest.CaptureFixture[str]) -> Iterator[Tally]:
    found = Tally("?")
    yield found
    with capsys.disabled():
        print(f"\n{found.line()}")


def run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, check=False)


Command = Callable[[Path], list[str]]  # the argv for a wheelhouse


def window(command: Command, base: Path) -> tuple[float, float]:
    """When to kill: from half the start-up time to the end of an uninterrupted run
    (on copies of ``base``; the second of two runs, the first compiles and warms up)."""
    started = time.monotonic()
    assert run([*WHEELMILL, "--version"]).returncode == 0
    startup = time.monotonic() - started
    run(command(copy(base, base.with_name(base.name + "-warm-up"))))
    timed = command(copy(base, base.with_name(base.name + "-timed")))
    started = time.monotonic()
    result = run(timed)
    assert result.returncode == 0, result.stdout + result.stderr
    return startup / 2, time.monotonic() - started


def kill_at(argv: list[str], delay: float) -> bool:
    """Start ``argv``, SIGKILL it after ``delay`` seconds; whether it was still running."""
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        process.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return True


def trials(
    tally: Tally,
    rng: random.Random,
    base: Path,
    command: Command,
    count: int = TRIALS,
    *,
    spread: bool = False,
) -> Iterator[Path]:
    """``count`` trials on copies of ``base``: kill, check, rerun, check; yields each
    wheelhouse after its rerun for the caller's own checks. The kill times are random,
    or (``spread``) one in each of ``count`` equal slices of the run, at random in it."""
    earliest, latest = window(command, base)
    step = (latest - earliest) / count
    for number in range(count):
        root = copy(base, base.with_name(f"trial{number}"))
        if spread:
            delay = earliest + step * (number + rng.random())
        else:
            delay = rng.uniform(earliest, latest)
        tally.trials += 1
        tally.mid_work += kill_at(command(root), delay)
        tally.inconsistent += [f"after the kill at {delay:.3f}s: {p}" for p in problems(root)]
        rerun = run(command(root))
        assert rerun.returncode == 0, f"rerun after a kill at {delay:.3f}s:\n{rerun.stderr}"
        tally.inconsistent += [f"after the rerun: {p}" for p in problems(root)]
        yield root


# -- wheelhouses ----------------------------------------------------------------------


def _many_wheels(store: Store, version: str) -> None:
    """A small wheel of every project at ``version``, with its build record."""
    for number in range(PROJECTS):
        wheel = make_wheel(store.wheels, f"proj{number}", version, payload=200)
        key = f"{number:04d}{version.replace('.', '')}".ljust(32, "0")
        store.write_record(
            Attempt(
                key=key,
                status="ok",
                name=f"proj{number}",
                version=version,
                target="any",
                source="upstream",
                wheel=wheel.name,
                sha256=sha256_file(wheel),
                size=wheel.stat().st_size,
            )
        )


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A published wheelhouse of PROJECTS projects at 1.0 and 2.0, and a lock keeping 2.0."""
    root = tmp_path_factory.mktemp("kill-template")
    store = Store(root / "wh").create()
    _many_wheels(store, "1.0")
    _many_wheels(store, "2.0")
    publish(store)
    keep = root / "keep.txt"
    keep.write_text("".join(f"proj{number}==2.0\n" for number in range(PROJECTS)))
    return store.root, keep


def _link_or_copy(source: str, target: str) -> None:
    """Wheels are never written in place (only replaced): a hard link is a copy, and quick."""
    if source.endswith((".whl", ".metadata")):
        os.link(source, target)
    else:
        shutil.copy2(source, target)


def copy(template: Path, root: Path) -> Path:
    shutil.copytree(template, root, symlinks=True, copy_function=_link_or_copy)
    return root


# -- the trials ------------------------------------------------------------------------


def test_kill_build(tmp_path: Path, rng: random.Random, tally: Tally) -> None:
    tally.command = "build"
    index = LocalIndex(tmp_path / "index")
    src = tmp_path / "src"
    names = ["sdist-a", "wheel-a", "wheel-b"]
    index.add(make_sdist("pure-ok", src, name=names[0], version="1.0"))
    for name in names[1:]:
        index.add(make_wheel(src, name, "1.0", payload=2000))
    index.add(make_wheel(src, "old", "1.0"))
    lock = tmp_path / "lock.txt"
    lock.write_text("".join(index.lock_line(name, "1.0") for name in names))
    first = tmp_path / "first.txt"
    first.write_text(index.lock_line("old", "1.0"))

    def build(root: Path, lock: Path = lock) -> list[str]:
        return [*WHEELMILL, "build", str(lock), "-w", str(root), "--index-url", index.url, "-j2"]

    base = tmp_path / "base"  # published already: the index a build must not break
    assert run(build(base, first)).returncode == 0
    assert run([*WHEELMILL, "publish", "-w", str(base)]).returncode == 0
    for root in trials(tally, rng, base, build):
        assert run([*WHEELMILL, "publish", "-w", str(root)]).returncode == 0
        tally.inconsistent += [f"published after the rerun: {p}" for p in problems(root)]
        assert len(list((root / "wheels").glob("*.whl"))) == len(names) + 1
    assert not tally.inconsistent, "\n".join(tally.inconsistent[:20])


def test_kill_publish(
    template: tuple[Path, Path], tmp_path: Path, rng: random.Random, tally: Tally
) -> None:
    tally.command = "publish"
    base = copy(template[0], tmp_path / "base")
    _many_wheels(Store(base), "3.0")  # new files for every project: every page is rewritten
    for root in trials(tally, rng, base, lambda root: [*WHEELMILL, "publish", "-w", str(root)]):
        page = (root / "simple" / "proj7" / "index.html").read_text()
        assert "proj7-3.0-py3-none-any.whl" in page
    assert not tally.inconsistent, "\n".join(tally.inconsistent[:20])


def _gc_trials(
    template: tuple[Path, Path],
    tmp_path: Path,
    rng: random.Random,
    tally: Tally,
    count: int,
    *,
    spread: bool = False,
) -> None:
    published, keep = template
    base = copy(published, tmp_path / "base")

    def gc(root: Path) -> list[str]:
        return [*WHEELMILL, "gc", "--keep", str(keep), "-w", str(root)]

    for root in trials(tally, rng, base, gc, count, spread=spread):
        # The rerun finished the job: nothing of 1.0 is left, nothing of 2.0 went.
        wheels = sorted(p.name for p in (root / "wheels").glob("*") if p.name != "index.html")
        assert len(wheels) == 2 * PROJECTS  # each 2.0 wheel and its .metadata (and the listing)
        assert all("-2.0-" in name for name in wheels)
        assert not list((root / ".wheelmill" / "tmp").rglob("*.whl"))


def test_kill_gc(
    template: tuple[Path, Path], tmp_path: Path, rng: random.Random, tally: Tally
) -> None:
    tally.command = "gc"
    _gc_trials(template, tmp_path, rng, tally, TRIALS)
    assert not tally.inconsistent, "\n".join(tally.inconsistent[:20])


def test_gc_killed_in_a_loop_never_leaves_a_dangling_link(
    template: tuple[Path, Path], tmp_path: Path, rng: random.Random, tally: Tally
) -> None:
    """gc republishes without the doomed wheels before it removes any of them: a kill in
    each eighth of its run (at least) finds the index whole."""
    tally.command = "gc (loop)"
    _gc_trials(template, tmp_path, rng, tally, max(TRIALS, 8), spread=True)
    assert not tally.inconsistent, "\n".join(tally.inconsistent[:20])


def test_gc_never_exposes_a_dangling_link_while_it_runs(
    template: tuple[Path, Path], tmp_path: Path
) -> None:
    """A client reading the index while gc runs never finds a link to a missing file."""
    published, keep = template
    root = copy(published, tmp_path / "wh")
    seen: list[str] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            seen.extend(dangling(root))

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        result = run([*WHEELMILL, "gc", "--keep", str(keep), "-w", str(root)])
    finally:
        done.set()
        watcher.join()
    assert result.returncode == 0, result.stderr
    assert not seen, "\n".join(sorted(set(seen))[:20])
    assert not problems(root)
