"""The local EventBridge Scheduler clock: recurring schedules fire their universal target at
their due instants in their time zone, once each, as AWS does; the backstop still fires."""

from __future__ import annotations

import json
import logging
import time
import uuid
from datetime import datetime, timezone
from typing import Any

import pytest

from ucdh_jupyter.demo.localaws import LocalAws
from ucdh_jupyter.demo.scheduler import LocalScheduler

ROLE = "arn:aws:iam::123456789012:role/ucdh-schedules"
CONTEXT = (
    "<aws.scheduler.scheduled-time>|<aws.scheduler.attempt-number>|"
    "<aws.scheduler.schedule-arn>|<aws.scheduler.execution-id>"
)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


@pytest.fixture
def sqs(local_aws: LocalAws) -> Any:
    return local_aws.client("sqs")


@pytest.fixture
def queue(sqs: Any) -> str:
    """A new queue: the harmless target whose messages show what a schedule sent."""
    return str(sqs.create_queue(QueueName=f"fired-{uuid.uuid4().hex[:8]}")["QueueUrl"])


def received(sqs: Any, url: str) -> list[str]:
    """Every message body the queue got, in order."""
    bodies: list[str] = []
    while True:
        page = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not page:
            return bodies
        bodies += [message["Body"] for message in page]


def create(
    local_aws: LocalAws,
    group: str,
    expression: str,
    input_: dict[str, Any],
    target: str = "arn:aws:scheduler:::aws-sdk:sqs:sendMessage",
    **extra: Any,
) -> dict[str, Any]:
    """A schedule as the service would create it; returns it as GetSchedule does."""
    scheduler = local_aws.client("scheduler")
    name = f"ucdh-sched-{uuid.uuid4().hex[:8]}"
    scheduler.create_schedule(
        Name=name,
        GroupName=group,
        ScheduleExpression=expression,
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": target, "RoleArn": ROLE, "Input": json.dumps(input_)},
        **{"State": "ENABLED", **extra},
    )
    return dict(scheduler.get_schedule(Name=name, GroupName=group))


def test_a_berlin_cron_schedule_fires_at_its_due_instants_once_each(
    local_aws: LocalAws, local_scheduler: LocalScheduler, sqs: Any, queue: str
) -> None:
    # Given weekdays at 10:00 in Berlin (09:00 UTC in winter), sending the context attributes
    (group,) = local_scheduler.schedule_groups
    schedule = create(
        local_aws,
        group,
        "cron(0 10 ? * MON-FRI *)",
        {"QueueUrl": queue, "MessageBody": CONTEXT},
        ScheduleExpressionTimezone="Europe/Berlin",
    )
    # When the clock first sees it (Monday 08:00 UTC), then just before its time
    assert local_scheduler.tick(utc(2027, 1, 4, 8)) == []
    assert local_scheduler.tick(utc(2027, 1, 4, 8, 59, 59)) == []
    # Then it fires at 09:00 UTC, once, however often the clock ticks after
    assert local_scheduler.tick(utc(2027, 1, 4, 9)) == [schedule["Name"]]
    assert local_scheduler.tick(utc(2027, 1, 4, 9, 0, 1)) == []
    assert local_scheduler.tick(utc(2027, 1, 4, 12)) == []
    # And again on Tuesday
    assert local_scheduler.tick(utc(2027, 1, 5, 9, 0, 30)) == [schedule["Name"]]
    # And the queue got exactly those two calls, with the attributes substituted
    bodies = [body.split("|") for body in received(sqs, queue)]
    assert [body[:3] for body in bodies] == [
        ["2027-01-04T09:00:00Z", "1", schedule["Arn"]],
        ["2027-01-05T09:00:00Z", "1", schedule["Arn"]],
    ]
    executions = [body[3] for body in bodies]
    assert len(set(executions)) == 2 and all(len(e) == 16 for e in executions)


