"""Publish the wheelhouse as a static index that pip and uv install from.

``publish`` turns ``DIR/wheels/`` into ``DIR/simple/``:

* PEP 503 HTML pages with ``#sha256=`` fragments and ``data-requires-python``;
* PEP 691 JSON beside each page (``index.json``), with the PEP 700 fields
  (``versions``, ``size``, ``upload-time``: upstream's upload time for a fetched
  wheel, the build time for a built one, as the store kept them; never the mtime);
* PEP 592 yanks (:mod:`wheelmill.index.yank`) as ``data-yanked`` and ``yanked``;
* ``wheels/index.html``, every wheel with its hash, for ``--find-links http://HOST/wheels/``;
* PEP 658/714 metadata: ``<wheel>.metadata``, a byte-exact copy of the wheel's
  ``METADATA``, announced by ``data-core-metadata`` and ``data-dist-info-metadata``;
* the PEP 629 repository version on every page.

Links are relative (``../../wheels/…``), so the tree works over ``file://``,
from :mod:`wheelmill.serve.server`, and behind any static web server.

It is incremental: a state file remembers each wheel's size, mtime, inode and
digests, project by project, so only new or changed wheels are read (all of
them with ``verify``) and only projects whose files changed get their pages
rewritten. A wheel read must be intact (see :mod:`wheelmill.store._integrity`): the
sha256 the store took it in with, or, for a wheel the store has no word on,
every member's CRC and sane expansion bounds. Anything else in ``wheels/``
(a changed or damaged wheel, a symbolic link, a directory) is left out of the
index and reported, never followed or deleted. The work is done project
by project (read its new wheels, write their ``.metadata``, write its two pages),
in a process pool when there is a lot of it. Every file is written to a temp file
and renamed.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import time
from collections.abc import Collection
from pathlib import Path
from typing import NamedTuple

from packaging.version import InvalidVersion, Version

from .._exceptions import InvalidWheelError
from .._wheelname import canonical_name as canonicalize_name
from ..store._files import rmtree
from ..store._integrity import StoredRecords, inspect, read_regular
from ..store.wheelhouse import Store, write_atomic
from . import _findlinks, _statuskey, _statusparts, _unchanged
from ._firstpub import FirstPublished, per_wheel_times
from ._pages import (
    API_VERSION,
    HTML_TYPE,
    JSON_TYPE,
    AtomicWriter,
    FileEntry,
    find_links_page,
    project_pages,
    root_pages,
    splice_find_links,
)
from ._scan import Projects, Stamp, scan_wheels
from ._state import STATE_FILE, Row, State, state_line
from .report import PublishReport
from .yank import Yanks

__all__ = ["API_VERSION", "HTML_TYPE", "JSON_TYPE", "FileEntry", "PublishReport", "publish"]

_PARALLEL_THRESHOLD = 400
#: Up to this many wheels read, each looks for an earlier version's file of its own
#: first-publication time (a failed open) rather than publish listing them all.
_PER_WHEEL_LOOKS = 64
#: The find-links listing of ``wheels/`` (``pip --find-links http://HOST/wheels/``).
FIND_LINKS_PAGE = "index.html"

_Job = tuple[str, Stamp]  # a wheel to read


class _Paths(NamedTuple):
    root: str
    wheels: str
    simple: str
    state: str
    per_wheel_times: bool  # first-publication times an earlier version kept per wheel


class _Group(NamedTuple):
    """One project's work: the wheels to read, and the rows that still hold."""

    project: str
    jobs: list[_Job]
    kept: list[Row]
    known: list[str]  # the wheels the state had: fewer kept means files went away
    force: bool  # write the pages even if no file changed (missing, or a yank changed)
    yanked: dict[str, str]  # version -> reason


class _Outcome(NamedTuple):
    project: str
    status: str  # "written", "unchanged" or "gone"
    line: str  # the project's new state line (when written)
    display: str
    rejected: list[tuple[str, str]]


def _read_wheel(
    paths: _Paths, writer: AtomicWriter, job: _Job, seen: FirstPublished, stored: StoredRecords
) -> FileEntry | str:
    """Check a wheel, write its ``.metadata`` file, return its entry (or the rejection reason)."""
    filename, (size, mtime_ns, inode) = job
    path = f"{paths.wheels}/{filename}"
    try:
        data = read_regular(path)
        record = stored.read(filename)
        digest, metadata = inspect(data, filename, None if record is None else record.sha256)
    except (InvalidWheelError, OSError) as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{path}.metadata")
        if isinstance(exc, InvalidWheelError):
            return str(exc)
        return f"{filename}: cannot be read ({exc.strerror or exc})"
    writer.write(f"{path}.metadata", metadata.raw)
    if record is not None and record.upload_time:
        uploaded = record.upload_time
    else:
        uploaded = seen.of(filename, digest)  # put in by hand
    return FileEntry(
        filename=filename,
        size=size,
        mtime_ns=mtime_ns,
        inode=inode,
        version=str(metadata.version),
        sha256=digest,
        metadata_sha256=hashlib.sha256(metadata.raw).hexdigest(),
        requires_python=metadata.requires_python,
        display=metadata.display,
        uploaded=uploaded,
    )


