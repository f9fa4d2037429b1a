"""PEP 751 pylock.toml: reading one into pins, writing one, and building from one.

Every test runs twice: reading with ``packaging.pylock`` (packaging 26.0 and later)
and with wheelmill's own reader, the fallback for an older ``packaging``.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import LocalIndex, cli_runner, client_env, make_sdist, make_wheel, sha256
from wheelmill import RequirementsError
from wheelmill.cli import cli
from wheelmill.lockfile import read_lock
from wheelmill.lockfile.pylock import LockedPackage, LockedWheel, parse_pylock, pylock_text

HEX = "a" * 64


@pytest.fixture(autouse=True, params=["packaging", "own"])
def reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "own":
        # What an older packaging looks like: no packaging.pylock to import.
        monkeypatch.setitem(sys.modules, "packaging.pylock", None)
    elif importlib.util.find_spec("packaging.pylock") is None:
        pytest.skip("the installed packaging has no PEP 751 support")
    return str(request.param)


PYLOCK = f"""\
lock-version = "1.0"
created-by = "someone"
requires-python = ">=3.9"

[[packages]]
name = "Alpha_Pkg"
version = "1.0"
marker = "sys_platform == 'linux'"
sdist.name = "alpha_pkg-1.0.tar.gz"
sdist.url = "https://x/a.tar.gz"
sdist.hashes = {{ sha256 = "{"b" * 64}", blake2b = "00" }}

[[packages.wheels]]
name = "alpha_pkg-1.0-py3-none-any.whl"
url = "https://x/a.whl"
hashes = {{ sha256 = "{HEX}" }}

[[packages]]
name = "beta"
version = "02.0"

[[packages.wheels]]
name = "beta-2.0-py3-none-any.whl"
path = "wheels/beta-2.0-py3-none-any.whl"
hashes = {{ sha512 = "{"c" * 128}" }}
"""


def test_packages_become_pins_with_every_hash() -> None:
    alpha, beta = parse_pylock(PYLOCK)
    assert alpha.name == "alpha-pkg" and alpha.version == "1.0"
    assert alpha.hashes == {f"sha256:{HEX}", f"sha256:{'b' * 64}"}
    assert str(alpha.marker) == 'sys_platform == "linux"'
    assert alpha.applies_to({"sys_platform": "linux"})
    assert beta.version == "2.0" and beta.marker is None
    assert beta.hashes == {f"sha512:{'c' * 128}"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('lock-version = "2.0"\npackages = []\n', "is not a PEP 751 version 1 lock"),
        ('lock-version = "1.0"\n', "no [[packages]] array"),
        ('lock-version = "1.0"\n[[packages]]\nname = "a"\n', "no `version`"),
        (
            'lock-version = "1.0"\n[[packages]]\nname = "a"\nversion = "1"\n'
            'vcs = { type = "git", url = "https://x", commit-id = "abc" }\n',
            "packages from a vcs are not supported",
        ),
        (
            'lock-version = "1.0"\n[[packages]]\nname = "a"\nversion = "1"\n'
            "marker = \"'x' in extras\"\n",
            "selects extras or dependency groups",
        ),
        (
            'lock-version = "1.0"\n[[packages]]\nname = "a"\nversion = "1"\n'
            'wheels = [{ name = "a.whl", url = "u", hashes = { sha256 = "xyz" } }]\n',
            "malformed sha256 hash",
        ),
        (
            'lock-version = "1.0"\n[[packages]]\nname = "a"\nversion = "1"\n'
            '[[packages]]\nname = "A"\nversion = "2"\n',
            "listed twice without markers",
        ),
        ("lock-version = [\n", "not valid TOML"),
    ],
)
def test_unusable_locks_are_one_clear_error(text: str, message: str) -> None:
    with pytest.raises(RequirementsError, match=re.escape(message)):
        parse_pylock(text, "pylock.toml")


def test_a_lock_against_the_specification_is_refused_where_packaging_can_tell(
    reader: str,
) -> None:
    # A wheel whose file name is another project's: valid TOML, a pin wheelmill could
    # build, but not a valid PEP 751 lock. packaging.pylock says so; the fallback reads it.
    text = (
        'lock-version = "1.0"\ncreated-by = "x"\n[[packages]]\nname = "alpha"\n'
        f'version = "1.0"\nwheels = [{{ name = "beta-1.0-py3-none-any.whl", url = "u", '
        f'hashes = {{ sha256 = "{HEX}" }} }}]\n'
    )
    if reader == "own":
        assert [pin.spec for pin in parse_pylock(text)] == ["alpha==1.0"]
        return
    with pytest.raises(RequirementsError) as raised:
        parse_pylock(text, "pylock.toml")
    message = str(raised.value)
    assert message.startswith("pylock.toml: not a valid PEP 751 lock: ")
    assert "'beta-1.0-py3-none-any.whl' is not consistent with package name 'alpha'" in message
    assert "\n" not in message


def test_written_lock_reads_back(tmp_path: Path) -> None:
    wheel = LockedWheel("a-1.0-py3-none-any.whl", 12, HEX, url="https://h/wheels/a.whl")
    local = LockedWheel("b-2.0-py3-none-any.whl", 13, "d" * 64, path='../w"q/b.whl')
    text = pylock_text(
        [
            LockedPackage("a", "1.0", 'python_version >= "3.9"', [wheel]),
            LockedPackage("b", "2.0", None, [local]),
        ]
    )
    assert text.startswith('lock-version = "1.0"\ncreated-by = "wheelmill"\n')
    path = tmp_path / "pylock.toml"
    path.write_text(text)
    a, b = read_lock(path)
    assert (a.name, a.version, str(a.marker)) == ("a", "1.0", 'python_version >= "3.9"')
    assert a.hashes == {f"sha256:{HEX}"} and b.hashes == {f"sha256:{'d' * 64}"}


def test_build_takes_a_pylock(local_index: LocalIndex, tmp_path: Path) -> None:
    """`wheelmill build pylock.toml`: the lock's hashes check the downloads, as with a .txt."""
    sdist = local_index.add(make_sdist("pure-ok", tmp_path / "src", name="alpha", version="1.0"))
    wheel = local_index.add(make_wheel(tmp_path / "src", "beta", "2.0"))
    lock = tmp_path / "pylock.toml"
    lock.write_text(
        'lock-version = "1.0"\ncreated-by = "test"\n'
        f'[[packages]]\nname = "alpha"\nversion = "1.0"\n'
        f'sdist = {{ name = "{sdist.name}", url = "{sdist.as_uri()}", '
        f'hashes = {{ sha256 = "{sha256(sdist)}" }} }}\n'
        f'[[packages]]\nname = "beta"\nversion = "2.0"\n'
        f'wheels = [{{ name = "{wheel.name}", url = "{wheel.as_uri()}", '
        f'hashes = {{ sha256 = "{"0" * 64}" }} }}]\n'
    )
    result = cli_runner().invoke(
        cli,
        ["build", str(lock), "-w", str(tmp_path / "wh"), "--index-url", local_index.url, "--json"],
        prog_name="wheelmill",
    )
    assert result.exit_code == 1  # beta's recorded hash is wrong: refused
    pins = {p["name"]: p for p in json.loads(result.stdout)["pins"]}
    assert pins["alpha"]["status"] == "built"
    assert pins["beta"]["status"] == "failed" and "hash" in pins["beta"]["error"].lower()


