"""PEP 751 lock files (``pylock.toml``): read one into pins, write one from the wheelhouse.

Reading keeps what wheelmill needs of each ``[[packages]]`` entry: its name,
version, environment marker, and the hashes of every wheel and sdist it lists
(so downloads are checked against them, as with a requirements lock). A package
from a VCS, a directory or an archive URL is not a pin from an index, and is
refused, as a direct reference is in a requirements lock.

wheelmill first checks what it can honour (above); then, where the installed
``packaging`` has PEP 751 support (``packaging.pylock``, packaging 26.0 and
later), the file is validated by it against the specification (file names that
match their package and version, one source per package, field types) and the
pins are made from its typed packages. With an older ``packaging`` the pins are
made from the TOML tables directly. Package names need not be normalized.

Writing produces ``lock-version = "1.0"``, ``created-by = "wheelmill"`` and, per
package, ``name``, ``version``, ``marker`` and ``wheels`` entries with ``name``,
``url`` (or a ``path`` relative to the lock file), ``size`` and ``hashes``.
pip (``pip install -r pylock.toml``, experimental since pip 26.1) and uv
(``uv pip install -r pylock.toml``) install from it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.markers import Marker
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from .. import _toml
from .._exceptions import RequirementsError
from ._foreign import checked_marker
from .pins import Pin

#: PEP 751 names: ``pylock.toml`` or ``pylock.<name>.toml``.
PYLOCK_NAME = re.compile(r"^pylock\.([^.]+\.)?toml$")
_ALGORITHMS = {"sha256": 64, "sha384": 96, "sha512": 128}


def is_pylock(path: Path) -> bool:
    """Whether ``path`` is read as a PEP 751 lock (any ``.toml`` file is)."""
    return path.suffix == ".toml"


def _hashes(table: object, where: str) -> set[str]:
    if not isinstance(table, dict) or not table:
        raise RequirementsError(f'{where}: `hashes` must be a table like {{sha256 = "…"}}')
    found = set()
    for algorithm, value in table.items():
        length = _ALGORITHMS.get(str(algorithm).lower())
        text = str(value).lower()
        if length is None:
            continue  # another algorithm: pip and uv may check it; wheelmill cannot
        if len(text) != length or not re.fullmatch(r"[0-9a-f]+", text):
            raise RequirementsError(f"{where}: malformed {algorithm} hash {value!r}")
        found.add(f"{algorithm}:{text}")
    return found


def _marker(text: object, where: str) -> Marker | None:
    if text is None:
        return None
    return checked_marker(str(text), where, refused="extras|dependency_groups")


def _pin(package: Any, index: int, source: str) -> Pin:
    where = f"{source}: packages[{index}]"
    if not isinstance(package, dict) or not isinstance(package.get("name"), str):
        raise RequirementsError(f"{where}: every package needs a `name`")
    where = f"{where} ({package['name']})"
    for kind in ("vcs", "directory", "archive"):
        if kind in package:
            raise RequirementsError(
                f"{where}: packages from a {kind} are not supported; lock a version "
                "from an index instead"
            )
    if "version" not in package:
        raise RequirementsError(f"{where}: no `version`; wheelmill needs every package pinned")
    try:
        version = str(Version(str(package["version"])))
    except InvalidVersion:
        raise RequirementsError(
            f"{where}: {package['version']!r} is not a PEP 440 version"
        ) from None
    hashes: set[str] = set()
    for number, wheel in enumerate(package.get("wheels") or []):
        hashes |= _hashes(
            wheel.get("hashes") if isinstance(wheel, dict) else None, f"{where} wheels[{number}]"
        )
    if isinstance(package.get("sdist"), dict):
        hashes |= _hashes(package["sdist"].get("hashes"), f"{where} sdist")
    return Pin(
        name=canonicalize_name(package["name"]),
        version=version,
        hashes=frozenset(hashes),
        marker=_marker(package.get("marker"), where),
    )


def _standard_pins(data: dict[str, Any], source: str) -> list[Pin] | None:
    """The pins as ``packaging.pylock`` reads them; ``None`` when it is not installed."""
    try:  # packaging 26.0 and later
        from packaging.pylock import Pylock, PylockValidationError
    except ImportError:
        return None
    # PEP 751 asks for normalized names; a lock that does not is still read.
    packages = [
        {**package, "name": canonicalize_name(package["name"])} for package in data["packages"]
    ]
    try:
        lock = Pylock.from_dict({**data, "packages": packages})
    except PylockValidationError as exc:
        raise RequirementsError(
            f"{source}: not a valid PEP 751 lock: {exc}; write it with a PEP 751 locker"
        ) from None
    pins = []
    for index, package in enumerate(lock.packages):
        where = f"{source}: packages[{index}] ({package.name})"
        hashes: set[str] = set()
        for number, wheel in enumerate(package.wheels or ()):
            hashes |= _hashes(dict(wheel.hashes), f"{where} wheels[{number}]")
        if package.sdist is not None:
            hashes |= _hashes(dict(package.sdist.hashes), f"{where} sdist")
        pins.append(
            Pin(
                name=package.name,
                version=str(package.version),
                hashes=frozenset(hashes),
                marker=package.marker,
            )
        )
    return pins


def parse_pylock(text: str, source: str = "pylock.toml") -> list[Pin]:
    """The pins of a PEP 751 lock's text."""
    try:
        data = _toml.loads(text)
    except _toml.TOMLDecodeError as exc:
        raise RequirementsError(f"{source}: not valid TOML ({exc})") from None
    version = str(data.get("lock-version", ""))
    if not version.startswith("1."):
        raise RequirementsError(
            f"{source}: lock-version {data.get('lock-version')!r} is not a PEP 751 "
            "version 1 lock; write it with a PEP 751 locker"
        )
    packages = data.get("packages")
    if not isinstance(packages, list):
        raise RequirementsError(f"{source}: no [[packages]] array")
    # What wheelmill can honour is checked first, on the tables themselves.
    pins = [_pin(package, index, source) for index, package in enumerate(packages)]
    unconditional: set[str] = set()
    for pin in pins:
        if pin.marker is None:
            if pin.name in unconditional:
                raise RequirementsError(
                    f"{source}: {pin.name} is listed twice without markers; keep one version"
                )
            unconditional.add(pin.name)
    standard = _standard_pins(data, source)
    return pins if standard is None else standard


