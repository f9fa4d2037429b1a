"""Loading wheelmill.toml: the bundled file, path anchoring, and every way a config is wrong."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import unprivileged
from wheelmill._exceptions import ConfigError
from wheelmill.config import DEFAULT_INDEX_URL, BuildSettings, Config, load_config

BUNDLED = Path(__file__).resolve().parents[1] / "config" / "wheelmill.toml"


def write(tmp_path: Path, text: str, name: str = "wheelmill.toml") -> Path:
    path = tmp_path / "conf" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def rejected(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}: "), message
    return message


def test_bundled_config_loads() -> None:
    config = load_config(BUNDLED)
    base = BUNDLED.parent
    assert config.source == BUNDLED
    assert config.requirements == base / "example" / "requirements.in"
    assert config.lock == base / "example" / "requirements.txt"
    assert config.requirements.is_file() and config.lock.is_file()
    assert config.wheelhouse.resolve() == base.parent / "wheelhouse"
    assert config.index_url == DEFAULT_INDEX_URL
    assert (config.jobs, config.resolver) == (0, "pip-tools")
    assert config.build == BuildSettings(timeout=1800.0, installer="auto")
    assert (config.serve_host, config.serve_port) == ("127.0.0.1", 8000)
    assert config.effective_jobs == (os.cpu_count() or 1)


def test_empty_config_is_all_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, "")
    config = load_config(path)
    assert config == Config(wheelhouse=path.parent / "wheelhouse", source=path)


def test_every_key(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
requirements = "reqs/requirements.in"
lock = "/abs/lock.txt"
wheelhouse = "out/wh"
index_url = "https://mirror.example/simple/"
jobs = 3
resolver = "uv"

[build]
timeout = 60.5
installer = "pip"
env = { CFLAGS = "-O2", JOBS = 4 }
config_settings = { "--build-option" = "--cpp" }

[serve]
host = "0.0.0.0"
port = 0
""",
    )
    config = load_config(path)
    assert config.requirements == path.parent / "reqs" / "requirements.in"
    assert config.lock == Path("/abs/lock.txt")
    assert config.wheelhouse == path.parent / "out" / "wh"
    assert config.index_url == "https://mirror.example/simple/"
    assert (config.jobs, config.effective_jobs, config.resolver) == (3, 3, "uv")
    assert config.build == BuildSettings(
        timeout=60.5,
        installer="pip",
        env={"CFLAGS": "-O2", "JOBS": "4"},
        config_settings={"--build-option": "--cpp"},
    )
    assert (config.serve_host, config.serve_port) == ("0.0.0.0", 0)


def test_relative_paths_follow_the_config_file_not_the_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, 'wheelhouse = "wh"\nlock = "../locks/l.txt"\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    config = load_config(path)
    assert config.wheelhouse == tmp_path / "conf" / "wh"
    assert config.lock is not None
    assert config.lock.resolve() == tmp_path / "locks" / "l.txt"
    # Loaded through a relative path, the result still does not depend on the cwd.
    monkeypatch.chdir(tmp_path)
    relative = load_config(Path("conf") / "wheelmill.toml")
    monkeypatch.chdir(elsewhere)
    assert relative.wheelhouse.is_absolute()
    assert relative.wheelhouse == tmp_path / "conf" / "wh"


def test_with_overrides_ignores_none(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, 'jobs = 2\nindex_url = "https://a.example/simple/"\n'))
    same = config.with_overrides(jobs=None, index_url=None, wheelhouse=None)
    assert same == config
    changed = config.with_overrides(jobs=5, index_url=None, wheelhouse=tmp_path / "w")
    assert (changed.jobs, changed.index_url, changed.wheelhouse) == (
        5,
        "https://a.example/simple/",
        tmp_path / "w",
    )
    assert config.jobs == 2  # the original is untouched
    # 0 and "" are values, not "unset".
    assert config.with_overrides(jobs=0).jobs == 0


# -- unknown keys ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key", "suggestion"),
    [
        ('wheelhose = "x"\n', "'wheelhose'", "'wheelhouse'"),
        ("job = 1\n", "'job'", "'jobs'"),
        ("[buidl]\ntimeout = 1\n", "'buidl'", "'build'"),
        ("[build]\ntimout = 1\n", "'build.timout'", "'timeout'"),
        ('[build]\ninstaler = "uv"\n', "'build.instaler'", "'installer'"),
        ("[serve]\nprot = 1\n", "'serve.prot'", "'port'"),
        ('[serve]\nhots = "h"\n', "'serve.hots'", "'host'"),
    ],
)
def test_unknown_key_has_did_you_mean(tmp_path: Path, text: str, key: str, suggestion: str) -> None:
    message = rejected(tmp_path, text)
    assert f"unknown key {key}" in message
    assert f"did you mean {suggestion}?" in message


def test_unknown_key_without_a_close_match_lists_the_known_ones(tmp_path: Path) -> None:
    message = rejected(tmp_path, "[build]\njobs = 1\n")
    assert "unknown key 'build.jobs'" in message
    assert "known keys: timeout, installer, env, config_settings" in message


