"""Resolve a requirements set into a pinned, hashed lock (pip-tools, or uv).

Both resolvers sit behind :func:`lock_requirements`; they run as subprocesses in
the isolated environment, so the user's pip configuration cannot change the
result. The lock is written to a temporary file and renamed over the old one, so
a failed resolution leaves the previous lock untouched (and, as pip-compile does,
existing pins are kept unless ``upgrade`` is set).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .._exceptions import RequirementsError, ResolutionError
from .._isolation import isolated_env
from .._tools import OUTPUT_DECORATION, piptools_command, require_uv, run_captured
from ..diagnose import diagnose
from ..diagnose._logtext import SCANNED
from ..diagnose.remedy import LazyRules
from ..target import Target, current_target
from .inputs import LockHeader, with_header
from .merge import (
    lowest_python,
    merge_per_target,
    resolvable_by_piptools,
)
from .pins import logical_lines, parse_pins
from .unlockable import Unlockable, failed_sdist, metadata_failed, without

#: Where the resolver's own error message starts in a line (all literals: linear).
_ERROR_START = re.compile(
    r"Could not find a version that satisfies|No matching distribution found"
    r"|No solution found|ResolutionImpossible|ERROR: "
)


#: More requirements than this that cannot produce metadata: give up.
_MOST_LEFT_OUT = 5


@dataclass(frozen=True)
class LockResult:
    output: Path
    pins: int
    resolver: str
    remediation: str | None = None
    #: Requirements left out of the lock: their sdists cannot produce metadata here.
    unlockable: tuple[Unlockable, ...] = ()


class _ResolverFailed(ResolutionError):
    def __init__(self, message: str, output: str) -> None:
        super().__init__(message)
        self.output = output


def check_requirements_input(path: Path) -> None:
    """Reject malformed requirement lines before a resolver prints pages about them."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RequirementsError(f"{path}: no such requirements file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RequirementsError(f"{path}: cannot read requirements file ({exc})") from None
    from packaging.requirements import InvalidRequirement, Requirement

    for number, line in logical_lines(text):
        if line.startswith("-"):
            continue
        body = line.split(" --hash", 1)[0]
        try:
            Requirement(body)
        except InvalidRequirement as exc:
            first = str(exc).splitlines()[0]
            raise RequirementsError(
                f"{path}:{number}: cannot parse requirement {body!r} ({first})"
            ) from None


def _error_in(line: str) -> str | None:
    """The resolver error a line holds, from where it starts; ``None`` if none."""
    if "not found in the package registry" in line:
        return line
    starts = []
    found = _ERROR_START.search(line)
    if found:
        starts.append(found.start())
    because = line.find("Because ")
    if because != -1 and line.find(" we can conclude ", because + len("Because ")) != -1:
        starts.append(because)
    return line[min(starts) :] if starts else None


def _first_error(output: str) -> str:
    """The first line of resolver output that states the error (the first few KB of each line)."""
    for line in output.splitlines():
        found = _error_in(line.strip(OUTPUT_DECORATION)[:SCANNED])
        if found:
            return found.strip()
    lines = [line for line in output.splitlines() if line.strip()]
    return lines[-1].strip()[:SCANNED] if lines else "no output"


def _argv(
    resolver: str, temp: Path, *, index_url: str, upgrade: bool, constraints: Path | None,
    universal: str | None, python: str | None,
) -> list[str]:  # fmt: skip
    """The resolver's command line; ``universal``: uv's universal resolution from that
    Python up; ``python``: the interpreter pip-tools runs in (and so resolves for)."""
    if resolver == "uv":
        argv = [require_uv(), "pip", "compile", "--generate-hashes", "--no-config", "--quiet"]
        if universal:
            argv += ["--universal", "--python-version", universal]
        if constraints:
            argv += ["--build-constraints", str(constraints)]
    else:
        argv = [*piptools_command(python), "--generate-hashes", "--no-config", "--quiet"]
        argv += ["--no-emit-index-url", "--no-emit-trusted-host", "--no-emit-find-links"]
        argv.append("--strip-extras")
        if constraints:
            argv += ["--pip-args", f"--build-constraint={constraints}"]
    argv += ["--index-url", index_url, "--output-file", str(temp)]
    return [*argv, "--upgrade"] if upgrade else argv


