"""The no-op stamp: a rerun on a settled lock is answered from it, and every change to an
input or to a file the rerun looks at sends it down the full path again."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result

import wheelmill.build.batch
import wheelmill.build.stamp
import wheelmill.index.publish
from conftest import LocalIndex, cli_runner, count_calls, make_wheel


def invoke(*args: str | Path) -> Result:
    from wheelmill.cli import cli

    return cli_runner().invoke(cli, [str(a) for a in args], prog_name="wheelmill")


class Project:
    """A lock of two wheels on a file:// index, a config, a wheelhouse."""

    def __init__(self, index: LocalIndex, root: Path) -> None:
        self.index, self.root = index, root
        for name in ("alpha", "beta"):
            index.add(make_wheel(root / "src", name, "1.0"))
        self.lock = root / "requirements.txt"
        self.lock.write_text(index.lock_line("alpha", "1.0") + index.lock_line("beta", "1.0"))
        self.config = root / "wheelmill.toml"
        self.config.write_text(f'wheelhouse = "wh"\nindex_url = "{index.url}"\n')
        self.wheelhouse = root / "wh"

    def build(self, *extra: str | Path) -> dict[str, object]:
        done = invoke("build", self.lock, "--config", self.config, "--json", *extra)
        assert done.exit_code in (0, 1), done.output + done.stderr
        data: dict[str, object] = json.loads(done.stdout)
        return data

    def wheel(self, name: str) -> Path:
        (found,) = (self.wheelhouse / "wheels").glob(f"{name}-*.whl")
        return found

    def stamps(self) -> list[Path]:
        return sorted((self.wheelhouse / ".wheelmill" / "noop").glob("*.json"))


@pytest.fixture
def project(local_index: LocalIndex, tmp_path: Path) -> Project:
    return Project(local_index, tmp_path)


@pytest.fixture
def full_runs(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Counts the runs that take the full path; stamps may list files written just now,
    and so may publish's no-op note (the status page's key), which `run`'s no-op asks."""
    import wheelmill.index._statuskey

    monkeypatch.setattr(wheelmill.build.stamp, "RACY_NS", -(10**12))
    monkeypatch.setattr(wheelmill.index._statuskey, "_RACY_NS", -(10**12))
    yield count_calls(monkeypatch, wheelmill.build.batch, "prebuild")


#: Modules a no-op answered from its stamp never loads.
_HEAVY = (
    "wheelmill.build.batch",
    "wheelmill.store.wheelhouse",
    "wheelmill.target",
    "wheelmill.lockfile.pins",
    "wheelmill.verify.junit",
    "sqlite3",
    "logging",
    "socket",
    "decimal",
    "xml.etree.ElementTree",
    "filelock",
    "packaging.requirements",
    "packaging.tags",
    "subprocess",
)


def _statuses(data: dict[str, object]) -> list[tuple[str, str]]:
    pins = data["pins"]
    assert isinstance(pins, list)
    return [(p["name"], p["status"]) for p in pins]


def _same(data: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in data.items() if k != "duration"}


def _entry(report: str) -> str:
    """A script running the command's entry (``wheelmill.cli.main``) on the arguments it is
    given, then printing to stderr the exit code and ``report``, an expression over what the
    answer loaded (``'click' in sys.modules``)."""
    return (
        "import sys\nfrom wheelmill.cli import main\n"
        "sys.argv = ['wheelmill', *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\n"
        f"print(code, {report}, file=sys.stderr)\n"
    )


def test_a_rerun_is_answered_from_the_stamp(project: Project, full_runs: list[int]) -> None:
    first = project.build()
    assert _statuses(first) == [("alpha", "fetched"), ("beta", "fetched")]
    assert len(project.stamps()) == 1
    slow = project.build()  # what the full path says on a rerun...
    full_runs.clear()
    project.stamps()[0].unlink()
    assert project.build() == slow or _same(project.build()) == _same(slow)
    full_runs.clear()
    fast = project.build()  # ...is what the stamp says
    assert full_runs == []
    assert _same(fast) == _same(slow)
    assert _statuses(fast) == [("alpha", "cached"), ("beta", "cached")]
    human = invoke("build", project.lock, "--config", project.config)
    assert human.exit_code == 0 and "2 pins in" in human.stdout and "2 cached" in human.stdout
    assert full_runs == []


