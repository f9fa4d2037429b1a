"""The build step: one sdist into one checked wheel, shared by a build and its rebuild.

``sdist`` → ``python -m build`` in the controlled environment → the wheel must
be the pin's → optional ``auditwheel`` repair → optional install-and-import
check. :func:`make_wheel` never raises for a failed build; it says how far it
got. ``wheelmill build`` uses it for every attempt, and ``--check-reproducible``
for the second build, with the same settings (remediation included).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .._exceptions import InvalidWheelError
from ..config import BuildSettings
from ..lockfile.pins import Pin
from ..outcomes import Category, MemoryCap, SandboxTier
from ..store._wheelfile import wheel_project
from ..store.wheelhouse import Store
from ..target import Target
from ._importcheck import check_import
from ._repair import has_elf, kept_as_built, needs_repair, repair_choice, repair_wheel
from ._sandbox import choose_sandbox, for_directory
from .sdist import build_sdist


@dataclass(frozen=True)
class Made:
    """How far the step got: a wheel, or the error and (when known) its category.

    ``diagnose`` is true when the backend itself failed: its log is worth
    classifying with the knowledge base.
    """

    wheel: Path | None
    error: str | None
    installer: str
    category: Category | None = None
    repair: str | None = None
    repair_policy: str | None = None
    diagnose: bool = False
    sandbox: SandboxTier = "none"
    memory_cap: MemoryCap = "none"


def _check_built(pin: Pin, wheel: Path) -> None:
    name, version = wheel_project(wheel.name)
    if name != pin.name or str(version) != pin.version:
        raise InvalidWheelError(
            f"{pin.spec}: the backend produced {wheel.name}, which is not this pin"
        )


def make_wheel(
    pin: Pin,
    sdist: Path,
    *,
    target: Target,
    settings: BuildSettings,
    workdir: Path,
    log: Path,
    frontend: str,
    index_url: str,
    store: Store,
    import_check: bool = True,
    import_env: Path | None = None,
) -> Made:
    """Build ``sdist`` for ``target`` with ``settings``; the log goes to ``log``.

    ``import_env`` is where the import check keeps the environment it shares
    between builds (see :mod:`._importcheck`; default: one for this build alone)."""
    outcome = build_sdist(
        sdist,
        workdir,
        log,
        frontend=frontend,
        target=target,
        settings=settings,
        index_url=index_url,
        store=store,
    )
    installer, tier, cap = outcome.installer, outcome.sandbox, outcome.memory_cap
    if not outcome.ok or outcome.wheel is None:
        return Made(None, outcome.error, installer, diagnose=True, sandbox=tier, memory_cap=cap)
    try:
        _check_built(pin, outcome.wheel)
    except InvalidWheelError as exc:
        return Made(
            None, str(exc), installer, category="package-refuses", sandbox=tier, memory_cap=cap
        )
    wheel, repair, policy = outcome.wheel, None, None
    choice = repair_choice(settings.repair)
    if needs_repair(wheel) and settings.repair == "auto" and not has_elf(wheel):
        # Tagged for a platform but without native code: nothing to repair, kept as
        # built (asked for explicitly, auditwheel's refusal keeps it out instead).
        repair = "none: no ELF file in the wheel to repair"
    elif needs_repair(wheel) and choice.tool == "auditwheel":
        repaired = repair_wheel(wheel, workdir / "repaired", log, index_url=index_url)
        kept = kept_as_built(repaired) if isinstance(repaired, str) else None
        if kept is not None and settings.repair == "auto":
            repair = f"none: {kept}"
        elif isinstance(repaired, str):
            return Made(None, repaired, installer, category="unknown", sandbox=tier, memory_cap=cap)
        else:
            wheel, repair, policy = repaired.wheel, repaired.describe(), repaired.policy
    elif needs_repair(wheel):  # a linux_* wheel left as built: say why
        repair = f"none: {choice.reason}"
    if import_check and settings.import_check:
        strict = settings.sandbox == "strict"
        box = for_directory(choose_sandbox(settings.sandbox, target.python), workdir, strict=strict)
        problem = check_import(
            wheel,
            target.python,
            workdir,
            index_url=index_url,
            shared=import_env,
            timeout=settings.timeout,
            sandbox=box,
            env=dict(settings.env),
        )
        if problem is not None:
            summary, _, trace = problem.partition("\n")
            with log.open("a", encoding="utf-8") as stream:
                stream.write(f"\nwheelmill: import check failed: {summary}\n{trace}")
            return Made(
                None,
                summary,
                installer,
                category="import-failed",
                repair=repair,
                repair_policy=policy,
                sandbox=tier,
                memory_cap=cap,
            )
    return Made(
        wheel, None, installer, repair=repair, repair_policy=policy, sandbox=tier, memory_cap=cap
    )
