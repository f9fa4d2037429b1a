"""The first line that looks like an error, for a log no rule explains.

Read piece by piece with the rules' scan: the first error-looking lines (enough of them
that one is left once the envelope's lines are skipped), a banner's message below it
(Cython's ``Error compiling Cython file:``, a bare ``ERROR:`` banner, CMake's ``CMake Error
at …:`` heading, a logged error with its traceback), and, for a build that stops with no
line that looks like an error (one that refuses in its own words), the last line the
backend printed: the end of the first output pip boxed or uv quoted, else the line above
the frontend's own failure line (``uv build`` and pypa/build print the output as it comes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ._chained import CHAINED, EXCEPTION_LINE, FRAME_LINE, end_of_chain
from ._logtext import AnyPiece, TextView
from ._searched import (
    BOX_END,
    BOX_MARK,
    ERRORISH_ANCHORS,
    LEGACY_BOX_END,
    LEGACY_BOX_MARK,
    UV_HINT,
    UV_SECTIONS,
)
from .diagnosis import FirstError

#: A line that looks like an error, for logs no rule explains. The word alone is not one
#: where it names a file (``'src/zbar/error.c'`` in a list of sources a script prints).
_ERRORISH = re.compile(
    r"fatal error|\berror\b\s*[:!]|\b[A-Z]\w*(?:Error|Exception)\b:|^ERROR\b"
    r"|(?<![/\\])\bError\b(?!\.\w)"
    r"|No such file or directory|\bnot found\b|\bfailed\b|\bKilled\b|\bundefined reference to\b"
    r"|^(?:[\w.]+\.)?(?:Exception|SystemExit|BaseException)\b:",
    re.IGNORECASE,
)
#: autoconf saying where it stopped (``configure: error: in `/tmp/b':``); what stopped
#: it is on the next line.
_AUTOCONF_WHERE = r"configure: error: in [`'\u2018][^\n]*['\u2019]:$"
#: Lines of pip's own wrapper prose that look like errors and never are the cause.
_NOT_THE_CAUSE = re.compile(
    r"This error originates from a subprocess|finished with status 'error'"
    r"|^Failed to build\b|^Building wheel for .*: finished|^\S+ did not run successfully"
    r"|^exit code: \d+$|^\[end of output\]$|^See above for (?:output|details)"
    # pypa/build's advice after a failed build ("TIP pass --env-dir … debugging a failed build")
    r"|^TIP pass --env-dir\b"
    # a compiler's command line, echoed before it runs (a source file named bson-error.c)
    r"|^(?:\S*/)?(?:[\w.]+-)?(?:gcc|g\+\+|cc|c\+\+|clang|clang\+\+)(?:-\d+)? -"
    # a warning, in capitals: a script's own that something optional was not found, and
    # pip's failed check of its own version (no network), which says nothing of the build
    r"|^[^\w\s]*[ \t]*WARNING\b"
    # ninja's heading over a failed step's output, which says what failed below it
    r"|^FAILED: \S"
    # autoconf saying where it stopped
    rf"|^{_AUTOCONF_WHERE}"
    # CMake's probe of a flag, a header or a function, answered no: the build goes on
    r"|^-- (?:Performing Test|Looking for|Checking for|Check for) [^\n]* - (?:Failed|not found)$"
)

#: The first line of pip's box around a subprocess's output (see ``_searched``).
_BOX_OPEN = re.compile(r"^\[\d+ lines? of output\]$")
#: pip's box before 22: its first line, and the row of dashes under the output.
_LEGACY_BOX_OPEN = re.compile(r"^Complete output \(\d+ lines?\):$")
_LEGACY_BOX_END = re.compile(r"^-{20,}$")
#: uv's heading over a section of the output it quotes, and the advice after the last.
_UV_SECTION = re.compile(r"^\[(?:stdout|stderr)\]$")
_UV_HINT = re.compile(r"^hint: ")


@dataclass(frozen=True)
class _Box:
    """How a frontend marks out a backend's output: the literal its first line holds and
    the line itself, then the literal of its end and the end line (``None``: the output
    goes on to the end of the log)."""

    mark: str
    opening: re.Pattern[str]
    end_mark: str
    end: re.Pattern[str] | None


_BOXES = (
    _Box(BOX_MARK, _BOX_OPEN, BOX_END, None),
    _Box(LEGACY_BOX_MARK, _LEGACY_BOX_OPEN, LEGACY_BOX_END, _LEGACY_BOX_END),
    *(_Box(section, _UV_SECTION, UV_HINT, _UV_HINT) for section in UV_SECTIONS),
)
#: The failure line of a frontend that prints the backend's output as it comes, right under
#: it: ``uv build``'s (``error: Failed to build `…` ``) and pypa/build's.
_LIVE_FAILURE = re.compile(
    r"^(?:error: |\u00d7 )?Failed to build\b|^ERROR Backend subprocess exited\b"
)
#: A frontend's own line above its failure line: its progress, never the backend's output
#: (uv's ``Building foo==1.0``, ``Resolved 3 packages``; pypa/build's ``* Building wheel...``).
_FRONTEND_PROGRESS = re.compile(
    r"^(?:\* |Building |Resolved |Prepared |Using |Downloading |Downloaded |Installed )"
)

#: An error banner with no message of its own (``!!!!! ERROR !!!!!``, ``*** Error ***``,
#: ``ERROR:``), or an exception raised with its message on the lines below (``ValueError:``
#: alone, from ``raise ValueError("\\nThe library … could not be found")``): the message is
#: the next non-blank line, at most this many lines down.
_BARE_BANNER = re.compile(
    r"^[^\w\s]*[ \t]*(?:(?i:fatal) )?(?:ERROR|Error|error)S?[ \t]*[^\w\s]*$"
    r"|^(?:[\w.]+\.)?[A-Z]\w*(?:Error|Exception):$"
)
_MESSAGE_REACH = 3
#: CMake's heading saying where it stopped (``CMake Error at CMakeLists.txt:51 (foo):``),
#: its message indented on the lines below: the message says what, so it is shown.
_CMAKE_HEADING = re.compile(r"^CMake Error (?:at|in) [^\n]*:$")
#: The call stack CMake prints after the message: met first, the heading had no message
#: of its own, and it stands.
_CMAKE_STACK = re.compile(r"[ \t]*Call Stack \(most recent call first\):")
#: The message line: one with a word on it (a box drawn around the message, its
#: ``╔════╗`` top, a row of ``!!`` or ``***``, is passed over).
_WORDED = re.compile(r"[^\w\n]*\w")

#: An exception whose message goes on below its line, the program's own error quoted
#: there (``RuntimeError: Running: configure failed with error:`` over ``configure:
#: error: cannot run C compiled programs.``): shown at the next line that says what,
#: within _MESSAGE_REACH (autoconf's line saying where it stopped is passed over).
_CONTINUED_EXCEPTION = re.compile(
    r"^(?:[\w.]+\.)?[A-Z]\w*(?:Error|Exception): [^\n]*\b(?:with (?:the following )?"
    r"(?:error|errors|output)|(?:error|output) was):$"
)
_QUOTED_MESSAGE = re.compile(rf"\s*(?!{_AUTOCONF_WHERE})\S")

#: Cython's error line under its banner, and how far below the banner it may be.
_CYTHON_ERROR = re.compile(r"[^\s:]+\.(?:pyx|pxd|pxi):\d+:\d+: ")
_BANNER_REACH = 40

#: Python logging's default format for an error (``ERROR:py_build_cmake.common:Conan
#: failed``); from ``logging.exception``, the traceback follows at once, and the line
#: to show is the exception it ends with (the first, where one caused another), at most
#: _TRACEBACK_REACH lines down.
_LOGGED = re.compile(r"^(?:ERROR|CRITICAL):[\w.]*:")
_TRACEBACK = re.compile(r"Traceback \(most recent call last\):$")
_TRACEBACK_REACH = 200


@dataclass
class _Candidate:
    line: int  # 0-based, in the whole log
    shown: int  # the line reported (the real error under a Cython banner)
    text: str
    #: for a live frontend's failure line, the backend's last line right above it, when it
    #: is a few lines up (0-based line, text)
    above: tuple[int, str] | None = None


@dataclass
class _Banner:
    """An error-looking line whose message is on a line below it, still looked for."""

    found: _Candidate
    stop: int  # the first line (0-based, in the whole log) past the reach
    message: re.Pattern[str]  # matches, from its start, the line to show
    #: if set, what the line right under the banner must match, else the banner stands
    opening: re.Pattern[str] | None = None
    #: if set, a line that ends the search before a message is met: the banner stands
    until: re.Pattern[str] | None = None


class Errorish:
    """The first error-looking lines of a log read piece by piece: enough of them that
    one is left once the envelope's lines are skipped.

    Under Cython's "Error compiling Cython file:" banner the line shown is the real
    error (``file.pyx:LINE:COL: message``, after the quoted source), looked for up
    to _BANNER_REACH lines down; under a bare error banner or CMake's ``CMake Error
    at …:`` heading, the next line with a word on it within _MESSAGE_REACH (for CMake,
    unless its call stack comes first); under a logged error with a traceback right
    below it, the exception the traceback ends with; all into the next piece if need be.
    """

    def __init__(self, wanted: int) -> None:
        self.wanted = wanted
        self.found: list[_Candidate] = []
        self._below: list[_Banner] = []  # banners still looking down
        #: the last line of the first backend output pip boxed or uv quoted: what a build
        #: that refuses in its own words (a placeholder's message) printed last
        self.boxed: _Candidate | None = None
        self._box: _Box | None = None  # the box seen first
        self._box_done = False
        #: lines saying an exception was raised while handling one
        self.chained: list[int] = []

    def add(self, piece: AnyPiece, view: TextView, offset: int, before: str) -> None:
        """Read ``piece`` (its line 0 is line ``offset`` of the log, ``before`` the line
        above it); ``view`` holds at least its lines containing an error anchor, a box
        marker or the chained-exception line."""
        if not self._box_done:
            self._read_box(piece, view, offset)
        for banner in self._below:
            self._look_below(banner, piece, offset)
        self.chained += [offset + i for i in view.lines_containing(CHAINED)]
        end = offset + piece.count
        self._below = [b for b in self._below if b.found.shown == b.found.line and b.stop > end]
        if len(self.found) >= self.wanted:
            return
        candidates = {i for anchor in ERRORISH_ANCHORS for i in view.lines_containing(anchor)}
        for index in sorted(candidates):
            text = piece.line(index).strip()
            if not _ERRORISH.search(text) or _NOT_THE_CAUSE.search(text):
                continue
            above = piece.line(index - 1) if index else before
            if FRAME_LINE.match(text) or (
                FRAME_LINE.match(above) and not EXCEPTION_LINE.match(text)
            ):
                # a traceback's frame, and the source line it quotes (``error(pos, "'%s'
                # not found" % filename)``): code, whatever words it holds; a frame of code
                # Python has no source for (``File "<string>"``) has the exception under it
                continue
            live = _LIVE_FAILURE.match(text)
            printed = _above(piece, offset, index, before) if live else None
            found = _Candidate(offset + index, offset + index, text, printed)
            self.found.append(found)
            message: _Banner | None = None
            if text == "Error compiling Cython file:":
                message = _Banner(found, found.line + _BANNER_REACH, _CYTHON_ERROR)
            elif _BARE_BANNER.match(text):
                message = _Banner(found, found.line + 1 + _MESSAGE_REACH, _WORDED)
            elif _CMAKE_HEADING.match(text):
                reach = found.line + 1 + _MESSAGE_REACH
                message = _Banner(found, reach, _WORDED, until=_CMAKE_STACK)
            elif _CONTINUED_EXCEPTION.match(text):
                message = _Banner(found, found.line + 1 + _MESSAGE_REACH, _QUOTED_MESSAGE)
            elif _LOGGED.match(text):
                reach = found.line + _TRACEBACK_REACH
                message = _Banner(found, reach, EXCEPTION_LINE, _TRACEBACK)
            if message is not None and not self._look_below(message, piece, offset):
                self._below.append(message)
            if len(self.found) >= self.wanted:
                return

    def _read_box(self, piece: AnyPiece, view: TextView, offset: int) -> None:
        """Keep the last non-blank line of the first box seen; found from the box's end
        backwards, so a box of 100,000 lines costs a substring search, not a loop."""
        start = 0
        if self._box is None:
            opens = [
                (i, box)
                for box in _BOXES
                for i in view.lines_containing(box.mark)
                if box.opening.match(piece.line(i))
            ]
            if not opens:
                return
            index, self._box = min(opens, key=lambda pair: pair[0])
            start = index + 1
        box = self._box
        ends = [
            i
            for i in view.lines_containing(box.end_mark)
            if i >= start and (box.end is None or box.end.match(piece.line(i)))
        ]
        stop = piece.count
        if ends:
            stop, self._box_done = ends[0], True
        for index in range(stop - 1, start - 1, -1):
            text = piece.line(index).strip()
            if text and text != BOX_END and not _UV_SECTION.match(text):
                self.boxed = _Candidate(offset + index, offset + index, text)
                return

    @staticmethod
    def _look_below(banner: _Banner, piece: AnyPiece, offset: int) -> bool:
        """Show the banner's message if this piece holds it within reach (a banner near a
        piece's end goes on looking in the next one)."""
        found = banner.found
        for below in range(max(offset, found.line + 1), min(banner.stop, offset + piece.count)):
            line = piece.line(below - offset)
            if banner.opening is not None and below == found.line + 1:
                if not banner.opening.match(line):
                    banner.stop = below  # no traceback under it: the banner is the message
                    return True
                continue
            if banner.until is not None and banner.until.match(line):
                banner.stop = below
                return True
            if banner.message.match(line):
                found.shown, found.text = below, line.strip()
                return True
        return False

    def first(self, skip: set[int]) -> FirstError | None:
        shown = [found for found in self.found if found.line not in skip]
        if shown:  # the exception a script raised while handling the first, if it did
            found = shown[end_of_chain([(f.line, f.text) for f in shown], self.chained)]
            return FirstError(found.shown + 1, found.text)
        if self.boxed is not None:
            return FirstError(self.boxed.line + 1, self.boxed.text)
        for found in self.found:  # the frontend's failure line, under the backend's last line
            if found.line in skip and found.above is not None:
                line, text = found.above
                return FirstError(line + 1, text)
        return None


#: How far above a line the last non-blank one is looked for.
_ABOVE_REACH = 3


def _above(piece: AnyPiece, offset: int, index: int, before: str) -> tuple[int, str] | None:
    """The last non-blank line above line ``index`` of ``piece`` (its line 0 is line
    ``offset`` of the log, ``before`` the line above it), if within _ABOVE_REACH and not a
    frontend's progress line."""
    for up in range(index - 1, index - 1 - _ABOVE_REACH, -1):
        text = (piece.line(up) if up >= 0 else before).strip()
        if text:
            return None if _FRONTEND_PROGRESS.match(text) else (offset + up, text)
        if up < 0:
            return None
    return None
