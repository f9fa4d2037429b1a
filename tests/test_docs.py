"""Every command block of README.md and docs/ runs, for real.

Each fenced ``sh``/``bash``/``console`` block is run with bash (``set -eo
pipefail``), in order, as a reader would type it: the blocks of one document
share a working directory (a ``cd`` in one holds for the next), which starts
empty, holding a lock and a wheelhouse built offline, or in a copy of the
checkout (:data:`SESSIONS`). The documents that start in the checkout share
that one copy, read in order as a new user would: the README, the how-tos, the
tutorial.

``wheelmill`` is the test's own (the one next to ``sys.executable``);
``python3`` is that of a new, empty virtual environment per block, the active
one (``VIRTUAL_ENV``), and ``pip`` is this test's pip acting on it (``pip
--python``): every install installs, and none touches the test's environment.
``127.0.0.1:8000`` becomes a free port. A block stops what it starts in the
background (``wheelmill serve … & … kill $!``): its process group must be
empty when it ends, and is killed anyway.

A block not meant to run as written (a placeholder host, the whole test suite)
has ``<!-- not-run: reason -->`` on the line before it; there are few, each
with its reason. Documents whose blocks reach PyPI are marked ``network``; the
others run with every proxy variable pointing at a dead port, so a block that
quietly needs the registry fails.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import venv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import click
import pytest

from conftest import LocalIndex, client_env, make_sdist, make_wheel
from wheelmill.build.batch import prebuild
from wheelmill.cli import cli
from wheelmill.config import BuildSettings
from wheelmill.diagnose.remedy import LazyRules
from wheelmill.index.publish import publish
from wheelmill.index.statuspage import write_status_page
from wheelmill.lockfile.pins import parse_pins
from wheelmill.serve.server import BackgroundServer
from wheelmill.store.wheelhouse import Store
from wheelmill.target import current_target

ROOT = Path(__file__).parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
SHELLS = {"sh", "bash", "console"}
#: Fence labels that are not commands: output and trees (no label), other languages.
NOT_SHELL = {"", "text", "toml", "yaml", "cron", "nginx", "json", "xml", "ini", "python"}
FENCE = re.compile(r"^(?P<indent> *)(?P<fence>```+)\s*(?P<info>[^`]*?)\s*$")
NOT_RUN = re.compile(r"^\s*<!--\s*not-run:\s*(?P<reason>\S.*?)\s*-->\s*$")
MAX_NOT_RUN = 5
TIMEOUT = {True: 900, False: 180}  # seconds per block, with and without the registry


@dataclass(frozen=True)
class Setup:
    """How a document's session starts, and whether its blocks reach PyPI."""

    start: str  # "checkout" (the one copy of the repository), "wheelhouse" (prepared), "empty"
    network: bool


SESSIONS = {
    "README.md": Setup("checkout", network=True),
    "docs/tutorial.md": Setup("checkout", network=True),
    "docs/how-to/nightly.md": Setup("checkout", network=True),
    "docs/how-to/ci.md": Setup("wheelhouse", network=False),
    "docs/how-to/team-cache.md": Setup("empty", network=False),
    "docs/reference/rules.md": Setup("empty", network=False),
    "docs/reference/cli.md": Setup("empty", network=False),
}


@dataclass(frozen=True)
class Block:
    doc: str  # relative to the repository root
    line: int  # of the opening fence, 1-based
    info: str
    text: str
    not_run: str | None  # the reason, when marked

    @property
    def id(self) -> str:
        return f"{self.doc}:{self.line}"

    @property
    def language(self) -> str:
        return self.info.split()[0] if self.info else ""

    @property
    def script(self) -> str:
        if self.language != "console":
            return self.text
        return "".join(line[2:] + "\n" for line in self.text.splitlines() if line[:2] == "$ ")


def parse(doc: Path) -> list[Block]:
    """The fenced blocks of a markdown file, with a ``not-run`` marker on the line before."""
    lines = doc.read_text("utf-8").splitlines()
    blocks: list[Block] = []
    number = 0
    while number < len(lines):
        opening = FENCE.match(lines[number])
        if opening is None:
            number += 1
            continue
        indent, fence = len(opening["indent"]), opening["fence"]
        before = next((lines[i] for i in range(number - 1, -1, -1) if lines[i].strip()), "")
        marker = NOT_RUN.match(before)
        end = number + 1
        while end < len(lines) and lines[end].strip() != fence:
            end += 1
        assert end < len(lines), f"{doc}:{number + 1}: the block is never closed"
        text = "".join(line[indent:] + "\n" for line in lines[number + 1 : end])
        relative = doc.relative_to(ROOT).as_posix()
        reason = marker["reason"] if marker else None
        blocks.append(Block(relative, number + 1, opening["info"], text, reason))
        number = end + 1
    return blocks


