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
5. No rule: category ``unknown``, with the first line that looks like an error
   (``_errorish``); when no line does, the last line the backend printed (the end of
   the output pip boxed, ``[N lines of output]``, or uv quoted, else the line above
   the frontend's own failure line).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import urlsplit

from ._chained import handled
from ._errorish import Errorish
from ._fields import Pattern
from ._logtext import raw_pieces, text_pieces
from ._scan import MAX_HITS, Hit, Waiting, scan_plan
from .diagnosis import Diagnosis, FirstError, Fix, SystemPackages, Translation
from .rules import Rule, RuleSet

#: How each distro installs system packages; the command ends with the package names.
INSTALL_COMMANDS = {
    "debian": "apt-get install -y",
    "fedora": "dnf install -y",
    "alpine": "apk add",
    "homebrew": "brew install",
}


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
    errorish = Errorish(plan.envelope_lines + 1)
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