def test_a_schedule_fires_only_while_enabled_and_before_its_end_date(
    local_aws: LocalAws, local_scheduler: LocalScheduler, sqs: Any, queue: str
) -> None:
    (group,) = local_scheduler.schedule_groups
    scheduler = local_aws.client("scheduler")
    body = {"QueueUrl": queue, "MessageBody": "<aws.scheduler.scheduled-time>"}
    # Given a paused daily schedule, and one that ends on 4 January at 09:30 UTC
    paused = create(local_aws, group, "cron(0 9 * * ? *)", body, State="DISABLED")
    ending = create(
        local_aws,
        group,
        "cron(0 9 * * ? *)",
        body,
        EndDate=utc(2027, 1, 4, 9, 30),
        ActionAfterCompletion="DELETE",
    )
    local_scheduler.tick(utc(2027, 1, 4, 8))
    # When 4 January 09:00 comes, only the one not paused fires
    assert local_scheduler.tick(utc(2027, 1, 4, 9)) == [ending["Name"]]
    # When 5 January 09:00 comes, nothing fires: one is paused, the other has ended
    # (and deleted itself, as it asked)
    assert local_scheduler.tick(utc(2027, 1, 5, 9)) == []
    names = [s["Name"] for s in scheduler.list_schedules(GroupName=group)["Schedules"]]
    assert names == [paused["Name"]]
    # When the paused one is resumed, the days it missed are not made up for
    scheduler.update_schedule(
        Name=paused["Name"],
        GroupName=group,
        ScheduleExpression=paused["ScheduleExpression"],
        FlexibleTimeWindow={"Mode": "OFF"},
        Target=paused["Target"],
        State="ENABLED",
    )
    assert local_scheduler.tick(utc(2027, 1, 6, 8)) == []
    assert local_scheduler.tick(utc(2027, 1, 6, 9)) == [paused["Name"]]
    assert received(sqs, queue) == ["2027-01-04T09:00:00Z", "2027-01-06T09:00:00Z"]


