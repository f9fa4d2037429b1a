"""A missing header the package ships itself, told from a library's by how it is included.

A hand-written ``foo.c`` includes its own ``foo.h`` in quotes near its top; a
wrapper includes the library it is named after as ``<foo.h>``, and C that
Cython generated includes a ``.pyx``'s extern headers in quotes only after its
preamble. The first is ``package/source-file-missing``, the others stay
``sysdep/missing-header``.
"""

from __future__ import annotations

import pytest

from wheelmill.diagnose import RuleSet, diagnose


def _failed_include(where: str, header: str, source_line: str) -> str:
    """GCC's report of a missing header, with the source line it prints under it."""
    line = where.rsplit(":", 2)[1]
    return (
        f"{where}: fatal error: {header}: No such file or directory\n"
        f"   {line} | {source_line}\n"
        "      |          ^~~~~~~~\n"
        "compilation terminated.\n"
    )


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        (_failed_include("src/codec.c:6:10", "codec.h", '#include "codec.h"'), "codec.h"),
        (
            _failed_include("lib/geom/shape.cpp:23:10", "geom/shape.h", '#include "geom/shape.h"'),
            "geom/shape.h",
        ),
        (_failed_include("parser.cc:99:10", "parser.hpp", '#include "parser.hpp"'), "parser.hpp"),
        # clang's wording, and its source line without a number
        (
            "src/codec.c:2:10: fatal error: 'codec.h' file not found\n"
            '#include "codec.h"\n'
            "         ^~~~~~~~~\n",
            "codec.h",
        ),
    ],
)
def test_a_files_own_header_included_in_quotes_near_its_top(
    rules: RuleSet, text: str, subject: str
) -> None:
    got = diagnose(text, rules)
    assert got.first_error is not None
    assert (got.rule, got.subject, got.first_error.line) == (
        "package/source-file-missing",
        subject,
        1,
    )


@pytest.mark.parametrize(
    "text",
    [
        # a hand-written wrapper named after the library it wraps
        _failed_include("src/sox.c:5:10", "sox.h", "#include <sox.h>"),
        # C that Cython generated: the extern header comes after its preamble
        _failed_include("pkg/sox.c:227:10", "sox.h", '#include "sox.h"'),
        # another name than the including file's
        _failed_include("src/module.c:7:10", "codec.h", '#include "codec.h"'),
        # no source line under it to say how it was included
        "src/codec.c:6:10: fatal error: codec.h: No such file or directory\n"
        "compilation terminated.\n",
    ],
)
def test_every_other_missing_header_stays_a_system_header(rules: RuleSet, text: str) -> None:
    assert diagnose(text, rules).rule == "sysdep/missing-header"
