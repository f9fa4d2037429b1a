"""Small HTTP/1.1 pieces for :mod:`wheelmill.serve`: request parsing, negotiation, paths."""

from __future__ import annotations

import posixpath
import urllib.parse
from dataclasses import dataclass

from .index import HTML_TYPE, JSON_TYPE

MAX_HEAD = 16 * 1024
REASONS = {
    200: "OK",
    206: "Partial Content",
    301: "Moved Permanently",
    304: "Not Modified",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    416: "Range Not Satisfiable",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
}
_OFFERS = {
    JSON_TYPE: ("json", JSON_TYPE),
    "application/vnd.pypi.simple.latest+json": ("json", JSON_TYPE),
    HTML_TYPE: ("html", HTML_TYPE),
    "application/vnd.pypi.simple.latest+html": ("html", HTML_TYPE),
    "text/html": ("html", "text/html; charset=utf-8"),
}
#: What a wildcard gets: the most expressive format (PEP 691's recommendation).
_WILDCARD = ("json", JSON_TYPE)


@dataclass
class Request:
    method: str
    target: str
    version: str
    headers: dict[str, str]

    @property
    def keep_alive(self) -> bool:
        connection = self.headers.get("connection", "").lower()
        if self.version == "HTTP/1.0":
            return connection == "keep-alive"
        return connection != "close"


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


def negotiate(accept: str | None, query_format: str | None = None) -> tuple[str, str] | None:
    """Choose ``("json"|"html", content type)`` from an Accept header; ``None`` means 406."""
    if query_format:
        return _OFFERS.get(query_format.strip().lower())
    if not accept:
        return _WILDCARD
    best: tuple[float, int, tuple[str, str]] | None = None
    for position, item in enumerate(accept.split(",")):
        media, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        media = media.lower()
        if media in _OFFERS:
            offer = _OFFERS[media]
        elif media in ("*/*", "application/*"):
            offer = _WILDCARD
        elif media == "text/*":
            offer = _OFFERS["text/html"]
        else:
            continue
        if quality <= 0:
            continue
        rank = (quality, -position, offer)
        if best is None or rank[:2] > best[:2]:
            best = rank
    return best[2] if best else None


def split_target(target: str) -> tuple[list[str], dict[str, str], bool] | None:
    """Decode a request target into path segments, query and a trailing-slash flag.

    ``None`` for anything that tries to leave the tree: ``..`` or ``.`` segments
    (also percent-encoded), backslashes, NUL bytes, hidden names, absolute URLs.
    """
    path, _, query = target.partition("?")
    if not path.startswith("/"):
        return None
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
    params = dict(urllib.parse.parse_qsl(query)) if query else {}
    return segments, params, trailing


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """A single ``bytes=a-b`` range as ``(start, end_inclusive)``; ``None`` if unusable."""
    unit, _, spec = header.partition("=")
    if unit.strip() != "bytes" or "," in spec:
        return None
    first, _, last = spec.strip().partition("-")
    try:
        if first == "":
            length = int(last)
            if length <= 0:
                return None
            return max(0, size - length), size - 1
        start = int(first)
        end = int(last) if last else size - 1
    except ValueError:
        return None
    if start > end or start >= size:
        return None
    return start, min(end, size - 1)
