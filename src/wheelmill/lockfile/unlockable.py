"""A requirement whose sdist cannot produce metadata must not block the whole lock.

When a resolution fails because one sdist's metadata step failed (a missing
library, as mysqlclient without its development files), :func:`failed_sdist`
names that sdist from the resolver's output (uv names it; pip's verbose output
shows the file it was preparing), and :func:`without` writes the requirements
without it, so the rest can be resolved. The caller records the pin as failed,
with the resolver output as its log and its diagnosis.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import (
    InvalidSdistFilename,
    NormalizedName,
    canonicalize_name,
    parse_sdist_filename,
)

from .pins import logical_lines

#: uv: "Failed to build `name==1.0`", "… for `name@1.0`".
_UV = re.compile(r"Failed to (?:download and )?build `([A-Za-z0-9._-]+)(?:==|@)([^`\s]+)`")
#: pip -v: the file it is about to prepare.
_PIP_FILE = re.compile(
    r"(?:Processing|Downloading|Using cached|File was already downloaded)"
    r"\s+(\S+?\.(?:tar\.gz|zip))\b"
)
#: pip: the metadata step failed.
_PIP_METADATA = re.compile(
    r"Preparing metadata \([^)]*\)(?::)? (?:did not run successfully|finished with status 'error')"
    r"|MetadataGenerationFailed|Getting requirements to build wheel did not run successfully"
)


@dataclass(frozen=True)
class Unlockable:
    """A requirement left out of the lock: its sdist cannot produce metadata here."""

    name: NormalizedName
    version: str
    output: str  # the resolver's output, kept as the log


def metadata_failed(output: str) -> bool:
    return bool(_UV.search(output) or _PIP_METADATA.search(output))


def failed_sdist(output: str) -> tuple[NormalizedName, str] | None:
    """``(name, version)`` of the sdist whose build failed during a resolution, if named."""
    found = _UV.search(output)
    if found is not None:
        return canonicalize_name(found.group(1)), found.group(2)
    failure = _PIP_METADATA.search(output)
    if failure is None:
        return None
    files = list(_PIP_FILE.finditer(output, 0, failure.start()))
    if not files:
        return None
    filename = files[-1].group(1).rsplit("/", 1)[-1]
    try:
        name, version = parse_sdist_filename(filename)
    except InvalidSdistFilename:
        return None
    return name, str(version)


def without(requirements: Path, name: str) -> Path | None:
    """A copy of ``requirements`` (beside it, so its includes still resolve) without the
    lines requiring ``name``; ``None`` when it does not require it directly."""
    text = requirements.read_text(encoding="utf-8")
    drop: set[int] = set()
    for number, line in logical_lines(text):
        if line.startswith("-"):
            continue
        try:
            if canonicalize_name(Requirement(line.split(" --hash", 1)[0]).name) == name:
                drop.add(number)
        except InvalidRequirement:
            continue
    if not drop:
        return None
    lines = text.splitlines(True)
    kept = "".join("" if number in drop else line for number, line in enumerate(lines, start=1))
    fd, temp = tempfile.mkstemp(
        prefix=f".{requirements.stem}.", suffix=".in", dir=requirements.parent
    )
    with os.fdopen(fd, "w", encoding="utf-8") as stream:
        stream.write(kept)
    return Path(temp)
