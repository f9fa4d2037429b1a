"""The build key: the same inputs give the same key; anything that shapes the wheel changes it."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from dataclasses import replace

import pytest

from wheelmill.build._repair import effective_repair
from wheelmill.build.key import build_key, key_material
from wheelmill.config import BuildSettings
from wheelmill.lockfile.pins import Pin, parse_pins
from wheelmill.target import Target, current_target

INDEX = "https://pypi.org/simple/"
MIRROR = "https://mirror.example/simple/"


def sha(seed: str) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()


LOCK = f"Foo_Bar==1.0 --hash=sha256:{sha('a')} --hash=sha256:{sha('b')}\n"
SETTINGS = BuildSettings(env={"CFLAGS": "-O2", "A": "1"}, config_settings={"x": "y"})


def pin(text: str = LOCK) -> Pin:
    (only,) = parse_pins(text)
    return only


def key(
    p: Pin | None = None,
    target: Target | None = None,
    settings: BuildSettings = SETTINGS,
    index_url: str = INDEX,
) -> str:
    return build_key(p or pin(), target or current_target(), settings, index_url=index_url)


def test_key_shape_and_stability() -> None:
    first = key()
    assert len(first) == 32
    assert int(first, 16) >= 0
    assert key() == first
    # Equal inputs spelled differently: hash order, dict order, name spelling.
    reordered = pin(f"foo-bar==1.0 --hash=sha256:{sha('b')} --hash=sha256:{sha('a')}\n")
    shuffled = BuildSettings(env={"A": "1", "CFLAGS": "-O2"}, config_settings={"x": "y"})
    assert key(reordered, settings=shuffled) == first


KEY_SCRIPT = """
import sys
from wheelmill.config import BuildSettings
from wheelmill.build.key import build_key
from wheelmill.lockfile.pins import parse_pins
from wheelmill.target import current_target

(pin,) = parse_pins(sys.argv[1])
settings = BuildSettings(env={"CFLAGS": "-O2", "A": "1"}, config_settings={"x": "y"})
print(build_key(pin, current_target(), settings, index_url=sys.argv[2]))
"""


@pytest.mark.parametrize("seed", ["0", "12345"])
def test_key_is_the_same_in_another_process(seed: str) -> None:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    for lock in (LOCK, "foo-bar==1.0\n"):
        out = subprocess.run(
            [sys.executable, "-c", KEY_SCRIPT, lock, INDEX],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        assert out.stdout.strip() == key(pin(lock))


def test_version_changes_the_key() -> None:
    assert key(replace(pin(), version="1.0.1")) != key()


@pytest.mark.parametrize(
    "hashes",
    [
        frozenset({f"sha256:{sha('a')}"}),
        frozenset({f"sha256:{sha('a')}", f"sha256:{sha('c')}"}),
        frozenset({f"sha256:{sha('a')}", f"sha256:{sha('b')}", f"sha256:{sha('c')}"}),
        frozenset(),
    ],
    ids=["dropped", "changed", "added", "none"],
)
def test_lock_hashes_change_the_key(hashes: frozenset[str]) -> None:
    assert key(replace(pin(), hashes=hashes)) != key()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("implementation", "pypy"),
        ("python_version", "3.99"),
        ("abi", "cp399"),
        ("platform", "macosx_14_0_arm64"),
        ("libc", "musl1.2"),
    ],
)
def test_target_fields_change_the_key(field: str, value: str) -> None:
    target = current_target()
    assert getattr(target, field) != value
    other = replace(target, **{field: value})
    assert key(target=other) != key(target=target)


def test_interpreter_path_does_not_change_the_key() -> None:
    # Two virtualenvs of one interpreter build the same wheels.
    target = current_target()
    assert key(target=replace(target, python="/elsewhere/venv/bin/python")) == key()


@pytest.mark.parametrize(
    "settings",
    [
        BuildSettings(env={"CFLAGS": "-O3", "A": "1"}, config_settings={"x": "y"}),
        BuildSettings(env={"CFLAGS": "-O2"}, config_settings={"x": "y"}),
        BuildSettings(env={"CFLAGS": "-O2", "A": "1", "B": ""}, config_settings={"x": "y"}),
        BuildSettings(env={"CFLAGS": "-O2", "A": "1"}, config_settings={"x": "z"}),
        BuildSettings(env={"CFLAGS": "-O2", "A": "1"}, config_settings={}),
        BuildSettings(env={"CFLAGS": "-O2", "A": "1"}, config_settings={"x": "y", "w": "v"}),
        BuildSettings(),
    ],
    ids=["env-value", "env-removed", "env-added", "cs-value", "cs-removed", "cs-added", "none"],
)
def test_build_settings_change_the_key(settings: BuildSettings) -> None:
    assert key(settings=settings) != key()


def test_timeout_and_installer_do_not_change_the_key() -> None:
    for settings in (
        SETTINGS.replace(timeout=5.0),
        SETTINGS.replace(timeout=0.0),
        SETTINGS.replace(installer="uv"),
        SETTINGS.replace(installer="pip"),
    ):
        assert key(settings=settings) == key()


def test_marker_extras_and_line_do_not_change_the_key() -> None:
    variant = replace(pin(), extras=frozenset({"socks"}), line=42)
    (marked,) = parse_pins(f"foo-bar==1.0 ; python_version >= '3' --hash=sha256:{sha('a')}\n")
    assert key(variant) == key()
    assert key(replace(marked, hashes=pin().hashes)) == key()


def test_index_url_matters_only_for_unhashed_pins() -> None:
    hashed = pin()
    assert key(hashed, index_url=MIRROR) == key(hashed, index_url=INDEX)
    assert "index_url" not in key_material(hashed, current_target(), SETTINGS, index_url=INDEX)
    bare = pin("foo-bar==1.0\n")
    assert key(bare, index_url=MIRROR) != key(bare, index_url=INDEX)
    material = key_material(bare, current_target(), SETTINGS, index_url=MIRROR)
    assert material["index_url"] == MIRROR


def test_key_material_is_what_is_hashed() -> None:
    material = key_material(pin(), current_target(), SETTINGS, index_url=INDEX)
    assert material["name"] == "foo-bar"
    assert material["version"] == "1.0"
    assert material["hashes"] == sorted([f"sha256:{sha('a')}", f"sha256:{sha('b')}"])
    assert material["env"] == {"A": "1", "CFLAGS": "-O2"}
    assert material["config_settings"] == {"x": "y"}
    # The default repair ("auto") enters as the tool it comes to here, if any.
    repair = effective_repair("auto")
    assert material.get("repair") == (None if repair == "none" else repair)
    assert set(material) - {"repair"} == {
        "schema",
        "name",
        "version",
        "hashes",
        "target",
        "env",
        "config_settings",
        "inherited_env",
    }


def test_inherited_compiler_variables_change_the_key() -> None:
    target = current_target()
    plain = build_key(pin(), target, BuildSettings(), index_url="x", environ={})
    tuned = build_key(pin(), target, BuildSettings(), index_url="x", environ={"CFLAGS": "-O3"})
    other = build_key(pin(), target, BuildSettings(), index_url="x", environ={"HOME": "/elsewhere"})
    assert plain != tuned
    assert plain == other
