"""A tiny PEP 691 JSON index on 127.0.0.1 (with PEP 700 upload times), standing in for PyPI.

Files put in with :meth:`FakeUpstream.add` are listed at ``/simple/<project>/`` as JSON,
each with the upload time given, and served from ``/files/``.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import threading
from pathlib import Path

from packaging.utils import canonicalize_name

JSON_TYPE = "application/vnd.pypi.simple.v1+json"


class FakeUpstream:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.files: dict[str, list[dict[str, object]]] = {}
        self.requests: list[str] = []
        upstream = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_HEAD(self) -> None:  # uv asks whether a wheel's server takes ranges
                self.do_GET()

            def do_GET(self) -> None:
                upstream.requests.append(self.path)
                parts = [p for p in self.path.split("?")[0].split("/") if p]
                if len(parts) == 2 and parts[0] == "simple":
                    listed = upstream.files.get(canonicalize_name(parts[1]))
                    if listed is None:
                        return self._send(404, b"not found", "text/plain")
                    body = json.dumps({"meta": {"api-version": "1.1"}, "files": listed})
                    return self._send(200, body.encode(), JSON_TYPE)
                if len(parts) == 2 and parts[0] == "files" and (root / parts[1]).is_file():
                    data = (root / parts[1]).read_bytes()
                    return self._send(200, data, "application/octet-stream")
                return self._send(404, b"not found", "text/plain")

            def _send(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/simple/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def add(self, path: Path, upload_time: str) -> str:
        """List ``path`` (copied into the index) with ``upload_time``; returns its sha256."""
        data = path.read_bytes()
        (self.root / path.name).write_bytes(data)
        digest = hashlib.sha256(data).hexdigest()
        project = canonicalize_name(path.name.split("-")[0])
        self.files.setdefault(project, []).append(
            {
                "filename": path.name,
                "url": f"../../files/{path.name}",
                "hashes": {"sha256": digest},
                "upload-time": upload_time,
                "yanked": False,
            }
        )
        return digest

    def __enter__(self) -> FakeUpstream:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
