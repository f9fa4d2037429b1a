"""One lock for several targets: which resolution to run, and merging per-target results.

uv resolves for every target at once (universal resolution, from the lowest
target Python up). pip-tools resolves for the interpreter it runs in, so it runs
once per target, in that target's interpreter, and :func:`merge_per_target`
makes one lock of the results: a pin every target resolved alike stays as it
is; one that only some targets resolved gets a marker naming those targets'
Python versions (``numpy==2.2.6 ; python_version == "3.10"``).
"""

from __future__ import annotations

import functools
import subprocess
from collections.abc import Sequence

from packaging.version import Version

from ..target import Target, current_target
from ._foreign import both
from .pins import Pin


def lowest_python(targets: Sequence[Target]) -> str | None:
    """The lowest target Python, when the lock must serve more than the running
    interpreter; ``None`` when the running interpreter is the only target."""
    here = current_target()
    if all(target == here for target in targets):
        return None
    return min((target.python_version for target in targets), key=Version)


def resolvable_by_piptools(targets: Sequence[Target]) -> list[Target]:
    """The targets pip-tools can resolve for: those this machine runs whose interpreter
    has pip-tools (it resolves only by running there). The others are left to the
    lock's header, so `build` warns about them; `resolver = "uv"` covers them all."""
    here = current_target()
    return [
        target
        for target in targets
        if not target.download_only and (target == here or _has_piptools(target.python))
    ] or [here]


@functools.cache
def _has_piptools(python: str) -> bool:
    probe = subprocess.run([python, "-c", "import piptools"], capture_output=True, check=False)
    return probe.returncode == 0


def _line(pin: Pin, marker: str | None) -> str:
    extras = f"[{','.join(sorted(pin.extras))}]" if pin.extras else ""
    head = f"{pin.name}{extras}=={pin.version}" + (f" ; {marker}" if marker else "")
    hashes = [f"    --hash={value}" for value in sorted(pin.hashes)]
    return " \\\n".join([head, *hashes]) + "\n"


def merge_per_target(resolved: Sequence[tuple[Target, list[Pin]]]) -> str:
    """One requirements lock from one resolution per target."""
    versions = sorted({target.python_version for target, _ in resolved}, key=Version)
    found: dict[tuple[str, str, str | None], tuple[Pin, set[str]]] = {}
    for target, pins in resolved:
        for pin in pins:
            key = (pin.name, pin.version, str(pin.marker) if pin.marker else None)
            known, where = found.get(key, (pin, set()))
            merged = Pin(
                pin.name, pin.version, known.hashes | pin.hashes, pin.marker,
                known.extras | pin.extras,
            )  # fmt: skip
            found[key] = (merged, where | {target.python_version})
    lines = [f"# resolved once per target Python ({', '.join(versions)}) and merged\n"]
    for _, (pin, where) in sorted(found.items(), key=lambda item: item[0][:2]):
        own = str(pin.marker) if pin.marker else None
        if where == set(versions):
            lines.append(_line(pin, own))
            continue
        pythons = " or ".join(
            f'python_version == "{version}"' for version in sorted(where, key=Version)
        )
        lines.append(_line(pin, both(own, pythons)))
    return "".join(lines)
