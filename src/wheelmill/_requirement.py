"""One requirement string, as packaging parses it, or packaging's reason in one line.

packaging's :class:`~packaging.requirements.InvalidRequirement` message is three
lines (the reason, the text, a caret under the fault); an error wheelmill prints
is one line, so callers get the reason alone, clipped. packaging loads on first
use: a config without build requirements, or a lock of plain pins, never needs it.
"""

from __future__ import annotations

from ._exceptions import clip

TYPE_CHECKING = False  # as typing's: the config's checks load without typing
if TYPE_CHECKING:
    from packaging.requirements import Requirement

__all__ = ["parse_requirement"]


def parse_requirement(text: str) -> Requirement | str:
    """The parsed requirement, or why ``text`` is not one (a one-line reason)."""
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        return Requirement(text)
    except InvalidRequirement as exc:
        return clip(str(exc).splitlines()[0])
