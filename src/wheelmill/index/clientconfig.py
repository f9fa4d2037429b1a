"""What a team pastes so that pip and uv install from the wheelhouse, binary-only.

For a wheelhouse *directory* (a shared volume, a CI cache) the snippets use
its flat ``wheels/`` as a ``file://`` find-links location with the index
switched off (uv's variables use its published ``simple/`` instead: uv has no
variable for ``--no-index``); for a *URL* (``wheelmill serve``, any static web server) they
use its ``simple/`` index. Either way source builds are refused: pip's
``only-binary = :all:``, uv's ``no-build``. Each form is given as pip.conf,
uv.toml, ``[tool.uv]`` in pyproject.toml and environment variables; poetry's and
pdm's sources come as pyproject.toml tables too (poetry: its ``installer.only-binary``
setting; pdm: ``[tool.pdm.resolution] only-binary``). poetry reads indexes over HTTP
only: for a directory its snippet says to serve the wheelhouse.
"""

from __future__ import annotations

import re
import shlex
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from .._exceptions import WheelhouseError

SNIPPETS = ("pip.conf", "uv.toml", "pyproject.toml", "poetry", "pdm", "env")
_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
_LOOPBACK = ("localhost", "127.0.0.1", "::1")
_UV_PIP_NOTE = (
    "# UV_NO_BUILD binds uv sync/lock/run; `uv pip install` reads no such variable, but\n"
    "# wheelmill's index lists wheels only. To refuse sdists from elsewhere too, point\n"
    "# UV_CONFIG_FILE at the uv.toml above, or pass --only-binary :all:.\n"
)


@dataclass(frozen=True)
class ClientConfig:
    kind: str  # "directory" or "index"
    location: str  # the find-links URL, or the index URL
    pip_conf: str
    uv_toml: str
    pyproject: str
    environment: tuple[tuple[str, str], ...]
    poetry: str = ""
    pdm: str = ""

    @property
    def env(self) -> str:
        lines = [f"export {name}={shlex.quote(value)}\n" for name, value in self.environment]
        return "".join(lines) + _UV_PIP_NOTE

    def snippet(self, name: str) -> str:
        return {
            "pip.conf": self.pip_conf,
            "uv.toml": self.uv_toml,
            "pyproject.toml": self.pyproject,
            "poetry": self.poetry,
            "pdm": self.pdm,
            "env": self.env,
        }[name]


def _toml(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def index_url(url: str) -> str:
    """The ``/simple/`` URL of a served wheelhouse given its root or its index URL."""
    base = url.rstrip("/")
    return base + "/" if base.endswith("/simple") else base + "/simple/"


def _poetry(simple: str) -> str:
    return (
        f"# or: poetry source add --priority=primary wheelhouse {simple}\n"
        "# binary-only (poetry.toml, not pyproject.toml):\n"
        "#     poetry config --local installer.only-binary :all:\n"
        "[[tool.poetry.source]]\n"
        'name = "wheelhouse"\n'
        f"url = {_toml(simple)}\n"
        'priority = "primary"\n'
    )


def _pdm(url: str, *, find_links: bool = False) -> str:
    # A source named "pypi" takes the place of PyPI: nothing else is asked.
    kind = 'type = "find_links"\n' if find_links else ""
    return (
        "[[tool.pdm.source]]\n"
        'name = "pypi"\n'
        f"url = {_toml(url)}\n"
        f"{kind}"
        "\n[tool.pdm.resolution]\n"
        'only-binary = ":all:"\n'
    )


def _directory(path: Path) -> ClientConfig:
    wheels = path / "wheels"
    if not wheels.is_dir():
        raise WheelhouseError(
            f"{path}: no wheels/ directory here; run `wheelmill build` first, or pass the "
            "URL the wheelhouse is served at"
        )
    links = wheels.absolute().as_uri()
    simple = (path / "simple").absolute().as_uri() + "/"
    pip_conf = (
        "[global]\n"
        "only-binary = :all:\n"
        "no-index = true\n"
        f"find-links = {links}\n"
        "# or the published index, in place of no-index and find-links:\n"
        f"# index-url = {simple}\n"
    )
    settings = f"no-build = true\nno-index = true\nfind-links = [{_toml(links)}]\n"
    environment = (
        ("PIP_ONLY_BINARY", ":all:"),
        ("PIP_NO_INDEX", "1"),
        ("PIP_FIND_LINKS", links),
        # uv has no variable for --no-index: its default index becomes the
        # published one, which lists wheels only.
        ("UV_DEFAULT_INDEX", simple),
        ("UV_NO_BUILD", "1"),
    )
    return ClientConfig(
        kind="directory",
        location=links,
        pip_conf=pip_conf,
        uv_toml=settings,
        pyproject="[tool.uv]\n" + settings,
        environment=environment,
        poetry=(
            "# poetry reads indexes over HTTP only: serve this wheelhouse (wheelmill serve,\n"
            "# nginx) and run `wheelmill pip-config --wheelhouse URL --only poetry`\n"
        ),
        pdm=_pdm(links, find_links=True),
    )


def _index(url: str) -> ClientConfig:
    simple = index_url(url)
    parts = urllib.parse.urlsplit(simple)
    insecure = parts.scheme == "http" and (parts.hostname or "") not in _LOOPBACK
    pip_conf = f"[global]\nonly-binary = :all:\nindex-url = {simple}\n"
    environment = [("PIP_ONLY_BINARY", ":all:"), ("PIP_INDEX_URL", simple)]
    if insecure:
        # pip ignores a plain-HTTP index unless its host is trusted.
        pip_conf += f"trusted-host = {parts.hostname}\n"
        environment.append(("PIP_TRUSTED_HOST", parts.hostname or ""))
    environment += [
        ("UV_NO_BUILD", "1"),
        ("UV_DEFAULT_INDEX", simple),
        ("UV_INDEX_URL", simple),  # the same, for uv before 0.4.23
    ]
    index = f'name = "wheelhouse"\nurl = {_toml(simple)}\ndefault = true\n'
    return ClientConfig(
        kind="index",
        location=simple,
        pip_conf=pip_conf,
        uv_toml=f"no-build = true\n\n[[index]]\n{index}",
        pyproject=f"[tool.uv]\nno-build = true\n\n[[tool.uv.index]]\n{index}",
        environment=tuple(environment),
        poetry=_poetry(simple),
        pdm=_pdm(simple),
    )


def client_config(where: str) -> ClientConfig:
    """The snippets for a wheelhouse directory, or for the URL it is served at."""
    if _URL.match(where):
        return _index(where)
    return _directory(Path(where).expanduser())