def _version_key(entry: FileEntry) -> tuple[Version, str]:
    try:
        return (_version(entry.version), entry.filename)
    except InvalidVersion:  # pragma: no cover - filenames were validated
        return (Version("0"), entry.filename)


_version = functools.lru_cache(maxsize=4096)(Version)  # the same few versions recur


def _publish_group(
    paths: _Paths, writer: AtomicWriter, group: _Group, stored: StoredRecords
) -> _Outcome:
    """Read a project's new wheels; write its pages if its files changed."""
    entries = [FileEntry._make(row) for row in group.kept]
    rejected: list[tuple[str, str]] = []
    project = group.project
    seen = FirstPublished(paths.state, project, per_wheel=paths.per_wheel_times)
    for job in group.jobs:
        outcome = _read_wheel(paths, writer, job, seen, stored)
        if isinstance(outcome, str):
            rejected.append((job[0], outcome))
        else:
            entries.append(outcome)
    seen.save(writer)  # before any page names those times
    if not entries:
        return _Outcome(project, "gone", "", "", rejected)
    if not (group.force or len(entries) != len(group.kept) or len(group.kept) != len(group.known)):
        return _Outcome(project, "unchanged", "", "", rejected)
    entries.sort(key=_version_key)
    html_page, json_page = project_pages(project, entries, group.yanked)
    directory = f"{paths.simple}/{project}"
    with contextlib.suppress(FileExistsError):
        os.mkdir(directory)
    writer.write(f"{directory}/index.html", html_page)
    writer.write(f"{directory}/index.json", json_page)
    return _Outcome(project, "written", state_line(project, entries), entries[-1].display, rejected)


def _publish_groups(paths: _Paths, groups: list[_Group]) -> list[_Outcome]:
    """One chunk of work, in this process or a pool worker."""
    with Store(Path(paths.root)).session() as tmp:  # a private temp directory
        writer = AtomicWriter(str(tmp))
        stored = StoredRecords(paths.state, sum(len(group.jobs) for group in groups))
        return [_publish_group(paths, writer, group, stored) for group in groups]


def _run(paths: _Paths, groups: list[_Group], workers: int) -> list[_Outcome]:
    """Every group's outcome, in order; in a process pool when there are many wheels."""
    if not groups:
        return []
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
    from ._workers import map_in_pool  # a process pool only for many wheels

    # its workers die with this process, even when it is killed
    parts = map_in_pool(functools.partial(_publish_groups, paths), chunks, workers)
    return [outcome for part in parts for outcome in part]


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
    state: State,
    found: dict[str, Stamp],
    metadata: set[str],
    simple: Path,
    *,
    verify: bool,
    yanks: Yanks,
    refresh: Collection[str],
) -> tuple[set[str], list[str], list[_Group]]:
    """The wheels to read, those gone, and the work per project that needs any."""
    # new or changed wheels (every wheel, to verify), and those whose .metadata went away
    changed = set(found) if verify else state.changed(found)
    changed |= found.keys() - metadata
    removed = sorted(state.published - found.keys())
    projects = Projects()
    jobs: dict[str, list[_Job]] = {}
    for filename in sorted(changed):
        jobs.setdefault(projects.of(filename), []).append((filename, found[filename]))
    dirty = set(jobs).union(map(projects.of, removed))
    refreshed = {canonicalize_name(p) for p in refresh} & state.names.keys()
    missing = _missing_pages(simple, [p for p in state.names if p not in dirty])
    missing |= refreshed
    groups = []
    for project in sorted(dirty | missing):
        rows = state.rows(project)
        kept = [row for row in rows if row[0] in found and row[0] not in changed]
        groups.append(
            _Group(
                project, jobs.get(project, []), kept, [row[0] for row in rows], project in missing,
                yanks.of(project),
            )
        )  # fmt: skip
    return changed, removed, groups