BLOCKS = [block for doc in DOCUMENTS for block in parse(doc)]
RUNNABLE = [b for b in BLOCKS if b.language in SHELLS and b.not_run is None]


def _params() -> list[object]:
    params: list[object] = []
    for block in RUNNABLE:
        setup = SESSIONS.get(block.doc)
        marks = [pytest.mark.network] if setup is None or setup.network else []
        params.append(pytest.param(block, id=block.id, marks=marks))
    return params


# -- the markers and labels themselves ------------------------------------------------


def test_blocks_not_run_are_few_and_each_says_why() -> None:
    excluded = [b for b in BLOCKS if b.not_run is not None]
    assert all(b.language in SHELLS for b in excluded), "not-run marks a shell block only"
    assert all(len(b.not_run or "") >= 15 for b in excluded), "say why, in words"
    assert 0 < len(excluded) <= MAX_NOT_RUN, [f"{b.id}: {b.not_run}" for b in excluded]
    for doc in DOCUMENTS:
        text = doc.read_text("utf-8")
        marked = sum(1 for line in text.splitlines() if NOT_RUN.match(line))
        here = sum(1 for b in excluded if b.doc == doc.relative_to(ROOT).as_posix())
        assert marked == here, f"{doc.name}: a not-run marker that precedes no block"


def test_every_block_is_labelled_for_what_it_is() -> None:
    """A command in an unlabelled block would never run: label it ``sh``."""
    command = re.compile(r"^(\$ )?(wheelmill|pip|uv|python3?|\.venv/bin/\S+)\s")
    for block in BLOCKS:
        assert block.language in SHELLS | NOT_SHELL, f"{block.id}: unknown label {block.info!r}"
        if block.language not in SHELLS:
            commands = [line for line in block.text.splitlines() if command.match(line)]
            assert not commands, f"{block.id}: commands outside a sh block: {commands}"


def test_every_document_with_commands_has_a_session() -> None:
    assert {b.doc for b in RUNNABLE} == set(SESSIONS)


def test_the_readme_test_command_is_the_one_ci_runs() -> None:
    """The README's test-suite line is not run here (it would run this test); CI runs it."""
    (block,) = [b for b in BLOCKS if b.doc == "README.md" and b.not_run]
    commands = [line for line in block.text.splitlines() if line and not line.startswith("#")]
    ci = (ROOT / ".ci" / "run").read_text("utf-8").splitlines()
    assert commands and all(command in ci for command in commands)


# -- install hints and inline commands --------------------------------------------------

#: `pip install wheelmill`, `pip install 'wheelmill[uv]'`: wheelmill is not on PyPI.
REGISTRY_INSTALL = re.compile(
    r"pip install (-\S+ )*['\"]?wheelmill(\[[^\]]*\])?(?![\w\[-])(?!\s*@)"
)


def test_no_hint_installs_wheelmill_from_the_registry() -> None:
    places = [ROOT / "README.md", ROOT / ".ci", ROOT / "docs", ROOT / "src", ROOT / "config"]
    places.append(ROOT / "benchmarks")
    files = [p for place in places for p in ([place] if place.is_file() else place.rglob("*"))]
    files = [p for p in files if ".work" not in p.parts]  # the benchmarks' git-ignored output
    found = []
    for path in files:
        if path.suffix in {".md", ".py", ".toml", ""} and path.is_file():
            for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
                if REGISTRY_INSTALL.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "wheelmill is not on the registry:\n" + "\n".join(found)


def _inline_commands() -> Iterator[tuple[str, str]]:
    for doc in DOCUMENTS:
        text = re.sub(r"^ *```.*?^ *```", "", doc.read_text("utf-8"), flags=re.M | re.S)
        for span in re.findall(r"`(wheelmill [^`]+)`", text):
            yield doc.relative_to(ROOT).as_posix(), span


