"""wheelmill's command line: thin commands over the library, one module each.

Exit codes: 0 success; 1 a pin failed to build or fetch, or a wheel was
rejected; 2 usage or configuration error (bad flag, bad config, malformed
requirement); 130 interrupted; 141 the reader of the output left early
(``| head``), which prints nothing.

:func:`main` first lets :mod:`._noop` answer a ``wheelmill build`` rerun from its
no-op stamp; only otherwise is the command line parsed (by click, :mod:`._group`).
"""

from __future__ import annotations

import sys

from .._lazy import exports

TYPE_CHECKING = False  # as typing's: a no-op answer does not load typing (see cli/_noop.py)
if TYPE_CHECKING:
    from ._group import cli

__all__ = ["cli", "main"]
__getattr__ = exports(__name__, {"cli": "_group"})


def main() -> None:
    from ._noop import answered

    try:
        code = answered(sys.argv[1:])
    except KeyboardInterrupt:  # as the command group says it
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    except BrokenPipeError:  # as the command group stops for it
        from ._pipe import reader_gone

        reader_gone()
    if code is not None:
        sys.exit(code)
    from ._group import cli

    sys.exit(cli.main(prog_name="wheelmill", standalone_mode=True))
