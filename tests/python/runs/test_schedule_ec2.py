"""Recurring runs of the EC2 family: an EventBridge Scheduler schedule whose target
submits an AWS Batch job. The local scheduler fires it (its clock is ticked at chosen
moments), the local Batch runs the job's real boot script, which claims the fire's run
and runs the notebook; no Jupyter server is needed for a fire, and the server finds the
runs fired while it was stopped."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from ucdh_jupyter.aws import AwsClients
from ucdh_jupyter.config import UcdhConfig
from ucdh_jupyter.demo.localaws import LocalAws
from ucdh_jupyter.demo.scheduler import LocalScheduler, invoke
from ucdh_jupyter.errors import UcdhError
from ucdh_jupyter.runs.model import RunState
from ucdh_jupyter.runs.runner import scheduled_run_id
from ucdh_jupyter.runs.service import RunService
from ucdh_jupyter.schedules.eventbridge import schedule_name
from ucdh_jupyter.schedules.service import ScheduleService

from ..patience import patient
from .helpers import outputs_text, wait_for

DAILY = {"kind": "daily", "time": "02:30", "timezone": "Europe/Berlin"}


@pytest.fixture
def schedule_settings(run_settings: dict[str, Any], local_scheduler: LocalScheduler) -> dict:
    """Runs settings whose recurring schedules go to this test's scheduler group."""
    return {**run_settings, "runs_schedule_group": local_scheduler.schedule_groups[0]}


@pytest.fixture
def make_service(schedule_settings: dict, aws_env: dict[str, str]) -> Iterator[Any]:
    """Build a run service (one per "Jupyter server start") and its schedule service."""
    built: list[RunService] = []

    def make() -> tuple[RunService, ScheduleService]:
        config = UcdhConfig(**schedule_settings)
        runs = RunService.from_config(config, AwsClients(config))
        built.append(runs)
        return runs, ScheduleService(runs)

    yield make
    for runs in built:
        runs.close()


def body() -> dict[str, Any]:
    return {
        "run": {
            "notebook_path": "study/analysis.ipynb",
            "instance_type": "t3.micro",
            "max_hours": 0.5,
            "parameters": {"alpha": 4, "label": "nightly"},
            "files": ["data"],
        },
        "recurrence": DAILY,
    }


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def fire_ended(local_aws: LocalAws, bucket: str, prefix: str, run_id: str) -> dict[str, Any]:
    """Wait, with no server, until the fired run's runner wrote its final status."""
    s3 = local_aws.client("s3")
    give_up = time.monotonic() + patient(120)
    while True:
        try:
            status = json.loads(
                s3.get_object(Bucket=bucket, Key=f"{prefix}{run_id}/status.json")["Body"].read()
            )
            if status.get("phase") in ("succeeded", "failed", "cancelled"):
                return dict(status)
        except s3.exceptions.NoSuchKey:
            pass
        assert time.monotonic() < give_up, f"fire {run_id} never ended"
        time.sleep(0.5)


def test_a_schedule_is_an_eventbridge_schedule_submitting_a_batch_job_with_ids_only(
    make_service: Any, workspace: Path, local_aws: LocalAws
) -> None:
    runs, schedules = make_service()
    schedule = schedules.create(body(), "researcher", workspace)
    scheduler = local_aws.client("scheduler")
    made = scheduler.get_schedule(
        Name=schedule_name(schedule), GroupName=runs.config.runs_schedule_group
    )
    assert made["ScheduleExpression"] == "cron(30 2 * * ? *)"
    assert made["ScheduleExpressionTimezone"] == "Europe/Berlin"
    assert made["FlexibleTimeWindow"] == {"Mode": "OFF"} and made["State"] == "ENABLED"
    assert made["Target"]["Arn"].endswith(":scheduler:::aws-sdk:batch:submitJob")
    job = json.loads(made["Target"]["Input"])
    assert job["jobQueue"] == runs.config.runs_batch_job_queue
    assert job["timeout"] == {"attemptDurationSeconds": 1800}  # each fire's max runtime
    assert job["tags"]["ucdh:schedule-id"] == schedule.id and job["tags"]["ucdh:managed"] == "true"
    env = {item["name"]: item["value"] for item in job["containerOverrides"]["environment"]}
    assert env["UCDH_SCHEDULED_TIME"] == "<aws.scheduler.scheduled-time>"
    assert env["UCDH_SCHEDULE_ID"] == schedule.id
    # ids and locations only: no notebook name, no parameter value in what AWS keeps
    text = made["Target"]["Input"] + made["Description"] + made["Name"]
    for secret in ("analysis", "nightly", "alpha"):
        assert secret not in text
    # the fires per month at their maximum cost, and the next fires in Berlin time
    view = schedules.view(schedule)
    assert view["fires_per_month"] == 31
    assert view["description"] == "Every day at 02:30 (Europe/Berlin)"


