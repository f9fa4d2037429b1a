"""``auditwheel`` with its package-database lookups asked in one go (a script).

wheelmill runs ``python _auditwheel.py repair …`` where it ran ``python -m
auditwheel repair …``; the repair is auditwheel's own, unchanged, and so is its
result. Only this differs: the SBOM auditwheel writes into a repaired wheel
names the system package of each library it grafted, and on a dpkg system its
vendored ``whichprovides`` asks ``dpkg -S FILE`` and then ``dpkg -s PACKAGE``
once per library. For psycopg2 that is 21 libraries, 43 processes each reading
the whole package database: 3.5 s of a 9.7 s repair. Here the same two
questions are asked once for all libraries (``dpkg -S FILE…``, ``dpkg -s
PACKAGE…``) and each answer read off as the single question would have given
it; a file whose answer is not plain (a diversion, several packages) is asked
alone, as before. Anything unexpected in auditwheel's layout: it runs as it is.

This file is auditwheel's one seam into its internals, and it imports nothing of
wheelmill (it runs as a script, without wheelmill's modules on its path).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Collection
from typing import Any

_VERSION = re.compile(r"^Version: ([^\s]+)", re.MULTILINE)
_PACKAGE = re.compile(r"^Package: (\S+)", re.MULTILINE)
_GLOB = re.compile(r"[*?\[\]\\]")


def _run(argv: list[str]) -> str:
    """Standard output of ``argv``, whatever its exit status (it says "not found"
    for some of the files or packages asked about, and answers the rest)."""
    done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=False)
    return done.stdout.decode()


def owners(dpkg: str, paths: Collection[str]) -> dict[str, str | None]:
    """The package ``dpkg -S PATH`` names for each path (``None``: none), where its
    answer is one plain ``package[:arch]: PATH`` line; other paths (and those dpkg
    would read as a pattern) are left out."""
    lines: dict[str, list[str]] = {path: [] for path in paths if not _GLOB.search(path)}
    if not lines:
        return {}
    for line in _run([dpkg, "-S", *lines]).splitlines():
        owner, sep, path = line.partition(": ")
        if sep and path in lines:
            lines[path].append(owner)
    found: dict[str, str | None] = {}
    for path, named in lines.items():
        if not named:
            found[path] = None
        elif len(named) == 1 and "," not in named[0] and " " not in named[0]:
            found[path] = named[0].split(":", 1)[0]
    return found


def versions(dpkg: str, packages: Collection[str]) -> dict[str, str]:
    """The installed version ``dpkg -s PACKAGE`` gives first, per installed package."""
    found: dict[str, str] = {}
    for stanza in re.split(r"\n\s*\n", _run([dpkg, "-s", *packages])):
        name, version = _PACKAGE.search(stanza), _VERSION.search(stanza)
        if name and version and name.group(1) in packages:
            found.setdefault(name.group(1), version.group(1))
    return found


def batch_dpkg(provider: Any, provided_by: Any) -> None:
    """Make ``provider`` (whichprovides' dpkg provider) ask about all files at once."""
    single = provider.whichprovides

    def whichprovides(cls: Any, filepaths: Collection[str]) -> dict[str, Any]:
        dpkg, distro = cls.which("dpkg"), cls.distro()
        if not dpkg or not distro or not filepaths:
            return dict(single(filepaths))
        found = owners(dpkg, filepaths)
        known = versions(dpkg, {name for name in found.values() if name})
        results: dict[str, Any] = {}
        for path in filepaths:
            if path not in found:  # not a plain answer: asked alone, as auditwheel does
                results.update(single([path]))
                continue
            name = found[path]
            if name is not None and name in known:
                results[path] = provided_by(
                    package_type="deb", distro=distro, package_name=name,
                    package_version=known[name],
                )  # fmt: skip
        return results

    provider.whichprovides = classmethod(whichprovides)


def _patch() -> None:
    try:
        from auditwheel._vendor import whichprovides as vendored
    except ImportError:
        return
    provider = getattr(vendored, "DpkgPackageProvider", None)
    provided_by = getattr(vendored, "ProvidedBy", None)
    if provider is None or provided_by is None or not hasattr(provider, "whichprovides1"):
        return
    batch_dpkg(provider, provided_by)


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    _patch()
    try:
        from auditwheel.main import main
    except ImportError:
        sys.exit("No module named auditwheel")
    sys.exit(main())