def test_a_failing_target_is_logged_without_its_input_and_the_others_still_fire(
    local_aws: LocalAws,
    local_scheduler: LocalScheduler,
    sqs: Any,
    queue: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    (group,) = local_scheduler.schedule_groups
    # Given a schedule whose queue is gone, and one whose queue exists, both due at 09:00
    gone = queue.rsplit("/", 1)[0] + "/no-such-queue"
    broken = create(
        local_aws, group, "cron(0 9 * * ? *)", {"QueueUrl": gone, "MessageBody": "patient-0042"}
    )
    working = create(
        local_aws, group, "cron(0 9 * * ? *)", {"QueueUrl": queue, "MessageBody": "ok"}
    )
    local_scheduler.tick(utc(2027, 1, 4, 8))
    # When they are due
    with caplog.at_level(logging.WARNING, logger="ucdh_jupyter.demo.scheduler"):
        fired = local_scheduler.tick(utc(2027, 1, 4, 9))
    # Then the working one fired, the broken one is logged by name only
    assert fired == [working["Name"]]
    assert received(sqs, queue) == ["ok"]
    assert broken["Name"] in caplog.text and "target call failed" in caplog.text
    assert "patient-0042" not in caplog.text


def test_an_expression_the_stand_in_cannot_evaluate_is_skipped_not_fatal(
    local_aws: LocalAws,
    local_scheduler: LocalScheduler,
    sqs: Any,
    queue: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given a schedule on the last day of the month (valid on AWS, not in our subset)
    (group,) = local_scheduler.schedule_groups
    body = {"QueueUrl": queue, "MessageBody": "<aws.scheduler.scheduled-time>"}
    odd = create(local_aws, group, "cron(0 9 L * ? *)", body)
    create(local_aws, group, "cron(0 9 * * ? *)", body)
    local_scheduler.tick(utc(2027, 1, 31, 8))
    # When both would be due, Then the other one fires and the odd one is named in the log
    with caplog.at_level(logging.WARNING, logger="ucdh_jupyter.demo.scheduler"):
        assert len(local_scheduler.tick(utc(2027, 1, 31, 9))) == 1
    assert received(sqs, queue) == ["2027-01-31T09:00:00Z"]
    assert odd["Name"] in caplog.text and "not supported locally" in caplog.text


def test_every_minute_calls_a_camel_case_api_with_the_inputs_pascal_case_members(
    local_aws: LocalAws, local_scheduler: LocalScheduler
) -> None:
    # Given an "every minute" schedule whose target is batch:createSchedulingPolicy, its
    # Input spelled in PascalCase as EventBridge wants (boto3 says name, fairsharePolicy)
    (group,) = local_scheduler.schedule_groups
    policy = f"policy-{uuid.uuid4().hex[:8]}"
    request = {
        "Name": policy,
        "FairsharePolicy": {
            "ShareDecaySeconds": 60,
            "ShareDistribution": [{"ShareIdentifier": "study", "WeightFactor": 0.5}],
        },
        "Tags": {"CostCentre": "ucdh"},
    }
    create(
        local_aws,
        group,
        "cron(* * * * ? *)",
        request,
        target="arn:aws:scheduler:::aws-sdk:batch:createSchedulingPolicy",
    )
    local_scheduler.tick(utc(2027, 1, 4, 8, 0, 30))
    # When the next minute starts
    assert len(local_scheduler.tick(utc(2027, 1, 4, 8, 1, 0))) == 1
    # Then the policy exists with every member, and the tag key kept as written
    batch = local_aws.client("batch")
    arns = [p["arn"] for p in batch.list_scheduling_policies()["schedulingPolicies"]]
    (found,) = [
        p
        for p in batch.describe_scheduling_policies(arns=arns)["schedulingPolicies"]
        if p["name"] == policy
    ]
    assert found["fairsharePolicy"]["shareDistribution"] == [
        {"shareIdentifier": "study", "weightFactor": 0.5}
    ]
    assert found["tags"] == {"CostCentre": "ucdh"}


def test_a_rate_schedule_fires_every_period_from_its_start_date(
    local_aws: LocalAws, local_scheduler: LocalScheduler, sqs: Any, queue: str
) -> None:
    (group,) = local_scheduler.schedule_groups
    create(
        local_aws,
        group,
        "rate(5 minutes)",
        {"QueueUrl": queue, "MessageBody": "<aws.scheduler.scheduled-time>"},
        StartDate=utc(2027, 1, 4, 9),
    )
    for moment in [(8, 0), (9, 0), (9, 4), (9, 5), (9, 12)]:
        local_scheduler.tick(utc(2027, 1, 4, *moment))
    assert received(sqs, queue) == [
        "2027-01-04T09:00:00Z",
        "2027-01-04T09:05:00Z",
        "2027-01-04T09:10:00Z",
    ]


def test_the_backstops_one_time_schedule_still_fires_through_the_clock(
    local_aws: LocalAws, local_scheduler: LocalScheduler, sqs: Any, queue: str
) -> None:
    # Given a one-time schedule in the backstop group, deleting itself after it ran
    scheduler = local_aws.client("scheduler")
    schedule = create(
        local_aws,
        local_scheduler.backstop_group,
        "at(2027-01-04T09:00:00)",
        {"QueueUrl": queue, "MessageBody": "backstop"},
        ActionAfterCompletion="DELETE",
    )
    # When the clock ticks before and at its time
    assert local_scheduler.tick(utc(2027, 1, 4, 8, 59)) == []
    assert local_scheduler.tick(utc(2027, 1, 4, 9)) == [schedule["Name"]]
    # Then its target got the call, once, and the schedule is gone
    assert received(sqs, queue) == ["backstop"]
    listed = scheduler.list_schedules(GroupName=local_scheduler.backstop_group)["Schedules"]
    assert listed == []


def test_the_started_clock_fires_by_itself(
    local_aws: LocalAws, local_scheduler: LocalScheduler, sqs: Any, queue: str
) -> None:
    # Given a one-time schedule whose time has passed
    create(
        local_aws,
        local_scheduler.backstop_group,
        "at(2026-01-01T00:00:00)",
        {"QueueUrl": queue, "MessageBody": "on time"},
        ActionAfterCompletion="DELETE",
    )
    # When the clock runs on its own for a moment
    local_scheduler.interval = 0.05
    with local_scheduler:
        deadline = time.monotonic() + 10
        bodies: list[str] = []
        while not bodies and time.monotonic() < deadline:
            bodies = received(sqs, queue)
            time.sleep(0.05)
    # Then the target was called without anyone ticking
    assert bodies == ["on time"]
