"""A reader that left early (``wheelmill rules | head -1``): stop quietly, as ``cat`` does.

Used by the command group and by the no-op answers given before click is loaded, so it
loads nothing itself.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # as typing's: a no-op answer does not load typing (see cli/_noop.py)
if TYPE_CHECKING:
    from typing import NoReturn

#: 128 + SIGPIPE: what a shell shows for a writer whose reader left.
READER_GONE = 141


def reader_gone() -> NoReturn:
    """Exit 141 with standard output on the null device, so the interpreter's last
    flush of what was still buffered cannot fail again."""
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, sys.stdout.fileno())
    os.close(null)
    raise SystemExit(READER_GONE)
