"""``wheelmill rules``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click

from ..diagnose.remedy import knowledge_base
from ..store.catalog import Catalog, RuleStats
from ..store.wheelhouse import Store
from ._options import config_option, json_option, load, wheelhouse_option
from ._render import emit_json, table

#: Where each number comes from: measured in the catalog, or written by hand in a rule file.
_NOTES = {
    "evidence": "measured: failures in this wheelhouse the rule explained",
    "fix rate": "measured: of those attempted again, the share that then succeeded",
    "est. conf.": "hand-written estimate from the rule file (not measured)",
}


@click.command("rules")
@click.option("--category", help="Only rules of this category.")
@wheelhouse_option
@config_option
@json_option
def command(
    category: str | None, wheelhouse: Path | None, config_path: Path | None, as_json: bool
) -> None:
    """List the diagnostic knowledge base with live statistics from this wheelhouse.

    \b
    evidence   failures in this wheelhouse the rule explained
    first seen when it first explained one (else the date the rule records)
    fix rate   of those failures attempted again, the share that then succeeded
    est. conf. the rule's confidence: a hand-written estimate in the rule
               file, not measured (so are its fixes' success rates)
    """
    config = load(config_path).with_overrides(wheelhouse=wheelhouse)
    rules = knowledge_base(config.rules)
    store = Store(config.wheelhouse)
    stats = Catalog(store.catalog_path).rule_statistics() if store.catalog_path.is_file() else {}
    chosen = [rule for rule in rules if category is None or rule.category == category]
    data: list[dict[str, Any]] = []
    for rule in chosen:
        stat = stats.get(rule.id, RuleStats())
        seen = (
            time.strftime("%Y-%m-%d", time.gmtime(stat.first_seen))
            if stat.first_seen is not None
            else rule.first_seen
        )
        data.append(
            {
                "id": rule.id,
                "category": rule.category,
                "title": rule.title,
                "envelope": rule.envelope,
                "confidence": rule.confidence,
                "confidence_source": "hand-written estimate",
                "evidence": stat.evidence,
                "first_seen": seen,
                "fix_rate": stat.fix_rate,
                "source": f"{rule.source}:{rule.line}",
            }
        )
    if as_json:
        emit_json({"rules": data, "notes": _NOTES})
        return
    lines = table(
        [
            [
                item["id"],
                item["category"],
                str(item["evidence"]),
                item["first_seen"] or "-",
                "-" if item["fix_rate"] is None else f"{item['fix_rate']:.0%}",
                f"{item['confidence']:.0%}",
            ]
            for item in data
        ],
        ["rule", "category", "evidence", "first seen", "fix rate", "est. conf."],
    )
    click.echo("\n".join(lines))
    click.echo(f"{len(data)} rules")
    for field, note in _NOTES.items():
        click.echo(f"{field}: {note}")
