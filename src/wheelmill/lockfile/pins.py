"""Read a pinned, hashed lock (``name==version --hash=…`` lines) into :class:`Pin` objects.

:func:`read_lock` also takes a PEP 751 ``pylock.toml`` (see :mod:`wheelmill.lockfile.pylock`).

Accepts what pip-compile and ``uv pip compile`` write, and any hand-pinned
requirements file in the same format. Everything a pin cannot be (a range, a URL,
an editable, an include) is a :class:`RequirementsError` naming file and line.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from .._exceptions import RequirementsError, excerpt
from .._requirement import parse_requirement
from ._lines import logical_lines

__all__ = ["Pin", "logical_lines", "parse_pin_line", "parse_pins", "read_pins"]

if TYPE_CHECKING:
    from packaging.markers import Marker

log = logging.getLogger(__name__)

_HASH_RE = re.compile(r"^(sha256|sha384|sha512):([0-9a-f]+)$")
_HASH_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}
_HASH_OPTION_RE = re.compile(r"\s+--hash(?=[=\s]|$)")
#: A plain ``name==version`` (no extras, no marker, no URL): most lines of a lock, read
#: without the full requirement parser. The name is PEP 508's; anything else goes the
#: full way (and gets its error message there).
_PLAIN_PIN_RE = re.compile(
    r"^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*==\s*([A-Za-z0-9!+_.-]+)$"
)
#: Options a lock may carry that do not change what is pinned; wheelmill takes its
#: package sources from its own configuration, never from the lock.
_IGNORED_OPTIONS = (
    "--index-url",
    "-i",
    "--extra-index-url",
    "--find-links",
    "-f",
    "--trusted-host",
    "--prefer-binary",
    "--pre",
    "--only-binary",
    "--no-binary",
    "--no-index",
)


@dataclass(frozen=True)
class Pin:
    """One exactly pinned distribution of a lock."""

    name: NormalizedName
    version: str
    hashes: frozenset[str]
    marker: Marker | None = None
    extras: frozenset[str] = frozenset()
    line: int = 0

    @property
    def spec(self) -> str:
        return f"{self.name}=={self.version}"

    def applies_to(self, environment: Mapping[str, str]) -> bool:
        """Whether the pin's environment marker holds for a target environment."""
        return self.marker is None or self.marker.evaluate(dict(environment))

    def sha256s(self) -> frozenset[str]:
        return frozenset(h.split(":", 1)[1] for h in self.hashes if h.startswith("sha256:"))


def _split_hashes(body: str, where: str) -> tuple[str, frozenset[str]]:
    parts = _HASH_OPTION_RE.split(body)
    hashes: set[str] = set()
    for part in parts[1:]:
        tokens = part.strip().lstrip("=").split()
        value = tokens[0] if tokens else ""
        if len(tokens) > 1:
            raise RequirementsError(
                f"{where}: unexpected {excerpt(' '.join(tokens[1:]))} after --hash; "
                "put markers before the hashes, one --hash=<algorithm>:<hex> each"
            )
        match = _HASH_RE.match(value.lower())
        if not match or len(match.group(2)) != _HASH_LENGTHS[match.group(1)]:
            raise RequirementsError(
                f"{where}: malformed hash {excerpt(value)}; expected sha256:<64 hex digits> "
                "(re-lock with hashes to fix it)"
            )
        hashes.add(value.lower())
    return parts[0].strip(), frozenset(hashes)


def _plain_pin(requirement_text: str, hashes: frozenset[str]) -> Pin | None:
    """The pin of a plain ``name==version`` line, or ``None`` for any other line."""
    plain = _PLAIN_PIN_RE.match(requirement_text)
    if plain is None or plain.group(2).endswith("."):
        return None
    try:
        version = str(Version(plain.group(2)))
    except InvalidVersion:
        return None
    return Pin(name=canonicalize_name(plain.group(1)), version=version, hashes=hashes)


def parse_pin_line(body: str, where: str) -> Pin:
    """Parse one logical requirement line (without comments) into a :class:`Pin`."""
    requirement_text, hashes = _split_hashes(body, where)
    plain = _plain_pin(requirement_text, hashes)
    if plain is not None:
        return plain
    requirement = parse_requirement(requirement_text)
    if isinstance(requirement, str):
        raise RequirementsError(
            f"{where}: cannot parse requirement {excerpt(requirement_text)} ({requirement}); "
            "write it as name==version"
        )
    if requirement.url:
        raise RequirementsError(
            f"{where}: direct references ({excerpt(requirement_text)}) are not supported; pin a "
            "version from the index instead"
        )
    specifiers = list(requirement.specifier)
    if (
        len(specifiers) != 1
        or specifiers[0].operator not in ("==", "===")
        or specifiers[0].version.endswith(".*")
    ):
        raise RequirementsError(
            f"{where}: {excerpt(requirement_text)} is not pinned to one version; "
            "run `wheelmill lock` on the requirements first"
        )
    try:
        # Normalized, so the version compares equal to the one in a wheel's filename.
        version = str(Version(specifiers[0].version))
    except InvalidVersion:
        raise RequirementsError(
            f"{where}: {excerpt(specifiers[0].version)} is not a PEP 440 version; "
            "pin a release the index publishes"
        ) from None
    return Pin(
        name=canonicalize_name(requirement.name),
        version=version,
        hashes=hashes,
        marker=requirement.marker,
        extras=frozenset(requirement.extras),
    )


def parse_pins(text: str, source: str = "<lock>") -> list[Pin]:
    """Parse the text of a pinned requirements file."""
    pins: list[Pin] = []
    unconditional: dict[str, int] = {}
    for number, line in logical_lines(text):
        where = f"{source}:{number}"
        if line.startswith("-"):
            option = line.split("=", 1)[0].split()[0]
            if option in _IGNORED_OPTIONS:
                log.info("%s: ignoring %s; wheelmill uses its configured index", where, option)
                continue
            raise RequirementsError(
                f"{where}: option {excerpt(option)} is not supported in a lock; "
                "lock the requirements into one flat pinned file"
            )
        pin = parse_pin_line(line, where)
        if pin.marker is None:
            if pin.name in unconditional:
                raise RequirementsError(
                    f"{where}: {pin.name} is pinned again (first on line "
                    f"{unconditional[pin.name]}); keep one pin per package"
                )
            unconditional[pin.name] = number
        pins.append(Pin(pin.name, pin.version, pin.hashes, pin.marker, pin.extras, line=number))
    return pins


def read_pins(path: Path) -> list[Pin]:
    """Read and parse a lock file; unreadable files are a :class:`RequirementsError`."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RequirementsError(
            f"{path}: no such lock file; check the path or create it with `wheelmill lock`"
        ) from None
    except UnicodeDecodeError as exc:
        raise RequirementsError(
            f"{path}: not UTF-8 text (byte {exc.start}); save the lock file as UTF-8"
        ) from None
    except OSError as exc:
        raise RequirementsError(
            f"{path}: cannot read lock file ({exc.strerror}); check its permissions"
        ) from None
    return parse_pins(text, str(path))
