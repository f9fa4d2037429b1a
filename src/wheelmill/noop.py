"""The no-op fast path of ``build`` and ``run``: a lock's stamp, read and written.

:class:`Stamp` ties :mod:`wheelmill.build.stamp` to one configuration, lock and
command: where the stamp lives, and the digest of this run's inputs.
:func:`unchanged_run` and :func:`stamp_run` add ``run``'s condition: every file
``publish`` reads or writes is as the stamped run left it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .store.layout import STATE

TYPE_CHECKING = False  # as typing's: a no-op answer does not load typing (see cli/_noop.py)
if TYPE_CHECKING:
    from .build.results import BuildReport
    from .build.stamp import Answer, Stamped
    from .config import Config
    from .index.report import PublishReport


class Stamp:
    """One lock's no-op stamp for one command, with the digest of this run's inputs.
    (A plain class: a no-op answer creates no dataclass it can spare.)"""

    __slots__ = ("digest", "path", "root")

    def __init__(self, root: Path, path: Path, digest: str) -> None:
        self.root, self.path, self.digest = root, path, digest

    @classmethod
    def of(cls, config: Config, lock: Path, command: str, chosen: Sequence[str]) -> Stamp | None:
        from .build.stamp import inputs_digest, stamp_path

        specs, base = (
            (tuple(chosen), Path.cwd())
            if chosen
            else (config.targets, config.source.parent if config.source else None)
        )
        digest = inputs_digest(config, lock, command=command, specs=specs, base=base)
        if digest is None:
            return None
        root = config.wheelhouse.absolute()
        return cls(root, stamp_path(root / STATE, command, lock, specs, digest), digest)

    def read(self) -> Stamped | None:
        from .build.stamp import read_stamp

        return read_stamp(self.root, self.path, self.digest)

    def answer(self) -> Answer | None:
        """What :meth:`read` says, in the form the command prints (see
        :func:`wheelmill.build.stamp.read_answer`)."""
        from .build.stamp import read_answer

        return read_answer(self.root, self.path, self.digest)

    def write(
        self, report: BuildReport, warning: str | None, *, extra: dict[str, object] | None = None
    ) -> None:
        from .build.stamp import remove_stamp, stamp_entries, write_stamp

        found = stamp_entries(self.root, report)
        if found is None:
            remove_stamp(self.path)
            return
        entries, again = found
        write_stamp(
            self.root, self.path, self.digest, again, warning=warning, entries=entries, extra=extra
        )


def _unchanged(stamp: Stamp, extra: dict[str, object]) -> bool:
    """Whether the wheelhouse is as the stamped run left it (publishing again would
    change nothing), its status page included."""
    from .build.stamp import snapshot

    if extra.get("snapshot") != [list(e) for e in snapshot(stamp.root)]:
        return False
    page = extra.get("status_page")
    return page is None or Path(str(page)).is_file()


def unchanged_run(stamp: Stamp) -> tuple[BuildReport, PublishReport, str | None] | None:
    """The last run's reports and warning again, if its stamp holds and the wheelhouse
    is as it left it (then publishing again would change nothing); else ``None``."""
    found = stamp.read()
    if found is None or not _unchanged(stamp, found.extra):
        return None
    from .index.report import PublishReport

    page = found.extra.get("status_page")
    published = PublishReport(
        files=int(str(found.extra.get("files", 0))),
        projects=int(str(found.extra.get("projects", 0))),
        duration=found.report.duration,
        status_page=Path(str(page)) if page is not None else None,
    )
    return found.report, published, found.warning


def unchanged_run_answer(stamp: Stamp) -> Answer | None:
    """:func:`unchanged_run`, in the form the command prints (no report types loaded):
    ``extra`` holds ``files``, ``projects`` and ``status_page`` of the publish."""
    found = stamp.answer()
    if found is None or not _unchanged(stamp, found.extra):
        return None
    return found


def stamp_run(
    stamp: Stamp, report: BuildReport, published: PublishReport, warning: str | None = None
) -> None:
    """After a run that settled every pin and published cleanly, stamp it for the next."""
    import time

    from .build.stamp import racy, remove_stamp, snapshot

    files = snapshot(stamp.root)
    if published.rejected or racy(files, time.time_ns()):
        remove_stamp(stamp.path)
        return
    extra: dict[str, object] = {
        "snapshot": [list(entry) for entry in files],
        "files": published.files,
        "projects": published.projects,
        "status_page": str(published.status_page) if published.status_page else None,
    }
    stamp.write(report, warning, extra=extra)
