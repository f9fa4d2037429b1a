"""How results look on a terminal, and as JSON. Only the CLI prints."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from typing import Any

import click

from ..index import PublishReport
from ..pins import Pin
from ..prebuild import FAILED, NO_WHEEL, BuildReport, PinResult

_STATUS_COLOURS = {
    "cached": "blue",
    "fetched": "green",
    "built": "green",
    "failed": "red",
    "no-wheel": "yellow",
}


class Progress:
    """A progress bar on stderr while pins settle (terminals only, not with -q/--json)."""

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> Progress:
        return self

    def begin(self, total: int) -> None:
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

    def pin_started(self, pin: Pin) -> None:
        pass

    def pin_finished(self, result: PinResult) -> None:
        if self._progress is not None:
            self._progress.update(
                self._task, advance=1, last=f"{result.name} {result.version}: {result.status}"
            )


def _table(rows: list[list[str]], header: list[str]) -> list[str]:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(header)).rstrip()]
    for row in rows:
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
    return lines


_STATUSES = ("cached", "fetched", "built", "failed", "no-wheel", "skipped", "not-applicable")


def print_build(report: BuildReport, *, verbose: int = 0) -> None:
    loud = (FAILED, NO_WHEEL, "built", "fetched")
    shown = [r for r in report.results if verbose or r.status in loud]
    several = len({r.target for r in report.results}) > 1
    if shown:
        header = ["package", "version", *(["target"] if several else []), "status", "time"]
        rows = [
            [
                r.name,
                r.version,
                *([r.target] if several else []),
                r.status,
                f"{r.duration:.1f}s",
                r.wheel or (r.error or ""),
            ]
            for r in shown
        ]
        lines = _table(rows, [*header, "wheel / error"])
        click.echo(lines[0])
        for row, line in zip(shown, lines[1:]):
            click.secho(line, fg=_STATUS_COLOURS.get(row.status))
    counts = ", ".join(
        f"{report.count(status)} {status}" for status in _STATUSES if report.count(status)
    )
    unit = "pin/target pairs" if several else "pins"
    click.echo(
        f"{len(report.results)} {unit} in {report.duration:.2f}s: {counts or 'nothing to do'}"
    )
    for failure in report.failures:
        where = f" [{failure.target}]" if several else ""
        click.secho(
            f"FAILED {failure.name}=={failure.version}{where}: {failure.error}", fg="red", err=True
        )
        if failure.log:
            click.echo(f"  log: {failure.log}", err=True)


def print_publish(report: PublishReport) -> None:
    click.echo(
        f"published {report.files} files of {report.projects} projects in {report.duration:.2f}s"
        f" ({len(report.projects_written)} project pages written, {report.read} wheels read)"
    )
    for filename, reason in sorted(report.rejected.items()):
        click.secho(f"REJECTED {filename}: {reason}", fg="red", err=True)


def build_data(report: BuildReport) -> dict[str, Any]:
    return {
        "ok": not report.failures,
        "duration": round(report.duration, 3),
        "counts": {s: report.count(s) for s in _STATUSES},
        "pins": [asdict(result) for result in report.results],
    }


def publish_data(report: PublishReport) -> dict[str, Any]:
    data = asdict(report)
    data["duration"] = round(report.duration, 3)
    data["ok"] = not report.rejected
    return data


def emit_json(data: dict[str, Any]) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=True))
