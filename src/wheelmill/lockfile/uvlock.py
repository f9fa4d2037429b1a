"""Read uv's ``uv.lock`` into pins.

Every ``[[package]]`` from a registry is a pin, with the hashes of its sdist
and wheels. The project itself (and any workspace member: ``editable``,
``virtual`` or member ``directory`` sources) is where the dependency graph starts,
not a pin. Its dependencies, every extra (``optional-dependencies``) and every
dependency group (``dev-dependencies``) are followed, so a lock built from the
file covers whatever a team installs from it; markers on the way become each
pin's marker (``gamma`` needed only on Windows gets ``sys_platform == 'win32'``).
Packages from git, a URL or a path are not pins from an index: one clear error.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .._exceptions import RequirementsError
from ._foreign import Edge, check_unconditional, hashes_of, load_toml, marker, pin, walk
from .pins import Pin

#: Sources that are the project (or a workspace member), not a dependency to prebuild.
_PROJECT = ("editable", "virtual")
_NOT_FROM_AN_INDEX = ("git", "url", "path", "directory")


def _id(entry: Mapping[str, Any]) -> str:
    return f"{entry.get('name')} {entry.get('version', '')}"


def _edges(entries: list[Mapping[str, Any]], package: Mapping[str, Any], where: str) -> list[Edge]:
    by_name: dict[str, list[Mapping[str, Any]]] = {}
    for entry in entries:
        by_name.setdefault(str(entry.get("name")), []).append(entry)
    found: list[Edge] = []
    lists = [package.get("dependencies") or []]
    for table in ("optional-dependencies", "dev-dependencies"):
        lists += list((package.get(table) or {}).values())
    for dependencies in lists:
        for dependency in dependencies:
            name = str(dependency.get("name"))
            candidates = by_name.get(name, [])
            if "version" in dependency:
                candidates = [c for c in candidates if c.get("version") == dependency["version"]]
            if not candidates:
                raise RequirementsError(
                    f"{where}: {package.get('name')} depends on {name}, which the lock does "
                    "not list; re-lock with uv"
                )
            if len(candidates) > 1:
                raise RequirementsError(
                    f"{where}: {package.get('name')} depends on {name} without saying which "
                    "of its versions; re-lock with a newer uv"
                )
            found.append(Edge(_id(candidates[0]), marker(dependency.get("marker"), where)))
    return found


def parse_uv_lock(data: Mapping[str, Any], source: str) -> list[Pin]:
    """The pins of a parsed ``uv.lock``."""
    if not isinstance(data.get("version"), int) or data["version"] != 1:
        raise RequirementsError(
            f"{source}: uv.lock version {data.get('version')!r} is not supported (version 1 "
            "is); lock with uv 0.4 or newer"
        )
    entries = data.get("package")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise RequirementsError(f"{source}: no [[package]] array")
    roots: list[Edge] = []
    edges: dict[str, list[Edge]] = {}
    registry: dict[str, Mapping[str, Any]] = {}
    for number, entry in enumerate(entries):
        where = f"{source}: package[{number}] ({entry.get('name')})"
        kinds = set(entry.get("source") or {})
        edges[_id(entry)] = _edges(entries, entry, where)
        if kinds & set(_PROJECT) or ("directory" in kinds and entry.get("name") in _members(data)):
            roots.append(Edge(_id(entry), None))
        elif "registry" in kinds:
            registry[_id(entry)] = entry
        else:
            kind = next(iter(kinds & set(_NOT_FROM_AN_INDEX)), "an unknown source")
            raise RequirementsError(
                f"{where}: packages from {kind} are not supported; lock a version from an "
                "index instead"
            )
    needed = walk(roots, edges) if roots else dict.fromkeys(registry)
    pins = []
    for node, entry in registry.items():
        if node not in needed:
            continue  # nothing in the project needs it (uv keeps no such package)
        where = f"{source}: {entry.get('name')}"
        files = [entry.get("sdist") or {}, *(entry.get("wheels") or [])]
        hashes = hashes_of([f["hash"] for f in files if isinstance(f, dict) and "hash" in f], where)
        pins.append(pin(str(entry["name"]), entry.get("version"), hashes, needed[node], where))
    return check_unconditional(pins, source)


def _members(data: Mapping[str, Any]) -> set[str]:
    manifest = data.get("manifest") or {}
    return {str(name) for name in manifest.get("members") or ()}


def read_uv_lock(path: Path) -> list[Pin]:
    return parse_uv_lock(load_toml(path), str(path))
