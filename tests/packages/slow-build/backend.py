"""A backend whose build takes a minute: something to interrupt mid-way.

It prints its process id to the build log before it sleeps, so a test knows
the build is running and can check that it is gone afterwards.
"""

import os
import sys
import time

from sample_backend import build_wheel as _build_wheel
from sample_backend import get_requires_for_build_wheel  # noqa: F401


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    print(f"slow backend: sleeping in process {os.getpid()}", file=sys.stderr, flush=True)
    time.sleep(60)
    return _build_wheel(wheel_directory, config_settings, metadata_directory)