def test_inline_command_lines_name_every_required_argument() -> None:
    """An inline ``wheelmill CMD --option …`` is a line to paste: it must parse.

    ``[optional parts]`` and ``…`` are dropped and placeholder values (``DIR``)
    pass; a missing argument, an unknown option or command does not.
    """
    problems = []
    for doc, span in _inline_commands():
        words = shlex.split(re.sub(r"\s*\[[^\]]*\]|…", "", span.replace("\\|", "|")))
        with click.Context(cli) as ctx:
            command = cli.get_command(ctx, words[1])
        if command is None:
            problems.append(f"{doc}: `{span}`: no such command")
            continue
        if not any(word.startswith("-") for word in words[2:]):
            continue  # the command named in prose, not a command line
        try:
            command.make_context(words[1], words[2:], parent=ctx)
        except (click.MissingParameter, click.NoSuchOption) as error:
            problems.append(f"{doc}: `{span}`: {error.format_message()}")
        except click.BadParameter:
            pass  # a placeholder value such as DIR
        except click.UsageError as error:
            problems.append(f"{doc}: `{span}`: {error.format_message()}")
    assert not problems, "\n".join(problems)


# -- what the index-layout reference says the server answers ----------------------------


def test_every_path_the_layout_reference_lists_is_served(tmp_path: Path) -> None:
    text = (ROOT / "docs" / "reference" / "index-layout.md").read_text("utf-8")
    section = text.split("## What `wheelmill serve` answers", 1)[-1].split("\n## ", 1)[0]
    listed = re.findall(r"`(/[^`\s]*)`", section)
    assert "/status/" in listed and "/simple/" in listed, listed
    store = Store(tmp_path / "wheelhouse").create()
    wheel = make_wheel(store.wheels, "alpha", "1.0")
    publish(store)
    write_status_page(store)
    with BackgroundServer(store.root) as server:
        base = server.url.split("/simple/")[0]
        for path in listed:
            concrete = path.replace("<project>", "alpha").replace("<file>", wheel.stem)
            url = base + concrete
            if path.startswith("/.wheelmill"):
                with pytest.raises(urllib.error.HTTPError, match="404"):
                    urllib.request.urlopen(url, timeout=10)
                continue
            with urllib.request.urlopen(url, timeout=10) as response:
                assert response.status == 200, url


# -- running the blocks -------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _copy_checkout(target: Path) -> None:
    skip_top = {".git", ".venv", "wheelhouse", "build", "dist"}
    skip_anywhere = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", "artifacts"}

    def ignore(directory: str, names: list[str]) -> set[str]:
        here = Path(directory)
        skipped = {n for n in names if n in skip_anywhere or n.endswith(".egg-info")}
        if here == ROOT:
            skipped |= skip_top & set(names)
        if here == ROOT / "benchmarks":
            skipped.add(".work")
        return skipped

    shutil.copytree(ROOT, target, ignore=ignore, symlinks=True)
    (target / "wheelhouse").mkdir()
    shutil.copy2(ROOT / "wheelhouse" / "README.md", target / "wheelhouse" / "README.md")


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory with ``requirements.txt`` (hashed) and its ``wheelhouse/``, built offline.

    ``alpha`` is an upstream wheel, ``beta`` built here from its sdist, so its
    wheel's hash is not the lock's: the case ``wheelmill export`` is for.
    """
    root = tmp_path_factory.mktemp("prepared")
    index = LocalIndex(root / "index")
    index.add(make_wheel(root / "upstream", "alpha", "1.0"))
    index.add(make_sdist("pure-ok", root / "upstream", name="beta", version="2.0"))
    lock = index.lock_line("alpha", "1.0") + index.lock_line("beta", "2.0")
    work = root / "work"
    store = Store(work / "wheelhouse")
    report = prebuild(
        parse_pins(lock),
        store,
        targets=[current_target()],
        settings=BuildSettings(),
        index_url=index.url,
        rules=LazyRules(),
    )
    assert not report.failures, report.failures
    publish(store)
    write_status_page(store)
    (work / "requirements.txt").write_text(lock)
    return work


@dataclass
class Session:
    """One document read top to bottom in one terminal."""

    doc: str
    setup: Setup
    home: Path
    env: dict[str, str]  # without the active environment
    shim: Path  # wheelmill and pip
    port: int
    cwd: Path
    ran: set[str] = field(default_factory=set)
    failed: str | None = None

    def run_through(self, block: Block) -> None:
        """Run the document's blocks up to ``block`` (earlier ones first, once each)."""
        mine = [b for b in RUNNABLE if b.doc == self.doc]
        for earlier in mine[: mine.index(block)]:
            if self.failed is not None:
                pytest.skip(f"an earlier block failed: {self.failed}")
            if earlier.id not in self.ran:
                self.run(earlier)
        if self.failed is not None:
            pytest.skip(f"an earlier block failed: {self.failed}")
        self.run(block)

    def run(self, block: Block) -> None:
        self.ran.add(block.id)
        self.failed = block.id  # until it passes
        script = block.script.replace("127.0.0.1:8000", f"127.0.0.1:{self.port}")
        script = re.sub(r"\bwheelmill serve\b", f"wheelmill serve --port {self.port}", script)
        state = self.home / ".state"
        state.mkdir(exist_ok=True)
        (state / "block.sh").write_text(
            f"set -eo pipefail\ncd {shlex.quote(str(self.cwd))}\n{script}\n"
            f"pwd > {shlex.quote(str(state / 'cwd'))}\n"
        )
        # Every block starts in a new, empty environment: each install installs.
        client = self.home / f"env-{block.line}"
        venv.EnvBuilder(symlinks=os.name != "nt").create(client)
        env = {**self.env, "VIRTUAL_ENV": str(client)}
        path = [str(self.shim), str(client / "bin"), str(Path(sys.executable).parent)]
        env["PATH"] = os.pathsep.join([*path, self.env.get("PATH", "")])
        log = state / "output.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                ["bash", str(state / "block.sh")],
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
            try:
                code: int | None = process.wait(timeout=TIMEOUT[self.setup.network])
            except subprocess.TimeoutExpired:
                code = None
            left = _stop_group(process.pid)
        shown = (
            f"--- {block.id}\n{block.text}--- output\n{log.read_text('utf-8', 'replace')[-6000:]}"
        )
        print(shown)  # shown by pytest -s, and for a failure
        assert code is not None, f"timed out after {TIMEOUT[self.setup.network]} s\n{shown}"
        assert code == 0, f"exit {code}\n{shown}"
        assert not left, f"left running in the background (stop it in the block)\n{shown}"
        self.cwd = Path((state / "cwd").read_text().strip())
        self.failed = None


