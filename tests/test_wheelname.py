"""``wheelmill._wheelname``: the same names, versions and rejections as ``packaging``,
without loading ``packaging.tags`` for a plainly valid wheel filename."""

from __future__ import annotations

import subprocess
import sys

import pytest
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename

from wheelmill._wheelname import canonical_name, wheel_name_version

FILENAMES = [
    "foo-1.0-py3-none-any.whl",
    "Foo.Bar_baz-2.0.post1-1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "Synth.Pkg_0010-1.2-py3-none-any.whl",
    "zope.interface-6.0-cp39-cp39-win_amd64.whl",
    "pkg-1!2.0rc1.dev3+local.7-py2.py3-none-any.whl",
    "pkg-1.0-12abc-py3-none-any.whl",
    "pkg-01.00-py3-none-any.whl",
    "pkg-1.0-_py3-none-any.whl",
    "_pkg-1.0-py3-none-any.whl",  # packaging decides (not the plain form)
    "pkg-1.0-3py-none-any.whl",  # interpreter not an identifier
    "pkg-1.0-py3-none-.whl",  # empty platform
    "pkg-1.0-py3..py2-none-any.whl",  # empty member
    "pkg__x-1.0-py3-none-any.whl",  # "__" in the name
    "pkg-x.y-py3-none-any.whl",  # invalid version
    "pkg-1.0-abc-py3-none-any.whl",  # build number without a digit first
    "pkg-1.0-py3-none-any.zip",
    "pkg-1.0-any.whl",
    "pkg-1.0-1-2-py3-none-any.whl",
    "pk g-1.0-py3-none-any.whl",
    "pkg-1.0-py3-none-any.WHL",
    "Ünïcode-1.0-py3-none-any.whl",
    "-1.0-py3-none-any.whl",
]


def _packaging(filename: str) -> object:
    try:
        name, version, _, _ = parse_wheel_filename(filename)
    except InvalidWheelFilename as exc:
        return ("rejected", str(exc))
    return (name, version)


def _ours(filename: str) -> object:
    try:
        return wheel_name_version(filename)
    except InvalidWheelFilename as exc:
        return ("rejected", str(exc))


@pytest.mark.parametrize("filename", FILENAMES)
def test_the_verdict_is_packagings(filename: str) -> None:
    assert _ours(filename) == _packaging(filename)


@pytest.mark.parametrize(
    "name", ["Django", "oslo.concurrency", "A__b..c-_-D", "requests", "Ünïcode_X", "a-b"]
)
def test_the_normal_name_is_packagings(name: str) -> None:
    assert canonical_name(name) == canonicalize_name(name)


def test_a_plain_filename_does_not_load_packaging_tags() -> None:
    code = (
        "import sys\nfrom wheelmill._wheelname import wheel_name_version\n"
        "print(wheel_name_version('Foo_Bar-1.0-1-cp311-cp311-manylinux_2_17_x86_64.whl'))\n"
        "print('packaging.tags' in sys.modules, 'packaging.utils' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.splitlines() == ["('foo-bar', <Version('1.0')>)", "False False"]


@pytest.mark.parametrize(
    "filename",
    [
        *FILENAMES,
        "pure-1.0-py2.py3-none-any.whl",
        "pure-1.0-1-py3-NONE-ANY.whl",
        "mixed-1.0-py3-none-any.manylinux1_x86_64.whl",
        "mixed-1.0-py3-none.abi3-any.whl",
        "native-1.0-cp311-cp311-linux_x86_64.whl",
    ],
)
def test_the_status_pages_pure_wheels_are_packagings(filename: str) -> None:
    """The status page shares a wheel whose every tag is ``*-none-any`` across targets."""
    from wheelmill.index.statuspage import _pure

    try:
        name, version, _, tags = parse_wheel_filename(filename)
    except InvalidWheelFilename:
        expected = None
    else:
        pure = all(tag.platform == "any" and tag.abi == "none" for tag in tags)
        expected = (name, str(version)) if pure else None
    assert _pure(filename) == expected
