"""Chained Python tracebacks: the exception a build script raised while handling another.

A build script that probes for a tool and fails often catches the low-level error and
raises its own message::

    TypeError: expected str, bytes or os.PathLike object, not NoneType

    During handling of the above exception, another exception occurred:

    Traceback (most recent call last):
      ...
    Exception: Unable to find javac

The later exception is what the script meant to say, so the first-error picker follows
the chain to its end. A handled exception is not always a mere probe (ez_setup's
``import pkg_resources`` failing, then its fallback download failing offline, is caused
by the first), so only the handled matches of rules marked ``probe_when_handled`` (Python
2 names, which code written for both tries first; a failed import the code falls back
from) are left out of the causes; such a rule with no other match is no cause.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

#: The line Python prints between the two tracebacks.
CHAINED = "During handling of the above exception, another exception occurred:"
#: How far below an exception's line the marker may be (Python prints one blank line).
_GAP = 3
EXCEPTION_LINE = re.compile(r"^(?:[\w.]+\.)?(?:[A-Z]\w*)?(?:Error|Exception|Exit)\b:")
#: A traceback's frame line (after any frontend decoration), which names a file and a
#: line (``File "setup.py", line 12, in <module>``; a ``SyntaxError``'s frame has no
#: function); the line under it is the source line the frame quotes: code, not output.
FRAME_LINE = re.compile(r'^[^\w"]*File "[^"\n]*", line \d+')


def end_of_chain(lines: Sequence[tuple[int, str]], markers: Sequence[int]) -> int:
    """Index, in ``lines`` (error-looking lines as (line number, text), in log order), of
    the exception raised while the first one was handled, followed to the end of the
    chain; 0 when the first line starts no chain. ``markers`` are the lines saying
    :data:`CHAINED`, ascending."""
    index = 0
    while EXCEPTION_LINE.match(lines[index][1]):
        marker = _marker_after(lines[index][0], markers)
        if marker is None:
            break
        later = next((i for i in range(index + 1, len(lines)) if lines[i][0] > marker), None)
        if later is None or not EXCEPTION_LINE.match(lines[later][1]):
            break
        index = later
    return index


def handled(line: int, markers: Sequence[int]) -> bool:
    """Whether ``line`` is an exception something handled: :data:`CHAINED` follows it
    within Python's gap. ``markers`` are the lines saying :data:`CHAINED`, ascending."""
    return _marker_after(line, markers) is not None


def _marker_after(line: int, markers: Sequence[int]) -> int | None:
    """The :data:`CHAINED` line that follows ``line`` within Python's gap, if one does."""
    marker = next((m for m in markers if m > line), None)
    return marker if marker is not None and marker - line <= _GAP else None
