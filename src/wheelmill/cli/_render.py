"""How results look on a terminal, and as JSON. Only the CLI prints."""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from ..build.results import (
    BUILT,
    CACHED,
    NOT_APPLICABLE,
    SKIPPED,
    BuildReport,
    PinResult,
)
from ._logging import configure_logging
from ._summary import publish_line, several_targets, shown_pins, summary_line

if TYPE_CHECKING:
    from ..build.reproduce import ReproducibilityCheck
    from ..diagnose.diagnosis import Diagnosis
    from ..index.publish import PublishReport
    from ..lockfile.pins import Pin
    from ..store.catalog import RuleStats

_STATUS_COLOURS = {
    "cached": "blue",
    "fetched": "green",
    "built": "green",
    "failed": "red",
    "no-wheel": "yellow",
}


#: The lock spinner's line beyond the paths: spinner, "locking", elapsed time, gaps.
_LOCK_LINE_EXTRA = 24


def _shown(path: Path) -> str:
    """``path`` relative to the working directory when it is under it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)


class Progress:
    """A progress bar on stderr while pins settle (terminals only, not with -q/--json)."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> Progress:
        return self

    def begin(self, total: int) -> None:
        configure_logging()  # the work starts (see ._logging)
        if self.enabled and self._progress is None:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as RichProgress

            self._progress = RichProgress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.fields[last]}"),
                console=Console(stderr=True),
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task("settling pins", total=total, last="")

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def lock_started(self, requirements: Path, lock: Path) -> None:
        """A spinner with the time spent while the resolver runs (it prints nothing)."""
        configure_logging()  # the work starts (see ._logging)
        if not self.enabled or self._progress is not None:
            return
        from rich.console import Console
        from rich.markup import escape
        from rich.progress import Progress as RichProgress
        from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn

        console = Console(stderr=True)
        self._progress = RichProgress(
            SpinnerColumn(),
            TextColumn("[bold]locking[/bold] {task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._progress.start()
        # Cut to the terminal's width here: rich would squeeze the spinner and the time
        # out of a line too long for it, leaving a line that never changes.
        text = f"{_shown(requirements)} -> {_shown(lock)}"
        room = max(console.width - _LOCK_LINE_EXTRA, 8)
        if len(text) > room:
            text = "…" + text[-(room - 1) :]
        self._progress.add_task(escape(text), total=None)

    def lock_finished(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def note(self, text: str) -> None:
        """One line on stderr, above the bar while it shows."""
        if self._progress is not None:
            self._progress.console.print(text, markup=False, highlight=False, soft_wrap=True)
        else:
            click.echo(text, err=True)

    def pin_started(self, pin: Pin) -> None:
        pass

    def pin_finished(self, result: PinResult) -> None:
        if self._progress is not None:
            self._progress.update(
                self._task, advance=1, last=f"{result.name} {result.version}: {result.status}"
            )


#: The last column is folded into at least this many characters, else left out.
_NARROWEST = 16
_BREAKS = "-._/ "


def terminal_width() -> int | None:
    """The columns tables must fit in: ``$COLUMNS``, else the terminal's; ``None`` (no
    limit) when stdout is not a terminal, so logs keep file names whole."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if sys.stdout.isatty():
        return shutil.get_terminal_size().columns
    return None


def _fold(text: str, width: int) -> list[str]:
    """``text`` in pieces of at most ``width``, cut after a ``-``, ``.``, ``_``, ``/`` or
    space where one is near the end, else anywhere; no character is lost."""
    pieces = []
    while len(text) > width:
        cut = max(text.rfind(mark, 0, width) for mark in _BREAKS) + 1
        if cut <= width // 2:
            cut = width
        pieces.append(text[:cut])
        text = text[cut:]
    return [*pieces, text]


def table_rows(
    rows: list[list[str]], header: list[str], width: int | None = None
) -> list[list[str]]:
    """The header and every row as lines, columns aligned. Within ``width`` the last
    column is folded onto more lines, or left out when too little room is left for it."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    room = None if width is None else width - sum(widths[:-1]) - 2 * (len(widths) - 1)
    if room is not None and room < widths[-1]:
        if room < _NARROWEST:
            header, rows, widths = header[:-1], [row[:-1] for row in rows], widths[:-1]
            room = None
        else:
            widths[-1] = room
    blank = "  ".join(" " * size for size in widths[:-1])

    def lines(row: list[str]) -> list[str]:
        first = "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:-1]))
        last = _fold(row[-1], room) if room is not None and row else row[-1:]
        start = [f"{first}  {last[0]}" if first else last[0]]
        return [line.rstrip() for line in start + [f"{blank}  {more}" for more in last[1:]]]

    return [lines(header), *(lines(row) for row in rows)]


def table(rows: list[list[str]], header: list[str], width: int | None = None) -> list[str]:
    return [line for row in table_rows(rows, header, width) for line in row]


def _took(result: PinResult) -> str:
    """A pin's time in this run: none when nothing was built or fetched for it."""
    return "" if result.status in (CACHED, SKIPPED, NOT_APPLICABLE) else f"{result.duration:.1f}s"


def print_build(report: BuildReport, *, verbose: int = 0, quiet: bool = False) -> None:
    shown = shown_pins(report, verbose=verbose)
    several = several_targets(report)
    if shown:
        header = ["package", "version", *(["target"] if several else []), "status", "time"]
        rows = [
            [
                r.name,
                r.version,
                *([r.target] if several else []),
                r.status,
                _took(r),
                r.wheel or r.error or r.reason or "",
            ]
            for r in shown
        ]
        head, *body = table_rows(rows, [*header, "wheel / error / reason"], terminal_width())
        click.echo("\n".join(head))
        for result, lines in zip(shown, body):
            for line in lines:
                click.secho(line, fg=_STATUS_COLOURS.get(result.status))
    click.echo(summary_line(report))
    for result in report.results:
        if result.remediation and result.status == BUILT and not quiet:  # fixed in this run
            click.secho(
                f"FIXED {result.name}=={result.version}: retried with {result.remediation}",
                fg="green",
                err=True,
            )
    for failure in report.failures:
        where = f" [{failure.target}]" if several else ""
        print_failure(failure, where)


def print_reproductions(check: ReproducibilityCheck) -> None:
    from ..store.reproducibility import summary

    click.echo(f"reproducible: {summary(check)}")
    for item in check.wheels:
        mark = (
            click.style("same", fg="green")
            if item.reproducible
            else click.style("DIFFERS", fg="yellow")
        )
        click.echo(f"  {mark}  {item.name}=={item.version} [{item.target}]: {item.detail}")


def local_distro() -> str:
    """Which distribution's install command to show: debian, fedora, alpine or homebrew."""
    if sys.platform == "darwin":
        return "homebrew"
    try:
        text = Path("/etc/os-release").read_text()
    except OSError:
        return "debian"
    ids = " ".join(
        line.split("=", 1)[1].strip().strip('"')
        for line in text.splitlines()
        if line.startswith(("ID=", "ID_LIKE="))
    )
    for name, words in (("fedora", ("fedora", "rhel", "centos")), ("alpine", ("alpine",))):
        if any(word in ids.split() for word in words):
            return name
    return "debian"


def measured_text(stats: RuleStats) -> str:
    """What the catalog measured for a rule: evidence and fix rate (not estimates)."""
    if not stats.evidence:
        return "measured: no failure in this wheelhouse explained by this rule yet"
    rate = (
        "fix rate - (none retried yet)"
        if stats.fix_rate is None
        else f"fix rate {stats.fix_rate:.0%} ({stats.fixed} of {stats.retried} retried)"
    )
    return f"measured: evidence {stats.evidence} failure(s) in this wheelhouse, {rate}"


def print_diagnosis(
    diagnosis: Diagnosis, *, dead_ends: bool = False, measured: RuleStats | None = None
) -> None:
    """A diagnosis, short: cause, first error line, fixes, install command; with
    ``dead_ends``, also what does not help; with ``measured``, the catalog's statistics
    of the rule next to the rule's hand-written estimates."""
    if diagnosis.rule is None:
        click.secho(f"cause unknown: {diagnosis.summary}", fg="yellow", bold=True)
    else:
        click.secho(f"cause: {diagnosis.summary}", fg="red", bold=True)
        click.echo(
            f"  {diagnosis.rule} ({diagnosis.category}; confidence "
            f"{diagnosis.confidence:.0%}, a hand-written estimate)"
        )
        if measured is not None:
            click.echo(f"  {measured_text(measured)}")
    first = diagnosis.first_error
    if first:
        click.echo(f"line {first.line}: {first.text}")
    if diagnosis.envelope:
        click.echo(f"reported as: {', '.join(diagnosis.envelope)}")
    if diagnosis.fixes:
        click.echo("fixes (success rates: hand-written estimates):")
        for fix in diagnosis.fixes:
            click.echo(f"  - {fix.text} ({fix.success_rate:.0%})")
    command = diagnosis.install_command(local_distro())
    if command:
        click.echo(f"  $ {command}")
    if diagnosis.build_constraints:
        click.echo(f"build constraints: {' '.join(diagnosis.build_constraints)}")
    if dead_ends and diagnosis.dead_ends:
        click.echo("dead ends (failure rates: hand-written estimates):")
        for dead in diagnosis.dead_ends:
            click.echo(f"  - {dead.text} ({dead.failure_rate:.0%} fail): {dead.why}")


def print_failure(failure: PinResult, where: str = "") -> None:
    """A failure the way the knowledge base explains it: cause, first error, fix."""
    cause = failure.summary or failure.error
    label = (
        f" ({failure.rule}, {failure.category})"
        if failure.rule
        else (f" ({failure.category})" if failure.category else "")
    )
    click.secho(
        f"FAILED {failure.name}=={failure.version}{where}: {cause}{label}", fg="red", err=True
    )
    if failure.first_error:
        first = failure.first_error
        click.echo(f"  first error (log line {first.line}): {first.text}", err=True)
    elif failure.summary and failure.error:
        click.echo(f"  {failure.error}", err=True)
    if failure.remediation:
        click.echo(f"  retried with {failure.remediation}: still failing", err=True)
    if failure.fix:
        click.echo(f"  fix: {failure.fix}", err=True)
    command = failure.diagnosis.install_command(local_distro()) if failure.diagnosis else None
    if command:
        click.echo(f"  $ {command}", err=True)
    if failure.log:
        click.echo(f"  log: {failure.log}", err=True)


def print_publish(report: PublishReport) -> None:
    click.echo(
        publish_line(
            report.files,
            report.projects,
            report.duration,
            len(report.projects_written),
            report.read,
        )
    )
    for filename, reason in sorted(report.rejected.items()):
        click.secho(f"REJECTED {filename}: {reason}", fg="red", err=True)


def exit_with(message: str, code: int = 1) -> NoReturn:
    """End a command whose *result* is a failure (pins failed, gaps found, wheels left
    out): one line on stderr, then the documented exit code. Errors are exceptions;
    outcomes like these are not."""
    click.secho(f"error: {message}", fg="red", err=True)
    click.get_current_context().exit(code)


def emit_json(data: Mapping[str, Any]) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=True))
