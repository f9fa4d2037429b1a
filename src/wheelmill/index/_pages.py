"""The static index's pages (PEP 503 HTML, PEP 691/700 JSON) and how they reach the disk.

Rendering is plain string work over :class:`FileEntry` rows, in the order given
(oldest version first). :class:`AtomicWriter` writes every file whole: a temp
file created with mode 0644, then renamed over the target, so a reader (pip, the
server, nginx) sees the old file or the new one, never a partial one.
"""

from __future__ import annotations

import bisect
import contextlib
import os
import stat
import urllib.parse
from collections.abc import Collection, Mapping
from json.encoder import encode_basestring_ascii as _json_str
from typing import NamedTuple

from .._wheelname import canonical_name as canonicalize_name
from ._escape import escape

API_VERSION = "1.1"
HTML_TYPE = "application/vnd.pypi.simple.v1+html"
JSON_TYPE = "application/vnd.pypi.simple.v1+json"

_HTML_HEAD = (
    "<!DOCTYPE html>\n<html>\n<head>\n"
    f'<meta name="pypi:repository-version" content="{API_VERSION}">\n'
)
_HTML_TAIL = "</body>\n</html>\n"
_JSON_META = '{"meta":{"api-version":' + _json_str(API_VERSION) + "}"
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


class FileEntry(NamedTuple):
    """What the index says about one wheel; a row of the publish state, as stored."""

    filename: str
    size: int
    mtime_ns: int
    inode: int  # a same-size file renamed into place within one mtime tick
    version: str
    sha256: str
    metadata_sha256: str
    requires_python: str | None
    display: str  # the project's name as this wheel's METADATA spells it
    #: PEP 700 ``upload-time``: when the store took the wheel in (fetched: upstream's
    #: upload time; built or added: then), never the file's mtime.
    uploaded: str


def file_url(filename: str) -> str:
    return "../../wheels/" + urllib.parse.quote(filename)


def project_pages(
    project: str, entries: list[FileEntry], yanked: Mapping[str, str] | None = None
) -> tuple[bytes, bytes]:
    """A project's ``index.html`` and ``index.json``: the same files, in the same order.

    ``yanked`` maps a yanked version (as the entries spell it) to its reason (PEP 592).
    """
    yanked = yanked or {}
    display = escape(entries[-1].display)
    links: list[str] = [
        _HTML_HEAD,
        f"<title>Links for {display}</title>\n</head>\n<body>\n<h1>Links for {display}</h1>\n",
    ]
    files: list[str] = []
    versions: dict[str, None] = {}
    for entry in entries:
        url = file_url(entry.filename)
        meta = entry.metadata_sha256
        requires = entry.requires_python
        reason = yanked.get(entry.version)
        links.append(
            f'<a href="{url}#sha256={entry.sha256}"'
            + (f' data-requires-python="{escape(requires)}"' if requires else "")
            + ("" if reason is None else f' data-yanked="{escape(reason)}"')
            + f' data-core-metadata="sha256={meta}" data-dist-info-metadata="sha256={meta}">'
            f"{escape(entry.filename)}</a><br>\n"
        )
        files.append(
            f'{{"filename":{_json_str(entry.filename)},"url":{_json_str(url)},'
            f'"hashes":{{"sha256":"{entry.sha256}"}},'
            f'"requires-python":{"null" if requires is None else _json_str(requires)},'
            f'"core-metadata":{{"sha256":"{meta}"}},"dist-info-metadata":{{"sha256":"{meta}"}},'
            f'"size":{entry.size},"upload-time":"{entry.uploaded}","yanked":{_yank_json(reason)}}}'
        )
        versions[entry.version] = None
    links.append(_HTML_TAIL)
    document = (
        f"{_JSON_META},"
        f'"name":{_json_str(project)},'
        f'"versions":[{",".join(map(_json_str, versions))}],'
        f'"files":[{",".join(files)}]}}'
    )
    return "".join(links).encode(), document.encode()


def _yank_json(reason: str | None) -> str:
    if reason is None:
        return "false"
    return _json_str(reason) if reason else "true"


def root_pages(projects: dict[str, str]) -> tuple[bytes, bytes]:
    """The root ``index.html`` and ``index.json`` over ``{project: display name}``."""
    names = sorted(projects)
    links = "".join(f'<a href="{p}/">{escape(projects[p])}</a><br>\n' for p in names)
    page = f"{_HTML_HEAD}<title>Simple index</title>\n</head>\n<body>\n{links}{_HTML_TAIL}"
    listed = ",".join('{"name":' + _json_str(projects[p]) + "}" for p in names)
    return page.encode(), f'{_JSON_META},"projects":[{listed}]}}'.encode()


