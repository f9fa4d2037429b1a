"""A team store's objects under a few prefixes, listed as cheaply as they can be.

The no-op check of a build against a team store (:mod:`wheelmill.build.teamstamp`)
needs one thing from the store: every object under ``records/`` and ``wheels/``
with its etag and size, one paginated listing each. With botocore, the store's
client, a rerun pays about 0.26 s before the first request (its import and the
client's creation); with obstore (a Rust client, in the ``s3`` extra) about 25 ms
(``benchmarks/README.md`` has the figures).

obstore reads credentials from the environment and from instance metadata, not
from ``~/.aws`` files, and takes some variables botocore does not. So it lists only
when the environment alone says what botocore would use: the key pair in
``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY`` (botocore's first choice), no
``AWS_PROFILE``, and the endpoint (``store_endpoint_url``, ``AWS_ENDPOINT_URL_S3``,
``AWS_ENDPOINT_URL``) or, on AWS itself, ``AWS_DEFAULT_REGION``. A CA bundle in
``AWS_CA_BUNDLE`` is trusted for an ``https`` endpoint, as botocore does. Otherwise,
or when obstore is not installed or its request fails, the store's own client lists.

Either way a listing only decides whether a stamp still holds: a wrong or failed
one costs the full path, never a wrong answer.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from obstore.store import ClientConfig

    from .remote import Remote

#: An object's etag (quotes dropped) and size, by key relative to the store's prefix.
Listed = dict[str, tuple[str, int]]


def normal_etag(etag: str | None) -> str:
    """An etag as listings, heads and writes all give it: no quotes, no ``W/``."""
    return (etag or "").strip().removeprefix("W/").strip('"')


def list_store(url: str, endpoint_url: str | None, prefixes: Sequence[str]) -> Listed:
    """Every object under each of ``prefixes`` (``"records/"``…) of the store at ``url``;
    a :class:`~wheelmill.WheelmillError` when the store cannot be listed."""
    if url.startswith("s3://"):
        found = _with_obstore(url, endpoint_url, prefixes)
        if found is not None:
            return found
        from .s3 import S3Remote  # the client alone, not the team store's machinery

        remote: Remote = S3Remote(url, endpoint_url=endpoint_url)
    else:
        from .team import open_remote

        remote = open_remote(url, endpoint_url)
    return {
        item.key: (normal_etag(item.etag), item.size)
        for prefix in prefixes
        for item in remote.list(prefix)
    }


def _endpoint(endpoint_url: str | None) -> str | None:
    """The endpoint botocore would use, as far as the environment tells it."""
    if endpoint_url:
        return endpoint_url
    if os.environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() == "true":
        return None
    return os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or None


def obstore_settings(endpoint_url: str | None) -> tuple[str, str | None] | None:
    """The region and endpoint of the store botocore would reach, or ``None`` when the
    environment alone does not say (see the module's docstring)."""
    env = os.environ
    if not (env.get("AWS_ACCESS_KEY_ID") and env.get("AWS_SECRET_ACCESS_KEY")):
        return None
    if env.get("AWS_PROFILE") or env.get("AWS_DEFAULT_PROFILE"):
        return None
    endpoint = _endpoint(endpoint_url)
    region = env.get("AWS_DEFAULT_REGION")
    if endpoint is None and not region:
        return None  # on AWS itself the region is in ~/.aws/config: botocore's to read
    return region or "us-east-1", endpoint


def _with_obstore(url: str, endpoint_url: str | None, prefixes: Sequence[str]) -> Listed | None:
    settings = obstore_settings(endpoint_url)
    if settings is None:
        return None
    try:
        import obstore
        from obstore.store import S3Store
    except ImportError:
        return None
    from ._url import parse_store_url

    bucket, prefix = parse_store_url(url)
    region, endpoint = settings
    plain = bool(endpoint and endpoint.startswith("http://"))
    client: ClientConfig = {"allow_http": plain, "connect_timeout": "5s", "timeout": "30s"}
    bundle = os.environ.get("AWS_CA_BUNDLE")
    if bundle and not plain:  # added to the system's roots, which botocore replaces
        try:
            client["root_certificate"] = Path(bundle).read_bytes()
        except OSError:
            return None
    found: Listed = {}
    try:
        store = S3Store(
            bucket,
            prefix=prefix.rstrip("/") or None,
            config={"region": region, **({"endpoint": endpoint} if endpoint else {})},
            client_options=client,
            retry_config={"max_retries": 2},
        )
        for wanted in prefixes:
            for batch in obstore.list(store, wanted.rstrip("/"), chunk_size=1000):
                for item in batch:
                    found[item["path"]] = (normal_etag(item["e_tag"]), int(item["size"]))
    except Exception:  # any failure: the store's own client lists instead
        return None
    return found
