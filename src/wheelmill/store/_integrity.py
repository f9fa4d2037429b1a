"""Is a wheel in ``wheels/`` still the file wheelmill stored?

When the store takes a wheel in, it writes what it took beside its own state:
``.wheelmill/stored/<wheel>.json`` holds the wheel's sha256, and the size, mtime
and inode it has in ``wheels/``. Those are the truth every later reader checks
against, by file name, so a reader that looks at a few wheels reads a few
small files, never every build record:

* a wheel whose size, mtime and inode are still those is taken as unchanged (a
  stat; ``--verify`` hashes it anyway);
* otherwise it is hashed, and any other sha256 means it changed (a flipped
  byte, a truncation, a file put over it): it is not published, and the next
  ``build`` replaces it;
* a wheel the store has no word on (copied in by hand) is checked as an
  archive instead: every member's CRC and the expansion bounds of
  :mod:`wheelmill.store._wheelfile`.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from stat import S_ISLNK, S_ISREG
from typing import NamedTuple

from .._exceptions import InvalidWheelError
from ._wheelfile import WheelMetadata, read_metadata

STORED_DIR = "stored"


class Stored(NamedTuple):
    """What the store remembers of a wheel it put into ``wheels/``."""

    sha256: str
    size: int
    mtime_ns: int
    inode: int
    #: When the wheel reached the wheelhouse's source: the upstream index's upload
    #: time for a fetched wheel, the build (or ``add``) time otherwise (PEP 700 form).
    upload_time: str | None = None

    def matches(self, info: os.stat_result) -> bool:
        """Whether ``info`` (the wheel's stat) is still the stored file's."""
        return (self.size, self.mtime_ns, self.inode) == (
            info.st_size,
            info.st_mtime_ns,
            info.st_ino,
        )


def stored_path(state: str | Path, filename: str) -> str:
    """Where the store keeps what it stored as ``wheels/<filename>``."""
    return os.path.join(state, STORED_DIR, f"{filename}.json")


def read_stored(path: str) -> Stored | None:
    """The remembered facts, or ``None`` (never stored, or an unreadable file)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)  # cheaper than open() to fail
    except OSError:
        return None  # most often: a wheel put in by hand
    try:
        with os.fdopen(fd, "rb") as stream:
            data = json.loads(stream.read())
        uploaded = data.get("upload_time")
        return Stored(
            str(data["sha256"]),
            int(data["size"]),
            int(data["mtime_ns"]),
            int(data["inode"]),
            uploaded if isinstance(uploaded, str) else None,
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


class StoredRecords:
    """:func:`read_stored` for the ``wheels`` wheels one reader is about to read: when
    they are many (at least :data:`LIST_FROM`), one listing of the records first, so
    that a wheel put in by hand costs no failed ``open`` (about 10 µs each); for a
    few, each is looked for directly. A record written after the listing belongs to a
    wheel stored after the caller listed ``wheels/``, which this reader does not read.
    """

    LIST_FROM = 64

    def __init__(self, state: str | Path, wheels: int) -> None:
        self._state = state
        self._names: frozenset[str] | None = None
        if wheels >= self.LIST_FROM:
            try:
                self._names = frozenset(os.listdir(os.path.join(state, STORED_DIR)))
            except FileNotFoundError:
                self._names = frozenset()
            except OSError:
                pass  # each is looked for, and its error seen there

    def read(self, filename: str) -> Stored | None:
        path = stored_path(self._state, filename)
        if self._names is not None and os.path.basename(path) not in self._names:
            return None
        return read_stored(path)


def stored_json(stored: Stored) -> bytes:
    return json.dumps(stored._asdict(), sort_keys=True).encode()


def not_regular(filename: str, info: os.stat_result) -> str | None:
    """Why a ``wheels/`` entry cannot be published as it is (a link, a directory…)."""
    if S_ISLNK(info.st_mode):
        return (
            f"{filename}: a symbolic link, left out; wheels/ must hold the wheel files "
            "themselves (copy the file in)"
        )
    if not S_ISREG(info.st_mode):
        return f"{filename}: not a regular file, left out"
    return None


def read_regular(path: str) -> bytes:
    """A regular file's bytes, never through a symbolic link (``OSError`` else)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
    try:
        info = os.fstat(fd)
        if not S_ISREG(info.st_mode):
            raise IsADirectoryError(f"{path}: not a regular file")
        size = info.st_size
        data = os.read(fd, size + 1)
        if len(data) <= size:  # a short read of a regular file: its end
            return data
        chunks = [data]  # it grew since
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def inspect(data: bytes, filename: str, recorded: str | None) -> tuple[str, WheelMetadata]:
    """The wheel's sha256 and METADATA, once its bytes are known good.

    ``recorded`` is the sha256 the store took it in with: any other is a
    change. The stored file was fully checked then, so a match needs no more;
    without a record, every member's CRC and the expansion bounds are checked.
    """
    digest = hashlib.sha256(data).hexdigest()
    if recorded is not None and digest != recorded:
        raise InvalidWheelError(
            f"{filename}: changed since it was stored (sha256 {digest[:16]}…, stored "
            f"{recorded[:16]}…)"
        )
    return digest, read_metadata(data, filename, check_crc=recorded is None)


def wheel_problem(path: Path, state: Path, *, verify: bool = False) -> str | None:
    """What is wrong with ``path`` (a wheel in ``wheels/``), or ``None``; reads nothing
    but a stat and a small file for a stored wheel that did not change."""
    try:
        info = os.lstat(path)
    except OSError as exc:
        return f"{path.name}: {exc.strerror}"
    odd = not_regular(path.name, info)
    if odd is not None:
        return odd
    stored = read_stored(stored_path(state, path.name))
    if stored is not None and stored.matches(info) and not verify:
        return None
    try:
        data = read_regular(str(path))
        inspect(data, path.name, stored.sha256 if stored is not None else None)
    except InvalidWheelError as exc:
        return str(exc)
    except OSError as exc:
        return f"{path.name}: cannot be read ({exc.strerror or exc})"
    return None
