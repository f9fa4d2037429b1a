"""Read and check wheel files: the one place that opens a wheel's zip.

A full check (:func:`check_wheel`, ``check_crc``) refuses an archive that would
expand far beyond its own size before reading any member, then reads every
member in bounded chunks, checking its CRC-32 and its declared size. A wheel
whose sha256 a lock or an index vouched for (``members=False``) gets the bounds
and its METADATA checked, not every member: the digest already proves the bytes
are the publisher's own, whole. The bounds
(see :data:`MAX_EXPANDED`, :data:`MAX_RATIO`, :data:`RATIO_FROM`) let any real
wheel through while a zip bomb cannot make a reader write gigabytes.
"""

from __future__ import annotations

import io
import lzma
import zlib
from pathlib import Path
from typing import NamedTuple

from packaging.version import Version

from .._exceptions import InvalidWheelError
from .._wheelname import canonical_name as canonicalize_name
from .._wheelname import wheel_name_version
from ._zipdirect import direct_metadata

TYPE_CHECKING = False  # as typing's
if TYPE_CHECKING:
    import zipfile

    from packaging.utils import NormalizedName


def _zip_errors() -> tuple[type[Exception], ...]:
    """What reading a damaged or hostile zip can raise besides ``BadZipFile``: a broken
    deflate stream (``zlib.error``), an unknown compression method
    (``NotImplementedError``), a broken bzip2 (``OSError``) or lzma stream, an
    encrypted member (``RuntimeError``: "password required").

    :mod:`zipfile` (with :mod:`threading`) is loaded only when a wheel falls back to
    it (:mod:`._zipdirect` reads the common ones): a +1 publish does not load it."""
    import zipfile

    return (
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


_METADATA_SUFFIX = ".dist-info/METADATA"
#: The headers a published wheel needs from its METADATA.
_WANTED = ("name", "version", "requires-python")
#: A wheel may expand to this much in all, at most (the largest real wheels: a few GiB).
MAX_EXPANDED = 8 << 30
#: Past :data:`RATIO_FROM` expanded, a member may be at most this many times its compressed
#: size, and the whole archive this many times the wheel's size. Code and data compress
#: 2-20:1; a zip bomb, 1000:1 and more.
MAX_RATIO = 200
RATIO_FROM = 64 << 20
_CHUNK = 1 << 20


class WheelMetadata(NamedTuple):
    """A wheel's checked ``METADATA``: its exact bytes and the fields the index uses
    (a named tuple: a publish loads no :mod:`dataclasses`)."""

    project: NormalizedName  # from the filename, which METADATA agrees with
    version: Version
    display: str  # METADATA's own spelling of the name
    requires_python: str | None
    raw: bytes


def wheel_project(filename: str) -> tuple[NormalizedName, Version]:
    """Name and version from a wheel filename; a bad name is an :class:`InvalidWheelError`."""
    try:
        return wheel_name_version(filename)
    except ValueError as exc:  # packaging's InvalidWheelFilename
        raise InvalidWheelError(f"{filename}: not a valid wheel filename ({exc})") from None


def _choose_member(candidates: list[str], name: NormalizedName) -> str | None:
    """The ``*.dist-info/METADATA`` that belongs to project ``name`` (or the only one)."""
    for member in candidates:
        dist = member.split("/", 1)[0][: -len(".dist-info")].rsplit("-", 1)[0]
        if canonicalize_name(dist) == name:
            return member
    return candidates[0] if len(candidates) == 1 else None


def _direct_metadata(
    data: bytes, name: NormalizedName, *, check_all: bool = False, members: bool = True
) -> bytes | None:
    """METADATA's bytes by the fast reader (:mod:`wheelmill.store._zipdirect`), or ``None``:
    then :mod:`zipfile` decides. ``check_all``: the whole archive too, as ``check_crc``
    (with ``members`` false, its expansion bounds only)."""
    limits = (MAX_EXPANDED, MAX_RATIO, RATIO_FROM) if check_all else None
    return direct_metadata(
        data, lambda found: _choose_member(found, name), check_all=limits, every_member=members
    )


def _mib(size: int) -> str:
    return f"{size / (1 << 20):,.1f} MiB"


def check_expansion(infos: list[zipfile.ZipInfo], archive_size: int, filename: str) -> None:
    """Refuse an archive whose members declare too much, for their size (a zip bomb)."""
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > RATIO_FROM and info.file_size > MAX_RATIO * info.compress_size:
            raise InvalidWheelError(
                f"{filename}: member {info.filename} expands to {_mib(info.file_size)} from "
                f"{_mib(info.compress_size)}, more than {MAX_RATIO}:1 (a zip bomb?); refused"
            )
    if total > MAX_EXPANDED:
        raise InvalidWheelError(
            f"{filename}: expands to {_mib(total)}, more than {MAX_EXPANDED >> 30} GiB "
            "(a zip bomb?); refused"
        )
    if total > RATIO_FROM and total > MAX_RATIO * archive_size:
        raise InvalidWheelError(
            f"{filename}: expands to {_mib(total)} from {_mib(archive_size)}, more than "
            f"{MAX_RATIO}:1 (a zip bomb?); refused"
        )


def _check_members(archive: zipfile.ZipFile, filename: str) -> None:
    """Read every member in bounded chunks: its CRC-32, and no more than its declared size."""
    import zipfile

    errors = _zip_errors()
    for info in archive.infolist():
        left = info.file_size
        try:
            with archive.open(info) as member:
                while chunk := member.read(_CHUNK):
                    left -= len(chunk)
                    if left < 0:
                        raise zipfile.BadZipFile("longer than its declared size")
        except errors as exc:
            raise InvalidWheelError(
                f"{filename}: corrupted member {info.filename} ({exc})"
            ) from None


def _zipfile_metadata(
    data: bytes, filename: str, name: NormalizedName, check_crc: bool, members: bool = True
) -> bytes:
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if check_crc:
                check_expansion(archive.infolist(), len(data), filename)
                if members:
                    _check_members(archive, filename)
            candidates = [
                member
                for member in archive.namelist()
                if member.count("/") == 1 and member.endswith(_METADATA_SUFFIX)
            ]
            member = _choose_member(candidates, name)
            if member is None:
                raise InvalidWheelError(
                    f"{filename}: no .dist-info/METADATA for {name} inside the wheel"
                )
            return archive.read(member)
    except _zip_errors() as exc:
        raise InvalidWheelError(f"{filename}: not a readable zip archive ({exc})") from None


def parse_headers(metadata: bytes, wanted: tuple[str, ...] = _WANTED) -> dict[str, str]:
    """The first value of each ``wanted`` (lower-case) header of a METADATA file.

    The header block is RFC 822 style, as :mod:`email` reads it: lines end in LF, CR
    or CRLF; a header is a name of printable ASCII (no space, no colon), a colon and
    a value; a line starting with a space or tab continues the value before it; the
    block ends at the first empty line, or at the first line that is neither.
    Values are unfolded and stripped of surrounding whitespace.
    """
    cut = metadata.find(b"\n\n")  # always an empty line, so the block ends before it
    head = metadata if cut < 0 else metadata[:cut]
    if b"\r" in head:
        head = head.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in head.decode("utf-8", "replace").split("\n"):
        if line[:1] in (" ", "\t"):  # a folded value goes on
            if current is not None:
                current.append(line)
            continue
        colon = line.find(":")
        field = line[:colon]
        if colon < 0 or not (field.isascii() and field.isprintable()) or " " in field:
            break  # an empty line, or the body started without one
        key = field.lower()
        current = None
        if key in wanted and key not in found:
            current = found[key] = [line[colon + 1 :]]
    return {key: "".join(parts).strip() for key, parts in found.items()}


def read_metadata(
    data: bytes, filename: str, *, check_crc: bool = False, members: bool = True
) -> WheelMetadata:
    """The wheel's ``METADATA``, after checking it matches the filename.

    ``check_crc`` also checks the whole zip: the expansion bounds, then (unless
    ``members`` is false) every member's CRC-32 and size.
    """
    name, version = wheel_project(filename)
    raw = _direct_metadata(data, name, check_all=check_crc, members=members)
    if raw is None:
        raw = _zipfile_metadata(data, filename, name, check_crc, members)
    headers = parse_headers(raw)
    meta_name, meta_version = headers.get("name"), headers.get("version")
    if not meta_name or canonicalize_name(meta_name) != name:
        raise InvalidWheelError(f"{filename}: METADATA names {meta_name!r}, not {name}")
    try:
        if meta_version != str(version) and Version(str(meta_version)) != version:
            raise InvalidWheelError(
                f"{filename}: METADATA has version {meta_version}, not {version}"
            )
    except ValueError:
        raise InvalidWheelError(
            f"{filename}: METADATA version {meta_version!r} is invalid"
        ) from None
    return WheelMetadata(name, version, meta_name, headers.get("requires-python") or None, raw)


def metadata_bytes(
    data: bytes, filename: str, *, check_crc: bool = False, members: bool = True
) -> bytes:
    """The exact bytes of the wheel's ``METADATA``, after checking it matches the filename."""
    return read_metadata(data, filename, check_crc=check_crc, members=members).raw


def check_wheel(path: Path, filename: str | None = None, *, members: bool = True) -> bytes:
    """Check a wheel on disk (expansion bounds, every member's CRC; with ``members``
    false, for bytes a sha256 vouched for, the bounds only); return its METADATA bytes."""
    return metadata_bytes(path.read_bytes(), filename or path.name, check_crc=True, members=members)
