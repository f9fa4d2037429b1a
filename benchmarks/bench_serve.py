"""Serving the index: ``wheelmill serve`` versus nginx and pypiserver, under wrk.

One synthetic wheelhouse (2,000 wheels) is published by wheelmill, then served by

* ``wheelmill serve --workers 2`` with its access log on (to a file);
* nginx (Debian package) over the same static tree, tuned as a team runs it: 2
  workers, ``sendfile``, ``tcp_nopush``, ``open_file_cache``, ``keepalive_requests``
  100000, and its access log on (combined format, to a file), PEP 691 JSON chosen
  with a ``map $http_accept`` (the usual static recipe);
* pypiserver (PyPI) with its best configuration: waitress, ``cached-dir`` with
  ``watchdog<2.3`` (newer watchdog defeats its cache, pypiserver issue #502),
  over a plain directory of the same wheels.

wrk drives two workloads: project pages (``/simple/<name>/`` with pip's ``Accept``
header, cycling over every project) and wheel downloads (``/wheels/<file>``, cycling
over every wheel), each at 1, 16 and 128 connections; each round gives every server
the same duration, in rotating order. Everything listens on 127.0.0.1 only, and
every server is stopped at the end, also on errors.

Targets (pages, 16 connections, both servers logging): wheelmill >= 0.5x nginx's
throughput; >= 10x pypiserver's.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import _synth
from _common import (
    WORK,
    SetupError,
    clean_env,
    dist_version,
    find_wheelmill,
    machine_line,
    main_guard,
    make_venv,
    median,
    print_table,
    run_timed,
    verdict,
)

HOST = "127.0.0.1"
PIP_ACCEPT = (
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, "
    "text/html; q=0.01"
)
NGINX_CONF = """\
worker_processes 2;
daemon off;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {work}/nginx-access.log combined;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    keepalive_timeout 65;
    open_file_cache max=10000 inactive=60s;
    open_file_cache_valid 60s;
    open_file_cache_errors on;
    client_body_temp_path {work}/tmp;
    proxy_temp_path {work}/tmp;
    fastcgi_temp_path {work}/tmp;
    uwsgi_temp_path {work}/tmp;
    scgi_temp_path {work}/tmp;
    types {{
        text/html html;
        application/vnd.pypi.simple.v1+json json;
        application/octet-stream whl;
        text/plain metadata;
    }}
    map $http_accept $simple_index {{
        default index.html;
        "~application/vnd\\.pypi\\.simple\\.v1\\+json" index.json;
    }}
    server {{
        listen {host}:{port};
        root {root};
        location /simple/ {{
            index $simple_index;
            add_header Vary Accept;
        }}
    }}
}}
"""
WRK_SCRIPT = """\
local paths = {{{paths}}}
local counter = 0
request = function()
    counter = counter + 1
    return wrk.format("GET", paths[counter % #paths + 1], {{["Accept"] = "{accept}"}})
end
done = function(summary, latency, requests)
    io.write(string.format(
        "RESULT {{\\"requests\\": %d, \\"seconds\\": %f, \\"p50_us\\": %d, \\"p99_us\\": %d, "
        .. "\\"errors\\": %d}}\\n",
        summary.requests, summary.duration / 1e6, latency:percentile(50),
        latency:percentile(99), summary.errors.status + summary.errors.connect
        + summary.errors.read + summary.errors.timeout))
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def need_debian(program: str, package: str) -> str:
    """Path of ``program``; installs the Debian ``package`` if missing and possible."""
    if not shutil.which(program) and os.geteuid() == 0 and shutil.which("apt-get"):
        print(f"setup: apt-get install {package}", flush=True)
        subprocess.run(["apt-get", "update", "-qq"], capture_output=True, check=False)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", package], capture_output=True, check=False
        )
    found = shutil.which(program) or shutil.which(program, path="/usr/sbin:/sbin")
    if not found:
        raise SetupError(f"{program} not found; install the Debian package {package}")
    return found


@contextlib.contextmanager
def running(name: str, argv: list[str], port: int, log: Path) -> Iterator[None]:
    """Start a server in its own process group; stop that group on the way out."""
    with log.open("w") as sink:
        proc = subprocess.Popen(
            argv, stdout=sink, stderr=subprocess.STDOUT, env=clean_env(), start_new_session=True
        )
    try:
        deadline = time.monotonic() + 20
        while True:
            with contextlib.suppress(OSError), socket.create_connection((HOST, port), 0.2):
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SetupError(f"{name} did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.1)
        yield
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def check_page(url: str) -> str:
    request = urllib.request.Request(url, headers={"Accept": PIP_ACCEPT})
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()
        return str(response.headers.get("Content-Type", "")).split(";")[0]


def load(
    wrk: str, script: Path, port: int, seconds: float, connections: int, threads: int
) -> dict[str, float]:
    argv = [
        wrk,
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{seconds:g}s",
        "-s",
        str(script),
        f"http://{HOST}:{port}/",
    ]
    out = run_timed(argv)[2]
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    result: dict[str, float] = json.loads(line[len("RESULT ") :])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def prepare(work: Path, wheelmill: Path, projects: int) -> tuple[Path, Path, list[str]]:
    """The published wheelhouse, a plain wheel directory, and the project page paths."""
    pool = _synth.wheelhouse(WORK / f"pool-{projects}x5", projects, 5)
    wheelhouse, plain = work / "wheelhouse", work / "plain-wheels"
    _synth.link_tree(pool, wheelhouse / "wheels")
    _synth.link_tree(pool, plain)
    run_timed([wheelmill, "publish", "-w", wheelhouse, "-q"])
    paths = sorted(f"/simple/{p.name}/" for p in (wheelhouse / "simple").iterdir() if p.is_dir())
    return wheelhouse, plain, paths


def lua(work: Path, name: str, paths: list[str], accept: str) -> Path:
    script = work / f"{name}.lua"
    script.write_text(WRK_SCRIPT.format(paths=", ".join(f'"{p}"' for p in paths), accept=accept))
    return script


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 rounds of 3 s")
    parser.add_argument("--rounds", type=int, help="default 3")
    parser.add_argument("--duration", type=float, help="seconds per server per round (10)")
    parser.add_argument(
        "--connections", default="1,16,128", help="comma-separated levels (1,16,128)"
    )
    parser.add_argument(
        "--workloads", default="pages,wheels", help="comma-separated (pages,wheels)"
    )
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (at most c)")
    parser.add_argument("--projects", type=int, default=400, help="x 5 versions = wheels")
    parser.add_argument("--wheelmill", help="wheelmill executable (default: next to python)")
    parser.add_argument(
        "--baseline",
        metavar="EXE",
        help="another wheelmill executable (say, main's) served side by side as 'baseline'",
    )
    parser.add_argument(
        "--no-pypiserver", action="store_true", help="wheelmill and nginx only (faster)"
    )
    args = parser.parse_args()
    rounds = args.rounds or (2 if args.quick else 3)
    duration = args.duration or (3.0 if args.quick else 10.0)
    levels = [int(c) for c in args.connections.split(",")]
    workloads = [w for w in args.workloads.split(",") if w]
    if not workloads or not set(workloads) <= {"pages", "wheels"}:
        parser.error(f"--workloads {args.workloads}: pages, wheels or both")

    wheelmill, _ = find_wheelmill(args.wheelmill)
    nginx = need_debian("nginx", "nginx-light")
    wrk = need_debian("wrk", "wrk")
    pypiserver = (
        None
        if args.no_pypiserver
        else make_venv("pypiserver", "pypiserver", "waitress", "watchdog<2.3")
    )
    work = WORK / "serve"
    shutil.rmtree(work, ignore_errors=True)
    (work / "tmp").mkdir(parents=True)
    wheelhouse, plain, paths = prepare(work, wheelmill, args.projects)
    wheels = sorted(f"/wheels/{p.name}" for p in (wheelhouse / "wheels").glob("*.whl"))
    scripts = {
        "pages": lua(work, "pages", paths, PIP_ACCEPT),
        "wheels": lua(work, "wheels", wheels, "*/*"),
    }
    baseline = None if args.baseline is None else find_wheelmill(args.baseline)[0]
    names = [
        "wheelmill",
        *([] if baseline is None else ["baseline"]),
        "nginx",
        *([] if pypiserver is None else ["pypiserver"]),
    ]
    ports = {name: free_port() for name in names}
    conf = work / "nginx.conf"
    conf.write_text(
        NGINX_CONF.format(work=work, host=HOST, port=ports["nginx"], root=wheelhouse.resolve())
    )
    commands = {
        "wheelmill": [
            str(wheelmill), "serve", "-w", str(wheelhouse), "--host", HOST,
            "--port", str(ports["wheelmill"]), "--workers", "2",
            "--access-log", str(work / "wheelmill-access.log"),
        ],
        "nginx": [nginx, "-p", str(work), "-c", str(conf)],
    }  # fmt: skip
    if baseline is not None:
        commands["baseline"] = [
            str(baseline), *commands["wheelmill"][1:7], str(ports["baseline"]),
            *commands["wheelmill"][8:-1], str(work / "baseline-access.log"),
        ]  # fmt: skip
    if pypiserver is not None:
        commands["pypiserver"] = [
            str(pypiserver / "bin" / "pypi-server"), "run", "-i", HOST,
            "-p", str(ports["pypiserver"]), "--disable-fallback", "--backend", "cached-dir",
            "--server", "auto", str(plain),
        ]  # fmt: skip
    # pypiserver serves wheels at /packages/<file>: its own paths for the wheel workload
    scripts["wheels-pypiserver"] = lua(
        work, "wheels-pypiserver", [w.replace("/wheels/", "/packages/") for w in wheels], "*/*"
    )
    cases = [(workload, c) for workload in workloads for c in levels]
    results: dict[tuple[str, str, int], list[dict[str, float]]] = {}
    with contextlib.ExitStack() as stack:
        for name, argv in commands.items():
            stack.enter_context(running(name, argv, ports[name], work / f"{name}.log"))
            kind = check_page(f"http://{HOST}:{ports[name]}{paths[-1]}")
            load(wrk, scripts["pages"], ports[name], 2, 16, args.threads)  # warm-up
            print(f"{name} up on {HOST}:{ports[name]}, answers pip with {kind}", flush=True)
        for workload, connections in cases:
            threads = min(args.threads, connections)
            for rnd in range(rounds):
                order = names[rnd % len(names) :] + names[: rnd % len(names)]
                for name in order:
                    script = scripts[
                        "wheels-pypiserver"
                        if (workload, name) == ("wheels", "pypiserver")
                        else workload
                    ]
                    result = load(wrk, script, ports[name], duration, connections, threads)
                    results.setdefault((workload, name, connections), []).append(result)
                    print(
                        f"  {workload} c={connections} round {rnd + 1}/{rounds} {name}: "
                        f"{result['rps']:.0f} req/s, p50 {result['p50_us'] / 1000:.2f} ms, "
                        f"errors {result['errors']:.0f}",
                        flush=True,
                    )
    logged = {
        name: (work / f"{name}-access.log").stat().st_size
        for name in ("wheelmill", "baseline", "nginx")
        if (work / f"{name}-access.log").exists()
    }
    report(results, cases, names, len(paths), rounds, duration, args.threads, logged)
    versions = (
        {d: dist_version(pypiserver, d) for d in ("pypiserver", "waitress", "watchdog")}
        if pypiserver is not None
        else {}
    )
    nginx_version = (
        subprocess.run([nginx, "-v"], capture_output=True, text=True, check=False)
        .stderr.strip()
        .rpartition("/")[2]
    )
    print(f"\nnginx {nginx_version}; pypiserver {versions or 'not run'}")


def report(
    results: dict[tuple[str, str, int], list[dict[str, float]]],
    cases: list[tuple[str, int]],
    names: list[str],
    projects: int,
    rounds: int,
    duration: float,
    threads: int,
    logged: dict[str, int],
) -> None:
    rps = {key: median([r["rps"] for r in rs]) for key, rs in results.items()}
    print(
        f"\n{projects} projects / {projects * 5} wheels, wrk up to {threads} threads, "
        f"{duration:g} s x {rounds} rounds (medians, min-max req/s); {machine_line()}"
    )
    print(
        "access logs on: "
        + ", ".join(f"{name} wrote {size / 1e6:.1f} MB" for name, size in logged.items())
        + "\n"
    )
    rows = []
    for workload, connections in cases:
        for name in names:
            rs = results[(workload, name, connections)]
            low, high = min(r["rps"] for r in rs), max(r["rps"] for r in rs)
            ratio = rps[(workload, "wheelmill", connections)] / rps[(workload, name, connections)]
            rows.append(
                [
                    workload, str(connections), name, f"{rps[(workload, name, connections)]:.0f}",
                    f"{low:.0f}-{high:.0f}",
                    f"{median([r['p50_us'] for r in rs]) / 1000:.2f} ms",
                    f"{median([r['p99_us'] for r in rs]) / 1000:.2f} ms",
                    f"{sum(r['errors'] for r in rs):.0f}",
                    "" if name == "wheelmill" else f"{ratio:.2f}x",
                ]
            )  # fmt: skip
    print_table(
        ["workload", "c", "server", "req/s", "min-max", "p50", "p99", "errors", "wheelmill / it"],
        rows,
    )
    print("\ntargets (pages, 16 connections, access logs on):")
    if ("pages", "nginx", 16) in rps:
        vs_nginx = rps[("pages", "wheelmill", 16)] / rps[("pages", "nginx", 16)]
        print(
            f"  wheelmill {vs_nginx:.2f}x nginx throughput (target >= 0.5x): "
            f"{verdict(vs_nginx >= 0.5)}"
        )
    if ("pages", "pypiserver", 16) in rps:
        vs_pypi = rps[("pages", "wheelmill", 16)] / rps[("pages", "pypiserver", 16)]
        print(
            f"  wheelmill {vs_pypi:.1f}x pypiserver throughput (target >= 10x): "
            f"{verdict(vs_pypi >= 10)}"
        )


if __name__ == "__main__":
    main_guard(main)
