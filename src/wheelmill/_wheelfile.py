"""Read and check wheel files: the one place that opens a wheel's zip."""

from __future__ import annotations

import io
import lzma
import zipfile
import zlib
from email.parser import BytesHeaderParser
from pathlib import Path

from packaging.utils import (
    InvalidWheelFilename,
    NormalizedName,
    canonicalize_name,
    parse_wheel_filename,
)
from packaging.version import Version

from ._exceptions import InvalidWheelError

#: What reading a damaged or hostile zip can raise besides ``BadZipFile``: a broken
#: deflate stream (``zlib.error``), an unknown compression method
#: (``NotImplementedError``), a broken bzip2 (``OSError``) or lzma stream, an
#: encrypted member (``RuntimeError``: "password required").
_ZIP_ERRORS = (
    RuntimeError,
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    EOFError,
    ValueError,
    OSError,
    NotImplementedError,
    zlib.error,
    lzma.LZMAError,
)


def wheel_project(filename: str) -> tuple[NormalizedName, Version]:
    """Name and version from a wheel filename; a bad name is an :class:`InvalidWheelError`."""
    try:
        name, version, _, _ = parse_wheel_filename(filename)
    except InvalidWheelFilename as exc:
        raise InvalidWheelError(f"{filename}: not a valid wheel filename ({exc})") from None
    return name, version


def _metadata_member(archive: zipfile.ZipFile, filename: str) -> str:
    name, _ = wheel_project(filename)
    candidates = [
        member
        for member in archive.namelist()
        if member.count("/") == 1 and member.endswith(".dist-info/METADATA")
    ]
    for member in candidates:
        dist = member.split("/", 1)[0][: -len(".dist-info")].rsplit("-", 1)[0]
        if canonicalize_name(dist) == name:
            return member
    if len(candidates) == 1:
        return candidates[0]
    raise InvalidWheelError(f"{filename}: no .dist-info/METADATA for {name} inside the wheel")


def metadata_bytes(data: bytes, filename: str, *, check_crc: bool = False) -> bytes:
    """The exact bytes of the wheel's ``METADATA``, after checking it matches the filename."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if check_crc:
                broken = archive.testzip()
                if broken is not None:
                    raise InvalidWheelError(f"{filename}: corrupted member {broken}")
            member = _metadata_member(archive, filename)
            metadata = archive.read(member)
    except _ZIP_ERRORS as exc:
        raise InvalidWheelError(f"{filename}: not a readable zip archive ({exc})") from None
    headers = BytesHeaderParser().parsebytes(metadata)
    name, version = wheel_project(filename)
    meta_name, meta_version = headers.get("Name"), headers.get("Version")
    if not meta_name or canonicalize_name(str(meta_name)) != name:
        raise InvalidWheelError(f"{filename}: METADATA names {meta_name!r}, not {name}")
    try:
        if Version(str(meta_version)) != version:
            raise InvalidWheelError(
                f"{filename}: METADATA has version {meta_version}, not {version}"
            )
    except ValueError:
        raise InvalidWheelError(
            f"{filename}: METADATA version {meta_version!r} is invalid"
        ) from None
    return metadata


def check_wheel(path: Path, filename: str | None = None) -> bytes:
    """Fully check a wheel on disk (zip CRCs included); return its METADATA bytes."""
    return metadata_bytes(path.read_bytes(), filename or path.name, check_crc=True)


def metadata_field(metadata: bytes, field: str) -> str | None:
    value = BytesHeaderParser().parsebytes(metadata).get(field)
    return None if value is None else str(value)
