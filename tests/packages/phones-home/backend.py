"""A backend that tries to reach ``127.0.0.1:$SAMPLE_PORT`` and reports how it went.

It succeeds either way, so a test can see the build went through and no
connection arrived at its listener.
"""

import os
import socket
import sys

from sample_backend import build_wheel as _build_wheel
from sample_backend import get_requires_for_build_wheel  # noqa: F401


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    try:
        with socket.create_connection(("127.0.0.1", int(os.environ["SAMPLE_PORT"])), 3) as s:
            s.sendall(b"hello from the build\n")
        print("phones-home: connected", file=sys.stderr)
    except OSError as exc:
        print(f"phones-home: no connection ({exc})", file=sys.stderr)
    return _build_wheel(wheel_directory, config_settings, metadata_directory)
