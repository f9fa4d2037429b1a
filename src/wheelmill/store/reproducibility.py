"""The last ``--check-reproducible`` of a lock, kept in the wheelhouse.

``wheelmill build LOCK --check-reproducible`` builds every wheel built from
source a second time and compares the bytes; the outcome is written to
``.wheelmill/reproducibility.json`` (replaced by the next check), so that the
status page ``publish`` writes shows the figure: N of M wheels byte-identical,
and for each that is not, the archive members that differ.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from .layout import REPRO_CHECK

if TYPE_CHECKING:  # the JSON shapes are read by light code paths (build --json)
    from .wheelhouse import Store

#: The file, under the wheelhouse's state directory.
CHECK_FILE = REPRO_CHECK


class ReproductionJSON(TypedDict):
    """One wheel's comparison, as ``build --json`` prints it and the store keeps it."""

    name: str
    version: str
    target: str
    wheel: str
    reproducible: bool
    detail: str
    differing: list[str]


class CheckJSON(TypedDict):
    checked: float
    lock: str
    wheels: list[ReproductionJSON]


@dataclass(frozen=True)
class Reproduction:
    """A wheel built from source, built again: the same bytes or not.

    ``differing`` names the archive members whose bytes differ (or that only
    one build has); a member whose bytes are the same but whose zip entry (its
    time stamp, its mode) is not is named with `` (zip entry)``.
    """

    name: str
    version: str
    target: str
    wheel: str
    reproducible: bool
    detail: str
    differing: tuple[str, ...] = ()

    def to_json(self) -> ReproductionJSON:
        return {
            "name": self.name,
            "version": self.version,
            "target": self.target,
            "wheel": self.wheel,
            "reproducible": self.reproducible,
            "detail": self.detail,
            "differing": list(self.differing),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Reproduction:
        differing = data.get("differing")
        return cls(
            name=str(data["name"]),
            version=str(data["version"]),
            target=str(data["target"]),
            wheel=str(data["wheel"]),
            reproducible=data.get("reproducible") is True,
            detail=str(data.get("detail", "")),
            differing=tuple(str(item) for item in differing) if isinstance(differing, list) else (),
        )


@dataclass(frozen=True)
class ReproducibilityCheck:
    """Every wheel of one lock built from source, each built twice and compared."""

    checked: float
    lock: str
    wheels: tuple[Reproduction, ...]

    @property
    def identical(self) -> int:
        return sum(item.reproducible for item in self.wheels)

    @property
    def total(self) -> int:
        return len(self.wheels)

    @property
    def differ(self) -> list[Reproduction]:
        return [item for item in self.wheels if not item.reproducible]

    def to_json(self) -> CheckJSON:
        return {
            "checked": self.checked,
            "lock": self.lock,
            "wheels": [item.to_json() for item in self.wheels],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> ReproducibilityCheck:
        wheels = data.get("wheels")
        checked = data.get("checked")
        return cls(
            checked=float(checked) if isinstance(checked, (int, float)) else 0.0,
            lock=str(data.get("lock", "")),
            wheels=tuple(
                Reproduction.from_json(item)
                for item in (wheels if isinstance(wheels, list) else [])
                if isinstance(item, Mapping)
            ),
        )


def record_check(store: Store, check: ReproducibilityCheck) -> None:
    """Keep ``check`` as the wheelhouse's last reproducibility check (atomically)."""
    store.state.mkdir(parents=True, exist_ok=True)
    data = json.dumps(check.to_json(), indent=1, sort_keys=True).encode()
    from .wheelhouse import write_atomic

    write_atomic(store.state / CHECK_FILE, data)


def last_check(store: Store) -> ReproducibilityCheck | None:
    """The last check recorded, or ``None`` (never checked, or an unreadable file)."""
    try:
        value = json.loads((store.state / CHECK_FILE).read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(value, Mapping):
        return None
    try:
        return ReproducibilityCheck.from_json(value)
    except (KeyError, TypeError, ValueError):
        return None


def summary(check: ReproducibilityCheck) -> str:
    """``1 of 2 wheels built from source are byte-identical across two builds``."""
    if not check.wheels:
        return "no wheel was built from source"
    return (
        f"{check.identical} of {check.total} wheels built from source are byte-identical "
        "across two builds"
    )
