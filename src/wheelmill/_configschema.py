"""The config file's schema: each key's check, and the checks of a table's keys.

Every check returns the value as :mod:`wheelmill.config` stores it, or raises a
:class:`~wheelmill._exceptions.ConfigError` naming the key and what it must be.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

from ._exceptions import ConfigError, excerpt
from ._requirement import parse_requirement

TYPE_CHECKING = False  # as typing's: a no-op answer does not load typing (see cli/_noop.py)
if TYPE_CHECKING:
    from typing import Any, Callable

__all__ = [
    "INSTALLERS", "PACKAGE", "REPAIRS", "RESOLVERS", "SANDBOXES", "SECTIONS", "TOP",
    "check_keys", "validated",
]  # fmt: skip

RESOLVERS = ("pip-tools", "uv")
INSTALLERS = ("auto", "uv", "pip")


#: ``[build] repair``: ``auto`` is auditwheel on Linux when auditwheel and patchelf are
#: installed, none otherwise (:func:`wheelmill.build._repair.repair_choice`).
REPAIRS = ("auto", "none", "auditwheel")
#: ``[build] sandbox``: the best available (``auto``), bubblewrap or nothing (``strict``), none.
SANDBOXES = ("auto", "strict", "off")


def _string(value: object, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where} must be a non-empty string, not {value!r}")
    return value


def _number(value: object, where: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value < 0
    ):
        raise ConfigError(f"{where} must be a non-negative number, not {value!r}")
    return float(value)


def _integer(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"{where} must be a non-negative integer, not {value!r}")
    return value


def _port(value: object, where: str) -> int:
    port = _integer(value, where)
    if port > 65535:
        raise ConfigError(f"{where} must be a port number (0-65535), not {value!r}")
    return port


def _choice(choices: tuple[str, ...]) -> Callable[[object, str], str]:
    def check(value: object, where: str) -> str:
        if value not in choices:
            raise ConfigError(f"{where} must be one of {', '.join(choices)}; got {value!r}")
        return str(value)

    return check


def _boolean(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where} must be true or false, not {value!r}")
    return value


def _requirements(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f'{where} must be a list of requirement strings, e.g. ["Cython<3"]')
    for item in value:
        reason = parse_requirement(item)
        if isinstance(reason, str):
            raise ConfigError(
                f"{where}: {excerpt(item)} is not a valid requirement ({reason}); "
                'write it like "setuptools<70"'
            )
    return tuple(value)


def _paths(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f'{where} must be a list of directories, e.g. ["rules"]')
    return tuple(value)


def _targets(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ConfigError(f'{where} must be a non-empty list such as ["3.11", "3.12"]')
    return tuple(value)


def _str_table(value: object, where: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must be a table of strings")
    out: dict[str, str] = {}
    for key, item in value.items():
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            raise ConfigError(f"{where}.{key} must be a string, not {item!r}")
        out[str(key)] = str(item)
    return out


TOP: dict[str, Callable[[object, str], Any]] = {
    "wheelhouse": _string,
    "requirements": _string,
    "lock": _string,
    "index_url": _string,
    "jobs": _integer,
    "resolver": _choice(RESOLVERS),
    "targets": _targets,
    "rules": _paths,
    "store": _string,
    "store_endpoint_url": _string,
    "store_lease_seconds": _number,
}
PACKAGE: dict[str, Callable[[object, str], Any]] = {
    "env": _str_table,
    "config_settings": _str_table,
    "constraints": _requirements,
    "build_requires": _requirements,
    "from_source": _boolean,
    "skip": _boolean,
    "timeout": _number,
    "max_unpacked_mb": _integer,
    "sandbox": _choice(SANDBOXES),
}
_BUILD: dict[str, Callable[[object, str], Any]] = {
    "timeout": _number,
    "installer": _choice(INSTALLERS),
    "env": _str_table,
    "config_settings": _str_table,
    "constraints": _requirements,
    "build_requires": _requirements,
    "from_source": _boolean,
    "repair": _choice(REPAIRS),
    "memory_mb": _integer,
    "max_unpacked_mb": _integer,
    "offline": _boolean,
    "import_check": _boolean,
    "remediate": _boolean,
    "sandbox": _choice(SANDBOXES),
}
_SERVE: dict[str, Callable[[object, str], Any]] = {"host": _string, "port": _port}
SECTIONS = {"build": _BUILD, "serve": _SERVE}


def check_keys(table: Mapping[str, object], known: list[str], where: str, path: Path) -> None:
    for key in table:
        if key in known:
            continue
        import difflib

        close = difflib.get_close_matches(key, known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(known)}"
        raise ConfigError(f"{path}: unknown key {where + key!r}{hint}")


def validated(
    table: Mapping[str, object], schema: Mapping[str, Callable[[object, str], Any]], prefix: str
) -> dict[str, Any]:
    return {key: schema[key](value, f"{prefix}{key}") for key, value in table.items()}
