"""wheelmill: prebuild every pin of a lock once, serve the wheelhouse binary-only.

The public API is what this module exports; underscore modules are internal.
"""

from __future__ import annotations

from ._exceptions import (
    ConfigError,
    HashMismatchError,
    InvalidWheelError,
    RequirementsError,
    ResolutionError,
    UnsafeArchiveError,
    UpstreamError,
    WheelhouseError,
    WheelmillError,
)

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "HashMismatchError",
    "InvalidWheelError",
    "RequirementsError",
    "ResolutionError",
    "UnsafeArchiveError",
    "UpstreamError",
    "WheelhouseError",
    "WheelmillError",
    "__version__",
]
