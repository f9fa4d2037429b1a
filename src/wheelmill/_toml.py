"""Reading TOML: the config, rules, locks and ``pyproject.toml`` all go through here.

tomli is the parser the standard library ships as :mod:`tomllib` (3.11+), released
on its own as compiled wheels: the same answers, and it loads without
:mod:`typing` (a no-op rerun parses the config: importing :mod:`tomllib` was a
quarter of its instructions). Where no compiled wheel fits, tomli is pure Python.
"""

from __future__ import annotations

from tomli import TOMLDecodeError, loads

__all__ = ["TOMLDecodeError", "loads"]
