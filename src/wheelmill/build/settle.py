"""Settle one build key: fetch the pin's wheel for a target, or build it from its sdist.

Called by :mod:`wheelmill.build.batch` only when a key has work to do, so a run
where everything is cached never imports the build machinery. The way: upstream
wheel if there is one (hash-checked) → else the sdist (hash-checked, cached) →
:func:`wheelmill.build.step.make_wheel` → the store. A failed build is
diagnosed; when its rule names a safe fix, it is retried once with it. A build
that failed because the machine ran out of disk space, quota or memory raises
:class:`Exhausted` instead: that is not the package's failure, so it must not be
remembered as one.
"""

from __future__ import annotations

import contextlib
import re
import time
from dataclasses import replace
from pathlib import Path

from .._exceptions import RESOURCE_MESSAGES, ResourceError, WheelmillError
from .._timestamps import iso_time
from ..config import BuildSettings
from ..diagnose.diagnosis import Remedy
from ..diagnose.remedy import apply_remedy, explain, remedy, still_blocked
from ..lockfile.pins import Pin
from ..outcomes import SYSTEM_CATEGORIES
from ..store.attempt import Attempt
from ..target import Target
from ._frontend import frontend_python
from ._sandbox import choose_sandbox
from .context import Context, is_pure
from .step import make_wheel


class Exhausted(ResourceError):
    """A build failed because the machine ran out of something: not cached as failed."""

    def __init__(self, attempt: Attempt, what: str) -> None:
        self.attempt = attempt
        super().__init__(
            f"{attempt.spec}: the build ran out of resources ({what}); "
            "free some and build again (not remembered as a failed build)"
        )


#: Rules whose failures are the machine's, not the package's.
_RESOURCE_RULES = {
    "resource/disk-full": "no space left on device",
    "resource/out-of-memory": "out of memory",
}
_RAN_OUT = re.compile("|".join(map(re.escape, RESOURCE_MESSAGES)))


def ran_out(attempt: Attempt) -> str | None:
    """What a failed attempt ran out of (disk, quota, memory, a read-only disk), if that
    is why it failed: its rule says so, or its error or log carries the system's message."""
    if attempt.status != "failed":
        return None
    if attempt.rule in _RESOURCE_RULES:
        return _RESOURCE_RULES[attempt.rule]
    texts = [attempt.error or "", attempt.first_error.text if attempt.first_error else ""]
    if attempt.log:
        with contextlib.suppress(OSError):
            texts.append(Path(attempt.log).read_text("utf-8", "replace"))
    for text in texts:
        found = _RAN_OUT.search(text)
        if found is not None:
            return found.group(0)
    return None


def _settled(attempt: Attempt) -> Attempt:
    what = ran_out(attempt)
    if what is not None:
        raise Exhausted(attempt, what)
    return attempt


class NoWheel(WheelmillError):
    """A download-only target has no upstream wheel for a pin."""


class Blocked(WheelmillError):
    """A pin's last build lacked a system dependency, and nothing was installed since."""

    def __init__(self, last: Attempt) -> None:
        self.last = last
        what = last.subject or last.category
        super().__init__(
            f"not built: its last build failed because {what} is missing "
            f"({last.rule or last.category}), and nothing was installed since; "
            "install it, or pass --force"
        )


