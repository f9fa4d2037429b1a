"""Unpack sdists without trusting them.

Every member is checked before anything is written: no absolute paths, no ``..``,
no device files, no link pointing outside the tree. Links are followed the way the
file system will follow them once extracted (a link through another link counts),
so no chain of in-tree-looking links can lead a later member outside. One bad
member rejects the whole archive (:class:`UnsafeArchiveError`), so a hostile sdist
writes nothing.

Size is capped too (``build.max_unpacked_mb``): the members' declared sizes are
added up while the headers are read, so a bomb is refused at its header before
its data is decompressed, and the bytes each member put on disk are counted again
during extraction. A full disk is reported as one, not as an unreadable archive.
"""

from __future__ import annotations

import errno
import os
import re
import tarfile
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import TypeVar

from .._exceptions import UnsafeArchiveError, WheelmillError

_DRIVE = re.compile(r"^[A-Za-z]:")
#: Links followed before a path counts as a loop (the kernel's limit is 40 too).
_MAX_LINKS = 40
_MIB = 1 << 20
_DISK_FULL = (errno.ENOSPC, errno.EDQUOT)
_Member = TypeVar("_Member", tarfile.TarInfo, zipfile.ZipInfo)


class _Budget:
    """Bytes an sdist may unpack to; ``cap_mb`` 0 means no cap."""

    def __init__(self, archive: str, cap_mb: int) -> None:
        self.archive = archive
        self.cap_mb = cap_mb
        self.declared = 0
        self.written = 0

    def _check(self, total: int, how: str) -> None:
        if self.cap_mb and total > self.cap_mb * _MIB:
            raise UnsafeArchiveError(
                f"{self.archive}: its members {how} more than {self.cap_mb} MiB "
                f"(build.max_unpacked_mb); refusing to unpack it. If this sdist is that large "
                "on purpose, raise max_unpacked_mb under [build] or [packages.NAME] in the config"
            )

    def declare(self, size: int) -> None:
        self.declared += max(size, 0)
        self._check(self.declared, "declare")

    def extracting(self, members: Iterable[_Member], dest: Path) -> Iterator[_Member]:
        """Yield ``members`` to an ``extractall``, counting what each one wrote."""
        for member in members:
            yield member
            if isinstance(member, tarfile.TarInfo) and not member.isfile():
                continue
            if isinstance(member, zipfile.ZipInfo) and member.is_dir():
                continue
            name = member.name if isinstance(member, tarfile.TarInfo) else member.filename
            try:
                self.written += os.lstat(dest / name).st_size
            except OSError:
                continue
            self._check(self.written, "wrote")


def _check_name(name: str, archive: str) -> None:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or _DRIVE.match(name):
        raise UnsafeArchiveError(f"{archive}: member {name!r} has an absolute path; refusing it")
    if ".." in path.parts:
        raise UnsafeArchiveError(f"{archive}: member {name!r} escapes the tree with '..'")
    if "\x00" in name:
        raise UnsafeArchiveError(f"{archive}: member {name!r} has a NUL byte")


def _parts(name: str) -> list[str]:
    return [part for part in name.replace("\\", "/").split("/") if part not in ("", ".")]


def _resolve(name: str, links: dict[str, str], budget: list[int]) -> list[str] | None:
    """Where ``name`` lands below the root once the archive's symlinks exist, or ``None``.

    ``None`` means the path leaves the tree (``..`` above the root, an absolute
    link) or loops. ``links`` maps every symlink member to its target.
    """
    resolved: list[str] = []
    for part in _parts(name):
        if part == "..":
            if not resolved:
                return None
            resolved.pop()
            continue
        resolved.append(part)
        target = links.get("/".join(resolved))
        if target is None:
            continue
        budget[0] -= 1
        if budget[0] < 0 or target.replace("\\", "/").startswith("/") or _DRIVE.match(target):
            return None
        followed = _resolve("/".join([*resolved[:-1], target]), links, budget)
        if followed is None:
            return None
        resolved = followed
    return resolved


