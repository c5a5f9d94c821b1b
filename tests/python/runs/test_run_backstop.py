"""The AWS-side backstop: a one-time schedule terminates a run's machine after its deadline
even when neither the machine nor Jupyter acts, and goes away when the run ends."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber

from ucdh_jupyter.aws import AwsClients
from ucdh_jupyter.config import UcdhConfig
from ucdh_jupyter.demo.localaws import LocalAws
from ucdh_jupyter.demo.scheduler import due_time, fire_due
from ucdh_jupyter.errors import UcdhError
from ucdh_jupyter.runs.backstop import LOCAL_ROLE_ARN, schedule_name
from ucdh_jupyter.runs.ec2 import Ec2Backend
from ucdh_jupyter.runs.model import FailureKind, RunState, parse_iso
from ucdh_jupyter.runs.records import RunRecords
from ucdh_jupyter.runs.service import RunService

from .conftest import RUNS_BUCKET
from .helpers import instance, make_run, submit, wait_for

GROUP = "ucdh-runs"
ROLE = "arn:aws:iam::123456789012:role/hospital-runs-backstop"


def _schedule(scheduler: Any, run_id: str) -> dict[str, Any] | None:
    """The run's schedule as the local AWS holds it, or None when there is none."""
    try:
        return dict(scheduler.get_schedule(Name=schedule_name(run_id), GroupName=GROUP))
    except scheduler.exceptions.ResourceNotFoundException:
        return None


def _backend(config: UcdhConfig) -> Ec2Backend:
    """The EC2 backend alone: nothing plays the instance, so nothing on it acts."""
    aws = AwsClients(config)
    records = RunRecords(aws.client("s3"), RUNS_BUCKET, config.runs_prefix, None)
    return Ec2Backend(config, aws, records)


