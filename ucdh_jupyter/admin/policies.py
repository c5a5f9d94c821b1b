"""IAM policies generated from the server's ``UcdhConfig``: what each identity may do.

Who is "the researcher's role". The Jupyter server and the kernels it starts run as the
same OS user with the same AWS credentials: in SageMaker Studio both use the user
profile's execution role, on JupyterHub both use the pod's or instance's role. Whatever the
server may do, a researcher can therefore do from a notebook cell with boto3. So the
researcher policy is written for that shared identity, and the guardrails that matter are
in IAM, not only in the server: which instance types, required ``ucdh:*`` tags, IMDSv2, no
public IP, encrypted volumes, ``iam:PassRole`` for the run role only, termination of
``ucdh:managed`` instances only, S3 only in the configured locations, SSE-KMS writes.

The runs location (``runs_bucket``/``runs_prefix``) is the hard part. The server needs it,
and with one shared identity IAM cannot tell the server's calls from a kernel's (same
credentials, same host, same network path; a user agent is no control). The generator
therefore has two modes:

- shared (default, SageMaker Studio): the researcher role may read and write objects
  under ``runs_prefix`` only (not the rest of the bucket, not its settings), over TLS and
  SSE-KMS. Residual risk, said plainly: a researcher can read or overwrite any run's
  folder from a notebook, including other researchers' runs if they share the role.
  Give each user profile its own role and runs bucket when that matters.
- separate (``--server-role``): the server runs with its own role (``UcdhConfig.profile``
  naming a profile of that role, kept out of the kernels' reach, e.g. a root-owned
  credentials file of a service account). The researcher role then gets an explicit Deny
  on the runs location, and ``server-policy.json`` holds the same launch guardrails plus
  the runs location for the server's role.

The run instance profile: an instance should reach only its own run's folder
``<runs_prefix><run-id>/``. IAM cannot express that with today's key layout: an instance
role's session carries ``ec2:SourceInstanceARN`` (usable as a policy variable) but no
instance tag, and the folder is named after the run id, known before the instance id.
The tightest real mechanism is used: objects under ``runs_prefix`` only, ``GetObject`` and
``PutObject`` only (no list, no delete), only with instance credentials
(``ec2:SourceInstanceARN`` present), only from the instance's own VPC through the S3
gateway endpoint (``aws:SourceVpc`` = ``${aws:ec2InstanceSourceVPC}``), so stolen
credentials are useless elsewhere. Residual risk: code in one run can read or overwrite
other runs' folders while it runs. Closing it needs the server to stage each run under
a key holding ``${ec2:SourceInstanceARN}`` after launch, or to hand the instance
presigned URLs instead of a role.

The AWS Batch job role (sweeps and scheduled runs run the same runner in a container) gets
the same rights, but a container's credentials carry neither ``ec2:SourceInstanceARN`` nor
``aws:ec2InstanceSourceVPC``: its S3 calls must come through a VPC endpoint instead (in the
stack, of the runs VPC). The same residual risk applies to it.

Packages: the instance reads the S3 wheel cache (``<runs_prefix>wheels/``, filled by the
server) but may not write it, or one run could replace a wheel later runs install; with a
CodeArtifact source it may fetch a token for that domain (``sts:GetServiceBearerToken`` for
CodeArtifact only) and read that one repository.

KMS: with ``kms_key_id`` set, writes that name another algorithm or another key are
denied. A write that names none is not denied by IAM: S3's multipart ``UploadPart``
carries no encryption header, so a "header required" Deny would break every large
upload. Such writes get the bucket's default encryption, which the template sets to the
key for the runs bucket; set it on the location buckets too. The server always sends
``aws:kms`` and the key.
"""

from __future__ import annotations

from typing import Any

from ..config import UcdhConfig
from ..runs.wheels import CACHE_FOLDER
from .batch import batch_in_use, batch_statements, submit_statements
from .launch import launch_statements
from .settings import Account

VERSION = "2012-10-17"
# Object actions of the S3 browser: read, write (multipart included), delete.
OBJECT_ACTIONS = [
    "s3:GetObject",
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
    "s3:GetObjectTagging",  # the Properties dialog
]


def document(*statements: dict[str, Any]) -> dict[str, Any]:
    """A policy document of ``statements``."""
    return {"Version": VERSION, "Statement": list(statements)}


def kms_key_arn(config: UcdhConfig, account: Account) -> str | None:
    """The configured KMS key as an ARN (an id becomes ``key/<id>``; aliases too)."""
    key = config.kms_key_id
    if not key:
        return None
    if key.startswith("arn:"):
        return key
    return account.arn("kms", key if key.startswith("alias/") else f"key/{key}")


