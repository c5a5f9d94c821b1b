"""The AWS-side backstop of an EC2 run: a one-time schedule that terminates its instance.

Every run instance already powers itself off at its deadline (``shutdown -h +MAX`` in
its user data) and the server's monitor and reaper terminate what outlives its run. Both
depend on something that may be broken: the instance (a hung kernel, a user data edited
by hand, an AMI without ``shutdown``) or Jupyter (closed laptop, a stopped SageMaker
space). The backstop depends on neither: at launch the server creates an EventBridge
Scheduler schedule ``at(deadline + grace)`` whose universal target calls
``ec2:TerminateInstances`` for the run's instance, with the administrator's role
(:attr:`UcdhConfig.runs_backstop_role_arn`). It runs once and deletes itself
(``ActionAfterCompletion=DELETE``); when the run ends first, the server deletes it.

Why EventBridge Scheduler and not something else:

- a CloudWatch alarm can stop or terminate an instance only on a metric (e.g. low CPU);
  "the clock passed the deadline" is no metric, and a busy runaway notebook never trips
  a low-CPU alarm;
- a Lambda function (on a rate schedule, sweeping tagged instances) is code the hospital
  must deploy, patch and grant a runtime for, and it is one more function in an account
  that a landing zone audits; the universal target needs no code at all, only a role
  allowed ``ec2:TerminateInstances``;
- instance-side only (the armed shutdown) is exactly what the backstop is for: it fails
  with the instance.

Schedules take no tags (``CreateSchedule`` has no ``Tags`` member; only schedule groups
do), so the schedule is named after the run id in its own group, and the group is what
the administrator's IAM policy scopes ``scheduler:*`` to.

Without a role in 'aws' mode runs are refused (a 400 naming the setting), as they are
without an instance profile: a hospital administrator expects a machine the server
starts to be bounded by AWS itself, not by a warning a researcher may not read. In
'local' mode (demo, tests) a stand-in role ARN is used, so the same calls are made.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

from ..aws import AwsClients
from ..config import UcdhConfig
from ..errors import UcdhError
from .model import Run, parse_iso

log = logging.getLogger(__name__)

# The universal target: "arn:<partition>:scheduler:::aws-sdk:<service>:<apiAction>".
TARGET_ACTION = "aws-sdk:ec2:terminateInstances"
# mode='local' only: moto checks the ARN's shape, never that the role exists.
LOCAL_ROLE_ARN = "arn:aws:iam::123456789012:role/ucdh-runs-backstop"


def schedule_name(run_id: str) -> str:
    """The schedule of a run: its id, which fits Scheduler's 64 characters ``[0-9A-Z]``."""
    return f"ucdh-run-{run_id}"


def at_expression(moment: datetime) -> str:
    """A one-time schedule expression, ``at(yyyy-mm-ddThh:mm:ss)`` in UTC."""
    return f"at({moment.strftime('%Y-%m-%dT%H:%M:%S')})"


def fire_time(run: Run, grace_minutes: int) -> datetime:
    """When the backstop terminates the instance: the deadline plus the grace, rounded up
    to the next whole second (``at()`` has no fractions: never fire early)."""
    deadline = parse_iso(run.deadline)
    if deadline is None:
        raise ValueError(f"run {run.id} has no deadline")
    moment = deadline + timedelta(minutes=grace_minutes)
    if moment.microsecond:
        moment = moment.replace(microsecond=0) + timedelta(seconds=1)
    return moment


def missing_role() -> UcdhError:
    """A 400 naming the setting without which runs have no AWS-side backstop."""
    return UcdhError(
        400,
        "runs_not_configured",
        "Runs on EC2 need a backstop role (EventBridge Scheduler terminates a run's machine "
        "after its deadline even if the machine and Jupyter both fail), and none is configured.",
        "Ask your administrator to set UcdhConfig.runs_backstop_role_arn.",
    )


def _error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def universal_target(aws: AwsClients, action: str) -> str:
    """EventBridge Scheduler's universal target of ``action`` (``"aws-sdk:ec2:terminateInstances"``)
    in the region's partition (aws, aws-us-gov...)."""
    partition = aws.session().get_partition_for_region(aws.region)
    return f"arn:{partition}:scheduler:::{action}"


def ensure_schedule_group(scheduler: Any, name: str) -> None:
    """Create the schedule group ``name`` when it does not exist yet."""
    try:
        scheduler.get_schedule_group(Name=name)
    except Exception as exc:
        if _error_code(exc) != "ResourceNotFoundException":
            raise
        try:
            scheduler.create_schedule_group(Name=name)
        except Exception as again:
            if _error_code(again) != "ConflictException":  # another server won the race
                raise


class Backstop:
    """Creates and deletes the one-time terminate schedule of each run."""

    def __init__(self, config: UcdhConfig, aws: AwsClients) -> None:
        self.config = config
        self.aws = aws
        self.group = str(config.runs_backstop_schedule_group)
        self._group_ready = False

    @property
    def scheduler(self) -> Any:
        """The EventBridge Scheduler client."""
        return self.aws.client("scheduler")

    def role_arn(self) -> str:
        """The role the schedule assumes; a 400 when 'aws' mode has none."""
        if self.config.runs_backstop_role_arn:
            return str(self.config.runs_backstop_role_arn)
        if self.config.mode == "aws":
            raise missing_role()
        return LOCAL_ROLE_ARN

    def target_arn(self) -> str:
        """The universal target's ARN in the region's partition (aws, aws-us-gov...)."""
        return universal_target(self.aws, TARGET_ACTION)

    def ensure_group(self) -> None:
        """Create the schedule group once when it does not exist yet."""
        if not self._group_ready:
            ensure_schedule_group(self.scheduler, self.group)
            self._group_ready = True

    def request(self, run: Run, instance_ids: list[str]) -> dict[str, Any]:
        """The CreateSchedule request that terminates ``instance_ids`` after the deadline."""
        return {
            "Name": schedule_name(run.id),
            "GroupName": self.group,
            "ScheduleExpression": at_expression(
                fire_time(run, self.config.runs_backstop_grace_minutes)
            ),
            "ScheduleExpressionTimezone": "UTC",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "ActionAfterCompletion": "DELETE",
            "State": "ENABLED",
            "Description": f"ucdh-jupyter: ends the machine of run {run.id} after its deadline",
            "Target": {
                "Arn": self.target_arn(),
                "RoleArn": self.role_arn(),
                "Input": json.dumps({"InstanceIds": list(instance_ids)}),
                # Retry a throttled or failed call for up to the grace period again.
                "RetryPolicy": {
                    "MaximumEventAgeInSeconds": max(
                        60, 60 * int(self.config.runs_backstop_grace_minutes)
                    ),
                    "MaximumRetryAttempts": 185,
                },
            },
        }

    def arm(self, run: Run, instance_ids: list[str]) -> None:
        """Create the run's schedule; one that exists already (a relaunch) is kept."""
        request = self.request(run, instance_ids)
        self.ensure_group()
        try:
            self.scheduler.create_schedule(**request)
        except Exception as exc:
            if _error_code(exc) != "ConflictException":
                raise
        log.info("ucdh-jupyter: backstop armed for run %s", run.id)

    def disarm(self, run: Run) -> None:
        """Delete the run's schedule; one already gone (fired, never made) is no error."""
        try:
            self.scheduler.delete_schedule(Name=schedule_name(run.id), GroupName=self.group)
        except Exception as exc:
            if _error_code(exc) != "ResourceNotFoundException":
                raise
