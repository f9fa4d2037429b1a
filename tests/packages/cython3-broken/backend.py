"""Fails the way PyYAML 5.4.1 does under Cython 3; builds under Cython<3."""

import sys

import cython
from sample_backend import build_wheel as _build_wheel
from sample_backend import get_requires_for_build_wheel  # noqa: F401


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    if cython.VERSION.startswith("3"):
        print("running build_ext", file=sys.stderr)
        print(
            "AttributeError: 'build_ext' object has no attribute 'cython_sources'", file=sys.stderr
        )
        sys.exit(1)
    return _build_wheel(wheel_directory, config_settings, metadata_directory)
