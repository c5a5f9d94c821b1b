"""S3 through the extension vs boto3 direct, against the same local S3 (moto) server.

Three processes, so no two share a GIL: the local S3 (moto server mode, seeded in
its own process through moto's backend), a Jupyter server with the extension, and
this client. Printed as ratios (extension / boto3), with the Jupyter server's RSS:

- first page of a 100,000-key prefix: ``GET s3/list`` vs one ``list_objects_v2``
  (target <= 1.5x), and server RSS after listing a small and the big prefix;
- 1 GiB upload: ``PUT s3/upload`` vs ``upload_file`` throughput (target >= 0.8x),
  server RSS growth (target <= 64 MiB); ``--big`` adds a 4 GiB upload;
- download: ``GET s3/download`` and the S3 -> workspace job vs ``download_file``
  (target >= 0.8x).

Usage: ``python bench/s3.py [--big] [--keys 100000] [--size-mib 1024]``.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import psutil

from ucdh_jupyter.demo.localaws import DEMO_REGION, LocalAws, demo_environment, free_port

BUCKET = "ucdh-bench"
BIG_PREFIX = "big/"
SMALL_PREFIX = "small/"
MiB = 1024 * 1024
TOKEN = "bench"


def serve_moto(port: int, keys: int) -> None:
    """Child process: a seeded local S3 on ``port`` until stdin closes."""
    local = LocalAws(port=port).start()
    s3 = local.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    body = b"@FAKE\nACGT\n+\nIIII\n"
    for start in range(0, keys, 10_000):
        batch = range(start, min(keys, start + 10_000))
        local.put_many(BUCKET, {f"{BIG_PREFIX}read-{i:06d}.fastq": body for i in batch})
    local.put_many(BUCKET, {f"{SMALL_PREFIX}read-{i:06d}.fastq": body for i in range(1000)})
    print("ready", flush=True)
    sys.stdin.read()
    local.stop()


class RssSampler:
    """The peak resident memory of a process while a block runs (sampled every 20 ms)."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()

    def rss(self) -> int:
        """Resident memory now, in bytes."""
        return int(self.process.memory_info().rss)

    def __enter__(self) -> RssSampler:
        self.before = self.rss()
        self.peak = self.before
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self.rss())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.rss())

    @property
    def growth_mib(self) -> float:
        """Peak minus the RSS before the block, in MiB."""
        return (self.peak - self.before) / MiB


class Jupyter:
    """A Jupyter server subprocess with the extension, pointed at the local S3."""

    def __init__(self, endpoint: str, root: Path) -> None:
        self.port = free_port()
        config = root.parent / "bench_config.py"
        config.write_text("c.ServerApp.jpserver_extensions = {'ucdh_jupyter': True}\n")
        command = [
            sys.executable,
            "-m",
            "jupyter_server",
            f"--port={self.port}",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.root_dir={root}",
            f"--IdentityProvider.token={TOKEN}",
            "--no-browser",
            "--ServerApp.allow_root=True",
            f"--config={config}",
            "--UcdhConfig.mode=local",
            f"--UcdhConfig.endpoint_url={endpoint}",
            f"--UcdhConfig.region={DEMO_REGION}",
        ]
        env = {**os.environ, **demo_environment(endpoint)}
        self.process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if self.request("GET", "status")[0] == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the Jupyter server did not start")

    def url(self, route: str, **params: str) -> str:
        """The path of a ucdh-jupyter route with query parameters."""
        query = urlencode(params, quote_via=quote)
        return f"/ucdh-jupyter/{route}" + (f"?{query}" if query else "")

    def connection(self) -> http.client.HTTPConnection:
        """A connection with big socket reads and writes."""
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=600, blocksize=MiB)

    def request(self, method: str, route: str, body: Any = None, **params: str) -> Any:
        """One JSON request; returns (status, parsed body)."""
        conn = self.connection()
        headers = {"Authorization": f"token {TOKEN}"}
        if body is not None:
            body = json.dumps(body)
        conn.request(method, self.url(route, **params), body=body, headers=headers)
        reply = conn.getresponse()
        data = reply.read()
        conn.close()
        return reply.status, json.loads(data) if data else None

    def stop(self) -> None:
        """Stop the server."""
        self.process.terminate()
        self.process.wait()


