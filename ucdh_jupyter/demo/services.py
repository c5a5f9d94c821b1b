"""What the demo runs next to Jupyter, set up once for every way of starting it.

``make demo`` (``ucdh-jupyter demo``) and Binder (``binder/start``, through
``ucdh-jupyter demo --exec``) both use :func:`demo_services`: the seeded local AWS, the
local Databricks, the runs bucket, the wheelhouse the run machines install from, the example
notebooks, and an environment that hides the user's real AWS and Databricks settings. The
Jupyter server gets :func:`ucdh_settings` as command-line options or as a config file.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config.runs import RunsSettings
from .databricks import LocalDatabricks
from .localaws import DEMO_ACCOUNT, DEMO_REGION, LocalAws, apply_demo_environment
from .scheduler import LocalScheduler
from .seed import BATCH_JOB_DEFINITION, BATCH_JOB_QUEUE, RUN_ENDS_TOPIC, seed, write_demo_notebook
from .wheelhouse import wheelhouse

NOTEBOOKS = Path(__file__).parent / "notebooks"
# Runs are staged here; the stand-in machines run their real boot script against it.
RUNS_BUCKET = "ucdh-demo-runs"
# Short heartbeats make a demo run's progress visible within seconds.
RUNS_HEARTBEAT_SECONDS = 5
# How long the local Databricks "starts a cluster" (minutes in a real workspace).
DATABRICKS_PENDING_SECONDS = 3.0
# The demo's JupyterLab runs on no AWS machine: a large stand-in type shows how the status
# header prices the researcher's own machine, and the idle suggestion comes within minutes.
WORKSPACE_INSTANCE_TYPE = "m5.4xlarge"
WORKSPACE_IDLE_MINUTES = 2.0


def prepare_workspace(root: Path) -> Path:
    """The demo's Jupyter root: the example notebooks (an edited copy is never overwritten)."""
    root.mkdir(parents=True, exist_ok=True)
    for notebook in NOTEBOOKS.glob("*.ipynb"):
        target = root / notebook.name
        # With this machine's kernel metadata, so opening it marks nothing changed; a copy
        # the researcher edited stays as it is.
        write_demo_notebook(notebook, target)
    return root


def hide_databricks_config(scratch: Path) -> None:
    """Make this process (and JupyterLab, its kernels) blind to the user's real Databricks:
    no ``DATABRICKS_*`` variables, an empty ``~/.databrickscfg`` stand-in."""
    for name in [name for name in os.environ if name.startswith("DATABRICKS_")]:
        del os.environ[name]
    empty = scratch / "databrickscfg"
    empty.write_text("")
    os.environ["DATABRICKS_CONFIG_FILE"] = str(empty)


def databricks_token_file(local: LocalDatabricks, scratch: Path) -> str:
    """The stand-in's token in a private file, as an admin would hand a real one over."""
    path = scratch / "databricks-token"
    path.touch(mode=0o600)
    path.write_text(local.token)
    return str(path)


def ucdh_settings(
    endpoint_url: str, runs_store: str, databricks: tuple[str, str] | None = None
) -> dict[str, Any]:
    """The extension's settings (``UcdhConfig`` traits) in the demo: the local AWS, the runs
    bucket and, given ``(host, token file)``, the local Databricks."""
    settings: dict[str, Any] = {
        "mode": "local",
        "endpoint_url": endpoint_url,
        "region": DEMO_REGION,
        "runs_bucket": RUNS_BUCKET,
        "runs_heartbeat_seconds": RUNS_HEARTBEAT_SECONDS,
        "runs_store_path": runs_store,
        # The stand-in run machines execute their real boot script and have no internet:
        # packages come from the S3 wheel cache, filled from the local wheelhouse.
        "runs_wheel_cache": True,
        "runs_wheelhouse": wheelhouse(),
        "workspace_instance_type": WORKSPACE_INSTANCE_TYPE,
        "workspace_idle_minutes": WORKSPACE_IDLE_MINUTES,
        # Run-end e-mail through the local SNS, which confirms at once and delivers nothing.
        "runs_notify_topic_arn": f"arn:aws:sns:{DEMO_REGION}:{DEMO_ACCOUNT}:{RUN_ENDS_TOPIC}",
        # Sweeps run as Batch array jobs, on this host's stand-in containers.
        "runs_batch_job_queue": BATCH_JOB_QUEUE,
        "runs_batch_job_definition": BATCH_JOB_DEFINITION,
        # A schedule "every minute" shows a recurring run within a minute in the demo.
        "runs_schedule_min_interval_minutes": 1,
    }
    if databricks is not None:
        settings["databricks_host"], settings["databricks_token_file"] = databricks
    return settings


