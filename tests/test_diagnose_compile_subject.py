"""A compile error's subject is the file as the project names it, wherever it was unpacked.

CMake gives the compiler absolute paths, so the same error in the same file reads
differently under each frontend's unpack directory; the subject leaves that out.
"""

from __future__ import annotations

import pytest

from wheelmill.diagnose import RuleSet, diagnose

ERROR = "src/core/mod.c:12:5: error: unknown type name 'foo_t'\n"


@pytest.mark.parametrize(
    "prefix",
    [
        "",
        "/tmp/pip-wheel-k2j4h1x9/sample-pkg_0123456789abcdef0123456789abcdef/",
        "/tmp/pip-install-a1b2c3d4/sample_pkg_fedcba9876543210fedcba9876543210/",
        "/tmp/pip-req-build-q_w3e4r5/",
        "/tmp/build-via-sdist-7pzx8khk/sample_pkg-1.0.post1/",
        "/home/user/.cache/uv/sdists-v11/pypi/sample-pkg/1.0/RlolEFFP9TbUxS5e/src/",
        "/private/var/folders/x1/abc/T/pip-wheel-zz9y8x7w/sample_0123456789abcdef0123456789abcdef/",
    ],
)
def test_the_frontends_unpack_directory_is_left_out(rules: RuleSet, prefix: str) -> None:
    got = diagnose(prefix + ERROR, rules)
    assert (got.rule, got.subject) == ("compile/c-error", "src/core/mod.c")


@pytest.mark.parametrize(
    "path",
    [
        # a project's own absolute path, not a frontend's: kept whole
        "/srv/checkout/src/core/mod.c",
        # a directory merely named like pip's, without its hash
        "/tmp/pip-wheel-k2j4h1x9/src/core/mod.c",
    ],
)
def test_other_absolute_paths_are_kept(rules: RuleSet, path: str) -> None:
    got = diagnose(f"{path}:12:5: error: unknown type name 'foo_t'\n", rules)
    assert got.subject == path
