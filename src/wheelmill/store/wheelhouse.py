"""The wheelhouse on disk: published wheels, build records, logs, sdist cache, temp space.

Layout::

    DIR/wheels/              the flat find-links directory (only finished wheels)
    DIR/simple/              the static index (written by ``publish``)
    DIR/.wheelmill/          wheelmill's own state:
        records/<key>.json   what a build key produced (or how it failed)
        stored/<wheel>.json  what went into wheels/: sha256, size, mtime, inode
                             (see :mod:`wheelmill.store._integrity`)
        locks/               sidecar lock files (one per key, one for publishing,
                             and ``wheelhouse.lock``: shared by builds, exclusive for gc)
        tmp/<session>/       per-process temp space, removed when the process is gone
        sdists/<sha256>/     downloaded sdists, by content
        logs/                one log per build attempt
        catalog.sqlite       every attempt (see :mod:`wheelmill.store.catalog`)
        upstream/            wheels ``serve --upstream`` answered from upstream
                             (never published; the status page lists them)

Writers create files in ``tmp/`` (same file system) and ``os.replace`` them into
place, so readers never see a partial file; locks only avoid duplicate work.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from stat import S_ISREG

from .. import _platform
from .._exceptions import WheelhouseBusy, WheelhouseError
from ._files import rmtree, temp_file
from ._integrity import STORED_DIR, Stored, read_stored, stored_json, stored_path
from .layout import CATALOG, RECORDS, SIMPLE, STATE, UPSTREAM, WHEELS

TYPE_CHECKING = False  # as typing's: publish's fast path does not load typing for this
if TYPE_CHECKING:
    from filelock import FileLock
    from packaging.utils import NormalizedName

    from .attempt import Attempt

# filelock, packaging, the record type and the wheel checker are loaded where used:
# ``wheelmill publish`` after a change needs none of them (see cli/_noop.py).

UPSTREAM_DIR = UPSTREAM
#: A loose temp file this old cannot belong to a live writer (they live for milliseconds).
_STALE_TEMP_SECONDS = 3600


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _sha256_regular(path: Path, known: str | None = None) -> tuple[str, os.stat_result]:
    """A regular file's sha256, and its stat, from one descriptor (never through a link).

    ``known``: the sha256 the caller took as it wrote the file; the file is then
    stat-ed and checked, not read again."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as stream:
        info = os.fstat(fd)
        if not S_ISREG(info.st_mode):
            raise IsADirectoryError(f"{path}: not a regular file")
        if known is not None:
            return known, info
        digest = hashlib.sha256()
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest(), info


def write_atomic(path: Path, data: bytes, *, tmp_dir: Path | None = None) -> None:
    """Write ``data`` to ``path`` through a temp file in the same directory and a rename."""
    fd, name = temp_file(tmp_dir or path.parent, path.name)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
        os.chmod(name, 0o644)  # readable by a web server serving the tree
        os.replace(name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)
        raise


