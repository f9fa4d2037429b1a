"""Every build attempt, as a row in an SQLite database inside the wheelhouse state.

One short-lived connection per call keeps it safe for several ``wheelmill build``
processes at once (SQLite's own locking, WAL journal, generous busy timeout).
Reading never writes: queries open the database read-only (``mode=ro``), and
``immutable=1`` when its directory is not writable (a read-only copy or mount),
so ``failures``, ``show`` and ``rules`` work on a read-only wheelhouse. SQLite's
errors leave this module as :class:`~wheelmill._exceptions.WheelmillError` lines.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ._exceptions import ResourceError, WheelhouseError, WheelmillError
from .store import Record

_SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    created   REAL NOT NULL,
    package   TEXT NOT NULL,
    version   TEXT NOT NULL,
    target    TEXT NOT NULL,
    key       TEXT NOT NULL,
    status    TEXT NOT NULL,
    source    TEXT NOT NULL,
    duration  REAL NOT NULL,
    wheel     TEXT,
    sha256    TEXT,
    log       TEXT,
    error     TEXT,
    installer TEXT,
    category  TEXT,
    toolchain TEXT,
    rule      TEXT,
    subject   TEXT,
    first_error TEXT,
    diagnosis TEXT,
    remediation TEXT,
    system    TEXT,
    repair    TEXT,
    sdist     TEXT
);
CREATE INDEX IF NOT EXISTS attempts_package ON attempts (package, created);
"""


#: Columns added after the first release of the table: (name, SQL type).
_ADDED_COLUMNS = (
    ("category", "TEXT"),
    ("toolchain", "TEXT"),
    ("rule", "TEXT"),
    ("subject", "TEXT"),
    ("first_error", "TEXT"),
    ("diagnosis", "TEXT"),
    ("remediation", "TEXT"),
    ("system", "TEXT"),
    ("repair", "TEXT"),
    ("sdist", "TEXT"),
)


def _migrate(connection: sqlite3.Connection) -> None:
    """Add the columns a catalog written by an older wheelmill lacks."""
    present = {row[1] for row in connection.execute("PRAGMA table_info(attempts)")}
    for name, kind in _ADDED_COLUMNS:
        if name not in present:
            try:
                connection.execute(f"ALTER TABLE attempts ADD COLUMN {name} {kind}")
            except sqlite3.OperationalError as exc:  # another process added it meanwhile
                if "duplicate column" not in str(exc):
                    raise


#: Table column → Record field.
_COLUMNS = {
    "created": "created", "package": "name", "version": "version", "target": "target",
    "key": "key", "status": "status", "source": "source", "duration": "duration",
    "wheel": "wheel", "sha256": "sha256", "log": "log", "error": "error",
    "installer": "installer", "category": "category", "toolchain": "toolchain",
    "rule": "rule", "subject": "subject", "first_error": "first_error",
    "diagnosis": "diagnosis", "remediation": "remediation", "system": "system", "repair": "repair",
    "sdist": "sdist",
}  # fmt: skip
# Built from the constant column table above, never from input.
_INSERT = (
    f"INSERT INTO attempts ({', '.join(_COLUMNS)}) "  # noqa: S608
    f"VALUES ({', '.join(':' + field for field in _COLUMNS.values())})"
)


def _create(connection: sqlite3.Connection) -> None:
    connection.execute("PRAGMA journal_mode=WAL")
    connection.executescript(_SCHEMA)
    _migrate(connection)


def _retry_locked(action: Callable[[], None], attempts: int = 100) -> None:
    """Run ``action``, waiting out another process's lock: switching to WAL and
    creating the schema can answer "database is locked" without waiting."""
    for attempt in range(attempts):
        try:
            action()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.05)


def _translate(path: Path, exc: sqlite3.Error, *, writing: bool) -> WheelmillError:
    """SQLite's error as one line that says what to do."""
    text = str(exc)
    if "full" in text:
        return ResourceError(
            f"cannot write {path}: no space left on device; free some space "
            "(e.g. `wheelmill gc`) and run again"
        )
    if writing and ("readonly" in text or "unable to open" in text):
        return WheelhouseError(
            f"{path.parent} is read-only (cannot write the build catalog: {text}); "
            "run on a writable copy of the wheelhouse or fix its permissions"
        )
    return WheelhouseError(
        f"{path}: the build catalog is unreadable ({text}); "
        "restore it from a backup, or delete it (the build history goes with it)"
    )


