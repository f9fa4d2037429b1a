""":class:`~wheelmill.store.remote.Remote` over S3-compatible object storage, with botocore.

Credentials and region come from the standard AWS chain (environment, shared
config, instance roles); the endpoint of a non-AWS server from the config's
``store_endpoint_url`` or the standard ``AWS_ENDPOINT_URL`` variable. boto3 is
the ``s3`` extra: imported only when a store URL is used. Every boto error is
translated here, into one line saying what to fix.
"""

from __future__ import annotations

import contextlib
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._exceptions import ConfigError, WheelmillError
from ._url import parse_store_url
from .remote import Fetched, PreconditionFailed, RemoteObject

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["S3Remote", "parse_store_url"]

_ATTEMPTS = 5  # per request: botocore's standard mode retries throttling and 5xx answers


class S3Remote:
    """One bucket and prefix. ``endpoint_url=None``: boto3's own (``AWS_ENDPOINT_URL``)."""

    def __init__(self, url: str, *, endpoint_url: str | None = None) -> None:
        self.url = url
        self.bucket, self.prefix = parse_store_url(url)
        try:  # botocore alone (what boto3 is built on): boto3's import costs a no-op build
            import botocore.session
            from botocore.config import Config
        except ImportError:
            raise ConfigError(
                f"{url}: an S3 store needs boto3; install wheelmill with its s3 extra"
            ) from None
        config = Config(
            retries={"mode": "standard", "max_attempts": _ATTEMPTS}, max_pool_connections=32
        )
        self._client: Any = botocore.session.get_session().create_client(
            "s3", endpoint_url=endpoint_url or None, config=config
        )
        self.endpoint = str(self._client.meta.endpoint_url)

    def _call(self, what: str, key: str, action: Callable[[], Any]) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return action()
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code", ""))
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code in ("PreconditionFailed", "ConditionalRequestConflict") or status == 412:
                raise PreconditionFailed(f"{self.url}: {key}: changed meanwhile") from None
            if code in ("NoSuchKey", "404", "NotFound") or status == 404:
                raise FileNotFoundError(key) from None
            if isinstance(status, int) and status >= 500:
                raise WheelmillError(
                    f"{self.url}: cannot {what} {key or 'the bucket'} ({code or status}): the "
                    f"server failed it {_ATTEMPTS} times (HTTP {status}); check the server "
                    "(its log, its free disk space) and run again"
                ) from None
            hint = {
                "NoSuchBucket": "create the bucket first",
                "AccessDenied": "check the credentials (AWS_* variables, profile, role)",
                "InvalidAccessKeyId": "check the credentials (AWS_* variables, profile, role)",
                "SignatureDoesNotMatch": "check the secret key",
            }.get(code, "check the store URL, the endpoint and the credentials")
            raise WheelmillError(
                f"{self.url}: cannot {what} {key or 'the bucket'} ({code or status}); {hint}"
            ) from None
        except BotoCoreError as exc:
            raise WheelmillError(
                f"{self.url}: cannot {what} {key or 'the bucket'} ({exc}); check the endpoint "
                "(store_endpoint_url or AWS_ENDPOINT_URL) and the credentials"
            ) from None

    def _key(self, key: str) -> str:
        return self.prefix + key

    def get(self, key: str) -> Fetched | None:
        try:
            response = self._call(
                "read", key, lambda: self._client.get_object(Bucket=self.bucket, Key=self._key(key))
            )
        except FileNotFoundError:
            return None
        data = response["Body"].read()
        age = 0.0
        date = response.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("date")
        with contextlib.suppress(TypeError, ValueError):
            # Both times by the server's clock: builders' clocks may disagree.
            age = (parsedate_to_datetime(date) - response["LastModified"]).total_seconds()
        return Fetched(data, response["ETag"], age)

    def head(self, key: str) -> RemoteObject | None:
        try:
            response = self._call(
                "read",
                key,
                lambda: self._client.head_object(Bucket=self.bucket, Key=self._key(key)),
            )
        except FileNotFoundError:
            return None
        return RemoteObject(key, response["ETag"], int(response["ContentLength"]))

    def list(self, prefix: str) -> list[RemoteObject]:
        """Every object under ``prefix``: one paginated listing (1,000 keys a request)."""
        found: list[RemoteObject] = []

        def pages() -> None:
            paginator = self._client.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self._key(prefix)):
                for item in page.get("Contents", ()):
                    key = item["Key"][len(self.prefix) :]
                    modified = item["LastModified"].timestamp()
                    found.append(RemoteObject(key, item["ETag"], int(item["Size"]), modified))

        try:
            self._call("list", prefix, pages)
        except FileNotFoundError:
            return []
        return found

    def _put(self, key: str, data: bytes, content_type: str | None, **condition: str) -> str:
        extra = {"ContentType": content_type} if content_type else {}
        response = self._call(
            "write",
            key,
            lambda: self._client.put_object(
                Bucket=self.bucket, Key=self._key(key), Body=data, **extra, **condition
            ),
        )
        return str(response["ETag"])

    def put(self, key: str, data: bytes, *, content_type: str | None = None) -> str:
        return self._put(key, data, content_type)

    def put_if_absent(self, key: str, data: bytes, *, content_type: str | None = None) -> str:
        return self._put(key, data, content_type, IfNoneMatch="*")

    def put_if_match(self, key: str, data: bytes, etag: str) -> str:
        return self._put(key, data, None, IfMatch=etag)

    def delete(self, key: str, *, etag: str | None = None) -> None:
        condition = {"IfMatch": etag} if etag else {}
        with contextlib.suppress(FileNotFoundError):
            self._call(
                "delete",
                key,
                lambda: self._client.delete_object(
                    Bucket=self.bucket, Key=self._key(key), **condition
                ),
            )

    def download(self, key: str, path: Path) -> bool:
        def fetch() -> None:
            response = self._client.get_object(Bucket=self.bucket, Key=self._key(key))
            with path.open("wb") as sink:
                for chunk in response["Body"].iter_chunks(1 << 20):
                    sink.write(chunk)

        try:
            self._call("read", key, fetch)
        except FileNotFoundError:
            return False
        return True

    def upload(self, key: str, path: Path, *, content_type: str | None = None) -> str:
        # One PUT (wheels are far below S3's 5 GB single-request limit): the condition holds.
        return self.put_if_absent(key, path.read_bytes(), content_type=content_type)