class Store:
    """A wheelhouse directory; every path wheelmill writes is derived from here."""

    #: Whether builds share it with other machines (:class:`~wheelmill.store.team.TeamStore`).
    team = False

    def __init__(self, root: Path) -> None:
        # Absolute: builds and checks run subprocesses in other working directories.
        root = root.absolute()
        self.root = root
        self.wheels = root / WHEELS
        self.simple = root / SIMPLE
        self.state = root / STATE
        self.records = self.state / RECORDS
        self.stored = self.state / STORED_DIR
        self.locks = self.state / "locks"
        self.tmp = self.state / "tmp"
        self.sdists = self.state / "sdists"
        self.logs = self.state / "logs"
        self.catalog_path = self.state / CATALOG
        self.upstream = self.state / UPSTREAM_DIR

    def create(self) -> Store:
        """Make the directory tree; an unusable location is a :class:`WheelhouseError`."""
        try:
            for path in (
                self.wheels,
                self.records,
                self.stored,
                self.locks,
                self.tmp,
                self.sdists,
                self.logs,
            ):
                path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WheelhouseError(
                f"{self.root}: cannot create the wheelhouse ({exc.strerror}); "
                "choose a writable --wheelhouse"
            ) from None
        return self

    # -- locks and temp space -------------------------------------------------

    def lock(self, name: str) -> FileLock:
        from filelock import FileLock

        return FileLock(str(self.locks / f"{name}.lock"))

    @contextlib.contextmanager
    def held(self, name: str) -> Iterator[None]:
        """The lock :meth:`lock` takes (``flock`` on the same file, so the two exclude
        each other), waited for, without loading filelock: ``publish`` takes it so."""
        with _locked(self.locks / f"{name}.lock", wait=True):
            yield

    def claim(
        self, name: str, check: Callable[[], None] | None = None, *, pin: str = ""
    ) -> contextlib.AbstractContextManager[object]:
        """Held while settling the key ``name`` (of ``pin``, ``name==version``): one
        builder at a time (here, a file lock; ``check`` is called while waiting, to stop
        on request)."""
        return self.lock(name)

    @contextlib.contextmanager
    def building(self) -> Iterator[None]:
        """Held (shared) by every build while it runs; builds never wait for each other."""
        with _locked(self.locks / "wheelhouse.lock", wait=True, shared=True):
            yield

    @contextlib.contextmanager
    def exclusive(self, *, timeout: float) -> Iterator[None]:
        """Held by ``gc``: waits up to ``timeout`` seconds for running builds to finish."""
        with _locked(self.locks / "wheelhouse.lock", wait=True, timeout=timeout) as held:
            if not held:
                raise WheelhouseBusy(self.root)
            yield

    @contextlib.contextmanager
    def session(self) -> Iterator[Path]:
        """A private temp directory for this process, held by a lock while it lives.

        Directories of dead sessions (a killed ``wheelmill build``) are removed
        when the next session starts: their lock is free again.
        """
        self.reap_sessions()
        ident = f"{os.getpid()}-{os.urandom(4).hex()}"
        with _locked(self.tmp / f"{ident}.lock", wait=True):
            directory = self.tmp / ident
            directory.mkdir()
            try:
                yield directory
            finally:
                rmtree(directory)
        with contextlib.suppress(FileNotFoundError):
            (self.tmp / f"{ident}.lock").unlink()

    def reap_sessions(self) -> list[str]:
        """Remove temp directories whose owning process is gone; return their names."""
        reaped = []
        for lock_file in sorted(self.tmp.glob("*.lock")):
            with _locked(lock_file, wait=False) as free:
                if not free:
                    continue  # its session is alive
                rmtree(lock_file.with_suffix(""))
                reaped.append(lock_file.stem)
            with contextlib.suppress(FileNotFoundError):
                lock_file.unlink()
        # Loose temp files (records, index pages) of writers killed mid-write.
        cutoff = time.time() - _STALE_TEMP_SECONDS
        for leftover in self.tmp.glob(".*.tmp"):
            with contextlib.suppress(OSError):
                if leftover.stat().st_mtime < cutoff:
                    leftover.unlink()
        return reaped

    # -- records ----------------------------------------------------------------

    def read_record(self, key: str) -> Attempt | None:
        from .attempt import Attempt

        try:
            return Attempt.loads((self.records / f"{key}.json").read_bytes())
        except FileNotFoundError:
            return None
        except ValueError:
            return None  # unreadable record: treated as absent, so the key is redone

    def iter_records(self) -> Iterator[tuple[Path, Attempt]]:
        """Every readable record, with its file."""
        if not self.records.is_dir():
            return
        for path in sorted(self.records.glob("*.json")):
            record = self.read_record(path.stem)
            if record is not None:
                yield path, record

    def write_record(self, record: Attempt) -> None:
        write_atomic(self.records / f"{record.key}.json", record.dumps(), tmp_dir=self.tmp)

    def is_current(self, record: Attempt | None, *, verify: bool = False) -> bool:
        """Whether a successful record's wheel is in ``wheels/``, still the file it stored.

        A stat when its size, mtime and inode are the recorded ones; otherwise (or
        with ``verify``) its sha256 decides, and an intact wheel's new stat is
        written down so the next check is a stat again.
        """
        if record is None or record.status != "ok" or not record.wheel or not record.sha256:
            return False
        path = self.wheels / record.wheel
        try:
            info = os.lstat(path)
        except OSError:
            return False
        if not S_ISREG(info.st_mode) or info.st_size != record.size:
            return False
        if not verify and (record.mtime_ns, record.inode) == (info.st_mtime_ns, info.st_ino):
            return True
        try:
            digest, info = _sha256_regular(path)
        except OSError:
            return False
        if digest != record.sha256:
            return False
        from dataclasses import replace

        from .._timestamps import iso_time

        with contextlib.suppress(OSError):  # only a saving: the next check hashes again
            known = self.recall(record.wheel)
            uploaded = (known and known.upload_time) or record.upload_time
            if uploaded is None and record.created:  # a record older than upload times
                uploaded = iso_time(record.created)
            stored = Stored(digest, info.st_size, info.st_mtime_ns, info.st_ino, uploaded)
            self.write_record(replace(record, mtime_ns=stored.mtime_ns, inode=stored.inode))
            # (another sha256 there: a build is putting another file in its place)
            if known is None or (known.sha256 == digest and known != stored):
                self._remember(record.wheel, stored)
        return True

    def recall(self, filename: str) -> Stored | None:
        """What the store took in as ``wheels/<filename>``, if it did."""
        return read_stored(self._stored_path(filename))

    def forget(self, filename: str) -> None:
        """Drop what the store remembered of ``wheels/<filename>`` (the wheel is gone)."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._stored_path(filename))

    def _stored_path(self, filename: str) -> str:
        return stored_path(self.state, filename)

    def remember(self, filename: str, stored: Stored) -> None:
        """Write down what ``wheels/<filename>`` is (a wheel put there hash-checked)."""
        self._remember(filename, stored)

    def _remember(self, filename: str, stored: Stored) -> None:
        self.stored.mkdir(parents=True, exist_ok=True)
        write_atomic(Path(self._stored_path(filename)), stored_json(stored), tmp_dir=self.tmp)

    # -- files ------------------------------------------------------------------

    def wheel_files(self) -> dict[tuple[NormalizedName, str], list[Path]]:
        """Every wheel in ``wheels/`` by (normalized name, normalized version).

        Files whose name is not a valid wheel filename are left out.
        """
        from packaging.utils import InvalidWheelFilename, parse_wheel_filename

        found: dict[tuple[NormalizedName, str], list[Path]] = {}
        if not self.wheels.is_dir():
            return found
        for path in sorted(self.wheels.glob("*.whl")):
            try:
                name, version, _, _ = parse_wheel_filename(path.name)
            except InvalidWheelFilename:
                continue
            found.setdefault((name, str(version)), []).append(path)
        return found

    def add_wheel(
        self,
        temp: Path,
        filename: str,
        *,
        upload_time: str | None = None,
        attested: bool = False,
        sha256: str | None = None,
    ) -> Stored:
        """Check a finished wheel and move it into ``wheels/``; return what was stored.

        ``upload_time`` (PEP 700 form) is when the index it was fetched from got it;
        a wheel built or added here is uploaded now. ``attested``: its sha256 matched
        a digest the lock or the index gave, so its bytes are the publisher's, whole;
        its expansion bounds and METADATA are checked, not every member's CRC-32
        (a wheel built or added here gets the full check). ``sha256``: the digest the
        caller took while it wrote ``temp`` itself (a download), so it is not read again.

        What is remembered (:mod:`wheelmill.store._integrity`) is written first: a
        process killed before the rename leaves the old file, which no longer
        matches, so it is neither published nor taken as current.
        """
        from .._filenames import plain_filename
        from .._timestamps import iso_time
        from ._wheelfile import check_wheel

        plain_filename(filename)
        check_wheel(temp, filename, members=not attested)
        os.chmod(temp, 0o644)
        digest, info = _sha256_regular(temp, sha256)
        stored = Stored(
            digest, info.st_size, info.st_mtime_ns, info.st_ino, upload_time or iso_time()
        )
        self._remember(filename, stored)
        os.replace(temp, self.wheels / filename)  # a rename keeps the inode and the mtime
        return stored

    def cached_sdist(self, sha256: str | None, filename: str) -> Path | None:
        from .._filenames import checked_sha256, plain_filename

        if not sha256:
            return None
        path = self.sdists / checked_sha256(sha256) / plain_filename(filename)
        return path if path.is_file() else None

    def keep_sdist(self, temp: Path, sha256: str, filename: str) -> Path:
        """Move a downloaded sdist to ``sdists/<sha256>/<filename>``; names are checked first."""
        from .._filenames import checked_sha256, plain_filename

        final = self.sdists / checked_sha256(sha256) / plain_filename(filename)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temp, final)
        return final

    def new_log(self, name: str, version: str, key: str, *, attempt: int = 1) -> Path:
        """A fresh log path for one build attempt: UTC time to the microsecond and a
        random tag, so attempts in the same second (or process) never share a log."""
        now = time.time()
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now)) + f".{int(now % 1 * 1e6):06d}Z"
        suffix = f"-retry{attempt - 1}" if attempt > 1 else ""
        tag = os.urandom(3).hex()
        return self.logs / f"{name}-{version}-{key[:12]}-{stamp}-{tag}{suffix}.log"


@contextlib.contextmanager
def _locked(
    path: Path, *, wait: bool, shared: bool = False, timeout: float | None = None
) -> Iterator[bool]:
    """A ``flock`` on ``path`` (created if need be), exclusive unless ``shared``, as
    filelock takes one (the file stays, so every waiter locks the same inode); the
    system drops it when the process dies, so a killed build never blocks ``gc``.
    Yields whether it is held: without ``wait``, only when nobody else held it; with
    ``wait``, always, or with a ``timeout`` only if it came within that many seconds."""
    path.parent.mkdir(parents=True, exist_ok=True)  # as filelock does
    with open(path, "a") as handle:
        deadline = None if timeout is None else time.monotonic() + timeout
        held = _platform.lock_file(handle, shared=shared, wait=wait and deadline is None)
        while not held and wait and deadline is not None and time.monotonic() < deadline:
            time.sleep(0.1)
            held = _platform.lock_file(handle, shared=shared, wait=False)
        try:
            yield held
        finally:
            if held:
                _platform.unlock_file(handle)