class Catalog:
    """The attempts table of one wheelhouse."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._prepare = threading.Lock()
        self._prepared = False

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection that writes (the schema is created or migrated first)."""
        try:
            connection = sqlite3.connect(self.path, timeout=60)
            try:
                connection.row_factory = sqlite3.Row
                with self._prepare:  # once per instance: schema and migration
                    if not self._prepared:
                        _retry_locked(lambda: _create(connection))
                        self._prepared = True
                with connection:
                    yield connection
            finally:
                connection.close()
        except sqlite3.Error as exc:
            raise _translate(self.path, exc, writing=True) from None

    def _query(self, query: str, args: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        """The rows of a read-only query; none when there is no catalog (yet)."""
        if not self.path.is_file():
            return []
        # Not writable (a read-only mount or copy): nothing may change under us, and
        # SQLite could not create the WAL index it needs to read otherwise.
        mode = "mode=ro" if os.access(self.path.parent, os.W_OK) else "immutable=1"
        try:
            connection = sqlite3.connect(f"{self.path.as_uri()}?{mode}", timeout=60, uri=True)
            try:
                connection.row_factory = sqlite3.Row
                rows = [dict(row) for row in connection.execute(query, args)]
            finally:
                connection.close()
        except sqlite3.Error as exc:
            if "no such table" in str(exc):  # created, never written
                return []
            raise _translate(self.path, exc, writing=False) from None
        for row in rows:  # a catalog of an older wheelhouse, not migrated (we may not write)
            for name, _ in _ADDED_COLUMNS:
                row.setdefault(name, None)
        return rows

    def add(self, record: Record) -> None:
        row = asdict(record)
        row["diagnosis"] = json.dumps(record.diagnosis) if record.diagnosis else None
        with self._connect() as db:
            db.execute(_INSERT, row)

    def attempts(self, package: str | None = None) -> list[dict[str, Any]]:
        """Every attempt (of one package), oldest first; ``diagnosis`` decoded."""
        query = "SELECT * FROM attempts"
        args: tuple[str, ...] = ()
        if package is not None:
            query += " WHERE package = ?"
            args = (package,)
        rows = self._query(query + " ORDER BY id", args)
        for row in rows:
            row["diagnosis"] = json.loads(row["diagnosis"]) if row.get("diagnosis") else None
        return rows

    def current_failures(self) -> list[dict[str, Any]]:
        """The latest attempt of each package and target, where that attempt failed."""
        latest: dict[tuple[str, str], dict[str, Any]] = {}
        for row in self.attempts():
            latest[(row["package"], row["target"])] = row
        return [row for row in latest.values() if row["status"] in ("failed", "no-wheel")]

    def latest_attempts(self) -> dict[tuple[str, str, str], dict[str, Any]]:
        """The newest attempt of each (package, version, target)."""
        return {(row["package"], row["version"], row["target"]): row for row in self.attempts()}

    def delete(self, ids: Iterable[int]) -> int:
        """Remove attempts by row id (``gc``); returns how many went."""
        chosen = [(int(i),) for i in ids]
        with self._connect() as db:
            db.executemany("DELETE FROM attempts WHERE id = ?", chosen)
        return len(chosen)

    def last_failure(self, package: str) -> dict[str, Any] | None:
        """The newest failed attempt of ``package`` (any version or target)."""
        failed = [row for row in self.attempts(package) if row["status"] == "failed"]
        return failed[-1] if failed else None

    def rule_statistics(self) -> dict[str, RuleStats]:
        """Per rule: times seen, first seen, and how often the next attempt succeeded."""
        stats: dict[str, RuleStats] = {}
        rows = self.attempts()
        for index, row in enumerate(rows):
            if not row.get("rule") or row["status"] != "failed":
                continue
            entry = stats.setdefault(row["rule"], RuleStats())
            entry.evidence += 1
            if entry.first_seen is None or row["created"] < entry.first_seen:
                entry.first_seen = row["created"]
            following = next(
                (
                    later
                    for later in rows[index + 1 :]
                    if (later["package"], later["version"], later["target"])
                    == (row["package"], row["version"], row["target"])
                ),
                None,
            )
            if following is not None:
                entry.retried += 1
                entry.fixed += following["status"] == "ok"
        return stats


@dataclass
class RuleStats:
    """Live statistics of one rule, in the knowledge base's terms."""

    evidence: int = 0  # failures it explained
    first_seen: float | None = None  # when it first explained one (epoch seconds)
    retried: int = 0  # of those, how many were attempted again
    fixed: int = 0  # of those, how many succeeded on the next attempt

    @property
    def fix_rate(self) -> float | None:
        return self.fixed / self.retried if self.retried else None
