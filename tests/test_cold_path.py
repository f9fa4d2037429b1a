"""The cold path's savings keep their meaning.

* The import check shares one empty environment per target interpreter between
  the builds of a run, and installs each wheel into a directory of its own: a
  check still sees its wheel alone, still fails a wheel that does not import,
  and still tells a missing dependency (not the wheel's fault) from a missing
  module of the wheel's own.
* A build requirement download already made is not made again while its
  wheels are all in ``build-deps/``.
* Builds take one of ``jobs`` slots; fetching wheels goes on beside them
  (``jobs = 1`` keeps one pin at a time, in order).
"""

from __future__ import annotations

import io
import os
import sys
import tarfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import LocalIndex, make_sdist, make_wheel
from wheelmill._cancel import Cancel, Cancelled
from wheelmill.build._frontend import FETCHED, prefetch_build_requirements
from wheelmill.build._importcheck import check_import
from wheelmill.build._sandbox import choose_sandbox, for_directory
from wheelmill.build.batch import prebuild
from wheelmill.build.context import Context, Slots
from wheelmill.config import BuildSettings
from wheelmill.diagnose.remedy import LazyRules
from wheelmill.lockfile.pins import parse_pins
from wheelmill.store.wheelhouse import Store
from wheelmill.target import current_target

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux sandboxes")

_SEES_ALPHA = (
    "import importlib.util\n"
    "if importlib.util.find_spec('alpha') is not None:\n"
    "    raise RuntimeError('alpha, checked before, is visible')\n"
)


class _Events:
    """Progress events that call ``on_finished`` with each pin's result."""

    def __init__(self, on_finished: Callable[[object], None]) -> None:
        self.pin_finished = on_finished

    def begin(self, total: int) -> None:
        pass

    def pin_started(self, pin: object) -> None:
        pass


def _check(wheel: Path, scratch: Path, shared: Path, *, sandbox: bool = False) -> str | None:
    box = None
    if sandbox:
        box = for_directory(choose_sandbox("auto", sys.executable), scratch, strict=False)
    return check_import(
        wheel, sys.executable, scratch, index_url="https://127.0.0.1:9/", shared=shared,
        sandbox=box, timeout=120,
    )  # fmt: skip


def test_one_shared_environment_serves_every_check_and_each_sees_its_wheel_alone(
    tmp_path: Path,
) -> None:
    shared = tmp_path / "shared"
    alpha = make_wheel(tmp_path / "dist", "alpha", "1.0")
    beta = make_wheel(tmp_path / "dist", "beta", "1.0", code=_SEES_ALPHA)
    assert _check(alpha, tmp_path / "a", shared) is None
    (env,) = shared.iterdir()  # made once, by the first check
    made = env.stat().st_mtime_ns
    assert _check(beta, tmp_path / "b", shared, sandbox=True) is None
    assert [p.name for p in shared.iterdir()] == [env.name]
    assert env.stat().st_mtime_ns == made
    # Nothing was installed into the shared environment itself.
    assert not list(env.glob("lib/python*/site-packages/alpha*"))
    assert (tmp_path / "a" / "import-check" / "alpha" / "__init__.py").is_file()


def test_the_shared_environment_still_fails_a_wheel_that_does_not_import(
    tmp_path: Path,
) -> None:
    shared = tmp_path / "shared"
    good = make_wheel(tmp_path / "dist", "alpha", "1.0")
    broken = make_wheel(tmp_path / "dist", "gamma", "1.0", code="raise RuntimeError('broken')")
    assert _check(good, tmp_path / "a", shared) is None
    problem = _check(broken, tmp_path / "b", shared, sandbox=True)
    assert problem is not None
    assert problem.startswith("import gamma failed: RuntimeError: broken")