def _run(argv: list[str], requirements: Path, output: Path, env: dict[str, str], timeout: float,
         resolver: str, name_failed_sdist: bool) -> None:  # fmt: skip
    # Relative to the lock's directory, so `# via -r …` lines name no absolute path.
    argv = [*argv, os.path.relpath(requirements.resolve(), output.parent.resolve())]
    try:
        done = run_captured(argv, env=env, cwd=output.parent, timeout=timeout)
        if done.returncode == 0:
            return
        message = f"{requirements}: cannot resolve: {_first_error(done.stdout)}"
        text = done.stdout
        if name_failed_sdist and metadata_failed(text) and failed_sdist(text) is None:
            # pip names the file it was preparing only when verbose: ask again, verbosely.
            loud = ["-v" if part == "--quiet" else part for part in argv]
            text = run_captured(loud, env=env, cwd=output.parent, timeout=timeout).stdout
    except OSError as exc:
        raise ResolutionError(f"cannot start the {resolver} resolver: {exc}") from None
    except subprocess.TimeoutExpired:
        raise ResolutionError(f"{requirements}: resolution took over {timeout:g} s") from None
    raise _ResolverFailed(message, text)


def _resolve(
    requirements: Path,
    output: Path,
    *,
    index_url: str,
    resolver: str,
    upgrade: bool,
    timeout: float,
    build_constraints: Sequence[str],
    header: LockHeader,
    targets: Sequence[Target],
    name_failed_sdist: bool = False,
) -> LockResult:
    check_requirements_input(requirements)
    if requirements.resolve() == output.resolve():
        raise RequirementsError(f"{output}: the lock must not overwrite its own input")
    if resolver != "uv":  # pip-tools resolves only for interpreters this machine runs
        targets = resolvable_by_piptools(targets)
    universal = lowest_python(targets)
    per_target = resolver != "uv" and universal is not None
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
    os.close(fd)
    temp = Path(temp_name)
    constraints_file = temp.with_name(temp.name + ".build-constraints")
    runs = [temp.with_name(f"{temp.name}.{index}") for index in range(len(targets))]
    try:
        if build_constraints:
            constraints_file.write_text("".join(f"{c}\n" for c in build_constraints), "utf-8")
        env = isolated_env(index_url=index_url)
        env["CUSTOM_COMPILE_COMMAND"] = "wheelmill lock"
        env["UV_CUSTOM_COMPILE_COMMAND"] = "wheelmill lock"
        constraints = constraints_file if build_constraints else None
        # Each run starts from the existing lock's pins (kept unless `upgrade`).
        plan = (
            [(run, target.python) for run, target in zip(runs, targets)]
            if per_target
            else [(temp, None)]
        )
        for path, python in plan:
            if output.exists() and not upgrade:
                shutil.copyfile(output, path)
            else:
                path.write_text("", encoding="utf-8")
            argv = _argv(
                resolver, path, index_url=index_url, upgrade=upgrade, constraints=constraints,
                universal=None if per_target else universal, python=python,
            )  # fmt: skip
            _run(argv, requirements, output, env, timeout, resolver, name_failed_sdist)
        if per_target:
            resolved = [parse_pins(run.read_text("utf-8"), str(output)) for run in runs]
            temp.write_text(merge_per_target(list(zip(targets, resolved))), encoding="utf-8")
        text = temp.read_text(encoding="utf-8")
        pins = parse_pins(text, str(output))
        if header.lines():
            temp.write_text(with_header(text, header), encoding="utf-8")
        os.replace(temp, output)
    finally:
        for path in (temp, constraints_file, *runs):
            path.unlink(missing_ok=True)
    return LockResult(output=output, pins=len(pins), resolver=resolver)


