"""The classifier: build log text in, :class:`Diagnosis` out. A pure function.

How a log is read:

1. Decorations are stripped from each line looked at (``_logtext``); line numbers stay.
2. Each rule pattern is tried only on lines that contain the literal text the
   pattern cannot match without (``_literal``); a few regex passes over the whole
   text find those lines (``_prefilter``, ``_scan``), so a 100,000-line log costs
   a handful of passes plus a few regex calls on single lines, and only those
   lines are ever cut out of the text.
3. *Envelope* rules (pip's ``subprocess-exited-with-error`` and friends) only
   say that a build step failed; they are reported in :attr:`Diagnosis.envelope`.
4. Of the other rules that matched (and whose ``requires``/``excludes`` hold),
   the most specific wins; on a tie, the one that matched first in the log: the
   first concrete error, not the consequences printed after it.
5. No rule: category ``unknown``, with the first line that looks like an error; when no
   line does, the last line of the first output pip boxed (``[N lines of output]``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from ._chained import CHAINED, EXCEPTION_LINE, FRAME_LINE, end_of_chain, handled
from ._fields import Pattern
from ._logtext import AnyPiece, TextView, raw_pieces, text_pieces
from ._scan import MAX_HITS, Hit, Waiting, scan_plan
from ._searched import BOX_END, BOX_MARK, ERRORISH_ANCHORS
from .diagnosis import Diagnosis, FirstError, Fix, SystemPackages, Translation
from .rules import Rule, RuleSet

#: How each distro installs system packages; the command ends with the package names.
INSTALL_COMMANDS = {
    "debian": "apt-get install -y",
    "fedora": "dnf install -y",
    "alpine": "apk add",
    "homebrew": "brew install",
}

#: A line that looks like an error, for logs no rule explains.
_ERRORISH = re.compile(
    r"fatal error|\berror\b\s*[:!]|\b[A-Z]\w*(?:Error|Exception)\b:|^ERROR\b|\bError\b"
    r"|No such file or directory|\bnot found\b|\bfailed\b|\bKilled\b"
    r"|^(?:[\w.]+\.)?(?:Exception|SystemExit|BaseException)\b:",
    re.IGNORECASE,
)
#: Lines of pip's own wrapper prose that look like errors and never are the cause.
_NOT_THE_CAUSE = re.compile(
    r"This error originates from a subprocess|finished with status 'error'"
    r"|^Failed to build\b|^Building wheel for .*: finished|^\S+ did not run successfully"
    r"|^exit code: \d+$|^\[end of output\]$|^See above for (?:output|details)"
    # pip's own version check, which fails without network and says nothing of the build
    r"|^WARNING: There was an error checking the latest version of pip\b"
)

#: The first line of pip's box around a subprocess's output (see ``_searched``).
_BOX_OPEN = re.compile(r"^\[\d+ lines? of output\]$")

#: An error banner with no message of its own (``!!!!! ERROR !!!!!``, ``*** Error ***``,
#: ``ERROR:``): the message is the next non-blank line, at most this many lines down.
_BARE_BANNER = re.compile(r"^[^\w\s]*[ \t]*(?:(?i:fatal) )?(?:ERROR|Error|error)S?[ \t]*[^\w\s]*$")
_MESSAGE_REACH = 3
_NON_BLANK = re.compile(r"\s*\S")

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


def _rule_hits(rule: Rule, hits: Mapping[int, list[Hit]]) -> list[Hit]:
    """All hits of a rule's patterns, in line order; empty if requires/excludes say no."""
    if any(id(p) in hits for p in rule.excludes):
        return []
    if not all(id(p) in hits for p in rule.requires):
        return []
    found = [hit for p in rule.patterns for hit in hits.get(id(p), ())]
    # a raise statement a traceback quotes is code: the exception's line below says the same
    said = [hit for hit in found if not hit.quoted] or found
    return sorted(said, key=lambda hit: (hit.line, hit.part))


def _groups(hits: Iterable[Hit]) -> dict[str, str]:
    """Named groups of the hits; the earliest hit that sets a group wins."""
    groups: dict[str, str] = {}
    for hit in hits:
        for name, value in hit.groups().items():
            groups.setdefault(name, value.strip())
    return groups


#: ``{name}`` in a rule's default subject: a named group of the log's envelope.
_FROM_DETAILS = re.compile(r"\{(\w+)\}")


def _subject(
    rule: Rule, hits: list[Hit], details: Mapping[str, str], every: Mapping[int, list[Hit]]
) -> str | None:
    subject = _named_subject(rule, hits, details, every)
    if subject and rule.category == "network":
        subject = _host(subject)
    return rule.subject_aliases.get(subject, subject) if subject else subject


