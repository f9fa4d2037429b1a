"""The object store a team shares: one small interface, two implementations.

wheelmill coordinates builders through the object store alone, with the two
conditional writes S3 offers: create only (``If-None-Match: *``) and replace
only an unchanged object (``If-Match: <etag>``). :class:`Remote` is all the
rest of wheelmill sees; :class:`~wheelmill.store.s3.S3Remote` speaks S3 (AWS,
MinIO, R2, Ceph, SeaweedFS) and :class:`DirectoryRemote` keeps the same
semantics in a local directory (tests of the logic, a shared file system).

Keys are ``/``-separated paths under the store's prefix; the layout::

    wheels/<filename>            immutable: a second, different wheel never replaces it
    records/<key>.json           what a build key produced (create-only; a failure may be
                                 replaced, with If-Match, by a later attempt)
    attempts/<key>/<stamp>.json  every attempt, with its diagnosis
    logs/<name>.log              the log of every built attempt
    leases/<name>.json           who is building a key, until when
    simple/, status/             the published index (``publish --store``)
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from .._exceptions import WheelmillError


class PreconditionFailed(WheelmillError):
    """A conditional write lost: the object exists (create-only) or changed (If-Match)."""


@dataclass(frozen=True)
class RemoteObject:
    """An object as a listing or a head shows it."""

    key: str
    etag: str
    size: int
    modified: float = 0.0  # seconds since the epoch, by the store's clock (listings only)


@dataclass(frozen=True)
class Fetched:
    """An object's bytes, its etag, and how old it is by the server's own clock."""

    data: bytes
    etag: str
    age: float


class Remote(Protocol):
    """An object store under one prefix. Missing objects are ``None``, never errors."""

    url: str

    def get(self, key: str) -> Fetched | None: ...

    def head(self, key: str) -> RemoteObject | None: ...

    def list(self, prefix: str) -> list[RemoteObject]: ...

    def put(self, key: str, data: bytes, *, content_type: str | None = None) -> str: ...

    def put_if_absent(self, key: str, data: bytes, *, content_type: str | None = None) -> str:
        """Create ``key``; :class:`PreconditionFailed` if it exists. Returns the etag."""
        ...

    def put_if_match(self, key: str, data: bytes, etag: str) -> str:
        """Replace ``key`` if its etag is still ``etag``, else :class:`PreconditionFailed`."""
        ...

    def delete(self, key: str, *, etag: str | None = None) -> None: ...

    def download(self, key: str, path: Path) -> bool:
        """Write an object to ``path`` (a temp file the caller renames); ``False`` if absent."""
        ...

    def upload(self, key: str, path: Path, *, content_type: str | None = None) -> str:
        """Create ``key`` from a file, create-only (:class:`PreconditionFailed`)."""
        ...


def etag_of(data: bytes) -> str:
    return '"' + hashlib.md5(data, usedforsecurity=False).hexdigest() + '"'


class DirectoryRemote:
    """:class:`Remote` in a local directory, conditional writes kept under a file lock."""

    def __init__(self, root: Path) -> None:
        self.root = root.absolute()
        self.url = self.root.as_uri()
        self.root.mkdir(parents=True, exist_ok=True)
        from filelock import FileLock  # here: the S3 client's module needs none of it

        self._lock = FileLock(str(self.root.parent / f".{self.root.name}.lock"))

    def _path(self, key: str) -> Path:
        parts = key.split("/")
        if any(part in ("", ".", "..") for part in parts):
            raise WheelmillError(f"{key!r}: not a valid object key")
        return self.root.joinpath(*parts)

    def get(self, key: str) -> Fetched | None:
        path = self._path(key)
        try:
            data = path.read_bytes()
            age = time.time() - path.stat().st_mtime
        except (FileNotFoundError, IsADirectoryError):
            return None
        return Fetched(data, etag_of(data), age)

    def head(self, key: str) -> RemoteObject | None:
        fetched = self.get(key)
        return None if fetched is None else RemoteObject(key, fetched.etag, len(fetched.data))

    def list(self, prefix: str) -> list[RemoteObject]:
        base = self._path(prefix.rstrip("/")) if prefix.strip("/") else self.root
        found = []
        for path in sorted(base.rglob("*")) if base.is_dir() else []:
            if path.is_file() and not path.name.startswith(".tmp-"):
                data = path.read_bytes()
                key = path.relative_to(self.root).as_posix()
                modified = path.stat().st_mtime
                found.append(RemoteObject(key, etag_of(data), len(data), modified))
        return found

    def _write(self, key: str, data: bytes) -> str:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
        temp.write_bytes(data)
        os.replace(temp, path)
        return etag_of(data)

    def put(self, key: str, data: bytes, *, content_type: str | None = None) -> str:
        with self._lock:
            return self._write(key, data)

    def put_if_absent(self, key: str, data: bytes, *, content_type: str | None = None) -> str:
        with self._lock:
            if self._path(key).exists():
                raise PreconditionFailed(f"{key}: already exists")
            return self._write(key, data)

    def put_if_match(self, key: str, data: bytes, etag: str) -> str:
        with self._lock:
            current = self.head(key)
            if current is None or current.etag != etag:
                raise PreconditionFailed(f"{key}: changed meanwhile")
            return self._write(key, data)

    def delete(self, key: str, *, etag: str | None = None) -> None:
        with self._lock:
            current = self.head(key)
            if current is None:
                return
            if etag is not None and current.etag != etag:
                raise PreconditionFailed(f"{key}: changed meanwhile")
            with contextlib.suppress(FileNotFoundError):
                self._path(key).unlink()

    def download(self, key: str, path: Path) -> bool:
        fetched = self.get(key)
        if fetched is None:
            return False
        path.write_bytes(fetched.data)
        return True

    def upload(self, key: str, path: Path, *, content_type: str | None = None) -> str:
        return self.put_if_absent(key, path.read_bytes())
