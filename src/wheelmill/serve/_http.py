"""Small HTTP/1.1 pieces for :mod:`wheelmill.serve.server`: request parsing, negotiation, paths."""

from __future__ import annotations

import functools
import posixpath
import re
import time
import urllib.parse
from dataclasses import dataclass

from ..index._pages import HTML_TYPE, JSON_TYPE

MAX_HEAD = 16 * 1024  # the request line and headers together, whatever packets they came in
#: Decimal numbers longer than this (leading zeros aside) are never read: 10**18 > any file.
MAX_DIGITS = 18
REASONS = {
    200: "OK",
    201: "Created",
    206: "Partial Content",
    301: "Moved Permanently",
    304: "Not Modified",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    409: "Conflict",
    413: "Content Too Large",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    408: "Request Timeout",
    416: "Range Not Satisfiable",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
#: The representations on offer, in the server's order of preference (PEP 691: JSON).
_OFFERS = (
    ("json", JSON_TYPE),
    ("html", HTML_TYPE),
    ("html", "text/html; charset=utf-8"),
)
#: The media types a client may name, and the offer each one means.
_NAMES = {
    JSON_TYPE: 0,
    "application/vnd.pypi.simple.latest+json": 0,
    HTML_TYPE: 1,
    "application/vnd.pypi.simple.latest+html": 1,
    "text/html": 2,
}
_QVALUE = re.compile(r"0(\.[0-9]{0,3})?|1(\.0{0,3})?")
_RANGE = re.compile(r"bytes=([0-9]*)-([0-9]*)", re.IGNORECASE)


def number(digits: str) -> int | None:
    """A non-negative decimal; ``None`` for anything else, or for more than 18 digits.

    ``int()`` alone would accept ``+1``, ``1_0`` or non-ASCII digits, and spend
    quadratic time on (or refuse) thousands of digits.
    """
    if not (digits.isascii() and digits.isdigit()):
        return None
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= MAX_DIGITS else None


class Unsatisfiable(Exception):
    """A well-formed byte range that starts past the end of the file (416)."""


@dataclass
class Request:
    method: str
    target: str
    version: str
    headers: dict[str, str]

    @property
    def keep_alive(self) -> bool:
        tokens = {token.strip() for token in self.headers.get("connection", "").lower().split(",")}
        if self.version == "HTTP/1.0":
            return "keep-alive" in tokens
        return "close" not in tokens


def parse_head(head: bytes) -> Request | None:
    """Parse a request head (without the final blank line); ``None`` if malformed."""
    try:
        text = head.decode("latin-1")
        request_line, *header_lines = text.split("\r\n")
        method, target, version = request_line.split(" ")
    except ValueError:
        return None
    if not version.startswith("HTTP/1."):
        return None
    headers: dict[str, str] = {}
    for line in header_lines:
        name, sep, value = line.partition(":")
        if not sep:
            return None
        key = name.strip().lower()
        headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
    return Request(method, target, version, headers)


@functools.lru_cache(maxsize=256)  # a pure function of a few strings clients repeat
def negotiate(accept: str | None, query_format: str | None = None) -> tuple[str, str] | None:
    """Choose ``("json"|"html", content type)`` from an Accept header; ``None`` means 406.

    Each offer takes the quality of the most specific media range that matches it
    (RFC 9110 §12.5.1), so ``…v1+json;q=0, */*`` excludes JSON. The best quality
    wins; ties go to the range the client listed first, then to the server's order.
    """
    if query_format:
        offer = _NAMES.get(query_format.strip().lower())
        return None if offer is None else _OFFERS[offer]
    if not accept or not accept.strip():
        return _OFFERS[0]
    ranges = [_media_range(item) for item in accept.split(",") if item.strip()]
    best: tuple[tuple[float, int, int], int] | None = None
    for offer in range(len(_OFFERS)):
        matches = [
            (specificity, -position, quality)
            for position, (media, quality) in enumerate(ranges)
            if (specificity := _specificity(media, offer)) >= 0
        ]
        if not matches:
            continue
        _, first, quality = max(matches)
        rank = (quality, first, -offer)
        if quality > 0 and (best is None or rank > best[0]):
            best = (rank, offer)
    return None if best is None else _OFFERS[best[1]]


def _media_range(item: str) -> tuple[str, float]:
    media, *params = (part.strip() for part in item.split(";"))
    quality = 1.0
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            value = value.strip()
            quality = float(value) if _QVALUE.fullmatch(value) else 0.0
    return media.lower(), quality


def _specificity(media: str, offer: int) -> int:
    """How closely a media range names an offer: 2 exactly, 1 ``type/*``, 0 ``*/*``, else -1."""
    if _NAMES.get(media) == offer:
        return 2
    if media == _OFFERS[offer][1].partition("/")[0] + "/*":
        return 1
    return 0 if media == "*/*" else -1


def split_target(target: str) -> tuple[list[str], dict[str, str], bool] | None:
    """Decode a request target into path segments, query and a trailing-slash flag.

    ``None`` for anything that tries to leave the tree: ``..`` or ``.`` segments
    (also percent-encoded), backslashes, NUL bytes, hidden names, absolute URLs.
    """
    path, _, query = target.partition("?")
    # printable ASCII but space: "!" to "~" (one C call each rather than a loop here)
    if not (path.startswith("/") and target.isascii() and target.isprintable()) or " " in target:
        return None  # absolute-form, or raw spaces, controls or non-ASCII (never valid)
    try:
        decoded = urllib.parse.unquote(path, errors="strict") if "%" in path else path
    except UnicodeDecodeError:
        return None
    if "\\" in decoded or "\x00" in decoded or "//" in decoded:
        return None
    segments = decoded.split("/")[1:]
    trailing = decoded.endswith("/")
    if trailing:
        segments = segments[:-1]
    for segment in segments:
        if segment in ("", ".", "..") or segment.startswith("."):
            return None
    if posixpath.normpath(decoded) != decoded.rstrip("/") and decoded != "/":
        return None
    params = {}
    for pair in query.split("&"):
        if pair:  # not parse_qsl: a "+" stays a plus, as in ?format=…simple.v1+json
            name, _, value = pair.partition("=")
            params[urllib.parse.unquote(name)] = urllib.parse.unquote(value)
    return segments, params, trailing


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """A single ``bytes=a-b`` range as ``(start, end_inclusive)``.

    ``None`` when the header is not one byte range this server honours (another
    unit, several ranges, bad syntax): the whole file is sent, as RFC 9110 §14.2
    allows. A well-formed range that starts past the end raises :class:`Unsatisfiable`.
    """
    match = _RANGE.fullmatch(header.strip())
    if match is None:
        return None
    first, last = match.groups()
    # a number too long to read is past the end of any file: as a first byte it cannot be
    # satisfied, as a last byte or a suffix length it means "to the end" / "all of it"
    if not first:
        if not last:
            return None
        length = number(last)
        if length == 0:
            raise Unsatisfiable(header)
        return (0 if length is None else max(0, size - length)), size - 1
    start = number(first)
    end = number(last) if last else None  # None: to the end (absent, or too long to read)
    if last and end is not None and (start is None or end < start):
        return None  # a reversed range is invalid, not unsatisfiable
    if start is None or start >= size:
        raise Unsatisfiable(header)
    return start, size - 1 if end is None else min(end, size - 1)


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def http_date(seconds: float) -> str:
    """An HTTP date (RFC 9110 §5.6.7, ``Sun, 06 Nov 1994 08:49:37 GMT``), whatever the locale."""
    t = time.gmtime(seconds)
    return (
        f"{_DAYS[t.tm_wday]}, {t.tm_mday:02d} {_MONTHS[t.tm_mon]} {t.tm_year} "
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} GMT"
    )


_date: tuple[int, bytes] = (0, b"")


def date_and_server() -> bytes:
    """The ``Date`` and ``Server`` header lines, the date formatted once a second."""
    global _date
    now = int(time.time())
    if _date[0] != now:
        _date = (
            now,
            f"Date: {http_date(now)}\r\nServer: wheelmill\r\n".encode(),
        )
    return _date[1]


def body_length(request: Request | None) -> int | None:
    """The length of the request's body (0 if none); ``None`` if it cannot be known."""
    if request is None:
        return None
    value = request.headers.get("content-length")
    return 0 if value is None else number(value.strip())
