"""``wheelmill build --check-reproducible``: build each built pin again, compare bytes.

A wheel is reproducible when a second build of the same sdist, with the same
settings and ``SOURCE_DATE_EPOCH``, gives a byte-identical file. Backends that
embed build times, paths or random order defeat that; the report names them,
and the archive members that differ. The outcome for the whole lock (N of M
identical) is kept in the wheelhouse for the status page
(:mod:`wheelmill.store.reproducibility`).
"""

from __future__ import annotations

import shutil
import time
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

from packaging.utils import canonicalize_name

from ..config import BuildSettings
from ..diagnose.remedy import apply_remedy
from ..lockfile.pins import Pin
from ..store.reproducibility import ReproducibilityCheck, Reproduction, record_check
from ..store.wheelhouse import Store, sha256_file
from ..target import Target
from ._frontend import frontend_python
from .results import BUILT, CACHED, BuildReport
from .step import make_wheel

__all__ = ["ReproducibilityCheck", "Reproduction", "check_reproducible", "differing_members"]


def _entries(path: Path) -> dict[str, tuple[int, int, tuple[int, ...], int]]:
    """Each member's ``(crc, size, date_time, external_attr)``."""
    with zipfile.ZipFile(path) as archive:
        return {
            info.filename: (info.CRC, info.file_size, info.date_time, info.external_attr)
            for info in archive.infolist()
        }


def differing_members(first: Path, second: Path) -> tuple[str, ...]:
    """The members of two wheels whose bytes differ, or that only one holds; when the
    bytes all agree, those whose zip entry (time stamp, mode) differs, marked so."""
    try:
        one, two = _entries(first), _entries(second)
    except (OSError, zipfile.BadZipFile) as exc:
        return (f"(not a readable wheel: {exc})",)
    names = sorted(set(one) | set(two))
    content = [n for n in names if n not in one or n not in two or one[n][:2] != two[n][:2]]
    if content:
        return tuple(content)
    entries = [f"{n} (zip entry)" for n in names if one[n] != two[n]]
    return tuple(entries) or ("(the archive's layout: member order or compression)",)


def _differs(differing: tuple[str, ...], log: Path) -> str:
    shown = ", ".join(differing[:5]) + (f" and {len(differing) - 5} more" if differing[5:] else "")
    return f"differs in {shown} (second build's log: {log})"


def check_reproducible(
    report: BuildReport,
    store: Store,
    *,
    lock: Path,
    targets: Sequence[Target],
    settings_for: Callable[[str], BuildSettings],
    index_url: str,
) -> ReproducibilityCheck:
    """Rebuild every pin whose wheel was built from source (in this run or an earlier
    one), compare with the stored wheel, and record the outcome in ``store``."""
    by_name = {target.name: target for target in targets}
    results = []
    with store.session() as scratch:
        for result in report.results:
            record = store.read_record(result.key) if result.status in (BUILT, CACHED) else None
            if record is None or record.source != "built" or not record.sdist:
                continue
            if not record.wheel or not record.sha256 or result.target not in by_name:
                continue
            target = by_name[result.target]
            settings = settings_for(result.name)
            if record.remedy is not None:  # rebuilt the way the stored wheel was built
                settings = apply_remedy(settings, record.remedy)
            workdir = scratch / result.key
            log = store.new_log(result.name, result.version, result.key, attempt=9)
            made = make_wheel(
                Pin(canonicalize_name(result.name), result.version, frozenset()),
                Path(record.sdist),
                target=target,
                settings=settings,
                workdir=workdir,
                log=log,
                frontend=frontend_python(target, store, index_url=index_url),
                index_url=index_url,
                store=store,
                import_check=False,
            )
            differing: tuple[str, ...] = ()
            if made.wheel is None:
                same, detail = False, f"the second build failed: {made.error}"
            else:
                same = sha256_file(made.wheel) == record.sha256
                if not same:
                    differing = differing_members(store.wheels / record.wheel, made.wheel)
                detail = "byte-identical" if same else _differs(differing, log)
            results.append(
                Reproduction(
                    result.name,
                    result.version,
                    result.target,
                    record.wheel,
                    same,
                    detail,
                    differing,
                )
            )
            shutil.rmtree(workdir, ignore_errors=True)
    check = ReproducibilityCheck(time.time(), str(lock), tuple(results))
    record_check(store, check)
    return check
