"""The store: the wheelhouse's files and state, and the catalog of every attempt.

* :mod:`.wheelhouse`: the directory (wheels, build records, logs, sdist cache,
  temp space, locks);
* :mod:`.attempt`: the typed record of one attempt at a build key;
* :mod:`.catalog`: every attempt, queryable (SQLite);
* :mod:`._wheelfile`: checks that a file is a sound wheel.
"""

from __future__ import annotations

from .attempt import Attempt
from .wheelhouse import Store, sha256_file, write_atomic

__all__ = ["Attempt", "Store", "sha256_file", "write_atomic"]
