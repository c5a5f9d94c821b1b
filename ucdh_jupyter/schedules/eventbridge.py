"""EC2-family schedules: an EventBridge Scheduler schedule whose target submits an AWS
Batch job, with no Jupyter server involved.

The schedule's expression is a ``cron(...)`` in the schedule's time zone
(``ScheduleExpressionTimezone``: the service handles daylight saving). Its target is
Scheduler's universal target for ``batch:submitJob``; its input is the very SubmitJob
request a run of the template would make (the Batch backend's plan: job queue, job
definition, per-run timeout, tags, no public IP), pointed at the schedule's snapshot and
told which fire it is (``<aws.scheduler.scheduled-time>``, substituted by Scheduler at
each fire). The job's runner claims the fire's run record (a run id derived from the
schedule and that time, written only if absent: Scheduler delivers at least once), copies
the snapshot into the run's folder, leaves a marker under the schedule and runs the
notebook as any run. Pausing is the schedule's ``State``; an edit replaces it whole
(``UpdateSchedule`` has no partial form).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from ..errors import UcdhError
from ..runs import runner as protocol
from ..runs.backend import TAG_RUN_ID
from ..runs.backstop import ensure_schedule_group, universal_target
from ..runs.environment import runner_pins
from ..runs.model import Run
from ..runs.service import RunService
from ..runs.userdata import boot_script
from ..runs.wheels import WheelCache, package_source
from .model import Schedule
from .records import ScheduleRecords

log = logging.getLogger(__name__)

TARGET_ACTION = "aws-sdk:batch:submitJob"
# Scheduler substitutes this at each fire with the fire's time (UTC, ISO 8601).
SCHEDULED_TIME = "<aws.scheduler.scheduled-time>"
LOCAL_ROLE_ARN = "arn:aws:iam::123456789012:role/ucdh-runs-schedules"


def schedule_name(schedule: Schedule) -> str:
    """Ids only: the name shows in the console and in CloudTrail."""
    return f"ucdh-schedule-{schedule.id}"


def _error_code(exc: Exception) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))


class EventBridgeEngine:
    """Schedules as EventBridge Scheduler schedules that submit AWS Batch jobs."""

    def __init__(self, runs: RunService, records: Callable[[], ScheduleRecords]) -> None:
        self.runs = runs
        self.config = runs.config
        self.records = records
        self._group_ready = False

    @property
    def scheduler(self) -> Any:
        return self.runs.aws.client("scheduler")

    @property
    def group(self) -> str:
        return str(self.config.runs_schedule_group)

    def role_arn(self) -> str:
        """The role Scheduler assumes to submit the job; a 400 when 'aws' mode has none."""
        if self.config.runs_schedule_role_arn:
            return str(self.config.runs_schedule_role_arn)
        if self.config.mode == "aws":
            raise UcdhError(
                400,
                "runs_not_configured",
                "Recurring runs on EC2 need a role EventBridge Scheduler can start them with.",
                "Ask your administrator to set UcdhConfig.runs_schedule_role_arn "
                "(ucdh-jupyter admin policies prints it).",
            )
        return LOCAL_ROLE_ARN

    def job(self, schedule: Schedule, template: Run, plan: dict[str, Any]) -> dict[str, Any]:
        """The SubmitJob request of each fire: the template's, pointed at the snapshot and
        told the fire's time. Its environment holds ids and locations, never values."""
        snapshots = self.records().snapshots(schedule.id)
        location = snapshots.location(template.id)
        planned = self.runs.records.location(template.id).prefix
        overrides = dict(plan["containerOverrides"])
        # The plan points at a run folder of the template's id: the snapshot is elsewhere.
        env = {
            item["name"]: item["value"].replace(planned, location.prefix)
            for item in overrides["environment"]
        }
        env.update(
            UCDH_BOOT_URI=location.uri(protocol.BOOT_KEY),
            UCDH_SCHEDULE_ID=schedule.id,
            UCDH_SCHEDULE_PREFIX=self.records().key(schedule.id),
            UCDH_RUNS_PREFIX=str(self.config.runs_prefix),
            UCDH_SCHEDULED_TIME=SCHEDULED_TIME,
        )
        overrides["environment"] = [{"name": k, "value": v} for k, v in sorted(env.items())]
        tags = {**plan.get("tags", {}), "ucdh:schedule-id": schedule.id}
        tags.pop(TAG_RUN_ID, None)  # each fire's run id is only known when it fires
        return {
            **plan,
            "jobName": f"ucdh-scheduled-{schedule.id}",
            "tags": tags,
            "containerOverrides": overrides,
        }

    def request(self, schedule: Schedule, template: Run, plan: dict[str, Any]) -> dict[str, Any]:
        """The full CreateSchedule (and UpdateSchedule) request."""
        rule = schedule.rule
        request: dict[str, Any] = {
            "Name": schedule_name(schedule),
            "GroupName": self.group,
            "ScheduleExpression": rule.eventbridge_expression(),
            "ScheduleExpressionTimezone": rule.timezone,
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "ActionAfterCompletion": "NONE",
            "State": "ENABLED" if schedule.active else "DISABLED",
            "Description": f"ucdh-jupyter: recurring run {schedule.id} of one researcher",
            "Target": {
                "Arn": universal_target(self.runs.aws, TARGET_ACTION),
                "RoleArn": self.role_arn(),
                "Input": json.dumps(self.job(schedule, template, plan)),
                # A fire that cannot be delivered within the hour is dropped, not run late.
                "RetryPolicy": {"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 3},
            },
        }
        end = rule.end_instant()
        if end is not None:
            request["EndDate"] = end
        return request

    def _stage_boot(self, schedule: Schedule, template: Run) -> None:
        """The snapshot's Batch inputs: the boot script and, when packages come from the S3
        wheel cache, the wheels every fire installs (filled now, once: no Jupyter fills
        it at fire time)."""
        snapshots = self.records().snapshots(schedule.id)
        snapshots.put(template.id, protocol.BOOT_KEY, boot_script().encode(), "text/x-shellscript")
        if package_source(self.config)["kind"] != "wheel_cache":
            return
        extra = snapshots.get(template.id, protocol.REQUIREMENTS_KEY) or b""
        notebook = [line.strip() for line in extra.decode("utf-8", "replace").splitlines()]
        architecture = self.runs.backend("batch").architecture()  # type: ignore[attr-defined]
        version = template.python_version or self.config.runs_image_pythons[0]
        WheelCache(self.config, self.runs.records).fill(
            template.id,
            runner_pins(),
            version,
            architecture,
            [line for line in notebook if line],
            answer=snapshots,
        )

    def create(self, schedule: Schedule, template: Run, plan: Any) -> None:
        self._stage_boot(schedule, template)
        request = self.request(schedule, template, plan)
        if not self._group_ready:
            ensure_schedule_group(self.scheduler, self.group)
            self._group_ready = True
        self.scheduler.create_schedule(**request)
        schedule.eventbridge_name = request["Name"]

    def update(self, schedule: Schedule, template: Run, plan: Any) -> None:
        self._stage_boot(schedule, template)
        self.scheduler.update_schedule(**self.request(schedule, template, plan))

    def set_active(self, schedule: Schedule) -> None:
        """UpdateSchedule replaces the whole schedule: the current one, with its state."""
        current = self.scheduler.get_schedule(Name=schedule_name(schedule), GroupName=self.group)
        keep = (
            "Name",
            "GroupName",
            "ScheduleExpression",
            "ScheduleExpressionTimezone",
            "StartDate",
            "EndDate",
            "FlexibleTimeWindow",
            "Target",
            "ActionAfterCompletion",
            "Description",
            "KmsKeyArn",
        )
        request = {key: current[key] for key in keep if current.get(key) is not None}
        request["State"] = "ENABLED" if schedule.active else "DISABLED"
        self.scheduler.update_schedule(**request)

    def delete(self, schedule: Schedule) -> None:
        try:
            self.scheduler.delete_schedule(Name=schedule_name(schedule), GroupName=self.group)
        except Exception as exc:
            if _error_code(exc) != "ResourceNotFoundException":
                raise

    def fired(self, schedule: Schedule, records: ScheduleRecords) -> None:
        """Nothing: each fire records itself (its run record and marker)."""
