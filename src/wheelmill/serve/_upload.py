"""The upload API ``twine upload`` speaks: ``POST /`` with ``:action=file_upload``.

The legacy PyPI upload protocol: a ``multipart/form-data`` body with the file
in ``content`` (its filename in the part's ``Content-Disposition``), its
``sha256_digest`` and metadata fields. Only wheels are taken (the wheelhouse is
binary-only); each goes through :func:`wheelmill.index.add.add_wheels` (checked,
stored, published), so an upload is exactly ``wheelmill add``. Answers: 200
added, 400 not a valid wheel (the reason in the body), 409 another wheel of that
name is stored already, 401/403 from :mod:`wheelmill.serve._gate`.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from .._exceptions import InvalidWheelError, WheelmillError
from ._app import Response
from ._http import Request

MAX_UPLOAD = 256 * 1024 * 1024
_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.I)
_NAME = re.compile(rb'\bname="([^"]*)"')
_FILENAME = re.compile(rb'\bfilename="([^"]*)"')


class Incoming:
    """An upload's body as it arrives, in pieces (never copied until it is whole)."""

    def __init__(self, request: Request, length: int, keep_alive: bool) -> None:
        self.request = request
        self.keep_alive = keep_alive
        self.parts: list[bytes] = []
        self.missing = length

    def feed(self, data: bytes) -> bytes | None:
        """Take ``data``; once the body is whole, what follows it (the next request)."""
        if len(data) < self.missing:
            self.parts.append(data)
            self.missing -= len(data)
            return None
        self.parts.append(data[: self.missing])
        rest, self.missing = data[self.missing :], 0
        return rest

    def body(self) -> bytes:
        return b"".join(self.parts)


def _answer(status: int, text: str) -> Response:
    body = (text.rstrip("\n") + "\n").encode()
    return Response(status, [("Content-Type", "text/plain; charset=utf-8")], body)


def parse_form(content_type: str, body: bytes) -> dict[str, tuple[str | None, bytes]]:
    """The form's fields: name -> (the part's filename, its bytes); the first of each name."""
    found = _BOUNDARY.search(content_type)
    if not content_type.lower().startswith("multipart/form-data") or found is None:
        raise ValueError("not multipart/form-data")
    delimiter = b"--" + found.group(1).encode("latin-1")
    fields: dict[str, tuple[str | None, bytes]] = {}
    for part in body.split(delimiter)[1:]:
        if part.startswith(b"--"):
            break  # the closing delimiter
        head, sep, content = part.partition(b"\r\n\r\n")
        if not sep:
            raise ValueError("a part without headers")
        name = _NAME.search(head)
        if name is None:
            continue
        filename = _FILENAME.search(head)
        key = name.group(1).decode("utf-8", "replace")
        fields.setdefault(
            key,
            (
                filename.group(1).decode("utf-8", "replace") if filename else None,
                content.removesuffix(b"\r\n"),
            ),
        )
    return fields


def upload(wheelhouse: Path, request: Request, body: bytes) -> Response:
    """Take one uploaded wheel into ``wheelhouse`` (checked, stored, published)."""
    from ..index.add import add_wheels
    from ..store.wheelhouse import Store

    try:
        form = parse_form(request.headers.get("content-type", ""), body)
    except ValueError as exc:
        return _answer(400, f"not an upload ({exc}); use `twine upload`")
    text = {k: v.decode("utf-8", "replace") for k, (name, v) in form.items() if name is None}
    if text.get(":action") != "file_upload":
        return _answer(400, "only :action=file_upload is supported")
    filename, content = form.get("content", (None, b""))
    if not filename:
        return _answer(400, "no file in the 'content' field")
    filename = Path(filename).name
    if not filename.endswith(".whl"):
        return _answer(400, f"{filename}: only wheels are taken (the wheelhouse is binary-only)")
    digest = text.get("sha256_digest")
    if digest and hashlib.sha256(content).hexdigest() != digest.lower():
        return _answer(400, f"{filename}: sha256 does not match sha256_digest; upload it again")
    store = Store(wheelhouse)
    try:
        with store.session() as tmp:
            incoming = tmp / "incoming"
            incoming.mkdir()
            (incoming / filename).write_bytes(content)
            report = add_wheels(store, [incoming / filename])
    except InvalidWheelError as exc:
        status = 409 if "never replaced" in str(exc) else 400
        return _answer(status, str(exc))
    except WheelmillError as exc:
        return _answer(400, str(exc))
    verb = "already there, unchanged" if report.present else "added"
    return _answer(200, f"{filename}: {verb}")
