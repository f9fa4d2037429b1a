"""The no-op stamp: a rerun of ``build`` (or ``run``) on a settled lock in a few stats.

When a build ends with every pin settled (cached, fetched, built, not applicable
or skipped), :func:`write_stamp` writes down, for that lock, a digest of the
inputs the outcome depends on, the report, and the stat of every file the next
run would look at: each wheel (the size, mtime and inode its record holds, which
is what the integrity check compares) and each build record. :func:`read_stamp`
gives that report back when the digest is the same and every file still has its
stat. Anything else (no stamp, an edited input, a wheel deleted, replaced or
touched, a record rewritten) returns ``None``, and the full path runs: it
hashes what changed, fetches or builds what is missing, and writes a new stamp.

The digest (:func:`inputs_digest`) covers the lock's bytes; the configuration
(every field, after the command-line flags); each target, by the interpreter
file it names and that file's stat; the running interpreter; the machine
(``uname``, libc); the environment variables builds inherit
(:data:`~wheelmill.build.key.BUILD_ENV_VARIABLES`) and those that decide which
compilers and interpreters are found; the compilers' files
(:func:`~wheelmill.build._compilers.compilers_stat`); wheelmill's version.

A file modified within :data:`RACY_NS` of the stamp's writing could be modified
again without its mtime moving (file systems keep time in ticks, NFS in the
server's clock), so such a stamp is not written; the next run writes it.

Imports stay light here: the stamp is checked before the build machinery loads.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from stat import S_ISREG

from .._sha256 import sha256
from ..store.layout import RECORDS, STATE, WHEELS
from ._stampinputs import SCHEMA, inputs_digest

__all__ = ["inputs_digest", "read_answer", "read_stamp", "stamp_path", "write_stamp"]

TYPE_CHECKING = False  # as typing's: a no-op answer does not load typing (see cli/_noop.py)
if TYPE_CHECKING:  # the report's types load only when a report is made (not for an answer)
    from typing import Any

    from ..outcomes import PinStatus
    from .results import BuildReport, PinResult

#: Where stamps live, under the wheelhouse's state directory.
STAMPS = "noop"
#: Files changed this recently when a stamp is written make it unsafe (see above).
RACY_NS = 2_000_000_000
#: The statuses a stamp repeats (:mod:`.results`' constants, spelt out so that checking a
#: stamp does not load the report's types).
_SETTLED: tuple[PinStatus, ...] = ("cached", "built", "fetched", "not-applicable", "skipped")

#: One file a stamp checks: path relative to the wheelhouse, size, mtime (ns), inode.
Entry = tuple[str, int, int, int]


# Plain classes, not dataclasses: the answer's path creates no dataclass it can spare
# (each costs about a millisecond to create).
class Stamped:
    """What a valid stamp gives back: the report to repeat, and its warning."""

    __slots__ = ("extra", "report", "warning")

    def __init__(self, report: BuildReport, warning: str | None, extra: dict[str, object]):
        self.report, self.warning, self.extra = report, warning, extra


class Answer:
    """A valid stamp's answer as ``--json`` and the summary line give it, without the
    report's types: the pins' JSON (``PinResult.to_json()``) already rendered as
    ``--json`` prints the list (``indent=2``, keys sorted), each pin's status and
    whether an attempt stands behind it, how many targets, the count of each status,
    and the seconds the check took."""

    __slots__ = ("counts", "duration", "extra", "marks", "pins_text", "targets", "warning")

    def __init__(
        self,
        pins_text: str,
        marks: list[tuple[str, bool]],
        targets: int,
        counts: dict[str, int],
        duration: float,
        warning: str | None,
        extra: dict[str, object],
    ) -> None:
        self.pins_text, self.marks, self.targets = pins_text, marks, targets
        self.counts, self.duration, self.warning, self.extra = counts, duration, warning, extra


def stamp_path(state: Path, command: str, lock: Path, specs: Sequence[str], digest: str) -> Path:
    """The stamp of one lock (and choice of targets) for one command and set of inputs:
    runs with different configurations (``build`` and ``run`` on one lock, say) keep
    one stamp each instead of overwriting each other's."""
    name = "\0".join([command, str(lock.absolute()), *specs])
    family = sha256(name.encode()).hexdigest()[:24]
    return state / STAMPS / f"{family}-{digest[:16]}.json"


