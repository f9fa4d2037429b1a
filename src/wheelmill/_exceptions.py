"""wheelmill's errors: one base class, each subclass named for what the user must fix.

Every message is one line that says what went wrong *and* what to do next. The
CLI turns any :class:`WheelmillError` into that line on stderr and the error's
``exit_code``; nothing else in the code base calls ``sys.exit``.
"""

from __future__ import annotations

import errno
import os

#: How many characters of the user's input an error message quotes at most.
EXCERPT = 100


def clip(text: str, limit: int = EXCERPT) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when it was longer."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """``text`` quoted (``repr``) for a one-line message, cut when it is long."""
    return clip(repr(text), limit)


class WheelmillError(Exception):
    """Base class of every error wheelmill reports to its user."""

    #: Exit code the CLI uses for this error (2: usage or configuration error).
    exit_code = 2


class ConfigError(WheelmillError):
    """The configuration file is missing, unreadable or invalid."""


class RequirementsError(WheelmillError):
    """A requirements or lock file has a line wheelmill cannot use."""


class ResolutionError(WheelmillError):
    """The resolver (pip-tools or uv) could not produce a lock."""

    exit_code = 1


class UpstreamError(WheelmillError):
    """The package index did not give what a pin needs (unknown project, missing version)."""

    exit_code = 1


class HashMismatchError(UpstreamError):
    """A downloaded file does not match the hashes recorded in the lock."""


class UnsafeFilenameError(UpstreamError):
    """An index gave a file a name that is not a plain distribution file name."""


class WheelhouseError(WheelmillError):
    """The wheelhouse directory cannot be used (not writable, corrupted state)."""


class SandboxUnavailable(WheelmillError):
    """``sandbox = "strict"`` and this machine cannot run builds in the strong sandbox."""


class ResourceError(WheelmillError):
    """The machine ran out of something (disk space, quota, memory): free it and run again.

    Never a property of a package: a build that failed for it is not remembered as failed.
    """

    exit_code = 1


#: errno → (what happened, what to do); the not-writable ones are a wheelhouse problem.
_NOT_WRITABLE = {
    errno.EROFS: (
        "cannot write {}: read-only file system",
        "run on a writable copy of the wheelhouse or remount it read-write",
    ),
    errno.EACCES: ("cannot use {}: permission denied", "fix its permissions or run as its owner"),
    errno.EPERM: ("cannot use {}: operation not permitted", "fix its permissions"),
}
_EXHAUSTED = {
    errno.ENOSPC: "no space left on device; free some space (e.g. `wheelmill gc`) and run again",
    errno.EDQUOT: "disk quota exceeded; free some space or raise the quota, and run again",
    errno.ENOMEM: "out of memory; free some memory (or use a larger machine) and run again",
}
#: The errors of the machine, not of a package: never cached as a build failure.
RESOURCE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.ENOMEM})
#: How those errors read in a log (``strerror``), e.g. "No space left on device".
RESOURCE_MESSAGES = tuple(os.strerror(code) for code in sorted(RESOURCE_ERRNOS))


def from_os_error(exc: OSError) -> WheelmillError:
    """The one line (and exit code) for an :class:`OSError` that reached the user."""
    where = str(exc.filename) if exc.filename is not None else None
    if exc.errno in _NOT_WRITABLE:
        what, advice = _NOT_WRITABLE[exc.errno]
        return WheelhouseError(f"{what.format(where or 'the wheelhouse')}; {advice}")
    if exc.errno in _EXHAUSTED:
        return ResourceError(
            f"cannot write {where}: {_EXHAUSTED[exc.errno]}" if where else _EXHAUSTED[exc.errno]
        )
    reason = exc.strerror or str(exc) or type(exc).__name__
    error = WheelmillError(f"{where}: {reason}; check that path" if where else reason)
    error.exit_code = 1
    return error


class WheelhouseBusy(WheelhouseError):
    """A build holds the wheelhouse, so ``gc`` cannot run now."""

    exit_code = 1

    def __init__(self, root: object) -> None:
        super().__init__(
            f"{root}: a build is running on this wheelhouse; nothing was removed. "
            "Run gc again when it has finished (or give it longer with --wait)"
        )


class UnsafeArchiveError(WheelmillError):
    """An sdist tries to write outside its own tree (absolute path, ``..``, escaping link)."""

    exit_code = 1


class InvalidWheelError(WheelmillError):
    """A wheel file is corrupted or does not match its own filename."""

    exit_code = 1


class WheelChanged(InvalidWheelError):
    """A wheel's bytes differ from those wheelmill recorded when it stored the wheel."""

    def __init__(self, names: list[str]) -> None:
        super().__init__(
            f"{', '.join(names)}: changed after wheelmill stored it (its sha256 is not the "
            "recorded one); delete it and run `wheelmill build` again"
        )


class ExportIncomplete(WheelmillError):
    """Some pins have no wheel at all in the wheelhouse, so the export could not serve them."""

    exit_code = 1

    def __init__(self, specs: list[str]) -> None:
        super().__init__(
            f"no wheel in the wheelhouse for {', '.join(specs)}; nothing written. "
            "Run `wheelmill build` (and `wheelmill verify` to see why they are missing)"
        )


class YankedPins(WheelmillError):
    """The lock pins versions yanked from the wheelhouse (``wheelmill yank``)."""

    exit_code = 1

    def __init__(self, specs: list[str]) -> None:
        super().__init__(
            f"yanked in the wheelhouse: {', '.join(specs)}; nothing written. Lock another "
            "version, `wheelmill unyank` it, or pass --allow-yanked"
        )


class ServeError(WheelmillError):
    """The server could not go on (a worker process died)."""

    exit_code = 1


class RulesError(ConfigError):
    """A diagnostic rules file is unreadable or invalid (the message names file and line)."""
