"""The CloudFormation template of the administrator's side of ucdh-jupyter.

One stack: the runs bucket (SSE-KMS with a bucket key, public access blocked, objects owned
by the bucket owner, old runs expired), its bucket policy, the run instance role and
profile, a security group with no ingress, and the role EventBridge Scheduler assumes to
terminate overdue run instances (only those tagged ``ucdh:managed``). Without
``kms_key_id`` the stack creates a key (rotation on) and outputs its ARN for the config.

With AWS Batch (sweeps and scheduled runs on EC2): the recurring schedules' group and the
role Scheduler assumes to submit a scheduled run; with ``batch=True`` also a Fargate
compute environment in the runs subnet, its job queue, a job definition (no public IP,
the per-run max runtime as its timeout), the job role (the run instance's rights) and the
ECS execution role (pulls the image, writes the container log).
"""

from __future__ import annotations

from typing import Any

from ..config import UcdhConfig
from ..runs.backend import TAG_MANAGED
from .batch import batch_in_use
from .policies import (
    batch_job_policy,
    document,
    kms_key_arn,
    run_instance_policy,
    runs_bucket_policy,
    schedule_role_policy,
)
from .settings import Account, profile_name

DEFAULT_RETENTION_DAYS = 90


def _role_name(name: str) -> dict[str, str]:
    """``RoleName`` (and ``Path``) of a role named ``name`` or ``path/name``."""
    path, _, last = name.rpartition("/")
    return {"RoleName": last, **({"Path": f"/{path}/"} if path else {})}


def _trust(service: str, account: Account, source_account: bool = True) -> dict[str, Any]:
    """A trust policy for ``service``, acting for this account only (no confused deputy)."""
    trust: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
    }
    if source_account:
        trust["Condition"] = {"StringEquals": {"aws:SourceAccount": account.account_id}}
    return document(trust)


def _grant_new_key(policy: dict[str, Any], key: Any, account: Account) -> dict[str, Any]:
    """``policy`` with the stack's new key usable through S3 (unknown to the generator)."""
    policy["Statement"].insert(
        1,
        {
            "Sid": "UseTheRunsKeyThroughS3",
            "Effect": "Allow",
            "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
            "Resource": key,
            "Condition": {"StringEquals": {"kms:ViaService": f"s3.{account.region}.amazonaws.com"}},
        },
    )
    return policy


def _kms(config: UcdhConfig, account: Account) -> tuple[Any, dict[str, Any]]:
    """The key's ARN (a literal, or the new key's) and the resources it needs."""
    key = kms_key_arn(config, account)
    if key is not None:
        return key, {}
    root = f"arn:{account.partition}:iam::{account.account_id}:root"
    resource = {
        "Type": "AWS::KMS::Key",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            "Description": "ucdh-jupyter runs bucket",
            "EnableKeyRotation": True,
            "KeyPolicy": document(
                {
                    "Sid": "AccountAdministersTheKey",
                    "Effect": "Allow",
                    "Principal": {"AWS": root},
                    "Action": "kms:*",
                    "Resource": "*",
                }
            ),
        },
    }
    return {"Fn::GetAtt": ["RunsKey", "Arn"]}, {"RunsKey": resource}


