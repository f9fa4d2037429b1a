"""``wheelmill serve``."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

import click

from .._exceptions import ConfigError
from ..serve._gate import AccessLog, Users
from ..serve._watch import watch_store
from ..serve.server import Timeouts, serve
from ..store.team import open_remote
from ._options import config_option, load, wheelhouse_option


@click.command("serve")
@wheelhouse_option
@click.option("--host", help="Address to listen on. Default: 127.0.0.1 (this machine only).")
@click.option("--port", type=click.IntRange(0, 65535), help="Default: 8000; 0 picks a free one.")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes sharing the socket. Default: the number of CPUs.",
)
@click.option(
    "--header-timeout",
    type=click.FloatRange(min=0.1, max=3600),
    default=Timeouts.header,
    show_default=True,
    metavar="SECONDS",
    help="Time a client has to send each request head; then 408 and the connection closes.",
)
@click.option(
    "--idle-timeout",
    type=click.FloatRange(min=0.1, max=3600),
    default=Timeouts.idle,
    show_default=True,
    metavar="SECONDS",
    help="Time a kept-alive connection may wait for the next request before it is closed.",
)
@click.option(
    "--access-log",
    metavar="FILE|-",
    help="Log every request in the combined log format to FILE (appended), or - for stderr.",
)
@click.option(
    "--htpasswd",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Require HTTP basic auth from the users of this htpasswd file (bcrypt hashes only, "
    "`htpasswd -B`); needs the bcrypt library (the serve extra: pip install bcrypt).",
)
@click.option(
    "--upload-user",
    "upload_users",
    multiple=True,
    metavar="NAME",
    help="A user of --htpasswd who may also upload (repeatable); the others only read.",
)
@click.option(
    "--upstream",
    metavar="URL",
    help="Answer projects the wheelhouse does not carry from this index (wheels only); "
    "a project it carries never gets an upstream file.",
)
@click.option(
    "--refresh",
    type=click.FloatRange(min=0.1),
    default=10.0,
    show_default=True,
    metavar="SECONDS",
    help="With --store: how often to check whether the store's index was published again.",
)
@config_option
def command(
    wheelhouse: Path | None,
    host: str | None,
    port: int | None,
    workers: int | None,
    header_timeout: float,
    idle_timeout: float,
    access_log: str | None,
    htpasswd: Path | None,
    upload_users: tuple[str, ...],
    upstream: str | None,
    refresh: float,
    config_path: Path | None,
) -> None:
    """Serve the published index read-only over HTTP.

    \b
    Serves DIR/simple/ (PEP 691 negotiated: JSON or HTML), DIR/wheels/ and the
    status page at /status/, and nothing else. Point pip or uv at it:
      pip install --only-binary :all: --index-url http://127.0.0.1:8000/simple/ …
      uv pip install --only-binary :all: --index-url http://127.0.0.1:8000/simple/ …

    Stop it with Ctrl-C. Listening on another address than loopback exposes the
    wheelhouse to the network: put it behind a proxy with access control.

    Each worker serves as many connections as its descriptor limit allows (less
    a reserve); past that, a new connection replaces the one that has waited
    longest for its client, or gets 503 when all are busy.

    \b
    /health answers 200 with {"status":"ok"} while the index is published (503
    otherwise), without authentication, for load balancers and supervisors.

    With --store s3://BUCKET/PREFIX it serves the index `publish --store` wrote
    into the bucket, copied into DIR (the local cache): every --refresh seconds
    it checks one small object, published.json, and when it changed copies the
    new pages, after the wheels they name (each checked against the page's
    sha256), so it never serves a page naming a file it does not have.
    """
    config = load(config_path).with_overrides(
        wheelhouse=wheelhouse, serve_host=host, serve_port=port
    )

    def ready(url: str) -> None:
        click.echo(f"serving {config.wheelhouse} at {url} (Ctrl-C to stop)", err=True)

    if upload_users and htpasswd is None:
        raise ConfigError("--upload-user needs --htpasswd: name the users' file")
    users = Users.load(htpasswd, upload_users) if htpasswd is not None else None
    log = None
    if access_log == "-":
        log = AccessLog(sys.stderr)
    elif access_log:
        try:
            log = AccessLog(open(access_log, "a", encoding="utf-8"))  # noqa: SIM115 - kept open
        except OSError as exc:
            raise ConfigError(
                f"--access-log {access_log}: cannot open it ({exc.strerror})"
            ) from None
    watching: contextlib.AbstractContextManager[object] = contextlib.nullcontext()
    if config.store:
        remote = open_remote(config.store, config.store_endpoint_url)
        watching = watch_store(remote, config.wheelhouse, every=refresh)
    with watching:
        serve(
            config.wheelhouse,
            host=config.serve_host,
            port=config.serve_port,
            workers=workers or os.cpu_count() or 1,
            header_timeout=header_timeout,
            idle_timeout=idle_timeout,
            ready=ready,
            users=users,
            access_log=log,
            upstream=upstream,
        )
