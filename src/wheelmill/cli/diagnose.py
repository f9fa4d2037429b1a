"""``wheelmill diagnose``."""

from __future__ import annotations

import codecs
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .._exceptions import RulesError, WheelmillError
from ..diagnose import default_rules_dirs, diagnose_bytes, load_rules
from ..diagnose._logtext import PIECE
from ..diagnose.remedy import with_machine_packages
from ._options import existing_wheelhouse, json_option
from ._render import emit_json, print_diagnosis

if TYPE_CHECKING:
    from ..store.catalog import RuleStats

#: How much of a log is looked at to tell text from binary data (NUL bytes).
_SNIFF = 8192


def _blocks(logfile: str) -> Iterator[bytes]:
    """The log in blocks of a few MB, so a huge one is never in memory whole; a binary
    log is refused at its first block, an empty one once it was read."""
    name = "stdin" if logfile == "-" else logfile
    try:
        stream = sys.stdin.buffer if logfile == "-" else open(logfile, "rb")  # noqa: SIM115
    except OSError as exc:
        raise click.BadParameter(
            f"{logfile}: cannot read the log ({exc.strerror})", param_hint="LOGFILE"
        ) from None
    with stream:
        block = stream.read(PIECE)
        if block.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # PowerShell's `>`
            block = (block + stream.read()).decode("utf-16", "replace").encode("utf-8")
        if b"\0" in block[:_SNIFF]:
            raise WheelmillError(
                f"{name} is not a text log (binary data); pass the text log of a failed build"
            )
        blank = True
        while block:
            blank = blank and not block.strip()
            yield block
            block = stream.read(PIECE)
    if blank:
        raise WheelmillError(f"{name} is empty; pass the log of a failed build")


def _measured(wheelhouse: Path | None, rule: str | None) -> RuleStats | None:
    """The catalog's statistics of ``rule`` in ``wheelhouse`` (None: no wheelhouse given)."""
    if wheelhouse is None or rule is None:
        return None
    from ..store.catalog import Catalog, RuleStats  # only with --wheelhouse: not paid otherwise
    from ..store.wheelhouse import Store

    catalog = Store(existing_wheelhouse(wheelhouse)).catalog_path
    stats = Catalog(catalog).rule_statistics() if catalog.is_file() else {}
    return stats.get(rule, RuleStats())


@click.command("diagnose")
@click.argument("logfile", metavar="LOGFILE|-")
@click.option(
    "--rules",
    "rules_dirs",
    multiple=True,
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Extra rules directory, loaded after the shipped ones (repeatable).",
)
@click.option(
    "--wheelhouse",
    "-w",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Also show what this wheelhouse's catalog measured for the rule (evidence, fix rate).",
)
@json_option
def command(
    logfile: str, rules_dirs: tuple[Path, ...], wheelhouse: Path | None, as_json: bool
) -> None:
    """Explain why a build failed, from its log (a file, or - for stdin).

    \b
    Reads logs of pip (22 and later), pypa/build, uv and wheelmill's own
    builds, including pip's nested subprocess output. Prints the cause in one
    line, the first real error line (with its line number) and the fixes;
    --json prints the whole diagnosis as one object.

    The knowledge base is config/rules/*.toml; --rules DIR adds a team's own
    rules (a rule with the same id replaces the shipped one).

    Exit codes: 0 a rule explained the failure; 1 cause unknown; 2 usage error,
    unreadable, empty or binary log, or invalid rules file.

    The rule's confidence and its fixes' success rates are hand-written
    estimates; --wheelhouse DIR adds the measured evidence and fix rate.

    When a header or *-config script is missing and no rule names its
    package, the machine's package index is asked (apt-file, dnf provides),
    if one of them is installed.
    """
    shipped = default_rules_dirs()
    if not shipped and not rules_dirs:
        raise RulesError("no knowledge base found (config/rules); pass --rules DIR")
    rules = load_rules(*shipped, *rules_dirs)
    diagnosis = with_machine_packages(diagnose_bytes(_blocks(logfile), rules))
    measured = _measured(wheelhouse, diagnosis.rule)
    if as_json:
        data: dict[str, object] = {**diagnosis.to_json()}
        if measured is not None:
            data["measured"] = {
                "evidence": measured.evidence,
                "retried": measured.retried,
                "fixed": measured.fixed,
                "fix_rate": measured.fix_rate,
            }
        emit_json(data)
    else:
        print_diagnosis(diagnosis, measured=measured)
    if diagnosis.rule is None:
        click.get_current_context().exit(1)
