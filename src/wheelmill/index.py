"""Publish the wheelhouse as a static index that pip and uv install from.

``publish`` turns ``DIR/wheels/`` into ``DIR/simple/``:

* PEP 503 HTML pages with ``#sha256=`` fragments and ``data-requires-python``;
* PEP 691 JSON beside each page (``index.json``), with the PEP 700 fields
  (``versions``, ``size``, ``upload-time``);
* PEP 658/714 metadata: ``<wheel>.metadata``, a byte-exact copy of the wheel's
  ``METADATA``, announced by ``data-core-metadata`` and ``data-dist-info-metadata``;
* the PEP 629 repository version on every page.

Links are relative (``../../wheels/…``), so the tree works over ``file://``,
from :mod:`wheelmill.serve`, and behind any static web server.

It is incremental: a state file remembers each wheel's size, mtime, inode and digests,
so only new or changed wheels are read, and only projects whose files changed
get their pages rewritten. Every file is written to a temp file and renamed.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import shutil
import time
import urllib.parse
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from ._exceptions import InvalidWheelError
from ._wheelfile import metadata_bytes, metadata_field, wheel_project
from .store import Store, write_atomic

API_VERSION = "1.1"
_STATE_FORMAT = 2
_STATE_FILE = "index-state.json"
_PARALLEL_THRESHOLD = 400
HTML_TYPE = "application/vnd.pypi.simple.v1+html"
JSON_TYPE = "application/vnd.pypi.simple.v1+json"

#: What reading one wheel needs: its path, size, mtime and inode.
_Job = tuple[str, int, int, int]


@dataclass(frozen=True)
class FileEntry:
    """What the index says about one wheel; cached in the state file between runs."""

    filename: str
    project: str
    display: str
    version: str
    size: int
    mtime_ns: int
    inode: int  # a same-size file renamed into place within one mtime tick
    sha256: str
    metadata_sha256: str
    requires_python: str | None
    upload_time: str

    def as_row(self) -> list[object]:
        return [getattr(self, name) for name in self.__dataclass_fields__]


@dataclass
class PublishReport:
    files: int = 0
    projects: int = 0
    read: int = 0
    projects_written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    rejected: dict[str, str] = field(default_factory=dict)
    duration: float = 0.0


def _upload_time(mtime_ns: int) -> str:
    seconds, nanos = divmod(mtime_ns, 1_000_000_000)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    return f"{stamp}.{nanos // 1000:06d}Z"


def read_entry(path: str, size: int, mtime_ns: int, inode: int) -> FileEntry | str:
    """Hash a wheel, write its ``.metadata`` file, return its entry (or the rejection reason)."""
    filename = os.path.basename(path)
    try:
        with open(path, "rb") as stream:
            data = stream.read()
        metadata = metadata_bytes(data, filename)
        project, version = wheel_project(filename)
    except (InvalidWheelError, OSError) as exc:
        return str(exc)
    meta_path = Path(path + ".metadata")
    write_atomic(meta_path, metadata)
    return FileEntry(
        filename=filename,
        project=project,
        display=metadata_field(metadata, "Name") or project,
        version=str(version),
        size=size,
        mtime_ns=mtime_ns,
        inode=inode,
        sha256=hashlib.sha256(data).hexdigest(),
        metadata_sha256=hashlib.sha256(metadata).hexdigest(),
        requires_python=metadata_field(metadata, "Requires-Python"),
        upload_time=_upload_time(mtime_ns),
    )


def _read_many(jobs: list[_Job]) -> list[FileEntry | str]:
    return [read_entry(*job) for job in jobs]


def _version_key(entry: FileEntry) -> tuple[object, str]:
    try:
        return (Version(entry.version), entry.filename)
    except InvalidVersion:  # pragma: no cover - filenames were validated
        return (Version("0"), entry.filename)


def _file_url(filename: str) -> str:
    return "../../wheels/" + urllib.parse.quote(filename)


def project_html(display: str, entries: list[FileEntry]) -> str:
    lines = [
        "<!DOCTYPE html>",
        "<html>",
        "<head>",
        f'<meta name="pypi:repository-version" content="{API_VERSION}">',
        f"<title>Links for {html.escape(display)}</title>",
        "</head>",
        "<body>",
        f"<h1>Links for {html.escape(display)}</h1>",
    ]
    for entry in entries:
        attrs = f' href="{_file_url(entry.filename)}#sha256={entry.sha256}"'
        if entry.requires_python:
            attrs += f' data-requires-python="{html.escape(entry.requires_python)}"'
        attrs += f' data-core-metadata="sha256={entry.metadata_sha256}"'
        attrs += f' data-dist-info-metadata="sha256={entry.metadata_sha256}"'
        lines.append(f"<a{attrs}>{html.escape(entry.filename)}</a><br>")
    lines += ["</body>", "</html>", ""]
    return "\n".join(lines)


def project_json(project: str, entries: list[FileEntry]) -> str:
    versions: list[str] = []
    for entry in entries:
        if entry.version not in versions:
            versions.append(entry.version)
    files = []
    for entry in entries:
        meta = {"sha256": entry.metadata_sha256}
        files.append(
            {
                "filename": entry.filename,
                "url": _file_url(entry.filename),
                "hashes": {"sha256": entry.sha256},
                "requires-python": entry.requires_python,
                "core-metadata": meta,
                "dist-info-metadata": meta,
                "size": entry.size,
                "upload-time": entry.upload_time,
                "yanked": False,
            }
        )
    document = {
        "meta": {"api-version": API_VERSION},
        "name": project,
        "versions": versions,
        "files": files,
    }
    return json.dumps(document, separators=(",", ":"))


def root_html(projects: dict[str, str]) -> str:
    lines = [
        "<!DOCTYPE html>",
        "<html>",
        "<head>",
        f'<meta name="pypi:repository-version" content="{API_VERSION}">',
        "<title>Simple index</title>",
        "</head>",
        "<body>",
    ]
    for project in sorted(projects):
        lines.append(f'<a href="{project}/">{html.escape(projects[project])}</a><br>')
    lines += ["</body>", "</html>", ""]
    return "\n".join(lines)


def root_json(projects: dict[str, str]) -> str:
    document = {
        "meta": {"api-version": API_VERSION},
        "projects": [{"name": projects[p]} for p in sorted(projects)],
    }
    return json.dumps(document, separators=(",", ":"))


class _State:
    """The publish cache: entries by filename, and which projects have pages."""

    def __init__(self, store: Store) -> None:
        self.path = store.state / _STATE_FILE
        self.entries: dict[str, FileEntry] = {}
        self.projects: dict[str, str] = {}
        try:
            data = json.loads(self.path.read_bytes())
            if data.get("format") == _STATE_FORMAT:
                self.entries = {row[0]: FileEntry(*row) for row in data["files"]}
                self.projects = dict(data["projects"])
        except (OSError, ValueError, TypeError, KeyError):
            pass  # no or unreadable state: everything is read and written again

    def save(self, store: Store) -> None:
        data = {
            "format": _STATE_FORMAT,
            "files": [entry.as_row() for entry in self.entries.values()],
            "projects": self.projects,
        }
        write_atomic(self.path, json.dumps(data, separators=(",", ":")).encode(), tmp_dir=store.tmp)


def _scan(wheels: Path) -> tuple[dict[str, os.stat_result], set[str]]:
    found: dict[str, os.stat_result] = {}
    metadata: set[str] = set()
    with os.scandir(wheels) as listing:
        for item in listing:
            name = item.name
            if name.startswith("."):
                continue
            if name.endswith(".whl") and item.is_file():
                found[name] = item.stat()
            elif name.endswith(".whl.metadata"):
                metadata.add(name[: -len(".metadata")])
    return found, metadata


def _read_changed(wheels: Path, jobs: list[_Job], workers: int) -> Iterable[FileEntry | str]:
    if len(jobs) < _PARALLEL_THRESHOLD or workers <= 1:
        return _read_many(jobs)
    size = max(50, len(jobs) // (workers * 4))
    chunks = [jobs[i : i + size] for i in range(0, len(jobs), size)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return [entry for part in pool.map(_read_many, chunks) for entry in part]


def publish(store: Store, *, workers: int | None = None) -> PublishReport:
    """Bring ``DIR/simple/`` and the ``.metadata`` files in line with ``DIR/wheels/``."""
    started = time.monotonic()
    store.create()
    report = PublishReport()
    with store.lock("publish"):
        state = _State(store)
        found, metadata = _scan(store.wheels)
        changed_projects: set[str] = set()
        jobs: list[_Job] = []
        for filename, stat in found.items():
            old = state.entries.get(filename)
            if (
                old is not None
                and old.size == stat.st_size
                and old.mtime_ns == stat.st_mtime_ns
                and old.inode == stat.st_ino
                and filename in metadata
            ):
                continue
            jobs.append((str(store.wheels / filename), stat.st_size, stat.st_mtime_ns, stat.st_ino))
        for filename in list(state.entries):
            if filename not in found:
                changed_projects.add(state.entries.pop(filename).project)
                report.removed.append(filename)
        for filename in metadata - found.keys():
            (store.wheels / f"{filename}.metadata").unlink(missing_ok=True)
        outcomes = _read_changed(store.wheels, jobs, workers or os.cpu_count() or 1)
        for job, outcome in zip(jobs, outcomes):
            filename = os.path.basename(job[0])
            if isinstance(outcome, str):
                report.rejected[filename] = outcome
                dropped = state.entries.pop(filename, None)
                if dropped is not None:
                    changed_projects.add(dropped.project)
                (store.wheels / f"{filename}.metadata").unlink(missing_ok=True)
                continue
            state.entries[filename] = outcome
            changed_projects.add(outcome.project)
        report.read = len(jobs)
        _write_pages(store, state, changed_projects, report)
        state.save(store)
    report.files = len(state.entries)
    report.projects = len(state.projects)
    report.duration = time.monotonic() - started
    return report


def _write_pages(store: Store, state: _State, changed: set[str], report: PublishReport) -> None:
    by_project: dict[str, list[FileEntry]] = {}
    for entry in state.entries.values():
        by_project.setdefault(entry.project, []).append(entry)
    store.simple.mkdir(parents=True, exist_ok=True)
    for project in by_project:
        if project not in state.projects or not (store.simple / project / "index.json").is_file():
            changed.add(project)
    names: dict[str, str] = {}
    for project, entries in by_project.items():
        entries.sort(key=_version_key)
        names[project] = entries[-1].display
    for project in sorted(changed):
        directory = store.simple / project
        if project not in by_project:
            shutil.rmtree(directory, ignore_errors=True)
            continue
        entries = by_project[project]
        directory.mkdir(exist_ok=True)
        write_atomic(
            directory / "index.html",
            project_html(names[project], entries).encode(),
            tmp_dir=store.tmp,
        )
        write_atomic(
            directory / "index.json", project_json(project, entries).encode(), tmp_dir=store.tmp
        )
        report.projects_written.append(project)
    root_missing = not (store.simple / "index.json").is_file()
    if names != state.projects or root_missing:
        write_atomic(store.simple / "index.html", root_html(names).encode(), tmp_dir=store.tmp)
        write_atomic(store.simple / "index.json", root_json(names).encode(), tmp_dir=store.tmp)
    for stale in set(state.projects) - set(names):
        shutil.rmtree(store.simple / stale, ignore_errors=True)
    state.projects = names


def normalized(name: str) -> str:
    return canonicalize_name(name)
