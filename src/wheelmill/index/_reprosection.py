"""The status page's reproducibility line: the figure of the last
``build --check-reproducible`` and, for each wheel whose two builds differ, the
archive members that differ."""

from __future__ import annotations

import time

from ..store.reproducibility import ReproducibilityCheck, summary
from ._escape import escape


def _e(value: object) -> str:
    return escape(str(value))


def _when(stamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(stamp))


def reproducibility_section(check: ReproducibilityCheck | None) -> list[str]:
    """The reproducibility figure of the last check, and what differs."""
    if check is None:
        return [
            '<p class="meta" id="reproducibility">Reproducibility: not checked yet '
            "(<code>wheelmill build LOCK --check-reproducible</code>).</p>"
        ]
    lock = f" of <code>{_e(check.lock)}</code>" if check.lock else ""
    parts = [
        f'<p class="meta" id="reproducibility">Reproducibility: <b>{_e(summary(check))}</b> '
        f"(checked {_when(check.checked)}{lock}).</p>"
    ]
    if check.differ:
        parts.append("<ul>")
        for item in check.differ:
            members = ", ".join(f"<code>{_e(name)}</code>" for name in item.differing)
            what = f"differs in {members}" if members else _e(item.detail)
            parts.append(
                f"<li><b>{_e(item.name)}=={_e(item.version)}</b> on "
                f"<code>{_e(item.target)}</code> (<code>{_e(item.wheel)}</code>): {what}</li>"
            )
        parts.append("</ul>")
    return parts