def test_a_missing_dependency_is_told_from_a_missing_module_of_its_own(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    # A dependency installed separately is not there: the wheel itself is fine.
    needs = make_wheel(
        tmp_path / "dist", "delta", "1.0", requires=("not-there",), code="import not_there"
    )
    assert _check(needs, tmp_path / "a", shared) is None
    # A module of the wheel's own that is missing is the wheel's failure.
    lacks = make_wheel(tmp_path / "dist", "epsilon", "1.0", code="import epsilon.missing")
    problem = _check(lacks, tmp_path / "b", shared)
    assert problem is not None
    assert problem.startswith("import epsilon failed: ModuleNotFoundError")


def test_a_build_requirement_download_is_not_made_twice(
    local_index: LocalIndex, tmp_path: Path
) -> None:
    local_index.add(make_wheel(tmp_path / "dist", "helper", "1.0"))
    store = Store(tmp_path / "wh")
    store.create()
    target = current_target()

    def fetch(*requirements: str) -> str:
        log = tmp_path / f"log-{time.monotonic_ns()}"
        log.touch()
        missing = prefetch_build_requirements(
            list(requirements), store, target, index_url=local_index.url, constraints=None,
            offline=False, log=log,
        )  # fmt: skip
        assert missing is None
        return log.read_text("utf-8")

    deps = store.state / "build-deps"
    # No wheel of it here yet: straight to the index (offline first would fail).
    # uv resolves and this process fetches: one short process, no pip
    assert fetch("helper") == (
        "wheelmill: build requirements from the wheelhouse + index (uv): helper\n"
    )
    assert (deps / "helper-1.0-py3-none-any.whl").is_file()
    assert (store.state / "cache" / FETCHED).is_file()
    assert fetch("helper") == "wheelmill: build requirements already fetched: " + (
        "helper-1.0-py3-none-any.whl\n"
    )
    # Another set is asked for; its wheel is here now, so offline first.
    assert (
        fetch("helper>=1") == "wheelmill: build requirements from the wheelhouse (uv): helper>=1\n"
    )
    # A wheel the note names is gone: the downloader runs again and brings it back.
    (deps / "helper-1.0-py3-none-any.whl").unlink()
    assert "already fetched" not in fetch("helper")
    assert (deps / "helper-1.0-py3-none-any.whl").is_file()
    # Builds asking the same at the same time: one download, the others wait for it.
    (store.state / "cache" / FETCHED).unlink()
    logs: list[str] = []
    threads = [threading.Thread(target=lambda: logs.append(fetch("helper"))) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sum("already fetched" not in log for log in logs) == 1, logs


def test_builds_wait_for_a_slot_and_a_stop_ends_the_wait(tmp_path: Path) -> None:
    cancel = Cancel()
    ctx = Context(
        store=Store(tmp_path / "wh"), settings_for=lambda name: BuildSettings(),
        index_url="https://127.0.0.1:9/", retry_failed=False, session=tmp_path,
        cancel=cancel, builds=1,
    )  # fmt: skip
    ended: list[str] = []

    def second() -> None:
        try:
            with ctx.build_slot():
                ended.append("built")
        except Cancelled:
            ended.append("stopped")

    with ctx.build_slot():
        waiting = threading.Thread(target=second)
        waiting.start()
        time.sleep(0.5)
        assert ended == []  # the one slot is taken
        cancel.request()
        waiting.join(5)
    assert ended == ["stopped"]


def test_a_freed_slot_goes_to_the_largest_sdist_waiting() -> None:
    slots, cancel, order = Slots(1), Cancel(), []
    slots.acquire(0, cancel)

    def build(size: int) -> None:
        slots.acquire(size, cancel)
        order.append(size)
        slots.release()

    threads = []
    for size in (10, 300, 20):
        threads.append(threading.Thread(target=build, args=(size,)))
        threads[-1].start()
        time.sleep(0.3)  # all three wait, in this order
    slots.release()
    for thread in threads:
        thread.join(5)
    assert order == [300, 20, 10]


def test_a_free_slot_is_kept_for_a_larger_build_expected_until_it_comes_or_is_forgotten() -> None:
    slots, cancel, order = Slots(1), Cancel(), []
    slots.expect({"large": 300, "larger": 500, "tiny": 5})

    def build(who: str, size: int) -> None:
        slots.acquire(size, cancel, who)
        order.append(who)
        slots.release()

    small = threading.Thread(target=build, args=("small", 10))
    small.start()
    time.sleep(0.5)
    assert order == []  # the slot is free, but two larger builds are on their way
    large = threading.Thread(target=build, args=("large", 300))
    large.start()
    time.sleep(0.5)
    assert order == []  # "larger" is still expected
    slots.forget("larger")  # its pin settled without a build
    for thread in (small, large):
        thread.join(5)
    assert order == ["large", "small"]  # "tiny", smaller, held nobody back


def test_wheels_are_fetched_while_builds_hold_every_slot(
    local_index: LocalIndex, tmp_path: Path
) -> None:
    hold = tmp_path / "hold"
    hold.touch()
    for name in ("alpha", "delta"):
        local_index.add(make_sdist("pure-ok", tmp_path / "src", name=name, version="1.0"))
    for name in ("beta", "gamma"):
        local_index.add(make_wheel(tmp_path / "dist", name, "1.0"))
    names = ("alpha", "delta", "beta", "gamma")
    lock = "".join(local_index.lock_line(name, "1.0") for name in names)
    finished: list[str] = []

    def on_finished(result: object) -> None:
        finished.append(getattr(result, "name", "?"))
        if len(finished) == 2:  # both wheels fetched while alpha and delta build
            hold.unlink()

    report = prebuild(
        parse_pins(lock), Store(tmp_path / "wh"), targets=[current_target()],
        # No sandbox: the build must see the hold file, which lies under the masked /tmp.
        settings=BuildSettings(env={"SAMPLE_HOLD": str(hold)}, sandbox="off", timeout=60),
        index_url=local_index.url, jobs=2, events=_Events(on_finished), rules=LazyRules(),
    )  # fmt: skip
    assert sorted(finished[:2]) == ["beta", "gamma"]
    assert {r.name: r.status for r in report.results} == {
        "alpha": "built",
        "delta": "built",
        "beta": "fetched",
        "gamma": "fetched",
    }


def _padded(sdist: Path, size: int) -> Path:
    """``sdist`` again with ``size`` incompressible bytes more in it (a larger sdist)."""
    with tarfile.open(sdist) as archive:
        members = [(m, archive.extractfile(m)) for m in archive.getmembers()]
        contents = [(m, f.read() if f else None) for m, f in members]
    dist = contents[0][0].name.split("/")[0]
    with tarfile.open(sdist, "w:gz") as archive:
        for member, data in contents:
            archive.addfile(member, io.BytesIO(data) if data is not None else None)
        padding = tarfile.TarInfo(f"{dist}/padding.bin")
        padding.size = size
        archive.addfile(padding, io.BytesIO(os.urandom(size)))
    return sdist


def test_a_build_late_in_the_lock_starts_before_the_builds_ahead_of_it(
    local_index: LocalIndex, tmp_path: Path
) -> None:
    """The pages are read first: the largest sdist to build takes one of the first two
    slots, though the lock names two builds and two wheels before it."""
    hold = tmp_path / "hold"
    hold.touch()
    for name in ("alpha", "beta"):
        local_index.add(make_sdist("pure-ok", tmp_path / "src", name=name, version="1.0"))
    for name in ("gamma", "delta"):
        local_index.add(make_wheel(tmp_path / "dist", name, "1.0"))
    omega = make_sdist("pure-ok", tmp_path / "src", name="omega", version="1.0")
    local_index.add(_padded(omega, 200_000))
    names = ("alpha", "beta", "gamma", "delta", "omega")
    lock = "".join(local_index.lock_line(name, "1.0") for name in names)
    store = Store(tmp_path / "wh")
    first_two: list[str] = []

    def on_finished(result: object) -> None:
        if getattr(result, "name", "") != "delta":
            return
        # Both slots taken and held: the two builds that took them have logs.
        deadline = time.monotonic() + 60
        while len(list(store.logs.glob("*.log"))) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        first_two.extend(sorted(p.name.split("-")[0] for p in store.logs.glob("*.log")))
        hold.unlink()

    report = prebuild(
        parse_pins(lock), store, targets=[current_target()],
        settings=BuildSettings(env={"SAMPLE_HOLD": str(hold)}, sandbox="off", timeout=60),
        index_url=local_index.url, jobs=2, events=_Events(on_finished), rules=LazyRules(),
    )  # fmt: skip
    assert "omega" in first_two and len(first_two) == 2
    assert {r.name: r.status for r in report.results} == {
        "alpha": "built",
        "beta": "built",
        "gamma": "fetched",
        "delta": "fetched",
        "omega": "built",
    }
