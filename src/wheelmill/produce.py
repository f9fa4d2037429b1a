"""Make the wheel of one pin for one target: fetch it, or build, check and repair it.

Called by :mod:`wheelmill.prebuild` only when a pin has work to do, so a run
where everything is cached never imports the build machinery. A build goes:
upstream wheel if there is one (hash-checked) → else the sdist (hash-checked,
cached) → ``build`` in the controlled environment → the wheel must be this pin
→ optional ``auditwheel`` repair → install-and-import check → the store. A
failed build is diagnosed; when its rule names a safe fix, it is retried once.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from ._exceptions import InvalidWheelError, WheelmillError
from ._frontend import frontend_python
from ._importcheck import check_import
from ._repair import needs_repair, repair_wheel
from ._wheelfile import wheel_project
from .build import build_sdist
from .config import BuildSettings
from .pins import Pin
from .prebuild import FAILED, Context, is_pure
from .remedy import SYSTEM_CATEGORIES, explain, remedy, still_blocked
from .store import Record, sha256_file
from .target import Target


class NoWheel(WheelmillError):
    """A download-only target has no upstream wheel for a pin."""


class Blocked(WheelmillError):
    """A pin's last build lacked a system dependency, and nothing was installed since."""

    def __init__(self, last: dict[str, Any]) -> None:
        self.last = last
        what = last.get("subject") or last.get("category")
        super().__init__(
            f"not built: its last build failed because {what} is missing "
            f"({last.get('rule') or last.get('category')}), and nothing was installed since; "
            "install it, or pass --force"
        )


def _check_built(pin: Pin, wheel: Path) -> None:
    name, version = wheel_project(wheel.name)
    if name != pin.name or str(version) != pin.version:
        raise InvalidWheelError(
            f"{pin.spec}: the backend produced {wheel.name}, which is not this pin"
        )


def produce(ctx: Context, pin: Pin, target: Target, key: str, scratch: Path) -> Record:
    """Fetch or build the wheel of one pin for one target; return the attempt's record.

    Failed builds are records (diagnosed); index, download and frontend
    problems raise :class:`WheelmillError` (the caller does not cache those).
    """
    started = time.monotonic()
    settings = ctx.settings_for(pin.name)

    def record(status: str, source: str, **fields: Any) -> Record:
        return Record(
            key=key,
            status=status,
            name=pin.name,
            version=pin.version,
            target=target.name,
            source=source,
            duration=time.monotonic() - started,
            created=time.time(),
            **fields,
        )

    found = ctx.upstream.candidates(pin, target)
    if found.wheel is not None and (target.download_only or not settings.from_source):
        temp = ctx.upstream.download(found.wheel, scratch, pin.sha256s())
        stored = ctx.store.add_wheel(temp, found.wheel.filename)
        return record("ok", "upstream", wheel=found.wheel.filename, **stored._asdict())
    if target.download_only:
        raise NoWheel(
            f"{pin.spec}: no wheel for {target.name} on the index; installing it there "
            "would build it from source"
        )
    if found.sdist is None:
        raise WheelmillError(f"{pin.spec}: no wheel for {target.name} and no sdist")
    if not ctx.force:
        blocked = still_blocked(ctx.catalog, pin.name, ctx.system)
        if blocked is not None:
            raise Blocked(blocked)
    sdist = ctx.store.cached_sdist(found.sdist.sha256, found.sdist.filename)
    if sdist is None:
        temp = ctx.upstream.download(found.sdist, scratch, pin.sha256s())
        sdist = ctx.store.keep_sdist(temp, sha256_file(temp), found.sdist.filename)
    frontend = frontend_python(target, ctx.store, index_url=ctx.index_url)

    def attempt(settings: BuildSettings, number: int) -> Record:
        log = ctx.store.new_log(pin.name, pin.version, key, attempt=number)
        workdir = scratch / f"build-{number}"
        outcome = build_sdist(
            sdist,
            workdir,
            log,
            frontend=frontend,
            target=target,
            settings=settings,
            index_url=ctx.index_url,
            store=ctx.store,
        )
        about: dict[str, Any] = {
            "log": str(log),
            "installer": outcome.installer,
            "sdist": str(sdist),
        }
        if not outcome.ok or outcome.wheel is None:
            found = explain(ctx.rules, log, outcome.error)
            if found.get("category") in SYSTEM_CATEGORIES:
                found["system"] = ctx.system
            return record(FAILED, "built", **found, **about)
        try:
            _check_built(pin, outcome.wheel)
        except InvalidWheelError as exc:
            return record(FAILED, "built", error=str(exc), category="package-refuses", **about)
        wheel = outcome.wheel
        if settings.repair == "auditwheel" and needs_repair(wheel):
            repaired = repair_wheel(wheel, workdir / "repaired", log, index_url=ctx.index_url)
            if isinstance(repaired, str):
                return record(FAILED, "built", error=repaired, category="unknown", **about)
            wheel, about["repair"] = repaired.wheel, repaired.describe()
        if settings.import_check:
            problem = check_import(wheel, target.python, workdir, index_url=ctx.index_url)
            if problem is not None:
                summary, _, trace = problem.partition("\n")
                with log.open("a", encoding="utf-8") as stream:
                    stream.write(f"\nwheelmill: import check failed: {summary}\n{trace}")
                return record(FAILED, "built", error=summary, category="import-failed", **about)
        stored = ctx.store.add_wheel(wheel, wheel.name)
        if not is_pure(wheel.name):
            about["toolchain"] = ctx.toolchain
        return record("ok", "built", wheel=wheel.name, **stored._asdict(), **about)

    first = attempt(settings, 1)
    fix = remedy(settings, first.diagnosis) if ctx.remediate and first.status == FAILED else None
    if fix is None:
        return first
    # The rule knows a fix that is safe inside the build environment: try it once.
    ctx.catalog.add(first)
    adjusted, description = fix
    second = attempt(adjusted, 2)
    return replace(second, remediation=description)
