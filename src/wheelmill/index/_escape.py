"""HTML escaping for the pages publish writes, without :mod:`html`.

:func:`html.escape` is five ``str.replace`` calls, but importing :mod:`html` loads
:mod:`html.entities` (two thousand named references) that escaping never uses; a +1
publish, which writes a project's pages and the status page, does not pay for it.
"""

from __future__ import annotations


def escape(text: str) -> str:
    """``text`` as :func:`html.escape` (``quote=True``) returns it, byte for byte."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#x27;")
    )
