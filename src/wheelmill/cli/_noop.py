"""The no-op answers of ``wheelmill build``, ``run`` and ``publish``, given before
click is even loaded.

Loading click costs a no-op rerun more than the rest of the answer together, so
:func:`answered` reads the plainest forms of the commands itself::

    wheelmill build LOCK [-w|--wheelhouse DIR] [--config FILE] [--target SPEC]…
                         [--store s3://BUCKET/PREFIX] [--json] [-q|--quiet]
    wheelmill run [-w|--wheelhouse DIR] [--config FILE] [--json] [-q|--quiet]
    wheelmill publish [-w|--wheelhouse DIR] [--config FILE] [--json] [-q|--quiet]

(each option also as ``--name=value``), loads the config as the command does, and
answers when the stamp holds (:meth:`wheelmill.noop.Stamp.answer`, which for a
team store asks one listing of it; for ``run``,
:func:`wheelmill.noop.unchanged_run_answer`, after the lock's header says it is up
to date with its ``.in``; for ``publish``, :func:`wheelmill.index._unchanged.unchanged`),
printing exactly what the command prints then. A ``publish`` that finds something
changed calls the command's one library function itself and prints what the command
prints (click is loaded only to say a rejected wheel, in colour); with ``-w`` and no
config file to read, not even the config module is loaded. Anything
else (another command or option, a ``WHEELMILL_*`` variable that could set an
option, ``run`` or ``publish`` with a team store, a stamp that does not hold, a pin the table
would list, any error) returns ``None``, and click runs the command as usual: the
answer is never different, only sooner. Nothing here loads the report's types.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .._exceptions import WheelmillError

TYPE_CHECKING = False  # as typing's: a no-op answer does not load typing (see cli/_noop.py)
if TYPE_CHECKING:
    from ..build.results import PinResultJSON
    from ..build.stamp import Answer
    from ..config import Config
    from ._json import BuildJSON, PublishJSON

#: Options taking a value, by spelling: the field each sets (``targets`` repeats).
_VALUED = {
    "-w": "wheelhouse",
    "--wheelhouse": "wheelhouse",
    "--config": "config",
    "--target": "targets",
    "--store": "store",
}
_FLAGS = {"--json": "json", "-q": "quiet", "--quiet": "quiet"}
#: ``WHEELMILL_*`` variables that name a tool or a place, not an option: they leave the
#: answer alone.
_NOT_OPTIONS = frozenset({"WHEELMILL_BWRAP", "WHEELMILL_UNSHARE", "WHEELMILL_CACHE_DIR"})


def _options_from_environment() -> bool:
    """Whether a variable may set an option (``WHEELMILL_CONFIG``,
    ``WHEELMILL_WHEELHOUSE``, ``WHEELMILL_BUILD_JOBS``…): click's to read."""
    return any(name.startswith("WHEELMILL_") and name not in _NOT_OPTIONS for name in os.environ)


class _Build:
    """The command line read (a plain class: the answer creates no dataclass it can spare)."""

    def __init__(self, command: str = "build") -> None:
        self.command = command
        self.lock: Path | None = None
        self.wheelhouse: Path | None = None
        self.config: Path | None = None
        self.store: str | None = None
        self.targets: list[str] = []
        self.json = False
        self.quiet = False


def _parse(argv: list[str]) -> _Build | None:
    """The plain ``build`` or ``run`` command line, or ``None`` for anything else."""
    if not argv or argv[0] not in ("build", "run", "publish"):
        return None
    found = _Build(command=argv[0])
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
            if key == "store" and found.command != "build":
                return None
            if key == "targets":
                if found.command != "build":
                    return None
                found.targets.append(value)
            elif getattr(found, key) is not None:
                return None  # given twice: click's rules decide
            else:
                setattr(found, key, value if key == "store" else Path(value))
        elif token.startswith("-") or found.lock is not None or found.command != "build":
            return None
        else:
            found.lock = Path(token)
    return found if found.lock is not None or found.command != "build" else None


#: ``config.DEFAULT_CONFIG``, spelt out so that a plain ``publish`` loads no config module.
_DEFAULT_CONFIG = "config/wheelmill.toml"


