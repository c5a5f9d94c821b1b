"""Server time to submit a run, up to the moment ``RunInstances`` is sent (target: < 1 s).

AWS time (S3 staging puts, the SSM AMI lookup, the DryRun preflight) is measured
through botocore's before-call/after-call events and subtracted: what remains is the
extension's own work (checks, notebook parsing, environment pinning, packing).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import nbformat

from ucdh_jupyter.aws import AwsClients
from ucdh_jupyter.config import UcdhConfig
from ucdh_jupyter.demo.localaws import DEMO_REGION, LocalAws, apply_demo_environment
from ucdh_jupyter.runs.ec2 import Ec2Backend
from ucdh_jupyter.runs.service import RunRequest, RunService

RUNS = int(os.environ.get("BENCH_RUNS", "5"))


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
    return "study/analysis.ipynb"


class AwsClock:
    """Sums time spent inside AWS calls and notes when RunInstances (not dry run) starts."""

    def __init__(self) -> None:
        self.aws_seconds = 0.0
        self.launch_at: float | None = None
        self._started: dict[int, float] = {}

    def before(self, model: Any, params: Any, context: Any, **_: Any) -> None:
        now = time.perf_counter()
        if model.name == "RunInstances" and not params.get("DryRun") and self.launch_at is None:
            self.launch_at = now
        self._started[id(context)] = now

    def after(self, context: Any, **_: Any) -> None:
        started = self._started.pop(id(context), None)
        if started is not None and self.launch_at is None:
            self.aws_seconds += time.perf_counter() - started


def submit_once(local: LocalAws, root: Path, path: str, index: int) -> tuple[float, float]:
    """(wall seconds until RunInstances, of which AWS seconds) for one fresh submit."""
    config = UcdhConfig(
        mode="local",
        endpoint_url=local.endpoint_url,
        region=DEMO_REGION,
        runs_bucket="ucdh-bench-runs",
        runs_prefix=f"bench/{index}/",
        runs_store_path=str(root / f"store-{index}.sqlite"),
    )
    aws = AwsClients(config)
    clock = AwsClock()
    aws.session().events.register("before-call", clock.before)
    aws.session().events.register("after-call", clock.after)
    service = RunService.from_config(config, aws)
    start = time.perf_counter()
    service.submit(
        RunRequest(notebook_path=path, instance_type="m5.large", files=["visits.csv"]),
        owner="bench",
        root_dir=root,
    )
    backend = service._backends.get("ec2")
    if isinstance(backend, Ec2Backend) and backend.local is not None:
        backend.local.stop_all()
    service.close()
    assert clock.launch_at is not None, "RunInstances was never sent"
    return clock.launch_at - start, clock.aws_seconds


def main() -> None:
    """Print the median server time before RunInstances against the 1 s budget."""
    with LocalAws() as local:
        apply_demo_environment(local.endpoint_url)
        local.client("s3").create_bucket(Bucket="ucdh-bench-runs")
        root = Path(tempfile.mkdtemp(prefix="ucdh-bench-submit-"))
        path = notebook(root)
        samples = [submit_once(local, root, path, i) for i in range(RUNS)]
    walls = [wall for wall, _ in samples]
    own = [wall - aws for wall, aws in samples]
    print(f"submit until RunInstances, wall:        {statistics.median(walls) * 1000:.0f} ms")
    print(
        f"  of which AWS calls (staging, preflight): "
        f"{statistics.median([a for _, a in samples]) * 1000:.0f} ms"
    )
    server = statistics.median(own)
    print(
        f"server time before RunInstances:       {server * 1000:.0f} ms "
        f"= {server:.2f} x the 1 s budget (median of {RUNS}; first run {own[0] * 1000:.0f} ms)"
    )


if __name__ == "__main__":
    main()
