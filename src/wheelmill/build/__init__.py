"""The ``build`` stage: settle every pin of a lock into the store.

* :mod:`.batch`: every pin and target, in parallel (:func:`prebuild`);
* :mod:`.results`: what a run reports (:class:`PinResult`, :class:`BuildReport`);
* :mod:`.settle`: one build key: fetch the upstream wheel, or build the sdist;
* :mod:`.step`: one sdist into one checked wheel (build, repair, import check);
* :mod:`.sdist`: the ``build`` frontend in the controlled environment;
* :mod:`.key`: the build key; :mod:`.upstream`: the index client;
* :mod:`.toolchain`: compiler and system fingerprints;
* :mod:`.reproduce`: ``--check-reproducible``;
* private helpers: archive extraction, frontend environments, ``pyproject.toml``
  patching, process supervision, ``auditwheel`` repair, the import check.
"""

from __future__ import annotations

from .._lazy import exports

TYPE_CHECKING = False  # as typing's: a no-op answer does not load typing (see cli/_noop.py)
if TYPE_CHECKING:
    from .batch import prebuild
    from .key import build_key
    from .reproduce import Reproduction, check_reproducible
    from .results import BuildReport, PinResult

__all__ = [
    "BuildReport",
    "PinResult",
    "Reproduction",
    "build_key",
    "check_reproducible",
    "prebuild",
]
__getattr__ = exports(
    __name__,
    {
        "BuildReport": "results",
        "PinResult": "results",
        "prebuild": "batch",
        "build_key": "key",
        "Reproduction": "reproduce",
        "check_reproducible": "reproduce",
    },
)
