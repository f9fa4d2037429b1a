"""Names and versions from wheel filenames, without loading ``packaging.tags``.

``packaging.utils`` loads ``packaging.tags`` (and with it ``logging``, ``platform``,
``subprocess`` and ``sysconfig``) to return each wheel's tags, which the index never
uses: that import cost a ``publish`` of one new wheel more than the rest of its work
at 1,000 wheels. :func:`wheel_name_version` answers from one regular expression for
a filename that is plainly valid (the form every build backend writes), and asks
``packaging.utils.parse_wheel_filename`` for any other, so the verdict, and the
message of a rejection, are packaging's in every case.
"""

from __future__ import annotations

import re

TYPE_CHECKING = False  # as typing's: publish's fast path does not load typing for this
if TYPE_CHECKING:
    from packaging.utils import NormalizedName
    from packaging.version import Version

#: A wheel filename packaging accepts, of the plainest form: an ASCII name starting
#: with a letter or digit, a version (checked by ``Version``), an optional build
#: number starting with a digit, interpreter tags that are identifiers, ABI and
#: platform tags of letters, digits and underscores, dot-joined, none empty.
_PLAIN = re.compile(
    r"(?P<name>[A-Za-z0-9][A-Za-z0-9._]*)-(?P<version>[^-]+)(?:-[0-9][^-]*)?"
    r"-[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*"
    r"-[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*-[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*\.whl",
    re.ASCII,
)


def canonical_name(name: str) -> NormalizedName:
    """The PEP 503 normal form of a project name (``packaging``'s ``canonicalize_name``)."""
    value = name.lower().replace("_", "-").replace(".", "-")  # str methods: faster than re
    while "--" in value:
        value = value.replace("--", "-")
    return value  # type: ignore[return-value]


def wheel_name_version(filename: str) -> tuple[NormalizedName, Version]:
    """``parse_wheel_filename(filename)[:2]``; raises its ``InvalidWheelFilename``."""
    from packaging.version import InvalidVersion, Version

    plain = _PLAIN.fullmatch(filename)
    if plain is not None and "__" not in plain["name"]:
        try:
            return canonical_name(plain["name"]), Version(plain["version"])
        except InvalidVersion:
            pass  # packaging says why
    from packaging.utils import parse_wheel_filename

    name, version, _, _ = parse_wheel_filename(filename)
    return name, version
