"""Build requirements resolved by uv and fetched in this process.

The first way :func:`~._frontend.prefetch_build_requirements` tries:
``uv pip compile --only-binary :all:`` for the target's interpreter pins the
requirements (under the build constraints, from the wheelhouse's wheels, those
already in ``build-deps/`` and the index), then each pin's wheel is taken from
those directories or downloaded from the index (its sha256 checked against the
index's). uv builds nothing here: it may use wheels only, so no sdist's code runs.

It answers ``None`` whenever it cannot do the whole job (no uv, a requirement
without a wheel, the index unreachable, anything unexpected); the caller then
asks pip, as before, whose output names the requirements without a wheel. So
every failure is told in the same words either way, and only a success is faster:
one uv process instead of pip starting, importing and resolving.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from .._exceptions import WheelmillError
from .._isolation import isolated_env
from .._tools import uv_binary
from ..lockfile.pins import Pin
from ..store._files import temp_file
from ..target import Target

#: A pin line of ``uv pip compile``'s output (``--no-annotate --no-header``).
_PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;\\]+)\s*$", re.M)


def _compile(
    requirements: Sequence[str],
    target: Target,
    *,
    index_url: str,
    local: Sequence[Path],
    constraints: Path | None,
    offline: bool,
    cache: Path,
) -> list[tuple[str, str]] | None:
    """The pins uv resolves ``requirements`` to for ``target``, wheels only; ``None``
    when it cannot (uv is missing, or said why not)."""
    uv = uv_binary()
    if uv is None:
        return None
    argv = [
        uv, "pip", "compile", "-", "--quiet", "--no-header", "--no-annotate",
        "--only-binary", ":all:", "--python", target.python, "--cache-dir", str(cache),
    ]  # fmt: skip
    for directory in local:
        argv += ["--find-links", str(directory)]
    argv += ["--no-index", "--offline"] if offline else ["--index-url", index_url]
    if constraints is not None:
        argv += ["--constraint", str(constraints)]
    env = isolated_env(index_url=index_url)
    env.pop("UV_DEFAULT_INDEX", None)  # the command line says which index, or none
    try:
        done = subprocess.run(
            argv,
            input="\n".join(requirements) + "\n",
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return [(match["name"], match["version"]) for match in _PIN.finditer(done.stdout)]


def _local_wheels(target: Target, local: Sequence[Path]) -> dict[tuple[str, Version], Path]:
    """The best wheel for ``target`` of each (project, version) in the ``local``
    directories, each listed once."""
    best: dict[tuple[str, Version], tuple[int, Path]] = {}
    for directory in local:
        try:
            names = os.listdir(directory)
        except OSError:
            continue
        for name in names:
            if not name.endswith(".whl") or name.startswith("."):
                continue
            try:
                project, version, _, tags = parse_wheel_filename(name)
            except (InvalidWheelFilename, InvalidVersion):
                continue
            rank = target.tag_rank(tags)
            known = best.get((project, version))
            if rank is not None and (known is None or rank < known[0]):
                best[(project, version)] = (rank, directory / name)
    return {key: path for key, (_, path) in best.items()}


def _into(dest: Path, source: Path) -> None:
    """Copy ``source`` into ``dest`` under its name, by a temp file of its own and a
    rename (two builds copying the same wheel each write their own)."""
    fd, temp = temp_file(dest, source.name)
    try:
        with os.fdopen(fd, "wb") as sink, source.open("rb") as stream:
            shutil.copyfileobj(stream, sink)
        os.replace(temp, dest / source.name)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def fetch(
    requirements: Sequence[str],
    target: Target,
    dest: Path,
    *,
    wheels: Path,
    index_url: str,
    constraints: Path | None,
    offline: bool,
    cache: Path,
) -> list[str] | None:
    """Put a wheel of every requirement (and of what they require) in ``dest``: the
    names of those wheels, or ``None`` when this way cannot (the caller asks pip)."""
    local = (dest, wheels)
    pins = _compile(
        requirements, target, index_url=index_url, local=local, constraints=constraints,
        offline=offline, cache=cache,
    )  # fmt: skip
    if not pins:
        return None
    from .upstream import Upstream  # only when something is not here yet

    upstream: Upstream | None = None
    names: list[str] = []
    here = _local_wheels(target, local)
    try:
        for name, version in pins:
            wanted = (canonicalize_name(name), Version(version))
            found = here.get(wanted)
            if found is not None:
                if found.parent != dest:
                    _into(dest, found)
                names.append(found.name)
                continue
            if offline:
                return None
            upstream = upstream or Upstream(index_url)
            pin = Pin(name=wanted[0], version=version, hashes=frozenset())
            remote = upstream.candidates(pin, target).wheel
            if remote is None:
                return None
            temp = upstream.download(remote, dest, frozenset())
            os.replace(temp, dest / remote.filename)
            names.append(remote.filename)
    except (WheelmillError, OSError, ValueError):
        return None
    finally:
        if upstream is not None:
            with contextlib.suppress(OSError):
                upstream.close()
    return names