def _wheelhouse(parsed: _Build) -> Path | None:
    """``publish``'s wheelhouse, when neither a config file nor a team store can be in
    play (``-w`` given, no ``--config``, no default config file): no config to load."""
    if parsed.wheelhouse is None or parsed.config is not None:
        return None
    if os.path.lexists(_DEFAULT_CONFIG) or not parsed.wheelhouse.is_dir():
        return None
    return parsed.wheelhouse


def _config(parsed: _Build, *, team: bool = False) -> Config | None:
    """The config as the command loads it, or ``None`` when the entry cannot answer
    (a team store only where ``team``: ``build``'s stamp checks it)."""
    from ..config import DEFAULT_CONFIG, Config, load_config

    if parsed.config is not None:
        config = load_config(parsed.config)
    elif DEFAULT_CONFIG.is_file():
        config = load_config(DEFAULT_CONFIG)
    else:
        config = Config()
    config = config.with_overrides(wheelhouse=parsed.wheelhouse, store=parsed.store)
    if (config.store and not team) or not config.wheelhouse.is_dir():
        return None
    return config


def _shown(answer: Answer) -> bool:
    """Whether the build table would list a pin (then click prints it, in colour)."""
    from ._summary import is_shown

    return any(is_shown(status, attempted) for status, attempted in answer.marks)


def _build_summary(answer: Answer) -> str:
    from ._summary import summary_text

    total, several = len(answer.marks), answer.targets > 1
    return summary_text(total, answer.counts, several=several, duration=answer.duration)


#: Stands for the pins in a document until :func:`_render` puts their rendered list there.
_PINS = "\0pins\0"


def _build_document(answer: Answer) -> BuildJSON:
    from ._documents import build_document

    pins: list[PinResultJSON] = _PINS  # type: ignore[assignment]  # see _render
    return build_document(ok=True, duration=answer.duration, counts=answer.counts, pins=pins)


def _render(document: object, answer: Answer) -> str:
    """``json.dumps(document, indent=2, sort_keys=True)``, with the pins' list the stamp
    holds rendered (at the top level) in place of :data:`_PINS`: the same text, without
    encoding every pin again. JSON strings hold no newline, so nesting a rendered value
    one level deeper indents each of its lines further, and nothing else."""
    import json

    text = json.dumps(document, indent=2, sort_keys=True)
    stand_in = json.dumps(_PINS)
    at = text.index(stand_in)
    line = text[text.rindex("\n", 0, at) + 1 : at]
    depth = len(line) - len(line.lstrip(" "))
    pins = answer.pins_text.replace("\n", "\n" + " " * depth)
    return text[:at] + pins + text[at + len(stand_in) :]


def _publish_document(
    files: int, projects: int, duration: float, status_page: Path | None
) -> PublishJSON:
    """What ``publish --json`` says when nothing changed."""
    from ._documents import publish_document

    return publish_document(
        files=files, projects=projects, read=0, written=(), removed=(), rejected={},
        duration=duration, status_page=status_page,
    )  # fmt: skip


def _answer_build(parsed: _Build) -> int | None:
    from ..noop import Stamp

    assert parsed.lock is not None
    try:
        config = _config(parsed, team=True)
        if config is None:
            return None
        stamp = Stamp.of(config, parsed.lock, "build", tuple(parsed.targets))
        found = stamp.answer() if stamp is not None else None
    except (WheelmillError, OSError, ValueError):
        return None
    if found is None or (not parsed.json and not parsed.quiet and _shown(found)):
        return None
    if found.warning is not None:
        print(f"warning: {found.warning}", file=sys.stderr)
    if parsed.json:
        print(_render(_build_document(found), found))
    elif not parsed.quiet:
        print(_build_summary(found))
    return 0


