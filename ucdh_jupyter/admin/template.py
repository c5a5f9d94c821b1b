"""The CloudFormation template of the administrator's side of ucdh-jupyter.

One stack: the runs bucket (SSE-KMS with a bucket key, public access blocked, objects owned
by the bucket owner, old runs expired), its bucket policy, the run instance role and
profile, a security group with no ingress, and the role EventBridge Scheduler assumes to
terminate overdue run instances (only those tagged ``ucdh:managed``). Without
``kms_key_id`` the stack creates a key (rotation on) and outputs its ARN for the config.
"""

from __future__ import annotations

from typing import Any

from ..config import UcdhConfig
from ..runs.ec2 import TAG_MANAGED
from .policies import document, kms_key_arn, run_instance_policy, runs_bucket_policy
from .settings import Account, profile_name

DEFAULT_RETENTION_DAYS = 90


def _role_name(name: str) -> dict[str, str]:
    """``RoleName`` (and ``Path``) of a role named ``name`` or ``path/name``."""
    path, _, last = name.rpartition("/")
    return {"RoleName": last, **({"Path": f"/{path}/"} if path else {})}


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
    config: UcdhConfig, account: Account, retention_days: int = DEFAULT_RETENTION_DAYS
) -> dict[str, Any]:
    """The template as a JSON-ready dict (CloudFormation reads JSON as well as YAML)."""
    if not config.runs_bucket:
        raise ValueError("UcdhConfig.runs_bucket is not set: there is no runs bucket to create")
    key, key_resources = _kms(config, account)
    instance_policy = run_instance_policy(config, account)
    if not config.kms_key_id:
        # The new key is unknown to the generated policy: grant it here, through S3 only.
        instance_policy["Statement"].insert(
            1,
            {
                "Sid": "UseTheRunsKeyThroughS3",
                "Effect": "Allow",
                "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                "Resource": key,
                "Condition": {
                    "StringEquals": {"kms:ViaService": f"s3.{account.region}.amazonaws.com"}
                },
            },
        )
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
                "AssumeRolePolicyDocument": document(
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "ec2.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ),
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
                "AssumeRolePolicyDocument": document(
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "scheduler.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                        "Condition": {"StringEquals": {"aws:SourceAccount": account.account_id}},
                    }
                ),
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
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "ucdh-jupyter administrator's side: runs bucket, run instance profile, "
        "security group, backstop scheduler role (generated by ucdh-jupyter admin policies)",
        "Parameters": {
            "VpcId": {"Type": "AWS::EC2::VPC::Id", "Description": "VPC of the runs subnet"},
            "RunsRetentionDays": {
                "Type": "Number",
                "Default": retention_days,
                "MinValue": 1,
                "Description": "Days after which a run's files are deleted",
            },
        },
        "Resources": resources,
        "Outputs": outputs,
    }
