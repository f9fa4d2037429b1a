"""The interpreters a wheelhouse is built for: version, ABI, platform, tags, markers.

Three kinds of target:

* the running interpreter (``current``), computed in-process, which keeps a
  no-op ``wheelmill build`` fast;
* another local interpreter, named by version (``"3.12"``) or path, found on
  ``PATH``, under pyenv, or by ``uv python find``, and probed once by running a
  small script in it;
* a download-only target for a platform this machine cannot build for,
  ``"3.12/macosx_11_0_arm64"``: its upstream wheels are fetched, and every pin
  without one is reported, since installing it there would mean a source build.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from ._exceptions import ConfigError

if TYPE_CHECKING:  # packaging's tags load only when a target is computed (not on a no-op)
    from packaging.tags import Tag

_VERSION = re.compile(r"^(?:python|py|cp)?(3)\.?(\d{1,2})$")
_FOREIGN = re.compile(r"^(?:cp)?(3)\.?(\d{1,2})/(?P<platform>[a-z0-9_]+)$")


@dataclass(frozen=True)
class Target:
    """One target; ``tags`` are ordered most to least preferred."""

    python: str
    implementation: str
    python_version: str
    abi: str
    platform: str
    libc: str
    tags: tuple[Tag, ...] = field(repr=False)
    environment: Mapping[str, str] = field(repr=False, hash=False, compare=False)
    download_only: bool = False
    include: str = field(default="", repr=False, compare=False)

    @property
    def name(self) -> str:
        """A short, stable label such as ``cp311-linux_x86_64``."""
        return f"{self.abi}-{self.platform}"

    def key_material(self) -> dict[str, str]:
        """What about the target can change which wheel serves it or how a build turns out."""
        return {
            "implementation": self.implementation,
            "python_version": self.python_version,
            "abi": self.abi,
            "platform": self.platform,
            "libc": self.libc,
        }

    @cached_property
    def _ranks(self) -> dict[Tag, int]:
        return _rank_table(self.tags)  # hashing a thousand tags once per target, not per call

    def tag_rank(self, tags: Iterable[Tag]) -> int | None:
        """Priority of the best of ``tags`` for this target (lower is better), or ``None``."""
        ranks = self._ranks
        found = [ranks[tag] for tag in tags if tag in ranks]
        return min(found) if found else None


@lru_cache(maxsize=16)
def _rank_table(tags: tuple[Tag, ...]) -> dict[Tag, int]:
    return {tag: rank for rank, tag in enumerate(tags)}


def for_libc(tags: Iterable[Tag]) -> tuple[Tag, ...]:
    """``tags`` without the glibc ones when they are a musl interpreter's.

    pip on musl accepts ``linux_*`` wheels, but one built here on a glibc system
    fails at import there: a ``musllinux`` target is never offered a ``linux_*`` or
    ``manylinux*`` wheel (a compiled wheel built on musl is repaired to
    ``musllinux_*`` by ``repair = "auto"``).
    """
    found = tuple(tags)
    if not any(tag.platform.startswith("musllinux_") for tag in found):
        return found
    return tuple(tag for tag in found if not tag.platform.startswith(("manylinux", "linux_")))


def _platform_name() -> str:
    import sysconfig

    return sysconfig.get_platform().replace("-", "_").replace(".", "_")


@lru_cache(maxsize=1)
def current_target() -> Target:
    """The interpreter wheelmill itself runs on."""
    import platform
    import sysconfig

    from packaging.markers import default_environment
    from packaging.tags import sys_tags

    tags = for_libc(sys_tags())
    libc_name, libc_version = platform.libc_ver()
    major, minor = sys.version_info[:2]
    return Target(
        python=sys.executable,
        implementation=sys.implementation.name,
        python_version=f"{major}.{minor}",
        abi=tags[0].abi if tags else f"cp{major}{minor}",
        platform=_platform_name(),
        libc=f"{libc_name}{libc_version}" if libc_name else "",
        tags=tags,
        environment={k: str(v) for k, v in default_environment().items()},
        include=sysconfig.get_paths()["include"],
    )


#: Runs inside a target interpreter (3.8+, nothing but the standard library).
_PROBE = r"""
import json, os, platform, sys, sysconfig
impl = sys.implementation
iver = "{0.major}.{0.minor}.{0.micro}".format(impl.version)
if impl.version.releaselevel != "final":
    iver += impl.version.releaselevel[0] + str(impl.version.serial)
