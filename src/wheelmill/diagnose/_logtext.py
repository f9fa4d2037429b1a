"""A build log made matchable: decorations stripped, line numbers kept.

pip shows a subprocess's output inside a box (``│``, ``╰─>``, the multiplication sign and six
spaces of indent, deeper for nested builds), uv draws ``├─▶``/``╰─▶``,
pypa/build marks installer lines with ``<``/``>``, poetry prefixes ``|``, CI
systems add timestamps and colour codes. Rules are written against the bare
text, so every line loses those prefixes first. Only text *inside* a line is
removed: the normalised log has exactly the lines of the original (lines end
at ``\\n``), so a match's line number is the original's. Only the first
:data:`SCANNED` characters of a line are kept: a build may print megabytes on one
line, and even a pattern that backtracks must stay cheap on it.

A huge log is read in pieces of whole lines (:func:`text_pieces`, :func:`byte_pieces`),
each normalised and scanned on its own: every step works line by line, so the result
is the same, and memory holds one piece's lines rather than the whole log's.

The classifier reads a piece as a :class:`Piece`: its text is searched whole, and only
the lines it asks for are cut out and normalised (:func:`bare`), the same way
:class:`LogText` normalises every line.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from itertools import accumulate
from typing import AnyStr, Generic, Union

#: How much of one line of build or resolver output any regex looks at.
SCANNED = 4096

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

#: Prefixes removed from the start of every line, any number of times, in any order.
_PREFIX = re.compile(
    r"(?:[ \t]+"
    r"|[\u2502\u2503\u00d7]"  # box bars, multiplication sign
    r"|\u2570\u2500>|[\u251c\u2570]\u2500\u25b6"  # ╰─>  ├─▶ ╰─▶
    r"|\|(?=[ \t]|$)"  # poetry's "    | "
    r"|[<>] "  # pypa/build's installer command and output markers
    r"|#\d+ \d+\.\d+ "  # docker buildkit "#12 3.456 "
    r"|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z "  # GitHub Actions timestamps
    r")+"
)
#: First characters (after blanks) of the other prefixes: most lines need no regex call.
_PREFIX_STARTS = frozenset("\u2502\u2503\u00d7\u2570\u251c|<>#0123456789")


class TextView:
    """Some lines of a log joined by ``\\n``, searchable by substring, mapped to line numbers."""

    def __init__(self, lines: list[str], origin: list[int] | None = None) -> None:
        self.text = "\n".join(lines)
        self.origin = origin  # view line -> log line (None: the same)
        starts = list(accumulate(map(len, lines), lambda total, n: total + n + 1, initial=0))
        starts.pop()
        self._starts = starts

    def line_index(self, offset: int) -> int:
        """0-based index, in the whole log, of the line holding ``offset`` of :attr:`text`."""
        index = bisect_right(self._starts, offset) - 1
        return self.origin[index] if self.origin is not None else index

    def lines_containing(self, literal: str) -> list[int]:
        """0-based log line indexes of the lines that contain ``literal``, each once, in order."""
        text, starts, origin = self.text, self._starts, self.origin
        found: list[int] = []
        position = text.find(literal)
        while position != -1:
            index = bisect_right(starts, position) - 1
            found.append(origin[index] if origin is not None else index)
            if index + 1 >= len(starts):
                break
            position = text.find(literal, starts[index + 1])
        return found


class LogText:
    """The normalised lines of a log, and views of them for substring search."""

    def __init__(self, raw: str) -> None:
        text = raw.replace("\r\n", "\n").replace("\r", "")
        if "\x1b" in text:
            text = _ANSI.sub("", text)
        lines = text.split("\n")
        if max(map(len, lines)) > SCANNED:  # rare: cut only then, a common log pays one pass
            lines = [line.lstrip(" \t")[:SCANNED] for line in lines]
        starts, match = _PREFIX_STARTS, _PREFIX.match
        for index, line in enumerate(lines):
            bare = line.lstrip(" \t")
            if bare and bare[0] in starts:
                prefix = match(bare)
                if prefix:
                    bare = bare[prefix.end() :]
            lines[index] = bare
        self.lines = lines
        self._folded_lines: list[str] | None = None
        self._views: dict[bool, TextView] = {}

    def _source(self, folded: bool) -> list[str]:
        if not folded:
            return self.lines
        if self._folded_lines is None:
            self._folded_lines = [line.lower() for line in self.lines]
        return self._folded_lines

    def view(self, *, folded: bool = False) -> TextView:
        """All lines (in lower case with ``folded``, for patterns that ignore case)."""
        if folded not in self._views:
            self._views[folded] = TextView(self._source(folded))
        return self._views[folded]

    def subset(self, indexes: list[int], *, folded: bool = False) -> TextView:
        """A view of just the lines ``indexes`` (0-based, ascending)."""
        source = self._source(folded)
        return TextView([source[i] for i in indexes], list(indexes))


def bare(line: str) -> str:
    """``line`` (from text without ``\\r`` and colour codes) as :class:`LogText` has it."""
    line = line.lstrip(" \t")[:SCANNED]
    if line and line[0] in _PREFIX_STARTS:
        prefix = _PREFIX.match(line)
        if prefix:
            return line[prefix.end() :]
    return line


def _newline(text: AnyStr) -> AnyStr:
    return "\n" if isinstance(text, str) else b"\n"


def _decoded(text: AnyStr) -> str:
    return text if isinstance(text, str) else text.decode("utf-8", "replace")


class Piece(Generic[AnyStr]):
    """Some lines of a log as one text (carriage returns and colour codes removed);
    a line is cut out and normalised only when asked for.

    Line ``i`` here is ``LogText(raw).lines[i]``, without splitting the whole text.
    The text may also be UTF-8 bytes without carriage returns or colour codes (as
    read from a file): a line is then decoded, errors replaced, when asked for.
    """

    def __init__(self, raw: AnyStr) -> None:
        text = raw
        if isinstance(text, str):
            if "\r" in text:
                text = text.replace("\r\n", "\n").replace("\r", "")
            if "\x1b" in text:
                text = _ANSI.sub("", text)
        elif b"\r" in text or b"\x1b" in text:
            raise ValueError("decode bytes with carriage returns or colour codes first")
        self.text: AnyStr = text
        self._newline: AnyStr = _newline(text)
        self.count = text.count(self._newline) + 1
        # line starts known so far (index -> offset), to walk from to any other line
        self._indexes = [0, self.count - 1]
        self._offsets = [0, text.rfind(self._newline) + 1]
        self._bare: dict[int, str] = {}
        self._all: list[str] | None = None

    def locate(self, starts: list[int]) -> list[int]:
        """Line indexes of ``starts`` (offsets of line starts, ascending)."""
        indexes = []
        index = previous = 0
        for start in starts:
            index += self.text.count(self._newline, previous, start)
            previous = start
            indexes.append(index)
            self._remember(index, start)
        return indexes

    def _remember(self, index: int, offset: int) -> None:
        at = bisect_right(self._indexes, index)
        if self._indexes[at - 1] != index:
            self._indexes.insert(at, index)
            self._offsets.insert(at, offset)

    def _start(self, index: int) -> int:
        """Offset of line ``index``'s start, walked to from the nearest known line."""
        at = bisect_right(self._indexes, index) - 1
        known, offset = self._indexes[at], self._offsets[at]
        text, newline = self.text, self._newline
        if at + 1 < len(self._indexes) and self._indexes[at + 1] - index < index - known:
            known, offset = self._indexes[at + 1], self._offsets[at + 1]
            while known > index:  # backwards: the line before ends just before this one
                offset = text.rfind(newline, 0, offset - 1) + 1
                known -= 1
        while known < index:
            offset = text.index(newline, offset) + 1
            known += 1
        self._remember(index, offset)
        return offset

    def line(self, index: int) -> str:
        """Line ``index`` (0-based in the piece), normalised."""
        if self._all is not None:
            return self._all[index]
        found = self._bare.get(index)
        if found is None:
            start = self._start(index)
            end = self.text.find(self._newline, start)
            found = bare(_decoded(self.text[start:] if end == -1 else self.text[start:end]))
            self._bare[index] = found
        return found

    def lines(self) -> list[str]:
        """Every line, normalised (for patterns without a literal to look for)."""
        if self._all is None:
            self._all = [bare(_decoded(line)) for line in self.text.split(self._newline)]
        return self._all

    def view(self, indexes: list[int], *, folded: bool = False) -> TextView:
        """A view of just the lines ``indexes`` (ascending), lower-cased with ``folded``."""
        lines = [self.line(i) for i in indexes]
        return TextView([line.lower() for line in lines] if folded else lines, list(indexes))


