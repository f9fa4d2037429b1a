"""What ``--json`` prints, command by command: a ``TypedDict`` schema and its builder.

docs/reference/json.md documents the same shapes. Records that have a JSON
form of their own (a pin's result, an attempt, a diagnosis, a gap) bring it
(``to_json``); this module assembles each command's document from them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from ..outcomes import PIN_STATUSES
from ._documents import build_document, publish_document, run_document

if TYPE_CHECKING:
    from ..build.reproduce import ReproducibilityCheck
    from ..build.results import BuildReport, PinResultJSON
    from ..build.toolchain import DoctorReport, Found
    from ..gc import CleanupReport
    from ..gc_store import StoreCleanup
    from ..index.clientconfig import ClientConfig
    from ..index.export import ExportReport
    from ..index.publish import PublishReport
    from ..lockfile.resolve import LockResult
    from ..run import RunReport
    from ..store.reproducibility import ReproductionJSON
    from ..verify.coverage import PinCoverageJSON, VerifyReport


class ReproducibilityJSON(TypedDict):
    """The figure: ``identical`` of ``total`` wheels built from source."""

    identical: int
    total: int


class _BuildJSON(TypedDict):
    ok: bool
    duration: float
    counts: dict[str, int]
    pins: list[PinResultJSON]


class BuildJSON(_BuildJSON, total=False):
    """``build --json``; ``reproducible`` and ``reproducibility`` only with
    ``--check-reproducible``."""

    reproducible: list[ReproductionJSON]
    reproducibility: ReproducibilityJSON


class PublishJSON(TypedDict):
    """``publish --json`` (and the ``publish`` part of ``run`` and ``gc``)."""

    ok: bool
    files: int
    projects: int
    read: int
    projects_written: list[str]
    removed: list[str]
    rejected: dict[str, str]
    duration: float
    status_page: str | None


class RunJSON(TypedDict):
    ok: bool
    lock: str
    locked: bool  # false: the lock was up to date with its inputs (or pinned), not resolved
    build: BuildJSON
    publish: PublishJSON
    status_page: str | None


class TargetCoverageJSON(TypedDict):
    target: str
    python: str
    covered: int
    total: int
    proved: bool
    command: str
    pins: list[PinCoverageJSON]


class VerifyJSON(TypedDict):
    ok: bool
    duration: float
    targets: list[TargetCoverageJSON]
    gaps: list[PinCoverageJSON]


class RemovedFileJSON(TypedDict):
    path: str
    size: int
    kind: str


class GcJSON(TypedDict):
    dry_run: bool
    bytes: int
    versions: list[str]
    catalog_rows: int
    kept_wheels: int
    files: list[RemovedFileJSON]
    status_page: str | None


class GcStoreJSON(GcJSON):
    """``gc --store``: ``files`` are object keys under the store's prefix."""

    store: str
    leased: list[str]


class ExportJSON(TypedDict):
    ok: bool
    output: str
    format: str
    pins: int
    wheels: int
    unneeded: list[str]


class LockJSON(TypedDict):
    ok: bool
    lock: str
    pins: int
    resolver: str
    remediation: str | None


class FoundJSON(TypedDict):
    name: str
    role: str
    path: str | None
    version: str | None
    ok: bool


class DoctorTargetJSON(TypedDict):
    name: str
    python: str
    python_headers: FoundJSON


class SandboxJSON(TypedDict):
    tier: str
    description: str
    uid: int | None
    available: list[str]


class RepairJSON(TypedDict):
    setting: str
    tool: str
    reason: str


class DoctorJSON(TypedDict):
    tools: list[FoundJSON]
    targets: list[DoctorTargetJSON]
    libraries: list[FoundJSON]
    sandbox: SandboxJSON
    memory_cap: str
    repair: RepairJSON | None


PipConfigJSON = TypedDict(
    "PipConfigJSON",
    {
        "kind": str,
        "location": str,
        "pip.conf": str,
        "uv.toml": str,
        "pyproject.toml": str,
        "poetry": str,
        "pdm": str,
        "env": str,
        "environment": dict[str, str],
    },
)


