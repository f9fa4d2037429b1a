"""Read and amend an unpacked sdist's ``[build-system]`` table.

``build_requires`` overrides add requirements to what the backend gets
installed; that needs the table rewritten, since no frontend takes extra build
requirements from the outside. Only the three keys PEP 517/518 define are
rewritten; the rest of the file is left byte for byte.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import _toml
from .._exceptions import WheelmillError

#: PEP 517's fallback for projects without ``[build-system]``.
LEGACY_REQUIRES = ("setuptools>=40.8.0",)
LEGACY_BACKEND = "setuptools.build_meta:__legacy__"
_TABLE = re.compile(r"^\[build-system\][ \t]*(#.*)?$", re.MULTILINE)
_NEXT_TABLE = re.compile(r"^\[", re.MULTILINE)


def build_system(source: Path) -> dict[str, Any]:
    """The ``[build-system]`` table, with PEP 517's defaults filled in."""
    path = source / "pyproject.toml"
    table: dict[str, Any] = {}
    if path.is_file():
        try:
            table = dict(_toml.loads(path.read_text("utf-8")).get("build-system", {}))
        except (_toml.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise WheelmillError(
                f"{path.name}: the sdist's pyproject.toml is invalid ({exc})"
            ) from None
    if "build-backend" not in table:
        table.setdefault("requires", list(LEGACY_REQUIRES))
    table.setdefault("requires", [])
    return table


def _render(table: dict[str, Any]) -> str:
    lines = ["[build-system]", f"requires = {json.dumps(list(table['requires']))}"]
    if "build-backend" in table:
        lines.append(f"build-backend = {json.dumps(table['build-backend'])}")
    if "backend-path" in table:
        lines.append(f"backend-path = {json.dumps(list(table['backend-path']))}")
    return "\n".join(lines) + "\n"


def add_build_requires(source: Path, extra: Sequence[str]) -> list[str]:
    """Append ``extra`` to the sdist's build requirements; return the new list."""
    table = build_system(source)
    table["requires"] = [*table["requires"], *extra]
    if "build-backend" not in table:
        table["build-backend"] = LEGACY_BACKEND
    path = source / "pyproject.toml"
    text = path.read_text("utf-8") if path.is_file() else ""
    header = _TABLE.search(text)
    if header is None:
        if re.search(r"^build-system\s*[.=]", text, re.MULTILINE):
            raise WheelmillError(
                f"{path.name}: build-system is written as dotted keys; "
                "cannot add build_requires to it"
            )
        text = _render(table) + ("\n" + text if text else "")
    else:
        following = _NEXT_TABLE.search(text, header.end())
        end = following.start() if following else len(text)
        text = text[: header.start()] + _render(table) + "\n" + text[end:]
    path.write_text(text, "utf-8")
    return list(table["requires"])