def admin_template(
    config: UcdhConfig,
    account: Account,
    retention_days: int = DEFAULT_RETENTION_DAYS,
    batch: bool = False,
) -> dict[str, Any]:
    """The template as a JSON-ready dict (CloudFormation reads JSON as well as YAML);
    ``batch``: create the Batch compute environment, queue and job definition the config
    names (``runs_batch_job_queue``/``runs_batch_job_definition``)."""
    if not config.runs_bucket:
        raise ValueError("UcdhConfig.runs_bucket is not set: there is no runs bucket to create")
    key, key_resources = _kms(config, account)
    instance_policy = run_instance_policy(config, account)
    if not config.kms_key_id:
        instance_policy = _grant_new_key(instance_policy, key, account)
    managed = f"aws:ResourceTag/{TAG_MANAGED}"
    resources: dict[str, Any] = {
        **key_resources,
        "RunsBucket": {
            "Type": "AWS::S3::Bucket",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "BucketName": config.runs_bucket,
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [
                        {
                            "ServerSideEncryptionByDefault": {
                                "SSEAlgorithm": "aws:kms",
                                "KMSMasterKeyID": key,
                            },
                            "BucketKeyEnabled": True,
                        }
                    ]
                },
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True,
                    "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True,
                    "RestrictPublicBuckets": True,
                },
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                "LifecycleConfiguration": {
                    "Rules": [
                        {
                            "Id": "ExpireOldRuns",
                            "Status": "Enabled",
                            "Prefix": config.runs_prefix,
                            "ExpirationInDays": {"Ref": "RunsRetentionDays"},
                            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
                        }
                    ]
                },
            },
        },
        "RunsBucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": "RunsBucket"},
                "PolicyDocument": runs_bucket_policy(config, account),
            },
        },
        "RunInstanceRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                **_role_name(account.run_role),
                "Description": "ucdh-jupyter run instances: their run files in the runs bucket",
                "AssumeRolePolicyDocument": _trust("ec2.amazonaws.com", account, False),
                "Policies": [{"PolicyName": "ucdh-run-files", "PolicyDocument": instance_policy}],
            },
        },
        "RunInstanceProfile": {
            "Type": "AWS::IAM::InstanceProfile",
            "Properties": {
                "InstanceProfileName": profile_name(config.runs_instance_profile),
                "Roles": [{"Ref": "RunInstanceRole"}],
            },
        },
        "RunSecurityGroup": {
            "Type": "AWS::EC2::SecurityGroup",
            "Properties": {
                "GroupDescription": "ucdh-jupyter run instances: no ingress, HTTPS out only",
                "VpcId": {"Ref": "VpcId"},
                "SecurityGroupEgress": [
                    {
                        "IpProtocol": "tcp",
                        "FromPort": 443,
                        "ToPort": 443,
                        "CidrIp": "0.0.0.0/0",
                        "Description": "S3 (gateway endpoint), package index, OS repositories",
                    }
                ],
            },
        },
        "BackstopScheduleGroup": {
            "Type": "AWS::Scheduler::ScheduleGroup",
            "Properties": {"Name": config.runs_backstop_schedule_group},
        },
        "BackstopSchedulerRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                **_role_name(account.backstop_role),
                "Description": "EventBridge Scheduler: terminate overdue ucdh-managed instances",
                "AssumeRolePolicyDocument": _trust("scheduler.amazonaws.com", account),
                "Policies": [
                    {
                        "PolicyName": "ucdh-terminate-managed",
                        "PolicyDocument": document(
                            {
                                "Effect": "Allow",
                                "Action": "ec2:TerminateInstances",
                                "Resource": account.arn("ec2", "instance/*"),
                                "Condition": {"StringEquals": {managed: "true"}},
                            }
                        ),
                    }
                ],
            },
        },
    }
    outputs = {
        "RunsBucketName": {"Value": {"Ref": "RunsBucket"}},
        "RunsKmsKeyArn": {"Value": key},
        "RunInstanceProfileArn": {"Value": {"Fn::GetAtt": ["RunInstanceProfile", "Arn"]}},
        "RunSecurityGroupId": {"Value": {"Fn::GetAtt": ["RunSecurityGroup", "GroupId"]}},
        "BackstopSchedulerRoleArn": {"Value": {"Fn::GetAtt": ["BackstopSchedulerRole", "Arn"]}},
    }
    parameters: dict[str, Any] = {
        "VpcId": {"Type": "AWS::EC2::VPC::Id", "Description": "VPC of the runs subnet"},
        "RunsRetentionDays": {
            "Type": "Number",
            "Default": retention_days,
            "MinValue": 1,
            "Description": "Days after which a run's files are deleted",
        },
    }
    description = (
        "ucdh-jupyter administrator's side: runs bucket, run instance profile, security "
        "group, backstop scheduler role"
    )
    if batch_in_use(config):
        resources.update(_schedule_resources(config, account))
        outputs["ScheduleRoleArn"] = {"Value": {"Fn::GetAtt": ["ScheduleRole", "Arn"]}}
        description += ", recurring schedules' group and role"
    if batch:
        more, more_outputs, more_parameters = _batch_resources(config, account, key)
        resources.update(more)
        outputs.update(more_outputs)
        parameters.update(more_parameters)
        description += (
            ", AWS Batch (Fargate) compute environment, job queue, job definition and job "
            "role for sweeps and scheduled runs. The compute environment's maxvCpus "
            "(BatchMaxvCpus) over each job's vCPUs is what limits a sweep's children at once"
        )
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"{description} (generated by ucdh-jupyter admin policies)",
        "Parameters": parameters,
        "Resources": resources,
        "Outputs": outputs,
    }


def _schedule_resources(config: UcdhConfig, account: Account) -> dict[str, Any]:
    """The recurring schedules' group, and the role Scheduler assumes to submit their jobs."""
    return {
        "RecurringScheduleGroup": {
            "Type": "AWS::Scheduler::ScheduleGroup",
            "Properties": {"Name": config.runs_schedule_group},
        },
        "ScheduleRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                **_role_name(account.schedule_role),
                "Description": "EventBridge Scheduler: submit recurring ucdh-jupyter runs to Batch",
                "AssumeRolePolicyDocument": _trust("scheduler.amazonaws.com", account),
                "Policies": [
                    {
                        "PolicyName": "ucdh-submit-scheduled-runs",
                        "PolicyDocument": schedule_role_policy(config, account),
                    }
                ],
            },
        },
    }


