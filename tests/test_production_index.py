"""The index a team runs in production: true upload times, find-links over HTTP, yank,
with real pip and uv against ``wheelmill serve`` on 127.0.0.1."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from uv import find_uv_bin

import test_nginx
from _fake_upstream import FakeUpstream
from conftest import client_env, make_sdist, make_wheel
from wheelmill._timestamps import iso_time
from wheelmill.build.batch import prebuild
from wheelmill.config import BuildSettings
from wheelmill.diagnose.remedy import LazyRules
from wheelmill.index.publish import publish
from wheelmill.index.statuspage import write_status_page
from wheelmill.lockfile.pins import parse_pins
from wheelmill.serve.server import BackgroundServer
from wheelmill.store.wheelhouse import Store
from wheelmill.target import current_target

UPSTREAM_TIME = "2020-01-02T03:04:05.000000Z"


def run_client(args: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        args, capture_output=True, text=True, env=client_env(UV_PYTHON_DOWNLOADS="never")
    )
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def get(port: int, path: str, accept: str = "application/vnd.pypi.simple.v1+json") -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"Accept": accept})
        response = conn.getresponse()
        body = response.read()
        assert response.status == 200, (path, response.status, body)
        return body
    finally:
        conn.close()


def upload_times(port: int, project: str) -> dict[str, str]:
    page = json.loads(get(port, f"/simple/{project}/"))
    return {f["filename"]: f["upload-time"] for f in page["files"]}


@pytest.fixture
def built(tmp_path: Path) -> Iterator[Store]:
    """``fetched`` taken from an upstream that says it was uploaded in 2020, ``made``
    built here from its sdist; published."""
    src = tmp_path / "src"
    with FakeUpstream(tmp_path / "upstream") as upstream:
        wheel = make_wheel(src, "fetched", "1.0")
        sdist = make_sdist("pure-ok", src, name="made", version="1.0")
        lock = (
            f"fetched==1.0 --hash=sha256:{upstream.add(wheel, '2020-01-02T03:04:05Z')}\n"
            f"made==1.0 --hash=sha256:{upstream.add(sdist, '2020-01-02T03:04:05Z')}\n"
        )
        store = Store(tmp_path / "wh")
        report = prebuild(
            parse_pins(lock),
            store,
            targets=[current_target()],
            settings=BuildSettings(),
            index_url=upstream.url,
            rules=LazyRules(),
        )
        assert not report.failures, report
    publish(store)
    yield store


@pytest.fixture
def server(built: Store) -> Iterator[BackgroundServer]:
    with BackgroundServer(built.root) as running:
        yield running


def test_upload_time_is_upstreams_for_a_fetched_wheel_and_the_build_time_for_a_built_one(
    built: Store, server: BackgroundServer
) -> None:
    records = {record.name: record for _, record in built.iter_records()}
    assert records["fetched"].upload_time == UPSTREAM_TIME
    assert upload_times(server.port, "fetched") == {"fetched-1.0-py3-none-any.whl": UPSTREAM_TIME}
    made = records["made"]
    assert made.source == "built"
    assert upload_times(server.port, "made") == {made.wheel: iso_time(made.created)}


def test_uv_lock_exclude_newer_takes_what_upstream_uploaded_before_the_date(
    server: BackgroundServer, tmp_path: Path
) -> None:
    def lock(dependency: str) -> subprocess.CompletedProcess[str]:
        project = tmp_path / dependency
        project.mkdir()
        (project / "pyproject.toml").write_text(
            f'[project]\nname = "app"\nversion = "0"\nrequires-python = ">=3.8"\n'
            f'dependencies = ["{dependency}"]\n'
        )
        return run_client(
            [
                find_uv_bin(), "lock", "--directory", str(project), "--python", sys.executable,
                "--cache-dir", str(tmp_path / "cache"), "--default-index", server.url,
                "--exclude-newer", "2021-01-01T00:00:00Z",
            ],
            check=dependency == "fetched",
        )  # fmt: skip

    lock("fetched")
    assert 'name = "fetched"' in (tmp_path / "fetched" / "uv.lock").read_text()
    refused = lock("made")  # built today: newer than the date
    assert refused.returncode != 0
    assert "made" in refused.stderr


def test_pdm_lock_exclude_newer_takes_what_upstream_uploaded_before_the_date(
    server: BackgroundServer, tmp_path: Path
) -> None:
    pdm = Path(sys.executable).with_name("pdm")
    home = tmp_path / "home"
    env = client_env(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        PDM_CHECK_UPDATE="false",
        PDM_USE_UV="false",
        PDM_PYTHON=sys.executable,
    )

    def lock(dependency: str) -> subprocess.CompletedProcess[str]:
        project = tmp_path / f"pdm-{dependency}"
        project.mkdir()
        (project / "pyproject.toml").write_text(
            f'[project]\nname = "app"\nversion = "0"\nrequires-python = ">=3.8"\n'
            f'dependencies = ["{dependency}"]\n\n'
            f'[[tool.pdm.source]]\nname = "pypi"\nurl = "{server.url}"\n'
        )
        return subprocess.run(
            [str(pdm), "lock", "-p", str(project), "--no-cross-platform",
             "--exclude-newer", "2021-01-01T00:00:00Z"],
            capture_output=True, text=True, env=env, timeout=300,
        )  # fmt: skip

    taken = lock("fetched")
    assert taken.returncode == 0, taken.stdout + taken.stderr
    assert 'name = "fetched"' in (tmp_path / "pdm-fetched" / "pdm.lock").read_text()
    refused = lock("made")  # built today: newer than the date
    assert refused.returncode != 0
    assert "Unable to find candidates for made" in refused.stdout + refused.stderr


def test_copying_the_wheelhouse_without_timestamps_keeps_upload_times(
    built: Store, tmp_path: Path
) -> None:
    made = make_wheel(tmp_path / "own", "own", "2.0")  # put in by hand, never stored
    shutil.copy(made, built.wheels / made.name)
    publish(built)

    def times(store: Store) -> dict[str, str]:
        found = {}
        for page in store.simple.glob("*/index.json"):
            found.update(
                {f["filename"]: f["upload-time"] for f in json.loads(page.read_text())["files"]}
            )
        return found

    before = times(built)
    assert len(before) == 3
    copy = Store(tmp_path / "copy")
    shutil.copytree(built.root, copy.root, copy_function=shutil.copyfile)  # new mtimes
    for wheel in copy.wheels.glob("*.whl"):
        os.utime(wheel, (1_000_000_000, 1_000_000_000))
    publish(copy, verify=True)
    assert times(copy) == before
    assert "2001-09-09" not in json.dumps(times(copy))


def test_pip_finds_links_over_http(server: BackgroundServer, built: Store, tmp_path: Path) -> None:
    listing = get(server.port, "/wheels/", accept="text/html").decode()
    assert "fetched-1.0-py3-none-any.whl#sha256=" in listing
    run_client(
        [
            sys.executable, "-m", "pip", "install", "--no-cache-dir", "--quiet",
            "--no-index", "--find-links", server.url.replace("/simple/", "/wheels/"),
            "--only-binary", ":all:", "--target", str(tmp_path / "t"), "fetched", "made",
        ]
    )  # fmt: skip
    assert (tmp_path / "t" / "fetched-1.0.dist-info").is_dir()
    assert (tmp_path / "t" / "made-1.0.dist-info").is_dir()
    # the local directory still works for find-links (the listing is one more file there)
    run_client(
        [
            sys.executable, "-m", "pip", "install", "--no-cache-dir", "--quiet",
            "--no-index", "--find-links", str(built.wheels),
            "--only-binary", ":all:", "--target", str(tmp_path / "t2"), "fetched",
        ]
    )  # fmt: skip


served = test_nginx.served  # the documented nginx in front of a small wheelhouse


def test_nginx_example_serves_the_find_links_listing(served: str, tmp_path: Path) -> None:
    run_client(
        [
            sys.executable, "-m", "pip", "install", "--no-cache-dir", "--quiet",
            "--no-index", "--find-links", f"{served}/wheels/",
            "--only-binary", ":all:", "--target", str(tmp_path / "t"), "beta",
        ]
    )  # fmt: skip
    assert (tmp_path / "t" / "alpha-1.0.dist-info").is_dir()


def test_serve_redirects_wheels_to_its_listing(server: BackgroundServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("GET", "/wheels")
        response = conn.getresponse()
        response.read()
        assert (response.status, response.getheader("Location")) == (301, "/wheels/")
    finally:
        conn.close()


# -- yank (PEP 592) ------------------------------------------------------------------


@pytest.fixture
def two_versions(tmp_path: Path) -> Store:
    store = Store(tmp_path / "yw").create()
    for version in ("1.0", "2.0"):
        make_wheel(store.wheels, "pick", version)
    publish(store)
    return store


def wheelmill(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "wheelmill", *args], capture_output=True, text=True, env=client_env()
    )


def pip_resolves(url: str, requirement: str, tmp_path: Path) -> str:
    result = run_client(
        [
            sys.executable, "-m", "pip", "install", "--no-cache-dir", "--dry-run", "--quiet",
            "--report", "-", "--only-binary", ":all:", "--index-url", url,
            "--target", str(tmp_path / "t"), requirement,
        ]
    )  # fmt: skip
    (install,) = json.loads(result.stdout)["install"]
    return str(install["metadata"]["version"])


def uv_resolves(url: str, requirement: str, tmp_path: Path) -> str:
    result = subprocess.run(
        [
            find_uv_bin(), "pip", "compile", "--cache-dir", str(tmp_path / "cache"),
            "--python", sys.executable, "--only-binary", ":all:", "--index-url", url,
            "--no-header", "--no-annotate", "-",
        ],
        input=requirement + "\n", capture_output=True, text=True, env=client_env(),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (line,) = [line for line in result.stdout.splitlines() if "==" in line]
    return line.split("==")[1].strip()


def test_yanked_version_is_skipped_unless_pinned_exactly(
    two_versions: Store, tmp_path: Path
) -> None:
    yanked = wheelmill(
        "yank", "pick==2.0", "--reason", "broken <build>", "--wheelhouse", str(two_versions.root)
    )
    assert yanked.returncode == 0, yanked.stderr
    page = json.loads((two_versions.simple / "pick" / "index.json").read_text())
    assert [f["yanked"] for f in page["files"]] == [False, "broken <build>"]
    html_page = (two_versions.simple / "pick" / "index.html").read_text()
    assert 'data-yanked="broken &lt;build&gt;"' in html_page
    assert "data-yanked" in (two_versions.wheels / "index.html").read_text()
    with BackgroundServer(two_versions.root) as server:
        assert pip_resolves(server.url, "pick", tmp_path) == "1.0"
        assert pip_resolves(server.url, "pick==2.0", tmp_path) == "2.0"
        assert uv_resolves(server.url, "pick", tmp_path) == "1.0"
        assert uv_resolves(server.url, "pick==2.0", tmp_path) == "2.0"
    # kept across publishes, even when the pages are written again from scratch
    (two_versions.state / "index-state.json").unlink()
    make_wheel(two_versions.wheels, "pick", "3.0")
    publish(two_versions)
    page = json.loads((two_versions.simple / "pick" / "index.json").read_text())
    assert [f["yanked"] for f in page["files"]] == [False, "broken <build>", False]
    assert wheelmill("unyank", "pick==2.0", "--wheelhouse", str(two_versions.root)).returncode == 0
    page = json.loads((two_versions.simple / "pick" / "index.json").read_text())
    assert [f["yanked"] for f in page["files"]] == [False, False, False]


def test_yank_without_a_reason_and_bad_specs(two_versions: Store) -> None:
    root = str(two_versions.root)
    assert wheelmill("yank", "pick==1.0", "--wheelhouse", root).returncode == 0
    page = json.loads((two_versions.simple / "pick" / "index.json").read_text())
    assert page["files"][0]["yanked"] is True
    for spec, message in (
        ("pick", "NAME==VERSION"),
        ("pick==9", "no wheel of it"),
        ("nope==1.0", "no wheel of it"),
    ):
        result = wheelmill("yank", spec, "--wheelhouse", root)
        assert result.returncode == 2 and message in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_export_refuses_a_yanked_pin_and_verify_warns(two_versions: Store, tmp_path: Path) -> None:
    root = str(two_versions.root)
    lock = tmp_path / "requirements.txt"
    lock.write_text("pick==2.0\n")
    assert wheelmill("yank", "pick==2.0", "--reason", "bad", "--wheelhouse", root).returncode == 0
    out = tmp_path / "requirements.binary.txt"
    refused = wheelmill("export", str(lock), "--wheelhouse", root, "-o", str(out))
    assert refused.returncode == 1 and "pick==2.0 (bad)" in refused.stderr and not out.exists()
    allowed = wheelmill("export", str(lock), "--wheelhouse", root, "-o", str(out), "--allow-yanked")
    assert allowed.returncode == 0 and "pick==2.0" in out.read_text()
    verified = wheelmill("verify", str(lock), "--wheelhouse", root)
    assert verified.returncode == 0, verified.stderr
    assert "warning: pick==2.0 is yanked" in verified.stderr


# -- access log, /health, basic auth -------------------------------------------------


def basic(user: str, password: str) -> dict[str, str]:
    import base64

    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def request(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@pytest.fixture
def htpasswd(tmp_path: Path) -> Path:
    import bcrypt

    path = tmp_path / "users.htpasswd"
    lines = [
        f"{user}:{bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()}"
        for user, password in (("reader", "r-secret"), ("uploader", "u-secret"))
    ]
    path.write_text("# the team\n" + "\n".join(lines) + "\n")
    return path


def test_health_answers_without_auth(two_versions: Store) -> None:
    with BackgroundServer(two_versions.root) as server:
        status, body = request(server.port, "/health")
        assert (status, json.loads(body)) == (200, {"status": "ok"})


def test_basic_auth_and_the_access_log(two_versions: Store, htpasswd: Path, tmp_path: Path) -> None:
    from wheelmill.serve._gate import AccessLog, Users

    log_path = tmp_path / "access.log"
    with (
        log_path.open("a") as stream,
        BackgroundServer(
            two_versions.root,
            users=Users.load(htpasswd, ["uploader"]),
            access_log=AccessLog(stream),
        ) as server,
    ):
        assert request(server.port, "/simple/")[0] == 401
        assert request(server.port, "/simple/", basic("reader", "wrong"))[0] == 401
        assert request(server.port, "/simple/", basic("nobody", "r-secret"))[0] == 401
        assert request(server.port, "/simple/", basic("reader", "r-secret"))[0] == 200
        assert request(server.port, "/health")[0] == 200
        # real pip with credentials in the URL
        url = server.url.replace("http://", "http://reader:r-secret@")
        assert pip_resolves(url, "pick", tmp_path) == "2.0"
        refused = subprocess.run(
            [sys.executable, "-m", "pip", "install", "--no-cache-dir", "--dry-run",
             "--no-input", "--index-url", server.url, "--target", str(tmp_path / "x"), "pick"],
            capture_output=True, text=True, env=client_env(),
        )  # fmt: skip
        assert refused.returncode != 0 and "from versions: none" in refused.stderr
    lines = log_path.read_text().splitlines()
    assert lines[0].startswith("127.0.0.1 - - [")
    assert lines[0].endswith('] "GET /simple/ HTTP/1.1" 401 17 "-" "-"'), lines[0]
    assert any(line.startswith("127.0.0.1 - reader [") and '" 200 ' in line for line in lines)
    assert any("pip/" in line and "/simple/pick/" in line for line in lines)


def test_htpasswd_refuses_what_is_not_bcrypt(tmp_path: Path, two_versions: Store) -> None:
    path = tmp_path / "md5.htpasswd"
    path.write_text("alice:$apr1$abcdefgh$0123456789abcdefghijkl\n")
    result = wheelmill(
        "serve", "--wheelhouse", str(two_versions.root), "--htpasswd", str(path), "--port", "0"
    )
    assert result.returncode == 2
    assert "alice: not a bcrypt hash" in result.stderr and "htpasswd -B" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


# -- wheelmill add --------------------------------------------------------------------


def test_add_checks_and_stores_a_teams_own_wheels(two_versions: Store, tmp_path: Path) -> None:
    root = str(two_versions.root)
    own = make_wheel(tmp_path / "own", "team-tool", "0.3")
    added = wheelmill("add", str(own), "--wheelhouse", root)
    assert added.returncode == 0, added.stderr
    stored = two_versions.recall(own.name)
    assert stored is not None and stored.upload_time
    page = json.loads((two_versions.simple / "team-tool" / "index.json").read_text())
    assert page["files"][0]["upload-time"] == stored.upload_time
    assert wheelmill("add", str(own), "--wheelhouse", root).returncode == 0  # same bytes: fine
    lock = tmp_path / "requirements.txt"
    lock.write_text("team-tool==0.3\n")
    out = tmp_path / "out.txt"
    assert wheelmill("export", str(lock), "--wheelhouse", root, "-o", str(out)).returncode == 0
    assert stored.sha256 in out.read_text()


def test_add_refuses_bad_wheels_and_adds_none(two_versions: Store, tmp_path: Path) -> None:
    root = str(two_versions.root)
    good = make_wheel(tmp_path / "good", "fine", "1.0")
    liar = make_wheel(tmp_path / "liar", "other", "1.0")
    renamed = liar.with_name("claims-1.0-py3-none-any.whl")
    liar.rename(renamed)
    broken = make_wheel(tmp_path / "broken", "broken", "1.0", payload=2000)
    data = bytearray(broken.read_bytes())
    data[len(data) // 3] ^= 0xFF
    broken.write_bytes(bytes(data))
    clash = make_wheel(tmp_path / "clash", "pick", "1.0", payload=10)  # not the stored bytes
    notwheel = tmp_path / "notes.whl"
    notwheel.write_text("hello")
    for bad in (renamed, broken, clash, notwheel):
        result = wheelmill("add", str(good), str(bad), "--wheelhouse", root)
        assert result.returncode == 1, result.stderr
        assert bad.name in result.stderr and "nothing added" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert not (two_versions.wheels / good.name).exists()


# -- the upload API twine speaks ----------------------------------------------------------


def twine(url: str, wheel: Path, *credentials: str) -> subprocess.CompletedProcess[str]:
    user_pass = ["-u", credentials[0], "-p", credentials[1]] if credentials else []
    return subprocess.run(
        [sys.executable, "-m", "twine", "upload", "--non-interactive", "--disable-progress-bar",
         "--repository-url", url, *user_pass, str(wheel)],
        capture_output=True, text=True, env=client_env(TWINE_USERNAME="", TWINE_PASSWORD=""),
        timeout=120,
    )  # fmt: skip


def test_twine_upload_needs_an_upload_user(
    two_versions: Store, htpasswd: Path, tmp_path: Path
) -> None:
    from wheelmill.serve._gate import Users

    own = make_wheel(tmp_path / "own", "shared-lib", "1.2")
    users = Users.load(htpasswd, ["uploader"])
    with BackgroundServer(two_versions.root, users=users) as server:
        root = server.url.replace("/simple/", "/")
        anonymous = twine(root, own)
        assert anonymous.returncode != 0 and "401" in anonymous.stdout + anonymous.stderr
        reader = twine(root, own, "reader", "r-secret")
        assert reader.returncode != 0 and "403" in reader.stdout + reader.stderr
        assert not (two_versions.wheels / own.name).exists()
        done = twine(root, own, "uploader", "u-secret")
        assert done.returncode == 0, done.stdout + done.stderr
        assert two_versions.recall(own.name) is not None  # stored like `wheelmill add`
        url = server.url.replace("http://", "http://reader:r-secret@")
        assert pip_resolves(url, "shared-lib", tmp_path) == "1.2"
        # the same name with other bytes is refused, never replaced
        other = make_wheel(tmp_path / "other", "shared-lib", "1.2", payload=50)
        clash = twine(root, other, "uploader", "u-secret")
        assert clash.returncode != 0 and "409" in clash.stdout + clash.stderr
        # not a wheel: refused
        sdist = make_sdist("pure-ok", tmp_path / "sd", name="shared-lib", version="1.3")
        refused = twine(root, sdist, "uploader", "u-secret")
        assert refused.returncode != 0 and "400" in refused.stdout + refused.stderr


def test_without_upload_users_post_is_not_allowed(two_versions: Store) -> None:
    with BackgroundServer(two_versions.root) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        conn.request("POST", "/", body=b"x" * 100, headers={"Content-Type": "text/plain"})
        response = conn.getresponse()
        assert response.status == 405
        conn.close()


# -- upstream fallback ---------------------------------------------------------------------


def test_upstream_fallback_serves_other_projects_binary_only_never_a_carried_one(
    two_versions: Store, tmp_path: Path
) -> None:
    src = tmp_path / "up-src"
    with FakeUpstream(tmp_path / "upstream") as upstream:
        upstream.add(make_wheel(src, "outside", "3.1"), "2024-02-03T04:05:06Z")
        upstream.add(
            make_sdist("pure-ok", src, name="outside", version="3.2"), "2024-03-01T00:00:00Z"
        )
        planted = make_wheel(src, "pick", "9.0")  # a higher version of a carried project
        upstream.add(planted, "2024-03-01T00:00:00Z")
        with BackgroundServer(two_versions.root, upstream=upstream.url) as server:
            page = json.loads(get(server.port, "/simple/outside/"))
            assert [f["filename"] for f in page["files"]] == ["outside-3.1-py3-none-any.whl"]
            assert page["files"][0]["upload-time"] == "2024-02-03T04:05:06.000000Z"
            assert pip_resolves(server.url, "outside", tmp_path) == "3.1"
            assert pip_resolves(server.url, "pick", tmp_path) == "2.0"
            carried = json.loads(get(server.port, "/simple/pick/"))
            # the planted release by its version and its file; not the whole text, whose
            # upload times can hold "9.0" too ("…:14:49.007795Z")
            assert "9.0" not in carried["versions"]
            assert not [f for f in carried["files"] if "9.0" in f["filename"] + f["url"]]
            run_client(
                [
                    sys.executable, "-m", "pip", "install", "--no-cache-dir", "--quiet",
                    "--only-binary", ":all:", "--index-url", server.url,
                    "--target", str(tmp_path / "t"), "outside", "pick",
                ]
            )  # fmt: skip
            assert (tmp_path / "t" / "outside-3.1.dist-info").is_dir()
            assert (tmp_path / "t" / "pick-2.0.dist-info").is_dir()
            # only files a fallback page listed are fetched: no open proxy
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            conn.request("GET", f"/upstream/{planted.name}")
            assert conn.getresponse().status == 404
            conn.close()
        assert not any("pick" in path for path in upstream.requests)
    assert (two_versions.state / "upstream" / "outside-3.1-py3-none-any.whl").is_file()
    assert not (two_versions.wheels / "outside-3.1-py3-none-any.whl").exists()


def test_the_status_page_shows_what_came_from_upstream(two_versions: Store, tmp_path: Path) -> None:
    write_status_page(two_versions)
    page = two_versions.root / "status" / "index.html"
    assert "from upstream" not in page.read_text()  # nothing answered from upstream yet
    src = tmp_path / "up-src"
    with FakeUpstream(tmp_path / "upstream") as upstream:
        upstream.add(make_wheel(src, "outside", "3.1"), "2024-02-03T04:05:06Z")
        with BackgroundServer(two_versions.root, upstream=upstream.url) as server:
            assert pip_resolves(server.url, "outside", tmp_path) == "3.1"
            run_client(
                [
                    sys.executable, "-m", "pip", "install", "--no-cache-dir", "--quiet",
                    "--only-binary", ":all:", "--index-url", server.url,
                    "--target", str(tmp_path / "t"), "outside",
                ]
            )  # fmt: skip
            # serve rewrote the page when it kept the wheel; it serves the new page
            status, body = request(server.port, "/status/")
    assert status == 200
    text = body.decode()
    assert "Answered from upstream, not the lock (1)" in text
    assert "<code>outside-3.1-py3-none-any.whl</code>" in text
    assert '<a href="#upstream">1 from upstream</a>' in text
    assert "pick" not in text.partition('id="upstream"')[2]  # the carried project is not
    # publish writes the page again from the wheelhouse: the mark stays
    publish(two_versions)
    write_status_page(two_versions)
    assert "Answered from upstream, not the lock (1)" in page.read_text()


def test_without_upstream_an_unknown_project_is_404(two_versions: Store) -> None:
    with BackgroundServer(two_versions.root) as server:
        assert request(server.port, "/simple/outside/")[0] == 404


def test_serve_command_wires_log_auth_and_upload_limits(
    two_versions: Store, htpasswd: Path, tmp_path: Path
) -> None:
    import re
    import signal

    log = tmp_path / "access.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "wheelmill", "serve", "--wheelhouse", str(two_versions.root),
         "--port", "0", "--workers", "1", "--access-log", str(log), "--htpasswd", str(htpasswd),
         "--upload-user", "uploader"],
        stderr=subprocess.PIPE, text=True, env=client_env(),
    )  # fmt: skip
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        port = int(re.search(r"http://127\.0\.0\.1:(\d+)/simple/", line).group(1))  # type: ignore[union-attr]
        assert request(port, "/simple/")[0] == 401
        assert request(port, "/simple/", basic("uploader", "u-secret"))[0] == 200
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.putrequest("POST", "/")
        for name, value in basic("uploader", "u-secret").items():
            conn.putheader(name, value)
        conn.putheader("Content-Type", "multipart/form-data; boundary=x")
        conn.putheader("Content-Length", str(1 << 40))  # never sent: refused at once
        conn.endheaders()
        assert conn.getresponse().status == 413
        conn.close()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
        assert process.stderr is not None
        process.stderr.close()
    lines = log.read_text().splitlines()
    assert len(lines) == 2 and " uploader [" in lines[1]


def test_serve_command_refuses_upload_users_without_htpasswd(two_versions: Store) -> None:
    result = wheelmill("serve", "--wheelhouse", str(two_versions.root), "--upload-user", "x")
    assert result.returncode == 2 and "--upload-user needs --htpasswd" in result.stderr