#: How many stamps of one lock, command and choice of targets are kept (other inputs).
KEPT = 4


def _prune(path: Path) -> None:
    """Remove the oldest stamps of ``path``'s lock, command and targets beyond :data:`KEPT`."""
    family = path.name.rpartition("-")[0]
    found = []
    for other in path.parent.glob(f"{family}-*.json"):
        with contextlib.suppress(OSError):
            found.append((other.stat().st_mtime_ns, other))
    for _, other in sorted(found, reverse=True)[KEPT:]:
        with contextlib.suppress(OSError):
            other.unlink()


def _stat(directory: int, relative: str) -> Entry | None:
    try:
        info = os.stat(relative, dir_fd=directory, follow_symlinks=False)
    except OSError:
        return None
    if not S_ISREG(info.st_mode):
        return None
    return (relative, info.st_size, info.st_mtime_ns, info.st_ino)


def _checked(root: Path, path: Path, digest: str) -> dict[str, Any] | None:
    """The stamp's data, if it is for ``digest`` and every file it lists is as it was."""
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA or data.get("inputs") != digest:
        return None
    try:
        directory = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return None
    try:
        for relative, size, mtime_ns, inode in data["files"]:
            if _stat(directory, relative) != (relative, size, mtime_ns, inode):
                return None
    except (KeyError, TypeError, ValueError):
        return None
    finally:
        os.close(directory)
    return data


def read_stamp(root: Path, path: Path, digest: str) -> Stamped | None:
    """The report a stamp holds, if it is for ``digest`` and every file it lists is as
    it was; else ``None``."""
    from .results import BuildReport

    started = time.monotonic()
    data = _checked(root, path, digest)
    if data is None:
        return None
    try:
        # kept as a JSON text of its own: an answer from the stamp never decodes it
        results = [_result(item) for item in json.loads(data["results"])]
    except (KeyError, TypeError, ValueError):
        return None
    report = BuildReport(results=results, duration=time.monotonic() - started)
    return Stamped(report, data.get("warning"), dict(data.get("extra") or {}))


def read_answer(root: Path, path: Path, digest: str) -> Answer | None:
    """What :func:`read_stamp` gives, already in the form ``build`` prints it (the
    report's types are not loaded); ``None`` when the stamp does not hold."""
    started = time.monotonic()
    data = _checked(root, path, digest)
    if data is None:
        return None
    try:
        answer = data["answer"]
        pins_text, counts, targets = answer["pins"], answer["counts"], answer["targets"]
        marks = [(str(status), bool(attempted)) for status, attempted in answer["marks"]]
    except (KeyError, TypeError, ValueError):
        return None
    if not (isinstance(pins_text, str) and isinstance(counts, dict) and isinstance(targets, int)):
        return None
    if not all(status in _SETTLED for status, _ in marks):
        return None
    warning = data.get("warning")
    extra = dict(data.get("extra") or {})
    return Answer(pins_text, marks, targets, counts, time.monotonic() - started, warning, extra)


def _result(item: list[object]) -> PinResult:
    from ..store.attempt import Attempt
    from .results import PinResult

    name, version, target, status, note, attempt = item
    texts = isinstance(name, str) and isinstance(version, str) and isinstance(target, str)
    if not texts or status not in _SETTLED or not (note is None or isinstance(note, str)):
        raise ValueError(f"not a stamped result: {item!r}")
    assert isinstance(name, str) and isinstance(version, str) and isinstance(target, str)
    record = Attempt.from_json(attempt) if isinstance(attempt, dict) else None
    return PinResult(name, version, target, status, record, note)


