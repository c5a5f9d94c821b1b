"""How much the extension adds to Jupyter server start (target: < 150 ms).

Two measurements:
1. wall time from process start until ``/api/status`` answers, for a server with the
   extension disabled and enabled (median of N alternating runs; noisy, 2 cores);
2. the extension's own cost in a fresh interpreter where jupyter_server is already
   imported: ``import ucdh_jupyter`` + ``load()`` (precise).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

from ucdh_jupyter.demo.localaws import free_port

RUNS = int(os.environ.get("BENCH_RUNS", "5"))


def server_ready_seconds(enabled: bool) -> float:
    """Seconds from spawning ``jupyter server`` until its REST API answers."""
    port = free_port()
    root = tempfile.mkdtemp(prefix="ucdh-bench-")
    config = os.path.join(root, "bench_config.py")
    with open(config, "w") as handle:
        handle.write(f"c.ServerApp.jpserver_extensions = {{'ucdh_jupyter': {enabled}}}\n")
    command = [
        sys.executable,
        "-m",
        "jupyter_server",
        f"--port={port}",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.token=bench",
        "--no-browser",
        "--ServerApp.allow_root=True",
        f"--config={config}",
        "--UcdhConfig.region=us-east-1",
    ]
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/api/status?token=bench"
        while True:
            try:
                with urllib.request.urlopen(url, timeout=1) as reply:
                    if reply.status == 200:
                        return time.perf_counter() - start
            except OSError:
                if process.poll() is not None:
                    raise RuntimeError(f"jupyter server exited: {' '.join(command)}") from None
                time.sleep(0.01)
    finally:
        process.terminate()
        process.wait()


# Runs are configured, so load() takes the path that also schedules the run sweeps; the
# sweeps themselves are queued on the event loop (never started here), as in a real start.
LOAD_PROBE = """
import logging, time
import jupyter_server.serverapp  # the server itself is loaded before extensions
from traitlets.config import Config, Configurable
start = time.perf_counter()
import ucdh_jupyter
from ucdh_jupyter.extension import load
class WebApp:
    settings = {"base_url": "/"}
    def add_handlers(self, host, handlers):
        self.handlers = handlers
class Loop:
    queued = []
    def add_callback(self, callback, *args):
        self.queued.append(callback)
app = Configurable(config=Config({"UcdhConfig": {"runs_bucket": "bench-runs"}}))
app.web_app, app.log, app.io_loop = WebApp(), logging.getLogger(), Loop()
app.ip, app.port = "127.0.0.1", 8888
load(app)
elapsed = (time.perf_counter() - start) * 1000
# The run sweeps and publishing the final port to kernels wait for the event loop.
assert len(Loop.queued) == 2, "the run sweeps must be deferred to the event loop"
print(elapsed)
"""


def extension_load_ms() -> float:
    """Milliseconds to import and load the extension in a fresh interpreter."""
    samples = []
    for _ in range(RUNS):
        out = subprocess.run(
            [sys.executable, "-c", LOAD_PROBE], capture_output=True, text=True, check=True
        ).stdout
        samples.append(float(out.strip().splitlines()[-1]))
    return statistics.median(samples)


def main() -> None:
    """Print both measurements and the ratio to the 150 ms budget."""
    without, with_ext = [], []
    for _ in range(RUNS):
        without.append(server_ready_seconds(False))
        with_ext.append(server_ready_seconds(True))
    base, ext = statistics.median(without), statistics.median(with_ext)
    load_ms = extension_load_ms()
    print(f"server ready, extension off: {base * 1000:.0f} ms (median of {RUNS})")
    print(f"server ready, extension on:  {ext * 1000:.0f} ms (median of {RUNS})")
    print(f"added to start (wall, noisy): {(ext - base) * 1000:+.0f} ms; ratio {ext / base:.3f}")
    print(
        f"extension import + load:      {load_ms:.1f} ms = {load_ms / 150:.2f} x the 150 ms budget"
    )


if __name__ == "__main__":
    main()