def test_reads_what_pip_lock_writes(tmp_path: Path) -> None:
    """pip's own PEP 751 output (pip 25.1+, experimental) is a lock wheelmill builds from."""
    links = tmp_path / "links"
    make_wheel(links, "alpha", "1.0")
    make_wheel(links, "beta", "2.0", requires=("alpha",))
    lock = tmp_path / "pylock.toml"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "lock", "--no-index", "--find-links", str(links),
         "--only-binary", ":all:", "beta", "-o", str(lock)],
        capture_output=True, text=True, env=client_env(),
    )  # fmt: skip
    if done.returncode != 0 and "unknown command" in done.stderr:
        pytest.skip("this pip has no `pip lock`")
    assert done.returncode == 0, done.stderr
    pins = {pin.name: pin for pin in read_lock(lock)}
    assert sorted(pins) == ["alpha", "beta"]
    assert pins["alpha"].sha256s() == {sha256(links / "alpha-1.0-py3-none-any.whl")}


@pytest.mark.parametrize("tool", ["pdm", "uv"])
def test_a_pylock_written_by_a_locker_is_built_verified_and_exported(
    tool: str, local_index: LocalIndex, tmp_path: Path
) -> None:
    """``uv export --format pylock.toml`` and ``pdm export -f pylock`` output (see
    ``tests/data/locks/README.md``): built, verified and exported offline."""
    data = Path(__file__).parent / "data" / "locks"
    for path in sorted((data / "files").iterdir()):
        shutil.copyfile(path, local_index.files / path.name)
    local_index.refresh()
    lock = tmp_path / "pylock.toml"
    shutil.copyfile(data / tool / "pylock.toml", lock)
    pins = {pin.name: pin for pin in read_lock(lock)}
    assert {name: pin.version for name, pin in pins.items()} == {
        "alpha": "1.0", "beta": "2.0", "delta": "1.0", "gamma": "1.0"
    }  # fmt: skip
    assert pins["gamma"].marker is not None and pins["alpha"].marker is None
    assert pins["delta"].sha256s() == {sha256(data / "files" / "delta-1.0.tar.gz")}

    wheelhouse = tmp_path / "wh"
    built = cli_runner().invoke(
        cli,
        ["build", str(lock), "-w", str(wheelhouse), "--index-url", local_index.url, "--json"],
        prog_name="wheelmill",
    )
    assert built.exit_code == 0, built.output + built.stderr
    statuses = {pin["name"]: pin["status"] for pin in json.loads(built.stdout)["pins"]}
    assert statuses == {
        "alpha": "fetched", "beta": "fetched", "delta": "built", "gamma": "not-applicable"
    }  # fmt: skip
    verified = cli_runner().invoke(cli, ["verify", str(lock), "-w", str(wheelhouse)])
    assert verified.exit_code == 0, verified.output + verified.stderr
    exported = cli_runner().invoke(
        cli, ["export", str(lock), "-w", str(wheelhouse), "-o", str(tmp_path / "binary.txt")]
    )
    assert exported.exit_code == 0, exported.output + exported.stderr
    assert "delta==1.0" in (tmp_path / "binary.txt").read_text()
