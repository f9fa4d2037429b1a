"""The access log writes the lines of one event-loop turn together, promptly, whole."""

from __future__ import annotations

import asyncio
import http.client
import time
from pathlib import Path

from conftest import make_wheel
from wheelmill.index.publish import publish
from wheelmill.serve._app import Response
from wheelmill.serve._gate import AccessLog
from wheelmill.serve._http import Request, parse_head
from wheelmill.serve.server import BackgroundServer
from wheelmill.store.wheelhouse import Store


def _request(target: str) -> Request:
    request = parse_head(f"GET {target} HTTP/1.1\r\nUser-Agent: pip/26.0".encode())
    assert request is not None
    return request


def test_one_turn_is_one_batch_in_order(tmp_path: Path) -> None:
    path = tmp_path / "access.log"

    async def turn() -> tuple[str, str]:
        with path.open("a", encoding="utf-8") as stream:
            log = AccessLog(stream)
            for number in range(3):
                log.write(
                    "10.0.0.1", None, _request(f"/simple/p{number}/"), Response(200, [], b"x")
                )
            during = path.read_text()
            await asyncio.sleep(0)  # the end of this turn of the loop
            return during, path.read_text()

    during, after = asyncio.run(turn())
    assert during == ""  # nothing written while the turn answers requests
    lines = after.splitlines()
    assert [line.split('"')[1] for line in lines] == [
        f"GET /simple/p{number}/ HTTP/1.1" for number in range(3)
    ]
    assert all(line.endswith('200 1 "-" "pip/26.0"') for line in lines)


def test_without_a_loop_a_line_is_written_at_once(tmp_path: Path) -> None:
    path = tmp_path / "access.log"
    with path.open("a", encoding="utf-8") as stream:
        AccessLog(stream).write("-", "alice", _request("/health"), Response(200, [], b"ok"))
        assert path.read_text().startswith("- - alice [")


def test_a_served_request_is_logged_while_the_server_runs(tmp_path: Path) -> None:
    store = Store(tmp_path / "wh").create()
    make_wheel(store.wheels, "alpha", "1.0")
    publish(store)
    path = tmp_path / "access.log"
    with (
        path.open("a", encoding="utf-8") as stream,
        BackgroundServer(store.root, access_log=AccessLog(stream)) as server,
    ):
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        for _ in range(5):  # keep-alive: several requests, several turns
            conn.request("GET", "/simple/alpha/")
            conn.getresponse().read()
        conn.close()
        deadline = time.monotonic() + 5
        while len(path.read_text().splitlines()) < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        lines = path.read_text().splitlines()
    assert len(lines) == 5
    assert all('"GET /simple/alpha/ HTTP/1.1" 200 ' in line for line in lines)
