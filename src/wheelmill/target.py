"""The interpreter a wheelhouse is built for: its version, ABI, platform and tags.

For the running interpreter everything is computed in-process (no subprocess),
which keeps a no-op ``wheelmill build`` fast.
"""

from __future__ import annotations

import platform
import sys
import sysconfig
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from packaging.markers import default_environment
from packaging.tags import Tag, sys_tags


@dataclass(frozen=True)
class Target:
    """One build target; ``tags`` are ordered most to least preferred."""

    python: str
    implementation: str
    python_version: str
    abi: str
    platform: str
    libc: str
    tags: tuple[Tag, ...] = field(repr=False)
    environment: Mapping[str, str] = field(repr=False, hash=False, compare=False)

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

    def tag_rank(self, tags: frozenset[Tag]) -> int | None:
        """Priority of the best of ``tags`` for this target (lower is better), or ``None``."""
        ranks = _rank_table(self.tags)
        found = [ranks[tag] for tag in tags if tag in ranks]
        return min(found) if found else None


@lru_cache(maxsize=8)
def _rank_table(tags: tuple[Tag, ...]) -> dict[Tag, int]:
    return {tag: rank for rank, tag in enumerate(tags)}


@lru_cache(maxsize=1)
def current_target() -> Target:
    """The interpreter wheelmill itself runs on."""
    tags = tuple(sys_tags())
    libc_name, libc_version = platform.libc_ver()
    major, minor = sys.version_info[:2]
    return Target(
        python=sys.executable,
        implementation=sys.implementation.name,
        python_version=f"{major}.{minor}",
        abi=tags[0].abi if tags else f"cp{major}{minor}",
        platform=sysconfig.get_platform().replace("-", "_").replace(".", "_"),
        libc=f"{libc_name}{libc_version}" if libc_name else "",
        tags=tags,
        environment={k: str(v) for k, v in default_environment().items()},
    )
