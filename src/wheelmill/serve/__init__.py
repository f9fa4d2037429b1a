"""The ``serve`` stage: a read-only HTTP server over the wheelhouse.

* :mod:`.server`: pre-forked asyncio workers, started by :func:`serve`;
* :mod:`._app`: what each path answers (index pages, wheels, status page);
* :mod:`._http`: the minimal HTTP/1.1 parser and writer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import exports

if TYPE_CHECKING:
    from .server import BackgroundServer, serve

__all__ = ["BackgroundServer", "serve"]
__getattr__ = exports(__name__, {"BackgroundServer": "server", "serve": "server"})
