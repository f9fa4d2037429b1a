"""Every build attempt, as a row in an SQLite database inside the wheelhouse state.

One short-lived connection per call keeps it safe for several ``wheelmill build``
processes at once (SQLite's own locking, WAL journal, generous busy timeout).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

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
    toolchain TEXT
);
CREATE INDEX IF NOT EXISTS attempts_package ON attempts (package, created);
"""


#: Columns added after the first release of the table: (name, SQL type).
_ADDED_COLUMNS = (("category", "TEXT"), ("toolchain", "TEXT"))


def _migrate(connection: sqlite3.Connection) -> None:
    present = {row[1] for row in connection.execute("PRAGMA table_info(attempts)")}
    for name, kind in _ADDED_COLUMNS:
        if name not in present:
            connection.execute(f"ALTER TABLE attempts ADD COLUMN {name} {kind}")


class Catalog:
    """The attempts table of one wheelhouse."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        connection = sqlite3.connect(self.path, timeout=60)
        try:
            connection.row_factory = sqlite3.Row
            connection.execute("PRAGMA journal_mode=WAL")
            connection.executescript(_SCHEMA)
            _migrate(connection)
            with connection:
                yield connection
        finally:
            connection.close()

    def add(self, record: Record) -> None:
        row = asdict(record)
        with self._connect() as db:
            db.execute(
                "INSERT INTO attempts (created, package, version, target, key, status, source,"
                " duration, wheel, sha256, log, error, installer, category, toolchain) VALUES"
                " (:created, :name, :version, :target, :key, :status, :source, :duration, :wheel,"
                " :sha256, :log, :error, :installer, :category, :toolchain)",
                row,
            )

    def attempts(self, package: str | None = None) -> list[dict[str, Any]]:
        query = "SELECT * FROM attempts"
        args: tuple[str, ...] = ()
        if package is not None:
            query += " WHERE package = ?"
            args = (package,)
        with self._connect() as db:
            return [dict(row) for row in db.execute(query + " ORDER BY id", args)]
