"""The attempt record: what one try at a build key led to, typed end to end.

The store writes it (``records/<key>.json``), the catalog keeps every one and
returns it with the same field names, and the build report, ``verify``'s gaps,
JUnit cases and the status page are all made from it. :meth:`Attempt.to_json`
and :meth:`Attempt.from_json` are its only conversion to and from plain data.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, TypedDict, cast, get_args

from ..outcomes import (
    FAILED_ATTEMPTS,
    AttemptStatus,
    Category,
    MemoryCap,
    SandboxTier,
    Source,
    as_attempt_status,
    as_category,
    as_source,
)

if TYPE_CHECKING:  # a record without a diagnosis (every successful one) never loads it
    from ..diagnose.diagnosis import (
        Diagnosis,
        DiagnosisJSON,
        FirstError,
        Remedy,
        RemedyJSON,
    )


class AttemptJSON(TypedDict):
    """An attempt as build records store it and ``show --json`` prints it."""

    key: str
    status: AttemptStatus
    name: str
    version: str
    target: str
    source: Source
    wheel: str | None
    sha256: str | None
    size: int | None
    log: str | None
    error: str | None
    duration: float
    installer: str | None
    created: float
    category: Category | None
    toolchain: str | None
    diagnosis: DiagnosisJSON | None
    remedy: RemedyJSON | None
    system: str | None
    repair: str | None
    repair_policy: str | None
    sdist: str | None
    mtime_ns: int | None
    inode: int | None
    sandbox: SandboxTier | None
    upload_time: str | None
    memory_cap: MemoryCap | None


class FailureJSON(TypedDict):
    """One current failure in ``wheelmill failures --json``."""

    name: str
    version: str
    target: str
    category: Category | None
    rule: str | None
    subject: str | None
    first_error: str | None
    error: str | None
    log: str | None
    created: float


@dataclass(frozen=True)
class Attempt:
    """One attempt at a build key: a wheel fetched or built, or a failure with its cause."""

    key: str
    status: AttemptStatus
    name: str
    version: str
    target: str
    source: Source
    wheel: str | None = None
    sha256: str | None = None
    size: int | None = None
    log: str | None = None
    error: str | None = None
    duration: float = 0.0
    installer: str | None = None
    created: float = 0.0
    #: Why it failed, e.g. ``sysdep-missing``, ``import-failed``.
    category: Category | None = None
    #: The compilers' fingerprint, for compiled wheels.
    toolchain: str | None = None
    #: The knowledge base's explanation of a failed build.
    diagnosis: Diagnosis | None = None
    #: The fix wheelmill applied on its retry, if any.
    remedy: Remedy | None = None
    #: The system's fingerprint when a system dependency was missing.
    system: str | None = None
    #: What auditwheel did: the new wheel, the grafted libraries.
    repair: str | None = None
    #: The policy auditwheel reached, e.g. ``manylinux_2_5`` (repaired wheels only).
    repair_policy: str | None = None
    #: The cached sdist a built wheel came from.
    sdist: str | None = None
    #: The wheel's mtime and inode in ``wheels/`` when last known intact; without
    #: them (or when they changed) it is hashed to tell.
    mtime_ns: int | None = None
    inode: int | None = None
    #: The sandbox the backend ran in (built attempts; ``None`` for fetched
    #: wheels and records older than sandboxes).
    sandbox: SandboxTier | None = None
    #: When the wheel was uploaded to the index it was fetched from (PEP 700), or
    #: built: the ``upload-time`` the published index shows (ISO 8601, UTC).
    upload_time: str | None = None
    #: How the build step's memory was capped (built attempts; ``None`` for fetched
    #: wheels and records older than this field).
    memory_cap: MemoryCap | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def failed(self) -> bool:
        """A failure (``failed``, ``no-wheel``); a release for other Pythons is none."""
        return self.status in FAILED_ATTEMPTS

    @property
    def spec(self) -> str:
        return f"{self.name}=={self.version}"

    @property
    def rule(self) -> str | None:
        return self.diagnosis.rule if self.diagnosis else None

    @property
    def subject(self) -> str | None:
        return self.diagnosis.subject if self.diagnosis else None

    @property
    def first_error(self) -> FirstError | None:
        return self.diagnosis.first_error if self.diagnosis else None

    @property
    def summary(self) -> str | None:
        return self.diagnosis.summary if self.diagnosis else None

    @property
    def fix(self) -> str | None:
        return self.diagnosis.fix if self.diagnosis else None

    @property
    def remediation(self) -> str | None:
        """The applied fix in words (``rule: build constraint Cython<3``)."""
        return self.remedy.describe() if self.remedy else None

    @property
    def cause(self) -> str:
        """The failure in one phrase: the diagnosis's summary, else the error."""
        return self.summary or self.error or "unknown cause"

    @property
    def label(self) -> str:
        """``rule, category`` (either may be missing), as reports print them."""
        return ", ".join(part for part in (self.rule, self.category) if part)

    def to_json(self) -> AttemptJSON:
        return {
            "key": self.key,
            "status": self.status,
            "name": self.name,
            "version": self.version,
            "target": self.target,
            "source": self.source,
            "wheel": self.wheel,
            "sha256": self.sha256,
            "size": self.size,
            "log": self.log,
            "error": self.error,
            "duration": self.duration,
            "installer": self.installer,
            "created": self.created,
            "category": self.category,
            "toolchain": self.toolchain,
            "diagnosis": self.diagnosis.to_json() if self.diagnosis else None,
            "remedy": self.remedy.to_json() if self.remedy else None,
            "system": self.system,
            "repair": self.repair,
            "repair_policy": self.repair_policy,
            "sdist": self.sdist,
            "mtime_ns": self.mtime_ns,
            "inode": self.inode,
            "sandbox": self.sandbox,
            "upload_time": self.upload_time,
            "memory_cap": self.memory_cap,
        }

    def failure_json(self) -> FailureJSON:
        """The attempt as a line of ``wheelmill failures``."""
        return {
            "name": self.name,
            "version": self.version,
            "target": self.target,
            "category": self.category,
            "rule": self.rule,
            "subject": self.subject,
            "first_error": str(self.first_error) if self.first_error else None,
            "error": self.error,
            "log": self.log,
            "created": self.created,
        }

    def dumps(self) -> bytes:
        """The record file's bytes."""
        return json.dumps(self.to_json(), indent=1, sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Attempt:
        """Read stored data back; fields unknown to this version are ignored.

        Raises ``ValueError`` when a required field is missing.
        """
        missing = [name for name in ("key", "name", "version", "target") if not data.get(name)]
        if missing:
            raise ValueError(f"attempt record without {', '.join(missing)}")
        diagnosis = data.get("diagnosis")
        remedy = data.get("remedy")
        return cls(
            key=str(data["key"]),
            status=as_attempt_status(data.get("status")),
            name=str(data["name"]),
            version=str(data["version"]),
            target=str(data["target"]),
            source=as_source(data.get("source")),
            wheel=_text(data.get("wheel")),
            sha256=_text(data.get("sha256")),
            size=_number(data.get("size")),
            log=_text(data.get("log")),
            error=_text(data.get("error")),
            duration=_float(data.get("duration")),
            installer=_text(data.get("installer")),
            created=_float(data.get("created")),
            category=as_category(data.get("category")),
            toolchain=_text(data.get("toolchain")),
            diagnosis=_diagnosis(diagnosis) if isinstance(diagnosis, Mapping) else None,
            remedy=_remedy(remedy) if isinstance(remedy, Mapping) else None,
            system=_text(data.get("system")),
            repair=_text(data.get("repair")),
            repair_policy=_text(data.get("repair_policy")),
            sdist=_text(data.get("sdist")),
            mtime_ns=_number(data.get("mtime_ns")),
            inode=_number(data.get("inode")),
            sandbox=_sandbox(data.get("sandbox")),
            upload_time=_text(data.get("upload_time")),
            memory_cap=_memory_cap(data.get("memory_cap")),
        )

    @classmethod
    def loads(cls, data: bytes) -> Attempt:
        """Parse a record file; ``ValueError`` when it is not one."""
        value = json.loads(data)
        if not isinstance(value, Mapping):
            raise ValueError("an attempt record is a JSON object")
        return cls.from_json(value)


class ExplainedBy:
    """What a report row says about the attempt behind it (``self.attempt``), read
    through: a pin's build result and a gap in ``verify`` say it the same way."""

    attempt: Attempt | None

    @property
    def log(self) -> str | None:
        return self.attempt.log if self.attempt else None

    @property
    def category(self) -> Category | None:
        return self.attempt.category if self.attempt else None

    @property
    def rule(self) -> str | None:
        return self.attempt.rule if self.attempt else None

    @property
    def first_error(self) -> FirstError | None:
        return self.attempt.first_error if self.attempt else None

    @property
    def summary(self) -> str | None:
        return self.attempt.summary if self.attempt else None

    @property
    def fix(self) -> str | None:
        return self.attempt.fix if self.attempt else None

    @property
    def diagnosis(self) -> Diagnosis | None:
        return self.attempt.diagnosis if self.attempt else None

    @property
    def remediation(self) -> str | None:
        return self.attempt.remediation if self.attempt else None


#: The field names, in order (the catalog's columns follow them).
FIELDS = tuple(f.name for f in fields(Attempt))


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _number(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _float(value: object) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def _sandbox(value: object) -> SandboxTier | None:
    if value in get_args(SandboxTier):
        return cast("SandboxTier", value)
    return None


def _memory_cap(value: object) -> MemoryCap | None:
    if value in get_args(MemoryCap):
        return cast("MemoryCap", value)
    return None


def _diagnosis(data: Mapping[str, object]) -> Diagnosis:
    from ..diagnose.diagnosis import Diagnosis

    return Diagnosis.from_json(data)


def _remedy(data: Mapping[str, object]) -> Remedy:
    from ..diagnose.diagnosis import Remedy

    return Remedy.from_json(data)