def _batch_resources(
    config: UcdhConfig, account: Account, key: Any
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Resources, outputs and parameters of the Fargate environment sweeps run in."""
    queue = str(config.runs_batch_job_queue)
    definition = str(config.runs_batch_job_definition)
    if ":" in queue or ":" in definition:
        raise ValueError(
            "the stack creates the Batch job queue and job definition: give their names "
            "(no ARN, no revision) in runs_batch_job_queue and runs_batch_job_definition, "
            "or use --no-batch"
        )
    parameters: dict[str, Any] = {
        "BatchImage": {
            "Type": "String",
            "Description": "Container image of sweeps and scheduled runs (ECR URI). It must "
            "have bash, the AWS CLI, python3 with venv, and useradd",
        },
        "BatchMaxvCpus": {
            "Type": "Number",
            "Default": config.runs_sweep_max_parallel,
            "MinValue": 1,
            "Description": "maxvCpus of the compute environment: with BatchJobVcpus per job, "
            "this limits how many children of a sweep run at once",
        },
        "BatchJobVcpus": {
            "Type": "String",
            "Default": "1",
            "AllowedValues": ["0.25", "0.5", "1", "2", "4", "8", "16"],
            "Description": "vCPUs of each job (Fargate; no GPUs)",
        },
        "BatchJobMemoryMiB": {
            "Type": "Number",
            "Default": 2048,
            "MinValue": 512,
            "Description": "Memory of each job in MiB (a Fargate size for BatchJobVcpus)",
        },
    }
    subnet: Any = config.runs_subnet_id
    if not subnet:
        parameters["RunsSubnetId"] = {
            "Type": "AWS::EC2::Subnet::Id",
            "Description": "Private subnet of the runs (reaches S3 through a gateway endpoint)",
        }
        subnet = {"Ref": "RunsSubnetId"}
    groups: list[Any] = list(config.runs_security_group_ids) or [
        {"Fn::GetAtt": ["RunSecurityGroup", "GroupId"]}
    ]
    job_policy = batch_job_policy(config, account, {"Ref": "VpcId"})
    if not config.kms_key_id:
        job_policy = _grant_new_key(job_policy, key, account)
    execution_policy = (
        f"arn:{account.partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
    )
    resources: dict[str, Any] = {
        "BatchJobRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                **_role_name(account.batch_job_role),
                "Description": "ucdh-jupyter Batch jobs: their run files in the runs bucket",
                "AssumeRolePolicyDocument": _trust("ecs-tasks.amazonaws.com", account),
                "Policies": [{"PolicyName": "ucdh-run-files", "PolicyDocument": job_policy}],
            },
        },
        "BatchExecutionRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "Description": "ECS: pull the ucdh-jupyter Batch image, write the job's log",
                "AssumeRolePolicyDocument": _trust("ecs-tasks.amazonaws.com", account),
                "ManagedPolicyArns": [execution_policy],
            },
        },
        "BatchComputeEnvironment": {
            "Type": "AWS::Batch::ComputeEnvironment",
            "Properties": {
                "ComputeEnvironmentName": queue,
                "Type": "MANAGED",
                "State": "ENABLED",
                "ComputeResources": {
                    "Type": "FARGATE",
                    "MaxvCpus": {"Ref": "BatchMaxvCpus"},
                    "Subnets": [subnet],
                    "SecurityGroupIds": groups,
                },
            },
        },
        "BatchJobQueue": {
            "Type": "AWS::Batch::JobQueue",
            "Properties": {
                "JobQueueName": queue,
                "Priority": 1,
                "State": "ENABLED",
                "ComputeEnvironmentOrder": [
                    {"Order": 1, "ComputeEnvironment": {"Ref": "BatchComputeEnvironment"}}
                ],
            },
        },
        "BatchJobDefinition": {
            "Type": "AWS::Batch::JobDefinition",
            "Properties": {
                "JobDefinitionName": definition,
                "Type": "container",
                "PlatformCapabilities": ["FARGATE"],
                "PropagateTags": True,
                "RetryStrategy": {"Attempts": 1},
                # Each job sets its own (the run's max runtime); this caps any other.
                "Timeout": {"AttemptDurationSeconds": round(config.max_runtime_hours * 3600)},
                "ContainerProperties": {
                    "Image": {"Ref": "BatchImage"},
                    "JobRoleArn": {"Fn::GetAtt": ["BatchJobRole", "Arn"]},
                    "ExecutionRoleArn": {"Fn::GetAtt": ["BatchExecutionRole", "Arn"]},
                    "ResourceRequirements": [
                        {"Type": "VCPU", "Value": {"Ref": "BatchJobVcpus"}},
                        {"Type": "MEMORY", "Value": {"Ref": "BatchJobMemoryMiB"}},
                    ],
                    "NetworkConfiguration": {"AssignPublicIp": "DISABLED"},
                    "FargatePlatformConfiguration": {"PlatformVersion": "LATEST"},
                },
            },
        },
    }
    outputs = {
        "BatchJobQueueArn": {"Value": {"Ref": "BatchJobQueue"}},
        "BatchJobDefinitionArn": {"Value": {"Ref": "BatchJobDefinition"}},
        "BatchJobRoleArn": {"Value": {"Fn::GetAtt": ["BatchJobRole", "Arn"]}},
    }
    return resources, outputs, parameters
