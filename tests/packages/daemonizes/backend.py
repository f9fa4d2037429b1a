"""A backend that starts a daemon (double fork, ``setsid``) and succeeds.

The daemon leaves the build's process group and session; its PID is appended
to the file named by ``SAMPLE_PIDFILE`` before the backend returns.
"""

import os
import subprocess
import sys
import time

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
with open(sys.argv[1], "a") as stream:
    stream.write(f"{os.getpid()}\n")
time.sleep(300)
"""


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    pidfile = os.environ["SAMPLE_PIDFILE"]
    subprocess.run([sys.executable, "-c", _DAEMON, pidfile], check=True)
    for _ in range(100):  # until the daemon has written its PID
        if os.path.exists(pidfile) and os.path.getsize(pidfile):
            break
        time.sleep(0.05)
    return _build_wheel(wheel_directory, config_settings, metadata_directory)