def median_seconds(fn: Any, runs: int) -> float:
    """Median wall time of ``fn()`` over ``runs`` calls (after one warm-up)."""
    fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def bench_listing(jupyter: Jupyter, s3: Any, keys: int, runs: int) -> None:
    """First page of the big prefix; server RSS for a small prefix vs the big one."""

    def extension(prefix: str) -> None:
        status, page = jupyter.request("GET", "s3/list", bucket=BUCKET, prefix=prefix)
        assert status == 200 and len(page["objects"]) == 1000, status

    def raw() -> None:
        reply = s3.list_objects_v2(Bucket=BUCKET, Prefix=BIG_PREFIX, Delimiter="/", MaxKeys=1000)
        assert reply["KeyCount"] == 1000

    sampler = RssSampler(jupyter.process.pid)
    with sampler:
        small = median_seconds(lambda: extension(SMALL_PREFIX), runs)
    small_rss = sampler.peak
    with sampler:
        ext = median_seconds(lambda: extension(BIG_PREFIX), runs)
    big_rss = sampler.peak
    direct = median_seconds(raw, runs)
    print(f"\n== first page of a {keys:,}-key prefix (median of {runs})")
    print(f"boto3 list_objects_v2:        {direct * 1000:8.1f} ms")
    print(f"GET s3/list (extension):      {ext * 1000:8.1f} ms")
    print(f"ratio extension / boto3:      {ext / direct:8.2f} x   (target <= 1.5)")
    print(f"first page of 1,000 keys:     {small * 1000:8.1f} ms")
    print(
        f"server RSS peak, 1,000-key prefix: {small_rss / MiB:.1f} MiB; "
        f"{keys:,}-key prefix: {big_rss / MiB:.1f} MiB "
        f"(difference {(big_rss - small_rss) / MiB:+.1f} MiB)"
    )


def make_file(path: Path, size: int) -> str:
    """A file of ``size`` random-looking bytes; returns its sha256."""
    block = os.urandom(64 * MiB)
    digest = hashlib.sha256()
    with path.open("wb") as handle:
        left = size
        while left:
            chunk = block[: min(left, len(block))]
            handle.write(chunk)
            digest.update(chunk)
            left -= len(chunk)
    return digest.hexdigest()


def upload_route(jupyter: Jupyter, path: Path, key: str) -> None:
    """PUT the file through the extension, streamed from disk (as a browser would)."""
    conn = jupyter.connection()
    size = path.stat().st_size
    headers = {"Authorization": f"token {TOKEN}", "Content-Length": str(size)}
    with path.open("rb") as handle:
        conn.request(
            "PUT", jupyter.url("s3/upload", bucket=BUCKET, key=key), body=handle, headers=headers
        )
        reply = conn.getresponse()
        assert reply.status == 201, reply.read()
        reply.read()
    conn.close()


def download_route(jupyter: Jupyter, key: str, target: Path) -> None:
    """GET the object through the extension into a file (as a browser saves it)."""
    conn = jupyter.connection()
    conn.request(
        "GET",
        jupyter.url("s3/download", bucket=BUCKET, key=key),
        headers={"Authorization": f"token {TOKEN}"},
    )
    reply = conn.getresponse()
    assert reply.status == 200
    with target.open("wb") as handle:
        while chunk := reply.read(MiB):
            handle.write(chunk)
    conn.close()


def get_object_to_file(s3: Any, key: str, target: Path) -> None:
    """One un-ranged GetObject streamed to a file: the route's own access pattern."""
    body = s3.get_object(Bucket=BUCKET, Key=key)["Body"]
    with target.open("wb") as handle:
        for chunk in body.iter_chunks(MiB):
            handle.write(chunk)


def workspace_copy(jupyter: Jupyter, key: str, path: str) -> None:
    """S3 -> workspace through a transfer job, polled until it ends."""
    status, job = jupyter.request(
        "POST",
        "s3/transfers",
        {
            "direction": "to_workspace",
            "bucket": BUCKET,
            "key": key,
            "path": path,
            "overwrite": True,
        },
    )
    assert status == 202, job
    while job["state"] not in ("succeeded", "failed", "cancelled"):
        time.sleep(0.02)
        _, job = jupyter.request("GET", f"s3/transfers/{job['id']}")
    assert job["state"] == "succeeded", job