def publish(
    store: Store,
    *,
    workers: int | None = None,
    exclude: Collection[str] = (),
    status_page: bool = True,
    verify: bool = False,
    refresh: Collection[str] = (),
) -> PublishReport:
    """Bring ``DIR/simple/`` and the ``.metadata`` files in line with ``DIR/wheels/``,
    then write the status page ``DIR/status/index.html`` (unless ``status_page`` is
    false): what ``wheelmill publish`` does.

    ``verify`` reads and checks every wheel, not only those whose stat changed.
    Wheels named in ``exclude`` are published as if they were gone (their files stay,
    ``.metadata`` included): ``gc`` unlinks what it is about to remove. The pages of
    the projects named in ``refresh`` are written again (``yank`` changed them).
    """
    started = time.monotonic()
    store.create()
    report = PublishReport()
    with store.held("publish"):
        state = State(store.state / STATE_FILE)
        found, metadata, odd = scan_wheels(store.wheels)
        sizes = {name: stamp[0] for name, stamp in found.items()}
        for filename in metadata - found.keys():
            (store.wheels / f"{filename}.metadata").unlink(missing_ok=True)
        for filename in exclude:
            found.pop(filename, None)
        store.simple.mkdir(exist_ok=True)
        yanks = Yanks.load(store)
        changed, report.removed, groups = _plan(
            state, found, metadata, store.simple, verify=verify, yanks=yanks, refresh=refresh
        )
        report.read = len(changed)
        few = len(changed) <= _PER_WHEEL_LOOKS  # each tries a file of its own: no listing
        paths = _Paths(
            str(store.root), str(store.wheels), str(store.simple), str(store.state),
            bool(changed) and (few or per_wheel_times(str(store.state))),
        )  # fmt: skip
        names_before = dict(state.names)
        dropped = False
        for outcome in _run(paths, groups, workers or os.cpu_count() or 1):
            report.rejected.update(outcome.rejected)
            if outcome.status == "written":
                state.put(outcome.project, outcome.line, outcome.display)
                report.projects_written.append(outcome.project)
            elif outcome.status == "gone" and outcome.project in names_before:
                dropped = True  # its last wheel went away, or went bad
                state.drop(outcome.project)
                rmtree(store.simple / outcome.project)
        if not state.loaded:
            _remove_strays(store.simple, state.names)
        if state.names != names_before or not (store.simple / "index.json").is_file():
            for name, page in zip(("index.html", "index.json"), root_pages(state.names)):
                write_atomic(store.simple / name, page, tmp_dir=store.tmp)
        flat = store.wheels / FIND_LINKS_PAGE
        listed = report.projects_written or report.removed or dropped or not flat.is_file()
        if listed:
            page = _find_links(flat, state, groups, yanks, store.state)
            _findlinks.forget(store.state)  # until the state it lists is saved
            write_atomic(flat, page, tmp_dir=store.tmp)
        state.save(store.tmp)
        if listed:
            _findlinks.remember(store.state, store.tmp, flat, state.crc)
        noted = _unchanged.state_stat(store.root)
    report.files = len(found) - len(report.rejected)
    report.rejected.update(odd)
    report.projects = len(state.names)
    if status_page:
        unpublished = set(report.rejected).union(exclude)
        wheels = _statuskey.wheels_key(state.crc, sizes, unpublished)
        key = _statuskey.status_key(store.root, wheels)
        report.status_page = _statuskey.page_path(store.root)
        if not _statuskey.is_current(store.root, key):  # else nothing on it can differ
            rendered = time.monotonic()
            if not _statusparts.update(store.root, store.tmp, sizes):  # only wheels changed
                from .statuspage import write_status_page

                write_status_page(store, sizes)
            if time.monotonic() - rendered < 1.0:  # see statuspage.write_status_page
                key = _statuskey.status_key(store.root, wheels)  # with the catalog's log
            _statuskey.record(store, key)
    # Every publish that left nothing out leaves the note the next one is told by, so
    # the first publish after a change is told too (it costs a listing of wheels/)
    if status_page and not exclude and not report.rejected:
        quiet = not (report.read or report.removed or report.projects_written or dropped)
        _unchanged.leave(
            store.root, store.tmp, found, sorted(state.names), noted, state.crc, same=quiet
        )
    else:
        _unchanged.forget(store.root)
    report.duration = time.monotonic() - started
    return report


def _find_links(
    flat: Path, state: State, groups: list[_Group], yanks: Yanks, state_dir: Path
) -> bytes:
    """The find-links listing: the last one with the changed projects' lines replaced
    (every other line is as it was), or, without a usable last one, rendered whole."""
    if state.loaded:  # the listing on disk lists the state's wheels as loaded
        replaced = {filename for group in groups for filename in group.known}
        entries = [FileEntry._make(row) for group in groups for row in state.rows(group.project)]
        with contextlib.suppress(OSError):
            old = flat.read_bytes()
            if _findlinks.known(state_dir, flat, state.crc):
                page = _findlinks.splice_known(old, replaced, entries, yanks.projects)
                if page is not None:
                    return page
            page = splice_find_links(old, state.published, replaced, entries, yanks.projects)
            if page is not None:
                return page
    entries = [FileEntry._make(row) for name in state.names for row in state.rows(name)]
    return find_links_page(entries, yanks.projects)


def _remove_strays(simple: Path, projects: dict[str, str]) -> None:
    """Without a state, project directories the wheels no longer explain are removed."""
    with os.scandir(simple) as listing:
        strays = [
            item.path
            for item in listing
            if item.is_dir(follow_symlinks=False) and item.name not in projects
        ]
    for stray in strays:
        rmtree(Path(stray))
