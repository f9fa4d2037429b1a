"""SHA-256 for the no-op answer's path, without loading OpenSSL.

``hashlib`` loads OpenSSL's library as it is imported (the largest single cost of a
no-op answer's imports). CPython also builds its own SHA-256 (``_sha2`` from 3.12,
``_sha256`` before): the same digests. Where neither is built in, ``hashlib``'s.
"""

from __future__ import annotations

TYPE_CHECKING = False  # as typing's: a no-op answer does not load typing
if TYPE_CHECKING:
    from hashlib import sha256
else:
    try:
        from _sha2 import sha256
    except ImportError:
        try:
            from _sha256 import sha256
        except ImportError:
            from hashlib import sha256

__all__ = ["sha256"]
