"""The command group: every command, loaded when it runs; errors to one line and a code."""

from __future__ import annotations

import importlib
from typing import Any, NoReturn

import click

from .. import __version__
from .._cancel import Cancelled
from .._exceptions import WheelmillError, from_os_error
from ._logging import DEFERRED, configure_logging
from ._options import from_environment
from ._pipe import reader_gone

#: Command name → module (in the order ``--help`` lists them). Modules are imported
#: only when their command runs, so a no-op ``wheelmill build`` does not pay for
#: the server, the index writer or the knowledge base.
_COMMANDS = {
    "lock": "lock",
    "build": "build",
    "publish": "publish",
    "serve": "serve",
    "sync": "sync",
    "run": "run",
    "verify": "verify",
    "export": "export",
    "pip-config": "pipconfig",
    "gc": "gc",
    "add": "add",
    "yank": "yank",
    "unyank": "yank:unyank_command",
    "diagnose": "diagnose",
    "failures": "failures",
    "show": "show",
    "rules": "rules",
    "doctor": "doctor",
}


class _Group(click.Group):
    """Loads commands lazily; turns every :class:`WheelmillError` (and every
    :class:`OSError`: a read-only or full disk) into one line on stderr and its exit code."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = _COMMANDS.get(cmd_name)
        if module is None:
            return None
        module, _, name = module.partition(":")
        command: click.Command = getattr(
            importlib.import_module(f"{__package__}.{module}"), name or "command"
        )
        return from_environment(command, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except WheelmillError as exc:
            _fail(ctx, exc)
        except BrokenPipeError:  # the reader left early (`| head`): stop quietly, as cat does
            reader_gone()
        except OSError as exc:  # the disk or the machine refused, not wheelmill
            _fail(ctx, from_os_error(exc))
        except Cancelled:  # a stopped build, which has said so already
            ctx.exit(130)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)


def _fail(ctx: click.Context, exc: WheelmillError) -> NoReturn:
    click.secho(f"error: {exc}", fg="red", err=True)
    ctx.exit(exc.exit_code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="wheelmill")
def cli() -> None:
    """Prebuild every pin of a lock once; serve the wheels so installs never build.

    Every option can also come from the environment: WHEELMILL_<OPTION> (e.g.
    WHEELMILL_WHEELHOUSE), or WHEELMILL_<COMMAND>_<OPTION> for one command.

    \b
    The usual flow:
      wheelmill lock requirements.in -o requirements.txt
      wheelmill build requirements.txt --wheelhouse wheelhouse
      wheelmill publish --wheelhouse wheelhouse
      wheelmill serve --wheelhouse wheelhouse
      wheelmill export requirements.txt --wheelhouse wheelhouse -o requirements.binary.txt
    then, anywhere:
      pip install --require-hashes --only-binary :all: \\
          --index-url http://127.0.0.1:8000/simple/ -r requirements.binary.txt

    `wheelmill run` does lock, build and publish in one go from config/wheelmill.toml.
    """
    if click.get_current_context().invoked_subcommand not in DEFERRED:
        configure_logging()
