"""How the command line shows the library's log records: ``LEVEL: message`` on stderr.

Set up when a command's work starts. ``build`` and ``run`` set it up only when
they start settling pins or locking (:class:`~wheelmill.cli._render.Progress`):
a rerun answered from its no-op stamp logs nothing, and so never loads
:mod:`logging`.
"""

from __future__ import annotations

#: Commands that set logging up themselves, once their work starts.
DEFERRED = frozenset({"build", "run"})


def configure_logging() -> None:
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
