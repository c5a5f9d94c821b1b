"""The EC2 part of the researcher (or server) policy: launching a run and ending it.

RunInstances is authorized once per resource it touches, each with its own condition keys
(``ec2:InstanceType`` and the request tags on the instance, ``ec2:Encrypted`` on the
volume, ``ec2:AssociatePublicIpAddress`` on the network interface), so each resource type
gets its own statement, as in AWS's own examples.
"""

from __future__ import annotations

from typing import Any

from ..config import UcdhConfig
from ..runs.backend import TAG_DEADLINE, TAG_MANAGED, TAG_OWNER, TAG_RUN_ID
from .instance_types import allowed_type_patterns
from .settings import Account

REQUIRED_TAGS = (TAG_RUN_ID, TAG_OWNER, TAG_DEADLINE, TAG_MANAGED)
LAUNCH_SID = "LaunchOnlyAllowedTypesTaggedWithImdsV2"
# Every tag key a launch may carry: the required ones and the console's Name.
LAUNCH_TAG_KEYS = ("Name", *REQUIRED_TAGS)


def launch_statements(config: UcdhConfig, account: Account) -> list[dict[str, Any]]:
    """RunInstances with every guardrail, tagging at launch, PassRole, termination."""
    instance: dict[str, Any] = {
        "StringEquals": {
            "ec2:MetadataHttpTokens": "required",
            f"aws:RequestTag/{TAG_MANAGED}": "true",
        },
        "StringLike": {
            f"aws:RequestTag/{tag}": "?*" for tag in REQUIRED_TAGS if tag != TAG_MANAGED
        },
        "ForAllValues:StringEquals": {"aws:TagKeys": list(LAUNCH_TAG_KEYS)},
    }
    patterns = allowed_type_patterns(config, account.region)
    if patterns is not None:
        # An empty list matches nothing: no type allowed means no launch at all.
        instance["StringLike"]["ec2:InstanceType"] = patterns or ["none-allowed"]
    subnet = account.arn("ec2", f"subnet/{config.runs_subnet_id or '*'}")
    groups = [account.arn("ec2", f"security-group/{g}") for g in config.runs_security_group_ids]
    # Images belong to no account in their ARN: arn:<partition>:ec2:<region>::image/<id>.
    image = f"arn:{account.partition}:ec2:{account.region}::image/{config.runs_ami_id or '*'}"
    image_rule: dict[str, Any] = {
        "Sid": "LaunchFromTheConfiguredImage",
        "Effect": "Allow",
        "Action": "ec2:RunInstances",
        "Resource": image,
    }
    if not config.runs_ami_id:
        # The default AMI comes from Amazon's public SSM parameter: Amazon-owned images only.
        image_rule["Condition"] = {"StringEquals": {"ec2:Owner": "amazon"}}
    run_role = account.role_arn(account.run_role)
    return [
        {
            "Sid": LAUNCH_SID,
            "Effect": "Allow",
            "Action": "ec2:RunInstances",
            "Resource": account.arn("ec2", "instance/*"),
            "Condition": instance,
        },
        {
            "Sid": "LaunchOnlyEncryptedTaggedVolumes",
            "Effect": "Allow",
            "Action": "ec2:RunInstances",
            "Resource": account.arn("ec2", "volume/*"),
            "Condition": {
                "Bool": {"ec2:Encrypted": "true"},
                "StringEquals": {f"aws:RequestTag/{TAG_MANAGED}": "true"},
            },
        },
        {
            "Sid": "LaunchWithoutPublicIp",
            "Effect": "Allow",
            "Action": "ec2:RunInstances",
            "Resource": account.arn("ec2", "network-interface/*"),
            "Condition": {"Bool": {"ec2:AssociatePublicIpAddress": "false"}},
        },
        {
            "Sid": "LaunchInTheRunsNetwork",
            "Effect": "Allow",
            "Action": "ec2:RunInstances",
            "Resource": [subnet, *(groups or [account.arn("ec2", "security-group/*")])],
        },
        image_rule,
        {
            "Sid": "DenyPublicIp",
            "Effect": "Deny",
            "Action": "ec2:RunInstances",
            "Resource": account.arn("ec2", "network-interface/*"),
            "Condition": {"Bool": {"ec2:AssociatePublicIpAddress": "true"}},
        },
        {
            "Sid": "TagOnlyAtLaunch",
            "Effect": "Allow",
            "Action": "ec2:CreateTags",
            "Resource": [account.arn("ec2", "instance/*"), account.arn("ec2", "volume/*")],
            "Condition": {"StringEquals": {"ec2:CreateAction": "RunInstances"}},
        },
        {
            "Sid": "PassOnlyTheRunRole",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": run_role,
            "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
        },
        {
            "Sid": "TerminateOnlyManagedInstances",
            "Effect": "Allow",
            "Action": "ec2:TerminateInstances",
            "Resource": account.arn("ec2", "instance/*"),
            "Condition": {"StringEquals": {f"aws:ResourceTag/{TAG_MANAGED}": "true"}},
        },
        {
            "Sid": "DescribeForTheCatalogAndRuns",
            "Effect": "Allow",
            "Action": [
                "ec2:DescribeInstances",
                "ec2:DescribeInstanceTypes",
                "ec2:DescribeInstanceTypeOfferings",
                "ec2:DescribeImages",
                "ec2:DescribeSubnets",
                "ec2:DescribeSpotPriceHistory",
                "pricing:GetProducts",
            ],
            "Resource": "*",
        },
        {
            "Sid": "ReadTheAmiParameter",
            "Effect": "Allow",
            "Action": "ssm:GetParameter",
            "Resource": [
                ami_parameter_arn(parameter, account)
                for parameter in (config.runs_ami_ssm_parameter, config.runs_gpu_ami_ssm_parameter)
            ],
        },
        *backstop_statements(config, account),
    ]


def ami_parameter_arn(parameter: str, account: Account) -> str:
    """The ARN of an SSM parameter naming a run AMI; ``{arch}`` may be either architecture.

    AWS's public parameters (``/aws/service/...``) have no account in their ARN; ``*``
    stands for it (only AWS can create names under ``/aws/``).
    """
    name = parameter.replace("{arch}", "*").lstrip("/")
    owner = "*" if name.startswith("aws/") else account.account_id
    return f"arn:{account.partition}:ssm:{account.region}:{owner}:parameter/{name}"


def backstop_role_arn(config: UcdhConfig, account: Account) -> str:
    """The role EventBridge Scheduler assumes for the backstop (configured, else the stack's)."""
    return config.runs_backstop_role_arn or account.role_arn(account.backstop_role)


def backstop_statements(config: UcdhConfig, account: Account) -> list[dict[str, Any]]:
    """One backstop schedule per run, in its group only, passing only the backstop role."""
    group = config.runs_backstop_schedule_group
    return [
        {
            "Sid": "BackstopSchedulesInTheirGroupOnly",
            "Effect": "Allow",
            "Action": ["scheduler:CreateSchedule", "scheduler:DeleteSchedule"],
            "Resource": account.arn("scheduler", f"schedule/{group}/*"),
        },
        {
            "Sid": "BackstopScheduleGroup",
            "Effect": "Allow",
            "Action": ["scheduler:GetScheduleGroup", "scheduler:CreateScheduleGroup"],
            "Resource": account.arn("scheduler", f"schedule-group/{group}"),
        },
        {
            "Sid": "PassOnlyTheBackstopRoleToScheduler",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": backstop_role_arn(config, account),
            "Condition": {"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}},
        },
    ]
