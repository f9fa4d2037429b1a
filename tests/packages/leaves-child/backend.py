"""A backend that starts a background process, leaves it running and succeeds.

The child's PID is appended to the file named by ``SAMPLE_PIDFILE``.
"""

import os
import subprocess
import sys

from sample_backend import build_wheel as _build_wheel
from sample_backend import get_requires_for_build_wheel  # noqa: F401


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(300)"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    with open(os.environ["SAMPLE_PIDFILE"], "a") as stream:
        stream.write(f"{child.pid}\n")
    return _build_wheel(wheel_directory, config_settings, metadata_directory)
