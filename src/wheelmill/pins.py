"""Read a pinned, hashed lock (``name==version --hash=…`` lines) into :class:`Pin` objects.

Accepts what pip-compile and ``uv pip compile`` write, and any hand-pinned
requirements file in the same format. Everything a pin cannot be (a range, a URL,
an editable, an include) is a :class:`RequirementsError` naming file and line.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import NormalizedName, canonicalize_name

from ._exceptions import RequirementsError

log = logging.getLogger(__name__)

_HASH_RE = re.compile(r"^(sha256|sha384|sha512):([0-9a-f]+)$")
_HASH_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}
_COMMENT_RE = re.compile(r"(^|\s+)#.*$")
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


def logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Join backslash continuations and drop comments, keeping the first line number."""
    buffer: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _COMMENT_RE.sub("", raw).rstrip()
        if not buffer:
            start = number
        if line.endswith("\\"):
            buffer.append(line[:-1])
            continue
        buffer.append(line)
        joined = " ".join(part.strip() for part in buffer).strip()
        buffer = []
        if joined:
            yield start, joined
    if buffer:
        joined = " ".join(part.strip() for part in buffer).strip()
        if joined:
            yield start, joined


def _split_hashes(body: str, where: str) -> tuple[str, frozenset[str]]:
    parts = body.split(" --hash")
    hashes: set[str] = set()
    for part in parts[1:]:
        value = part.strip().lstrip("=").strip().split()[0] if part.strip() else ""
        match = _HASH_RE.match(value.lower())
        if not match or len(match.group(2)) != _HASH_LENGTHS[match.group(1)]:
            raise RequirementsError(f"{where}: malformed hash {value!r}; expected sha256:<64 hex>")
        hashes.add(value.lower())
    return parts[0].strip(), frozenset(hashes)


def parse_pin_line(body: str, where: str) -> Pin:
    """Parse one logical requirement line (without comments) into a :class:`Pin`."""
    requirement_text, hashes = _split_hashes(body, where)
    try:
        requirement = Requirement(requirement_text)
    except InvalidRequirement as exc:
        first = str(exc).splitlines()[0]
        raise RequirementsError(
            f"{where}: cannot parse requirement {requirement_text!r} ({first})"
        ) from None
    if requirement.url:
        raise RequirementsError(
            f"{where}: direct references ({requirement_text!r}) are not supported; pin a "
            "version from the index instead"
        )
    specifiers = list(requirement.specifier)
    if (
        len(specifiers) != 1
        or specifiers[0].operator not in ("==", "===")
        or specifiers[0].version.endswith(".*")
    ):
        raise RequirementsError(
            f"{where}: {requirement_text!r} is not pinned to one version; "
            "run `wheelmill lock` on the requirements first"
        )
    return Pin(
        name=canonicalize_name(requirement.name),
        version=specifiers[0].version,
        hashes=hashes,
        marker=requirement.marker,
        extras=frozenset(requirement.extras),
    )


def parse_pins(text: str, source: str = "<lock>") -> list[Pin]:
    """Parse the text of a pinned requirements file."""
    pins: list[Pin] = []
    for number, line in logical_lines(text):
        where = f"{source}:{number}"
        if line.startswith("-"):
            option = line.split("=", 1)[0].split()[0]
            if option in _IGNORED_OPTIONS:
                log.info("%s: ignoring %s; wheelmill uses its configured index", where, option)
                continue
            raise RequirementsError(
                f"{where}: option {option!r} is not supported in a lock; "
                "lock the requirements into one flat pinned file"
            )
        pin = parse_pin_line(line, where)
        pins.append(
            Pin(pin.name, pin.version, pin.hashes, pin.marker, pin.extras, line=number)
        )
    return pins


def read_pins(path: Path) -> list[Pin]:
    """Read and parse a lock file; unreadable files are a :class:`RequirementsError`."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RequirementsError(f"{path}: no such lock file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RequirementsError(f"{path}: cannot read lock file ({exc})") from None
    return parse_pins(text, str(path))
