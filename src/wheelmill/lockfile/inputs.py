"""A resolved lock's header: a hash of what it was resolved from, and the targets it is for.

``wheelmill lock`` (and ``run``) write two comment lines first in every lock they
resolve::

    # wheelmill-inputs: sha256:<64 hex digits>
    # wheelmill-targets: 3.10 3.11 3.12/macosx_11_0_arm64 (universal)

The hash covers the requirements file and every file it includes (``-r``) or
constrains with (``-c``), recursively, byte for byte; the build constraints used
for metadata builds; the targets; the resolver; the index URL; and the Python
the resolver runs on. When it matches, ``run`` builds from the lock as it is,
without asking a resolver (or the index) anything. Other tools ignore comments,
and pip-compile keeps its existing pins through them.

The targets are Python versions (a download-only target with its platform);
``(universal)`` marks a lock that serves every platform of those Pythons (uv's
universal resolution). :func:`unresolved_targets` names the targets a build asks
for that the lock was not resolved for.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from .._record import Record
from .._sha256 import sha256
from ._lines import logical_lines

TYPE_CHECKING = False  # as typing's: a no-op answer does not load typing (see cli/_noop.py)
if TYPE_CHECKING:  # hashing a run's inputs loads neither targets nor the pin parser
    from ..target import Target

_INPUTS = "# wheelmill-inputs:"
_UNIVERSAL = " (universal)"
_TARGETS = "# wheelmill-targets:"
#: Options that pull another file into a requirements file.
_INCLUDES = ("-r", "--requirement", "-c", "--constraint")
#: How far down a header may be looked for (it is written first).
_HEADER_LINES = 16
#: Bumped when what the hash covers changes, so older hashes never match.
_SCHEME = "1"


class LockHeader(Record):
    """What a lock's header says; ``None``: not recorded (a lock from another tool).
    (A :class:`~wheelmill._record.Record`: ``run``'s no-op answer reads a header.)"""

    __slots__ = ("inputs", "targets", "universal")
    inputs: str | None
    targets: tuple[str, ...] | None
    universal: bool

    def __init__(
        self,
        inputs: str | None = None,
        targets: tuple[str, ...] | None = None,
        universal: bool = False,
    ) -> None:
        self._set(inputs=inputs, targets=targets, universal=universal)

    def lines(self) -> list[str]:
        found = [f"{_INPUTS} {self.inputs}"] if self.inputs else []
        if self.targets is not None:
            found.append(
                f"{_TARGETS} {' '.join(self.targets)}{_UNIVERSAL if self.universal else ''}"
            )
        return found


def read_header(path: Path) -> LockHeader:
    """The header of the lock at ``path``; an empty one when it has none or is unreadable."""
    try:
        with path.open(encoding="utf-8", errors="replace") as stream:
            head = [line for _, line in zip(range(_HEADER_LINES), stream)]
    except OSError:
        return LockHeader()
    inputs: str | None = None
    targets: tuple[str, ...] | None = None
    universal = False
    for line in head:
        text = line.strip().lstrip("\ufeff")
        if text.startswith(_INPUTS):
            inputs = text[len(_INPUTS) :].strip() or None
        elif text.startswith(_TARGETS):
            listed = text[len(_TARGETS) :]
            universal = listed.endswith(_UNIVERSAL)
            targets = tuple(listed.removesuffix(_UNIVERSAL).split())
    return LockHeader(inputs=inputs, targets=targets, universal=universal)


def target_label(target: Target) -> str:
    """How the header names a target: its Python, with the platform of a download-only one."""
    if target.download_only:
        return f"{target.python_version}/{target.platform}"
    return target.python_version


def unresolved_targets(header: LockHeader, targets: Sequence[Target]) -> list[Target]:
    """The ``targets`` a lock with ``header`` was not resolved for (none when it does not
    say what it was resolved for: a hand-written lock, or another tool's)."""
    if header.targets is None:
        return []
    pythons = {label.split("/")[0] for label in header.targets}
    return [
        target
        for target in targets
        if target_label(target) not in header.targets
        and not (header.universal and target.python_version in pythons)
    ]


def with_header(text: str, header: LockHeader) -> str:
    """``text`` (a lock) with ``header`` first, any older header of wheelmill's removed."""
    kept = [line for line in text.splitlines(True) if not line.startswith((_INPUTS, _TARGETS))]
    return "".join(f"{line}\n" for line in header.lines()) + "".join(kept)


def _included(line: str) -> str | None:
    """The file an ``-r``/``-c`` line names, else ``None``."""
    for option in _INCLUDES:
        if line == option or not line.startswith(option):
            continue
        rest = line[len(option) :]
        if option.startswith("--") and rest[:1] not in ("=", " "):
            continue
        if not option.startswith("--") and rest[:1] not in ("=", " ", ""):
            rest = " " + rest  # -rbase.txt
        return rest.lstrip("= ").strip() or None
    return None


def input_files(requirements: Path) -> Iterator[Path]:
    """The requirements file and everything it includes or constrains with, once each."""
    seen: set[Path] = set()
    pending = [requirements]
    while pending:
        path = pending.pop(0)
        key = path.resolve()
        if key in seen:
            continue
        seen.add(key)
        yield path
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue  # the resolver reports a missing include; its absence is hashed
        for _, line in logical_lines(text):
            name = _included(line)
            if name is not None and "://" not in name:
                pending.append(path.parent / name)


def inputs_hash(
    requirements: Path,
    *,
    build_constraints: Sequence[str],
    targets: Sequence[str],
    resolver: str,
    index_url: str,
) -> str:
    """``sha256:<hex>`` over everything a resolution of ``requirements`` depends on."""
    digest = sha256()
    base = requirements.parent
    for path in input_files(requirements):
        try:
            data = path.read_bytes()
        except OSError:
            data = b"\0missing"
        name = path.relative_to(base) if path.is_relative_to(base) else path
        digest.update(f"file {name} {len(data)}\n".encode())
        digest.update(data)
    settings = {
        "scheme": _SCHEME,
        "build_constraints": list(build_constraints),
        "targets": list(targets),
        "resolver": resolver,
        "index_url": index_url,
        "python": list(sys.version_info[:2]),
        "platform": sys.platform,
    }
    digest.update(json.dumps(settings, sort_keys=True).encode())
    return f"sha256:{digest.hexdigest()}"