def _named_subject(
    rule: Rule, hits: list[Hit], details: Mapping[str, str], every: Mapping[int, list[Hit]]
) -> str | None:
    # a default naming an envelope group ("{package}") gives way to a subject group alone
    envelope_default = rule.subject is not None and "{" in rule.subject
    for hit in hits:
        named = hit.groups()
        if "subject" in named:
            return named["subject"].strip()
        if named and not envelope_default:
            return next(iter(named.values())).strip()
    near = _groups_near(rule.subject_above, hits[0].line, every, above=True) if hits else {}
    if not near and hits:
        near = _groups_near(rule.subject_below, hits[0].line, every, above=False)
    if near:
        return near.get("subject") or next(iter(near.values()))
    if rule.subject is None or "{" not in rule.subject:
        return rule.subject
    names = _FROM_DETAILS.findall(rule.subject)
    if not all(details.get(name) for name in names):
        return None
    return _FROM_DETAILS.sub(lambda m: details[m.group(1)], rule.subject)


def _host(subject: str) -> str:
    """The host name alone of a URL or ``host:port`` (a network subject): no scheme, port
    or path. ``https://pypi.org/simple/six/`` and ``pypi.org:443`` are ``pypi.org``."""
    try:
        host = urlsplit(subject if "://" in subject else f"//{subject}").hostname
    except ValueError:  # a malformed address (an unclosed IPv6 bracket): keep it as written
        return subject
    return host or subject


def _groups_near(
    patterns: Iterable[Pattern], line: int, every: Mapping[int, list[Hit]], *, above: bool
) -> dict[str, str]:
    """The named groups one of ``patterns`` gives on the nearest line that sets one, at or
    above ``line`` (``subject_above``), or below it.

    Only the first MAX_HITS hits of a pattern are kept: a pattern that reached that many
    before ``line`` may have lost the nearest one above, so it gives nothing there."""
    near: list[Hit] = []
    for pattern in patterns:
        found = every.get(id(pattern), [])
        if above and len(found) >= MAX_HITS and found[-1].line < line:
            continue
        near += [hit for hit in found if (hit.line <= line if above else hit.line > line)]
    for hit in sorted(near, key=lambda hit: abs(hit.line - line)):
        named = {name: value.strip() for name, value in hit.groups().items() if value.strip()}
        if named:
            return named
    return {}


def _fill(text: str, subject: str | None) -> str:
    return text.replace("{subject}", subject or "?")


def _system_packages(rule: Rule, subject: str | None) -> tuple[SystemPackages, ...]:
    table = rule.subject_packages.get(subject or "", rule.system_packages)
    return tuple(
        SystemPackages(distro, names, f"{INSTALL_COMMANDS[distro]} {' '.join(names)}")
        for distro, names in table.items()
        if names
    )


@dataclass
class _Candidate:
    line: int  # 0-based, in the whole log
    shown: int  # the line reported (the real error under a Cython banner)
    text: str


@dataclass
class _Banner:
    """An error-looking line whose message is on a line below it, still looked for."""

    found: _Candidate
    stop: int  # the first line (0-based, in the whole log) past the reach
    message: re.Pattern[str]  # matches, from its start, the line to show
    #: if set, what the line right under the banner must match, else the banner stands
    opening: re.Pattern[str] | None = None


class _Errorish:
    """The first error-looking lines of a log read piece by piece: enough of them that
    one is left once the envelope's lines are skipped.

    Under Cython's "Error compiling Cython file:" banner the line shown is the real
    error (``file.pyx:LINE:COL: message``, after the quoted source), looked for up
    to _BANNER_REACH lines down; under a bare error banner, the next non-blank line
    within _MESSAGE_REACH; under a logged error with a traceback right below it, the
    exception the traceback ends with; all into the next piece if need be.
    """

    def __init__(self, wanted: int) -> None:
        self.wanted = wanted
        self.found: list[_Candidate] = []
        self._below: list[_Banner] = []  # banners still looking down
        #: the last line of the first subprocess output pip boxed: what a build that
        #: refuses in its own words (a placeholder's message) printed last
        self.boxed: _Candidate | None = None
        self._box: str | None = None  # None: not seen yet, "open": inside, "done"
        #: lines saying an exception was raised while handling one
        self.chained: list[int] = []

    def add(self, piece: AnyPiece, view: TextView, offset: int, before: str) -> None:
        """Read ``piece`` (its line 0 is line ``offset`` of the log, ``before`` the line
        above it); ``view`` holds at least its lines containing an error anchor, a box
        marker or the chained-exception line."""
        if self._box != "done":
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
            found = _Candidate(offset + index, offset + index, text)
            self.found.append(found)
            message: _Banner | None = None
            if text == "Error compiling Cython file:":
                message = _Banner(found, found.line + _BANNER_REACH, _CYTHON_ERROR)
            elif _BARE_BANNER.match(text):
                message = _Banner(found, found.line + 1 + _MESSAGE_REACH, _NON_BLANK)
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
            candidates = view.lines_containing(BOX_MARK)
            opens = [i for i in candidates if _BOX_OPEN.match(piece.line(i))]
            if not opens:
                return
            start, self._box = opens[0] + 1, "open"
        ends = [i for i in view.lines_containing(BOX_END) if i >= start]
        stop = piece.count
        if ends:
            stop, self._box = ends[0], "done"
        for index in range(stop - 1, start - 1, -1):
            text = piece.line(index).strip()
            if text and text != BOX_END:
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
        return None


