"""Unpack sdists without trusting them.

Every member is checked before anything is written: no absolute paths, no ``..``,
no device files, no link pointing outside the tree. One bad member rejects the
whole archive (:class:`UnsafeArchiveError`), so a hostile sdist writes nothing.
"""

from __future__ import annotations

import posixpath
import re
import tarfile
import zipfile
from pathlib import Path, PurePosixPath

from ._exceptions import UnsafeArchiveError

_DRIVE = re.compile(r"^[A-Za-z]:")


def _check_name(name: str, archive: str) -> None:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or _DRIVE.match(name):
        raise UnsafeArchiveError(f"{archive}: member {name!r} has an absolute path; refusing it")
    if ".." in path.parts:
        raise UnsafeArchiveError(f"{archive}: member {name!r} escapes the tree with '..'")
    if "\x00" in name:
        raise UnsafeArchiveError(f"{archive}: member {name!r} has a NUL byte")


def _check_link(member: tarfile.TarInfo, archive: str) -> None:
    target = member.linkname.replace("\\", "/")
    if member.issym():
        base = posixpath.dirname(member.name)
        resolved = posixpath.normpath(posixpath.join(base, target))
    else:  # hard link: relative to the archive root
        resolved = posixpath.normpath(target)
    if posixpath.isabs(target) or resolved == ".." or resolved.startswith("../"):
        raise UnsafeArchiveError(
            f"{archive}: link {member.name!r} -> {member.linkname!r} points outside the tree"
        )


def _extract_tar(path: Path, dest: Path) -> None:
    with tarfile.open(path) as archive:
        members = archive.getmembers()
        for member in members:
            _check_name(member.name, path.name)
            if member.issym() or member.islnk():
                _check_link(member, path.name)
            elif not (member.isfile() or member.isdir()):
                raise UnsafeArchiveError(
                    f"{path.name}: member {member.name!r} is a device or fifo; refusing it"
                )
        if hasattr(tarfile, "data_filter"):
            archive.extractall(dest, members=members, filter="data")
        else:  # pragma: no cover - interpreters without PEP 706
            for member in members:
                member.mode = (member.mode | 0o600) & 0o755
            archive.extractall(dest, members=members)


def _extract_zip(path: Path, dest: Path) -> None:
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            _check_name(info.filename, path.name)
            if (info.external_attr >> 16) & 0o170000 == 0o120000:
                raise UnsafeArchiveError(f"{path.name}: member {info.filename!r} is a symlink")
        archive.extractall(dest)


def unpack_sdist(path: Path, dest: Path) -> Path:
    """Unpack ``path`` into ``dest`` safely; return the project's source directory."""
    dest.mkdir(parents=True, exist_ok=True)
    try:
        if path.name.endswith(".zip"):
            _extract_zip(path, dest)
        else:
            _extract_tar(path, dest)
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError) as exc:
        raise UnsafeArchiveError(f"{path.name}: not a readable sdist archive ({exc})") from None
    entries = [entry for entry in dest.iterdir() if not entry.name.startswith(".")]
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return dest
