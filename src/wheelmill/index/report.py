"""What a publish reports: its own module, so a ``run`` answered from its no-op stamp
can say it without loading the index writer."""

from __future__ import annotations

from pathlib import Path


class PublishReport:
    """What ``publish`` did (a plain class: a publish loads no :mod:`dataclasses`)."""

    def __init__(
        self,
        files: int = 0,
        projects: int = 0,
        read: int = 0,
        projects_written: list[str] | None = None,
        removed: list[str] | None = None,
        rejected: dict[str, str] | None = None,
        duration: float = 0.0,
        status_page: Path | None = None,
    ) -> None:
        self.files = files
        self.projects = projects
        self.read = read
        self.projects_written: list[str] = [] if projects_written is None else projects_written
        self.removed: list[str] = [] if removed is None else removed
        self.rejected: dict[str, str] = {} if rejected is None else rejected
        self.duration = duration
        self.status_page = status_page

    def _fields(self) -> tuple[object, ...]:
        return (
            self.files, self.projects, self.read, self.projects_written, self.removed,
            self.rejected, self.duration, self.status_page,
        )  # fmt: skip

    def __repr__(self) -> str:
        names = ("files", "projects", "read", "projects_written", "removed", "rejected")
        values = zip((*names, "duration", "status_page"), self._fields())
        return "PublishReport({})".format(", ".join(f"{n}={v!r}" for n, v in values))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PublishReport):
            return NotImplemented
        return self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]  # mutable, as the dataclass was