def test_launched_run_has_a_schedule_that_terminates_its_machine_after_the_deadline(
    run_settings: dict[str, Any], aws_env: dict[str, str], local_aws: LocalAws, ec2: Any
) -> None:
    # Given an administrator's backstop role and a 20-minute grace
    run_settings.update(runs_backstop_role_arn=ROLE, runs_backstop_grace_minutes=20)
    backend = _backend(UcdhConfig(**run_settings))
    scheduler = local_aws.client("scheduler")
    run = make_run(instance_type="t3.micro", max_hours=1.5)
    # When the run's machine is launched (twice, as a retried submit may)
    plan = backend.plan(run)
    backend.launch(run, plan)
    backend.launch(run, plan)
    assert len(backend.instances_of(run.id)) == 1
    # Then a one-time schedule exists at deadline + 20 minutes, deleting itself after
    schedule = _schedule(scheduler, run.id)
    assert schedule is not None
    deadline = parse_iso(run.deadline)
    assert deadline is not None
    due = due_time(schedule["ScheduleExpression"])
    assert due is not None
    assert timedelta(minutes=20) <= due - deadline < timedelta(minutes=20, seconds=1)
    assert schedule["ScheduleExpressionTimezone"] == "UTC"
    assert schedule["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert schedule["ActionAfterCompletion"] == "DELETE"
    assert schedule["State"] == "ENABLED"
    # and its target terminates exactly this instance, with the administrator's role
    target = schedule["Target"]
    assert target["Arn"] == "arn:aws:scheduler:::aws-sdk:ec2:terminateInstances"
    assert target["RoleArn"] == ROLE
    assert json.loads(target["Input"]) == {"InstanceIds": [run.instance_id]}
    # and releasing the run (its end) deletes the schedule with the machine
    backend.release(run)
    assert _schedule(scheduler, run.id) is None
    assert instance(ec2, run.instance_id)["State"]["Name"] == "terminated"
    # and releasing again is harmless (the schedule is already gone)
    backend.release(run)


def test_backstop_alone_terminates_the_machine_when_nothing_else_acts(
    run_config: UcdhConfig, local_aws: LocalAws, ec2: Any
) -> None:
    # Given a launched run whose instance runs nothing and whose Jupyter is gone
    backend = _backend(run_config)
    scheduler = local_aws.client("scheduler")
    run = make_run(instance_type="t3.micro", max_hours=1)
    backend.launch(run, backend.plan(run))
    schedule = _schedule(scheduler, run.id)
    assert schedule is not None and schedule["Target"]["RoleArn"] == LOCAL_ROLE_ARN
    due = due_time(schedule["ScheduleExpression"])
    assert due is not None
    # When the clock is just before the schedule's time, nothing fires
    assert run.id not in " ".join(
        fire_due(scheduler, local_aws.client, GROUP, due - timedelta(seconds=1))
    )
    assert instance(ec2, run.instance_id)["State"]["Name"] == "running"
    # When its time has come, the schedule's own target call is made
    fired = fire_due(scheduler, local_aws.client, GROUP, due)
    # Then the instance is terminated and the one-time schedule deleted itself
    assert schedule_name(run.id) in fired
    assert instance(ec2, run.instance_id)["State"]["Name"] == "terminated"
    assert _schedule(scheduler, run.id) is None


def test_runs_are_refused_in_aws_mode_without_a_backstop_role(
    run_settings: dict[str, Any], aws_env: dict[str, str], ec2: Any
) -> None:
    # Given 'aws' mode with an instance profile but no backstop role
    run_settings.update(mode="aws", runs_instance_profile="ucdh-runner")
    backend = _backend(UcdhConfig(**run_settings))
    run = make_run(instance_type="t3.micro")
    # When the run is planned, Then it is refused naming the setting, before any launch
    with pytest.raises(UcdhError) as refused:
        backend.plan(run)
    assert refused.value.status == 400 and refused.value.code == "runs_not_configured"
    assert "runs_backstop_role_arn" in refused.value.hint
    assert backend.instances_of(run.id) == []


def test_a_backstop_that_cannot_be_created_leaves_no_machine_running(
    run_service: RunService, workspace: Path, local_aws: LocalAws, ec2: Any
) -> None:
    # Given a scheduler that refuses the schedule (e.g. the role cannot be passed)
    stub = Stubber(run_service.aws.client("scheduler"))
    stub.add_response("get_schedule_group", {"Name": GROUP})
    stub.add_client_error(
        "create_schedule",
        service_error_code="ValidationException",
        service_message="The execution role you provide must allow AWS EventBridge Scheduler "
        "to assume the role.",
        http_status_code=400,
    )
    # When a run is submitted
    with stub, pytest.raises(UcdhError):
        submit(run_service, workspace, "analysis.ipynb")
    # Then the run failed as infrastructure, and its machine was terminated at once
    (run,) = run_service.list_runs(owner="researcher")
    assert run.state is RunState.FAILED
    assert run.failure_kind is FailureKind.INFRASTRUCTURE
    assert run.instance_id
    assert instance(ec2, run.instance_id)["State"]["Name"] in ("shutting-down", "terminated")
    assert _schedule(local_aws.client("scheduler"), run.id) is None


def test_schedule_is_gone_when_the_run_ends_or_is_cancelled(
    run_service: RunService, workspace: Path, local_aws: LocalAws
) -> None:
    scheduler = local_aws.client("scheduler")
    # Given a run that succeeds and one that is cancelled while it runs
    done = submit(run_service, workspace, "analysis.ipynb", files=["data"])
    slow = submit(run_service, workspace, "slow.ipynb")
    assert _schedule(scheduler, done.id) is not None
    assert _schedule(scheduler, slow.id) is not None
    wait_for(run_service, slow.id, lambda r: "started" in r.progress.last_lines)
    run_service.cancel(slow.id)
    # When both reach their end
    done = wait_for(run_service, done.id, lambda r: r.final)
    slow = wait_for(run_service, slow.id, lambda r: r.final, timeout=20)
    # Then neither leaves a schedule behind
    assert done.state is RunState.SUCCEEDED, done.failure_message
    assert slow.state is RunState.CANCELLED
    assert _schedule(scheduler, done.id) is None
    assert _schedule(scheduler, slow.id) is None


def test_a_backstop_whose_machine_is_already_gone_does_not_keep_the_others_from_firing(
    run_config: UcdhConfig, local_aws: LocalAws, ec2: Any
) -> None:
    # Given two launched runs with backstops, the first one's machine already gone from EC2
    # (a schedule AWS still holds for an instance someone deleted)
    backend = _backend(run_config)
    scheduler = local_aws.client("scheduler")
    gone, alive = make_run(instance_type="t3.micro"), make_run(instance_type="t3.micro")
    for run in (gone, alive):
        backend.launch(run, backend.plan(run))
    ec2.terminate_instances(InstanceIds=[gone.instance_id])
    dues = [due_time(_schedule(scheduler, run.id)["ScheduleExpression"]) for run in (gone, alive)]
    # When both are due and the first one's target call fails
    fired = fire_due(scheduler, local_aws.client, GROUP, max(d for d in dues if d is not None))
    # Then the second still terminates its machine, and neither schedule is left behind
    assert schedule_name(alive.id) in fired
    assert instance(ec2, alive.instance_id)["State"]["Name"] == "terminated"
    assert _schedule(scheduler, gone.id) is None and _schedule(scheduler, alive.id) is None
