"""A static status page of the wheelhouse: ``DIR/status/index.html``.

One self-contained HTML file (inline CSS, no script, no external asset) that
a person reads at a glance: a matrix of packages by targets whose every cell
names its state in words (built, fetched, failed, missing, not tried, not
applicable with the Requires-Python that excludes the target) as well
as in colour, with the build duration; then every failure with its cause,
first error line, fixes and the command that installs the missing system
package; when the wheelhouse was last built; how many wheels built from source
the last ``--check-reproducible`` found byte-identical, and which members of the
others differ; wheels no attempt accounts for; the wheels ``serve --upstream``
answered from upstream, apart (:mod:`._fromupstream`).

Data: per (package, target), the newest of the catalog's latest attempt and
the build record (a pure wheel one target built serves the others through a
record only), checked against the wheels present in ``DIR/wheels/``.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

from .._wheelname import canonical_name as canonicalize_name
from .._wheelname import wheel_name_version
from ..outcomes import CELL_STATES, CellState
from ..store.attempt import Attempt
from ..store.catalog import Catalog, RuleStats
from ..store.reproducibility import last_check
from ..store.wheelhouse import Store, write_atomic
from ..target import current_target
from ._escape import escape
from ._fromupstream import FromUpstream, from_upstream, upstream_section
from ._reprosection import reproducibility_section
from ._scan import wheel_sizes
from ._statusparts import assemble, inputs_key, when
from ._statusparts import save as save_parts

STATES = CELL_STATES
_LABELS: dict[CellState, str] = {
    "built": "✓ built",
    "fetched": "↓ fetched",
    "failed": "✗ failed",
    "missing": "! missing",
    "none": "&ndash; not tried",
    "not-applicable": "&ndash; not applicable",
}


@dataclass(frozen=True)
class Cell:
    package: str
    version: str
    target: str
    state: CellState
    duration: float = 0.0
    wheel: str | None = None
    created: float = 0.0
    attempt: Attempt | None = None  # the newest attempt there (none for a shared wheel)
    shared: bool = False  # served by a pure wheel another target's attempt produced


@dataclass(frozen=True)
class Status:
    targets: list[str]
    cells: dict[tuple[str, str], Cell]  # (package, target)
    versions: dict[str, str]  # package -> newest version shown
    unaccounted: list[tuple[str, int]]  # wheels no attempt names: (filename, size)
    last_built: float | None
    wheels: int
    size: int
    upstream: list[FromUpstream]  # answered by serve --upstream, not the lock

    def count(self, state: CellState) -> int:
        return sum(1 for cell in self.cells.values() if cell.state == state)


def _attempts(store: Store) -> list[Attempt]:
    found: list[Attempt] = []
    # An unreadable catalog (a read-only copy): the records still tell most of it.
    with contextlib.suppress(sqlite3.Error):
        if store.catalog_path.is_file():
            found += Catalog(store.catalog_path).latest_attempts().values()
    found += [record for _, record in store.iter_records()]
    return found


def _state(attempt: Attempt, present: Collection[str]) -> CellState:
    if attempt.ok:
        if attempt.wheel not in present:
            return "missing"
        return "built" if attempt.source == "built" else "fetched"
    if attempt.status == "not-applicable":
        return "not-applicable"
    return "failed" if attempt.status == "failed" else "missing"


def collect_status(store: Store, files: Mapping[str, int] | None = None) -> Status:
    """What the page shows, from the catalog, the records and ``wheels/`` (``files``:
    every wheel's size, as ``publish`` found them; listed here when not given)."""
    if files is None:
        files = wheel_sizes(store.wheels)
    present = files.keys()
    newest: dict[tuple[str, str], Attempt] = {}
    for attempt in _attempts(store):
        key = (attempt.name, attempt.target)
        if key not in newest or attempt.created >= newest[key].created:
            newest[key] = attempt
    cells = {
        key: Cell(
            package=attempt.name,
            version=attempt.version,
            target=attempt.target,
            state=_state(attempt, present),
            duration=attempt.duration,
            wheel=attempt.wheel,
            created=attempt.created,
            attempt=attempt,
        )
        for key, attempt in newest.items()
    }
    versions: dict[str, str] = {}
    for cell in sorted(cells.values(), key=lambda c: c.created):
        versions[cell.package] = cell.version
    _share_pure_wheels(cells, versions, files)
    named = {cell.wheel for cell in cells.values() if cell.wheel}
    built = [cell.created for cell in cells.values() if cell.state in ("built", "failed")]
    return Status(
        targets=sorted({target for _, target in cells}, key=_target_order),
        cells=cells,
        versions=dict(sorted(versions.items())),
        unaccounted=sorted((name, size) for name, size in files.items() if name not in named),
        last_built=max(built) if built else None,
        wheels=len(files),
        size=sum(files.values()),
        upstream=from_upstream(store),
    )


def _pure(filename: str) -> tuple[str, str] | None:
    """Name and version of a wheel whose every tag is ``*-none-any`` (else ``None``)."""
    try:
        name, version = wheel_name_version(filename)
    except ValueError:  # packaging's InvalidWheelFilename
        return None
    # the tags are every interpreter x ABI x platform of the last three fields
    abis, platforms = filename[: -len(".whl")].split("-")[-2:]
    if all(abi.lower() == "none" for abi in abis.split(".")) and all(
        platform.lower() == "any" for platform in platforms.split(".")
    ):
        return name, str(version)
    return None


def _target_order(name: str) -> tuple[bool, int, int, str]:
    """This machine's platform first, then by Python version (cp39 before cp312)."""
    abi, _, platform = name.partition("-")
    match = re.match(r"cp(\d)(\d+)", abi)
    major, minor = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
    return (platform != current_target().platform, major, minor, name)


def _share_pure_wheels(
    cells: dict[tuple[str, str], Cell], versions: Mapping[str, str], files: Mapping[str, int]
) -> None:
    """A pure wheel serves every target: cells without a wheel of their own show it."""
    if not versions:
        return
    # only the wheels of packages on the page are parsed (the name before the first
    # dash canonicalizes to what parse_wheel_filename returns for every valid name)
    prefixes: dict[str, bool] = {}
    pure: dict[tuple[str, str], str] = {}
    for name in files:
        prefix = name.partition("-")[0]
        shown = prefixes.get(prefix)
        if shown is None:
            shown = prefixes[prefix] = canonicalize_name(prefix) in versions
        if shown and (found := _pure(name)) is not None:
            pure[found] = name
    origin = {cell.wheel: cell.state for cell in cells.values() if cell.state != "missing"}
    targets = {target for _, target in cells}
    for package, version in versions.items():
        wheel = pure.get((package, version))
        if wheel is None:
            continue
        for target in targets:
            cell = cells.get((package, target))
            if cell is None or (cell.state == "missing" and not (cell.attempt and cell.attempt.ok)):
                cells[(package, target)] = Cell(
                    package, version, target, origin.get(wheel, "fetched"), wheel=wheel,
                    created=cell.created if cell else 0.0, shared=True,
                )  # fmt: skip


# -- rendering ------------------------------------------------------------------------

_CSS = """
body { font: 15px/1.45 "DejaVu Sans", system-ui, sans-serif; margin: 24px; color: #1b1b1b; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; }
.meta { color: #444; margin: 0 0 12px; }
table { border-collapse: collapse; }
th, td { border: 1px solid #bbb; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
td.s { white-space: nowrap; font-weight: 600; }
.built { background: #c9efd3; color: #0a4f1c; } .fetched { background: #d3e6fb; color: #0a3f78; }
.failed { background: #f8c9c9; color: #7d0a0a; } .missing { background: #fbe3b4; color: #6b4200; }
.none, .not-applicable { background: #f0f0f0; color: #555; font-weight: 400; }
.upstream { background: #efe3f7; color: #4a1769; }
.t { font-weight: 400; color: inherit; opacity: .85; }
.legend span { display: inline-block; padding: 2px 8px; margin-right: 6px; border-radius: 3px; }
.fail { border-left: 6px solid #b11; background: #fff5f5; padding: 8px 12px; margin: 0 0 12px; }
.fail.missing-upstream { border-color: #c80; background: #fffaf0; }
code, pre { font: 13px "DejaVu Sans Mono", monospace; background: #f3f3f3; padding: 1px 4px; }
pre { padding: 6px 8px; white-space: pre-wrap; margin: 4px 0; }
"""


def _e(value: object) -> str:
    return escape(str(value))


def _cell(cell: Cell | None, version: str) -> str:
    if cell is None:
        return f'<td class="s none">{_LABELS["none"]}</td>'
    extra = f" {cell.version}" if cell.version != version else ""
    seconds = f' <span class="t">{cell.duration:.1f}s</span>' if cell.duration >= 0.05 else ""
    if cell.shared:
        seconds = ' <span class="t">(same wheel)</span>'
    title = f' title="{_e(cell.wheel)}"' if cell.wheel else ""
    if cell.state == "not-applicable" and cell.attempt and cell.attempt.error:
        # Its release's Requires-Python excludes the target: say which.
        seconds = f' <span class="t">{_e(cell.attempt.error.split(";")[0])}</span>'
        title = f' title="{_e(cell.attempt.error)}"'

    link = _LABELS[cell.state] + _e(extra)
    if cell.state in ("failed", "missing"):
        link = f'<a href="#{_e(_anchor(cell))}" class="{cell.state}">{link}</a>'
    return f'<td class="s {cell.state}"{title}>{link}{seconds}</td>'


def _anchor(cell: Cell) -> str:
    return f"{cell.package}-{cell.version}-{cell.target}"


def _install_commands(attempt: Attempt | None) -> list[str]:
    diagnosis = attempt.diagnosis if attempt else None
    if diagnosis is None:
        return []
    found = sorted((p.distro, p.command) for p in diagnosis.system_packages if p.command)
    return [f"{distro}: {command}" for distro, command in found]


def _measured(stats: RuleStats) -> str:
    if stats.fix_rate is None:
        return f"measured here: explained {stats.evidence} failure(s), none retried yet"
    return (
        f"measured here: explained {stats.evidence} failure(s); fix rate {stats.fix_rate:.0%} "
        f"({stats.fixed} of {stats.retried} retried)"
    )


def _problem(cell: Cell, stats: Mapping[str, RuleStats]) -> str:
    attempt = cell.attempt
    cause = attempt.cause if attempt and not attempt.ok else "the wheel is gone"
    if cell.state == "missing" and attempt is not None and attempt.ok:
        cause = f"{cell.wheel} was stored on {when(cell.created)} but is no longer in wheels/"
    label = _e(attempt.label) if attempt else ""
    parts = [
        f'<div class="fail{" missing-upstream" if cell.state == "missing" else ""}" '
        f'id="{_e(_anchor(cell))}">',
        f"<b>{_e(cell.package)}=={_e(cell.version)}</b> on <code>{_e(cell.target)}</code>: "
        f"{_LABELS[cell.state]} — {_e(cause)}" + (f" ({label})" if label else ""),
    ]
    first = attempt.first_error if attempt else None
    if first is not None:
        parts.append(f"<div>first error (log line {first.line}):</div><pre>{_e(first.text)}</pre>")
    if attempt is not None and attempt.rule and attempt.rule in stats:
        parts.append(f'<div class="meta">{_e(_measured(stats[attempt.rule]))}</div>')
    for fix in attempt.diagnosis.fixes if attempt and attempt.diagnosis else ():
        rate = (
            f" (hand-written estimate: works {fix.success_rate:.0%} of the time)"
            if fix.success_rate
            else ""
        )
        parts.append(f"<div>fix: {_e(fix.text)}{_e(rate)}</div>")
    if attempt is not None and attempt.status == "no-wheel":
        parts.append(
            "<div>fix: build it on that platform (a CI runner of that kind), or pin a "
            "version that publishes a wheel for it</div>"
        )
    elif cell.state == "missing":
        parts.append("<div>fix: run <code>wheelmill build</code> again</div>")
    commands = _install_commands(attempt)
    if commands:
        parts.append("<div>install the missing system package:</div>")
        parts.append(f"<pre>{_e(chr(10).join(commands))}</pre>")
    if attempt is not None and attempt.remediation:
        parts.append(f"<div>retried with {_e(attempt.remediation)}: still failing</div>")
    attempted = f"{when(cell.created)}, after {cell.duration:.1f}s"
    log = f"; log: <code>{_e(attempt.log)}</code>" if attempt and attempt.log else ""
    parts.append(f"<div>attempted {attempted}{log}</div></div>")
    return "\n".join(parts)


def status_html(status: Status, store: Store, *, now: float | None = None) -> str:
    """The page's HTML; every value from the wheelhouse is escaped."""
    return _page(page_parts(status, store), status, now)


def _page(parts: tuple[str, str, str], status: Status, now: float | None) -> str:
    return assemble(parts, now or time.time(), status.wheels, status.size, status.unaccounted)


def page_parts(status: Status, store: Store) -> tuple[str, str, str]:
    """The page around its two pieces that only the wheels' names and sizes change
    (:mod:`._statusparts`): before the counts, between them and the list of wheels
    no attempt accounts for, after that list."""
    count_text = ", ".join(
        f"{status.count(state)} {state}" for state in STATES[:4] if status.count(state)
    )
    index = (store.simple).as_uri() + "/"
    head = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>wheelhouse status: {_e(store.root.name)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>Wheelhouse status: {_e(store.root.name)}</h1>",
        f'<p class="meta">Last built: <b>{when(status.last_built)}</b> · page written ',
    ]
    meta_end = (
        f" · {count_text or 'nothing built yet'}"
        + (
            f' · <a href="#upstream">{len(status.upstream)} from upstream</a>'
            if status.upstream
            else ""
        )
        + "</p>"
    )
    rest = [
        '<p class="meta">Install binary-only, hash-checked: <code>wheelmill export '
        f"requirements.txt --wheelhouse {_e(str(store.root))} -o requirements.binary.txt</code>, "
        "then <code>pip install --require-hashes --only-binary :all: --index-url "
        "https://&lt;this host&gt;/simple/ -r requirements.binary.txt</code> (served), "
        f"or <code>--index-url {_e(index)}</code> (this directory).</p>",
        '<p class="legend">'
        + "".join(f'<span class="{state}">{_LABELS[state]}</span>' for state in STATES)
        + "</p>",
        *reproducibility_section(last_check(store)),
    ]
    rows = ["<table><thead><tr><th>package</th><th>version</th>"]
    rows += [f"<th>{_e(target)}</th>" for target in status.targets]
    rows.append("</tr></thead><tbody>")
    for package, version in status.versions.items():
        rows.append(f"<tr><th>{_e(package)}</th><td>{_e(version)}</td>")
        rows += [_cell(status.cells.get((package, t)), version) for t in status.targets]
        rows.append("</tr>")
    rows.append("</tbody></table>")
    problems = [cell for cell in status.cells.values() if cell.state in ("failed", "missing")]
    problems.sort(key=lambda cell: (cell.state, cell.package, cell.target))
    failures = [f"<h2>Failures and missing wheels ({len(problems)})</h2>"]
    stats: dict[str, RuleStats] = {}
    with contextlib.suppress(sqlite3.Error):
        if problems and store.catalog_path.is_file():
            stats = Catalog(store.catalog_path).rule_statistics()
    explained = [_problem(cell, stats) for cell in problems]
    failures += explained or ["<p>None: every attempt succeeded.</p>"]
    tail = [*upstream_section(status.upstream, store), "</body></html>"]
    return (
        "\n".join(head),
        meta_end + "\n" + "\n".join([*rest, *rows, *failures]) + "\n",
        "\n".join(tail) + "\n",
    )


def write_status_page(store: Store, files: Mapping[str, int] | None = None) -> Path:
    """Write ``DIR/status/index.html`` atomically, and keep its parts for the next
    publish (:mod:`._statusparts`); returns its path (``files``: as for
    :func:`collect_status`)."""
    page = store.root / "status" / "index.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    files = wheel_sizes(store.wheels) if files is None else files
    started = time.monotonic()
    status = collect_status(store, files)
    parts = page_parts(status, store)
    write_atomic(page, _page(parts, status, None).encode("utf-8"))
    # changed while read: too recent for a key (2 s), as reading took well under that
    key = inputs_key(store.root) if time.monotonic() - started < 1.0 else None
    named = {cell.wheel for cell in status.cells.values() if cell.wheel}
    # whose wheels can change a cell or mark: packages on the page, those from upstream
    shown = {*status.versions, *(canonicalize_name(w.name) for w in status.upstream)}
    with contextlib.suppress(OSError):  # a cache: without it the next page is rendered whole
        store.tmp.mkdir(parents=True, exist_ok=True)
        save_parts(store.root, store.tmp, key, parts, named, shown, files)
    return page
