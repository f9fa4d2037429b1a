"""The no-op fast path of ``build`` and ``run``: a lock's stamp, read and written.

:class:`Stamp` ties :mod:`wheelmill.build.stamp` to one configuration, lock and
command: where the stamp lives, and the digest of this run's inputs. With a team
store (``store``), a ``build`` stamp holds the store's objects instead of local
files' stats, and holds while one listing of the store agrees
(:mod:`wheelmill.build.teamstamp`). :func:`unchanged_run` and :func:`stamp_run`
add ``run``'s condition: ``publish``'s own no-op check holds, so a ``run`` answers
nothing unchanged that ``publish`` alone would not; the build stamp itself is not
written while a wheel it names is under two seconds old.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from .store.layout import STATE

#: Variables that decide which store (endpoint, identity) a store URL reaches.
_STORE_VARIABLES = (
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_CONFIG_FILE",
    "AWS_DEFAULT_REGION",
)
#: Where a team store's stamp keeps the objects it names (``[key, etag, size]`` each).
_STORE_KEY = "store_objects"

TYPE_CHECKING = False  # as typing's: a no-op answer does not load typing (see cli/_noop.py)
if TYPE_CHECKING:
    from .build.results import BuildReport
    from .build.stamp import Answer, Stamped
    from .config import Config
    from .index.report import PublishReport
    from .store.wheelhouse import Store


class Stamp:
    """One lock's no-op stamp for one command, with the digest of this run's inputs.
    (A plain class: a no-op answer creates no dataclass it can spare.)"""

    __slots__ = ("digest", "endpoint_url", "path", "root", "store")

    def __init__(
        self,
        root: Path,
        path: Path,
        digest: str,
        store: str | None = None,
        endpoint_url: str | None = None,
    ) -> None:
        self.root, self.path, self.digest = root, path, digest
        #: The team store's URL, and its endpoint as configured.
        self.store, self.endpoint_url = store, endpoint_url

    @classmethod
    def of(cls, config: Config, lock: Path, command: str, chosen: Sequence[str]) -> Stamp | None:
        from .build.stamp import inputs_digest, stamp_path

        specs, base = (
            (tuple(chosen), Path.cwd())
            if chosen
            else (config.targets, config.source.parent if config.source else None)
        )
        # Where the store is, as far as the environment decides it, is an input too.
        where = [f"env {name}={os.environ.get(name)}" for name in _STORE_VARIABLES]
        digest = inputs_digest(
            config, lock, command=command, specs=specs, base=base,
            extra=where if config.store else (),
        )  # fmt: skip
        if digest is None:
            return None
        root = config.wheelhouse.absolute()
        path = stamp_path(root / STATE, command, lock, specs, digest)
        return cls(root, path, digest, config.store, config.store_endpoint_url)

    def _store_holds(self, extra: dict[str, object]) -> bool:
        """For a team store: whether one listing of its records and wheels shows every
        object the stamp names unchanged (always, without one)."""
        if self.store is None:
            return True
        from ._exceptions import WheelmillError
        from .build.teamstamp import PREFIXES, team_holds
        from .store._listing import list_store

        stamped = extra.get(_STORE_KEY)
        if not isinstance(stamped, list):
            return False
        try:
            listed = list_store(self.store, self.endpoint_url, PREFIXES)
        except (WheelmillError, OSError):
            return False  # the full path says what is wrong with the store
        return team_holds(stamped, listed)

    def read(self) -> Stamped | None:
        """The stamped report, if the stamp holds (for a team store: one listing of it
        agrees)."""
        from .build.stamp import read_stamp

        found = read_stamp(self.root, self.path, self.digest)
        return found if found is not None and self._store_holds(found.extra) else None

    def answer(self) -> Answer | None:
        """What :meth:`read` says, in the form the command prints (see
        :func:`wheelmill.build.stamp.read_answer`)."""
        from .build.stamp import read_answer

        found = read_answer(self.root, self.path, self.digest)
        return found if found is not None and self._store_holds(found.extra) else None

    def write(
        self,
        report: BuildReport,
        warning: str | None,
        *,
        extra: dict[str, object] | None = None,
        store: Store | None = None,
    ) -> None:
        """Stamp a run that settled every pin (``store``: the store it settled them in)."""
        from .build.stamp import remove_stamp, stamp_entries, write_stamp

        if self.store is not None:
            from .build.teamstamp import team_objects
            from .store.team import TeamStore

            team = team_objects(store, report) if isinstance(store, TeamStore) else None
            if team is None:
                remove_stamp(self.path)
                return
            objects, again = team
            extra = {**(extra or {}), _STORE_KEY: [list(entry) for entry in objects]}
            write_stamp(
                self.root, self.path, self.digest, again, warning=warning, entries=[], extra=extra
            )
            return
        found = stamp_entries(self.root, report)
        if found is None:
            remove_stamp(self.path)
            return
        entries, again = found
        write_stamp(
            self.root, self.path, self.digest, again, warning=warning, entries=entries, extra=extra
        )


def _unchanged(stamp: Stamp, extra: dict[str, object]) -> bool:
    """Whether publishing again would change nothing: ``publish``'s own no-op check
    (:func:`wheelmill.index._unchanged.unchanged`: one stat of ``wheels/``, or a listing
    when that cannot vouch for it, and one ``stat`` per wheel and per project page), and
    the status page is there."""
    from .index._unchanged import unchanged

    if unchanged(stamp.root) is None:
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
    if published.rejected:
        from .build.stamp import remove_stamp

        remove_stamp(stamp.path)
        return
    extra: dict[str, object] = {
        "files": published.files,
        "projects": published.projects,
        "status_page": str(published.status_page) if published.status_page else None,
    }
    stamp.write(report, warning, extra=extra)
