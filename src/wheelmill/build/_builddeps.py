"""Build requirements that exist only as sdists: built first, sandboxed, like any pin.

Before a build, the sdist's static build requirements are downloaded as wheels
into ``.wheelmill/build-deps/`` (:func:`~._frontend.prefetch_build_requirements`,
binary only). A requirement with no wheel anywhere is not left to the
installer (which would build it outside the sandbox, with network and the
installer's environment): its sdist is fetched from the index (the index's
hash checked), built by the same path as any pin (:func:`.sdist.build_sdist`:
same sandbox tier, no network for the backend, the allow-listed environment,
its own build requirements first, recursively), and the wheel joins
``build-deps/``. The build frontend itself installs binary only
(``PIP_ONLY_BINARY``, a ``uv.toml`` with ``only-binary``), so nothing is ever
built outside the sandbox; a requirement the backend asks for while it builds
and that has no wheel is built the same way afterwards
(:func:`requested_requirements`), and the pin built once more.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from .._exceptions import WheelmillError
from .._filenames import distribution_of
from ..config import BuildSettings
from ..store.wheelhouse import Store
from ..target import Target
from ._frontend import prefetch_build_requirements
from .upstream import RemoteFile, Upstream, python_ok

#: What pip prints for a requirement it found no wheel for (``--only-binary :all:``).
_NO_WHEEL = re.compile(r"No matching distribution found for (?P<requirement>\S+)")
#: How deep build requirements of build requirements are followed.
MAX_DEPTH = 4


@dataclass(frozen=True)
class Built:
    """A build requirement built from its sdist: its wheel (``None`` on failure),
    the build's log, the sandbox tier it ran in, and what went wrong."""

    name: str
    wheel: Path | None
    log: Path | None
    tier: str
    error: str | None = None


#: Builds ``sdist`` in a fresh ``workdir`` with its log at ``log``, as a pin is
#: built, ``chain`` naming the build requirements around it: ``(wheel or None,
#: error or None, sandbox tier)``.
BuildOne = Callable[  # Optional, not ``| None``: the alias is evaluated on 3.9 too
    [Path, Path, Path, tuple[str, ...]], tuple[Optional[Path], Optional[str], str]
]


def wheel_less(output: str) -> list[Requirement]:
    """The requirements pip found no wheel for, from its output (each once)."""
    found: dict[str, Requirement] = {}
    for match in _NO_WHEEL.finditer(output):
        try:
            requirement = Requirement(match.group("requirement"))
        except InvalidRequirement:
            continue
        found.setdefault(canonicalize_name(requirement.name), requirement)
    return list(found.values())


def _specifier(requirement: Requirement, constraints: Iterable[str]) -> SpecifierSet:
    """The requirement's versions, narrowed by the build constraints naming it."""
    name = canonicalize_name(requirement.name)
    spec = SpecifierSet(str(requirement.specifier))
    for line in constraints:
        try:
            constraint = Requirement(line)
        except InvalidRequirement:
            continue
        if canonicalize_name(constraint.name) == name:
            spec &= constraint.specifier
    return spec


def pick_sdist(
    files: Iterable[RemoteFile], requirement: Requirement, target: Target, spec: SpecifierSet
) -> RemoteFile | None:
    """The newest sdist of ``requirement`` within ``spec`` whose Requires-Python admits
    ``target``; yanked releases and pre-releases (unless asked for) are left out."""
    name = canonicalize_name(requirement.name)
    best: tuple[Version, RemoteFile] | None = None
    for remote in files:
        found = distribution_of(remote.filename)
        if remote.is_wheel or remote.yanked or found is None or found[0] != name:
            continue
        version = found[1]
        if not spec.contains(version, prereleases=bool(spec) and version.is_prerelease):
            continue
        if not python_ok(remote.requires_python, target):
            continue
        if (
            best is None
            or version > best[0]
            or (version == best[0] and remote.filename.endswith(".tar.gz"))
        ):
            best = (version, remote)
    return best[1] if best else None


def _keep_wheel(wheel: Path, directory: Path) -> Path:
    """Copy ``wheel`` into ``directory`` under its name, atomically."""
    directory.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=".incoming-", suffix=".whl", dir=directory)
    os.close(fd)
    try:
        shutil.copyfile(wheel, temp)
        final = directory / wheel.name
        os.replace(temp, final)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return final


