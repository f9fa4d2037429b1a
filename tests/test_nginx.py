"""The nginx configuration of docs/how-to/team-cache.md, run for real.

The test takes the ```nginx block from the how-to as written (only the root
and the port change), runs nginx on 127.0.0.1 with it, checks PEP 691
negotiation and that wheelmill's state is not served, and installs from it
binary-only with real pip and real uv. nginx comes from ``.ci/run``; when it
is missing the tests are skipped, or failed under ``CI=true``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import client_env, make_wheel
from system_tools import require_tool
from wheelmill.index.publish import publish
from wheelmill.index.statuspage import write_status_page
from wheelmill.store.wheelhouse import Store

HOWTO = Path(__file__).parents[1] / "docs" / "how-to" / "team-cache.md"


def _nginx() -> str | None:
    """nginx when installed (``.ci/run`` installs nginx-light); else None."""
    system = Path("/usr/sbin/nginx")  # not on PATH for every user
    return shutil.which("nginx") or (str(system) if system.exists() else None)


def documented_config() -> str:
    blocks = re.findall(r"```nginx\n(.*?)```", HOWTO.read_text("utf-8"), re.S)
    assert len(blocks) == 1, "the how-to has one nginx block"
    return blocks[0]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    nginx = require_tool(_nginx(), "nginx", "nginx-light")
    store = Store(tmp_path / "srv" / "wheelhouse").create()
    make_wheel(store.wheels, "alpha", "1.0")
    make_wheel(store.wheels, "beta", "2.0", requires=("alpha",))
    publish(store)
    write_status_page(store)
    port = _free_port()
    server = documented_config()
    assert "root /srv/wheelhouse;" in server and "listen 8080;" in server
    server = server.replace("root /srv/wheelhouse;", f"root {store.root};")
    server = server.replace("listen 8080;", f"listen 127.0.0.1:{port};")
    run = tmp_path / "nginx"
    run.mkdir()
    temps = "".join(
        f"{kind}_temp_path {run / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf = run / "nginx.conf"
    conf.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"worker_processes 1;\npid {run / 'nginx.pid'};\nerror_log {run / 'error.log'};\n"
        + "events {}\nhttp {\n"
        + "include /etc/nginx/mime.types;\naccess_log off;\n"
        + temps
        + server
        + "}\n"
    )
    process = subprocess.Popen(
        [nginx, "-p", str(run), "-c", str(conf), "-e", str(run / "error.log"), "-g", "daemon off;"],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log = (run / "error.log").read_text() if (run / "error.log").exists() else ""
                    pytest.fail(f"nginx did not start: {log}")
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)
        assert process.stderr is not None
        process.stderr.close()


def _get(url: str, accept: str) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers.get("Content-Type", ""), b""


PIP_ACCEPT = (
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, "
    "text/html; q=0.01"
)


def test_negotiation_and_what_is_not_served(served: str) -> None:
    status, kind, body = _get(f"{served}/simple/beta/", PIP_ACCEPT)
    assert (status, kind) == (200, "application/vnd.pypi.simple.v1+json")
    assert json.loads(body)["files"][0]["filename"] == "beta-2.0-py3-none-any.whl"
    status, kind, body = _get(f"{served}/simple/beta/", "text/html")
    assert (status, kind) == (200, "text/html") and b"beta-2.0-py3-none-any.whl" in body
    status, kind, _ = _get(f"{served}/simple/", PIP_ACCEPT)
    assert (status, kind) == (200, "application/vnd.pypi.simple.v1+json")
    status, _, body = _get(f"{served}/wheels/beta-2.0-py3-none-any.whl.metadata", "*/*")
    assert status == 200 and body.startswith(b"Metadata-Version")
    status, kind, body = _get(f"{served}/status/", "text/html")
    assert status == 200 and kind.startswith("text/html") and b"Wheelhouse status" in body
    for secret in ("/.wheelmill/catalog.sqlite", "/.wheelmill/", "/status/../.wheelmill/"):
        assert _get(f"{served}{secret}", "*/*")[0] == 404


def test_cache_control_as_serve_sends_it(served: str) -> None:
    from test_cache_control import EXPECTED, cache_control

    port = int(served.rsplit(":", 1)[1])
    for path, expected in EXPECTED.items():
        assert cache_control(port, path) == (200, expected), path
    json_page = {"Accept": PIP_ACCEPT}
    assert cache_control(port, "/simple/alpha/", json_page) == (200, "max-age=60")


def test_pip_and_uv_install_binary_only(served: str, tmp_path: Path) -> None:
    from uv import find_uv_bin

    index = f"{served}/simple/"
    target = tmp_path / "env"
    venv.EnvBuilder(with_pip=False).create(target)
    python = str(target / "bin" / "python")
    pip = subprocess.run(
        [sys.executable, "-m", "pip", "--python", python, "install", "--only-binary", ":all:",
         "--index-url", index, "beta"],
        capture_output=True, text=True, env=client_env(), timeout=300,
    )  # fmt: skip
    assert pip.returncode == 0, pip.stdout + pip.stderr
    uv = subprocess.run(
        [find_uv_bin(), "pip", "install", "--python", python, "--no-cache", "--reinstall",
         "--only-binary", ":all:", "--index-url", index, "beta"],
        capture_output=True, text=True, env=client_env(), timeout=300,
    )  # fmt: skip
    assert uv.returncode == 0, uv.stdout + uv.stderr
    subprocess.run([python, "-c", "import alpha, beta"], check=True, env=client_env())