def _answer_run(parsed: _Build) -> int | None:
    from ..lockfile.uptodate import lock_is_current, lock_path_for
    from ..noop import Stamp, unchanged_run_answer

    try:
        config = _config(parsed)
        if config is None:
            return None
        to_resolve, lock = lock_path_for(config)
        if to_resolve is not None and not lock_is_current(config, to_resolve, lock):
            return None  # click's to resolve, with its progress
        stamp = Stamp.of(config, lock, "run", ())
        found = unchanged_run_answer(stamp) if stamp is not None else None
        if found is None or (not parsed.json and not parsed.quiet and _shown(found)):
            return None
        page = found.extra.get("status_page")
        status_page = None if page is None else Path(str(page))
        files, projects = int(str(found.extra["files"])), int(str(found.extra["projects"]))
        index = f"{(config.wheelhouse / 'simple').resolve().as_uri()}/"
    except (WheelmillError, OSError, ValueError, KeyError):
        return None
    if to_resolve is not None and not (parsed.quiet or parsed.json):
        print(f"{lock} is up to date with {to_resolve}; not resolving", file=sys.stderr)
    if found.warning is not None:
        print(f"warning: {found.warning}", file=sys.stderr)
    if parsed.json:
        from ._documents import run_document

        published = _publish_document(files, projects, found.duration, status_page)
        document = run_document(
            ok=True, lock=lock, locked=False, build=_build_document(found), publish=published
        )
        print(_render(document, found))
    elif not parsed.quiet:
        from ._summary import publish_line

        print(_build_summary(found))
        print(publish_line(files, projects, found.duration, 0, 0))
        print(f"index: {index}")
        print(f"status page: {status_page}")
    return 0


def _answer_publish(parsed: _Build) -> int | None:
    """A publish where nothing changed: what ``publish`` prints then."""
    import time

    from ..index._statuskey import page_path
    from ..index._unchanged import unchanged

    started = time.monotonic()
    try:
        wheelhouse = _wheelhouse(parsed)
        if wheelhouse is None:
            config = _config(parsed)
            if config is None:
                return None
            wheelhouse = config.wheelhouse
        root = wheelhouse.absolute()  # as the store has it
        found = unchanged(root)
    except (WheelmillError, OSError, ValueError):
        return None
    if found is None:
        return _publish_now(parsed, root)
    files, projects = found
    duration = time.monotonic() - started
    status_page = page_path(root)
    if parsed.json:
        import json

        document = _publish_document(files, projects, duration, status_page)
        print(json.dumps(document, indent=2, sort_keys=True))
    elif not parsed.quiet:
        from ._summary import publish_line

        print(publish_line(files, projects, duration, 0, 0))
        print(f"status page: {status_page}")
    return 0


def _publish_now(parsed: _Build, root: Path) -> int | None:
    """Something changed: publish as the command does (the same library call, the same
    output), without loading click, unless a wheel is rejected (click says that, in
    colour). ``None`` when the command should run as usual: no ``wheels/`` (click's
    error), or an error (the command publishes again, and reports it)."""
    if not (root / "wheels").is_dir():
        return None
    from ..index.publish import publish
    from ..store.wheelhouse import Store

    try:
        report = publish(Store(root))
    except (WheelmillError, OSError):
        return None  # publishing is idempotent: the command tries again, and says why
    if parsed.json:
        import json

        from ._documents import publish_document

        document = publish_document(
            files=report.files, projects=report.projects, read=report.read,
            written=report.projects_written, removed=report.removed,
            rejected=report.rejected, duration=report.duration,
            status_page=report.status_page,
        )  # fmt: skip
        print(json.dumps(document, indent=2, sort_keys=True))
    elif not parsed.quiet or report.rejected:
        from ._summary import publish_line

        written, read = len(report.projects_written), report.read
        print(publish_line(report.files, report.projects, report.duration, written, read))
    if not report.rejected:
        if not parsed.json and not parsed.quiet:
            print(f"status page: {report.status_page}")
        return 0
    import click  # as the command prints a rejection: in red on a terminal

    from ._summary import rejected_line

    if not parsed.json:
        for filename, reason in sorted(report.rejected.items()):
            click.secho(f"REJECTED {filename}: {reason}", fg="red", err=True)
        click.echo(f"status page: {report.status_page}")
    click.secho(f"error: {rejected_line(len(report.rejected))}", fg="red", err=True)
    return 1


def answered(argv: list[str]) -> int | None:
    """Print the answer and return the exit code (0), or ``None`` to run the command."""
    parsed = _parse(argv)
    if parsed is None or _options_from_environment():
        return None
    if parsed.command == "run":
        return _answer_run(parsed)
    if parsed.command == "publish":
        return _answer_publish(parsed)
    return _answer_build(parsed)