# -- wrong values ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('jobs = "x"\n', "jobs must be a non-negative integer, not 'x'"),
        ("jobs = -1\n", "jobs must be a non-negative integer, not -1"),
        ("jobs = 1.5\n", "jobs must be a non-negative integer"),
        ("jobs = true\n", "jobs must be a non-negative integer, not True"),
        ('resolver = "poetry"\n', "resolver must be one of pip-tools, uv; got 'poetry'"),
        ('wheelhouse = ""\n', "wheelhouse must be a non-empty string"),
        ("wheelhouse = 3\n", "wheelhouse must be a non-empty string, not 3"),
        ("index_url = []\n", "index_url must be a non-empty string"),
        ("build = 3\n", "[build] must be a table"),
        ('serve = "x"\n', "[serve] must be a table"),
        ("[build]\ntimeout = -1\n", "build.timeout must be a non-negative number, not -1"),
        ('[build]\ntimeout = "1h"\n', "build.timeout must be a non-negative number"),
        ("[build]\ntimeout = nan\n", "build.timeout must be a non-negative number, not nan"),
        ("[build]\ntimeout = inf\n", "build.timeout must be a non-negative number, not inf"),
        ('[build]\ninstaller = "conda"\n', "build.installer must be one of auto, uv, pip"),
        ('[build]\nenv = "A=1"\n', "build.env must be a table of strings"),
        ("[build]\nenv = { A = { B = 1 } }\n", "build.env.A must be a string, not {'B': 1}"),
        ("[build]\nenv = { A = [1] }\n", "build.env.A must be a string"),
        ("[build]\nenv = { A = true }\n", "build.env.A must be a string, not True"),
        ("[build.env.A]\nB = 1\n", "build.env.A must be a string"),
        ("[build]\nconfig_settings = { x = { y = 1 } }\n", "build.config_settings.x must be"),
        ('[serve]\nport = "80"\n', "serve.port must be a non-negative integer"),
        ("[serve]\nport = 70000\n", "serve.port must be a port number (0-65535), not 70000"),
        ("[serve]\nhost = 1\n", "serve.host must be a non-empty string, not 1"),
    ],
)
def test_wrong_values(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in rejected(tmp_path, text)


# -- unusable files -------------------------------------------------------------------


def test_invalid_toml(tmp_path: Path) -> None:
    message = rejected(tmp_path, 'jobs = 1\nwheelhouse = "unterminated\n')
    assert "not valid TOML" in message
    assert "line 2" in message


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(ConfigError, match="no such config file; pass --config or create it"):
        load_config(path)


def test_unreadable_file_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert str(info.value).startswith(f"{tmp_path}: cannot read config file")
    assert "check the path and its permissions" in str(info.value)


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_unreadable_file_permissions(shared_tmp: Path) -> None:
    path = write(shared_tmp, "jobs = 1\n")
    path.chmod(0)

    def attempt() -> str:
        with pytest.raises(ConfigError) as info:
            load_config(path)
        return str(info.value)

    message = unprivileged(attempt)
    assert message.startswith(f"{path}: cannot read config file"), message
    assert "Permission denied" in message


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('index_url = "https://caf\xe9.example/"\n'.encode("latin-1"))
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert message.startswith(f"{path}: not UTF-8 text")
    assert "save the config file as UTF-8" in message


def test_settings_are_immutable_records_that_copy_compare_and_pickle() -> None:
    import copy
    import pickle

    settings = BuildSettings(env={"CFLAGS": "-O2"}, timeout=5.0)
    config = Config(jobs=3, build=settings, targets=("3.12",))
    with pytest.raises(AttributeError, match="immutable"):
        config.jobs = 4  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del settings.timeout  # type: ignore[misc]
    changed = config.replace(jobs=4)
    assert (changed.jobs, config.jobs) == (4, 3)
    assert changed.build is settings and changed != config
    assert changed.replace(jobs=3) == config
    assert Config() == Config() and BuildSettings() != Config()
    assert BuildSettings().env == {} and BuildSettings().env is not BuildSettings().env
    for again in (pickle.loads(pickle.dumps(config)), copy.copy(config), copy.deepcopy(config)):
        assert again == config and type(again) is Config
    assert "jobs=3" in repr(config) and repr(settings).startswith("BuildSettings(")
    with pytest.raises(TypeError):  # a dict field, as a frozen dataclass's
        hash(settings)


def test_the_no_op_path_modules_load_no_dataclasses_or_typing() -> None:
    """Nor signal's enums, the TOML parser (the config comes from the user cache on a
    rerun) or zlib: each costs a no-op rerun part of a millisecond or more."""
    import subprocess
    import sys

    code = (
        "import sys, wheelmill.config, wheelmill._toml, wheelmill.noop, wheelmill.cli._noop, "
        "wheelmill.lockfile.uptodate, wheelmill.lockfile.inputs, wheelmill.build.stamp, "
        "wheelmill._platform.dirs, wheelmill.index._unchanged\n"
        "heavy = {'dataclasses', 'inspect', 'typing', 'signal', 'tomli', 'zlib'}\n"
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