def _stop_group(group: int) -> bool:
    """Whether processes of the block's group were still running; they are stopped."""

    def alive() -> bool:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return False
        return True

    deadline = time.monotonic() + 5
    while alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    if not alive():
        return False
    for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        with_deadline = time.monotonic() + wait
        try:
            os.killpg(group, sig)
        except ProcessLookupError:
            break
        while alive() and time.monotonic() < with_deadline:
            time.sleep(0.1)
    return True


@pytest.fixture(scope="module")
def sessions(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[dict[str, Session]]:
    """One session per document, created when its first block runs."""
    shim = tmp_path_factory.mktemp("bin")
    (shim / "wheelmill").symlink_to(Path(sys.executable).parent / "wheelmill")
    pip = shim / "pip"  # this test's (recent) pip, acting on the active environment
    checkout = tmp_path_factory.mktemp("checkout") / "wheelmill"
    python = shlex.quote(sys.executable)
    pip.write_text(f'#!/bin/sh\nexec {python} -m pip --python "$VIRTUAL_ENV/bin/python" "$@"\n')
    pip.chmod(0o755)

    class Sessions(dict[str, Session]):
        def __missing__(self, doc: str) -> Session:
            setup = SESSIONS[doc]
            home = tmp_path_factory.mktemp(re.sub(r"\W", "-", doc))
            work = home / "work"
            if setup.start == "checkout":
                work = checkout
                if not work.exists():
                    _copy_checkout(work)
            elif setup.start == "wheelhouse":
                shutil.copytree(request.getfixturevalue("prepared"), work)
            else:
                work.mkdir()
            env = client_env()
            for name in ("PYTHONHOME", "PYTHONPATH", "CONDA_PREFIX"):
                env.pop(name, None)
            if not setup.network:
                dead = "http://127.0.0.1:9"
                for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
                    env[name] = dead
                env["no_proxy"] = env["NO_PROXY"] = "127.0.0.1,localhost"
            session = Session(doc, setup, home, env, shim, _free_port(), work)
            self[doc] = session
            return session

    yield Sessions()


@pytest.mark.parametrize("block", _params())
def test_the_block_runs(block: Block, sessions: dict[str, Session]) -> None:
    assert block.doc in SESSIONS, f"add {block.doc} to SESSIONS: where do its blocks start?"
    sessions[block.doc].run_through(block)
