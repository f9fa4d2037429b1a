"""``publish``: the static index checked against PEP 503/629/658/691/700/714, then used
by real pip and uv over ``file://`` and ``--find-links``."""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
import json
import os
import random
import re
import shutil
import stat
import subprocess
import sys
import urllib.parse
import urllib.request
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from packaging.utils import canonicalize_name, parse_wheel_filename
from uv import find_uv_bin

from conftest import client_env, make_wheel
from wheelmill import InvalidWheelError
from wheelmill.index.publish import _PARALLEL_THRESHOLD, API_VERSION, publish
from wheelmill.store._wheelfile import _direct_metadata, _zipfile_metadata, parse_headers
from wheelmill.store.wheelhouse import Store

UPLOAD_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
PAST_NS = 1_000_000_000 * 1_000_000_000  # 2001-09-09: an mtime nothing writes by accident


class Page(HTMLParser):
    """The anchors and ``<meta>`` tags of one index page (entities decoded)."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: list[tuple[dict[str, str | None], str]] = []
        self.meta: dict[str, str | None] = {}
        self._open: tuple[dict[str, str | None], list[str]] | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._open = (dict(attrs), [])
        elif tag == "meta":
            found = dict(attrs)
            self.meta[str(found.get("name"))] = found.get("content")

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open is not None:
            self.anchors.append((self._open[0], "".join(self._open[1])))
            self._open = None


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def wheel_metadata(path: Path) -> bytes:
    with zipfile.ZipFile(path) as archive:
        (member,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        return archive.read(member)


def resolve(page: Path, href: str) -> tuple[Path, str]:
    """The file a relative link on ``page`` points to, and the link's fragment."""
    url = urllib.parse.urljoin(page.as_uri(), href)
    without, _, fragment = url.partition("#")
    return Path(urllib.request.url2pathname(urllib.parse.urlparse(without).path)), fragment


def page_mtimes(simple: Path) -> dict[str, int]:
    return {str(p.relative_to(simple)): p.stat().st_mtime_ns for p in simple.rglob("index.*")}


def age_pages(simple: Path) -> None:
    for path in simple.rglob("index.*"):
        os.utime(path, ns=(PAST_NS, PAST_NS))


def all_files(*roots: Path) -> list[Path]:
    return sorted(p for root in roots for p in root.rglob("*") if p.is_file())


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "wh").create()


@pytest.fixture
def chain(store: Store) -> Store:
    """app -> mid -> leaf, with a leaf 2.0 only for Python 4 (uv ignores upper bounds)."""
    make_wheel(store.wheels, "app", "1.0", requires=("mid>=1",))
    make_wheel(store.wheels, "mid", "1.0", requires=("leaf",))
    make_wheel(store.wheels, "leaf", "1.0", requires_python=">=3.8")
    make_wheel(store.wheels, "leaf", "2.0", requires_python=">=4")
    report = publish(store)
    assert not report.rejected
    return store