def test_a_reader_leaving_early_stops_the_answer_quietly(
    project: Project, full_runs: list[int]
) -> None:
    # `wheelmill build LOCK | head -0`: the reader is gone before the answer is written,
    # and the answer is given before click is loaded, so the command group's own handling
    # of a broken pipe is not there to catch it
    project.build()
    assert project.stamps()
    args = ["build", str(project.lock), "--config", str(project.config)]
    entry = _entry("'click' in sys.modules")
    with subprocess.Popen(
        [sys.executable, "-c", entry, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as answer:
        assert answer.stdout is not None and answer.stderr is not None
        answer.stdout.close()
        stderr = answer.stderr.read()
    assert stderr == b"141 False\n"


@pytest.mark.parametrize(
    "change",
    [
        "lock edited",
        "config edited",
        "wheel deleted",
        "wheel corrupted",
        "wheel touched",
        "record deleted",
        "compiler changed",
        "build variable set",
    ],
)
def test_every_change_takes_the_full_path(
    project: Project,
    full_runs: list[int],
    change: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    project.build()
    project.build()
    full_runs.clear()
    expected = [("alpha", "cached"), ("beta", "cached")]
    if change == "lock edited":
        project.index.add(make_wheel(tmp_path / "src", "gamma", "1.0"))
        project.lock.write_text(project.lock.read_text() + project.index.lock_line("gamma", "1.0"))
        expected.append(("gamma", "fetched"))
    elif change == "config edited":
        project.config.write_text(project.config.read_text() + "jobs = 1\n")
    elif change == "wheel deleted":
        project.wheel("alpha").unlink()
        expected[0] = ("alpha", "fetched")
    elif change == "wheel corrupted":
        wheel = project.wheel("alpha")
        data = bytearray(wheel.read_bytes())
        data[len(data) // 2] ^= 0xFF
        wheel.write_bytes(bytes(data))  # same size, same inode
        expected[0] = ("alpha", "fetched")
    elif change == "wheel touched":
        wheel = project.wheel("alpha")
        info = wheel.stat()
        os.utime(wheel, ns=(info.st_atime_ns, info.st_mtime_ns - 10**9))
    elif change == "record deleted":
        record = next((project.wheelhouse / ".wheelmill" / "records").glob("*.json"))
        record.unlink()
        expected = _statuses(project.build())  # what the full path makes of it
        full_runs[:] = [1]
    elif change == "compiler changed":
        fake = tmp_path / "bin"
        fake.mkdir()
        (fake / "cc").write_text("#!/bin/sh\necho 'cc (Fake) 99.0'\n")
        (fake / "cc").chmod(0o755)
        monkeypatch.setenv("PATH", f"{fake}{os.pathsep}{os.environ['PATH']}")
    elif change == "build variable set":
        monkeypatch.setenv("CFLAGS", "-O3")  # it enters the build key: a new key each
        expected = [("alpha", "fetched"), ("beta", "fetched")]
    again = project.build()
    assert full_runs, f"{change}: answered from the stamp"
    assert _statuses(again) == expected
    full_runs.clear()
    assert _statuses(project.build()) == [(n, "cached") for n, _ in expected]
    assert full_runs == []  # the full run stamped the new state


def test_another_target_has_its_own_stamp(project: Project, full_runs: list[int]) -> None:
    project.build()
    project.build()
    full_runs.clear()
    other = project.build("--target", "3.12/win_amd64")
    assert full_runs == [1]
    assert other["ok"] and len(project.stamps()) == 2
    project.build()
    project.build("--target", "3.12/win_amd64")
    assert full_runs == [1]


def test_a_failure_leaves_no_stamp(project: Project, full_runs: list[int]) -> None:
    project.build()
    assert project.stamps()
    before = project.stamps()
    project.lock.write_text(project.lock.read_text() + "missing==1.0\n")
    assert project.build()["ok"] is False
    assert project.stamps() == before  # none for these inputs
    assert project.build()["ok"] is False
    assert len(full_runs) == 3


def test_configurations_keep_a_stamp_each(project: Project, full_runs: list[int]) -> None:
    """Two configurations on one lock (as `build` and `run` have) do not undo each
    other's stamp; a lock edited many times keeps a few stamps, not one per edit."""
    other = project.root / "other.toml"
    other.write_text(project.config.read_text() + "jobs = 1\n")
    project.build()
    invoke("build", project.lock, "--config", other, "--json")
    full_runs.clear()
    for _ in range(2):
        project.build()
        assert invoke("build", project.lock, "--config", other, "--json").exit_code == 0
    assert full_runs == []
    for jobs in range(2, 10):
        project.config.write_text(f"{project.config.read_text()}jobs = {jobs}\n")
        project.build()
        project.config.write_text(project.config.read_text().replace(f"jobs = {jobs}\n", ""))
    assert len(project.stamps()) == wheelmill.build.stamp.KEPT


@pytest.mark.parametrize("flag", ["--verify", "--shard=1/1", "--check-reproducible"])
def test_flags_that_look_closer_take_the_full_path(
    project: Project, full_runs: list[int], flag: str
) -> None:
    project.build()
    full_runs.clear()
    assert project.build(flag)["ok"]
    assert full_runs == [1]


def test_a_stamp_is_not_written_while_files_are_fresh(project: Project) -> None:
    # With the real window: the wheels were just written, so the first build stamps nothing.
    project.build()
    assert project.stamps() == []


def test_the_command_as_a_user_runs_it(project: Project) -> None:
    """A real subprocess: build, then (files settled) a rerun writes the stamp, then the
    next rerun answers from it without taking the wheelhouse's lock, and a corrupted
    wheel still sends the run down the full path."""
    argv = [sys.executable, "-m", "wheelmill", "build", str(project.lock)]
    argv += ["--config", str(project.config), "--json"]

    def run() -> dict[str, object]:
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
        data: dict[str, object] = json.loads(done.stdout)
        return data

    run()
    time.sleep(wheelmill.build.stamp.RACY_NS / 1e9 + 0.1)
    slow = run()
    assert project.stamps()
    lock_file = project.wheelhouse / ".wheelmill" / "locks" / "wheelhouse.lock"
    lock_file.unlink()
    fast = run()
    assert not lock_file.exists()  # the full path takes it; the stamp needs no lock
    assert _same(fast) == _same(slow)
    # Nothing the answer does not use is loaded: no build machinery, no catalog, no
    # logging, no requirement parser.
    code = (
        "import sys\nfrom wheelmill.cli import cli\n"
        f"try:\n    cli.main(args={argv[3:]!r}, prog_name='wheelmill')\n"
        "except SystemExit:\n    pass\n"
        f"print(sorted(set(sys.modules) & {set(_HEAVY)!r}), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stderr.strip().splitlines()[-1] == "[]"
    assert not lock_file.exists()
    # The command's entry answers before click is loaded, with the same output.
    entry = _entry("'click' in sys.modules")
    for extra, same_as in (([], "--json"), (["-q"], "-q"), (["--quiet"], "-q")):
        fast_argv = [*argv[3:-1], *extra] if extra else argv[3:]
        done = subprocess.run(
            [sys.executable, "-c", entry, *fast_argv],
            capture_output=True,
            text=True,
        )
        assert done.stderr.strip().splitlines()[-1] == "0 False", done.stderr
        if same_as == "--json":
            assert _same(json.loads(done.stdout)) == _same(slow)
            clicked = invoke(*argv[3:])  # the stamp answers inside click too: same text
            durations = re.compile(r'"duration": [0-9.e-]+')
            assert durations.sub("", done.stdout) == durations.sub("", clicked.stdout)
        else:
            assert done.stdout == ""
    # Without a config file, the answer does not even load typing (tomllib would), nor
    # hashlib (OpenSSL): its SHA-256 is CPython's own.
    bare = project.root / "bare"
    bare.mkdir()
    no_config = ["build", str(project.lock), "-w", str(project.wheelhouse), "--json"]
    lean = _entry("sorted({'click', 'typing', 'hashlib'} & set(sys.modules))")
    for _ in range(2):  # the first writes the stamp of this configuration
        done = subprocess.run(
            [sys.executable, "-c", lean, *no_config], capture_output=True, text=True, cwd=bare
        )
    assert done.stderr.strip().splitlines()[-1] == "0 []", done.stderr
    human = subprocess.run(
        [sys.executable, "-c", entry, *argv[3:-1]],
        capture_output=True,
        text=True,
    )
    assert human.stderr.strip().splitlines()[-1] == "0 False"
    assert human.stdout.startswith("2 pins in ") and human.stdout.endswith(": 2 cached\n")
    clicked = invoke("build", project.lock, "--config", project.config)
    assert clicked.stdout.split(" in ")[0] == human.stdout.split(" in ")[0]
    wheel = project.wheel("beta")
    data = bytearray(wheel.read_bytes())
    data[len(data) // 2] ^= 0xFF
    wheel.write_bytes(bytes(data))
    assert _statuses(run()) == [("alpha", "cached"), ("beta", "fetched")]
    assert lock_file.exists()


def test_run_with_a_requirements_file_is_answered_from_its_stamp(
    project: Project, full_runs: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    import wheelmill.index.publish

    publishes = count_calls(monkeypatch, wheelmill.index.publish, "publish")
    (project.root / "requirements.in").write_text("alpha\nbeta\n")
    project.config.write_text(
        project.config.read_text() + 'requirements = "requirements.in"\nlock = "lock.txt"\n'
    )

    def run() -> dict[str, object]:
        done = invoke("run", "--config", project.config, "--json")
        assert done.exit_code == 0, done.output + done.stderr
        data: dict[str, object] = json.loads(done.stdout)
        return data

    run()
    slow = run()
    assert slow["locked"] is False
    full_runs.clear()
    publishes.clear()
    fast = run()
    assert full_runs == publishes == []
    for key in ("build", "publish"):
        assert isinstance(fast[key], dict) and isinstance(slow[key], dict)
        assert _same(fast[key]) == {  # type: ignore[arg-type]
            **_same(slow[key]),  # type: ignore[arg-type]
            **({"read": 0, "projects_written": []} if key == "publish" else {}),
        }
    # A file added to the wheelhouse: publish has work, so the run takes the full path.
    make_wheel(project.wheelhouse / "wheels", "extra", "1.0")
    assert run()["publish"]["files"] == 3  # type: ignore[index]
    assert publishes == [1]
    # The index page deleted behind its back: written again.
    (project.wheelhouse / "simple" / "alpha" / "index.json").unlink()
    run()
    assert (project.wheelhouse / "simple" / "alpha" / "index.json").is_file()
    assert publishes == [1, 1]
    # The lock's inputs edited: resolved again (and here the index has no gamma).
    (project.root / "requirements.in").write_text("alpha\nbeta\ngamma\n")
    done = invoke("run", "--config", project.config, "--json")
    assert done.exit_code != 0


def test_a_run_is_stamped_once_its_wheels_are_past_the_window(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the real two-second window: the first run's wheels are too fresh to trust
    their stats, so the second run publishes again; then the third is a no-op. What
    publish rewrites every time (its caches, the status page, the catalog's shared
    memory) does not keep a run from its stamp."""
    project.config.write_text(project.config.read_text() + f'lock = "{project.lock.name}"\n')
    publishes: list[int] = []
    real = wheelmill.index.publish.publish
    monkeypatch.setattr(
        wheelmill.index.publish, "publish", lambda store: publishes.append(1) or real(store)
    )
    for _ in range(2):
        assert invoke("run", "--config", project.config).exit_code == 0
        time.sleep(wheelmill.build.stamp.RACY_NS / 1e9 + 0.1)
    assert invoke("run", "--config", project.config).exit_code == 0
    assert publishes == [1, 1]


@pytest.mark.parametrize(
    ("argv", "parsed"),
    [
        (["build", "l.txt"], ("l.txt", None, None, [], False, False)),
        (
            ["build", "-w", "wh", "l.txt", "--json", "--config=c.toml", "--target", "3.12"],
            ("l.txt", "wh", "c.toml", ["3.12"], True, False),
        ),
        (["build", "l.txt", "--wheelhouse=wh", "-q"], ("l.txt", "wh", None, [], False, True)),
        (["build"], None),
        (["run", "l.txt"], None),
        (["run", "--config", "c.toml", "--json"], (None, None, "c.toml", [], True, False)),
        (["run", "-w", "wh", "-q"], (None, "wh", None, [], False, True)),
        (["run", "--target", "3.12"], None),
        (["run", "-r", "r.in"], None),
        (["run", "--lock", "l.txt"], None),
        (["run", "--upgrade"], None),
        (["publish", "-w", "wh", "--json"], (None, "wh", None, [], True, False)),
        (["publish", "--verify"], None),
        (["publish", "wh"], None),
        (["publish", "--target", "3.12"], None),
        (["build", "l.txt", "-v"], None),
        (["build", "l.txt", "--verify"], None),
        (["build", "l.txt", "--junit", "j.xml"], None),
        (["build", "l.txt", "-wwh"], None),
        (["build", "l.txt", "-w"], None),
        (["build", "l.txt", "-w", "--json"], None),
        (["build", "l.txt", "-w", "a", "-w", "b"], None),
        (["build", "a.txt", "b.txt"], None),
        (["build", "l.txt", "--", "x"], None),
        (["build", "--help"], None),
    ],
)
def test_the_entry_reads_only_the_plainest_build_command_line(
    argv: list[str], parsed: tuple[object, ...] | None
) -> None:
    from wheelmill.cli._noop import _parse

    found = _parse(argv)
    if parsed is None:
        assert found is None
        return
    assert found is not None
    lock, wheelhouse, config, targets, as_json, quiet = parsed
    assert (found.lock, found.wheelhouse, found.config) == (
        Path(lock) if isinstance(lock, str) else None,
        Path(wheelhouse) if isinstance(wheelhouse, str) else None,
        Path(config) if isinstance(config, str) else None,
    )
    assert (found.targets, found.json, found.quiet) == (targets, as_json, quiet)


def test_the_entry_leaves_anything_else_to_click(project: Project) -> None:
    """No stamp, a bad config, WHEELMILL_CONFIG: the entry does not answer; click does."""
    from wheelmill.cli._noop import answered

    argv = ["build", str(project.lock), "--config", str(project.config), "--json"]
    assert answered(argv) is None  # no wheelhouse, no stamp yet
    bad = project.root / "bad.toml"
    bad.write_text("jobz = 1\n")
    assert answered(["build", str(project.lock), "--config", str(bad)]) is None


@pytest.mark.parametrize(
    "variable", ["WHEELMILL_WHEELHOUSE", "WHEELMILL_BUILD_WHEELHOUSE", "WHEELMILL_CONFIG"]
)
def test_the_entry_leaves_options_from_the_environment_to_click(
    project: Project, full_runs: list[int], monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    """A variable that sets an option changes the answer: the entry must not answer
    from the stamp of the wheelhouse the command line names."""
    from wheelmill.cli._noop import answered

    project.build()
    project.build()
    argv = ["build", str(project.lock), "--config", str(project.config), "--json", "-q"]
    assert answered(argv) == 0  # the stamp holds
    other = project.root / "other"
    value = str(project.config) if variable == "WHEELMILL_CONFIG" else str(other)
    monkeypatch.setenv(variable, value)
    assert answered(argv) is None
    if variable != "WHEELMILL_CONFIG":  # the variable really names another wheelhouse
        done = invoke("build", project.lock, "--config", project.config, "--json")
        assert done.exit_code == 0, done.output
        assert (other / "wheels").is_dir()


def test_run_is_answered_before_click(project: Project) -> None:
    """A real subprocess: once `run` has its stamp, the command's entry answers it
    before click is loaded, and prints what click's `run` prints then."""
    (project.root / "requirements.in").write_text("alpha\nbeta\n")
    project.config.write_text(
        project.config.read_text() + 'requirements = "requirements.in"\nlock = "lock.txt"\n'
    )
    base = ["run", "--config", str(project.config)]
    assert invoke(*base, "-q").exit_code == 0  # locks, builds, publishes
    time.sleep(wheelmill.build.stamp.RACY_NS / 1e9 + 0.1)
    slow = invoke(*base, "--json")  # the full path, which writes the stamp
    assert slow.exit_code == 0, slow.output
    human_slow = invoke(*base)
    entry = _entry("'click' in sys.modules, 'tomli' in sys.modules")

    def fast(*extra: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-c", entry, *base, *extra], capture_output=True, text=True
        )
        # neither click nor the TOML parser: the config's document is in the user cache
        assert done.stderr.strip().splitlines()[-1] == "0 False False", done.stderr
        return done

    def without_durations(data: dict[str, object]) -> dict[str, object]:
        return {
            key: _same(value) if isinstance(value, dict) else value  # type: ignore[arg-type]
            for key, value in data.items()
        }

    text = fast("--json").stdout
    answer = json.loads(text)
    assert answer["locked"] is False
    assert without_durations(answer) == without_durations(json.loads(slow.stdout))
    durations = re.compile(r'"duration": [0-9.e-]+')
    assert durations.sub("", text) == durations.sub("", slow.stdout)  # the very same text
    assert fast("-q").stdout == ""
    human = fast()
    in_seconds = re.compile(r"in \d+\.\d\ds")
    assert in_seconds.sub("", human.stdout) == in_seconds.sub("", human_slow.stdout)
    assert "is up to date with" in human.stderr
    # A wheel touched: the entry leaves the run to click, which publishes again.
    os.utime(project.wheel("alpha"))
    done = subprocess.run(
        [sys.executable, "-c", entry, *base, "--json"], capture_output=True, text=True
    )
    assert done.stderr.strip().splitlines()[-1].startswith("0 True "), done.stderr


def test_the_stamp_repeats_only_settled_statuses() -> None:
    """The stamp spells out the settled statuses so that checking it loads no report
    types: they must be the report's own."""
    from wheelmill.build import results

    settled = (results.CACHED, results.BUILT, results.FETCHED)
    settled += (results.NOT_APPLICABLE, results.SKIPPED)
    assert settled == wheelmill.build.stamp._SETTLED


def test_the_light_which_is_shutils(tmp_path: Path) -> None:
    """The compilers are found without loading shutil, as shutil.which finds them."""
    import shutil

    from wheelmill.build._compilers import which

    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "tool").write_text("#!/bin/sh\n")
    (tmp_path / "bin" / "tool").chmod(0o755)
    (tmp_path / "bin" / "plain").write_text("not runnable\n")
    (tmp_path / "bin" / "folder").mkdir()
    path = os.pathsep.join([str(tmp_path / "none"), str(tmp_path / "bin"), os.environ["PATH"]])
    for command in (
        "tool",
        "plain",
        "folder",
        "sh",
        "cc",
        "absent-tool",
        str(tmp_path / "bin" / "tool"),
    ):
        for searched in (path, "", None):
            assert which(command, searched) == shutil.which(command, path=searched), command


def test_the_answers_sha256_is_hashlibs() -> None:
    import hashlib

    from wheelmill._sha256 import sha256

    for data in (b"", b"abc", bytes(range(256)) * 1000):
        assert sha256(data).hexdigest() == hashlib.sha256(data).hexdigest()
