"""A lease per build key in the shared object store: one builder at a time, no extra service.

A lease is the object ``leases/<name>.json`` holding its owner and its time to
live. It is taken create-only (``If-None-Match: *``); while held, a heartbeat
renews it (``If-Match`` on its etag) every third of its lifetime. A builder that
died (``kill -9``, a lost runner) stops renewing: once the lease is older than
its time to live, by the store's own clock, the next builder takes it over with
``If-Match`` on the etag it read, so of two builders racing for it one wins.
Released by a delete conditional on the holder's etag.

Correctness never depends on the lease (wheels and records are written
create-only); it only keeps two builders from doing the same work.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator

from .remote import PreconditionFailed, Remote

#: How long a lease lives without a heartbeat (``store_lease_seconds`` in the config).
DEFAULT_TTL = 300.0
_POLL = 0.5


def owner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Lease:
    """Held while building one key; see the module docstring."""

    def __init__(
        self, remote: Remote, name: str, *, ttl: float = DEFAULT_TTL, pin: str = ""
    ) -> None:
        self.remote = remote
        self.pin = pin  # name==version, for `gc`: what it must not collect meanwhile
        self.key = f"leases/{name}.json"
        self.ttl = ttl
        self.owner = owner_id()
        self.etag: str | None = None
        self.lost = False
        self._beats = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _body(self) -> bytes:
        self._beats += 1
        body = {
            "owner": self.owner,
            "ttl": self.ttl,
            "beat": self._beats,
            "at": time.time(),
            "pin": self.pin,
        }
        return json.dumps(body).encode()

    def acquire(self, check: Callable[[], None] | None = None) -> bool:
        """Take the lease, waiting while a live builder holds it. Returns whether it had
        to wait (the caller then looks again at what the other builder left)."""
        waited = False
        while True:
            try:
                self.etag = self.remote.put_if_absent(self.key, self._body())
                break
            except PreconditionFailed:
                pass
            current = self.remote.get(self.key)
            if current is None:
                continue  # released meanwhile: try again at once
            if current.age >= _ttl_of(current.data, self.ttl):
                try:  # its holder stopped renewing it: take it over
                    self.etag = self.remote.put_if_match(self.key, self._body(), current.etag)
                    break
                except PreconditionFailed:
                    continue  # another builder took it first
            waited = True
            if check is not None:
                check()
            time.sleep(_POLL)
        self._thread = threading.Thread(target=self._heartbeat, daemon=True, name=self.key)
        self._thread.start()
        return waited

    def _heartbeat(self) -> None:
        while not self._stop.wait(self.ttl / 3):
            etag = self.etag
            if etag is None:
                return
            try:
                self.etag = self.remote.put_if_match(self.key, self._body(), etag)
            except PreconditionFailed:
                self.lost = True  # taken over: our build still writes create-only
                return
            except Exception:  # noqa: S112 (a network blip: the next beat tries again)
                continue

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self.etag is not None and not self.lost:
            with contextlib.suppress(PreconditionFailed):
                self.remote.delete(self.key, etag=self.etag)
        self.etag = None


def _ttl_of(data: bytes, default: float) -> float:
    try:
        value = json.loads(data)["ttl"]
        return float(value) if isinstance(value, (int, float)) else default
    except (ValueError, KeyError, TypeError):
        return default


def live_leases(remote: Remote) -> dict[str, str]:
    """Every lease a builder still holds (not yet expired, by the store's clock):
    its key's name → the pin it builds (``name==version``, empty if it does not say)."""
    live: dict[str, str] = {}
    for item in remote.list("leases/"):
        current = remote.get(item.key)
        if current is None or current.age >= _ttl_of(current.data, DEFAULT_TTL):
            continue
        try:
            pin = json.loads(current.data).get("pin", "")
        except (ValueError, AttributeError):
            pin = ""
        name = item.key.removeprefix("leases/").removesuffix(".json")
        live[name] = pin if isinstance(pin, str) else ""
    return live


@contextlib.contextmanager
def leased(
    remote: Remote,
    name: str,
    *,
    ttl: float,
    check: Callable[[], None] | None = None,
    pin: str = "",
) -> Iterator[Lease]:
    lease = Lease(remote, name, ttl=ttl, pin=pin)
    lease.acquire(check)
    try:
        yield lease
    finally:
        lease.release()
