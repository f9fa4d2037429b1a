"""A backend that tries to write a file into each directory named in ``SAMPLE_ESCAPE``
(``os.pathsep``-separated) and into its home, then builds normally."""

import os
import sys

from sample_backend import build_wheel as _build_wheel
from sample_backend import get_requires_for_build_wheel  # noqa: F401


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    targets = [*os.environ.get("SAMPLE_ESCAPE", "").split(os.pathsep), os.path.expanduser("~")]
    for directory in filter(None, targets):
        path = os.path.join(directory, "escaped.txt")
        try:
            with open(path, "w", encoding="utf-8") as stream:
                stream.write("written by a build\n")
            print(f"writes-outside: wrote {path}", file=sys.stderr)
        except OSError as exc:
            print(f"writes-outside: cannot write {path} ({exc})", file=sys.stderr)
    return _build_wheel(wheel_directory, config_settings, metadata_directory)
