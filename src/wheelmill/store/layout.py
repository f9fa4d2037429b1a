"""Names in a wheelhouse that light code paths need without loading the store's machinery."""

from __future__ import annotations

#: wheelmill's own state directory inside a wheelhouse.
STATE = ".wheelmill"
#: Build records, one per build key, under :data:`STATE`.
RECORDS = "records"
#: The published wheels (the flat find-links directory).
WHEELS = "wheels"
#: The catalog of attempts (SQLite), under :data:`STATE`.
CATALOG = "catalog.sqlite"
#: Wheels ``serve --upstream`` answered from upstream, under :data:`STATE`.
UPSTREAM = "upstream"
#: The published index, beside :data:`WHEELS`.
SIMPLE = "simple"
#: The last reproducibility check, under :data:`STATE`.
REPRO_CHECK = "reproducibility.json"
