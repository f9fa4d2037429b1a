"""``wheelmill serve``."""

from __future__ import annotations

import os
from pathlib import Path

import click

from ..serve.server import serve
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
@config_option
def command(
    wheelhouse: Path | None,
    host: str | None,
    port: int | None,
    workers: int | None,
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
    """
    config = load(config_path).with_overrides(
        wheelhouse=wheelhouse, serve_host=host, serve_port=port
    )

    def ready(url: str) -> None:
        click.echo(f"serving {config.wheelhouse} at {url} (Ctrl-C to stop)", err=True)

    serve(
        config.wheelhouse,
        host=config.serve_host,
        port=config.serve_port,
        workers=workers or os.cpu_count() or 1,
        ready=ready,
    )
