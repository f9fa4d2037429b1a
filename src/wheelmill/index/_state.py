"""``publish``'s cache of what it last published (``.wheelmill/index-state.json``).

Each published wheel's stamp (size, mtime, inode) and index row, project by
project: a wheel whose stamp is unchanged is not read again. A wheel is only
ever in the state after it was read whole and found intact (its sha256 the
stored one, or every member's CRC for a wheel the store has no word on), so
the format number changes whenever what "intact" means does: every wheel is
then read once more.
"""

from __future__ import annotations

import functools
import json
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..store.wheelhouse import write_atomic
from ._framed import frame, unframe
from ._pages import FileEntry

STATE_FILE = "index-state.json"
_STATE_MAGIC = "wheelmill-index-state"
_STATE_FORMAT = "5"

_STAMP = slice(FileEntry._fields.index("size"), FileEntry._fields.index("inode") + 1)
Row = list[Any]  # a FileEntry as the state file holds it


class State:
    """The publish cache: a header line (format, CRC-32 of the rest), then one line per
    project: ``project<TAB>display name<TAB>{filename: stamp}<TAB>[row, …]``, the last two
    in JSON, rows in page order (a stamp is ``[size, mtime_ns, inode]``).

    A damaged or foreign file reads as no state at all (everything is read and written
    again), never as a wrong index. Each run decodes only the stamps (all at once), and
    a project's rows only when it changed; the other lines are saved as they were read.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.loaded = False
        #: Every published wheel's stamp as the file spells it, ``"<wheel>":[size,mtime,inode``
        #: (``]``, which no wheel name holds, separates them), comma-joined and undecoded.
        self._stamps = ""
        self.lines: dict[str, str] = {}  # project -> its line
        self.names: dict[str, str] = {}  # project -> display name (the root pages)
        self.crc = 0  # of the body on disk, as loaded or last saved
        self._changed = True  # whether the body differs from the file's
        try:
            framed = unframe(path.read_bytes(), _STATE_MAGIC, _STATE_FORMAT)
            if framed is None:
                return
            body, crc = framed
            lines = body.decode().split("\n") if body else []
            # the rows (after "<TAB>[") stay undecoded, and uncopied
            fields = [line[: line.index("\t[")].split("\t") for line in lines]
            names = {project: display for project, display, _ in fields}
            stamps = ",".join(stamps[1:-1] for _, _, stamps in fields if stamps != "{}")
        except (OSError, ValueError):
            return  # no or unreadable state
        if len(names) != len(lines):
            return
        self._stamps, self.names = stamps, names
        self.lines = dict(zip(names, lines))
        self.loaded = True
        self.crc = crc
        self._changed = False

    @functools.cached_property
    def _stamp_texts(self) -> list[str]:
        """Each published wheel's ``"<wheel>":[size,mtime,inode`` (as loaded)."""
        if not self._stamps:
            return []
        texts = self._stamps.split("],")
        texts[-1] = texts[-1][:-1]
        return texts

    @functools.cached_property
    def published(self) -> set[str]:
        """Every wheel the state was loaded with."""
        return {text[1 : text.find('":[')] for text in self._stamp_texts}

    def changed(self, found: Mapping[str, Sequence[int]]) -> set[str]:
        """The wheels in ``found`` (name: size, mtime, inode) whose stamp is not the one
        loaded (new ones included): compared as the state spells them, so no stamp is
        decoded. A valid wheel name needs no JSON escape; any other is never equal, so
        it is read (and rejected)."""
        texts = {f'"{name}":[{s},{m},{i}': name for name, (s, m, i) in found.items()}
        return {texts[text] for text in texts.keys() - set(self._stamp_texts)}

    def rows(self, project: str) -> list[Row]:
        line = self.lines.get(project)
        return [] if line is None else list(json.loads(line[line.index("\t[") + 1 :]))

    def put(self, project: str, line: str, display: str) -> None:
        self.lines[project] = line
        self.names[project] = display
        self._changed = True

    def drop(self, project: str) -> None:
        self.lines.pop(project, None)
        self.names.pop(project, None)
        self._changed = True

    def save(self, tmp: Path) -> None:
        """Write the state, unless it is the file as loaded."""
        if not self._changed:
            return
        body = "\n".join(self.lines[project] for project in sorted(self.lines)).encode()
        self.crc = zlib.crc32(body)
        write_atomic(self.path, frame(_STATE_MAGIC, _STATE_FORMAT, body, self.crc), tmp_dir=tmp)
        self._changed = False


def state_line(project: str, entries: list[FileEntry]) -> str:
    stamps = {entry.filename: entry[_STAMP] for entry in entries}
    rows = json.dumps(entries, separators=(",", ":"))
    return f"{project}\t{entries[-1].display}\t{json.dumps(stamps, separators=(',', ':'))}\t{rows}"