def run_client(args: list[str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, env=client_env(), capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def pip(*args: str, target: Path) -> subprocess.CompletedProcess[str]:
    return run_client(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-cache-dir",
            "--only-binary",
            ":all:",
            "--target",
            str(target),
            *args,
        ]
    )


def uv(*args: str, target: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    return run_client(
        [
            find_uv_bin(),
            "pip",
            "install",
            "--cache-dir",
            str(cache),
            "--python",
            sys.executable,
            "--only-binary",
            ":all:",
            "--target",
            str(target),
            *args,
        ]
    )


def installed(target: Path) -> dict[str, str]:
    """``{project: version}`` of the dist-info directories under ``target``."""
    found = {}
    for info in target.glob("*.dist-info"):
        name, _, version = info.name[: -len(".dist-info")].rpartition("-")
        found[canonicalize_name(name)] = version
    return found


# -- PEP 503 / 629 / 658 / 714: the HTML pages ------------------------------------------


def test_project_page_follows_pep_503_629_658_714(store: Store) -> None:
    wheels = [
        make_wheel(store.wheels, "Synth.Pkg_0", "1.0"),
        make_wheel(store.wheels, "Synth.Pkg_0", "2.0", requires_python=">=3.8"),
        make_wheel(
            store.wheels,
            "Synth.Pkg_0",
            "3.0",
            tag="py2.py3-none-any",
            requires_python='>=3.8,!=3.9.*,<4; "quoted"',
        ),
    ]
    # A legacy, non-normalized filename with a dot: kept as is, filed under the normal name.
    legacy = store.wheels / "Synth.Pkg_0-2.5-py3-none-any.whl"
    make_wheel(store.wheels / "tmp", "Synth.Pkg_0", "2.5").rename(legacy)
    wheels.append(legacy)

    report = publish(store)

    assert report.rejected == {}
    assert (report.files, report.projects, report.read) == (4, 1, 4)
    assert report.projects_written == ["synth-pkg-0"]
    assert sorted(p.name for p in store.simple.iterdir()) == [
        "index.html",
        "index.json",
        "synth-pkg-0",
    ]
    page_path = store.simple / "synth-pkg-0" / "index.html"
    text = page_path.read_text(encoding="utf-8")
    page = Page(text)
    assert page.meta["pypi:repository-version"] == API_VERSION
    assert API_VERSION.split(".")[0] == "1"

    by_name = {anchor_text: attrs for attrs, anchor_text in page.anchors}
    assert len(page.anchors) == len(by_name) == len(wheels)  # one anchor per file
    assert set(by_name) == {w.name for w in wheels}  # anchor text is the filename
    for wheel in wheels:
        attrs = by_name[wheel.name]
        href = str(attrs["href"])
        assert not href.startswith(("/", "file:", "http:")), href  # relative
        target, fragment = resolve(page_path, href)
        assert target == wheel  # the link hits the file itself...
        assert urllib.parse.unquote(href.partition("#")[0]).rsplit("/", 1)[-1] == wheel.name
        assert fragment == f"sha256={sha256(wheel)}"  # ...and names its hash

        metadata = Path(f"{wheel}.metadata")
        assert metadata.read_bytes() == wheel_metadata(wheel)  # byte-exact copy
        meta_target, _ = resolve(page_path, href.partition("#")[0] + ".metadata")
        assert meta_target == metadata
        assert attrs["data-core-metadata"] == f"sha256={sha256(metadata)}"
        assert attrs["data-dist-info-metadata"] == f"sha256={sha256(metadata)}"

    assert "data-requires-python" not in by_name[wheels[0].name]
    assert by_name[wheels[1].name]["data-requires-python"] == ">=3.8"
    assert by_name[wheels[2].name]["data-requires-python"] == '>=3.8,!=3.9.*,<4; "quoted"'
    # the raw attributes are escaped, so no quote or ">" breaks the markup
    assert 'data-requires-python="&gt;=3.8"' in text
    assert "&quot;quoted&quot;" in text
    assert '<4; "quoted"' not in text


def test_root_page_lists_every_project(store: Store) -> None:
    names = ["Synth.Pkg_0", "alpha", "Beta_Two", "gamma.three"]
    for name in names:
        make_wheel(store.wheels, name, "1.0")
    publish(store)

    root = store.simple / "index.html"
    page = Page(root.read_text(encoding="utf-8"))
    assert page.meta["pypi:repository-version"] == API_VERSION
    hrefs = [str(attrs["href"]) for attrs, _ in page.anchors]
    expected = sorted(canonicalize_name(n) for n in names)
    assert sorted(hrefs) == [f"{n}/" for n in expected]
    for href in hrefs:
        directory, _ = resolve(root, href)
        assert (directory / "index.html").is_file()
        assert (directory / "index.json").is_file()
    assert sorted(p.name for p in store.simple.iterdir() if p.is_dir()) == expected

    document = json.loads((store.simple / "index.json").read_bytes())
    assert document["meta"] == {"api-version": API_VERSION}
    assert sorted(canonicalize_name(p["name"]) for p in document["projects"]) == expected


# -- PEP 691 / 700: the JSON pages --------------------------------------------------


def test_project_json_follows_pep_691_700(store: Store) -> None:
    wheels = [
        make_wheel(store.wheels, "Synth.Pkg_0", "1.0"),
        make_wheel(store.wheels, "Synth.Pkg_0", "1.0", tag="py2.py3-none-any"),
        make_wheel(store.wheels, "Synth.Pkg_0", "2.0rc1", requires_python=">=3.8"),
        make_wheel(store.wheels, "Synth.Pkg_0", "10.0"),
    ]
    publish(store)

    page_path = store.simple / "synth-pkg-0" / "index.json"
    document = json.loads(page_path.read_bytes())
    assert document["meta"]["api-version"] == API_VERSION
    assert document["name"] == "synth-pkg-0"
    files = {f["filename"]: f for f in document["files"]}
    assert len(files) == len(document["files"]) == len(wheels)
    assert set(files) == {w.name for w in wheels}
    for wheel in wheels:
        entry = files[wheel.name]
        target, fragment = resolve(page_path, entry["url"])
        assert target == wheel
        assert fragment == ""
        assert entry["hashes"] == {"sha256": sha256(wheel)}
        metadata = Path(f"{wheel}.metadata")
        assert entry["core-metadata"] == {"sha256": sha256(metadata)}
        assert entry["dist-info-metadata"] == {"sha256": sha256(metadata)}
        assert type(entry["size"]) is int
        assert entry["size"] == wheel.stat().st_size
        assert UPLOAD_TIME.fullmatch(entry["upload-time"]), entry["upload-time"]
        assert entry["yanked"] is False
    assert files[wheels[2].name]["requires-python"] == ">=3.8"
    assert files[wheels[0].name].get("requires-python") is None
    versions = document["versions"]
    assert len(versions) == len(set(versions))
    assert {str(parse_wheel_filename(w.name)[1]) for w in wheels} == set(versions)

    html_page = Page((store.simple / "synth-pkg-0" / "index.html").read_text(encoding="utf-8"))
    # HTML and JSON describe the same files, in the same order
    assert [text for _, text in html_page.anchors] == [f["filename"] for f in document["files"]]


def test_upload_time_of_a_wheel_put_in_by_hand_is_its_first_publish_never_its_mtime(
    store: Store,
) -> None:
    wheel = make_wheel(store.wheels, "stamped", "1.0")
    os.utime(wheel, ns=(0, 1_700_000_000_123_456_789))
    publish(store)
    document = json.loads((store.simple / "stamped" / "index.json").read_bytes())
    first = document["files"][0]["upload-time"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", first)
    assert not first.startswith("2023-11-14")
    os.utime(wheel, ns=(0, 1_600_000_000_000_000_000))  # touched: the same upload
    publish(store)
    document = json.loads((store.simple / "stamped" / "index.json").read_bytes())
    assert document["files"][0]["upload-time"] == first


# -- incremental publishing ---------------------------------------------------------


def test_second_publish_reads_and_writes_nothing(chain: Store) -> None:
    before = page_mtimes(chain.simple)
    metadata_before = {p.name: p.stat().st_mtime_ns for p in chain.wheels.glob("*.metadata")}
    report = publish(chain)
    assert report.read == 0
    assert report.projects_written == []
    assert report.removed == [] and report.rejected == {}
    assert (report.files, report.projects) == (4, 3)
    assert page_mtimes(chain.simple) == before
    assert {p.name: p.stat().st_mtime_ns for p in chain.wheels.glob("*.metadata")} == (
        metadata_before
    )


def test_adding_a_wheel_rewrites_only_its_project(chain: Store) -> None:
    age_pages(chain.simple)
    before = page_mtimes(chain.simple)
    added = make_wheel(chain.wheels, "mid", "1.1", requires=("leaf",))

    report = publish(chain)

    assert report.read == 1
    assert report.projects_written == ["mid"]
    after = page_mtimes(chain.simple)
    changed = {name for name in after if after[name] != before[name]}
    assert changed == {"mid/index.html", "mid/index.json"}  # the root did not change
    assert added.name in (chain.simple / "mid" / "index.html").read_text(encoding="utf-8")
    assert Path(f"{added}.metadata").read_bytes() == wheel_metadata(added)

    # a new project rewrites its own pages and the root, nothing else
    age_pages(chain.simple)
    make_wheel(chain.wheels, "newcomer", "0.1")
    report = publish(chain)
    assert report.projects_written == ["newcomer"]
    after = page_mtimes(chain.simple)
    assert {n for n in after if after[n] != PAST_NS} == {
        "index.html",
        "index.json",
        "newcomer/index.html",
        "newcomer/index.json",
    }
    assert 'href="newcomer/"' in (chain.simple / "index.html").read_text(encoding="utf-8")


def test_removing_a_wheel_drops_it_and_its_metadata(chain: Store) -> None:
    gone = chain.wheels / "leaf-2.0-py3-none-any.whl"
    gone.unlink()
    age_pages(chain.simple)

    report = publish(chain)

    assert report.removed == [gone.name]
    assert report.projects_written == ["leaf"]
    assert not Path(f"{gone}.metadata").exists()
    page = (chain.simple / "leaf" / "index.html").read_text(encoding="utf-8")
    assert gone.name not in page
    assert "leaf-1.0-py3-none-any.whl" in page
    document = json.loads((chain.simple / "leaf" / "index.json").read_bytes())
    assert [f["filename"] for f in document["files"]] == ["leaf-1.0-py3-none-any.whl"]
    assert document["versions"] == ["1.0"]
    assert (chain.simple / "index.html").stat().st_mtime_ns == PAST_NS


def test_removing_a_projects_last_wheel_removes_the_project(chain: Store) -> None:
    gone = chain.wheels / "app-1.0-py3-none-any.whl"
    gone.unlink()
    Path(f"{gone}.metadata").unlink()  # the user tidied up too: no error either way

    report = publish(chain)

    assert report.removed == [gone.name]
    assert report.projects == 2
    assert not (chain.simple / "app").exists()
    root = Page((chain.simple / "index.html").read_text(encoding="utf-8"))
    assert sorted(str(a["href"]) for a, _ in root.anchors) == ["leaf/", "mid/"]
    names = [p["name"] for p in json.loads((chain.simple / "index.json").read_bytes())["projects"]]
    assert sorted(names) == ["leaf", "mid"]


def test_stray_metadata_files_are_removed(store: Store) -> None:
    make_wheel(store.wheels, "kept", "1.0")
    stray = store.wheels / "ghost-1.0-py3-none-any.whl.metadata"
    stray.write_bytes(b"Metadata-Version: 2.1\nName: ghost\nVersion: 1.0\n")
    publish(store)
    assert not stray.exists()
    assert (store.wheels / "kept-1.0-py3-none-any.whl.metadata").is_file()


@pytest.mark.parametrize("keep_mtime", [False, True], ids=["new-mtime", "same-size-and-mtime"])
def test_replacing_a_wheels_bytes_updates_its_hashes(
    store: Store, tmp_path: Path, keep_mtime: bool
) -> None:
    original = make_wheel(store.wheels, "swap", "1.0", requires=("first",))
    publish(store)
    old_sha = sha256(original)
    old_meta = Path(f"{original}.metadata").read_bytes()
    stat = original.stat()

    # a rebuild: same filename and size, other bytes (and other metadata), renamed into place
    rebuilt = make_wheel(tmp_path / "rebuild", "swap", "1.0", requires=("other",))
    assert rebuilt.stat().st_size == stat.st_size
    if keep_mtime:  # a coarse-mtime file system: the rebuild lands within the same tick
        os.utime(rebuilt, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    os.replace(rebuilt, original)

    report = publish(store)

    assert report.read == 1
    assert report.projects_written == ["swap"]
    new_sha = sha256(original)
    assert new_sha != old_sha
    metadata = Path(f"{original}.metadata").read_bytes()
    assert metadata != old_meta
    assert metadata == wheel_metadata(original)
    meta_sha = hashlib.sha256(metadata).hexdigest()
    text = (store.simple / "swap" / "index.html").read_text(encoding="utf-8")
    assert f"#sha256={new_sha}" in text
    assert f'data-core-metadata="sha256={meta_sha}"' in text
    assert old_sha not in text
    (entry,) = json.loads((store.simple / "swap" / "index.json").read_bytes())["files"]
    assert entry["hashes"] == {"sha256": new_sha}
    assert entry["core-metadata"] == {"sha256": meta_sha}


def test_lost_state_or_pages_are_rebuilt(chain: Store) -> None:
    expected = {p: p.read_bytes() for p in all_files(chain.simple)}
    (chain.state / "index-state.json").write_text("{not json")
    (chain.simple / "mid" / "index.json").unlink()
    (chain.simple / "index.html").unlink()

    report = publish(chain)

    assert report.read == 4
    assert not report.rejected
    assert {p: p.read_bytes() for p in all_files(chain.simple)} == expected
    # and a page deleted behind the state's back comes back on the next run
    (chain.simple / "leaf" / "index.json").unlink()
    assert publish(chain).projects_written == ["leaf"]
    assert {p: p.read_bytes() for p in all_files(chain.simple)} == expected


# -- bad input ----------------------------------------------------------------------


def _corrupt_metadata_stream(path: Path) -> None:
    """Flip the compressed bytes of METADATA: the zip directory still reads fine."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        (info,) = [i for i in archive.infolist() if i.filename.endswith("METADATA")]
    start = info.header_offset + 30 + len(info.filename.encode())
    for i in range(start, start + info.compress_size):
        data[i] ^= 0x55
    path.write_bytes(bytes(data))


def _mark_metadata_encrypted(path: Path) -> None:
    """Set the "encrypted" flag of METADATA in the zip's central directory."""
    data = bytearray(path.read_bytes())
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        name_length = int.from_bytes(data[at + 28 : at + 30], "little")
        if data[at + 46 : at + 46 + name_length].endswith(b"METADATA"):
            data[at + 8] |= 1
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))


def test_bad_wheels_are_rejected_and_the_rest_published(store: Store, tmp_path: Path) -> None:
    good = make_wheel(store.wheels, "good", "1.0")
    garbage = store.wheels / "garbage-1.0-py3-none-any.whl"
    garbage.write_bytes(os.urandom(2000))
    truncated = make_wheel(tmp_path / "x", "truncated", "1.0")
    whole = truncated.read_bytes()
    (store.wheels / truncated.name).write_bytes(whole[: len(whole) // 2])
    empty = store.wheels / "empty-1.0-py3-none-any.whl"
    empty.write_bytes(b"")
    scrambled = make_wheel(store.wheels, "scrambled", "1.0")
    _corrupt_metadata_stream(scrambled)
    encrypted = make_wheel(store.wheels, "encrypted", "1.0")
    _mark_metadata_encrypted(encrypted)
    liar = store.wheels / "liar-1.0-py3-none-any.whl"  # METADATA says Name: honest
    make_wheel(tmp_path / "y", "honest", "1.0").rename(liar)
    wrong_version = store.wheels / "drift-2.0-py3-none-any.whl"  # METADATA says 1.0
    make_wheel(tmp_path / "z", "drift", "1.0").rename(wrong_version)
    bad_names = [
        store.wheels / "not-a-wheel.whl",
        store.wheels / "pkg-1.0-py3-none-any-x.whl",
        store.wheels / "pkg-one-1.0-py3-none-any.whl",
    ]
    for path in bad_names:
        path.write_bytes(good.read_bytes())
    bad = [
        garbage,
        store.wheels / truncated.name,
        empty,
        scrambled,
        encrypted,
        liar,
        wrong_version,
        *bad_names,
    ]

    report = publish(store)

    assert sorted(report.rejected) == sorted(p.name for p in bad)
    for name, reason in report.rejected.items():
        assert name in reason and reason.strip()
    assert (report.files, report.projects) == (1, 1)
    assert sorted(p.name for p in store.simple.iterdir() if p.is_dir()) == ["good"]
    pages = " ".join(p.read_text(encoding="utf-8") for p in all_files(store.simple))
    assert good.name in pages
    for path in bad:
        assert path.name not in pages
        assert urllib.parse.quote(path.name) not in pages
        assert not Path(f"{path}.metadata").exists()
        assert path.exists()  # reported, not deleted: the user decides
    for word in (
        "garbage",
        "truncated",
        "empty",
        "scrambled",
        "encrypted",
        "liar",
        "honest",
        "drift",
    ):
        assert word not in pages
    # still rejected (and still reported) next time; the good wheel is not read again
    again = publish(store)
    assert sorted(again.rejected) == sorted(report.rejected)
    assert again.read == len(bad)
    assert again.projects_written == []


def test_a_wheel_that_goes_bad_is_unpublished(chain: Store) -> None:
    app = chain.wheels / "app-1.0-py3-none-any.whl"
    app.write_bytes(b"PK\x03\x04 this is no longer a zip")
    report = publish(chain)
    assert list(report.rejected) == [app.name]
    assert not Path(f"{app}.metadata").exists()
    assert not (chain.simple / "app").exists()
    assert "app/" not in (chain.simple / "index.html").read_text(encoding="utf-8")
    assert report.projects == 2


def test_publish_leaves_no_temp_files(chain: Store) -> None:
    make_wheel(chain.wheels, "mid", "2.0", requires=("leaf",))
    (chain.wheels / "app-1.0-py3-none-any.whl").unlink()
    publish(chain)
    publish(chain)
    leftovers = [
        p
        for p in all_files(chain.simple, chain.wheels)
        if p.name.startswith(".") or ".tmp" in p.name
    ]
    assert leftovers == []
    files = {p.name for p in chain.wheels.iterdir()}
    wheels = {n for n in files if n.endswith(".whl")}
    assert files == wheels | {f"{n}.metadata" for n in wheels} | {"index.html"}
    assert {p.name for p in chain.simple.rglob("*") if p.is_file()} == {"index.html", "index.json"}
    assert list(chain.tmp.glob("*.tmp")) == []


def test_reading_in_parallel_gives_the_same_index(tmp_path: Path) -> None:
    serial, parallel = Store(tmp_path / "serial").create(), Store(tmp_path / "parallel").create()
    for i in range(_PARALLEL_THRESHOLD + 20):
        make_wheel(serial.wheels, f"many-{i % 37}", f"1.{i}", requires=(f"many-{i % 5}",))
    (serial.wheels / "broken-1.0-py3-none-any.whl").write_bytes(b"not a zip")
    for wheel in serial.wheels.iterdir():
        shutil.copy2(wheel, parallel.wheels / wheel.name)  # same bytes and mtimes

    one = publish(serial, workers=1)
    many = publish(parallel, workers=3)

    assert list(one.rejected) == list(many.rejected) == ["broken-1.0-py3-none-any.whl"]
    assert (many.read, many.files, many.projects) == (one.read, one.files, 37)
    assert sorted(many.projects_written) == sorted(one.projects_written)

    def tree(store: Store) -> dict[str, bytes]:
        # wheels put in by hand: each wheelhouse's upload time is its own first publish
        return {
            str(p.relative_to(store.root)): re.sub(rb'"upload-time":"[^"]+"', b"", p.read_bytes())
            for p in all_files(store.simple, store.wheels)
        }

    assert tree(parallel) == tree(serial)
    assert publish(parallel, workers=3).read == 1  # only the broken one, again


# -- real installers ----------------------------------------------------------------


def test_pip_installs_from_the_file_index(chain: Store, tmp_path: Path) -> None:
    target = tmp_path / "target"
    pip("--index-url", chain.simple.as_uri() + "/", "app", target=target)
    # leaf 2.0 needs Python 4: data-requires-python made pip skip it
    assert installed(target) == {"app": "1.0", "mid": "1.0", "leaf": "1.0"}
    assert (target / "leaf" / "__init__.py").read_text().startswith("VERSION = '1.0'")


def test_pip_resolves_from_the_metadata_files_alone(chain: Store, tmp_path: Path) -> None:
    # With the wheels gone, only the PEP 658 .metadata files can tell pip what app needs.
    for wheel in chain.wheels.glob("*.whl"):
        wheel.unlink()
    result = pip(
        "--dry-run",
        "--quiet",
        "--report",
        "-",
        "--index-url",
        chain.simple.as_uri() + "/",
        "app",
        target=tmp_path / "target",
    )
    report = json.loads(result.stdout)
    resolved = {i["metadata"]["name"]: i["metadata"]["version"] for i in report["install"]}
    assert resolved == {"app": "1.0", "mid": "1.0", "leaf": "1.0"}


def test_pip_installs_from_find_links(chain: Store, tmp_path: Path) -> None:
    target = tmp_path / "target"
    pip("--no-index", "--find-links", str(chain.wheels), "app", target=target)
    assert installed(target) == {"app": "1.0", "mid": "1.0", "leaf": "1.0"}


def test_uv_installs_from_the_file_index(chain: Store, tmp_path: Path) -> None:
    target = tmp_path / "target"
    uv("--index-url", chain.simple.as_uri() + "/", "app", target=target, cache=tmp_path / "c")
    assert installed(target) == {"app": "1.0", "mid": "1.0", "leaf": "1.0"}


def test_uv_installs_from_find_links(chain: Store, tmp_path: Path) -> None:
    target = tmp_path / "target"
    uv("--no-index", "--find-links", str(chain.wheels), "app", target=target, cache=tmp_path / "c")
    assert installed(target) == {"app": "1.0", "mid": "1.0", "leaf": "1.0"}


def test_installers_refuse_a_wheel_whose_hash_changed_behind_the_index(
    chain: Store, tmp_path: Path
) -> None:
    # The #sha256 fragment is really checked: a stale page must not install silently.
    leaf = chain.wheels / "leaf-1.0-py3-none-any.whl"
    rebuilt = make_wheel(tmp_path / "rebuilt", "leaf", "1.0", payload=10)
    leaf.write_bytes(rebuilt.read_bytes())
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-cache-dir",
            "--only-binary",
            ":all:",
            "--target",
            str(tmp_path / "t"),
            "--index-url",
            chain.simple.as_uri() + "/",
            "leaf",
        ],
        env=client_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "hash" in (result.stdout + result.stderr).lower()
    # publishing again repairs it
    publish(chain)
    pip("--index-url", chain.simple.as_uri() + "/", "leaf", target=tmp_path / "t2")
    assert installed(tmp_path / "t2") == {"leaf": "1.0"}


# -- how wheels are read ------------------------------------------------------------


def _mutations(data: bytes, rng: random.Random) -> list[bytes]:
    """Damaged variants of a zip: flipped bytes (anywhere, and in its directory), cuts."""
    tail = data.rfind(b"PK\x01\x02")
    variants = [data[:cut] for cut in rng.sample(range(len(data)), 20)]
    for _ in range(200):
        damaged = bytearray(data)
        at = rng.randrange(tail if rng.random() < 0.5 else 0, len(data))
        damaged[at] ^= 1 << rng.randrange(8)
        variants.append(bytes(damaged))
    return variants


def test_the_direct_zip_reader_agrees_with_zipfile(tmp_path: Path) -> None:
    """Whenever the fast reader answers, zipfile gives the same bytes; else zipfile decides."""
    wheel = make_wheel(tmp_path, "Synth.Pkg_0", "1.0", requires_python=">=3.8")
    name = canonicalize_name("Synth.Pkg_0")
    data = wheel.read_bytes()
    assert _direct_metadata(data, name) == wheel_metadata(wheel)
    answered = 0
    for variant in _mutations(data, random.Random(658)):
        fast = _direct_metadata(variant, name)
        try:
            slow: bytes | None = _zipfile_metadata(variant, wheel.name, name, False)
        except InvalidWheelError:
            slow = None
        if fast is not None:
            answered += 1
            assert fast == slow
    assert answered  # some damage (in other members' bytes) leaves METADATA readable


def _rezip(source: Path, target: Path, *, prefix: bytes = b"", **options: Any) -> Path:
    """``source`` rewritten with zip features the fast reader leaves to zipfile."""
    extra = options.pop("extra", b"")
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", **options) as new:
        for info in old.infolist():
            info.extra = extra
            new.writestr(info, old.read(info), compress_type=options.get("compression"))
        new.comment = options.pop("comment", b"") if "comment" in options else b""
    if prefix:
        target.write_bytes(prefix + target.read_bytes())
    return target


@pytest.mark.parametrize(
    "variant",
    ["stored", "extra-fields", "comment", "prefixed", "crlf-metadata"],
)
def test_unusual_but_valid_wheels_are_published(store: Store, tmp_path: Path, variant: str) -> None:
    original = make_wheel(tmp_path, "odd", "1.0", requires_python=">=3.9")
    target = store.wheels / original.name
    if variant == "stored":
        _rezip(original, target, compression=zipfile.ZIP_STORED)
    elif variant == "extra-fields":  # what Info-ZIP writes: an extended timestamp
        _rezip(original, target, extra=b"UT\x05\x00\x03\x00\x00\x00\x00")
    elif variant == "comment":
        with zipfile.ZipFile(_rezip(original, target), "a") as archive:
            archive.comment = b"built by hand"
    elif variant == "prefixed":  # a self-extractor stub in front: zipfile still reads it
        _rezip(original, target, prefix=b"#!/bin/sh\nexit 0\n")
    else:
        with zipfile.ZipFile(original) as old, zipfile.ZipFile(target, "w") as new:
            for info in old.infolist():
                data = old.read(info)
                if info.filename.endswith("METADATA"):
                    data = data.replace(b"\n", b"\r\n")
                new.writestr(info, data)
    report = publish(store)
    assert report.rejected == {}
    assert Path(f"{target}.metadata").read_bytes() == wheel_metadata(target)
    page = Page((store.simple / "odd" / "index.html").read_text(encoding="utf-8"))
    ((attrs, _),) = page.anchors
    assert attrs["data-requires-python"] == ">=3.9"


@pytest.mark.parametrize(
    "metadata",
    [
        b"Metadata-Version: 2.1\nName: a\nVersion: 1.0\nRequires-Python: >=3.8\n\nBody\n",
        b"Metadata-Version: 2.1\r\nName: a\r\nVersion: 1.0\r\nRequires-Python: >=3.8\r\n\r\n",
        b"Metadata-Version: 2.1\rName: a\rVersion: 1.0\r\rRequires-Python: >=3.8\r",
        b"Name: a\nVersion: 1.0\nRequires-Python: >=3.8,\n <4,\n\t!=3.9.*\nSummary: x\n",
        b"name: a\nVERSION: 1.0\nrequires-python:>=3.8\n",
        b"Name: a\nName: b\nVersion: 1.0\nVersion: 2.0\n",
        b"Name: a\nnot a header line\nVersion: 1.0\n",
        b"Name: a\n: empty name\nVersion: 1.0\n",
        b"Name: a\nBad Name: x\nVersion: 1.0\n",
        b" folded first\nName: a\nVersion: 1.0\n",
        b"Name: a\nVersion: 1.0\n\nRequires-Python: >=3.8\n",
        b"Name:\nVersion:   1.0   \nRequires-Python: \n",
        b"Name: caf\xc3\xa9\nVersion: 1.0\n",
        b"",
    ],
)
def test_metadata_headers_are_read_as_email_reads_them(metadata: bytes) -> None:
    """The small header parser agrees with the stdlib's, values unfolded and stripped."""
    text = metadata.decode("utf-8", "replace")
    message = email.parser.Parser(policy=email.policy.compat32).parsestr(text)
    ours = parse_headers(metadata)
    for field in ("name", "version", "requires-python"):
        value = message.get(field)
        expected = None if value is None else re.sub(r"\r?\n|\r", "", value).strip()
        assert ours.get(field) == expected, field


# -- the state file -----------------------------------------------------------------


def test_a_damaged_state_means_a_full_republish_not_a_wrong_index(chain: Store) -> None:
    expected = {p: p.read_bytes() for p in all_files(chain.simple)}
    state = chain.state / "index-state.json"
    data = state.read_bytes()
    digest = sha256(chain.wheels / "leaf-1.0-py3-none-any.whl")
    assert digest.encode() in data
    # one wrong digit, still well-formed: must not end up on a page
    wrong = digest[:-1] + ("1" if digest.endswith("0") else "0")
    state.write_bytes(data.replace(digest.encode(), wrong.encode()))
    age_pages(chain.simple)

    report = publish(chain)

    assert report.read == 4
    assert {p: p.read_bytes() for p in all_files(chain.simple)} == expected
    for cut in (len(data) // 2, 10, 0):  # a torn file reads as no state too
        state.write_bytes(data[:cut])
        assert publish(chain).read == 4
        assert {p: p.read_bytes() for p in all_files(chain.simple)} == expected
    assert publish(chain).read == 0


def test_without_a_state_stale_project_pages_are_removed(chain: Store) -> None:
    (chain.state / "index-state.json").unlink()
    (chain.wheels / "app-1.0-py3-none-any.whl").unlink()
    report = publish(chain)
    assert report.read == 3
    assert sorted(p.name for p in chain.simple.iterdir() if p.is_dir()) == ["leaf", "mid"]


def test_files_are_world_readable_whatever_the_umask(store: Store) -> None:
    make_wheel(store.wheels, "private", "1.0")
    old = os.umask(0o077)
    try:
        publish(store)
    finally:
        os.umask(old)
    written = [*store.wheels.glob("*.metadata"), *all_files(store.simple)]
    assert len(written) == 5
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path
