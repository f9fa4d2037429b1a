"""A backend whose wheel hangs when imported (after starting a child of its own).

The module writes its own PID and its child's to the file ``SAMPLE_PIDFILE``
named at build time, then sleeps: only the import check's timeout ends it.
"""

import os
import zipfile

from sample_backend import NAME, _record_line
from sample_backend import build_wheel as _build_wheel
from sample_backend import get_requires_for_build_wheel  # noqa: F401

_HANG = """
import os, subprocess, sys, time
_child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
with open({pidfile!r}, "a") as _stream:
    _stream.write(f"{{os.getpid()}}\\n{{_child.pid}}\\n")
time.sleep(300)
"""


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    filename = _build_wheel(wheel_directory, config_settings, metadata_directory)
    path = os.path.join(wheel_directory, filename)
    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    hang = _HANG.format(pidfile=os.environ["SAMPLE_PIDFILE"]).encode()
    members[f"{NAME}.py"] += hang
    record = next(name for name in members if name.endswith(".dist-info/RECORD"))
    lines = [_record_line(name, data) for name, data in members.items() if name != record]
    members[record] = ("\n".join([*lines, f"{record},,"]) + "\n").encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), data)
    return filename
