"""What ``serve`` adds in front of the index when asked: HTTP basic auth and an access log.

:class:`Gate` wraps :class:`~wheelmill.serve._app.IndexApp`. A connection only
goes through it when ``--htpasswd`` or ``--access-log`` is given; otherwise the
server calls the app directly, so the hot path pays nothing for either.

Users come from an htpasswd-style file (``user:hash`` per line, ``#`` comments),
bcrypt hashes only (``htpasswd -B``), checked with the ``bcrypt`` library (the
``serve`` extra). A bcrypt check costs tens of milliseconds by design, so a
verified ``Authorization`` header is remembered (by its SHA-256, a bounded
number of them) for the life of the worker: each credential pays once. Every
user may read; those named with ``--upload-user`` may also upload.

The log is the combined log format, one line per response::

    127.0.0.1 - alice [02/Dec/2026:18:40:00 +0000] "GET /simple/ HTTP/1.1" 200 512 "-" "pip/26.0"

The lines of one turn of the event loop (every request answered in it) go out in one
``write`` at the end of that turn (a callback the loop runs next, at shutdown too):
under load one system call logs many requests, and no line waits longer than the turn
that answered it. One ``write`` of whole lines to a file opened for append keeps the
lines of several workers whole.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hashlib
import io
import os
import time
from collections.abc import Collection
from pathlib import Path
from typing import NamedTuple, TextIO, Union

from .._exceptions import ConfigError
from ._app import IndexApp, Response, error
from ._http import Request
from ._upload import MAX_UPLOAD, upload

_REMEMBERED = 1024  # verified credentials kept per worker
_CHALLENGE = ("WWW-Authenticate", 'Basic realm="wheelmill", charset="UTF-8"')
_BCRYPT_PREFIXES = ("$2a$", "$2b$", "$2y$")
_UPLOAD_PATHS = frozenset(("/", "/legacy/"))  # where twine's --repository-url may point


class Users:
    """The htpasswd file's users; ``uploaders`` may also upload."""

    def __init__(self, hashes: dict[str, bytes], uploaders: Collection[str]) -> None:
        unknown = sorted(set(uploaders) - hashes.keys())
        if unknown:
            raise ConfigError(
                f"--upload-user {', '.join(unknown)}: not in the htpasswd file; add them there"
            )
        self.hashes = hashes
        self.uploaders = frozenset(uploaders)
        self._verified: dict[bytes, str] = {}

    def may_upload(self, user: str | None) -> bool:
        return user is not None and user in self.uploaders

    @classmethod
    def load(cls, path: Path, uploaders: Collection[str] = ()) -> Users:
        try:
            import bcrypt  # noqa: F401 - checked here, used in check()
        except ImportError:
            raise ConfigError(
                "--htpasswd needs the bcrypt library: pip install bcrypt (wheelmill's serve extra)"
            ) from None
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read the htpasswd file ({exc})") from None
        hashes: dict[str, bytes] = {}
        for number, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            user, sep, secret = line.partition(":")
            if not sep or not user:
                raise ConfigError(f"{path}:{number}: not a 'user:hash' line")
            if not secret.startswith(_BCRYPT_PREFIXES):
                raise ConfigError(
                    f"{path}:{number}: {user}: not a bcrypt hash; only bcrypt is accepted "
                    f"(make it with `htpasswd -B {path.name} {user}`)"
                )
            hashes[user] = secret.encode("ascii", "replace")
        if not hashes:
            raise ConfigError(f"{path}: no users; add 'user:bcrypt-hash' lines")
        return cls(hashes, uploaders)

    def check(self, header: str | None) -> str | None:
        """The user an ``Authorization: Basic …`` header proves, or ``None``."""
        if not header:
            return None
        key = hashlib.sha256(header.encode("latin-1", "replace")).digest()
        user = self._verified.get(key)
        if user is not None:
            return user
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            name, sep, password = (
                base64.b64decode(token.strip(), validate=True).decode().partition(":")
            )
        except (binascii.Error, UnicodeDecodeError):
            return None
        hashed = self.hashes.get(name)
        if not sep or hashed is None:
            return None
        import bcrypt

        try:
            if not bcrypt.checkpw(password.encode(), hashed):
                return None
        except ValueError:  # a malformed hash in the file
            return None
        if len(self._verified) >= _REMEMBERED:
            self._verified.clear()
        self._verified[key] = name
        return name


def unauthorized() -> Response:
    response = error(401)
    response.headers.append(_CHALLENGE)
    return response


