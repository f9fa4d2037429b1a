"""A log read in pieces is diagnosed exactly as the whole text is.

``diagnose_bytes`` reads a log a few MB at a time and scans it piece by piece,
so a huge log never sits in memory whole. Here the pieces are made tiny (blocks
of a few dozen bytes, so nearly every line boundary is a piece boundary, and
multi-byte characters are cut in two between blocks) and every real log in
``tests/logs/`` must get the same diagnosis as from its whole text.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from wheelmill.diagnose import (
    FirstError,
    RuleSet,
    diagnose,
    diagnose_bytes,
)
from wheelmill.diagnose._logtext import LogText, text_pieces

LOGS = sorted((Path(__file__).parent / "logs").rglob("*.log"))


def blocks(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


#: Piece sizes, taken in turn by the logs: pieces cut inside most lines, inside
#: some, and a few pieces per log (37-byte pieces for every log took twice as long).
SIZES = (37, 509, 4099)


@pytest.mark.parametrize(
    ("log", "size"),
    [(log, SIZES[n % len(SIZES)]) for n, log in enumerate(LOGS)],
    ids=lambda value: (
        str(value.relative_to(value.parents[1])) if isinstance(value, Path) else str(value)
    ),
)
def test_every_log_gets_the_same_diagnosis_in_pieces(log: Path, size: int, rules: RuleSet) -> None:
    data = log.read_bytes()
    whole = diagnose(data.decode("utf-8", "replace"), rules)
    assert diagnose_bytes(blocks(data, size), rules) == whole
    assert diagnose_bytes([data], rules) == whole


#: Banners whose message is lines below them: Cython's (its error after the quoted
#: source), and a logged error's (the exception its traceback ends with).
BANNERS = {
    "cython": (
        [
            "running build_ext",
            "Error compiling Cython file:",
            "------------------------------------------------------------",
            *[f"    x = {n}" for n in range(20)],
            "pkg/_speedups.pyx:12:8: quux blorp",
            "copying more files",
        ],
        FirstError(24, "pkg/_speedups.pyx:12:8: quux blorp"),
    ),
    "logged traceback": (
        [
            "Building wheel from source distribution...",
            "ERROR:frob.build:Step failed",
            "Traceback (most recent call last):",
            *[f'  File "/tmp/b/frob/step{n}.py", line {n}, in step{n}' for n in range(30)],
            "frob.errors.FrobException: Profile not found: quux",
        ],
        FirstError(34, "frob.errors.FrobException: Profile not found: quux"),
    ),
}


@pytest.mark.parametrize("banner", sorted(BANNERS))
def test_a_banner_finds_its_message_in_the_next_piece(banner: str) -> None:
    rules = RuleSet([])  # no rule: the first error-looking line is shown
    lines, shown = BANNERS[banner]
    text = "\n".join(lines)
    whole = diagnose(text, rules)
    assert whole.first_error == shown
    for size in (1, 40, 200):
        assert diagnose_bytes(blocks(text.encode(), size), rules) == whole


@pytest.mark.parametrize("size", [1, 3, 10, 1000])
def test_pieces_cut_one_newline_each(size: int) -> None:
    text = "a\r\nb\n\n\x1b[31mc\x1b[0m\n  \u2502 d\n"
    pieces = list(text_pieces(text, size))
    assert [line for piece in pieces for line in LogText(piece).lines] == LogText(text).lines