_FLAT_HEAD = f"{_HTML_HEAD}<title>Wheels</title>\n</head>\n<body>\n"


def find_links_page(entries: list[FileEntry], yanks: Mapping[str, Mapping[str, str]]) -> bytes:
    """``wheels/index.html``: every published wheel, linked relatively with its hash, for
    ``pip --find-links http://HOST/wheels/`` (``yanks``: project -> version -> reason)."""
    links = [_FLAT_HEAD]
    links += [_flat_line(entry, yanks) for entry in sorted(entries)]
    links.append(_HTML_TAIL)
    return "".join(links).encode()


def _flat_line(entry: FileEntry, yanks: Mapping[str, Mapping[str, str]]) -> str:
    reason = yanks.get(_project_of(entry.filename), {}).get(entry.version) if yanks else None
    requires = entry.requires_python
    return (
        f'<a href="{urllib.parse.quote(entry.filename)}#sha256={entry.sha256}"'
        + (f' data-requires-python="{escape(requires)}"' if requires else "")
        + ("" if reason is None else f' data-yanked="{escape(reason)}"')
        + f">{escape(entry.filename)}</a><br>\n"
    )


def splice_find_links(
    old: bytes,
    published: Collection[str],
    replaced: Collection[str],
    entries: list[FileEntry],
    yanks: Mapping[str, Mapping[str, str]],
) -> bytes | None:
    """What :func:`find_links_page` gives, from its ``old`` output: the lines of the
    wheels in ``replaced`` left out, lines for ``entries`` put in.

    ``published`` is every wheel ``old`` must list (the publish state as it was).
    ``None`` when ``old`` is not that page (damaged, edited, stale): render it whole.
    """
    try:
        text = old.decode()
    except UnicodeDecodeError:
        return None
    if not (text.startswith(_FLAT_HEAD) and text.endswith(_HTML_TAIL)):
        return None
    body = text[len(_FLAT_HEAD) : len(text) - len(_HTML_TAIL)]
    lines = body.split("\n")
    count = len(lines) - 1
    if lines.pop() != "" or count != len(published):
        return None
    # Every line a link (one per line: an escaped name or reason holds no "<"), each
    # ending the way a link ends; checked by counting, in C, not line by line. A name
    # read wrong is not a published one, so the page is then rendered whole.
    if count and not body.startswith('<a href="'):
        return None
    if not body.count('<a href="') == body.count('\n<a href="') + bool(count) == count:
        return None
    if body.count("</a><br>\n") != count:
        return None
    names = [line[9 : line.find("#sha256=")] for line in lines]  # after '<a href="'
    if "%" in body:
        names = [urllib.parse.unquote(name) if "%" in name else name for name in names]
    listed = set(names)
    if len(listed) != count or listed != set(published) or names != sorted(names):
        return None  # one line per wheel, in order
    for name in listed.intersection(replaced):
        at = names.index(name)
        del names[at], lines[at]
    for entry in entries:
        at = bisect.bisect(names, entry.filename)
        names.insert(at, entry.filename)
        lines.insert(at, _flat_line(entry, yanks)[:-1])
    lines.append("")
    return "".join([_FLAT_HEAD, "\n".join(lines), _HTML_TAIL]).encode()


def _project_of(filename: str) -> str:
    return canonicalize_name(filename.partition("-")[0])


class AtomicWriter:
    """Writes files whole, through a temp file in ``directory`` and a rename; mode 0644.

    ``directory`` is private to this writer (a session directory on the same file
    system), so temp files never show in the served trees, and parallel writers
    never contend for one directory while the file system allocates their inodes.
    """

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self._chmod: bool | None = None  # whether the umask takes bits off 0644

    def write(self, path: str, data: bytes) -> None:
        """Replace ``path`` by ``data``: readers see the old file or the new one."""
        temp = f"{self.directory}/{os.path.basename(path)}"
        fd = self._create(temp)
        try:
            try:
                if self._chmod is None:
                    self._chmod = stat.S_IMODE(os.fstat(fd).st_mode) != 0o644
                if self._chmod:
                    os.fchmod(fd, 0o644)  # readable by a web server serving the tree
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
            finally:
                os.close(fd)
            os.replace(temp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
            raise

    @staticmethod
    def _create(temp: str) -> int:
        try:
            return os.open(temp, _CREATE, 0o644)
        except FileExistsError:  # left by a write that failed half-way
            os.unlink(temp)
            return os.open(temp, _CREATE, 0o644)
