"""Notebooks and waits shared by the run tests."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
import nbformat
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sns.models import sns_backends

from ucdh_jupyter.demo.localaws import DEMO_REGION, LocalAws
from ucdh_jupyter.runs.model import Run, RunState, new_run_id, parse_iso
from ucdh_jupyter.runs.service import RunRequest, RunService

from ..patience import patient

KERNELSPECS = {
    "python": {"name": "python3", "display_name": "Python 3", "language": "python"},
    "r": {"name": "ir", "display_name": "R", "language": "R"},
}


def write_notebook(
    path: Path, *cells: str, parameters: str | None = None, language: str = "python"
) -> Path:
    """A python3 (or R, IRkernel) notebook: an optional ``parameters`` cell, then one code
    cell per source."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = dict(KERNELSPECS[language])
    if language == "r":
        notebook.metadata["language_info"] = {"name": "R"}
    if parameters is not None:
        cell = nbformat.v4.new_code_cell(parameters)
        cell.metadata["tags"] = ["parameters"]
        notebook.cells.append(cell)
    notebook.cells.extend(nbformat.v4.new_code_cell(source) for source in cells)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, str(path))
    return path


def billed_hours_of(started_at: str | None, ended_at: str | None) -> float:
    """The hours a finished run's machine is billed for: start to end, a minute at least.
    A short notebook is billed the minute on a quiet machine, more on a loaded one."""
    start, end = parse_iso(started_at), parse_iso(ended_at)
    assert start is not None and end is not None, (started_at, ended_at)
    return max(60.0, (end - start).total_seconds()) / 3600


@dataclass(frozen=True)
class FlatRate:
    """The cost policy's pricing (``policy.Pricing``) with every type allowed at one
    hourly price: a run priced without the compute catalog."""

    usd_per_hour: float

    def rate(self, backend: str, instance_type: str) -> float | None:
        return self.usd_per_hour

    def check_allowed(self, backend: str, instance_type: str) -> None:
        return None


async def follow(ucdh_request: Any, run_id: str, done: Any, timeout: float = 45) -> dict:
    """GET the run (as the Runs section polls it) until ``done(run)`` holds, within
    ``timeout`` seconds on a quiet machine, stretched by ``patient`` on a slow one."""
    give_up = time.monotonic() + patient(timeout)
    while True:
        status, run = await ucdh_request("GET", f"runs/{run_id}")
        assert status == 200, run
        if done(run) or time.monotonic() > give_up:
            assert done(run), json.dumps(run, indent=1)
            return dict(run)
        await asyncio.sleep(0.2)


def final(run: dict) -> bool:
    """A run (as a route answers it) in a final state."""
    return RunState(run["state"]).final


def wait_for(
    service: RunService, run_id: str, done: Callable[[Run], bool], timeout: float = 45
) -> Run:
    """Refresh the run (as the monitor does) until ``done`` holds, within ``timeout``
    seconds on a quiet machine, stretched by ``patient`` on a slow one."""
    give_up = time.monotonic() + patient(timeout)
    while True:
        run = service.refresh(run_id)
        if done(run):
            return run
        if time.monotonic() > give_up:
            raise AssertionError(f"run stuck: {json.dumps(run.to_json(), indent=1)}")
        time.sleep(0.1)


def outputs_text(notebook: dict) -> str:
    """Every text output of an executed notebook, joined."""
    chunks = []
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            text = output.get("text") or output.get("data", {}).get("text/plain") or ""
            chunks.append("".join(text) if isinstance(text, list) else text)
    return "".join(chunks)


def make_run(**overrides: Any) -> Run:
    """A run in STAGING, not submitted anywhere: fields as a test needs them."""
    fields: dict[str, Any] = {
        "run_id": new_run_id(),
        "backend": "ec2",
        "owner": "researcher",
        "notebook_path": "study/analysis.ipynb",
        "instance_type": "t3.micro",
        "max_hours": 2,
    }
    return Run.create(**{**fields, **overrides})


def submit(service: RunService, root: Path, notebook: str, **fields: Any) -> Run:
    """Submit ``study/<notebook>`` on a t3.micro as the researcher."""
    request = RunRequest(
        notebook_path=f"study/{notebook}",
        instance_type=fields.pop("instance_type", "t3.micro"),
        **fields,
    )
    return service.submit(request, owner="researcher", root_dir=root)


def instance(ec2: Any, instance_id: str | None) -> dict[str, Any]:
    """DescribeInstances of one instance."""
    reply = ec2.describe_instances(InstanceIds=[str(instance_id)])
    return dict(reply["Reservations"][0]["Instances"][0])


def result_path(folder: str, stem: str, created_at: str, suffix: str = ".ipynb") -> str:
    """Where "Open result" copies a run's result: named by its UTC submission minute
    (``created_at`` as the run record carries it, ``2026-12-04T15:30:42Z``)."""
    created = datetime.fromisoformat(created_at.replace("Z", "+00:00"))
    where = f"{folder}/" if folder else ""
    return f"{where}{stem}.run-{created:%Y-%m-%d-%H%M}{suffix}"


def new_topic(local_aws: LocalAws) -> str:
    sns = boto3.client("sns", endpoint_url=local_aws.endpoint_url, region_name=DEMO_REGION)
    return str(sns.create_topic(Name=f"ucdh-run-ends-{uuid.uuid4().hex[:8]}")["TopicArn"])


def sent(topic: str) -> list[dict[str, Any]]:
    """What was published to ``topic`` in the local SNS (moto keeps every message)."""
    published = sns_backends[DEFAULT_ACCOUNT_ID][DEMO_REGION].topics[topic].sent_notifications
    return [
        {"subject": subject, "message": message, "attributes": attributes}
        for _id, message, subject, attributes, _group in published
    ]