def stamp_entries(root: Path, report: BuildReport) -> tuple[list[Entry], BuildReport] | None:
    """The files a no-op of ``report`` looks at, with their stats, and the report as a
    no-op gives it (each attempt as its record now holds it: a wheel whose stat changed
    but whose hash did not has its new stat there); ``None`` when ``report`` is not one
    a no-op repeats (a failure, a record missing or changed meanwhile)."""
    from ..store.attempt import Attempt
    from .results import BUILT, CACHED, FETCHED, NOT_APPLICABLE, BuildReport, PinResult

    entries: dict[str, Entry] = {}
    results: list[PinResult] = []
    for result in report.results:
        if result.status not in _SETTLED:
            return None
        attempt = result.attempt
        if attempt is None:
            results.append(result)
            continue
        relative = f"{STATE}/{RECORDS}/{attempt.key}.json"
        try:
            with open(root / relative, "rb") as stream:
                info = os.fstat(stream.fileno())
                record = Attempt.loads(stream.read())
        except (OSError, ValueError):
            return None
        if (record.status, record.wheel) != (attempt.status, attempt.wheel):
            return None  # another builder changed it meanwhile
        entries[relative] = (relative, info.st_size, info.st_mtime_ns, info.st_ino)
        if result.status != NOT_APPLICABLE:
            if record.wheel is None or None in (record.size, record.mtime_ns, record.inode):
                return None
            assert record.size is not None and record.mtime_ns is not None
            assert record.inode is not None
            wheel = f"{WHEELS}/{record.wheel}"
            entries[wheel] = (wheel, record.size, record.mtime_ns, record.inode)
        status = CACHED if result.status in (BUILT, FETCHED) else result.status
        results.append(PinResult(result.name, result.version, result.target, status, record))
    return list(entries.values()), BuildReport(results=results, duration=report.duration)


def racy(entries: Sequence[Entry], now_ns: int) -> bool:
    """Whether a file changed so recently that a change to come might leave its stat."""
    return any(mtime_ns >= now_ns - RACY_NS for _, _, mtime_ns, _ in entries)


def _as_json(result: PinResult) -> list[object]:
    attempt = result.attempt.to_json() if result.attempt is not None else None
    return [result.name, result.version, result.target, result.status, result.note, attempt]


def _answer(stamped: list[list[object]]) -> dict[str, object]:
    """The pins as :func:`read_stamp` gives them back, their JSON as ``--json`` prints
    the list, each one's status and whether an attempt stands behind it, and the count
    of each status: what :func:`read_answer` hands the command line."""
    from ..outcomes import PIN_STATUSES
    from .results import BuildReport

    report = BuildReport(results=[_result(item) for item in stamped])
    pins = [result.to_json() for result in report.results]
    return {
        "pins": json.dumps(pins, indent=2, sort_keys=True),
        "marks": [[result.status, result.attempt is not None] for result in report.results],
        "targets": len({result.target for result in report.results}),
        "counts": {status: report.count(status) for status in PIN_STATUSES},
    }


def write_stamp(
    root: Path,
    path: Path,
    digest: str,
    report: BuildReport,
    *,
    warning: str | None,
    entries: Sequence[Entry],
    extra: dict[str, object] | None = None,
) -> bool:
    """Write the stamp of a settled run (atomically): ``report`` and ``entries`` as
    :func:`stamp_entries` gives them. ``False`` (and no stamp) when the files it would
    list changed too recently to be trusted."""
    from ..store.wheelhouse import write_atomic

    if racy(entries, time.time_ns()):
        remove_stamp(path)
        return False
    results = [_as_json(result) for result in report.results]
    data = {
        "schema": SCHEMA,
        "inputs": digest,
        "files": [list(entry) for entry in entries],
        "results": json.dumps(results, separators=(",", ":")),
        "warning": warning,
        "extra": extra or {},
        "answer": _answer(results),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(data, separators=(",", ":")).encode())
    _prune(path)
    return True


def remove_stamp(path: Path) -> None:
    """Forget a stamp (a run that did not settle everything leaves none behind)."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
