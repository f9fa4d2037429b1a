"""An in-tree backend that fails the way a C extension without its headers does."""

import sys


def get_requires_for_build_wheel(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    print("gcc -pthread -fPIC -I/usr/include/python3 -c sample.c -o sample.o", file=sys.stderr)
    print("sample.c:1:10: fatal error: missing.h: No such file or directory", file=sys.stderr)
    print("compilation terminated.", file=sys.stderr)
    print("error: command '/usr/bin/gcc' failed with exit code 1", file=sys.stderr)
    sys.exit(1)
