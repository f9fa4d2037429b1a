"""Small immutable records for the no-op path, without :mod:`dataclasses`.

Loading :mod:`dataclasses` (it loads :mod:`inspect`, :mod:`ast`, :mod:`tokenize`…)
and creating a dataclass cost a no-op rerun more than everything else it does but
parse the config. A :class:`Record` subclass names its fields in ``__slots__`` and sets
them in its ``__init__`` (keyword arguments of the same names) with
:meth:`Record._set`; it gets equality, a
hash, a ``repr``, copying and pickling by field, and :meth:`Record.replace`.
"""

from __future__ import annotations

TYPE_CHECKING = False  # as typing's: a no-op answer does not load typing (see cli/_noop.py)
if TYPE_CHECKING:
    from typing import Any, TypeVar

    _R = TypeVar("_R", bound="Record")

__all__ = ["Record"]


class Record:
    """An immutable record whose fields are its ``__slots__``."""

    __slots__: tuple[str, ...] = ()

    def _set(self, **values: object) -> None:
        """Set fields (from ``__init__``: assignment is refused afterwards)."""
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def _fields(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def _values(self) -> dict[str, Any]:
        return dict(zip(self.__slots__, self._fields()))

    def replace(self: _R, **changes: Any) -> _R:
        """A copy with ``changes`` applied (fields not named keep their values)."""
        return type(self)(**{**self._values(), **changes})

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())  # a TypeError when a field is a dict, as a dataclass's

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value!r}" for name, value in self._values().items())
        return f"{type(self).__name__}({shown})"

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        return _rebuilt, (type(self), self._values())

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable: use .replace({name}=…)")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")


def _rebuilt(kind: type[Record], values: dict[str, Any]) -> Record:
    """A record from its fields (unpickling, copying)."""
    return kind(**values)