def build_from_sdists(
    requirements: list[Requirement],
    *,
    store: Store,
    target: Target,
    index_url: str,
    constraints: Iterable[str],
    workdir: Path,
    chain: tuple[str, ...],
    build: BuildOne,
) -> list[Built]:
    """Build each of ``requirements`` from its sdist with ``build`` into ``build-deps/``.

    ``chain`` names the build requirements being built around this one (a cycle,
    or a chain deeper than :data:`MAX_DEPTH`, is refused).
    """
    upstream = Upstream(index_url)
    done = []
    for requirement in requirements:
        name = canonicalize_name(requirement.name)
        if name in chain or len(chain) >= MAX_DEPTH:
            why = "a cycle of build requirements" if name in chain else "build requirements nest"
            done.append(Built(name, None, None, "none", f"{why}: {' -> '.join([*chain, name])}"))
            continue
        try:
            remote = pick_sdist(
                upstream.files(name), requirement, target, _specifier(requirement, constraints)
            )
            if remote is None:
                done.append(Built(name, None, None, "none", f"{requirement}: no wheel, no sdist"))
                continue
            sdist = upstream.stored_sdist(store, remote, store.tmp, frozenset())
        except WheelmillError as exc:
            done.append(Built(name, None, None, "none", str(exc)))
            continue
        version = distribution_of(remote.filename)
        log = store.new_log(name, str(version[1]) if version else "0", "build-requirement")
        where = workdir / "build-requirements" / name
        wheel, error, tier = build(sdist, where, log, (*chain, name))
        made = distribution_of(wheel.name) if wheel is not None else None
        if wheel is not None and (made is None or made[0] != name):
            error = f"the backend produced {wheel.name}, which is not {name}"
            wheel = None
        kept = _keep_wheel(wheel, store.state / "build-deps") if wheel is not None else None
        shutil.rmtree(where, ignore_errors=True)
        done.append(Built(name, kept, log, tier, error))
    return done


#: How many rounds of building wheel-less build requirements (the downloader names
#: one missing requirement at a time) a build makes at most.
_ROUNDS = 8


def _log(log: Path, text: str) -> None:
    with log.open("a", encoding="utf-8") as stream:
        stream.write(text)


def requirements_first(
    requires: list[str],
    *,
    store: Store,
    target: Target,
    settings: BuildSettings,
    index_url: str,
    constraints: Path | None,
    workdir: Path,
    log: Path,
    chain: tuple[str, ...],
    build: BuildOne,
) -> bool:
    """Put a wheel of every build requirement in ``build-deps/``: download those that
    have one; build those that have none from their sdists first with ``build`` (the
    same path as a pin: the same sandbox, no network, the allow-listed environment),
    noting it in ``log``. ``True`` when it built one."""
    tried: set[str] = set()
    made = False

    for _ in range(_ROUNDS):
        missing = prefetch_build_requirements(
            requires, store, target, index_url=index_url, constraints=constraints,
            offline=settings.offline, log=log, uv=settings.installer != "pip",
        )  # fmt: skip
        if missing is None or settings.offline:
            return made
        wanted = [r for r in wheel_less(missing) if canonicalize_name(r.name) not in tried]
        if not wanted:
            return made
        tried.update(canonicalize_name(r.name) for r in wanted)
        _log(
            log,
            f"wheelmill: no wheel for build requirement {', '.join(map(str, wanted))}: "
            "building it from its sdist first, in the sandbox\n",
        )
        built = build_from_sdists(
            wanted, store=store, target=target, index_url=index_url,
            constraints=settings.constraints, workdir=workdir, chain=chain, build=build,
        )  # fmt: skip
        for item in built:
            where = f"; log: {item.log}" if item.log else ""
            if item.wheel is not None:
                _log(log, f"wheelmill: built {item.wheel.name} (sandbox: {item.tier}{where})\n")
            else:
                _log(log, f"wheelmill: cannot build {item.name}: {item.error}{where}\n")
        if not any(item.wheel for item in built):
            return made
        made = True
    return made


def requested_requirements(path: Path) -> list[str]:
    """The requirements the backend asked for while building (the hook runner wrote
    them), or none."""
    try:
        value = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return []
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []
