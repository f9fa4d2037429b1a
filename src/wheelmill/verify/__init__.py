"""The ``verify`` stage: proof that a lock installs binary-only from the wheelhouse.

* :mod:`.coverage`: per target, which pins are covered and why the others are gaps;
* :mod:`._pipcheck`: real pip's binary-only dry run against the wheelhouse alone;
* :mod:`.junit`: JUnit XML of build and verify results for CI dashboards.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import exports

if TYPE_CHECKING:
    from .coverage import PinCoverage, VerifyReport, verify
    from .junit import write_junit

__all__ = ["PinCoverage", "VerifyReport", "verify", "write_junit"]
__getattr__ = exports(
    __name__,
    {
        "PinCoverage": "coverage",
        "VerifyReport": "coverage",
        "verify": "coverage",
        "write_junit": "junit",
    },
)
