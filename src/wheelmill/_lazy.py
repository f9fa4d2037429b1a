"""Lazy package exports: a stage's ``__init__`` names its API without importing it.

A no-op ``wheelmill build`` must not pay for the index writer or the server
just because it touched their package; :func:`exports` gives a package a
module ``__getattr__`` (PEP 562) that imports a name's module on first use.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping


def exports(package: str, where: Mapping[str, str]) -> Callable[[str], object]:
    """``__getattr__`` for ``package``: ``where`` maps each public name to its submodule."""

    def __getattr__(name: str) -> object:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{module}"), name)

    return __getattr__
