"""The AWS Batch and recurring-schedule part of the server's policy (and of the role
EventBridge Scheduler assumes to start a scheduled run).

Parameter sweeps on EC2 are Batch array jobs and scheduled EC2 runs single Batch jobs
(submitted by EventBridge Scheduler's universal target ``aws-sdk:batch:submitJob``).
SubmitJob is authorized on the job, the job queue and the job definition (a revision: a
definition ARN without ``:<revision>`` or ``:*`` matches no submission). It needs no
``iam:PassRole``: the job role is named by the job definition, which the administrator
registers, and a submission cannot override it. Tagging a job (SubmitJob's ``tags``) is
``batch:TagResource`` on the job; termination is scoped to jobs tagged ``ucdh:managed``
as it is for instances. Describe and List calls take no resource in IAM (``*`` only).

Schedules take no tags, so scheduler rights are scoped to the group, as for the backstop.
"""

from __future__ import annotations

from typing import Any

from ..config import UcdhConfig
from ..runs.backend import TAG_MANAGED
from .settings import Account

# Name of the compute environment, job queue and job definition the stack creates.
DEFAULT_NAME = "ucdh-runs"
MANAGED_REQUEST = {"StringEquals": {f"aws:RequestTag/{TAG_MANAGED}": "true"}}


def batch_in_use(config: UcdhConfig) -> bool:
    """Whether sweeps and scheduled runs go to AWS Batch (both names set)."""
    queue, definition = config.runs_batch_job_queue, config.runs_batch_job_definition
    if bool(queue) != bool(definition):
        raise ValueError(
            "set both UcdhConfig.runs_batch_job_queue and runs_batch_job_definition, or neither"
        )
    return bool(queue)


def job_queue_arn(config: UcdhConfig, account: Account) -> str:
    """The configured job queue as an ARN."""
    queue = str(config.runs_batch_job_queue)
    return queue if queue.startswith("arn:") else account.arn("batch", f"job-queue/{queue}")


def job_definition_arn(config: UcdhConfig, account: Account) -> str:
    """The configured job definition as an ARN of its revision, every revision (``:*``)
    when none is named (IAM matches SubmitJob against ``name:revision``)."""
    definition = str(config.runs_batch_job_definition)
    name = definition.split(":job-definition/", 1)[-1]
    revision = "" if ":" in name else ":*"
    if definition.startswith("arn:"):
        return f"{definition}{revision}"
    return account.arn("batch", f"job-definition/{definition}{revision}")


def submit_statements(config: UcdhConfig, account: Account, sid: str) -> list[dict[str, Any]]:
    """SubmitJob on the runs queue and definition only, and tags on jobs only when they
    carry ``ucdh:managed`` (the server's and the schedule role's)."""
    return [
        {
            "Sid": f"{sid}SubmitToTheRunsQueueOnly",
            "Effect": "Allow",
            "Action": "batch:SubmitJob",
            "Resource": [
                job_queue_arn(config, account),
                job_definition_arn(config, account),
                account.arn("batch", "job/*"),
            ],
        },
        {
            "Sid": f"{sid}TagJobsOnlyAsManaged",
            "Effect": "Allow",
            "Action": "batch:TagResource",
            "Resource": account.arn("batch", "job/*"),
            "Condition": MANAGED_REQUEST,
        },
    ]


def batch_statements(config: UcdhConfig, account: Account) -> list[dict[str, Any]]:
    """The server's Batch calls: submit, follow, terminate managed jobs; recurring
    schedules in their group, passing only the schedule role. Nothing without Batch."""
    if not batch_in_use(config):
        return []
    group = config.runs_schedule_group
    return [
        *submit_statements(config, account, "Batch"),
        {
            "Sid": "TerminateOnlyManagedBatchJobs",
            "Effect": "Allow",
            "Action": "batch:TerminateJob",
            "Resource": account.arn("batch", "job/*"),
            "Condition": {"StringEquals": {f"aws:ResourceTag/{TAG_MANAGED}": "true"}},
        },
        {
            "Sid": "DescribeBatchJobsAndTheirQueue",
            "Effect": "Allow",
            "Action": [
                "batch:DescribeJobs",
                "batch:ListJobs",
                "batch:DescribeJobQueues",
                "batch:DescribeComputeEnvironments",
                "batch:DescribeJobDefinitions",
            ],
            "Resource": "*",
        },
        {
            "Sid": "RecurringSchedulesInTheirGroupOnly",
            "Effect": "Allow",
            "Action": [
                "scheduler:CreateSchedule",
                "scheduler:UpdateSchedule",
                "scheduler:DeleteSchedule",
                "scheduler:GetSchedule",
            ],
            "Resource": account.arn("scheduler", f"schedule/{group}/*"),
        },
        {
            # ListSchedules takes no resource in IAM; the server lists its group only.
            "Sid": "ListRecurringSchedules",
            "Effect": "Allow",
            "Action": "scheduler:ListSchedules",
            "Resource": "*",
        },
        {
            "Sid": "RecurringScheduleGroup",
            "Effect": "Allow",
            "Action": ["scheduler:GetScheduleGroup", "scheduler:CreateScheduleGroup"],
            "Resource": account.arn("scheduler", f"schedule-group/{group}"),
        },
        {
            "Sid": "PassOnlyTheScheduleRoleToScheduler",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": schedule_role_arn(config, account),
            "Condition": {"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}},
        },
    ]


def schedule_role_arn(config: UcdhConfig, account: Account) -> str:
    """The role EventBridge Scheduler assumes for recurring runs (configured, else the stack's)."""
    return config.runs_schedule_role_arn or account.role_arn(account.schedule_role)