def diagnose(text: str, rules: RuleSet) -> Diagnosis:
    """Classify the build log ``text`` with ``rules``; never raises for odd input."""
    return _classify(text_pieces(text), rules)


def diagnose_bytes(blocks: Iterable[bytes], rules: RuleSet) -> Diagnosis:
    """Classify a build log read as UTF-8 ``blocks`` (a file read a few MB at a time):
    what :func:`diagnose` says of the decoded text, with one piece in memory at a time."""
    return _classify(raw_pieces(blocks), rules)


def _unhandled(pair: tuple[Rule, list[Hit]], markers: Sequence[int]) -> tuple[Rule, list[Hit]]:
    """The rule with only its hits that no later exception was raised while handling."""
    rule, found = pair
    return rule, [hit for hit in found if not handled(hit.line, markers)]


def _classify(pieces: Iterable[str | bytes], rules: RuleSet) -> Diagnosis:
    plan = scan_plan(rules)
    hits: dict[int, list[Hit]] = {}
    errorish = _Errorish(plan.envelope_lines + 1)
    waiting: list[Waiting] = []
    offset = 0
    before = ""  # the last line of the piece before
    for raw in pieces:
        piece = plan.piece(raw)
        view = plan.candidates(piece)
        plan.scan(piece, view, offset, hits, waiting, before)
        errorish.add(piece, view, offset, before)
        offset += piece.count
        before = piece.line(piece.count - 1) if piece.count else before
    causes: list[tuple[Rule, list[Hit]]] = []
    envelopes: list[tuple[Rule, list[Hit]]] = []
    for rule in rules:
        found = _rule_hits(rule, hits)
        if found:
            (envelopes if rule.envelope else causes).append((rule, found))
    markers = errorish.chained
    # a hit of a rule marked probe_when_handled that Python then handled is the probe of code
    # that tried one name and fell back to another: never the cause. The rule keeps its other
    # hits (the fallback's own import failing: "No module named 'cairocffi'" handled, then "No
    # module named 'cairo'"), and is no cause when it has none
    causes = [_unhandled(pair, markers) if pair[0].probe_when_handled else pair for pair in causes]
    causes = [pair for pair in causes if pair[1]]
    envelopes.sort(key=lambda pair: pair[1][0].line)
    envelope_ids = tuple(rule.id for rule, _ in envelopes)
    envelope_details = _groups(hit for _, found in envelopes for hit in found)
    for envelope, found in envelopes:  # what the lines above an envelope name: the package
        near = _groups_near(envelope.subject_above, found[0].line, hits, above=True)
        for name, value in near.items():
            envelope_details.setdefault(name, value)
    if not causes:
        skip = {hit.line for _, found in envelopes for hit in found}
        first = errorish.first(skip)
        return Diagnosis(
            rule=None,
            category="unknown",
            subject=None,
            first_error=first,
            summary=(
                "no known cause; the first error-looking line is shown"
                if first
                else "no known cause, and no line looks like an error"
            ),
            envelope=envelope_ids,
            details=envelope_details,
        )
    # a hit inside a printed bytes repr (a dump of a subprocess's output) ranks after the
    # hits of the same specificity on the log's own lines
    causes.sort(key=lambda p: (-p[0].specificity, p[1][0].part > 0, p[1][0].line, p[1][0].part))
    rule, found = causes[0]
    subject = _subject(rule, found, envelope_details, hits)
    shown = subject or rule.unnamed_subject  # what the texts say
    top = found[0]
    details = {**envelope_details, **_groups(found)}
    details.pop("subject", None)
    fixes = tuple(Fix(_fill(w.text, shown), w.success_rate) for w in rule.workarounds)
    translations = {
        language: Translation(
            _fill(t.title, shown) if t.title else None,
            _fill(t.root_cause, shown),
            tuple(_fill(w, shown) for w in t.workarounds),
        )
        for language, t in rule.translations.items()
    }
    return Diagnosis(
        rule=rule.id,
        category=rule.category,
        subject=subject,
        first_error=FirstError(top.line + 1, (top.whole or top.match.string).strip()),
        summary=_fill(rule.title, shown),
        root_cause=_fill(rule.root_cause, shown),
        fixes=fixes,
        dead_ends=rule.dead_ends,
        system_packages=_system_packages(rule, subject),
        envelope=envelope_ids,
        confidence=rule.confidence,
        build_requirements=tuple(_fill(r, subject) for r in rule.build_requirements),
        build_constraints=tuple(_fill(c, subject) for c in rule.build_constraints),
        environment={name: _fill(v, subject) for name, v in rule.environment.items()},
        docs=rule.docs,
        details=details,
        also_matched=tuple(other.id for other, _ in causes[1:]),
        translations=translations,
    )