def timed(fn: Any) -> float:
    """Wall time of one call."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_transfer(
    jupyter: Jupyter, s3: Any, root: Path, size: int, download: bool, runs: int
) -> None:
    """Upload (and unless ``download`` is off: download, workspace copy) of ``size`` bytes."""
    scratch = root.parent / "scratch"
    scratch.mkdir(exist_ok=True)
    source = scratch / "source.bin"
    digest = make_file(source, size)
    label = size_label(size)

    sampler = RssSampler(jupyter.process.pid)
    # Alternating runs, medians: one run on a small shared VM is too noisy to compare.
    direct_runs, route_runs, growth, cpu = [], [], 0.0, []
    for _ in range(runs):
        direct_runs.append(timed(lambda: s3.upload_file(str(source), BUCKET, "bench/boto3.bin")))
        s3.delete_object(Bucket=BUCKET, Key="bench/boto3.bin")
        s3.delete_object(Bucket=BUCKET, Key="bench/route.bin")  # a fresh key every run
        before = sum(sampler.process.cpu_times()[:2])
        with sampler:
            route_runs.append(timed(lambda: upload_route(jupyter, source, "bench/route.bin")))
        cpu.append(sum(sampler.process.cpu_times()[:2]) - before)
        growth = max(growth, sampler.growth_mib)
    direct_up, route_up = statistics.median(direct_runs), statistics.median(route_runs)
    report_upload(size, direct_up, route_up, growth, statistics.median(cpu), runs)
    print(f"server RSS peak (absolute):   {sampler.peak / MiB:8.1f} MiB")
    if not download:
        s3.delete_object(Bucket=BUCKET, Key="bench/route.bin")
        source.unlink()
        return

    target = scratch / "down.bin"
    direct_down = timed(lambda: s3.download_file(BUCKET, "bench/route.bin", str(target)))
    assert sha256_file(target) == digest, "upload through the route was not byte-exact"
    target.unlink()
    one_stream = timed(lambda: get_object_to_file(s3, "bench/route.bin", target))
    target.unlink()
    with sampler:
        route_down = timed(lambda: download_route(jupyter, "bench/route.bin", target))
    down_growth = sampler.growth_mib
    assert sha256_file(target) == digest
    target.unlink()
    with sampler:
        copy = timed(lambda: workspace_copy(jupyter, "bench/route.bin", "copied.bin"))
    copy_growth = sampler.growth_mib
    assert sha256_file(root / "copied.bin") == digest
    (root / "copied.bin").unlink()
    s3.delete_object(Bucket=BUCKET, Key="bench/route.bin")
    source.unlink()

    def rate(seconds: float) -> str:
        return f"{size / MiB / seconds:8.1f} MiB/s"

    print(f"\n== {label} download")
    print(f"boto3 download_file:          {rate(direct_down)}")
    print(f"GET s3/download (extension):  {rate(route_down)}")
    print(f"ratio extension / boto3:      {direct_down / route_down:8.2f} x   (target >= 0.8)")
    print(f"boto3 get_object, one stream: {rate(one_stream)}   (download_file fetches ranges)")
    print(f"ratio extension / one stream: {one_stream / route_down:8.2f} x")
    print(f"server RSS growth (peak):     {down_growth:8.1f} MiB")
    print(f"S3 -> workspace job:          {rate(copy)}")
    print(f"ratio workspace / boto3:      {direct_down / copy:8.2f} x   (target >= 0.8)")
    print(f"server RSS growth (peak):     {copy_growth:8.1f} MiB")


def size_label(size: int) -> str:
    """``1 GiB`` or ``256 MiB``."""
    return f"{size / 1024**3:g} GiB" if size >= 1024**3 else f"{size // MiB} MiB"


def report_upload(
    size: int, direct: float, route: float, growth: float, cpu: float, runs: int
) -> None:
    """Print the upload figures."""
    print(f"\n== {size_label(size)} upload (median of {runs})")
    print(f"boto3 upload_file:            {size / MiB / direct:8.1f} MiB/s")
    print(f"PUT s3/upload (extension):    {size / MiB / route:8.1f} MiB/s")
    print(f"ratio extension / boto3:      {direct / route:8.2f} x   (target >= 0.8)")
    print(f"server RSS growth (peak):     {growth:8.1f} MiB   (target <= 64)")
    print(f"server CPU per GiB:           {cpu / (size / 1024**3):8.1f} s")


def sha256_file(path: Path) -> str:
    """The sha256 of a file, read in 8 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(8 * MiB):
            digest.update(block)
    return digest.hexdigest()


def main() -> None:
    """Start the local S3 and Jupyter, run every benchmark, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keys", type=int, default=100_000, help="keys in the big prefix")
    parser.add_argument("--size-mib", type=int, default=1024, help="upload/download size")
    parser.add_argument("--big", action="store_true", help="also a 4 GiB transfer")
    parser.add_argument("--runs", type=int, default=5, help="listing runs (median)")
    parser.add_argument("--upload-runs", type=int, default=3, help="upload runs (median)")
    parser.add_argument(
        "--only", choices=["listing", "upload", "transfer"], help="run one part only"
    )
    parser.add_argument("--serve-moto", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_moto:
        serve_moto(args.serve_moto, args.keys)
        return
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    moto = subprocess.Popen(
        [sys.executable, __file__, f"--serve-moto={port}", f"--keys={args.keys}"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert moto.stdout is not None and moto.stdout.readline().strip() == "ready"
    os.environ.update(demo_environment(endpoint))
    work = Path(tempfile.mkdtemp(prefix="ucdh-bench-s3-"))
    root = work / "root"
    root.mkdir()
    jupyter = Jupyter(endpoint, root)
    try:
        import boto3

        s3 = boto3.client("s3", endpoint_url=endpoint, region_name=DEMO_REGION)
        print(
            f"local S3 {endpoint} (own process), Jupyter pid {jupyter.process.pid}, "
            f"{os.cpu_count()} CPUs"
        )
        if args.only in (None, "listing"):
            bench_listing(jupyter, s3, args.keys, args.runs)
        if args.only != "listing":
            download = args.only != "upload"
            bench_transfer(jupyter, s3, root, args.size_mib * MiB, download, args.upload_runs)
            if args.big:  # upload only: moto re-reads the whole object for every range
                bench_transfer(jupyter, s3, root, 4 * 1024 * MiB, download=False, runs=1)
    finally:
        jupyter.stop()
        shutil.rmtree(work, ignore_errors=True)
        assert moto.stdin is not None
        moto.stdin.close()
        moto.wait()


if __name__ == "__main__":
    main()