def lock_requirements(
    requirements: Path,
    output: Path,
    *,
    index_url: str,
    resolver: str = "pip-tools",
    upgrade: bool = False,
    timeout: float = 1800.0,
    build_constraints: Sequence[str] = (),
    rules: LazyRules | None = None,
    header: LockHeader | None = None,
    targets: Sequence[Target] = (),
    keep_going: bool = False,
) -> LockResult:
    """Resolve ``requirements`` into ``output`` for ``targets`` (default: the running
    interpreter).

    For targets other than the running interpreter, uv resolves universally (from
    the lowest target Python up, with environment markers); pip-tools resolves
    once per target, in that target's interpreter, and the results are merged
    into one lock whose pins carry the targets' markers (:mod:`.merge`).
    ``header`` (the inputs' hash, the targets) is written first in the lock.
    With ``keep_going``, a requirement whose sdist cannot produce metadata is
    left out and the rest is resolved; the result lists it (``unlockable``).

    Resolving may build sdists to read their metadata; ``build_constraints``
    (every constraint of the build configuration) apply to those builds, so a
    pin that only builds under a constraint (``Cython<3``) can be locked. When
    ``rules`` are given, a failed resolution is diagnosed: if the diagnosis
    names a build constraint, the resolution is retried once with it; else the
    error carries the diagnosis.
    """
    header = header or LockHeader()
    arguments: dict[str, Any] = {
        "index_url": index_url,
        "resolver": resolver,
        "upgrade": upgrade,
        "timeout": timeout,
        "targets": list(targets) or [current_target()],
        "name_failed_sdist": keep_going,
    }
    pending = requirements
    left_out: list[Unlockable] = []
    copies: list[Path] = []
    try:
        while True:
            # A lock missing a requirement records no inputs: the next run resolves again.
            partial = header.replace(inputs=None) if left_out else header
            try:
                result = _remediated(pending, output, build_constraints, rules, partial, arguments)
                if pending != requirements:  # `# via -r …` names the real file
                    text = output.read_text(encoding="utf-8")
                    write_text_atomic(output, text.replace(pending.name, requirements.name))
                return replace(result, unlockable=tuple(left_out))
            except _ResolverFailed as failure:
                culprit = failed_sdist(failure.output) if keep_going else None
                reduced = None
                if culprit is not None and len(left_out) < _MOST_LEFT_OUT:
                    reduced = without(pending, culprit[0])
                if culprit is None or reduced is None:
                    raise
                copies.append(reduced)
                left_out.append(Unlockable(culprit[0], culprit[1], failure.output))
                pending = reduced
    finally:
        for copy in copies:
            copy.unlink(missing_ok=True)


def write_text_atomic(path: Path, text: str) -> None:
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def _remediated(
    requirements: Path,
    output: Path,
    build_constraints: Sequence[str],
    rules: LazyRules | None,
    header: LockHeader,
    arguments: dict[str, Any],
) -> LockResult:
    """One resolution; retried once with the build constraint its diagnosis names."""
    try:
        return _resolve(
            requirements, output, build_constraints=build_constraints, header=header, **arguments
        )
    except _ResolverFailed as failure:
        if rules is None:
            raise
        diagnosis = diagnose(failure.output, rules.get())
        if diagnosis.rule is None:
            raise
        extra = [c for c in diagnosis.build_constraints if c not in build_constraints]
        if not extra:
            raise _ResolverFailed(
                f"{failure} ({diagnosis.summary}: {diagnosis.rule}; "
                "see `wheelmill diagnose` on the resolver output)",
                failure.output,
            ) from None
        result = _resolve(
            requirements, output, build_constraints=(*build_constraints, *extra), header=header,
            **arguments,
        )  # fmt: skip
        return replace(result, remediation=f"{diagnosis.rule}: build constraint {', '.join(extra)}")