def s3_places(config: UcdhConfig) -> list[tuple[str, str]]:
    """``(bucket, prefix)`` of every configured location and allowed bucket ("" = all)."""
    places = [(str(item["bucket"]), str(item.get("prefix") or "")) for item in config.locations]
    places += [(bucket, "") for bucket in config.allowed_buckets]
    return sorted(set(places))


def _s3_statements(
    sid: str, places: list[tuple[str, str]], account: Account
) -> list[dict[str, Any]]:
    """Object actions under each prefix, and listing only of those prefixes."""
    objects = [account.s3(f"{bucket}/{prefix}*") for bucket, prefix in places]
    statements: list[dict[str, Any]] = [
        {"Sid": f"{sid}Objects", "Effect": "Allow", "Action": OBJECT_ACTIONS, "Resource": objects}
    ]
    by_bucket: dict[str, list[str]] = {}
    for bucket, prefix in places:
        by_bucket.setdefault(bucket, []).append(prefix)
    statements.append(
        {
            "Sid": f"{sid}Region",
            "Effect": "Allow",
            "Action": ["s3:GetBucketLocation", "s3:GetBucketVersioning"],
            "Resource": sorted(account.s3(bucket) for bucket in by_bucket),
        }
    )
    for index, (bucket, prefixes) in enumerate(sorted(by_bucket.items())):
        statement: dict[str, Any] = {
            "Sid": f"{sid}List{index}",
            "Effect": "Allow",
            "Action": ["s3:ListBucket", "s3:ListBucketVersions"],
            "Resource": account.s3(bucket),
        }
        if "" not in prefixes:
            # The browser lists a folder with prefix "<folder>" and delimiter "/".
            statement["Condition"] = {
                "StringLike": {"s3:prefix": sorted({*prefixes, *(f"{p}*" for p in prefixes)})}
            }
        statements.append(statement)
    return statements


def _kms_statements(
    config: UcdhConfig, account: Account, objects: list[str]
) -> list[dict[str, Any]]:
    """Use of the key through S3, and Deny of writes naming another algorithm or key."""
    key = kms_key_arn(config, account)
    if key is None or not objects:
        return []
    return [
        {
            "Sid": "UseTheKeyThroughS3",
            "Effect": "Allow",
            "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
            "Resource": key,
            "Condition": {"StringEquals": {"kms:ViaService": f"s3.{account.region}.amazonaws.com"}},
        },
        *_deny_other_encryption(config, key, objects),
    ]


def _deny_other_encryption(
    config: UcdhConfig, key: str, objects: str | list[str], **principal: Any
) -> list[dict[str, Any]]:
    """Deny writes naming another algorithm than SSE-KMS, or another key than ``key``
    (the role's policy and, with ``Principal="*"``, the runs bucket's)."""
    deny = {"Effect": "Deny", **principal, "Action": "s3:PutObject", "Resource": objects}
    return [
        {
            "Sid": "DenyWritesNotSseKms",
            **deny,
            "Condition": {
                "StringNotEqualsIfExists": {"s3:x-amz-server-side-encryption": "aws:kms"}
            },
        },
        {
            "Sid": "DenyWritesWithAnotherKey",
            **deny,
            "Condition": {
                "StringNotEqualsIfExists": {
                    "s3:x-amz-server-side-encryption-aws-kms-key-id": sorted(
                        {key, str(config.kms_key_id)}
                    )
                }
            },
        },
    ]


