"""What the readers of other tools' locks share: loading, hashes, markers, the dependency walk.

A lock of uv or poetry puts environment markers on the *edges* of its dependency
graph (``alpha`` needs ``gamma`` on Windows), not on packages; :func:`walk`
turns them into one marker per package, the way a requirements lock carries it:
the alternatives of every path from the project to the package, each the
conjunction of the markers along it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.markers import InvalidMarker, Marker
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from .. import _toml
from .._exceptions import RequirementsError, excerpt
from .pins import Pin

_ALGORITHMS = {"sha256": 64, "sha384": 96, "sha512": 128}
_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")
#: More alternatives than this for one package: it is needed (nearly) everywhere.
_MOST_ALTERNATIVES = 8


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RequirementsError(f"{path}: no such lock file; check the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RequirementsError(f"{path}: cannot read the lock file ({exc})") from None


def load_toml(path: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = _toml.loads(read_text(path))
    except _toml.TOMLDecodeError as exc:
        raise RequirementsError(f"{path}: not valid TOML ({exc})") from None
    return data


def load_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(read_text(path))
    except ValueError as exc:
        raise RequirementsError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise RequirementsError(f"{path}: not a JSON object")
    return data


def parse_hash(value: object, where: str) -> str | None:
    """``algorithm:hex`` normalized, ``None`` for an algorithm wheelmill cannot check."""
    text = str(value).strip().lower()
    algorithm, _, digest = text.partition(":")
    if not digest:
        raise RequirementsError(f"{where}: malformed hash {excerpt(str(value))}")
    length = _ALGORITHMS.get(algorithm)
    if length is None:
        return None
    if len(digest) != length or not re.fullmatch(r"[0-9a-f]+", digest):
        raise RequirementsError(f"{where}: malformed {algorithm} hash {excerpt(str(value))}")
    return f"{algorithm}:{digest}"


def hashes_of(values: Iterable[object], where: str) -> frozenset[str]:
    return frozenset(h for value in values if (h := parse_hash(value, where)) is not None)


def checked_marker(text: str, where: str, *, refused: str) -> Marker:
    """``text`` as a marker; one line when it is invalid or names a variable of
    ``refused`` (a regex alternation: extras and groups cannot be evaluated)."""
    try:
        parsed = Marker(text)
    except InvalidMarker as exc:
        raise RequirementsError(f"{where}: invalid marker {text!r} ({exc})") from None
    if re.search(rf"\b({refused})\b", _QUOTED.sub("", str(parsed))):
        raise RequirementsError(
            f"{where}: the marker {text!r} selects extras or dependency groups, which "
            "wheelmill cannot evaluate; lock without them (one lock per set of extras)"
        )
    return parsed


def marker(text: object, where: str) -> str | None:
    """A valid marker's text (``None`` for none); extras and groups cannot be evaluated."""
    if text is None or str(text).strip() in ("", "*"):
        return None
    return str(checked_marker(str(text), where, refused="extra|extras|dependency_groups"))


def version(text: object, where: str) -> str:
    try:
        return str(Version(str(text)))
    except InvalidVersion:
        raise RequirementsError(f"{where}: {text!r} is not a PEP 440 version") from None


def pin(
    name: str, version_text: object, hashes: frozenset[str], marker_text: str | None, where: str
) -> Pin:
    return Pin(
        name=canonicalize_name(name),
        version=version(version_text, where),
        hashes=hashes,
        marker=Marker(marker_text) if marker_text else None,
    )


def both(first: str | None, second: str | None) -> str | None:
    """The conjunction of two markers (``None``: always)."""
    if first is None or second is None:
        return first or second
    return f"({first}) and ({second})"


@dataclass(frozen=True)
class Edge:
    """A dependency: to package ``target`` (a node id), under ``marker`` (``None``: always)."""

    target: str
    marker: str | None


def walk(roots: Sequence[Edge], edges: Mapping[str, Sequence[Edge]]) -> dict[str, str | None]:
    """Every node reachable from ``roots``, with the marker under which it is needed
    (``None``: always). A node with many alternative paths is taken as always needed."""
    found: dict[str, set[str] | None] = {}
    pending = list(roots)
    while pending:
        edge = pending.pop()
        known = found.get(edge.target, set())
        if known is None:
            continue  # already needed everywhere
        if edge.marker is None or len(known) >= _MOST_ALTERNATIVES:
            found[edge.target] = None
        elif edge.marker in known:
            continue
        else:
            found[edge.target] = known | {edge.marker}
        for child in edges.get(edge.target, ()):
            pending.append(Edge(child.target, both(edge.marker, child.marker)))
    return {
        node: None if alternatives is None else " or ".join(f"({m})" for m in sorted(alternatives))
        for node, alternatives in found.items()
    }


def check_unconditional(pins: Sequence[Pin], source: str) -> list[Pin]:
    seen: set[str] = set()
    for item in pins:
        if item.marker is None:
            if item.name in seen:
                raise RequirementsError(
                    f"{source}: {item.name} is locked twice without markers; keep one version"
                )
            seen.add(item.name)
    return list(pins)