def read_pylock(path: Path) -> list[Pin]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RequirementsError(f"{path}: no such lock file; check the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RequirementsError(f"{path}: cannot read the lock file ({exc})") from None
    return parse_pylock(text, str(path))


# -- writing ----------------------------------------------------------------------


@dataclass(frozen=True)
class LockedWheel:
    """One wheel entry: ``url`` is an absolute URL, or ``None`` to write ``path``."""

    name: str
    size: int
    sha256: str
    url: str | None = None
    path: str | None = None


@dataclass(frozen=True)
class LockedPackage:
    name: str
    version: str
    marker: str | None
    wheels: Sequence[LockedWheel]


def _string(value: str) -> str:
    # A JSON string (ASCII, escaped) is also a valid TOML basic string.
    return json.dumps(value)


def _wheel_line(wheel: LockedWheel) -> str:
    where = f"url = {_string(wheel.url)}" if wheel.url else f"path = {_string(wheel.path or '')}"
    return (
        f"  {{ name = {_string(wheel.name)}, {where}, size = {wheel.size}, "
        f"hashes = {{ sha256 = {_string(wheel.sha256)} }} }},"
    )


def pylock_text(packages: Sequence[LockedPackage]) -> str:
    """The text of a PEP 751 lock listing ``packages`` (wheels only)."""
    lines = ['lock-version = "1.0"', 'created-by = "wheelmill"']
    for package in packages:
        lines += ["", "[[packages]]", f"name = {_string(package.name)}"]
        lines.append(f"version = {_string(package.version)}")
        if package.marker:
            lines.append(f"marker = {_string(package.marker)}")
        lines.append("wheels = [")
        lines += [_wheel_line(wheel) for wheel in package.wheels]
        lines.append("]")
    return "\n".join(lines) + "\n"
