"""When ``publish`` first listed a wheel put into ``wheels/`` by hand: its PEP 700
upload time (a wheel the store took in has its own, :mod:`wheelmill.store._integrity`).

Written down beside publish's state, never derived from the file, so a lost publish
cache, a copy without timestamps or a touch never changes it: one file per project,
``.wheelmill/first-published/<project>``, a line ``<wheel> <sha256> <time>`` per wheel
(the same bytes keep their time; other bytes of that name are a new wheel), read once
and written once (a temp file and a rename) by the publish that reads the project's
new wheels, before its pages name the times. Earlier versions kept a file per wheel
(``first-published/<wheel>``, "sha256 time"); those are still read, so no time moves.
"""

from __future__ import annotations

import contextlib
import os

from .._timestamps import iso_time
from ._pages import AtomicWriter

SEEN_DIR = "first-published"


def per_wheel_times(state: str) -> bool:
    """Whether an earlier version left a file of a wheel's own (one listing)."""
    try:
        with os.scandir(f"{state}/{SEEN_DIR}") as listing:
            return any(entry.name.endswith(".whl") for entry in listing)
    except OSError:
        return False


class FirstPublished:
    """One project's first-publication times, loaded on first use."""

    def __init__(self, state: str, project: str, *, per_wheel: bool = True) -> None:
        self.directory = f"{state}/{SEEN_DIR}"
        self.path = f"{self.directory}/{project}"
        self.per_wheel = per_wheel  # whether to look for a file of the wheel's own
        self._times: dict[str, tuple[str, str]] | None = None  # wheel -> (sha256, time)
        self._now: str | None = None  # this publish's time: one for all it first sees
        self._changed = False

    def _load(self) -> dict[str, tuple[str, str]]:
        times: dict[str, tuple[str, str]] = {}
        with contextlib.suppress(OSError, UnicodeDecodeError), open(self.path, "rb") as stream:
            for line in stream.read().decode("ascii").splitlines():
                parts = line.split()
                if len(parts) == 3:  # a damaged line: that wheel's time is new
                    times[parts[0]] = (parts[1], parts[2])
        return times

    def of(self, filename: str, digest: str) -> str:
        """The wheel's upload time: when publish first saw these bytes (now, if never)."""
        if self._times is None:
            self._times = self._load()
        seen = self._times.get(filename)
        if seen is not None and seen[0] == digest:
            return seen[1]
        uploaded = self._per_wheel(filename, digest) if self.per_wheel else None
        if uploaded is None:
            uploaded = self._now = self._now or iso_time()
        self._times[filename] = (digest, uploaded)
        self._changed = True
        return uploaded

    def _per_wheel(self, filename: str, digest: str) -> str | None:
        """The time an earlier version wrote to a file of the wheel's own."""
        try:
            with open(f"{self.directory}/{filename}", encoding="ascii") as stream:
                seen, _, uploaded = stream.read().strip().partition(" ")
        except (OSError, ValueError):
            return None
        return uploaded if seen == digest and uploaded else None

    def save(self, writer: AtomicWriter) -> None:
        """Write the times down (whole, through a temp file), if any is new."""
        if not self._changed or self._times is None:
            return
        with contextlib.suppress(FileExistsError):
            os.mkdir(self.directory)
        times = sorted(self._times.items())
        writer.write(self.path, "".join(f"{n} {d} {t}\n" for n, (d, t) in times).encode())
        self._changed = False
