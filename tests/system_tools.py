"""System tools some tests need (a browser, a web server): found, or the test stops.

Installing them is CI's job (``.ci/run`` installs chromium and nginx-light),
never a test's. Outside CI a missing tool skips the test with the reason; with
``CI=true`` it fails it, so CI cannot pass by silently skipping.
"""

from __future__ import annotations

import os

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def require_tool(found: str | None, tool: str, package: str) -> str:
    """``found`` when it is a path; else skip (or, under ``CI=true``, fail) naming the fix."""
    if found:
        return found
    message = f"{tool} is not installed: install the {package!r} package (.ci/run does)"
    if in_ci():
        pytest.fail(f"{message}; CI=true, so this test must not be skipped")
    pytest.skip(message)
