"""``wheelmill add``: put a team's own wheels into the wheelhouse, checked, then publish.

Each file must be a wheel whose name is a valid wheel filename, whose archive is
intact (every member's CRC, sane expansion bounds) and whose METADATA names the
project and version its filename says. They are all checked before any is added,
so a bad file adds nothing. Each goes in through the store (its sha256 and
upload time recorded, as for a built wheel), so ``publish``, ``export`` and
``verify`` treat it as a stored wheel. A wheel of that name already in the
wheelhouse is never replaced: the same bytes are a no-op, other bytes an error.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import InvalidWheelFilename, parse_wheel_filename

from .._exceptions import InvalidWheelError, UnsafeFilenameError
from .._filenames import plain_filename
from ..store._wheelfile import check_wheel
from ..store.wheelhouse import Store, sha256_file
from .publish import PublishReport, publish


@dataclass
class AddReport:
    added: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)  # the same bytes were there already
    publish: PublishReport | None = None


def _problem(path: Path, store: Store) -> str | None:
    """Why ``path`` cannot be added, or ``None``."""
    name = path.name
    try:
        plain_filename(name)
        parse_wheel_filename(name)
    except (InvalidWheelFilename, UnsafeFilenameError) as exc:
        return f"{name}: not a wheel filename ({exc})"
    try:
        check_wheel(path, name)
    except InvalidWheelError as exc:
        return str(exc)
    except OSError as exc:
        return f"{path}: cannot be read ({exc.strerror or exc})"
    held = store.wheels / name
    if held.exists() and sha256_file(held) != sha256_file(path):
        return (
            f"{name}: the wheelhouse already holds another wheel of that name, and a stored "
            "wheel is never replaced; give yours a new version (or a build tag)"
        )
    return None


def add_wheels(store: Store, paths: Sequence[Path]) -> AddReport:
    """Check every wheel, add them all (or none), then publish."""
    problems = [problem for path in paths if (problem := _problem(path, store)) is not None]
    if problems:
        raise InvalidWheelError("; ".join(problems) + "; nothing added")
    report = AddReport()
    with store.session() as tmp:
        for path in paths:
            if (store.wheels / path.name).exists():
                report.present.append(path.name)
                continue
            temp = tmp / path.name
            shutil.copyfile(path, temp)
            store.add_wheel(temp, path.name)
            report.added.append(path.name)
    report.publish = publish(store)
    return report
