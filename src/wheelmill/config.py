"""Load and validate ``wheelmill.toml``.

The file is small and flat on purpose: top-level keys drive ``wheelmill run``,
``[build]`` holds what changes how sdists are built (and therefore enters the
build key), ``[serve]`` the server's address. Relative paths are relative to the
directory of the config file, so a config works from any working directory.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from ._configschema import (
    INSTALLERS,
    PACKAGE,
    REPAIRS,
    RESOLVERS,
    SANDBOXES,
    SECTIONS,
    TOP,
    check_keys,
    validated,
)
from ._exceptions import ConfigError
from ._record import Record

TYPE_CHECKING = False  # as typing's: a no-op answer does not load typing (see cli/_noop.py)
if TYPE_CHECKING:
    from typing import Any


DEFAULT_CONFIG = Path("config") / "wheelmill.toml"
DEFAULT_INDEX_URL = "https://pypi.org/simple/"
__all__ = [
    "DEFAULT_CONFIG", "DEFAULT_INDEX_URL", "INSTALLERS", "REPAIRS", "RESOLVERS", "SANDBOXES",
    "BuildSettings", "Config", "load_config", "parse_config",
]  # fmt: skip


class BuildSettings(Record):
    """What shapes one build: ``[build]`` merged with the pin's ``[packages.NAME]``.

    The fields that change a build's output enter the build key
    (:func:`wheelmill.build.key.key_material`); ``timeout``, ``installer``,
    ``memory_mb``, ``max_unpacked_mb``, ``offline``, ``import_check``, ``sandbox`` and
    ``skip`` do not. (A :class:`~wheelmill._record.Record`, not a dataclass: the no-op
    answer loads this module.)
    """

    __slots__ = (
        "build_requires",
        "config_settings",
        "constraints",
        "env",
        "from_source",
        "import_check",
        "installer",
        "max_unpacked_mb",
        "memory_mb",
        "offline",
        "remediate",
        "repair",
        "sandbox",
        "skip",
        "timeout",
    )  # fmt: skip
    timeout: float
    installer: str
    env: Mapping[str, str]
    config_settings: Mapping[str, str]
    constraints: tuple[str, ...]
    build_requires: tuple[str, ...]
    from_source: bool
    repair: str
    memory_mb: int
    max_unpacked_mb: int
    offline: bool
    import_check: bool
    remediate: bool
    skip: bool
    sandbox: str

    def __init__(
        self,
        timeout: float = 1800.0,
        installer: str = "auto",
        env: Mapping[str, str] | None = None,
        config_settings: Mapping[str, str] | None = None,
        constraints: tuple[str, ...] = (),
        build_requires: tuple[str, ...] = (),
        from_source: bool = False,
        repair: str = "auto",
        memory_mb: int = 0,
        max_unpacked_mb: int = 2048,
        offline: bool = False,
        import_check: bool = True,
        remediate: bool = True,
        skip: bool = False,
        sandbox: str = "auto",
    ) -> None:
        self._set(
            timeout=timeout, installer=installer, env={} if env is None else env,
            config_settings={} if config_settings is None else config_settings,
            constraints=constraints, build_requires=build_requires, from_source=from_source,
            repair=repair, memory_mb=memory_mb, max_unpacked_mb=max_unpacked_mb,
            offline=offline, import_check=import_check, remediate=remediate, skip=skip,
            sandbox=sandbox,
        )  # fmt: skip


class Config(Record):
    """A validated configuration; build one with :func:`load_config` or directly."""

    __slots__ = (
        "build",
        "index_url",
        "jobs",
        "lock",
        "packages",
        "requirements",
        "resolver",
        "rules",
        "serve_host",
        "serve_port",
        "source",
        "store",
        "store_endpoint_url",
        "store_lease_seconds",
        "targets",
        "wheelhouse",
    )  # fmt: skip
    wheelhouse: Path
    requirements: Path | None
    lock: Path | None
    index_url: str
    jobs: int
    resolver: str
    build: BuildSettings
    serve_host: str
    serve_port: int
    targets: tuple[str, ...]
    rules: tuple[Path, ...]
    packages: Mapping[str, Mapping[str, Any]]
    source: Path | None
    store: str | None  # s3://bucket/prefix: the team's shared store
    store_endpoint_url: str | None
    store_lease_seconds: float

    def __init__(
        self,
        wheelhouse: Path = Path("wheelhouse"),
        requirements: Path | None = None,
        lock: Path | None = None,
        index_url: str = DEFAULT_INDEX_URL,
        jobs: int = 0,
        resolver: str = "pip-tools",
        build: BuildSettings | None = None,
        serve_host: str = "127.0.0.1",
        serve_port: int = 8000,
        targets: tuple[str, ...] = ("current",),
        rules: tuple[Path, ...] = (),
        packages: Mapping[str, Mapping[str, Any]] | None = None,
        source: Path | None = None,
        store: str | None = None,
        store_endpoint_url: str | None = None,
        store_lease_seconds: float = 300.0,
    ) -> None:
        self._set(
            wheelhouse=wheelhouse, requirements=requirements, lock=lock, index_url=index_url,
            jobs=jobs, resolver=resolver, build=BuildSettings() if build is None else build,
            serve_host=serve_host, serve_port=serve_port, targets=targets, rules=rules,
            packages={} if packages is None else packages, source=source, store=store,
            store_endpoint_url=store_endpoint_url, store_lease_seconds=store_lease_seconds,
        )  # fmt: skip

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
        return self.build.replace(**merged)

    def all_build_constraints(self) -> tuple[str, ...]:
        """Every build constraint, global and per package (for metadata builds while locking)."""
        found = list(self.build.constraints)
        for override in self.packages.values():
            found += [c for c in override.get("constraints", ()) if c not in found]
        return tuple(found)

    def with_overrides(self, **overrides: Any) -> Config:
        """Return a copy with the non-``None`` overrides applied (command-line flags)."""
        return self.replace(**{k: v for k, v in overrides.items() if v is not None})

    @property
    def effective_jobs(self) -> int:
        return self.jobs if self.jobs > 0 else (os.cpu_count() or 1)


def parse_config(data: Mapping[str, object], path: Path) -> Config:
    """Validate a parsed TOML document; ``path`` anchors relative paths and error messages."""
    check_keys(data, [*TOP, *SECTIONS, "packages"], "", path)
    for section in SECTIONS:
        if section in data and not isinstance(data[section], dict):
            raise ConfigError(f"{path}: [{section}] must be a table")
    try:
        top = validated({k: v for k, v in data.items() if k in TOP}, TOP, "")
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    sections: dict[str, dict[str, Any]] = {}
    for name, schema in SECTIONS.items():
        table = data.get(name, {})
        assert isinstance(table, dict)
        check_keys(table, list(schema), f"{name}.", path)
        try:
            sections[name] = validated(table, schema, f"{name}.")
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
        check_keys(override, list(PACKAGE), f"packages.{name}.", path)
        try:
            packages[canonicalize_name(name)] = validated(override, PACKAGE, f"packages.{name}.")
        except ConfigError as exc:
            raise ConfigError(f"{path}: {exc}") from None
    return packages


def load_config(path: Path) -> Config:
    """Read and validate the config file at ``path``; every problem is a :class:`ConfigError`."""
    from . import _toml

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
        data = _toml.loads_cached(text)
    except _toml.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the syntax there") from None
    return parse_config(data, path)
