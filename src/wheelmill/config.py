"""Load and validate ``wheelmill.toml``.

The file is small and flat on purpose: top-level keys drive ``wheelmill run``,
``[build]`` holds what changes how sdists are built (and therefore enters the
build key), ``[serve]`` the server's address. Relative paths are relative to the
directory of the config file, so a config works from any working directory.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from ._exceptions import ConfigError, clip, excerpt

TYPE_CHECKING = False  # as typing's: a no-op answer does not load typing (see cli/_noop.py)
if TYPE_CHECKING:
    from typing import Any, Callable


DEFAULT_CONFIG = Path("config") / "wheelmill.toml"
DEFAULT_INDEX_URL = "https://pypi.org/simple/"
RESOLVERS = ("pip-tools", "uv")
INSTALLERS = ("auto", "uv", "pip")


#: ``[build] repair``: ``auto`` is auditwheel on Linux when auditwheel and patchelf are
#: installed, none otherwise (:func:`wheelmill.build._repair.repair_choice`).
REPAIRS = ("auto", "none", "auditwheel")
#: ``[build] sandbox``: the best available (``auto``), bubblewrap or nothing (``strict``), none.
SANDBOXES = ("auto", "strict", "off")


@dataclass(frozen=True)
class BuildSettings:
    """What shapes one build: ``[build]`` merged with the pin's ``[packages.NAME]``.

    The fields that change a build's output enter the build key
    (:func:`wheelmill.build.key.key_material`); ``timeout``, ``installer``,
    ``memory_mb``, ``max_unpacked_mb``, ``offline``, ``import_check``, ``sandbox`` and
    ``skip`` do not.
    """

    timeout: float = 1800.0
    installer: str = "auto"
    env: Mapping[str, str] = field(default_factory=dict)
    config_settings: Mapping[str, str] = field(default_factory=dict)
    constraints: tuple[str, ...] = ()
    build_requires: tuple[str, ...] = ()
    from_source: bool = False
    repair: str = "auto"
    memory_mb: int = 0
    max_unpacked_mb: int = 2048
    offline: bool = False
    import_check: bool = True
    remediate: bool = True
    skip: bool = False
    sandbox: str = "auto"


@dataclass(frozen=True)
class Config:
    """A validated configuration; build one with :func:`load_config` or directly."""

    wheelhouse: Path = Path("wheelhouse")
    requirements: Path | None = None
    lock: Path | None = None
    index_url: str = DEFAULT_INDEX_URL
    jobs: int = 0
    resolver: str = "pip-tools"
    build: BuildSettings = field(default_factory=BuildSettings)
    serve_host: str = "127.0.0.1"
    serve_port: int = 8000
    targets: tuple[str, ...] = ("current",)
    rules: tuple[Path, ...] = ()
    packages: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    source: Path | None = None
    store: str | None = None  # s3://bucket/prefix: the team's shared store
    store_endpoint_url: str | None = None
    store_lease_seconds: float = 300.0

    def settings_for(self, name: str) -> BuildSettings:
        """The build settings of one package: ``[build]`` with its override applied."""
        if not self.packages:
            return self.build
        from packaging.utils import canonicalize_name

        override = self.packages.get(canonicalize_name(name))
        if not override:
            return self.build
        merged: dict[str, Any] = {}
        for key, value in override.items():
            if key in ("env", "config_settings"):
                merged[key] = {**getattr(self.build, key), **value}
            elif key in ("constraints", "build_requires"):
                merged[key] = (*getattr(self.build, key), *value)
            else:
                merged[key] = value
        return replace(self.build, **merged)

    def all_build_constraints(self) -> tuple[str, ...]:
        """Every build constraint, global and per package (for metadata builds while locking)."""
        found = list(self.build.constraints)
        for override in self.packages.values():
            found += [c for c in override.get("constraints", ()) if c not in found]
        return tuple(found)

    def with_overrides(self, **overrides: Any) -> Config:
        """Return a copy with the non-``None`` overrides applied (command-line flags)."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    @property
    def effective_jobs(self) -> int:
        return self.jobs if self.jobs > 0 else (os.cpu_count() or 1)


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
    if value:
        from packaging.requirements import InvalidRequirement, Requirement
    for item in value:
        try:
            Requirement(item)
        except InvalidRequirement as exc:
            # packaging's message is three lines (reason, the text, a caret): keep the reason.
            reason = clip(str(exc).splitlines()[0])
            raise ConfigError(
                f"{where}: {excerpt(item)} is not a valid requirement ({reason}); "
                'write it like "setuptools<70"'
            ) from None
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