def _check_links(members: list[tarfile.TarInfo], archive: str) -> None:
    links = {"/".join(_parts(m.name)): m.linkname for m in members if m.issym()}
    seen: set[str] = set()
    for member in members:
        name = "/".join(_parts(member.name))
        if _resolve(member.name, links, [_MAX_LINKS]) is None:
            what = "link" if member.issym() else "member"
            target = f" -> {member.linkname!r}" if member.issym() else ""
            raise UnsafeArchiveError(
                f"{archive}: {what} {member.name!r}{target} points outside the tree"
            )
        if member.islnk():
            target_name = "/".join(_parts(member.linkname))
            if _resolve(member.linkname, links, [_MAX_LINKS]) is None or (target_name not in seen):
                raise UnsafeArchiveError(
                    f"{archive}: hard link {member.name!r} -> {member.linkname!r} does not "
                    "point to an earlier file of the archive"
                )
        seen.add(name)


def _extract_tar(path: Path, dest: Path, budget: _Budget) -> None:
    with tarfile.open(path) as archive:
        members = []
        for member in archive:  # header by header: a bomb stops here, its data unread
            _check_name(member.name, path.name)
            if not (member.isfile() or member.isdir() or member.issym() or member.islnk()):
                raise UnsafeArchiveError(
                    f"{path.name}: member {member.name!r} is a device or fifo; refusing it"
                )
            if member.isfile():
                budget.declare(member.size)
            members.append(member)
        _check_links(members, path.name)
        if hasattr(tarfile, "data_filter"):
            archive.extractall(dest, members=budget.extracting(members, dest), filter="data")
        else:  # pragma: no cover - interpreters without PEP 706
            for member in members:
                member.mode = (member.mode | 0o600) & 0o755
            # members checked above
            archive.extractall(dest, members=budget.extracting(members, dest))  # noqa: S202


def _extract_zip(path: Path, dest: Path, budget: _Budget) -> None:
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            _check_name(info.filename, path.name)
            if (info.external_attr >> 16) & 0o170000 == 0o120000:
                raise UnsafeArchiveError(f"{path.name}: member {info.filename!r} is a symlink")
            budget.declare(info.file_size)
        # every name checked above
        archive.extractall(dest, members=budget.extracting(archive.infolist(), dest))  # noqa: S202


_FILTER_ERRORS: tuple[type[Exception], ...] = (
    (tarfile.FilterError,) if hasattr(tarfile, "FilterError") else ()
)


def unpack_sdist(path: Path, dest: Path, *, max_unpacked_mb: int = 0) -> Path:
    """Unpack ``path`` into ``dest`` safely; return the project's source directory.

    ``max_unpacked_mb`` caps the total size of its members (0: no cap).
    """
    dest.mkdir(parents=True, exist_ok=True)
    budget = _Budget(path.name, max_unpacked_mb)
    try:
        if path.name.endswith(".zip"):
            _extract_zip(path, dest, budget)
        else:
            _extract_tar(path, dest, budget)
    except _FILTER_ERRORS as exc:  # the standard library's own check, as a second line
        raise UnsafeArchiveError(f"{path.name}: refusing an unsafe member ({exc})") from None
    except OSError as exc:
        if exc.errno in _DISK_FULL:
            raise WheelmillError(
                f"{path.name}: the disk is full: cannot unpack it into {dest} "
                f"({os.strerror(exc.errno)}); free space there, then build again"
            ) from None
        if exc.errno is not None and exc.filename is not None:
            raise WheelmillError(
                f"{path.name}: cannot unpack it into {dest} ({exc.strerror}: {exc.filename}); "
                "check that the wheelhouse is writable"
            ) from None
        raise UnsafeArchiveError(f"{path.name}: not a readable sdist archive ({exc})") from None
    except (tarfile.TarError, zipfile.BadZipFile, EOFError) as exc:
        raise UnsafeArchiveError(f"{path.name}: not a readable sdist archive ({exc})") from None
    entries = [entry for entry in dest.iterdir() if not entry.name.startswith(".")]
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return dest
