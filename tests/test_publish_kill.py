"""``kill -9`` of a ``publish`` that reads its wheels in a process pool leaves no worker behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import make_wheel

pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc"),
    pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="publish uses its pool with 2+ CPUs"),
]

WHEELS = 600  # more than publish reads without its process pool


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()


def _children(parent: int) -> dict[int, str]:
    """The processes whose parent is ``parent``, with their start times."""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat(int(entry))
            if fields is not None and int(fields[1]) == parent:
                found[int(entry)] = fields[19]
    return found


def _alive(pid: int, started: str) -> bool:
    fields = _stat(pid)
    return fields is not None and fields[19] == started and fields[0] != "Z"


def test_workers_die_with_a_killed_publish(tmp_path: Path) -> None:
    wheelhouse = tmp_path / "wh"
    for number in range(WHEELS):
        make_wheel(wheelhouse / "wheels", f"pkg{number}", "1.0", payload=2000)
    publish = subprocess.Popen(
        [sys.executable, "-m", "wheelmill", "publish", "-w", str(wheelhouse), "-q"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    children: dict[int, str] = {}
    try:
        deadline = time.monotonic() + 60
        while not children and publish.poll() is None and time.monotonic() < deadline:
            children = _children(publish.pid)
            time.sleep(0.002)
        time.sleep(0.05)  # the other workers start within moments of the first
        children.update(_children(publish.pid))
    finally:
        publish.kill()
        publish.wait()
    assert children, "publish ended before its process pool was seen"

    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(_alive(*child) for child in children.items()):
        time.sleep(0.05)
    survivors = [pid for pid, started in children.items() if _alive(pid, started)]
    for pid in survivors:  # do not leave them to the next test either
        os.kill(pid, signal.SIGKILL)
    assert survivors == []
