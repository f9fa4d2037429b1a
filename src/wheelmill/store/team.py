"""A wheelhouse backed by a shared object store: the team's cache.

:class:`TeamStore` is a :class:`~wheelmill.store.wheelhouse.Store` whose local
directory is the working cache and staging area, and whose truth is the object
store (:mod:`wheelmill.store.remote`):

- at the start of a build, ONE listing of ``records/`` and one of ``wheels/``
  (not a request per pin); a record is read from the local cache when its bytes
  have the listed etag, else fetched once;
- a key whose record is in the store with its wheel is settled, wherever it was
  built (the toolchain check is per machine, so it is not applied to the team's
  records);
- a key to build is claimed with a lease (:mod:`wheelmill.store.lease`) on top
  of the local lock, so two builders, on one machine or many, never build it at
  once;
- a settled key is published wheel first (create-only; the same name with other
  bytes is never replaced: :class:`WheelConflict`), then its attempt and log,
  then its record (create-only; only a failure is replaced, with ``If-Match``).
  A record is therefore never listed before its wheel.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from .._exceptions import WheelmillError
from .attempt import Attempt
from .lease import DEFAULT_TTL, leased
from .remote import PreconditionFailed, Remote, RemoteObject, etag_of
from .wheelhouse import Store, sha256_file, write_atomic


class WheelConflict(WheelmillError):
    """The store already holds another wheel under the same filename."""


class TeamStore(Store):
    """A local wheelhouse directory in front of a shared object store."""

    team = True

    def __init__(self, root: Path, remote: Remote, *, lease_seconds: float = DEFAULT_TTL) -> None:
        super().__init__(root)
        self.remote = remote
        self.lease_seconds = lease_seconds
        self._records: dict[str, RemoteObject] | None = None
        self._wheels: dict[str, RemoteObject] = {}
        self._guard = threading.Lock()

    def refresh(self) -> None:
        """List the store's records and wheels: two paginated listings, whatever the lock."""
        records = {
            Path(item.key).stem: item
            for item in self.remote.list("records/")
            if item.key.endswith(".json")
        }
        wheels = {Path(item.key).name: item for item in self.remote.list("wheels/")}
        with self._guard:
            self._records, self._wheels = records, wheels

    def listed_records(self) -> list[str]:
        """The keys of every record the last :meth:`refresh` listed."""
        if self._records is None:
            self.refresh()
        with self._guard:
            return sorted(self._records or ())

    def seen_record(self, key: str) -> RemoteObject | None:
        """``records/<key>.json`` as this run last saw it in the store (listed, read or
        written by it), else ``None``."""
        with self._guard:
            return (self._records or {}).get(key)

    def seen_wheel(self, filename: str) -> RemoteObject | None:
        """``wheels/<filename>`` as this run last saw it in the store, else ``None``."""
        with self._guard:
            return self._wheels.get(filename)

    # -- records ----------------------------------------------------------------

    def read_record(self, key: str) -> Attempt | None:
        """The store's record of ``key`` (the local copy when it is the same bytes)."""
        if self._records is None:
            self.refresh()
        assert self._records is not None
        listed = self._records.get(key)
        local = self.records / f"{key}.json"
        if listed is not None:
            with contextlib.suppress(OSError, ValueError):
                data = local.read_bytes()
                if etag_of(data) == listed.etag:
                    return Attempt.loads(data)
        # Not listed at the start, or changed: ask the store (a key about to be built).
        fetched = self.remote.get(f"records/{key}.json")
        if fetched is None:
            return None
        with self._guard:
            self._records[key] = RemoteObject(key, fetched.etag, len(fetched.data))
        write_atomic(local, fetched.data, tmp_dir=self.tmp)
        try:
            return Attempt.loads(fetched.data)
        except ValueError:
            return None  # unreadable: treated as absent, the key is redone

    def is_current(self, record: Attempt | None, *, verify: bool = False) -> bool:
        """Whether a successful record's wheel is in the store with the recorded size.

        Objects are written create-only and checked against their record's sha256
        whenever they are copied out (``sync``, ``publish``), so ``verify`` adds
        nothing here."""
        if record is None or record.status != "ok" or not record.wheel:
            return False
        with self._guard:
            listed = self._wheels.get(record.wheel)
        if listed is None:
            listed = self.remote.head(f"wheels/{record.wheel}")
            if listed is not None:
                with self._guard:
                    self._wheels[record.wheel] = listed
        return listed is not None and listed.size == record.size

    def claim(
        self, name: str, check: Callable[[], None] | None = None, *, pin: str = ""
    ) -> contextlib.AbstractContextManager[object]:
        return _claimed(self, name, check, pin)

    def write_record(self, record: Attempt) -> None:
        """Publish a settled key to the store (wheel, attempt, log, record), then locally."""
        if record.ok and record.wheel:
            self._push_wheel(record.wheel, record.sha256)
        self._push_attempt(record)
        self._push_record(record)
        super().write_record(record)

    def _push_wheel(self, filename: str, sha256: str | None) -> None:
        path = self.wheels / filename
        with self._guard:
            known = self._wheels.get(filename)
        if known is None:
            try:
                etag = self.remote.upload(
                    f"wheels/{filename}", path, content_type="application/octet-stream"
                )
                with self._guard:
                    self._wheels[filename] = RemoteObject(
                        f"wheels/{filename}", etag, path.stat().st_size
                    )
                return
            except PreconditionFailed:
                pass
        # The name is taken: fine if it holds the same bytes, never replaced otherwise.
        theirs = self.tmp / f".{filename}.{threading.get_ident()}.check"
        try:
            if not self.remote.download(f"wheels/{filename}", theirs):
                raise WheelConflict(f"{self.remote.url}: wheels/{filename} vanished; build again")
            if sha256_file(theirs) != (sha256 or sha256_file(path)):
                raise WheelConflict(
                    f"{self.remote.url}: wheels/{filename} already holds another build of "
                    "this wheel, and a stored wheel is never replaced; remove it from the "
                    "store (`wheelmill gc`) or change the version to publish this one"
                )
        finally:
            with contextlib.suppress(FileNotFoundError):
                theirs.unlink()

    def _push_attempt(self, record: Attempt) -> None:
        stamp = f"{record.created:.6f}-{Path(record.log).stem if record.log else 'fetch'}"
        if record.log and Path(record.log).is_file():
            with contextlib.suppress(PreconditionFailed):
                self.remote.upload(f"logs/{Path(record.log).name}", Path(record.log))
        with contextlib.suppress(PreconditionFailed):
            self.remote.put_if_absent(
                f"attempts/{record.key}/{stamp}.json",
                record.dumps(),
                content_type="application/json",
            )

    def _push_record(self, record: Attempt) -> None:
        key = f"records/{record.key}.json"
        data = record.dumps()
        try:
            etag = self.remote.put_if_absent(key, data, content_type="application/json")
        except PreconditionFailed:
            theirs = self.remote.get(key)
            if theirs is None:
                return self._push_record(record)
            with contextlib.suppress(ValueError):
                if Attempt.loads(theirs.data).ok:
                    return None  # another builder settled it (its lease outlived ours)
            try:  # a failure is replaced by this later attempt, unless it changed meanwhile
                etag = self.remote.put_if_match(key, data, theirs.etag)
            except PreconditionFailed:
                return None
        with self._guard:
            if self._records is not None:
                self._records[record.key] = RemoteObject(key, etag, len(data))
        return None


@contextlib.contextmanager
def _claimed(
    store: TeamStore, name: str, check: Callable[[], None] | None, pin: str
) -> Iterator[None]:
    lease = leased(store.remote, name, ttl=store.lease_seconds, check=check, pin=pin)
    with store.lock(name), lease:
        yield


def open_store(
    wheelhouse: Path,
    url: str | None,
    *,
    endpoint_url: str | None = None,
    lease_seconds: float = DEFAULT_TTL,
) -> Store:
    """The local wheelhouse, behind the object store at ``url`` when there is one."""
    if not url:
        return Store(wheelhouse)
    return TeamStore(wheelhouse, open_remote(url, endpoint_url), lease_seconds=lease_seconds)


def open_remote(url: str, endpoint_url: str | None = None) -> Remote:
    """An object store by URL: ``s3://bucket/prefix``, or ``file:///dir`` (a shared disk)."""
    if url.startswith("file://"):
        from urllib.parse import unquote, urlsplit

        from .remote import DirectoryRemote

        return DirectoryRemote(Path(unquote(urlsplit(url).path)))
    from .s3 import S3Remote

    return S3Remote(url, endpoint_url=endpoint_url)
