"""A team store's URL, ``s3://BUCKET/PREFIX``: parsed without loading any client."""

from __future__ import annotations

from urllib.parse import urlsplit

from .._exceptions import ConfigError


def parse_store_url(url: str) -> tuple[str, str]:
    """``s3://bucket/prefix`` → ``(bucket, "prefix/")`` (an empty prefix stays empty)."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(f"{url!r}: a store is s3://BUCKET[/PREFIX]")
    prefix = parts.path.strip("/")
    return parts.netloc, f"{prefix}/" if prefix else ""