#: A piece of text or of bytes.
AnyPiece = Union[Piece[str], Piece[bytes]]


#: About how many characters of a log are normalised and scanned at a time.
PIECE = 1 << 22


def text_pieces(text: str, size: int = PIECE) -> Iterator[str]:
    """``text`` cut at line ends into pieces of about ``size``: their lines, one after
    the other, are the lines of ``text`` (each cut removes exactly one ``\\n``)."""
    start = 0
    while len(text) - start > size:
        cut = text.find("\n", start + size)
        if cut == -1:
            break
        yield text[start:cut]
        start = cut + 1
    yield text if start == 0 else text[start:]


def raw_pieces(blocks: Iterable[bytes]) -> Iterator[bytes]:
    """Bytes read in blocks, in pieces cut at line ends (each cut removes one ``\\n``);
    only one block and one piece are held at a time."""
    rest = b""
    for block in blocks:
        data = rest + block if rest else block
        cut = data.rfind(b"\n")
        if cut == -1:
            rest = data
            continue
        yield data[:cut]
        rest = data[cut + 1 :]
    yield rest


def byte_pieces(blocks: Iterable[bytes]) -> Iterator[str]:
    """UTF-8 bytes read in blocks, decoded (errors replaced) in pieces cut at line ends.

    A multi-byte character never contains the byte ``\\n``, so a piece (or a line)
    decodes exactly as it would within the whole.
    """
    for piece in raw_pieces(blocks):
        yield piece.decode("utf-8", "replace")
