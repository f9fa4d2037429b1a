"""``build --shard I/N``: a deterministic share of the (pin x target) work.

Each unit of work, a pin on a target, goes to shard ``sha256(name, version,
target) mod N``: every machine computes the same split without talking to the
others, the shards are disjoint and together cover the lock, and a pin keeps
its shard when other pins come and go. The N jobs of a CI matrix each pass
their ``I`` and share the store; the leases sort out any overlap.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from packaging.utils import canonicalize_name

from .._exceptions import ConfigError


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based, as CI matrices count
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``"I/N"`` with ``1 <= I <= N``."""
        index, slash, count = text.partition("/")
        try:
            shard = cls(int(index), int(count))
        except ValueError:
            shard = None
        if not slash or shard is None or not 1 <= shard.index <= shard.count:
            raise ConfigError(f"--shard {text!r}: expected I/N with 1 <= I <= N, e.g. 2/4")
        return shard

    def takes(self, name: str, version: str, target: str) -> bool:
        return shard_of(name, version, target, self.count) == self.index

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def shard_of(name: str, version: str, target: str, count: int) -> int:
    """The 1-based shard of one pin on one target, among ``count``."""
    unit = f"{canonicalize_name(name)}\0{version}\0{target}".encode()
    return int.from_bytes(hashlib.sha256(unit).digest()[:8], "big") % count + 1
