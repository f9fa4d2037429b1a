"""A backend that starts a daemon (double fork, ``setsid``) and succeeds.

The daemon's command line carries ``SAMPLE_TOKEN``, so a test can look for it
among every process on the machine once the build is over.
"""

import os
import subprocess
import sys

from sample_backend import build_wheel as _build_wheel
from sample_backend import get_requires_for_build_wheel  # noqa: F401

_DAEMON = r"""
import os, sys, time
if os.fork():
    os._exit(0)
os.setsid()
if os.fork():
    os._exit(0)
null = os.open(os.devnull, os.O_RDWR)
for fd in (0, 1, 2):
    os.dup2(null, fd)
time.sleep(300)
"""


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    subprocess.run([sys.executable, "-c", _DAEMON, os.environ["SAMPLE_TOKEN"]], check=True)
    return _build_wheel(wheel_directory, config_settings, metadata_directory)