@dataclass
class DemoServices:
    """The running pieces of one demo (see :func:`demo_services`)."""

    aws: LocalAws
    databricks: LocalDatabricks
    root: Path
    scratch: Path
    seeded: dict[str, Any] = field(default_factory=dict)

    @property
    def runs_store(self) -> str:
        """This demo's own run list: two demos (or a demo and a real server) must never
        follow, fail or reap each other's runs, as each has its own local AWS."""
        return str(self.scratch / "runs.sqlite")

    def settings(self) -> dict[str, Any]:
        """The ``UcdhConfig`` settings of the Jupyter server this demo serves."""
        token_file = databricks_token_file(self.databricks, self.scratch)
        return ucdh_settings(
            self.aws.endpoint_url, self.runs_store, (self.databricks.host, token_file)
        )

    def lab_settings_dir(self) -> str:
        """JupyterLab's application settings folder for this demo: the installed one's
        files, plus an override that switches the news feed off. Without it, JupyterLab
        asks every newcomer whether to fetch news from the internet (its toast shows
        while the setting is undecided, whatever the server's news URL)."""
        from jupyterlab.commands import get_app_dir

        folder = self.scratch / "lab-settings"
        if not folder.exists():
            installed = Path(get_app_dir()) / "settings"
            if installed.is_dir():
                shutil.copytree(installed, folder)
            overrides = folder / "overrides.d"
            overrides.mkdir(parents=True, exist_ok=True)
            news_off = {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false"}}
            (overrides / "ucdh-demo.json").write_text(json.dumps(news_off, indent=1))
        return str(folder)

    def summary(self, url: str | None, stop: str) -> str:
        """The block the demo ends its start with: where to go, what runs, how to stop."""
        data = [b for b in self.seeded.get("buckets", []) if b != RUNS_BUCKET]
        lines = [
            "",
            "ucdh-jupyter demo is running" + (":" if url else " (nothing here is real AWS):"),
        ]
        if url:
            lines.append(f"  Open              {url}")
        lines += [
            f"  Local AWS         {self.aws.endpoint_url}  (S3, EC2, STS, SSM; moto, "
            "throw-away credentials; your ~/.aws is not read)",
            f"  Local Databricks  {self.databricks.host}  (runs notebooks with papermill)",
            f"  Sample data       {', '.join('s3://' + b for b in data)}  "
            f"({self.seeded.get('objects', 0):,} synthetic objects)",
            f"  Runs bucket       s3://{RUNS_BUCKET}  (each run's notebook, log and results)",
            f"  Run machines      install packages from {wheelhouse()}",
            "  Schedules         backstops and recurring runs fire from here, every second "
            "(a local EventBridge Scheduler clock; Jupyter may be closed)",
            f"  Notebooks         {self.root}",
            f"  Stop              {stop} (the local AWS and Databricks stop with it; "
            "their data is thrown away)",
            "",
        ]
        return "\n".join(lines)


@contextlib.contextmanager
def demo_services(root: str | Path, aws_port: int = 0) -> Iterator[DemoServices]:
    """Start and seed the local AWS, start the local Databricks, copy the example notebooks
    into ``root`` and point this process's environment (inherited by Jupyter and its
    kernels) at them alone; stop everything on exit.

    The local EventBridge Scheduler clock ticks here, in the demo's process and not in
    Jupyter's: backstops and recurring runs fire with Jupyter closed, as on AWS."""
    with (
        LocalAws(port=aws_port) as local,
        tempfile.TemporaryDirectory(prefix="ucdh-demo-runs-") as scratch,
        LocalDatabricks(
            pending_seconds=DATABRICKS_PENDING_SECONDS, clock_seconds=1.0
        ) as databricks,
        LocalScheduler(
            local.client,
            RunsSettings.runs_backstop_schedule_group.default_value,
            [RunsSettings.runs_schedule_group.default_value],
        ),
    ):
        apply_demo_environment(local.endpoint_url)
        hide_databricks_config(Path(scratch))
        seeded = seed(local)
        workspace = prepare_workspace(Path(root).resolve())
        yield DemoServices(local, databricks, workspace, Path(scratch), seeded)
