"""``wheelmill build --check-reproducible``: build each built pin again, compare bytes.

A wheel is reproducible when a second build of the same sdist, with the same
settings and ``SOURCE_DATE_EPOCH``, gives a byte-identical file. Backends that
embed build times, paths or random order defeat that; the report names them.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..config import BuildSettings
from ..store.wheelhouse import Store, sha256_file
from ..target import Target
from ._frontend import frontend_python
from ._repair import needs_repair, repair_wheel
from .batch import BUILT, CACHED, BuildReport
from .sdist import build_sdist


@dataclass(frozen=True)
class Reproduction:
    name: str
    version: str
    target: str
    wheel: str
    reproducible: bool
    detail: str


def check_reproducible(
    report: BuildReport,
    store: Store,
    *,
    targets: Sequence[Target],
    settings_for: Callable[[str], BuildSettings],
    index_url: str,
) -> list[Reproduction]:
    """Rebuild every pin whose wheel was built from source (in this run or an earlier
    one), and compare with the stored wheel."""
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
            workdir = scratch / result.key
            log = store.new_log(result.name, result.version, result.key, attempt=9)
            outcome = build_sdist(
                Path(record.sdist),
                workdir,
                log,
                frontend=frontend_python(target, store, index_url=index_url),
                target=target,
                settings=settings,
                index_url=index_url,
                store=store,
            )
            wheel = outcome.wheel
            if wheel is not None and settings.repair == "auditwheel" and needs_repair(wheel):
                repaired = repair_wheel(wheel, workdir / "repaired", log, index_url=index_url)
                wheel = None if isinstance(repaired, str) else repaired.wheel
            if wheel is None:
                same, detail = False, f"the second build failed: {outcome.error}"
            else:
                same = sha256_file(wheel) == record.sha256
                detail = "byte-identical" if same else f"differs (second build's log: {log})"
            results.append(
                Reproduction(result.name, result.version, result.target, record.wheel, same, detail)
            )
            shutil.rmtree(workdir, ignore_errors=True)
    return results