class AccessLog:
    """Combined log format lines on ``stream`` (a file opened for append, or stderr)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._second = 0
        self._stamp = ""
        self._pending: list[str] = []
        self._fd: int | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
            self._fd = stream.fileno()  # written to directly: one system call per batch

    def _now(self) -> str:
        second = int(time.time())
        if second != self._second:
            self._second = second
            self._stamp = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(second))
        return self._stamp

    def write(self, peer: str, user: str | None, request: Request, response: Response) -> None:
        self.add(f"{peer} - {user or '-'} [", tail(request, response))

    def add(self, start: str, end: str) -> None:
        """Log the line ``start`` + this second's time stamp + ``end``; the parts of a
        line before and after the time (:func:`tail`), so a repeated response's line is
        formatted once, and joined only here."""
        self._pending.append(start + self._now() + end)
        if len(self._pending) > 1:
            return  # a flush is on its way
        loop = self.loop
        if loop is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # no event loop: at once
                self.flush()
                return
        loop.call_soon(self.flush)

    def attach(self, loop: asyncio.AbstractEventLoop | None) -> None:
        """Flush at the end of ``loop``'s turns, the worker's own loop (``None``: whichever
        runs); asking for the running loop each turn costs a system call (``getpid``)."""
        self.loop = loop

    def flush(self) -> None:
        """Write the pending lines (at the end of the loop's turn, and at shutdown)."""
        if not self._pending:
            return
        text, self._pending = "".join(self._pending), []
        if self._fd is None:
            self.stream.write(text)
            self.stream.flush()
            return
        self.stream.flush()  # anything written to the stream itself comes first
        data = text.encode("utf-8", "replace")
        written = os.write(self._fd, data)
        if written < len(data):  # a pipe or a full disk: the rest, as it goes
            rest = memoryview(data)[written:]
            while rest:
                rest = rest[os.write(self._fd, rest) :]


def tail(request: Request, response: Response) -> str:
    """An access log line after its time stamp: request line, status, size, referer, agent."""
    if request.method == "HEAD" or response.status == 304:
        size = 0
    else:
        size = response.count if response.file is not None else len(response.body)
    referer = _quoted(request.headers.get("referer", "-"))
    agent = _quoted(request.headers.get("user-agent", "-"))
    return (
        f'] "{_quoted(request.method)} {_quoted(request.target)} {_quoted(request.version)}" '
        f"{response.status} {size or '-'} "
        f'"{referer}" "{agent}"\n'
    )


def _quoted(text: str) -> str:
    """Log-safe text: no quote, backslash or control character can forge a line."""
    if text.isprintable() and '"' not in text and "\\" not in text:
        return text
    return "".join(
        c if c.isprintable() and c not in '"\\' else f"\\x{ord(c) & 0xFF:02x}" for c in text
    )


class Gate:
    """The app behind authentication and/or an access log; uploads (``POST /``) for the
    users allowed to, when there are any."""

    def __init__(self, app: IndexApp, users: Users | None, log: AccessLog | None) -> None:
        self.app = app
        self.users = users
        self.log = log
        self.uploads = users is not None and bool(users.uploaders)

    def bind(self, peer: object) -> _Bound:
        """The gate for one connection from ``peer`` (its socket address)."""
        host = peer[0] if isinstance(peer, tuple) and peer else "-"
        return _Bound(self, str(host))

    def _user(self, request: Request) -> str | None:
        return (
            None if self.users is None else self.users.check(request.headers.get("authorization"))
        )

    def body_limit(self, request: Request) -> int:
        """How large a body the server should read for ``request``: an upload's, when the
        user may upload; 0 otherwise (the body is skipped, the request answered as it is)."""
        if not self.uploads or request.method != "POST" or request.target not in _UPLOAD_PATHS:
            return 0
        return (
            MAX_UPLOAD
            if self.users is not None and self.users.may_upload(self._user(request))
            else 0
        )

    def upload(self, request: Request, body: bytes, peer: str = "-") -> Response:
        response = upload(self.app.root, request, body)
        if self.log is not None:
            self.log.write(peer, self._user(request), request, response)
        return response

    def respond(self, request: Request, peer: str = "-") -> Response:
        user = None
        if self.users is not None and request.target != "/health":
            user = self._user(request)
            if user is None:
                response = unauthorized()
            elif request.method == "POST" and self.uploads and request.target in _UPLOAD_PATHS:
                response = error(403)  # a reader (uploaders get here only with no body)
            else:
                response = self.app.respond(request)
        else:
            response = self.app.respond(request)
        if self.log is not None:
            self.log.write(peer, user, request, response)
        return response


class _Bound(NamedTuple):
    gate: Gate
    peer: str

    def respond(self, request: Request) -> Response:
        return self.gate.respond(request, self.peer)

    def body_limit(self, request: Request) -> int:
        return self.gate.body_limit(request)

    def upload(self, request: Request, body: bytes) -> Response:
        return self.gate.upload(request, body, self.peer)


Front = Union[IndexApp, Gate, _Bound]  # what a connection asks for its responses (3.9: no ``|``)


def front(
    wheelhouse: Path, users: Users | None, log: AccessLog | None, upstream: str | None = None
) -> IndexApp | Gate:
    """The app (with an upstream fallback when ``upstream`` is given); itself when neither
    auth nor logging is on (nothing in the way), else behind a gate."""
    if upstream:
        from ._fallback import FallbackApp

        app: IndexApp = FallbackApp(wheelhouse, upstream)
    else:
        app = IndexApp(wheelhouse)
    return app if users is None and log is None else Gate(app, users, log)
