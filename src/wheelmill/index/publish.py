"""Publish the wheelhouse as a static index that pip and uv install from.

``publish`` turns ``DIR/wheels/`` into ``DIR/simple/``:

* PEP 503 HTML pages with ``#sha256=`` fragments and ``data-requires-python``;
* PEP 691 JSON beside each page (``index.json``), with the PEP 700 fields
  (``versions``, ``size``, ``upload-time``);
* PEP 658/714 metadata: ``<wheel>.metadata``, a byte-exact copy of the wheel's
  ``METADATA``, announced by ``data-core-metadata`` and ``data-dist-info-metadata``;
* the PEP 629 repository version on every page.

Links are relative (``../../wheels/…``), so the tree works over ``file://``,
from :mod:`wheelmill.serve.server`, and behind any static web server.

It is incremental: a state file remembers each wheel's size, mtime, inode and
digests, project by project, so only new or changed wheels are read and only
projects whose files changed get their pages rewritten. The work is done project
by project (read its new wheels, write their ``.metadata``, write its two pages),
in a process pool when there is a lot of it. Every file is written to a temp file
and renamed.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
import time
import zlib
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISREG
from typing import Any, NamedTuple

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from .._exceptions import InvalidWheelError
from ..store._wheelfile import read_metadata
from ..store.wheelhouse import Store, write_atomic
from ._pages import (
    API_VERSION,
    HTML_TYPE,
    JSON_TYPE,
    AtomicWriter,
    FileEntry,
    project_pages,
    root_pages,
)

__all__ = ["API_VERSION", "HTML_TYPE", "JSON_TYPE", "FileEntry", "PublishReport", "publish"]

_STATE_FILE = "index-state.json"
_STATE_MAGIC = "wheelmill-index-state"
_STATE_FORMAT = "3"
_PARALLEL_THRESHOLD = 400

_Stamp = list[int]  # size, mtime_ns, inode: a list, as the state's JSON has it
_STAMP = slice(FileEntry._fields.index("size"), FileEntry._fields.index("inode") + 1)
_Job = tuple[str, _Stamp]  # a wheel to read
_Row = list[Any]  # a FileEntry as the state file holds it


@dataclass
class PublishReport:
    files: int = 0
    projects: int = 0
    read: int = 0
    projects_written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    rejected: dict[str, str] = field(default_factory=dict)
    duration: float = 0.0
    status_page: Path | None = None


class _State:
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
        self.stamps: dict[str, _Stamp] = {}  # filename -> stamp, for every published wheel
        self.lines: dict[str, str] = {}  # project -> its line
        self.names: dict[str, str] = {}  # project -> display name (the root pages)
        try:
            header, _, body = path.read_bytes().partition(b"\n")
            magic, version, crc = header.decode("ascii").split()
            if (magic, version, int(crc, 16)) != (_STATE_MAGIC, _STATE_FORMAT, zlib.crc32(body)):
                return
            lines = body.decode().split("\n") if body else []
            # the rows (after "<TAB>[") stay undecoded, and uncopied
            fields = [line[: line.index("\t[")].split("\t") for line in lines]
            names = {project: display for project, display, _ in fields}
            stamps = json.loads("{" + ",".join(stamps[1:-1] for _, _, stamps in fields) + "}")
        except (OSError, ValueError):
            return  # no or unreadable state
        if len(names) != len(lines):
            return
        self.stamps, self.names = stamps, names
        self.lines = dict(zip(names, lines))
        self.loaded = True

    def rows(self, project: str) -> list[_Row]:
        line = self.lines.get(project)
        return [] if line is None else list(json.loads(line[line.index("\t[") + 1 :]))

    def put(self, project: str, line: str, display: str) -> None:
        self.lines[project] = line
        self.names[project] = display

    def drop(self, project: str) -> None:
        self.lines.pop(project, None)
        self.names.pop(project, None)

    def save(self, tmp: Path) -> None:
        body = "\n".join(self.lines[project] for project in sorted(self.lines)).encode()
        header = f"{_STATE_MAGIC} {_STATE_FORMAT} {zlib.crc32(body):08x}\n".encode()
        write_atomic(self.path, header + body, tmp_dir=tmp)


def _state_line(project: str, entries: list[FileEntry]) -> str:
    stamps = {entry.filename: entry[_STAMP] for entry in entries}
    rows = json.dumps(entries, separators=(",", ":"))
    return f"{project}\t{entries[-1].display}\t{json.dumps(stamps, separators=(',', ':'))}\t{rows}"


class _Paths(NamedTuple):
    root: str
    wheels: str
    simple: str


class _Group(NamedTuple):
    """One project's work: the wheels to read, and the rows that still hold."""

    project: str
    jobs: list[_Job]
    kept: list[_Row]
    known: int  # how many rows the state had: fewer kept means files went away
    force: bool  # write the pages even if no file changed (they are missing)