def settle_key(ctx: Context, pin: Pin, target: Target, key: str, scratch: Path) -> Attempt:
    """Fetch or build the wheel of one pin for one target; return the attempt.

    Failed builds are attempts (diagnosed), and so is a release whose
    Requires-Python excludes the target (``not-applicable``); index, download and frontend
    problems, and builds that ran out of resources (:class:`Exhausted`), raise
    :class:`WheelmillError` (the caller does not cache those).
    """
    started = time.monotonic()
    settings = ctx.settings_for(pin.name)
    base = Attempt(
        key=key, status="ok", name=pin.name, version=pin.version, target=target.name,
        source="upstream",
    )  # fmt: skip

    found = ctx.upstream.candidates(pin, target)
    if found.wheel is None and found.requires_python is not None:
        # Never built, never failed: this release is not for the target's Python.
        python = target.environment.get("python_full_version", target.python_version)
        return replace(
            base,
            status="not-applicable",
            source="none",
            error=f"requires Python {found.requires_python}; {target.name} has {python}",
            duration=time.monotonic() - started,
            created=time.time(),
        )
    if found.wheel is not None and (target.download_only or not settings.from_source):
        expected = pin.sha256s()
        temp, digest = ctx.upstream.download_hashed(found.wheel, scratch, expected)
        stored = ctx.store.add_wheel(
            temp,
            found.wheel.filename,
            upload_time=found.wheel.upload_time,
            attested=bool(found.wheel.vouching(expected)),  # the download checked them
            sha256=digest,
        )
        return replace(
            base,
            wheel=found.wheel.filename,
            **stored._asdict(),
            duration=time.monotonic() - started,
            created=time.time(),
        )
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
    choose_sandbox(settings.sandbox)  # `strict` without bubblewrap: refused before downloading
    sdist = ctx.upstream.stored_sdist(ctx.store, found.sdist, scratch, pin.sha256s())
    # Fetching runs alongside; building takes one of the run's `jobs` slots, the
    # largest sdist waiting first (the wait is not part of the attempt's duration).
    before = time.monotonic() - started
    with ctx.build_slot(sdist.stat().st_size, who=pin.name):
        return _build(ctx, pin, target, key, scratch, replace(base, duration=before), sdist)


def _build(
    ctx: Context, pin: Pin, target: Target, key: str, scratch: Path, base: Attempt, sdist: Path
) -> Attempt:
    """Build the pin from ``sdist`` (diagnosed; retried once with a safe fix); ``base``
    carries the time the index and the download took."""
    started = time.monotonic() - base.duration
    settings = ctx.settings_for(pin.name)
    frontend = frontend_python(target, ctx.store, index_url=ctx.index_url)

    def attempt(settings: BuildSettings, number: int, fix: Remedy | None) -> Attempt:
        log = ctx.store.new_log(pin.name, pin.version, key, attempt=number)
        made = make_wheel(
            pin,
            sdist,
            target=target,
            settings=settings,
            workdir=scratch / f"build-{number}",
            log=log,
            frontend=frontend,
            index_url=ctx.index_url,
            store=ctx.store,
            import_env=ctx.session / "import-env",
        )
        ctx.cancel.check()  # stopped meanwhile: nothing recorded
        done = replace(
            base,
            source="built",
            log=str(log),
            installer=made.installer,
            sandbox=made.sandbox,
            memory_cap=made.memory_cap,
            sdist=str(sdist),
            repair=made.repair,
            repair_policy=made.repair_policy,
            remedy=fix,
            duration=time.monotonic() - started,
            created=time.time(),
        )
        if made.wheel is None:
            failed = replace(done, status="failed", error=made.error, category=made.category)
            if not made.diagnose:
                return failed
            why = explain(ctx.rules, log, made.error)
            failed = replace(
                failed, error=why.error, category=why.category, diagnosis=why.diagnosis
            )
            if why.category in SYSTEM_CATEGORIES:
                failed = replace(failed, system=ctx.system)
            return failed
        stored = ctx.store.add_wheel(
            made.wheel, made.wheel.name, upload_time=iso_time(done.created)
        )
        toolchain = None if is_pure(made.wheel.name) else ctx.toolchain
        return replace(done, wheel=made.wheel.name, toolchain=toolchain, **stored._asdict())

    first = attempt(settings, 1, None)
    fix = remedy(first.diagnosis, settings) if ctx.remediate and not first.ok else None
    if fix is None:
        return _settled(first)
    ctx.cancel.check()  # a stopped run starts no retry
    # The rule knows a fix that is safe inside the build environment: try it once.
    ctx.catalog.add(first)
    return _settled(attempt(apply_remedy(settings, fix), 2, fix))
