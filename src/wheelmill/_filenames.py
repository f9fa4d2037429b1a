"""Check the names an index gives its files before any of them becomes a path.

A lock's hashes cover a file's bytes, not its name, so a name is checked on its
own: it must be a plain file name (no separator, no NUL, no control character,
not ``.`` or ``..``) and, to serve a pin, a wheel or sdist filename of exactly
that pin. Used where an index page is parsed and again wherever the store turns
a name into a path.
"""

from __future__ import annotations

import re

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    NormalizedName,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from ._exceptions import UnsafeFilenameError, excerpt

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
#: A control character (C0 or DEL): one regex search, not a test per character
#: (an index page holds thousands of names).
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def unsafe_reason(filename: str) -> str | None:
    """Why ``filename`` is not a plain file name, or ``None`` when it is one."""
    if not filename:
        return "it is empty"
    if "\x00" in filename:
        return "it has a NUL byte"
    if "/" in filename or "\\" in filename:
        return "it has a path separator"
    if filename in (".", ".."):
        return "it names a directory"
    if _CONTROL.search(filename):
        return "it has a control character"
    return None


def plain_filename(filename: str, refusing: str = "refusing it") -> str:
    """``filename`` itself when it is a plain file name; else :class:`UnsafeFilenameError`.

    ``refusing`` says what is refused because of it (the file, a whole page).
    """
    reason = unsafe_reason(filename)
    if reason is not None:
        raise UnsafeFilenameError(
            f"{excerpt(filename)} is not a plain file name ({reason}); {refusing}: "
            "the index that offered it is broken or hostile"
        )
    return filename


def checked_sha256(value: str, refusing: str = "refusing it") -> str:
    """A sha256 hex digest (lower case); anything else is :class:`UnsafeFilenameError`."""
    digest = value.lower()
    if not _SHA256.match(digest):
        raise UnsafeFilenameError(
            f"{excerpt(value)} is not a sha256 digest; {refusing}: "
            "the index that offered it is broken or hostile"
        )
    return digest


def distribution_of(filename: str) -> tuple[NormalizedName, Version] | None:
    """Project and version of a wheel or sdist filename; ``None`` when it is neither."""
    if unsafe_reason(filename) is not None:
        return None
    try:
        if filename.endswith(".whl"):
            name, version, _, _ = parse_wheel_filename(filename)
        else:
            name, version = parse_sdist_filename(filename)
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return None
    return name, version
