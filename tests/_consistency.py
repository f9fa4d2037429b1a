"""Is a wheelhouse consistent? What a client of its index may rely on, checked from disk.

:func:`problems` returns one line per broken promise (none: consistent):

* every link of the index (``simple/index.*``, ``simple/*/index.html`` and
  ``simple/*/index.json``) points at a file that exists;
* each linked wheel's sha256 is the hash its link carries, and the one every build
  record naming that wheel holds;
* each announced ``.metadata`` exists, has the announced hash, and is byte for byte
  the ``METADATA`` inside its wheel;
* every wheel in ``wheels/`` is a whole zip (no half-written file ever shows there).

:func:`dangling` is the quick subset a watcher can poll while a command runs.
"""

from __future__ import annotations

import hashlib
import json
import re
import urllib.parse
import zipfile
from pathlib import Path

_HREF = re.compile(r'<a href="([^"]*)"([^>]*)>')
_CORE = re.compile(r'data-core-metadata="sha256=([0-9a-f]{64})"')


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _target(page: Path, url: str) -> tuple[Path, str | None]:
    """The file a relative link of ``page`` points at, and its ``#sha256=`` (if any)."""
    address, _, fragment = url.partition("#")
    path = (page.parent / urllib.parse.unquote(address)).resolve()
    digest = fragment[len("sha256=") :] if fragment.startswith("sha256=") else None
    return path, digest


def links(page: Path) -> list[tuple[Path, str | None, str | None]]:
    """(file, its sha256, its metadata's sha256) for every file link of a project page."""
    found: list[tuple[Path, str | None, str | None]] = []
    if page.name == "index.json":
        for item in json.loads(page.read_bytes()).get("files", []):
            path, _ = _target(page, item["url"])
            core = item.get("core-metadata")
            meta = core.get("sha256") if isinstance(core, dict) else None
            found.append((path, item.get("hashes", {}).get("sha256"), meta))
        return found
    for url, attributes in _HREF.findall(page.read_text("utf-8")):
        path, digest = _target(page, url)
        core = _CORE.search(attributes)
        found.append((path, digest, core.group(1) if core else None))
    return found


def _pages(root: Path) -> list[Path]:
    """Every page linking files: the projects' pages and the find-links listing."""
    simple = root / "simple"
    flat = [root / "wheels" / "index.html"] if (root / "wheels" / "index.html").is_file() else []
    return sorted(simple.glob("*/index.html")) + sorted(simple.glob("*/index.json")) + flat


def _linked(page: Path) -> set[Path]:
    """Every file ``page`` links: wheels and their announced ``.metadata``."""
    found = set()
    for path, _, meta in links(page):
        found.add(path)
        if meta is not None:
            found.add(path.with_name(path.name + ".metadata"))
    return found


def dangling(root: Path) -> list[str]:
    """Links to files that are not there, as a client could see them right now.

    A page is read again after a file of it was found missing, and the file counts
    only if the page still links it: a page replaced meanwhile was right in time.
    """
    missing = []
    for page in _pages(root):
        try:
            gone = [path for path in _linked(page) if not path.exists()]
            still = _linked(page) if gone else set()
        except (OSError, ValueError):
            continue  # replaced while read: the next poll reads the new one
        where = page.relative_to(root)
        missing += [f"{where} links missing {path.name}" for path in sorted(gone) if path in still]
    return missing


def _record_hashes(root: Path) -> dict[str, set[str]]:
    """wheel filename → the sha256 values the successful build records give it."""
    hashes: dict[str, set[str]] = {}
    for path in sorted((root / ".wheelmill" / "records").glob("*.json")):
        try:
            data = json.loads(path.read_bytes())
        except (OSError, ValueError):
            continue  # unreadable records count as absent (wheelmill redoes the key)
        if data.get("status") == "ok" and data.get("wheel") and data.get("sha256"):
            hashes.setdefault(data["wheel"], set()).add(data["sha256"])
    return hashes


def _metadata_of(wheel: Path) -> bytes | None:
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            parts = name.split("/")
            if len(parts) == 2 and parts[0].endswith(".dist-info") and parts[1] == "METADATA":
                return archive.read(name)
    return None


def problems(root: Path) -> list[str]:
    """Every inconsistency of the wheelhouse ``root`` (see the module docstring)."""
    found: list[str] = []
    simple = root / "simple"
    for name in ("index.html", "index.json"):
        page = simple / name
        if not page.is_file():
            continue
        if name == "index.html":
            targets = [url for url, _ in _HREF.findall(page.read_text("utf-8"))]
        else:
            projects = json.loads(page.read_bytes()).get("projects", [])
            targets = [re.sub(r"[-_.]+", "-", item["name"]).lower() + "/" for item in projects]
        for url in targets:
            if not (simple / url / "index.html").is_file():
                found.append(f"simple/{name} links missing project page {url}")
    records = _record_hashes(root)
    for page in _pages(root):
        where = page.relative_to(root)
        try:
            entries = links(page)
        except ValueError as exc:
            found.append(f"{where}: unreadable ({exc})")
            continue
        for path, digest, meta in entries:
            if not path.is_file():
                found.append(f"{where} links missing {path.name}")
                continue
            actual = _sha256(path)
            if digest != actual:
                found.append(f"{where}: {path.name} has sha256 {actual}, the link says {digest}")
            for recorded in sorted(records.get(path.name, set()) - {actual}):
                found.append(f"{path.name}: sha256 {actual}, its build record says {recorded}")
            if meta is None:
                continue
            metadata = path.with_name(path.name + ".metadata")
            if not metadata.is_file():
                found.append(f"{where} announces missing {metadata.name}")
            elif _sha256(metadata) != meta:
                found.append(f"{where}: {metadata.name} does not have the announced sha256")
            elif metadata.read_bytes() != _metadata_of(path):
                found.append(f"{metadata.name} is not the METADATA of {path.name}")
    for wheel in sorted((root / "wheels").glob("*.whl")):
        try:
            with zipfile.ZipFile(wheel) as archive:
                bad = archive.testzip()
        except (OSError, zipfile.BadZipFile) as exc:
            found.append(f"wheels/{wheel.name} is not a whole wheel ({exc})")
            continue
        if bad is not None:
            found.append(f"wheels/{wheel.name}: {bad} is damaged")
    return found