print(json.dumps({
    "executable": sys.executable,
    "implementation": impl.name,
    "version": list(sys.version_info[:2]),
    "platform": sysconfig.get_platform(),
    "gil_disabled": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
    "debug": hasattr(sys, "gettotalrefcount"),
    "libc": list(platform.libc_ver()),
    "include": sysconfig.get_paths()["include"],
    "environment": {
        "implementation_name": impl.name,
        "implementation_version": iver,
        "os_name": os.name,
        "platform_machine": platform.machine(),
        "platform_release": platform.release(),
        "platform_system": platform.system(),
        "platform_version": platform.version(),
        "python_full_version": platform.python_version(),
        "platform_python_implementation": platform.python_implementation(),
        "python_version": ".".join(platform.python_version_tuple()[:2]),
        "sys_platform": sys.platform,
    },
}))
"""


def _cpython_abi(major: int, minor: int, *, gil_disabled: bool, debug: bool) -> str:
    return f"cp{major}{minor}{'t' if gil_disabled else ''}{'d' if debug else ''}"


def _tags_for(version: tuple[int, int], abi: str, platforms: Sequence[str]) -> tuple[Tag, ...]:
    from packaging.tags import compatible_tags, cpython_tags

    abis = [abi] if abi.endswith("t") else [abi, "abi3"]
    return (
        *cpython_tags(version, abis=abis, platforms=platforms),
        *compatible_tags(version, f"cp{version[0]}{version[1]}", platforms),
    )


@lru_cache(maxsize=16)
def probe_interpreter(python: str) -> Target:
    """Describe the CPython at ``python`` by running it once."""
    import subprocess

    from packaging.tags import platform_tags

    try:
        done = subprocess.run(
            [python, "-I", "-c", _PROBE], capture_output=True, text=True, timeout=60
        )
        facts = json.loads(done.stdout) if done.returncode == 0 else None
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        raise ConfigError(
            f"target {python}: cannot run it as a Python interpreter ({exc})"
        ) from None
    if facts is None:
        reason = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        raise ConfigError(f"target {python}: cannot run it as a Python interpreter ({reason})")
    if facts["implementation"] != "cpython":
        raise ConfigError(f"target {python}: only CPython targets are supported")
    major, minor = facts["version"]
    if os.path.samefile(facts["executable"], sys.executable):
        return current_target()
    abi = _cpython_abi(major, minor, gil_disabled=facts["gil_disabled"], debug=facts["debug"])
    libc_name, libc_version = facts["libc"]
    return Target(
        python=facts["executable"],
        implementation="cpython",
        python_version=f"{major}.{minor}",
        abi=abi,
        platform=facts["platform"].replace("-", "_").replace(".", "_"),
        libc=f"{libc_name}{libc_version}" if libc_name else "",
        tags=for_libc(_tags_for((major, minor), abi, list(platform_tags()))),
        environment=facts["environment"],
        include=facts["include"],
    )


def _candidates(major: int, minor: int) -> Iterable[str]:
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    found = shutil.which(f"python{major}.{minor}")
    if found and Path(found).parent != pyenv / "shims":  # a shim may name an absent version
        yield found
    root = pyenv / "versions"
    if root.is_dir():
        for version in sorted(root.glob(f"{major}.{minor}.*"), reverse=True):
            binary = version / "bin" / f"python{major}.{minor}"
            if binary.is_file() and not version.name.endswith("t"):
                yield str(binary)
    import subprocess

    from ._tools import uv_binary

    uv = uv_binary()
    if uv:
        try:
            done = subprocess.run(
                [uv, "python", "find", "--no-config", f"{major}.{minor}"],
                capture_output=True,
                text=True,
                timeout=60,
                env={**os.environ, "UV_PYTHON_DOWNLOADS": "never"},
            )
        except (OSError, subprocess.SubprocessError):
            return
        if done.returncode == 0 and done.stdout.strip():
            yield done.stdout.strip()


def find_interpreter(major: int, minor: int) -> str:
    """A local CPython ``major.minor``: ``PATH``, then pyenv, then ``uv python find``."""
    for candidate in _candidates(major, minor):
        return candidate
    raise ConfigError(
        f"target {major}.{minor}: no such interpreter found (looked on PATH, under pyenv and with "
        f"`uv python find`); install Python {major}.{minor} or give its path in `targets`"
    )


def _foreign_platforms(platform_tag: str) -> tuple[list[str], dict[str, str]]:
    from packaging.tags import mac_platforms

    mac = re.match(r"^macosx_(\d+)_(\d+)_(\w+)$", platform_tag)
    many = re.match(r"^manylinux_(\d+)_(\d+)_(\w+)$", platform_tag)
    musl = re.match(r"^musllinux_(\d+)_(\d+)_(\w+)$", platform_tag)
    if mac:
        arch = mac.group(3)
        platforms = list(mac_platforms((int(mac.group(1)), int(mac.group(2))), arch))
        machine = "arm64" if arch == "arm64" else "x86_64"
        return platforms, {
            "sys_platform": "darwin",
            "platform_system": "Darwin",
            "os_name": "posix",
            "platform_machine": machine,
        }
    if platform_tag in ("win_amd64", "win32", "win_arm64"):
        machine = {"win_amd64": "AMD64", "win32": "x86", "win_arm64": "ARM64"}[platform_tag]
        return [platform_tag], {
            "sys_platform": "win32",
            "platform_system": "Windows",
            "os_name": "nt",
            "platform_machine": machine,
        }
    if many:
        glibc_major, glibc_minor, arch = int(many.group(1)), int(many.group(2)), many.group(3)
        platforms = [f"manylinux_{glibc_major}_{m}_{arch}" for m in range(glibc_minor, 4, -1)]
        legacy = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}
        for minor_version, alias in legacy.items():
            if minor_version <= glibc_minor:
                platforms.insert(
                    platforms.index(f"manylinux_2_{minor_version}_{arch}") + 1, f"{alias}_{arch}"
                )
        return platforms, {
            "sys_platform": "linux",
            "platform_system": "Linux",
            "os_name": "posix",
            "platform_machine": arch,
        }
    if musl:
        major, minor, arch = int(musl.group(1)), int(musl.group(2)), musl.group(3)
        platforms = [f"musllinux_{major}_{m}_{arch}" for m in range(minor, -1, -1)]
        return platforms, {
            "sys_platform": "linux",
            "platform_system": "Linux",
            "os_name": "posix",
            "platform_machine": arch,
        }
    raise ConfigError(
        f"target platform {platform_tag!r} is not one wheelmill knows; use e.g. "
        "macosx_11_0_arm64, win_amd64, manylinux_2_28_aarch64 or musllinux_1_2_x86_64"
    )


def foreign_target(major: int, minor: int, platform_tag: str) -> Target:
    """A download-only target: CPython ``major.minor`` on another platform."""
    platforms, markers = _foreign_platforms(platform_tag)
    abi = f"cp{major}{minor}"
    environment = {
        "implementation_name": "cpython",
        "implementation_version": f"{major}.{minor}.0",
        "platform_python_implementation": "CPython",
        "python_version": f"{major}.{minor}",
        "python_full_version": f"{major}.{minor}.0",
        "platform_release": "",
        "platform_version": "",
        **markers,
    }
    return Target(
        python="",
        implementation="cpython",
        python_version=f"{major}.{minor}",
        abi=abi,
        platform=platform_tag,
        libc="",
        tags=_tags_for((major, minor), abi, platforms),
        environment=environment,
        download_only=True,
    )


def interpreter_of(spec: str, *, base: Path | None = None) -> str:
    """What a ``targets`` entry names, without running anything: ``current``, the entry
    itself for a download-only target, else the interpreter's path (found as
    :func:`resolve_target` finds it; a stamp compares its stat)."""
    text = spec.strip()
    if text in ("", "current"):
        return "current"
    if _FOREIGN.match(text):
        return text
    version = _VERSION.match(text)
    if version:
        major, minor = int(version.group(1)), int(version.group(2))
        if sys.version_info[:2] == (major, minor):
            return "current"
        return find_interpreter(major, minor)
    path = Path(text).expanduser()
    if base is not None and not path.is_absolute():
        path = base / path
    return str(path.absolute())


def resolve_target(spec: str, *, base: Path | None = None) -> Target:
    """One ``targets`` entry (``current``, ``3.12``, a path, ``3.12/win_amd64``) as a Target."""
    text = spec.strip()
    if text in ("", "current"):
        return current_target()
    foreign = _FOREIGN.match(text)
    if foreign:
        return foreign_target(
            int(foreign.group(1)), int(foreign.group(2)), foreign.group("platform")
        )
    version = _VERSION.match(text)
    if version:
        major, minor = int(version.group(1)), int(version.group(2))
        if sys.version_info[:2] == (major, minor):
            return current_target()
        return probe_interpreter(find_interpreter(major, minor))
    path = Path(text).expanduser()
    if base is not None and not path.is_absolute():
        path = base / path
    if not path.exists():
        raise ConfigError(
            f"target {spec!r}: neither a Python version (3.12), a platform target "
            "(3.12/win_amd64) nor an existing interpreter path"
        )
    return probe_interpreter(str(path))


def resolve_targets(specs: Sequence[str], *, base: Path | None = None) -> list[Target]:
    """Resolve several targets, dropping duplicates (``3.11`` and ``current`` may be one)."""
    targets: list[Target] = []
    for spec in specs or ["current"]:
        target = resolve_target(spec, base=base)
        if target not in targets:
            targets.append(target)
    return targets
