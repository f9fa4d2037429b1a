"""The ``publish`` stage: what pip, uv and people read from the wheelhouse.

* :mod:`.publish`: the static PEP 503/691/658 index and the status page;
* :mod:`.statuspage`: ``DIR/status/index.html``;
* :mod:`.export`: the lock with the wheelhouse's own hashes (requirements or pylock);
* :mod:`.clientconfig`: the pip and uv settings a team pastes.
"""

from __future__ import annotations

from .._lazy import exports

TYPE_CHECKING = False  # as typing's: a no-op answer does not load typing (see cli/_noop.py)

if TYPE_CHECKING:
    from .clientconfig import ClientConfig, client_config
    from .export import ExportReport, export
    from .publish import publish
    from .report import PublishReport
    from .statuspage import write_status_page

__all__ = [
    "ClientConfig",
    "ExportReport",
    "PublishReport",
    "client_config",
    "export",
    "publish",
    "write_status_page",
]
__getattr__ = exports(
    __name__,
    {
        "ClientConfig": "clientconfig",
        "client_config": "clientconfig",
        "ExportReport": "export",
        "export": "export",
        "PublishReport": "report",
        "publish": "publish",
        "write_status_page": "statuspage",
    },
)
