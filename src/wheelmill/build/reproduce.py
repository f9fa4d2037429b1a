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

from packaging.utils import canonicalize_name

from ..config import BuildSettings
from ..diagnose.remedy import apply_remedy
from ..lockfile.pins import Pin
from ..store.wheelhouse import Store, sha256_file
from ..target import Target
from ._frontend import frontend_python
from .results import BUILT, CACHED, BuildReport
from .step import make_wheel


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
            if made.wheel is None:
                same, detail = False, f"the second build failed: {made.error}"
            else:
                same = sha256_file(made.wheel) == record.sha256
                detail = "byte-identical" if same else f"differs (second build's log: {log})"
            results.append(
                Reproduction(result.name, result.version, result.target, record.wheel, same, detail)
            )
            shutil.rmtree(workdir, ignore_errors=True)
    return results
