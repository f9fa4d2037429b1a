"""The build key: a digest of everything that can change the wheel a pin gets.

Two runs with the same key produce (or fetch) the same wheel, so the second one
does nothing. The key covers:

* the pin: normalized name, version and the lock's artifact hashes (so a
  re-uploaded or differently-locked sdist is a new key; an unhashed pin falls
  back to the index URL it came from);
* the target: implementation, Python ``X.Y``, ABI, platform and libc;
* the build settings: environment overrides, ``config_settings``, build
  constraints, extra build requirements, "from source", wheel repair;
* the compiler variables builds inherit from the environment (``CC``,
  ``CFLAGS``, ``LDFLAGS``, ``PKG_CONFIG_PATH``, …: :data:`BUILD_ENV_VARIABLES`);
* wheelmill's key schema version, bumped whenever the build recipe changes.

It deliberately does *not* cover the installer used for build environments
(uv or pip: same resolution, same result) nor the build timeout. Compiler
versions are checked per record instead (see :mod:`wheelmill.build.toolchain`), so
a compiler upgrade rebuilds compiled wheels only. ``target=None`` gives the
pin's target-independent key, under which pure-Python wheels are shared.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping

TYPE_CHECKING = False  # as typing's: a no-op answer does not load typing (see cli/_noop.py)
if TYPE_CHECKING:  # the no-op stamp reads the variables below without loading these
    from ..config import BuildSettings
    from ..lockfile.pins import Pin
    from ..target import Target

#: Bump when the way wheelmill builds changes in a way that changes its wheels.
KEY_SCHEMA = 1


#: Variables of the user's environment that reach a build and change compiled output.
BUILD_ENV_VARIABLES = (
    "CC",
    "CXX",
    "CPP",
    "LD",
    "AR",
    "CFLAGS",
    "CXXFLAGS",
    "CPPFLAGS",
    "LDFLAGS",
    "LDSHARED",
    "ARCHFLAGS",
    "MACOSX_DEPLOYMENT_TARGET",
    "PKG_CONFIG_PATH",
    "RUSTFLAGS",
    "CARGO_BUILD_TARGET",
    "NPY_NUM_BUILD_JOBS",
    "SETUPTOOLS_SCM_PRETEND_VERSION",
)


def inherited_build_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The compiler-related variables set in the environment builds inherit."""
    source = os.environ if environ is None else environ
    return {name: source[name] for name in BUILD_ENV_VARIABLES if name in source}


def key_material(
    pin: Pin,
    target: Target | None,
    settings: BuildSettings,
    *,
    index_url: str,
    environ: Mapping[str, str] | None = None,
) -> Mapping[str, object]:
    """The exact inputs hashed into the build key, for records and ``--verbose`` output."""
    material: dict[str, object] = {
        "schema": KEY_SCHEMA,
        "name": pin.name,
        "version": pin.version,
        "hashes": sorted(pin.hashes),
        "target": target.key_material() if target is not None else "any",
        "env": dict(sorted(settings.env.items())),
        "config_settings": dict(sorted(settings.config_settings.items())),
        "inherited_env": inherited_build_env(environ),
    }
    # Fields added later enter the material only when set, so keys of builds
    # without them stay what they were.
    optional = {
        "constraints": sorted(settings.constraints),
        "build_requires": list(settings.build_requires),
        "from_source": settings.from_source,
        # what repair the build gets here: "auto" keys as the tool it comes to
        "repair": repair if (repair := _repair_of(settings)) != "none" else None,
    }
    material.update({name: value for name, value in optional.items() if value})
    if not pin.hashes:
        material["index_url"] = index_url
    return material


def build_key(
    pin: Pin,
    target: Target | None,
    settings: BuildSettings,
    *,
    index_url: str,
    environ: Mapping[str, str] | None = None,
) -> str:
    """A 32-hex-digit digest of :func:`key_material`."""
    canonical = json.dumps(
        key_material(pin, target, settings, index_url=index_url, environ=environ),
        sort_keys=True,
        separators=(",", ":"),
    )
    import hashlib  # the build key, not the no-op answer, needs it

    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def _repair_of(settings: BuildSettings) -> str:
    """The repair ``settings`` come to here (loaded only when a key is computed)."""
    from ._repair import effective_repair

    return effective_repair(settings.repair)
