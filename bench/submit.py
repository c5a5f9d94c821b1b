"""Server time to submit a run, up to the moment ``RunInstances`` is sent (target: 150 ms).

As a researcher does it: one running server (its AWS clients built, as after its first
request), the run dialog opened (``prepare``, not timed: it is on screen while the
researcher chooses), then the submit, timed from the request body to RunInstances.

AWS time (S3 record and staging puts, the SSM AMI lookup, DescribeImages/Subnets, the
DryRun preflight) is measured through botocore's before-call/after-call events and
subtracted as the union of the calls' intervals (staging uploads overlap: their sum
would subtract more than the time they took); what remains is the extension's own work
(checks, notebook parsing, environment pinning, record keeping, packing).

The first submit of a fresh server (clients to build, nothing cached) is printed apart.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import nbformat

from ucdh_jupyter.aws import AwsClients
from ucdh_jupyter.config import UcdhConfig
from ucdh_jupyter.demo.localaws import DEMO_REGION, LocalAws, apply_demo_environment
from ucdh_jupyter.runs.service import RunRequest, RunService

RUNS = int(os.environ.get("BENCH_RUNS", "7"))
BUDGET_MS = 150.0
# This bench on the code before issue 11's point 9 (commit 72a0afb), this machine,
# 2026-12-05: median server time of a warm submit over three bench runs (299, 274,
# 294 ms; wall 401-431 ms). Most of it was pinning the notebook's imports
# (importlib.metadata.packages_distributions over every installed distribution) at
# every submit. The previous version of this bench read 490 ms to 2.6 s for that code:
# it built a new server per submit, and stopped its clock at the DryRun preflight
# (it looked for DryRun in the request dict, whose EC2 query body carries it), so the
# record, the staging and the launch were never in its figure.
OLD_SERVER_MS = 294.0
OLD_WALL_MS = 402.0
OLD_MEASURED = "2026-12-05, commit 72a0afb"


def notebook(root: Path) -> str:
    """A study folder with a parameterised notebook, a data file and imports to pin."""
    study = root / "study"
    study.mkdir(parents=True)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    params = nbformat.v4.new_code_cell("alpha = 0.5")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell("import json, boto3, pandas\nprint(alpha)")]
    nb.cells += [nbformat.v4.new_code_cell(f"x{i} = {i}") for i in range(200)]
    nbformat.write(nb, str(study / "analysis.ipynb"))
    (study / "visits.csv").write_text("id,value\n" + "".join(f"{i},{i}\n" for i in range(20000)))
    (study / "codebook.txt").write_text("id: visit id\nvalue: a made-up measure\n")
    return "study/analysis.ipynb"


class AwsClock:
    """Intervals spent inside AWS calls until RunInstances (not the dry run) starts."""

    def __init__(self) -> None:
        self.launch_at: float | None = None
        self.intervals: list[tuple[float, float]] = []
        self._started: dict[int, float] = {}
        self._lock = threading.Lock()

    def reset(self) -> None:
        """Forget the previous submit."""
        with self._lock:
            self.launch_at = None
            self.intervals.clear()
            self._started.clear()

    def before(self, model: Any, params: Any, context: Any, **_: Any) -> None:
        now = time.perf_counter()
        with self._lock:
            # The EC2 query body carries DryRun=true for the preflight: not the launch.
            body = params.get("body")
            dry = isinstance(body, dict) and str(body.get("DryRun", "")).lower() == "true"
            if model.name == "RunInstances" and not dry:
                self.launch_at = self.launch_at or now
            self._started[id(context)] = now

    def after(self, context: Any, **_: Any) -> None:
        now = time.perf_counter()
        with self._lock:
            started = self._started.pop(id(context), None)
            if started is not None and self.launch_at is None:
                self.intervals.append((started, now))

    def aws_seconds(self) -> float:
        """Wall time during which at least one AWS call was under way."""
        total, reach = 0.0, float("-inf")
        for start, end in sorted(self.intervals):
            if end > reach:
                total += end - max(start, reach)
                reach = end
        return total


class Server:
    """One Jupyter server's run service against the local AWS, with its AWS clock."""

    def __init__(self, local: LocalAws, root: Path, name: str) -> None:
        config = UcdhConfig(
            mode="local",
            endpoint_url=local.endpoint_url,
            region=DEMO_REGION,
            runs_bucket="ucdh-bench-runs",
            runs_prefix=f"bench/{name}/",
            runs_store_path=str(root / f"store-{name}.sqlite"),
            # The stand-in machines wait: no boot competes with the submits for the CPU.
            runs_local_boot_seconds=3600,
        )
        self.aws = AwsClients(config)
        self.clock = AwsClock()
        self.aws.session().events.register("before-call", self.clock.before)
        self.aws.session().events.register("after-call", self.clock.after)
        self.service = RunService.from_config(config, self.aws)
        self.root = root

    def submit(self, path: str, owner: str) -> tuple[float, float]:
        """Open the dialog, then submit: (wall seconds until RunInstances, AWS seconds)."""
        self.service.prepare(path, self.root)
        self.clock.reset()
        start = time.perf_counter()
        body = {"notebook_path": path, "instance_type": "m5.large", "files": ["visits.csv"]}
        self.service.submit(RunRequest.parse(body), owner=owner, root_dir=self.root)
        assert self.clock.launch_at is not None, "RunInstances was never sent"
        return self.clock.launch_at - start, self.clock.aws_seconds()

    def close(self) -> None:
        """Stop the stand-in machines and close the store."""
        local = getattr(self.service._backends.get("ec2"), "local", None)
        if local is not None:
            local.stop_all()
        self.service.close()


def main() -> None:
    """Print the median server time before RunInstances against the old figure."""
    with LocalAws() as local:
        apply_demo_environment(local.endpoint_url)
        local.client("s3").create_bucket(Bucket="ucdh-bench-runs")
        root = Path(tempfile.mkdtemp(prefix="ucdh-bench-submit-"))
        path = notebook(root)
        fresh = Server(local, root, "fresh")
        first = fresh.submit(path, "bench-first")
        fresh.close()
        server = Server(local, root, "warm")
        server.submit(path, "bench-warmup")
        samples = [server.submit(path, f"bench-{i}") for i in range(RUNS)]
        server.close()
    walls = [wall for wall, _ in samples]
    own = statistics.median(wall - aws for wall, aws in samples) * 1000
    wall = statistics.median(walls) * 1000
    print(
        f"submit until RunInstances, wall:           {wall:.0f} ms "
        f"= {wall / OLD_WALL_MS:.2f} x the old {OLD_WALL_MS:.0f} ms"
    )
    print(
        "  of which AWS calls (record, staging, preflight): "
        f"{statistics.median(aws for _, aws in samples) * 1000:.0f} ms"
    )
    print(
        f"server time before RunInstances:          {own:.0f} ms (median of {RUNS})\n"
        f"  = {own / OLD_SERVER_MS:.2f} x the old {OLD_SERVER_MS:.0f} ms ({OLD_MEASURED})\n"
        f"  = {own / BUDGET_MS:.2f} x the {BUDGET_MS:.0f} ms budget"
    )
    print(
        f"first submit of a fresh server (AWS clients built, nothing cached): "
        f"{(first[0] - first[1]) * 1000:.0f} ms server time"
    )


if __name__ == "__main__":
    main()
