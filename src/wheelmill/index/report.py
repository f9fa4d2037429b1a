"""What a publish reports: its own module, so a ``run`` answered from its no-op stamp
can say it without loading the index writer."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class PublishReport:
    files: int = 0
    projects: int = 0
    read: int = 0
    projects_written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    rejected: dict[str, str] = field(default_factory=dict)
    duration: float = 0.0
    status_page: Path | None = None
