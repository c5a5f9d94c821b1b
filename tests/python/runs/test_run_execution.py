"""The real runner, executed locally against local S3 exactly as an instance would run it."""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any

import pytest

from ucdh_jupyter.runs import runner as protocol
from ucdh_jupyter.runs.model import FailureKind, RunState, new_run_id
from ucdh_jupyter.runs.service import RunService

from .conftest import RUNS_BUCKET
from .helpers import (
    FlatRate,
    billed_hours_of,
    instance,
    outputs_text,
    result_path,
    submit,
    wait_for,
)


def _object(s3: Any, run_prefix: str, relative: str) -> Any:
    body = s3.get_object(Bucket=RUNS_BUCKET, Key=run_prefix + relative)["Body"].read()
    return body if relative == protocol.LOG_KEY else json.loads(body)


def _log(s3: Any, run_prefix: str) -> bytes:
    """The run's log as uploaded so far (empty before the first upload)."""
    try:
        return bytes(_object(s3, run_prefix, protocol.LOG_KEY))
    except s3.exceptions.NoSuchKey:
        return b""


def test_run_executes_notebook_with_parameters_and_brings_outputs_back(
    run_service: RunService, workspace: Path, s3: Any, ec2: Any
) -> None:
    # Given the analysis notebook, its data folder, two parameters and a known price
    run_service.policy.pricing = FlatRate(0.0104)
    parameters = {"alpha": 21, "label": "trial"}
    # When it is submitted and followed to its end
    run = submit(run_service, workspace, "analysis.ipynb", parameters=parameters, files=["data"])
    assert run.state is RunState.PROVISIONING
    run = wait_for(run_service, run.id, lambda r: r.final)
    # Then it succeeded with the parameters injected and the data file read
    assert run.state is RunState.SUCCEEDED, run.failure_message
    text = outputs_text(_object(s3, run.prefix, protocol.OUTPUT_KEY))
    assert "alpha is 21 label is trial" in text
    assert "FAKE-00001,42" in text
    assert "result 42" in text
    # and the states went forward in order, with progress and a final cost
    states = [step["state"] for step in run.history]
    assert states[0] == "STAGING" and states[-1] == "SUCCEEDED"
    assert states.index("SUBMITTED") < states.index("PROVISIONING") < states.index("RUNNING")
    assert run.progress.cell == run.progress.cells == 4  # the parameters cell counts
    # (t3.micro at $0.0104/h for the machine's time, a minute at least)
    hours = billed_hours_of(run.started_at, run.ended_at)
    assert run.cost_final_usd == pytest.approx(0.0104 * hours, abs=1e-6)
    # and the heartbeats reached S3 while it ran
    status = _object(s3, run.prefix, protocol.STATUS_KEY)
    assert status["beats"] >= 3 and status["heartbeat_at"]
    assert b"succeeded" in _object(s3, run.prefix, protocol.LOG_KEY)
    # and the instance exists no more
    assert instance(ec2, run.instance_id)["State"]["Name"] == "terminated"
    # and the executed notebook can be copied next to the original
    copied = run_service.copy_output(run.id, workspace)
    path = result_path("study", "analysis", run.created_at)
    assert copied == {"path": path, "html_path": None}
    executed = json.loads((workspace / path).read_text())
    assert "result 42" in outputs_text(executed)
    assert executed["metadata"]["ucdh"]["run_id"] == run.id


def test_failing_cell_fails_the_run_with_the_cell_and_partial_outputs(
    run_service: RunService, workspace: Path, s3: Any
) -> None:
    # Given a notebook whose third cell divides by zero, run with a parameter
    # When it runs to its end
    run = submit(run_service, workspace, "failing.ipynb", parameters={"alpha": 2})
    run = wait_for(run_service, run.id, lambda r: r.final)
    # Then it FAILED as a notebook error at that cell (index 2 of the submitted notebook)
    assert run.state is RunState.FAILED
    assert run.failure_kind is FailureKind.NOTEBOOK_ERROR
    assert run.failing_cell == 2
    assert "ZeroDivisionError" in (run.failure_message or "")
    # and the outputs up to the error were saved, the cells after it never ran
    for key in (protocol.PARTIAL_KEY, protocol.OUTPUT_KEY):
        text = outputs_text(_object(s3, run.prefix, key))
        assert "before the error" in text
        assert "never printed" not in text
    assert run.cost_final_usd is None  # no price was known for this run


