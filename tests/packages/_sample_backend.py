"""A minimal in-tree PEP 517 backend: a pure-Python wheel named by the sdist's PKG-INFO.

It needs nothing installed, so a build of it runs offline in well under a second.
``make_sdist`` puts this file into every sample sdist as ``sample_backend.py``.
``SAMPLE_SLEEP`` (seconds) makes a build slow enough to be killed mid-way;
``SAMPLE_HOLD`` (a path) makes it wait as long as that file exists;
``SAMPLE_TAG`` gives the wheel another tag (a "compiled" wheel);
``SAMPLE_BROKEN_IMPORT`` makes the module raise when imported;
``SAMPLE_ALLOCATE_MB`` makes the build allocate that much memory;
``SAMPLE_NONDETERMINISTIC`` embeds the build time (a non-reproducible wheel);
``SAMPLE_IMPORT_CODE`` is appended to the module (code that runs when it is imported);
``SAMPLE_CEXT`` compiles a tiny C extension ``NAME_c`` into the wheel with ``cc``
(give it a ``linux_*`` ``SAMPLE_TAG``: a real platform wheel auditwheel can repair;
``SAMPLE_LDFLAGS`` adds linker flags, e.g. ``-nostdlib`` for one that links no libc).
``config_settings`` ``greeting`` and the ``SAMPLE_ENV`` variable end up in the
module, so tests can see that overrides reach the backend.
"""

import base64
import hashlib
import os
import subprocess
import sys
import sysconfig
import tempfile
import time
import zipfile


def _pkg_info():
    fields = {"Name": "pure-ok", "Version": "1.0"}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "PKG-INFO")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as stream:
            for line in stream:
                key, sep, value = line.partition(":")
                if sep and key in fields:
                    fields[key] = value.strip()
    return fields["Name"], fields["Version"]


DISPLAY, VERSION = _pkg_info()
NAME = DISPLAY.replace("-", "_").replace(".", "_").lower()
MODULE = f"{NAME}.py"


def _record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


_C_SOURCE = """#include <Python.h>
static struct PyModuleDef spec = {PyModuleDef_HEAD_INIT, "%s", NULL, -1, NULL};
PyMODINIT_FUNC PyInit_%s(void) { return PyModule_Create(&spec); }
"""


def _extension():
    """The C extension ``NAME_c`` compiled here: (file name in the wheel, bytes)."""
    module = f"{NAME}_c"
    target = module + sysconfig.get_config_var("EXT_SUFFIX")
    with tempfile.TemporaryDirectory() as scratch:
        source = os.path.join(scratch, "ext.c")
        with open(source, "w", encoding="utf-8") as stream:
            stream.write(_C_SOURCE % (module, module))
        output = os.path.join(scratch, target)
        include = sysconfig.get_paths()["include"]
        subprocess.run(
            ["cc", "-shared", "-fPIC", "-O0", "-I", include, "-o", output, source]
            + os.environ.get("SAMPLE_LDFLAGS", "").split(),
            check=True,
        )
        with open(output, "rb") as stream:
            return target, stream.read()


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    time.sleep(float(os.environ.get("SAMPLE_SLEEP", "0")))
    while os.environ.get("SAMPLE_HOLD") and os.path.exists(os.environ["SAMPLE_HOLD"]):
        time.sleep(0.1)
    hog = bytearray(int(os.environ.get("SAMPLE_ALLOCATE_MB", "0")) * 1024 * 1024)
    tag = os.environ.get("SAMPLE_TAG", "py3-none-any")
    dist = f"{NAME}-{VERSION}.dist-info"
    greeting = (config_settings or {}).get("greeting", "hello")
    module = (
        f"GREETING = {greeting!r}\nENV = {os.environ.get('SAMPLE_ENV', '')!r}\n"
        f"SOURCE_DATE_EPOCH = {os.environ.get('SOURCE_DATE_EPOCH', '')!r}\n"
    )
    if os.environ.get("SAMPLE_NONDETERMINISTIC"):
        module += f"BUILT_AT = {time.time()!r}\n"
    module += os.environ.get("SAMPLE_IMPORT_CODE", "") + "\n"
    if os.environ.get("SAMPLE_BROKEN_IMPORT"):
        module += "raise RuntimeError('broken at import')\n"
    files = {
        MODULE: module.encode(),
        **dict([_extension()] if os.environ.get("SAMPLE_CEXT") else []),
        f"{dist}/METADATA": (
            f"Metadata-Version: 2.1\nName: {DISPLAY}\nVersion: {VERSION}\nRequires-Python: >=3.8\n"
        ).encode(),
        f"{dist}/WHEEL": b"Wheel-Version: 1.0\nGenerator: sample\nRoot-Is-Purelib: "
        + (b"false" if os.environ.get("SAMPLE_CEXT") else b"true")
        + b"\nTag: "
        + tag.encode()
        + b"\n",
    }
    filename = f"{NAME}-{VERSION}-{tag}.whl"
    record = [_record_line(name, data) for name, data in files.items()]
    record.append(f"{dist}/RECORD,,")
    files[f"{dist}/RECORD"] = ("\n".join(record) + "\n").encode()
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w") as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), data)
    print(f"sample backend built {filename}", file=sys.stderr)
    return filename


def get_requires_for_build_wheel(config_settings=None):
    return []