class _Outcome(NamedTuple):
    project: str
    status: str  # "written", "unchanged" or "gone"
    line: str  # the project's new state line (when written)
    display: str
    rejected: list[tuple[str, str]]


def _read_wheel(paths: _Paths, writer: AtomicWriter, job: _Job) -> FileEntry | str:
    """Hash a wheel, write its ``.metadata`` file, return its entry (or the rejection reason)."""
    filename, (size, mtime_ns, inode) = job
    path = f"{paths.wheels}/{filename}"
    try:
        data = _read_file(path, size)
        metadata = read_metadata(data, filename)
    except (InvalidWheelError, OSError) as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{path}.metadata")
        return str(exc)
    writer.write(f"{path}.metadata", metadata.raw)
    return FileEntry(
        filename=filename,
        size=size,
        mtime_ns=mtime_ns,
        inode=inode,
        version=str(metadata.version),
        sha256=hashlib.sha256(data).hexdigest(),
        metadata_sha256=hashlib.sha256(metadata.raw).hexdigest(),
        requires_python=metadata.requires_python,
        display=metadata.display,
    )


def _read_file(path: str, size: int) -> bytes:
    """The whole file, in one ``read`` when it still has the ``size`` the scan saw."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        data = os.read(fd, size + 1)
        if len(data) <= size:  # a short read of a regular file: its end
            return data
        chunks = [data]  # it grew since the scan
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _version_key(entry: FileEntry) -> tuple[Version, str]:
    try:
        return (_version(entry.version), entry.filename)
    except InvalidVersion:  # pragma: no cover - filenames were validated
        return (Version("0"), entry.filename)


_version = functools.lru_cache(maxsize=4096)(Version)  # the same few versions recur


def _publish_group(paths: _Paths, writer: AtomicWriter, group: _Group) -> _Outcome:
    """Read a project's new wheels; write its pages if its files changed."""
    entries = [FileEntry._make(row) for row in group.kept]
    rejected: list[tuple[str, str]] = []
    for job in group.jobs:
        outcome = _read_wheel(paths, writer, job)
        if isinstance(outcome, str):
            rejected.append((job[0], outcome))
        else:
            entries.append(outcome)
    project = group.project
    if not entries:
        return _Outcome(project, "gone", "", "", rejected)
    if not (group.force or len(entries) != len(group.kept) or len(group.kept) != group.known):
        return _Outcome(project, "unchanged", "", "", rejected)
    entries.sort(key=_version_key)
    html_page, json_page = project_pages(project, entries)
    directory = f"{paths.simple}/{project}"
    with contextlib.suppress(FileExistsError):
        os.mkdir(directory)
    writer.write(f"{directory}/index.html", html_page)
    writer.write(f"{directory}/index.json", json_page)
    return _Outcome(
        project, "written", _state_line(project, entries), entries[-1].display, rejected
    )


def _publish_groups(paths: _Paths, groups: list[_Group]) -> list[_Outcome]:
    with Store(Path(paths.root)).session() as tmp:  # a private temp directory
        writer = AtomicWriter(str(tmp))
        return [_publish_group(paths, writer, group) for group in groups]


