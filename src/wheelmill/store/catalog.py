"""Every build attempt, as a row in an SQLite database inside the wheelhouse state.

One short-lived connection per call keeps it safe for several ``wheelmill build``
processes at once (SQLite's own locking, WAL journal, generous busy timeout).
Reading never writes: queries open the database read-only (``mode=ro``), and
``immutable=1`` when its directory is not writable (a read-only copy or mount),
so ``failures``, ``show`` and ``rules`` work on a read-only wheelhouse. SQLite's
errors leave this module as :class:`~wheelmill._exceptions.WheelmillError` lines.
"""

from __future__ import annotations

import _thread
import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .._exceptions import ResourceError, WheelhouseError, WheelmillError
from .attempt import FIELDS, Attempt

_SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    created     REAL NOT NULL,
    name        TEXT NOT NULL,
    version     TEXT NOT NULL,
    target      TEXT NOT NULL,
    key         TEXT NOT NULL,
    status      TEXT NOT NULL,
    source      TEXT NOT NULL,
    duration    REAL NOT NULL,
    wheel       TEXT,
    sha256      TEXT,
    size        INTEGER,
    log         TEXT,
    error       TEXT,
    installer   TEXT,
    category    TEXT,
    toolchain   TEXT,
    rule        TEXT,
    diagnosis   TEXT,
    remedy      TEXT,
    system      TEXT,
    repair      TEXT,
    repair_policy TEXT,
    sdist       TEXT,
    mtime_ns    INTEGER,
    inode       INTEGER,
    sandbox     TEXT,
    upload_time TEXT,
    memory_cap  TEXT
);
CREATE INDEX IF NOT EXISTS attempts_name ON attempts (name, created);
"""

#: Columns added after the first release of the table: (name, SQL type).
_ADDED_COLUMNS = (
    ("category", "TEXT"),
    ("toolchain", "TEXT"),
    ("rule", "TEXT"),
    ("diagnosis", "TEXT"),
    ("remedy", "TEXT"),
    ("system", "TEXT"),
    ("repair", "TEXT"),
    ("sdist", "TEXT"),
    ("size", "INTEGER"),
    ("mtime_ns", "INTEGER"),
    ("inode", "INTEGER"),
    ("sandbox", "TEXT"),
    ("upload_time", "TEXT"),
    ("memory_cap", "TEXT"),
    ("repair_policy", "TEXT"),
)


def _migrate(connection: sqlite3.Connection) -> None:
    """Bring a catalog written by an older wheelmill up to date: the ``package``
    column is ``name`` now, and later columns are added."""
    present = {row[1] for row in connection.execute("PRAGMA table_info(attempts)")}
    steps = []
    if "package" in present and "name" not in present:
        steps.append("ALTER TABLE attempts RENAME COLUMN package TO name")
    steps += [
        f"ALTER TABLE attempts ADD COLUMN {name} {kind}"
        for name, kind in _ADDED_COLUMNS
        if name not in present
    ]
    for step in steps:
        try:
            connection.execute(step)
        except sqlite3.OperationalError as exc:  # another process did it meanwhile
            if "duplicate column" not in str(exc) and "no such column" not in str(exc):
                raise


#: The attempt's fields kept as columns (the diagnosis and remedy as JSON text).
_COLUMNS = (*FIELDS, "rule")
# Built from the constant field list above, never from input.
_INSERT = (
    f"INSERT INTO attempts ({', '.join(_COLUMNS)}) "  # noqa: S608
    f"VALUES ({', '.join('?' for _ in _COLUMNS)})"
)


def _row(attempt: Attempt) -> tuple[object, ...]:
    data: dict[str, object] = dict(attempt.to_json())
    for name in ("diagnosis", "remedy"):
        data[name] = json.dumps(data[name]) if data[name] is not None else None
    data["rule"] = attempt.rule
    return tuple(data[name] for name in _COLUMNS)


def _attempt(row: dict[str, object]) -> Attempt:
    data = dict(row)
    for name in ("diagnosis", "remedy"):
        text = data.get(name)
        data[name] = json.loads(text) if isinstance(text, str) and text else None
    return Attempt.from_json(data)


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
        # threading.Lock is this very lock; threading itself is not loaded for it (the
        # status page, which every +1 publish writes, reads the catalog)
        self._prepare = _thread.allocate_lock()
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

    def _query(self, query: str, args: tuple[str, ...] = ()) -> list[dict[str, object]]:
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
            if "name" not in row:
                row["name"] = row.get("package")
        return rows

    def add(self, attempt: Attempt) -> None:
        with self._connect() as db:
            db.execute(_INSERT, _row(attempt))

    def entries(self, name: str | None = None) -> list[tuple[int, Attempt]]:
        """Every attempt (at one package) with its row id, oldest first."""
        rows = self._query("SELECT * FROM attempts ORDER BY id")
        return [
            (int(str(row["id"])), _attempt(row))
            for row in rows
            if name is None or row["name"] == name
        ]

    def attempts(self, name: str | None = None) -> list[Attempt]:
        """Every attempt (at one package), oldest first."""
        return [attempt for _, attempt in self.entries(name)]

    def current_failures(self) -> list[Attempt]:
        """The latest attempt of each package and target, where that attempt failed."""
        latest: dict[tuple[str, str], Attempt] = {}
        for attempt in self.attempts():
            latest[(attempt.name, attempt.target)] = attempt
        return [attempt for attempt in latest.values() if attempt.failed]

    def latest_attempts(self) -> dict[tuple[str, str, str], Attempt]:
        """The newest attempt of each (name, version, target)."""
        return {(a.name, a.version, a.target): a for a in self.attempts()}

    def delete(self, ids: Iterable[int]) -> int:
        """Remove attempts by row id (``gc``); returns how many went."""
        chosen = [(int(i),) for i in ids]
        with self._connect() as db:
            db.executemany("DELETE FROM attempts WHERE id = ?", chosen)
        return len(chosen)

    def last_failure(self, name: str) -> Attempt | None:
        """The newest failed attempt at ``name`` (any version or target)."""
        failed = [attempt for attempt in self.attempts(name) if attempt.status == "failed"]
        return failed[-1] if failed else None

    def rule_statistics(self) -> dict[str, RuleStats]:
        """Per rule: times seen, first seen, and how often the next attempt succeeded."""
        stats: dict[str, RuleStats] = {}
        rows = self.attempts()
        for index, row in enumerate(rows):
            if not row.rule or row.status != "failed":
                continue
            entry = stats.setdefault(row.rule, RuleStats())
            entry.evidence += 1
            if entry.first_seen is None or row.created < entry.first_seen:
                entry.first_seen = row.created
            following = next(
                (
                    later
                    for later in rows[index + 1 :]
                    if (later.name, later.version, later.target)
                    == (row.name, row.version, row.target)
                ),
                None,
            )
            if following is not None:
                entry.retried += 1
                entry.fixed += following.ok
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
