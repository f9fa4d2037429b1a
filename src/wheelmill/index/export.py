"""Write a lock whose hashes are those of the wheelhouse's own wheels.

A lock from ``wheelmill lock`` carries the hashes of the *upstream* files; a
wheel wheelmill built from an sdist has bytes of its own. The export lists,
for every pin, the sha256 of every wheel in ``DIR/wheels/`` for that
``name==version`` (one per target, or one pure wheel for all), so CI can run::

    pip install --require-hashes --only-binary :all: --index-url URL -r requirements.binary.txt

and pip (or uv) itself refuses a wheel whose bytes changed. Markers are kept.
The same content can be written as a PEP 751 ``pylock.toml``.

Before writing, every wheel is hashed and compared with what wheelmill
recorded when it stored the wheel: a file changed since then is an error, not
a hash to publish.
"""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .._exceptions import ExportIncomplete, WheelChanged, WheelmillError, YankedPins
from ..lockfile.pins import Pin
from ..lockfile.pylock import PYLOCK_NAME, LockedPackage, LockedWheel, pylock_text
from ..store.wheelhouse import Store, sha256_file, write_atomic
from ..target import Target
from .yank import Yanks

FORMATS = ("requirements", "pylock")


@dataclass(frozen=True)
class WheelFile:
    path: Path
    size: int
    sha256: str


@dataclass(frozen=True)
class ExportEntry:
    """A pin and the wheelhouse's wheels for it (none when no target needs it)."""

    pin: Pin
    wheels: tuple[WheelFile, ...]


@dataclass(frozen=True)
class ExportReport:
    output: Path
    format: str
    entries: list[ExportEntry]

    @property
    def wheels(self) -> int:
        return sum(len(entry.wheels) for entry in self.entries)

    @property
    def unneeded(self) -> list[Pin]:
        """Pins written without hashes: no wheel, and no target's marker selects them."""
        return [entry.pin for entry in self.entries if not entry.wheels]


def format_for(output: Path, chosen: str | None) -> str:
    """``pylock`` for ``pylock.toml``/``pylock.<name>.toml``, else ``requirements``."""
    if chosen is not None:
        return chosen
    return "pylock" if PYLOCK_NAME.match(output.name) else "requirements"


def _recorded(store: Store) -> tuple[dict[str, set[str]], set[tuple[str, str, str]]]:
    """The digests recorded per wheel, and the (name, version, target) a release's
    Requires-Python excludes (``build`` found them not applicable)."""
    digests: dict[str, set[str]] = {}
    unsupported: set[tuple[str, str, str]] = set()
    for _, record in store.iter_records():
        if record.wheel and record.sha256:
            digests.setdefault(record.wheel, set()).add(record.sha256)
        if record.status == "not-applicable":
            unsupported.add((record.name, record.version, record.target))
    return digests, unsupported


def collect(pins: Sequence[Pin], store: Store, targets: Sequence[Target]) -> list[ExportEntry]:
    """Every pin with its wheels' sizes and hashes; raises if a needed pin has none."""
    files = store.wheel_files()
    recorded, unsupported = _recorded(store)
    entries: list[ExportEntry] = []
    missing: list[str] = []
    changed: list[str] = []
    for pin in pins:
        wheels = []
        for path in files.get((pin.name, pin.version), []):
            digest = sha256_file(path)
            known = recorded.get(path.name)
            if known and digest not in known:
                changed.append(path.name)
            wheels.append(WheelFile(path, path.stat().st_size, digest))
        if not wheels and any(
            pin.applies_to(target.environment)
            and (pin.name, pin.version, target.name) not in unsupported
            for target in targets
        ):
            missing.append(pin.spec)
        entries.append(ExportEntry(pin, tuple(wheels)))
    if changed:
        raise WheelChanged(sorted(set(changed)))
    if missing:
        raise ExportIncomplete(missing)
    return entries


def _requirement(pin: Pin) -> str:
    extras = f"[{','.join(sorted(pin.extras))}]" if pin.extras else ""
    marker = f" ; {pin.marker}" if pin.marker is not None else ""
    return f"{pin.name}{extras}=={pin.version}{marker}"


def requirements_text(entries: Sequence[ExportEntry], source: str) -> str:
    lines = [
        f"# Written by `wheelmill export` from {source}. The hashes are those of the",
        "# wheelhouse's wheels (every target's), not of the upstream files. Install with:",
        "#   pip install --require-hashes --only-binary :all: --index-url URL -r THIS_FILE",
    ]
    for entry in entries:
        if not entry.wheels:
            lines.append("# no wheel, and no target of the wheelhouse needs it:")
            lines.append(_requirement(entry.pin))
            continue
        hashes = [f"    --hash=sha256:{wheel.sha256}" for wheel in entry.wheels]
        lines.append(" \\\n".join([_requirement(entry.pin), *hashes]))
    return "\n".join(lines) + "\n"


def wheels_base(url: str) -> str:
    """Where ``wheels/`` is served, from the wheelhouse's URL or its index URL."""
    base = url.rstrip("/")
    if base.endswith("/simple"):
        base = base[: -len("/simple")]
    return f"{base}/wheels/"


def pylock_packages(
    entries: Sequence[ExportEntry], output: Path, base_url: str | None
) -> list[LockedPackage]:
    """``url`` entries under ``base_url``, else ``path`` entries relative to ``output``."""
    packages = []
    for entry in entries:
        if not entry.wheels:
            continue  # nothing to install from; no target needs it
        wheels = []
        for wheel in entry.wheels:
            if base_url is not None:
                url = wheels_base(base_url) + urllib.parse.quote(wheel.path.name)
                wheels.append(LockedWheel(wheel.path.name, wheel.size, wheel.sha256, url=url))
            else:
                relative = os.path.relpath(wheel.path, output.absolute().parent)
                path = Path(relative).as_posix()
                wheels.append(LockedWheel(wheel.path.name, wheel.size, wheel.sha256, path=path))
        marker = str(entry.pin.marker) if entry.pin.marker is not None else None
        packages.append(LockedPackage(entry.pin.name, entry.pin.version, marker, wheels))
    return packages


def export(
    pins: Sequence[Pin],
    store: Store,
    output: Path,
    *,
    targets: Sequence[Target],
    file_format: str | None = None,
    base_url: str | None = None,
    source: str = "the lock",
    allow_yanked: bool = False,
) -> ExportReport:
    """Write ``output`` (atomically) in the chosen or implied format; a pin yanked in the
    wheelhouse is refused (:class:`YankedPins`) unless ``allow_yanked``."""
    chosen = format_for(output, file_format)
    if chosen == "pylock" and not PYLOCK_NAME.match(output.name):
        raise WheelmillError(
            f"{output.name}: a PEP 751 lock must be named pylock.toml or pylock.<name>.toml "
            "(pip and uv recognise it by its name)"
        )
    if not allow_yanked:
        yanks = Yanks.load(store)
        yanked = []
        for pin in pins:
            reason = yanks.reason(pin.name, pin.version)
            if reason is not None:
                yanked.append(pin.spec + (f" ({reason})" if reason else ""))
        if yanked:
            raise YankedPins(yanked)
    entries = collect(pins, store, targets)
    if chosen == "pylock":
        text = pylock_text(pylock_packages(entries, output, base_url))
    else:
        text = requirements_text(entries, source)
    output.absolute().parent.mkdir(parents=True, exist_ok=True)
    write_atomic(output.absolute(), text.encode())
    return ExportReport(output=output, format=chosen, entries=entries)
