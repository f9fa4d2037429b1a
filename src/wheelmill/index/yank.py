"""Yanked versions (PEP 592): kept in ``.wheelmill/yanked.json``, shown by the index.

A yanked version stays in ``wheels/`` and on the index, marked ``data-yanked``
(HTML) and ``"yanked"`` (JSON) with its reason: pip and uv then skip it unless
a requirement pins it exactly (``==``), so a lock that already pins it keeps
installing while nothing new resolves to it. The file is the wheelhouse's own
state, so every publish (and every page rewritten for any reason) keeps the marks.
``export`` refuses a yanked pin unless told to allow it; ``verify`` warns.
"""

from __future__ import annotations

import json
from pathlib import Path

from packaging.version import InvalidVersion, Version

from .._exceptions import RequirementsError, WheelhouseError
from .._wheelname import canonical_name as canonicalize_name
from ..store.wheelhouse import Store, write_atomic

YANKED_FILE = "yanked.json"


class Yanks:
    """``{project: {version: reason}}``: names canonical, versions normalized (a plain
    class: a publish loads no :mod:`dataclasses`)."""

    def __init__(self, path: Path, projects: dict[str, dict[str, str]] | None = None) -> None:
        self.path = path
        self.projects: dict[str, dict[str, str]] = {} if projects is None else projects

    def __repr__(self) -> str:
        return f"Yanks(path={self.path!r}, projects={self.projects!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Yanks):
            return NotImplemented
        return (self.path, self.projects) == (other.path, other.projects)

    __hash__ = None  # type: ignore[assignment]  # mutable, as the dataclass was

    @classmethod
    def load(cls, store: Store) -> Yanks:
        path = store.state / YANKED_FILE
        try:
            data = json.loads(path.read_bytes())
        except FileNotFoundError:
            return cls(path)
        except (OSError, ValueError) as exc:
            raise WheelhouseError(
                f"{path}: unreadable ({exc}); fix it or remove it (every version is then unyanked)"
            ) from None
        projects: dict[str, dict[str, str]] = {}
        if isinstance(data, dict):
            for name, versions in data.items():
                if isinstance(versions, dict):
                    projects[str(name)] = {str(v): str(r) for v, r in versions.items()}
        return cls(path, projects)

    def of(self, project: str) -> dict[str, str]:
        """The project's yanked versions and their reasons."""
        return self.projects.get(project, {})

    def reason(self, name: str, version: str) -> str | None:
        """Why ``name==version`` is yanked (``""`` for no reason given), or ``None``."""
        try:
            normal = str(Version(version))
        except InvalidVersion:
            return None
        return self.of(canonicalize_name(name)).get(normal)

    def save(self, store: Store) -> None:
        data = {p: dict(sorted(v.items())) for p, v in sorted(self.projects.items()) if v}
        text = json.dumps(data, indent=1, sort_keys=True).encode() + b"\n"
        write_atomic(self.path, text, tmp_dir=store.tmp)


def parse_spec(spec: str) -> tuple[str, str]:
    """``NAME==VERSION`` as (canonical name, normalized version)."""
    # the requirement parser loads only for a yank, not for every publish
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        requirement = Requirement(spec)
        (only,) = requirement.specifier
        if only.operator != "==" or "*" in only.version:
            raise ValueError
        return canonicalize_name(requirement.name), str(Version(only.version))
    except (InvalidRequirement, InvalidVersion, ValueError):
        raise RequirementsError(
            f"{spec!r}: name one version as NAME==VERSION, e.g. 'requests==2.31.0'"
        ) from None


def set_yanked(store: Store, spec: str, reason: str | None) -> tuple[str, str]:
    """Yank ``spec`` (``reason`` given) or unyank it (``reason`` is ``None``); write the
    state and return (project, version). The caller publishes the project again."""
    project, version = parse_spec(spec)
    carried = {str(Version(v)) for (name, v) in store.wheel_files() if name == project}
    if version not in carried:
        raise RequirementsError(
            f"{project}=={version}: no wheel of it in {store.wheels}; check the version "
            f"(carried: {', '.join(sorted(carried, key=Version)) or 'none'})"
        )
    yanks = Yanks.load(store)
    versions = yanks.projects.setdefault(project, {})
    if reason is None:
        versions.pop(version, None)
    else:
        versions[version] = reason
    yanks.save(store)
    return project, version
