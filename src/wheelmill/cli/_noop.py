"""``wheelmill build`` answered from its no-op stamp before click is even loaded.

Loading click costs a no-op rerun more than the rest of the answer together, so
:func:`answered` reads the plainest form of the command itself::

    wheelmill build LOCK [-w|--wheelhouse DIR] [--config FILE] [--target SPEC]…
                         [--store s3://BUCKET/PREFIX] [--json] [-q|--quiet]

(each option also as ``--name=value``), loads the config as ``build`` does, and
answers when the lock's stamp holds (:func:`wheelmill.noop.Stamp.read`; with a team
store, one listing of it agrees), printing exactly what ``build`` prints then.
Anything else (another command or option, a ``WHEELMILL_*`` variable that could set
an option, a stamp that does not hold, any error) returns ``None``, and click runs
the command as usual: the answer is never different, only sooner.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .._exceptions import WheelmillError

#: Options taking a value, by spelling: the field each sets (``targets`` repeats).
_VALUED = {
    "-w": "wheelhouse",
    "--wheelhouse": "wheelhouse",
    "--config": "config",
    "--target": "targets",
    "--store": "store",
}
_FLAGS = {"--json": "json", "-q": "quiet", "--quiet": "quiet"}
#: ``WHEELMILL_*`` variables that name a tool, not an option: they leave the answer alone.
_NOT_OPTIONS = frozenset({"WHEELMILL_BWRAP", "WHEELMILL_UNSHARE"})


def _options_from_environment() -> bool:
    """Whether a variable may set an option (``WHEELMILL_CONFIG``,
    ``WHEELMILL_WHEELHOUSE``, ``WHEELMILL_BUILD_JOBS``…): click's to read."""
    return any(name.startswith("WHEELMILL_") and name not in _NOT_OPTIONS for name in os.environ)


@dataclass
class _Build:
    lock: Path | None = None
    wheelhouse: Path | None = None
    config: Path | None = None
    store: str | None = None
    targets: list[str] = field(default_factory=list)
    json: bool = False
    quiet: bool = False


def _parse(argv: list[str]) -> _Build | None:
    """The plain ``build`` command line, or ``None`` for anything else."""
    if not argv or argv[0] != "build":
        return None
    found = _Build()
    rest = iter(argv[1:])
    for token in rest:
        name, equals, value = token.partition("=")
        if token in _FLAGS:
            setattr(found, _FLAGS[token], True)
        elif name in _VALUED and (equals or token == name):
            if not equals:
                value = next(rest, "")
            if not value or (not equals and value.startswith("-")):
                return None
            key = _VALUED[name]
            if key == "targets":
                found.targets.append(value)
            elif getattr(found, key) is not None:
                return None  # given twice: click's rules decide
            else:
                setattr(found, key, value if key == "store" else Path(value))
        elif token.startswith("-") or found.lock is not None:
            return None
        else:
            found.lock = Path(token)
    return found if found.lock is not None else None


def answered(argv: list[str]) -> int | None:
    """Print the answer and return the exit code (0), or ``None`` to run the command."""
    parsed = _parse(argv)
    if parsed is None or parsed.lock is None or _options_from_environment():
        return None
    from ..config import DEFAULT_CONFIG, Config, load_config
    from ..noop import Stamp

    try:
        if parsed.config is not None:
            config = load_config(parsed.config)
        elif DEFAULT_CONFIG.is_file():
            config = load_config(DEFAULT_CONFIG)
        else:
            config = Config()
        config = config.with_overrides(wheelhouse=parsed.wheelhouse, store=parsed.store)
        if not config.wheelhouse.is_dir():
            return None
        stamp = Stamp.of(config, parsed.lock, "build", tuple(parsed.targets))
        found = stamp.read() if stamp is not None else None
    except (WheelmillError, OSError, ValueError):
        return None
    if found is None or found.report.failures:
        return None
    text = None
    if parsed.json:
        import json

        from ._json import build_json

        text = json.dumps(build_json(found.report), indent=2, sort_keys=True)
    elif not parsed.quiet:
        from ._summary import shown_pins, summary_line

        if shown_pins(found.report):
            return None  # a table, with colours: click's to print
        text = summary_line(found.report)
    if found.warning is not None:
        print(f"warning: {found.warning}", file=sys.stderr)
    if text is not None:
        print(text)
    return 0