def _run(paths: _Paths, groups: list[_Group], workers: int) -> list[_Outcome]:
    """Every group's outcome, in order; in a process pool when there are many wheels."""
    total = sum(len(group.jobs) for group in groups)
    if total < _PARALLEL_THRESHOLD or workers <= 1:
        return _publish_groups(paths, groups)
    target = max(50, total // (workers * 4))  # wheels per chunk
    chunks: list[list[_Group]] = [[]]
    size = 0
    for group in groups:
        if size >= target:
            chunks.append([])
            size = 0
        chunks[-1].append(group)
        size += len(group.jobs)
    from concurrent.futures import ProcessPoolExecutor  # multiprocessing: only when needed

    with ProcessPoolExecutor(max_workers=workers) as pool:
        parts = pool.map(_publish_groups, [paths] * len(chunks), chunks)
        return [outcome for part in parts for outcome in part]


def _scan(wheels: Path) -> tuple[dict[str, _Stamp], set[str]]:
    """The wheels (by name: size, mtime, inode) and the ``.metadata`` files there are."""
    directory = os.open(wheels, os.O_RDONLY | os.O_DIRECTORY)
    try:
        listing = os.listdir(directory)
        found: dict[str, _Stamp] = {}
        for name in [name for name in listing if name.endswith(".whl") and name[0] != "."]:
            try:
                info = os.stat(name, dir_fd=directory)
            except FileNotFoundError:
                continue  # gone since the listing
            if S_ISREG(info.st_mode):
                found[name] = [info.st_size, info.st_mtime_ns, info.st_ino]
    finally:
        os.close(directory)
    metadata = {
        name[: -len(".metadata")]
        for name in listing
        if name.endswith(".whl.metadata") and name[0] != "."
    }
    return found, metadata


class _Projects(dict[str, str]):
    """A wheel's project, from its filename: the canonical form of the part before the
    first dash, which is what ``parse_wheel_filename`` returns for every valid name.
    So a project's wheels always land in one group; invalid names are rejected when read.
    """

    def __missing__(self, prefix: str) -> str:
        self[prefix] = project = canonicalize_name(prefix)
        return project

    def of(self, filename: str) -> str:
        return self[filename.partition("-")[0]]


def _missing_pages(simple: Path, projects: list[str]) -> set[str]:
    """The projects whose pages went missing behind the state's back."""
    missing = set()
    directory = os.open(simple, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for project in projects:
            try:
                os.stat(f"{project}/index.json", dir_fd=directory)
            except OSError:
                missing.add(project)
    finally:
        os.close(directory)
    return missing


def _plan(
    state: _State, found: dict[str, _Stamp], metadata: set[str], simple: Path
) -> tuple[set[str], list[str], list[_Group]]:
    """The wheels to read, those gone, and the work per project that needs any."""
    stamps = state.stamps
    # new or changed wheels, and those whose .metadata file went away
    changed = {name for name, stamp in found.items() if stamps.get(name) != stamp}
    changed |= found.keys() - metadata
    removed = sorted(stamps.keys() - found.keys())
    projects = _Projects()
    jobs: dict[str, list[_Job]] = {}
    for filename in sorted(changed):
        jobs.setdefault(projects.of(filename), []).append((filename, found[filename]))
    dirty = set(jobs).union(map(projects.of, removed))
    missing = _missing_pages(simple, [p for p in state.names if p not in dirty])
    groups = []
    for project in sorted(dirty | missing):
        rows = state.rows(project)
        kept = [row for row in rows if row[0] in found and row[0] not in changed]
        groups.append(_Group(project, jobs.get(project, []), kept, len(rows), project in missing))
    return changed, removed, groups


def publish(
    store: Store,
    *,
    workers: int | None = None,
    exclude: Collection[str] = (),
    status_page: bool = True,
) -> PublishReport:
    """Bring ``DIR/simple/`` and the ``.metadata`` files in line with ``DIR/wheels/``,
    then write the status page ``DIR/status/index.html`` (unless ``status_page`` is
    false): what ``wheelmill publish`` does.

    Wheels named in ``exclude`` are published as if they were gone (their files stay,
    ``.metadata`` included): ``gc`` unlinks what it is about to remove.
    """
    started = time.monotonic()
    store.create()
    report = PublishReport()
    with store.lock("publish"):
        state = _State(store.state / _STATE_FILE)
        found, metadata = _scan(store.wheels)
        for filename in metadata - found.keys():
            (store.wheels / f"{filename}.metadata").unlink(missing_ok=True)
        for filename in exclude:
            found.pop(filename, None)
        store.simple.mkdir(exist_ok=True)
        changed, report.removed, groups = _plan(state, found, metadata, store.simple)
        report.read = len(changed)
        paths = _Paths(str(store.root), str(store.wheels), str(store.simple))
        names_before = dict(state.names)
        for outcome in _run(paths, groups, workers or os.cpu_count() or 1):
            report.rejected.update(outcome.rejected)
            if outcome.status == "written":
                state.put(outcome.project, outcome.line, outcome.display)
                report.projects_written.append(outcome.project)
            elif outcome.status == "gone" and outcome.project in names_before:
                state.drop(outcome.project)
                shutil.rmtree(store.simple / outcome.project, ignore_errors=True)
        if not state.loaded:
            _remove_strays(store.simple, state.names)
        if state.names != names_before or not (store.simple / "index.json").is_file():
            for name, page in zip(("index.html", "index.json"), root_pages(state.names)):
                write_atomic(store.simple / name, page, tmp_dir=store.tmp)
        state.save(store.tmp)
    report.files = len(found) - len(report.rejected)
    report.projects = len(state.names)
    if status_page:
        from .statuspage import write_status_page

        report.status_page = write_status_page(store)
    report.duration = time.monotonic() - started
    return report


def _remove_strays(simple: Path, projects: dict[str, str]) -> None:
    """Without a state, project directories the wheels no longer explain are removed."""
    with os.scandir(simple) as listing:
        strays = [
            item.path
            for item in listing
            if item.is_dir(follow_symlinks=False) and item.name not in projects
        ]
    for stray in strays:
        shutil.rmtree(stray, ignore_errors=True)