def test_a_schedule_fires_twice_with_jupyter_stopped_between_and_each_fire_runs_once(
    make_service: Any,
    workspace: Path,
    local_aws: LocalAws,
    local_scheduler: LocalScheduler,
) -> None:
    # Given a daily 02:30 Berlin schedule of analysis.ipynb with alpha = 4
    runs, schedules = make_service()
    schedule = schedules.create(body(), "researcher", workspace)
    prefix = runs.config.runs_prefix
    bucket = runs.config.runs_bucket
    # When EventBridge's clock passes 02:30 Berlin (01:30 UTC in December)
    assert local_scheduler.tick(at("2026-12-07T00:00:00")) == []  # first look: no backfill
    assert local_scheduler.tick(at("2026-12-07T01:30:30")) == [schedule_name(schedule)]
    first = scheduled_run_id(schedule.id, "2026-12-07T01:30:00Z", at("2026-12-07T01:30:00"))
    # Then the server finds the fire's run and follows it to its end
    give_up = time.monotonic() + patient(60)
    while first not in schedules.discover("researcher"):
        assert time.monotonic() < give_up, "the fire never recorded its run"
        time.sleep(0.5)
    run = wait_for(runs, first, lambda run: run.final, timeout=120)
    assert run.state is RunState.SUCCEEDED, run.failure_message
    assert run.schedule_id == schedule.id and run.backend == "batch" and run.batch_job_id
    assert run.parameters == {"alpha": 4, "label": "nightly"}
    executed = runs.records.get(first, "output/notebook.ipynb")
    assert executed is not None and "alpha is 4 label is nightly" in outputs_text(
        json.loads(executed)
    )
    # And Scheduler delivering the same fire again (at least once) starts no second run
    made = local_aws.client("scheduler").get_schedule(
        Name=schedule_name(schedule), GroupName=runs.config.runs_schedule_group
    )
    again = made["Target"]["Input"].replace(
        "<aws.scheduler.scheduled-time>", "2026-12-07T01:30:00Z"
    )
    job = invoke(local_aws.client, made["Target"]["Arn"], again)
    batch = local_aws.client("batch")
    give_up = time.monotonic() + patient(60)
    while batch.describe_jobs(jobs=[job["jobId"]])["jobs"][0]["status"] not in (
        "SUCCEEDED",
        "FAILED",
    ):
        assert time.monotonic() < give_up
        time.sleep(0.5)
    assert batch.describe_jobs(jobs=[job["jobId"]])["jobs"][0]["status"] == "SUCCEEDED"
    assert schedules.records.fired(schedule.id) == [first]
    # When Jupyter is stopped, the next day's fire runs all the same
    runs.close()
    assert local_scheduler.tick(at("2026-12-08T01:30:30")) == [schedule_name(schedule)]
    second = scheduled_run_id(schedule.id, "2026-12-08T01:30:00Z", at("2026-12-08T01:30:00"))
    assert fire_ended(local_aws, bucket, prefix, second)["phase"] == "succeeded"
    # And when Jupyter starts again, the second fire is found and followed
    runs, schedules = make_service()
    runs.rebuild()
    assert {first, second} <= {run.id for run in runs.list_runs(owner="researcher")}
    run = wait_for(runs, second, lambda run: run.final, timeout=60)
    assert run.state is RunState.SUCCEEDED and run.schedule_id == schedule.id
    view = schedules.view(schedules.get(schedule.id, "researcher"))
    assert [item["id"] for item in view["last_runs"]] == [second, first]


def test_pause_resume_and_delete_drive_the_eventbridge_schedule(
    make_service: Any,
    workspace: Path,
    local_aws: LocalAws,
    local_scheduler: LocalScheduler,
) -> None:
    runs, schedules = make_service()
    schedule = schedules.create(body(), "researcher", workspace)
    scheduler = local_aws.client("scheduler")
    group = runs.config.runs_schedule_group
    schedules.update(schedule.id, "researcher", {"active": False}, workspace)
    paused = scheduler.get_schedule(Name=schedule_name(schedule), GroupName=group)
    assert paused["State"] == "DISABLED"
    assert paused["ScheduleExpressionTimezone"] == "Europe/Berlin"  # a full replace keeps it
    assert local_scheduler.tick(at("2026-12-07T00:00:00")) == []
    assert local_scheduler.tick(at("2026-12-07T01:31:00")) == []
    schedules.update(schedule.id, "researcher", {"active": True}, workspace)
    assert (
        scheduler.get_schedule(Name=schedule_name(schedule), GroupName=group)["State"] == "ENABLED"
    )
    schedules.delete(schedule.id, "researcher")
    with pytest.raises(scheduler.exceptions.ResourceNotFoundException):
        scheduler.get_schedule(Name=schedule_name(schedule), GroupName=group)
    with pytest.raises(UcdhError) as gone:
        schedules.get(schedule.id, "researcher")
    assert gone.value.status == 404
    listed = local_aws.client("s3").list_objects_v2(
        Bucket=runs.config.runs_bucket, Prefix=schedules.records.key(schedule.id)
    )
    assert listed.get("KeyCount", 0) == 0  # its snapshots are gone too
