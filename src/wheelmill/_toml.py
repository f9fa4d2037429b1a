"""Reading TOML: the config, rules, locks and ``pyproject.toml`` all go through here.

tomli is the parser the standard library ships as :mod:`tomllib` (3.11+), released
on its own as compiled wheels: the same answers, and it loads without
:mod:`typing`. Where no compiled wheel fits, tomli is pure Python. It is loaded on
first use (``_toml.loads``, ``_toml.TOMLDecodeError``), not on import.

:func:`loads_cached` is for the config, which every command reads and a no-op
rerun reads first: the parsed document is kept in the per-user cache
(:mod:`wheelmill._platform.dirs`) under the SHA-256 of the text, in
:mod:`marshal`'s format, so a config read before is not parsed again and tomli
(with :mod:`datetime`) is not even loaded. The key is the content, so an edited
file is a new key and the answer is always the parser's; a document with a date or
time in it (which :mod:`marshal` cannot hold) is never cached, and a cache that
cannot be read or written is parsed past. Old entries beyond :data:`_KEEP` are
pruned as new ones are written.
"""

from __future__ import annotations

import marshal
import os

from ._sha256 import sha256

TYPE_CHECKING = False  # as typing's: a no-op answer does not load typing (see cli/_noop.py)
if TYPE_CHECKING:
    from typing import Any

    from tomli import TOMLDecodeError, loads
else:

    def __getattr__(name: str) -> object:
        if name in ("TOMLDecodeError", "loads"):
            import tomli

            return getattr(tomli, name)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["TOMLDecodeError", "loads", "loads_cached"]

#: The cache's subdirectory, and how many parsed documents it keeps.
_CACHE = "toml"
_KEEP = 64


def _entry(text: bytes) -> str | None:
    from ._platform.dirs import user_cache_dir

    base = user_cache_dir()
    if base is None:
        return None
    digest = sha256(text).hexdigest()
    return os.path.join(base, _CACHE, f"{digest}-{marshal.version}.marshal")


def loads_cached(text: str) -> dict[str, Any]:
    """:func:`loads`, answered from the per-user cache when this text was parsed before
    (raises :class:`TOMLDecodeError` as :func:`loads` does)."""
    path = _entry(text.encode())
    if path is not None:
        from ._cachefile import recall

        found = recall(path)
        if isinstance(found, dict):
            return found
    import tomli

    document = tomli.loads(text)
    if path is not None:
        from ._cachefile import keep

        keep(path, document, _KEEP)
    return document
