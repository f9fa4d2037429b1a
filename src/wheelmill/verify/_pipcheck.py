"""pip's own verdict: would these pins install binary-only from a directory of wheels?

``pip install --dry-run --ignore-installed --only-binary :all: --no-index
--find-links DIR --report FILE`` for one target: the running interpreter as
it is, another local interpreter through pip's ``--python``, a download-only
target through ``--python-version``/``--implementation``/``--abi``/``--platform``
(pip then cannot evaluate dependency markers for that platform, so such
targets are checked with ``--no-deps``). pip runs in wheelmill's isolated
environment: the machine's pip configuration plays no part.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from .._isolation import isolated_env
from .._tools import run_captured
from ..target import Target

#: pip's ways of naming the one requirement it could not satisfy.
_REFUSED = (
    re.compile(r"No matching distribution found for (\S+)"),
    re.compile(r"Package '([^']+)' requires a different Python"),
)


@dataclass(frozen=True)
class PipVerdict:
    ok: bool
    command: str
    chosen: dict[str, str] = field(default_factory=dict)  # name -> wheel filename
    missing: str | None = None  # the name pip found no wheel for
    detail: str = ""  # pip's error lines, joined


def target_arguments(target: Target) -> list[str]:
    """How pip is told which interpreter to install for."""
    if target.download_only:
        argv = ["--python-version", target.python_version, "--implementation", "cp"]
        argv += ["--abi", target.abi]
        for platform in dict.fromkeys(tag.platform for tag in target.tags):
            if platform != "any":
                argv += ["--platform", platform]
        return argv
    return []


def _argv(
    target: Target, wheels: Path, report: Path, requirements: Path, no_deps: bool
) -> list[str]:
    argv = [sys.executable, "-m", "pip"]
    if not target.download_only and target.python and target.python != sys.executable:
        argv += ["--python", target.python]
    argv += [
        "install",
        "--dry-run",
        "--ignore-installed",
        "--quiet",
        "--no-cache-dir",
        "--only-binary",
        ":all:",
        "--no-index",
        "--find-links",
        str(wheels),
        "--report",
        str(report),
        *target_arguments(target),
    ]
    if no_deps or target.download_only:
        argv.append("--no-deps")
    return [*argv, "-r", str(requirements)]


def _errors(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line.removeprefix("ERROR: ") for line in lines if line.startswith("ERROR:")]
    return "; ".join(errors or lines[-3:])


def _missing(output: str) -> str | None:
    for pattern in _REFUSED:
        found = pattern.search(output)
        if found is not None:
            try:
                return canonicalize_name(Requirement(found.group(1)).name)
            except InvalidRequirement:
                return None
    return None


def _chosen(report: Path) -> dict[str, str]:
    data = json.loads(report.read_text("utf-8"))
    chosen: dict[str, str] = {}
    for item in data.get("install", []):
        url = item.get("download_info", {}).get("url", "")
        filename = urllib.parse.unquote(url.rsplit("/", 1)[-1])
        chosen[canonicalize_name(item["metadata"]["name"])] = filename
    return chosen


def pip_dry_run(
    requirements: Sequence[str], wheels: Path, target: Target, workdir: Path, *, no_deps: bool
) -> PipVerdict:
    """Ask pip whether ``requirements`` install for ``target`` from ``wheels`` alone."""
    listing = workdir / "requirements.txt"
    listing.write_text("".join(f"{line}\n" for line in requirements), "utf-8")
    report = workdir / "report.json"
    report.unlink(missing_ok=True)
    argv = _argv(target, wheels, report, listing, no_deps)
    # For people to rerun: without the temporary files.
    shown = [arg for arg in argv[3:-2] if arg not in ("--report", str(report), "--quiet")]
    command = shlex.join(["pip", *shown]) + " PIN…"
    env = isolated_env(index_url=wheels.as_uri())
    try:
        done = run_captured(argv, env=env, timeout=600)
    except (OSError, subprocess.SubprocessError) as exc:
        return PipVerdict(False, command, detail=f"pip could not run: {exc}")
    if done.returncode == 0 and report.is_file():
        return PipVerdict(True, command, chosen=_chosen(report))
    return PipVerdict(False, command, missing=_missing(done.stdout), detail=_errors(done.stdout))