def build_json(report: BuildReport, check: ReproducibilityCheck | None = None) -> BuildJSON:
    data = build_document(
        ok=not report.failures,
        duration=report.duration,
        counts={status: report.count(status) for status in PIN_STATUSES},
        pins=[result.to_json() for result in report.results],
    )
    if check is not None:
        data["reproducible"] = [item.to_json() for item in check.wheels]
        data["reproducibility"] = {"identical": check.identical, "total": check.total}
    return data


def _path(path: Path | None) -> str | None:
    return str(path) if path is not None else None


def publish_json(report: PublishReport) -> PublishJSON:
    return publish_document(
        files=report.files,
        projects=report.projects,
        read=report.read,
        written=report.projects_written,
        removed=report.removed,
        rejected=report.rejected,
        duration=report.duration,
        status_page=report.status_page,
    )


def run_json(report: RunReport) -> RunJSON:
    return run_document(
        ok=report.ok,
        lock=report.lock,
        locked=report.locked is not None,
        build=build_json(report.build),
        publish=publish_json(report.publish),
    )


def verify_json(report: VerifyReport) -> VerifyJSON:
    return {
        "ok": report.ok,
        "duration": round(report.duration, 3),
        "targets": [
            {
                "target": target.target,
                "python": target.python,
                "covered": target.covered,
                "total": target.total,
                "proved": target.proved,
                "command": target.command,
                "pins": [pin.to_json() for pin in target.pins],
            }
            for target in report.targets
        ],
        "gaps": [gap.to_json() for gap in report.gaps],
    }


def gc_json(report: CleanupReport, root: Path) -> GcJSON:
    return {
        "dry_run": report.dry_run,
        "bytes": report.bytes,
        "versions": list(report.versions),
        "catalog_rows": len(report.rows),
        "kept_wheels": report.kept,
        "files": [
            {"path": str(item.path.relative_to(root)), "size": item.size, "kind": item.kind}
            for item in report.files
        ],
        "status_page": _path(report.status_page),
    }


def gc_store_json(report: StoreCleanup, store: str) -> GcStoreJSON:
    return {
        "dry_run": report.dry_run,
        "bytes": report.bytes,
        "versions": list(report.versions),
        "catalog_rows": 0,
        "kept_wheels": report.kept,
        "files": [
            {"path": item.key, "size": item.size, "kind": item.kind} for item in report.objects
        ],
        "status_page": None,
        "store": store,
        "leased": list(report.leased),
    }


def export_json(report: ExportReport) -> ExportJSON:
    return {
        "ok": True,
        "output": str(report.output),
        "format": report.format,
        "pins": len(report.entries),
        "wheels": report.wheels,
        "unneeded": [pin.spec for pin in report.unneeded],
    }


def lock_json(result: LockResult) -> LockJSON:
    return {
        "ok": True,
        "lock": str(result.output),
        "pins": result.pins,
        "resolver": result.resolver,
        "remediation": result.remediation,
    }


def _found(found: Found) -> FoundJSON:
    return {
        "name": found.name,
        "role": found.role,
        "path": found.path,
        "version": found.version,
        "ok": found.ok,
    }


def doctor_json(report: DoctorReport) -> DoctorJSON:
    best = report.sandboxes[0] if report.sandboxes else None
    return {
        "tools": [_found(found) for found in report.tools],
        "targets": [
            {"name": target.name, "python": target.python, "python_headers": _found(found)}
            for target, found in report.headers
        ],
        "libraries": [_found(found) for found in report.libraries],
        "sandbox": {
            "tier": best.tier if best else "none",
            "description": best.describe() if best else "none",
            "uid": best.uid if best else None,
            "available": [box.tier for box in report.sandboxes],
        },
        "memory_cap": report.memory_cap,
        "repair": (
            {
                "setting": report.repair.setting,
                "tool": report.repair.tool,
                "reason": report.repair.reason,
            }
            if report.repair
            else None
        ),
    }


def pip_config_json(found: ClientConfig) -> PipConfigJSON:
    return {
        "kind": found.kind,
        "location": found.location,
        "pip.conf": found.snippet("pip.conf"),
        "uv.toml": found.snippet("uv.toml"),
        "pyproject.toml": found.snippet("pyproject.toml"),
        "poetry": found.snippet("poetry"),
        "pdm": found.snippet("pdm"),
        "env": found.snippet("env"),
        "environment": dict(found.environment),
    }