def test_cancel_stops_the_run_and_keeps_its_partial_output(
    run_service: RunService, workspace: Path, s3: Any, ec2: Any
) -> None:
    # Given a slow notebook in its sleeping cell, which printed "sleeping" as it began
    # (papermill has not saved that output: the cell has printed nothing since), on a
    # machine whose boot started with SIGINT ignored, as a background job's is
    ignored = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        run = submit(run_service, workspace, "slow.ipynb")
        wait_for(run_service, run.id, lambda r: r.state is RunState.RUNNING)
    finally:
        signal.signal(signal.SIGINT, ignored)
    # (a heartbeat may carry the printed line before the cell count moves on)
    run = wait_for(
        run_service,
        run.id,
        lambda r: "started" in r.progress.last_lines and r.progress.cell == 3,
    )
    assert run.state is RunState.RUNNING
    assert run.progress.cell == 3 and run.progress.cells == 3
    wait_for(
        run_service,
        run.id,
        lambda r: b"sleeping" in _log(s3, r.prefix),
        timeout=30,
    )
    # When the researcher cancels it
    run = run_service.cancel(run.id)
    assert run.state in (RunState.CANCELLING, RunState.CANCELLED)
    run = wait_for(run_service, run.id, lambda r: r.final, timeout=20)
    # Then it is CANCELLED, its machine terminated, its partial output kept
    assert run.state is RunState.CANCELLED
    assert _object(s3, run.prefix, protocol.STATUS_KEY)["phase"] == "cancelled"
    output = _object(s3, run.prefix, protocol.OUTPUT_KEY)
    text = outputs_text(output)
    assert "started" in text and "slept" not in text
    # including what the cancelled cell printed, and where it was stopped
    assert "sleeping" in text
    errors = [
        o for c in output["cells"] for o in c.get("outputs", []) if o["output_type"] == "error"
    ]
    assert [e["ename"] for e in errors] == ["KeyboardInterrupt"]
    assert instance(ec2, run.instance_id)["State"]["Name"] == "terminated"
    # and cancelling again changes nothing
    assert run_service.cancel(run.id).state is RunState.CANCELLED


def test_double_submit_with_one_run_id_launches_one_instance(
    run_service: RunService, workspace: Path, ec2: Any
) -> None:
    # Given the run id the dialog generated when it opened
    run_id = run_service.prepare("study/analysis.ipynb", workspace)["new_run_id"]
    # When Submit is clicked twice
    first = submit(run_service, workspace, "analysis.ipynb", run_id=run_id)
    second = submit(run_service, workspace, "analysis.ipynb", run_id=run_id)
    # Then both clicks name the same run, and one instance exists for it
    assert first.id == second.id == run_id
    assert first.instance_id == second.instance_id
    found = ec2.describe_instances(Filters=[{"Name": "tag:ucdh:run-id", "Values": [run_id]}])
    instances = [i for r in found["Reservations"] for i in r["Instances"]]
    assert [i["InstanceId"] for i in instances] == [first.instance_id]
    assert instances[0]["ClientToken"] == run_id
    wait_for(run_service, run_id, lambda r: r.final)


def test_server_restart_mid_run_finds_the_run_and_follows_it_to_its_end(
    run_config: Any, run_service: RunService, workspace: Path
) -> None:
    # Given a run that is executing
    run = submit(run_service, workspace, "slow.ipynb", parameters={"seconds": 1})
    wait_for(run_service, run.id, lambda r: r.state is RunState.RUNNING)
    # When the Jupyter server restarts and its local store is gone
    run_service.store.close()
    Path(run_config.runs_store_path).unlink()
    restarted = RunService.from_config(run_config, run_service.aws)
    run_service.store = restarted.store
    assert restarted.list_runs() == []
    assert restarted.rebuild() >= 1
    # Then the run is listed again and followed to its end
    assert [r.id for r in restarted.list_runs()] == [run.id]
    done = wait_for(restarted, run.id, lambda r: r.final)
    assert done.state is RunState.SUCCEEDED
    assert done.notebook_path == "study/slow.ipynb"


def test_run_reaching_its_max_runtime_is_stopped_by_its_runner_as_a_timeout(
    run_service: RunService, workspace: Path, s3: Any
) -> None:
    # Given a notebook that sleeps for five minutes, and the shortest max runtime of an
    # EC2 run (one minute, the billing minimum)
    # When it runs
    run = submit(
        run_service,
        workspace,
        "slow.ipynb",
        max_hours=1 / 60,
        parameters={"seconds": 300},
        run_id=new_run_id(),
    )
    run = wait_for(run_service, run.id, lambda r: r.final, timeout=100)
    # Then the runner stopped it in time and says so
    assert run.state is RunState.FAILED
    assert run.failure_kind is FailureKind.TIMEOUT
    assert "max runtime" in (run.failure_message or "")
    assert _object(s3, run.prefix, protocol.STATUS_KEY)["exit_code"] == protocol.EXIT_STOPPED
