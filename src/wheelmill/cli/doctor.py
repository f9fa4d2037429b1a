"""``wheelmill doctor``."""

from __future__ import annotations

import re
from pathlib import Path

import click

from ..build._sandbox import INSTALL_HINT
from ..build.toolchain import DoctorReport, Found, doctor
from ..diagnose.remedy import knowledge_base
from ._json import doctor_json
from ._options import config_option, json_option, load, targets_of, targets_option
from ._render import emit_json


def _line(found: Found) -> str:
    mark = click.style("ok  ", fg="green") if found.ok else click.style("--  ", fg="red")
    detail = f"{found.version or ''}  {found.path or 'not found'}".strip()
    return f"{mark}{found.role:<17} {found.name:<22} {detail}"


def _render(report: DoctorReport) -> None:
    click.echo("tools")
    for found in report.tools:
        click.echo("  " + _line(found))
    click.echo("targets")
    for target, header in report.headers:
        click.echo(f"  {target.name} ({target.python})")
        click.echo("    " + _line(header))
    if report.libraries:
        click.echo("libraries (pkg-config)")
        for found in report.libraries:
            click.echo("  " + _line(found))
    if report.repair is not None:
        choice = report.repair
        click.echo(f'wheel repair (repair = "{choice.setting}")')
        ok = choice.tool == "auditwheel"
        mark = click.style("ok  ", fg="green") if ok else click.style("--  ", fg="red")
        click.echo(f"  {mark}{choice.tool:<17} {choice.reason}")
    click.echo('sandbox (what builds run in with sandbox = "auto")')
    best = report.sandboxes[0] if report.sandboxes else None
    if best is not None and best.tier == "bubblewrap":
        # As root without the drop to nobody, the reason and its fix are part of it.
        click.echo("  " + click.style("ok  ", fg="green") + best.describe())
    else:
        tier = best.describe() if best is not None else "none"
        click.echo("  " + click.style("--  ", fg="red") + tier)
        click.echo(f"      {INSTALL_HINT.replace(' or set sandbox', '; or set sandbox')}")
    click.echo("memory cap (what memory_mb uses here)")
    click.echo(f"  {_MEMORY_CAPS[report.memory_cap]}")


_MEMORY_CAPS = {
    "cgroup-v2": "cgroup v2 memory.max (the kernel kills a build that exceeds it)",
    "rlimit-as": "address-space limit (RLIMIT_AS): no writable cgroup v2 memory controller here",
    "none": "none on this system",
}


@click.command("doctor")
@targets_option("Inspect")
@click.option(
    "--pkg-config",
    "modules",
    multiple=True,
    help="Also look for this pkg-config module (repeatable), e.g. cairo.",
)
@config_option
@json_option
def command(
    chosen_targets: tuple[str, ...],
    modules: tuple[str, ...],
    config_path: Path | None,
    as_json: bool,
) -> None:
    """Report the build toolchain: compilers, build tools, headers, libraries.

    \b
    C, C++ and Fortran compilers, Rust and cargo, pkg-config, cmake, ninja,
    meson, make and autotools, patchelf; the wheel repair compiled wheels get
    (auditwheel, or none and why); the Python headers of every target;
    the pkg-config modules the knowledge base's system-library rules name, and
    those asked for; the sandbox builds run in (bubblewrap, a network namespace,
    or none). Always exits 0: it reports, it does not
    judge (a build that needs a missing tool fails with that diagnosis).
    """
    config = load(config_path)
    known = [
        rule.subject
        for rule in knowledge_base(config.rules)
        if rule.category == "sysdep-missing"
        and rule.subject
        and re.fullmatch(r"[\w.+-]+", rule.subject)
        and not rule.subject.endswith(".h")
    ]
    report = doctor(
        targets_of(config, chosen_targets), [*known, *modules], repair=config.build.repair
    )
    if not as_json:
        _render(report)
        return
    emit_json(doctor_json(report))
