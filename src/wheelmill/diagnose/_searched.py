"""What the classifier looks for in every log besides the rules' literals.

The scan plan's prefilter finds the lines holding these too (:mod:`._scan`), so
the classifier can pick the first error-looking line of a log no rule explains,
the backend output pip boxes or uv quotes, and Python's chained exceptions (:mod:`.classify`)
without another pass over the text.
"""

from __future__ import annotations

from ._chained import CHAINED

#: Substrings of every line the classifier's error-looking regex can match (to skip
#: the rest quickly).
ERRORISH_ANCHORS = (
    "error",
    "Error",
    "ERROR",
    "fatal",
    "No such file",
    "not found",
    "failed",
    "Failed",
    "FAILED",
    "Killed",
    "undefined reference",
    "Exception",
    "SystemExit",
)

#: pip's box around a subprocess's output: its last line, and what its first and last
#: lines both hold.
BOX_END = "[end of output]"
BOX_MARK = " of output]"

#: the same box as pip before 22 drew it: "Complete output (N lines):" over the output, a row
#: of dashes under it.
LEGACY_BOX_MARK = "Complete output ("
LEGACY_BOX_END = "----------"

#: uv's headings over a failed backend's output, quoted under its error (``[stdout]``,
#: ``[stderr]``), and the advice it ends with (``hint: …``).
UV_SECTIONS = ("[stdout]", "[stderr]")
UV_HINT = "hint:"

#: All of them.
SEARCHED = (
    *ERRORISH_ANCHORS,
    BOX_MARK,
    BOX_END,
    LEGACY_BOX_MARK,
    LEGACY_BOX_END,
    *UV_SECTIONS,
    UV_HINT,
    CHAINED,
)
