"""The store: the wheelhouse's files and state, and the catalog of every attempt.

* :mod:`.wheelhouse`: the directory (wheels, build records, logs, sdist cache,
  temp space, locks);
* :mod:`.attempt`: the typed record of one attempt at a build key;
* :mod:`.catalog`: every attempt, queryable (SQLite);
* :mod:`._wheelfile`: checks that a file is a sound wheel.
"""

from __future__ import annotations

from .._lazy import exports

TYPE_CHECKING = False  # as typing's: a no-op answer does not load typing (see cli/_noop.py)
if TYPE_CHECKING:
    from .attempt import Attempt
    from .wheelhouse import Store, sha256_file, write_atomic

__all__ = ["Attempt", "Store", "sha256_file", "write_atomic"]
#: Loaded on first use: a no-op reads records without the store's locks and checks.
__getattr__ = exports(
    __name__,
    {
        "Attempt": "attempt",
        "Store": "wheelhouse",
        "sha256_file": "wheelhouse",
        "write_atomic": "wheelhouse",
    },
)
