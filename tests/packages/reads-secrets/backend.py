"""A backend that looks for secrets and publishes what it finds, in its output and its wheel.

It reads ``~/.secret``, the file named by ``SAMPLE_SECRET_FILE`` and the
``AWS_SECRET_ACCESS_KEY`` variable, prints them, and puts them into the
module it builds (through ``SAMPLE_ENV``, which the sample backend embeds).
"""

import os
import sys

import sample_backend


def _read(path):
    try:
        with open(path, encoding="utf-8") as stream:
            return stream.read().strip()
    except OSError as exc:
        return f"<{type(exc).__name__}>"


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    found = [
        _read(os.path.expanduser("~/.secret")),
        _read(os.environ.get("SAMPLE_SECRET_FILE", "/nonexistent")),
        os.environ.get("AWS_SECRET_ACCESS_KEY", "<unset>"),
    ]
    print(f"reads-secrets found: {found}", file=sys.stderr)
    os.environ["SAMPLE_ENV"] = " ".join(found)
    return sample_backend.build_wheel(wheel_directory, config_settings, metadata_directory)


get_requires_for_build_wheel = sample_backend.get_requires_for_build_wheel
