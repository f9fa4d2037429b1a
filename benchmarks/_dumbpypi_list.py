"""Feed dumb-pypi the facts it cannot find itself (run in the dumb-pypi venv).

usage: _dumbpypi_list.py POOL LIST.json [WHEEL ...]

For every wheel in POOL (or only the WHEEL names given, appended to LIST): hash
it, copy its METADATA to ``<wheel>.metadata`` and write one JSON line with
``hash``, ``requires_python`` and ``core_metadata``. Standard library only.

Each wheel is read from disk once: the bytes that are hashed are the bytes the
zip is read from, as wheelmill does.
"""

from __future__ import annotations

import hashlib
import io
import json
import sys
import zipfile
from email.parser import BytesHeaderParser
from pathlib import Path


def describe(path: Path) -> dict[str, str]:
    data = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        member = next(
            n for n in archive.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA")
        )
        metadata = archive.read(member)
    path.with_name(path.name + ".metadata").write_bytes(metadata)
    line = {
        "filename": path.name,
        "hash": "sha256=" + hashlib.sha256(data).hexdigest(),
        "core_metadata": "sha256=" + hashlib.sha256(metadata).hexdigest(),
    }
    requires_python = BytesHeaderParser().parsebytes(metadata).get("Requires-Python")
    if requires_python:
        line["requires_python"] = str(requires_python)
    return line


def main(argv: list[str]) -> None:
    pool, output, names = Path(argv[0]), Path(argv[1]), argv[2:]
    paths = [pool / name for name in names] if names else sorted(pool.glob("*.whl"))
    with output.open("a" if names else "w") as stream:
        for path in paths:
            stream.write(json.dumps(describe(path)) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
