"""The status page's list of wheels ``serve --upstream`` answered from upstream.

They sit in ``DIR/.wheelmill/upstream/``, outside the published index: projects
the lock does not carry, fetched (and hash-checked) on a client's first request.
The page lists them apart from the matrix so nobody takes them for what the
wheelhouse built or vetted: they came from upstream, not the lock.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from .._wheelname import canonical_name as canonicalize_name
from .._wheelname import wheel_name_version
from ..store.wheelhouse import Store
from ._escape import escape


@dataclass(frozen=True)
class FromUpstream:
    """One wheel the fallback keeps: its project, version, file, size and fetch time."""

    name: str
    version: str
    filename: str
    size: int
    fetched: float


def from_upstream(store: Store) -> list[FromUpstream]:
    """The wheels in the fallback's cache, by project and version."""
    found = []
    for path in store.upstream.glob("*.whl") if store.upstream.is_dir() else ():
        try:
            name, version = wheel_name_version(path.name)
            info = path.stat()
        except (ValueError, OSError):  # ValueError: packaging's InvalidWheelFilename
            continue
        found.append(FromUpstream(name, str(version), path.name, info.st_size, info.st_mtime))
    return sorted(found, key=lambda item: (item.name, item.filename))


def upstream_section(wheels: list[FromUpstream], store: Store) -> list[str]:
    """The page's section (nothing when the fallback answered nothing)."""
    if not wheels:
        return []
    # what the published index carries: the fallback never answers those
    carried = (
        {p.name for p in store.simple.iterdir() if p.is_dir()} if store.simple.is_dir() else set()
    )
    lines = [
        f'<h2 id="upstream">Answered from upstream, not the lock ({len(wheels)})</h2>',
        '<p class="meta"><code>wheelmill serve --upstream</code> answered these projects, '
        "which the lock does not carry, from the upstream index (wheels only, upstream's "
        "sha256 checked) and keeps them in <code>.wheelmill/upstream/</code>. Nothing here "
        "built or tested them: add them to the requirements to make them part of the "
        "wheelhouse.</p>",
        "<table><thead><tr><th>package</th><th>version</th><th>wheel</th><th>fetched</th>"
        "</tr></thead><tbody>",
    ]
    for wheel in wheels:
        now = " (now in the lock: the wheelhouse's own wheels are served)"
        note = now if canonicalize_name(wheel.name) in carried else ""
        fetched = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(wheel.fetched))
        lines.append(
            f'<tr><th>{escape(wheel.name)}</th><td class="s upstream">↑ upstream '
            f"{escape(wheel.version)}</td><td><code>{escape(wheel.filename)}</code> "
            f"({wheel.size} bytes){escape(note)}</td><td>{fetched}</td></tr>"
        )
    lines.append("</tbody></table>")
    return lines