_TOP: dict[str, Callable[[object, str], Any]] = {
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
_PACKAGE: dict[str, Callable[[object, str], Any]] = {
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
_SECTIONS = {"build": _BUILD, "serve": _SERVE}


def _check_keys(table: Mapping[str, object], known: list[str], where: str, path: Path) -> None:
    for key in table:
        if key in known:
            continue
        import difflib

        close = difflib.get_close_matches(key, known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(known)}"
        raise ConfigError(f"{path}: unknown key {where + key!r}{hint}")


def _validated(
    table: Mapping[str, object], schema: Mapping[str, Callable[[object, str], Any]], prefix: str
) -> dict[str, Any]:
    return {key: schema[key](value, f"{prefix}{key}") for key, value in table.items()}


def parse_config(data: Mapping[str, object], path: Path) -> Config:
    """Validate a parsed TOML document; ``path`` anchors relative paths and error messages."""
    _check_keys(data, [*_TOP, *_SECTIONS, "packages"], "", path)
    for section in _SECTIONS:
        if section in data and not isinstance(data[section], dict):
            raise ConfigError(f"{path}: [{section}] must be a table")
    try:
        top = _validated({k: v for k, v in data.items() if k in _TOP}, _TOP, "")
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    sections: dict[str, dict[str, Any]] = {}
    for name, schema in _SECTIONS.items():
        table = data.get(name, {})
        assert isinstance(table, dict)
        _check_keys(table, list(schema), f"{name}.", path)
        try:
            sections[name] = _validated(table, schema, f"{name}.")
        except ConfigError as exc:
            raise ConfigError(f"{path}: {exc}") from None
    packages = _packages(data.get("packages", {}), path)
    # Absolute, so paths stay right when a subprocess or a later chdir uses them.
    base = path.parent.absolute()
    return Config(
        wheelhouse=_under(base, top.get("wheelhouse", "wheelhouse")),
        requirements=_under(base, top["requirements"]) if "requirements" in top else None,
        lock=_under(base, top["lock"]) if "lock" in top else None,
        index_url=top.get("index_url", DEFAULT_INDEX_URL),
        jobs=top.get("jobs", 0),
        resolver=top.get("resolver", "pip-tools"),
        build=BuildSettings(**sections["build"]),
        serve_host=sections["serve"].get("host", "127.0.0.1"),
        serve_port=sections["serve"].get("port", 8000),
        targets=top.get("targets", ("current",)),
        rules=tuple(_under(base, directory) for directory in top.get("rules", ())),
        packages=packages,
        source=path,
        store=top.get("store"),
        store_endpoint_url=top.get("store_endpoint_url"),
        store_lease_seconds=top.get("store_lease_seconds", 300.0),
    )


def _under(base: Path, relative: str) -> Path:
    """``relative`` resolved against the config's directory, without ``..`` left in it."""
    return Path(os.path.normpath(base / relative))


def _packages(table: object, path: Path) -> dict[str, dict[str, Any]]:
    """``[packages.NAME]`` overrides, keyed by normalized name."""
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [packages] must hold one table per package")
    packages: dict[str, dict[str, Any]] = {}
    for name, override in table.items():
        from packaging.utils import canonicalize_name

        if not isinstance(override, dict):
            raise ConfigError(f"{path}: [packages.{name}] must be a table")
        _check_keys(override, list(_PACKAGE), f"packages.{name}.", path)
        try:
            packages[canonicalize_name(name)] = _validated(override, _PACKAGE, f"packages.{name}.")
        except ConfigError as exc:
            raise ConfigError(f"{path}: {exc}") from None
    return packages


def load_config(path: Path) -> Config:
    """Read and validate the config file at ``path``; every problem is a :class:`ConfigError`."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on older interpreters only
        import tomli as tomllib

    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file; pass --config or create it") from None
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot read config file ({exc.strerror}); check the path and its permissions"
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not UTF-8 text (byte {exc.start}); save the config file as UTF-8"
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the syntax there") from None
    return parse_config(data, path)