def _deny_plain_http() -> dict[str, Any]:
    return {
        "Sid": "DenyS3WithoutTls",
        "Effect": "Deny",
        "Action": "s3:*",
        "Resource": "*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def _runs_place(config: UcdhConfig) -> tuple[str, str] | None:
    return (config.runs_bucket, config.runs_prefix) if config.runs_bucket else None


def optional_service_statements(config: UcdhConfig, account: Account) -> list[dict[str, Any]]:
    """What the server reads or writes only when configured: the audit log group, the
    run-end e-mail topic, the Databricks token secret."""
    statements: list[dict[str, Any]] = []
    if config.audit_cloudwatch_log_group:
        group = account.arn("logs", f"log-group:{config.audit_cloudwatch_log_group}")
        statements.append(
            {
                "Sid": "AuditRecordsToTheirLogGroup",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"{group}:log-stream:*",
            }
        )
    if config.runs_notify_topic_arn:
        statements += [
            {
                "Sid": "MailRunEndsThroughTheTopic",
                "Effect": "Allow",
                "Action": ["sns:Publish", "sns:Subscribe"],
                "Resource": config.runs_notify_topic_arn,
            },
            {
                # Subscriptions have no resource-level permissions in IAM: "*" is the only
                # resource these two actions take.
                "Sid": "ReadAndEndRunMailSubscriptions",
                "Effect": "Allow",
                "Action": ["sns:Unsubscribe", "sns:GetSubscriptionAttributes"],
                "Resource": "*",
            },
        ]
    secret = config.databricks_token_secret_id
    if secret:
        name = (
            secret
            if secret.startswith("arn:")
            else account.arn("secretsmanager", f"secret:{secret}-*")
        )
        statements.append(
            {
                "Sid": "ReadTheDatabricksTokenSecret",
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": name,
            }
        )
    return statements


def researcher_policy(config: UcdhConfig, account: Account) -> dict[str, Any]:
    """The policy of the role the Jupyter server and the researcher's kernels run with."""
    places = s3_places(config)
    runs = _runs_place(config)
    separate = account.server_role is not None
    granted = places + ([runs] if runs and not separate else [])
    statements = launch_statements(config, account) if not separate else []
    statements += [] if separate else optional_service_statements(config, account)
    statements += _s3_statements("Locations", granted, account) if granted else []
    objects = [account.s3(f"{b}/{p}*") for b, p in granted]
    statements += _kms_statements(config, account, objects)
    if runs and separate:
        bucket, prefix = runs
        statements.append(
            {
                "Sid": "DenyTheRunsLocation",
                "Effect": "Deny",
                "Action": "s3:*",
                "Resource": [account.s3(bucket), account.s3(f"{bucket}/{prefix}*")],
            }
        )
    statements.append(_deny_plain_http())
    return document(*statements)


def server_policy(config: UcdhConfig, account: Account) -> dict[str, Any]:
    """The separate server role's policy: the launch guardrails and the runs location."""
    runs = _runs_place(config)
    places = [runs] if runs else []
    statements = launch_statements(config, account)
    statements += optional_service_statements(config, account)
    statements += _s3_statements("RunsLocation", places, account) if places else []
    objects = [account.s3(f"{b}/{p}*") for b, p in places]
    statements += _kms_statements(config, account, objects)
    statements.append(_deny_plain_http())
    return document(*statements)


INSTANCE_CREDENTIALS = {"Null": {"ec2:SourceInstanceARN": "false"}}


def batch_policy(config: UcdhConfig, account: Account) -> dict[str, Any] | None:
    """The server's AWS Batch and recurring-schedule rights, a policy of their own beside
    the researcher's (or server's), which has no room left for them; None without Batch."""
    statements = batch_statements(config, account)
    return document(*statements) if statements else None


def run_instance_policy(config: UcdhConfig, account: Account) -> dict[str, Any]:
    """The run instance role: its run files under ``runs_prefix``, from its own VPC only."""
    vpc_only = {
        "Sid": "DenyUseOutsideTheInstanceVpc",
        "Effect": "Deny",
        "Action": "s3:*",
        "Resource": "*",
        "Condition": {
            "StringNotEquals": {"aws:SourceVpc": "${aws:ec2InstanceSourceVPC}"},
            "Null": {"aws:ec2InstanceSourceVPC": "false"},
        },
    }
    return _runner_policy(config, account, "OnlyWithInstanceCredentials", vpc_only)


def batch_job_policy(config: UcdhConfig, account: Account, vpc: Any = None) -> dict[str, Any]:
    """The AWS Batch job role: the same runner as on a run instance, so the same rights.

    A container's credentials carry no ``ec2:SourceInstanceARN`` and no
    ``aws:ec2InstanceSourceVPC``, so the instance's two conditions become: S3 only through
    a VPC endpoint (``aws:SourceVpc`` present), and with ``vpc`` (the stack's ``VpcId``)
    only from that VPC.
    """
    condition = (
        {"StringNotEquals": {"aws:SourceVpc": vpc}} if vpc else {"Null": {"aws:SourceVpc": "true"}}
    )
    vpc_only = {
        "Sid": "DenyUseOutsideTheRunsVpc" if vpc else "DenyUseNotThroughAVpcEndpoint",
        "Effect": "Deny",
        "Action": "s3:*",
        "Resource": "*",
        "Condition": condition,
    }
    return _runner_policy(config, account, "", vpc_only)


def _runner_policy(
    config: UcdhConfig, account: Account, credentials: str, vpc_only: dict[str, Any]
) -> dict[str, Any]:
    """Run files under ``runs_prefix`` (``credentials``: "OnlyWithInstanceCredentials" or
    "" for a job role), the wheel cache read-only, CodeArtifact, the key, TLS."""
    if not config.runs_bucket:
        raise ValueError("UcdhConfig.runs_bucket is not set: there is no runs location")
    objects = account.s3(f"{config.runs_bucket}/{config.runs_prefix}*")
    files: dict[str, Any] = {
        "Sid": f"RunFiles{credentials}",
        "Effect": "Allow",
        "Action": ["s3:GetObject", "s3:PutObject"],
        "Resource": objects,
    }
    if credentials:
        files["Condition"] = INSTANCE_CREDENTIALS
    statements: list[dict[str, Any]] = [files, vpc_only]
    statements += _wheel_cache_statements(config, account, credentials)
    statements += codeartifact_statements(config, account)
    statements += _kms_statements(config, account, [objects])
    statements.append(_deny_plain_http())
    return document(*statements)


def _wheel_cache_statements(
    config: UcdhConfig, account: Account, credentials: str
) -> list[dict[str, Any]]:
    """Run instances read the wheel cache (its objects are under ``runs_prefix``, so
    already allowed; with the cache on, its listing too, which ``aws s3 sync`` needs) but
    never write it: a run could otherwise replace a wheel that later runs install."""
    folder = f"{config.runs_prefix}{CACHE_FOLDER}"
    statements: list[dict[str, Any]] = [
        {
            "Sid": "DenyWritesToTheWheelCache",
            "Effect": "Deny",
            "Action": ["s3:PutObject", "s3:DeleteObject"],
            "Resource": account.s3(f"{config.runs_bucket}/{folder}*"),
        }
    ]
    if config.runs_wheel_cache:
        condition: dict[str, Any] = {"StringLike": {"s3:prefix": [folder, f"{folder}*"]}}
        if credentials:
            condition.update(INSTANCE_CREDENTIALS)
        statements.append(
            {
                "Sid": f"ListTheWheelCache{credentials}",
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": account.s3(str(config.runs_bucket)),
                "Condition": condition,
            }
        )
    return statements


def schedule_role_policy(config: UcdhConfig, account: Account) -> dict[str, Any]:
    """The role EventBridge Scheduler assumes for a recurring run: submit to the runs
    queue, tagging the job as managed, and nothing else."""
    return document(*submit_statements(config, account, "Schedule"))


def codeartifact_statements(config: UcdhConfig, account: Account) -> list[dict[str, Any]]:
    """With a CodeArtifact source: the instance fetches its token with its own role and
    reads that one repository only."""
    domain, repository = config.runs_codeartifact_domain, config.runs_codeartifact_repository
    if not (domain and repository):
        return []
    owner = config.runs_codeartifact_domain_owner or account.account_id
    where = Account(account.partition, account.region, owner, "", "", None)
    return [
        {
            "Sid": "CodeArtifactTokenOfTheDomain",
            "Effect": "Allow",
            "Action": "codeartifact:GetAuthorizationToken",
            "Resource": where.arn("codeartifact", f"domain/{domain}"),
        },
        {
            "Sid": "CodeArtifactReadTheRepository",
            "Effect": "Allow",
            "Action": ["codeartifact:ReadFromRepository", "codeartifact:GetRepositoryEndpoint"],
            "Resource": where.arn("codeartifact", f"repository/{domain}/{repository}"),
        },
        {
            # GetAuthorizationToken needs a bearer token; only CodeArtifact's.
            "Sid": "BearerTokenForCodeArtifactOnly",
            "Effect": "Allow",
            "Action": "sts:GetServiceBearerToken",
            "Resource": "*",
            "Condition": {"StringEquals": {"sts:AWSServiceName": "codeartifact.amazonaws.com"}},
        },
    ]


def runs_bucket_policy(config: UcdhConfig, account: Account) -> dict[str, Any]:
    """The runs bucket's policy: TLS only, SSE-KMS only, and only the expected roles."""
    if not config.runs_bucket:
        raise ValueError("UcdhConfig.runs_bucket is not set: there is no runs bucket")
    bucket = account.s3(config.runs_bucket)
    objects = account.s3(f"{config.runs_bucket}/*")
    expected = [
        account.role_arn(account.server_role or account.researcher_role),
        account.role_arn(account.run_role),
    ]
    if batch_in_use(config):
        expected.append(account.role_arn(account.batch_job_role))
    statements: list[dict[str, Any]] = [
        {
            "Sid": "DenyWithoutTls",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [bucket, objects],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
        {
            # Data actions only: the account's administrators keep the bucket's settings.
            "Sid": "DenyDataAccessToOtherPrincipals",
            "Effect": "Deny",
            "Principal": "*",
            "Action": [*OBJECT_ACTIONS, "s3:ListBucket"],
            "Resource": [bucket, objects],
            "Condition": {"ArnNotLike": {"aws:PrincipalArn": expected}},
        },
    ]
    key = kms_key_arn(config, account)
    if key is not None:
        statements += _deny_other_encryption(config, key, objects, Principal="*")
    return document(*statements)
