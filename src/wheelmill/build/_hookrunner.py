"""``python -m build`` with every backend hook started inside a sandbox (a script).

wheelmill runs ``FRONTEND_PYTHON _hookrunner.py SPEC.json BUILD-ARGUMENTS…``
with the frontend's interpreter (which may be another target's Python: so this
file imports nothing of wheelmill). The frontend does its usual work, creating
the isolated build environment and installing the build requirements (static
and those the backend asks for) from the wheelhouse and the index, *outside* the
sandbox; each backend hook (the only place where the sdist's own code runs) is
started with the spec's command prefix (bubblewrap, ``unshare``, or none) and
the spec's environment (an allow-list, not the frontend's).

The spec is JSON: ``prefix`` (list), ``env`` (object), ``owner`` (a uid or
null: the ``writable`` directories are handed to it before each hook, for a
build that runs as an unprivileged user), ``requested`` (a path or null: the
requirements the backend asks for while it builds are written there, as a JSON
list, so wheelmill can build those that have no wheel and try again).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from typing import Any, Optional


def _chown_tree(top: str, uid: int) -> None:
    """Give ``top`` and everything in it to ``uid`` (links themselves, never their targets)."""
    os.chown(top, uid, uid, follow_symlinks=False)
    for root, dirs, files in os.walk(top):
        for name in (*dirs, *files):
            os.chown(os.path.join(root, name), uid, uid, follow_symlinks=False)


def _runner(spec: Mapping[str, Any]) -> Any:
    prefix: list[str] = list(spec["prefix"])
    env: dict[str, str] = dict(spec["env"])
    owner: int | None = spec.get("owner")
    writable: list[str] = list(spec.get("writable", ()))

    def run(
        cmd: Sequence[str],
        cwd: Optional[str] = None,  # noqa: UP045 (this script may run on any Python 3)
        extra_environ: Optional[Mapping[str, str]] = None,  # noqa: UP045
    ) -> None:
        if owner is not None:
            for directory in writable:
                _chown_tree(directory, owner)
        subprocess.run([*prefix, *cmd], cwd=cwd, env={**env, **(extra_environ or {})}, check=True)

    return run


def main(argv: list[str]) -> int:
    with open(argv[0], encoding="utf-8") as stream:
        spec = json.load(stream)
    import build
    import build.__main__

    hook_runner = _runner(spec)
    original = build.ProjectBuilder.__init__

    def init(self: Any, source_dir: Any, *args: Any, **kwargs: Any) -> None:
        kwargs["runner"] = hook_runner  # (source_dir, python_executable, runner)
        original(self, source_dir, *args[:1], **kwargs)

    build.ProjectBuilder.__init__ = init  # type: ignore[method-assign]
    requested: Optional[str] = spec.get("requested")  # noqa: UP045
    asked = build.ProjectBuilder.get_requires_for_build

    def get_requires(self: Any, distribution: Any, config_settings: Any = None) -> Any:
        found = asked(self, distribution, config_settings)
        if requested:
            with open(requested, "w", encoding="utf-8") as stream:
                json.dump(sorted(found), stream)
        return found

    build.ProjectBuilder.get_requires_for_build = get_requires  # type: ignore[method-assign]
    try:
        build.__main__.main(argv[1:], "python -m build")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
