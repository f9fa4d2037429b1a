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
from .inputs import LockHeader, with_header
from .pins import logical_lines, parse_pins

#: Where the resolver's own error message starts in a line (all literals: linear).
_ERROR_START = re.compile(
    r"Could not find a version that satisfies|No matching distribution found"
    r"|No solution found|ResolutionImpossible|ERROR: "
)


@dataclass(frozen=True)
class LockResult:
    output: Path
    pins: int
    resolver: str
    remediation: str | None = None


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
) -> LockResult:
    check_requirements_input(requirements)
    if requirements.resolve() == output.resolve():
        raise RequirementsError(f"{output}: the lock must not overwrite its own input")
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
    os.close(fd)
    temp = Path(temp_name)
    constraints_file = temp.with_name(temp.name + ".build-constraints")
    try:
        if build_constraints:
            constraints_file.write_text("".join(f"{c}\n" for c in build_constraints), "utf-8")
        if output.exists() and not upgrade:
            shutil.copyfile(output, temp)
        else:
            temp.write_text("", encoding="utf-8")
        env = isolated_env(index_url=index_url)
        env["CUSTOM_COMPILE_COMMAND"] = "wheelmill lock"
        env["UV_CUSTOM_COMPILE_COMMAND"] = "wheelmill lock"
        if resolver == "uv":
            argv = [
                require_uv(),
                "pip",
                "compile",
                "--generate-hashes",
                "--no-config",
                "--quiet",
                "--index-url",
                index_url,
                "--output-file",
                str(temp),
            ]
            if upgrade:
                argv.append("--upgrade")
            if build_constraints:
                argv += ["--build-constraints", str(constraints_file)]
        else:
            argv = [
                *piptools_command(),
                "--generate-hashes",
                "--no-config",
                "--quiet",
                "--no-emit-index-url",
                "--no-emit-trusted-host",
                "--no-emit-find-links",
                "--strip-extras",
                "--index-url",
                index_url,
                "--output-file",
                str(temp),
            ]
            if upgrade:
                argv.append("--upgrade")
            if build_constraints:
                argv += ["--pip-args", f"--build-constraint={constraints_file}"]
        # Relative to the lock's directory, so `# via -r …` lines name no absolute path.
        argv.append(os.path.relpath(requirements.resolve(), output.parent.resolve()))
        try:
            done = run_captured(argv, env=env, cwd=output.parent, timeout=timeout)
        except OSError as exc:
            raise ResolutionError(f"cannot start the {resolver} resolver: {exc}") from None
        except subprocess.TimeoutExpired:
            raise ResolutionError(f"{requirements}: resolution took over {timeout:g} s") from None
        if done.returncode != 0:
            raise _ResolverFailed(
                f"{requirements}: cannot resolve: {_first_error(done.stdout)}", done.stdout
            )
        text = temp.read_text(encoding="utf-8")
        pins = parse_pins(text, str(output))
        if header.lines():
            temp.write_text(with_header(text, header), encoding="utf-8")
        os.replace(temp, output)
    finally:
        temp.unlink(missing_ok=True)
        constraints_file.unlink(missing_ok=True)
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
) -> LockResult:
    """Resolve ``requirements`` into ``output`` for the running interpreter.

    ``header`` (the inputs' hash, the targets) is written first in the lock.

    Resolving may build sdists to read their metadata; ``build_constraints``
    (every constraint of the build configuration) apply to those builds, so a
    pin that only builds under a constraint (``Cython<3``) can be locked. When
    ``rules`` are given, a failed resolution is diagnosed: if the diagnosis
    names a build constraint, the resolution is retried once with it; else the
    error carries the diagnosis.
    """
    arguments: dict[str, Any] = {
        "index_url": index_url,
        "resolver": resolver,
        "upgrade": upgrade,
        "timeout": timeout,
        "header": header or LockHeader(),
    }
    try:
        return _resolve(requirements, output, build_constraints=build_constraints, **arguments)
    except _ResolverFailed as failure:
        if rules is None:
            raise
        diagnosis = diagnose(failure.output, rules.get())
        if diagnosis.rule is None:
            raise
        extra = [c for c in diagnosis.build_constraints if c not in build_constraints]
        if not extra:
            raise ResolutionError(
                f"{failure} ({diagnosis.summary}: {diagnosis.rule}; "
                "see `wheelmill diagnose` on the resolver output)"
            ) from None
        result = _resolve(
            requirements, output, build_constraints=(*build_constraints, *extra), **arguments
        )
        return replace(result, remediation=f"{diagnosis.rule}: build constraint {', '.join(extra)}")
