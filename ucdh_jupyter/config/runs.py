"""Where notebook runs execute: the runs bucket, network, instance image, backstop, backends.

A ``HasTraits`` mixin of :class:`~ucdh_jupyter.config.UcdhConfig`, not a ``Configurable``:
its traits are set as ``c.UcdhConfig.<name>``, like every other setting.
"""

from __future__ import annotations

from typing import Any

from traitlets import Bool, Dict, Float, HasTraits, Int, List, Unicode, validate

from .bounds import above_zero


class RunsSettings(HasTraits):
    """The infrastructure of runs, and how often the server looks after them."""

    runs_bucket = Unicode(
        None,
        allow_none=True,
        help=(
            "Bucket where notebook runs are staged and their records, logs and executed "
            "notebooks are kept (same region as the instances). Unset: runs are refused. "
            "Give it default encryption and a lifecycle rule that expires old runs."
        ),
    ).tag(config=True)

    runs_notify_topic_arn = Unicode(
        None,
        allow_none=True,
        help=(
            "SNS topic for e-mail when a run ends. Each user subscribes their address once "
            "in the Runs section (SNS mails them a link to confirm); a subscription filters "
            "on a hash of its user, so a user gets only their own runs' mail. The server "
            "publishes (`ucdh-jupyter admin policies` writes its permissions). Unset: no "
            "e-mail."
        ),
    ).tag(config=True)

    runs_notify_jupyter_url = Unicode(
        None,
        allow_none=True,
        help=(
            "The JupyterLab address the run e-mails link to, e.g. "
            "https://jupyter.hospital.org/user/ (its /lab?ucdh-run=<id> opens the run). "
            "Unset: the e-mails say where to look but carry no link."
        ),
    ).tag(config=True)

    runs_prefix = Unicode(
        "ucdh-runs/",
        help="Key prefix in runs_bucket under which each run gets <prefix><run-id>/.",
    ).tag(config=True)

    runs_subnet_id = Unicode(
        None,
        allow_none=True,
        help=(
            "Subnet of run instances: a private subnet that reaches S3 (gateway endpoint) "
            "and a package index (NAT or mirror). Instances never get a public IP. Unset: "
            "the default VPC's subnet if the account has one, else runs are refused."
        ),
    ).tag(config=True)

    runs_security_group_ids = List(
        Unicode(),
        default_value=[],
        help=(
            "Security groups of run instances (egress only is enough: nothing connects to "
            "them). Empty: the VPC's default group."
        ),
    ).tag(config=True)

    runs_instance_profile = Unicode(
        None,
        allow_none=True,
        help=(
            "IAM instance profile (name or ARN) of run instances. Its role needs only "
            "s3:GetObject/PutObject on runs_bucket/runs_prefix (and kms:Decrypt/GenerateDataKey "
            "on kms_key_id). Required in 'aws' mode."
        ),
    ).tag(config=True)

    runs_ami_id = Unicode(
        None,
        allow_none=True,
        help="AMI of run instances. Unset: resolved from runs_ami_ssm_parameter at each run.",
    ).tag(config=True)

    runs_ami_ssm_parameter = Unicode(
        "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-{arch}",
        help=(
            "SSM parameter naming the AMI when runs_ami_id is unset; {arch} becomes x86_64 "
            "or arm64 after the instance type. Default: the latest Amazon Linux 2023."
        ),
    ).tag(config=True)

    runs_gpu_ami_ssm_parameter = Unicode(
        "/aws/service/deeplearning/ami/{arch}/base-oss-nvidia-driver-gpu-amazon-linux-2023/"
        "latest/ami-id",
        help=(
            "SSM parameter naming the AMI of GPU instance types when runs_ami_id is unset; "
            "{arch} becomes x86_64 or arm64. Default: the latest AWS Deep Learning Base AMI "
            "(Amazon Linux 2023, NVIDIA driver), whose driver the runner checks with nvidia-smi."
        ),
    ).tag(config=True)

    runs_volume_gb = Int(
        30,
        min=1,
        help="Size in GB of the encrypted root volume of run instances (gp3, deleted with it).",
    ).tag(config=True)

    runs_backstop_role_arn = Unicode(
        None,
        allow_none=True,
        help=(
            "IAM role that EventBridge Scheduler assumes to terminate a run's instance at its "
            "deadline plus runs_backstop_grace_minutes, whatever the instance or Jupyter do. "
            "Trusts scheduler.amazonaws.com; allows only ec2:TerminateInstances on instances "
            "tagged ucdh:managed=true. Required in 'aws' mode: runs are refused without it."
        ),
    ).tag(config=True)

    runs_backstop_grace_minutes = Int(
        15,
        min=1,
        max=1440,
        help=(
            "Minutes after a run's deadline at which the AWS-side backstop schedule "
            "terminates its instance (the instance powers itself off at the deadline)."
        ),
    ).tag(config=True)

    runs_backstop_schedule_group = Unicode(
        "ucdh-runs",
        help=(
            "EventBridge Scheduler schedule group of the backstop schedules (created on "
            "first use when missing). Scope the server role's scheduler:* permissions to it."
        ),
    ).tag(config=True)

    runs_batch_job_queue = Unicode(
        None,
        allow_none=True,
        help=(
            "AWS Batch job queue (name or ARN) of parameter sweeps and scheduled runs of the "
            "EC2 family. Create it on a compute environment in private subnets that reach S3 "
            "(and the KMS key's endpoint); its maxvCpus over a job's vCPUs is how many "
            "children of a sweep run at once. Unset: sweeps on EC2 are refused."
        ),
    ).tag(config=True)

    runs_batch_job_definition = Unicode(
        None,
        allow_none=True,
        help=(
            "AWS Batch job definition (name, name:revision or ARN) of sweeps and scheduled "
            "runs: no public IP (Fargate: networkConfiguration.assignPublicIp DISABLED); an "
            "image that has bash, the AWS CLI, python3 with venv, and useradd; a job role "
            "allowed S3 on the runs prefix (s3:GetObject, s3:PutObject, s3:ListBucket) and "
            "kms:Decrypt/kms:GenerateDataKey on kms_key_id. Each job overrides its command."
        ),
    ).tag(config=True)

    runs_schedule_group = Unicode(
        "ucdh-schedules",
        help=(
            "EventBridge Scheduler schedule group of recurring runs' schedules (created on "
            "first use when missing). Scope the server role's scheduler:* permissions to it."
        ),
    ).tag(config=True)

    runs_schedule_role_arn = Unicode(
        None,
        allow_none=True,
        help=(
            "IAM role EventBridge Scheduler assumes to start a recurring run: trusted by "
            "scheduler.amazonaws.com, allowed only batch:SubmitJob and batch:TagResource on "
            "runs_batch_job_queue and runs_batch_job_definition. Required in aws mode for "
            "EC2 schedules (ucdh-jupyter admin policies prints it)."
        ),
    ).tag(config=True)

    runs_schedule_max_per_user = Int(
        10,
        min=0,
        help="Most recurring runs (schedules) one user may have; 0 turns schedules off.",
    ).tag(config=True)

    runs_schedule_min_interval_minutes = Int(
        60,
        min=1,
        help=(
            "Shortest time in minutes a recurring run's schedule may leave between two of "
            "its runs (every 15 minutes is refused at 60). Counted on the clock of the "
            "schedule's time zone."
        ),
    ).tag(config=True)

    runs_heartbeat_seconds = Float(
        30.0,
        max=30.0,
        help=(
            "Seconds between two heartbeats of a running notebook (status and partial "
            "notebook uploaded to S3; at most 30). This is how live progress is shown."
        ),
    ).tag(config=True)

    runs_local_boot_seconds = Float(
        0.0,
        min=0.0,
        help=(
            "mode='local' only (demo and tests): seconds the stand-in instance takes to boot "
            "before it executes its user data, as a real one starts its OS first."
        ),
    ).tag(config=True)

    runs_local_image_baked = Bool(
        True,
        help=(
            "mode='local' only: the stand-in instance's image has the runner's venv baked in "
            "(as an administrator may bake it into an AMI), so a run's boot skips creating "
            "it. Off: every boot creates the venv and pip-installs the runner's packages "
            "from the package source, as on a stock image (30 s or more)."
        ),
    ).tag(config=True)

    runs_store_path = Unicode(
        None,
        allow_none=True,
        help=(
            "SQLite file caching the run list. Unset: <Jupyter data dir>/ucdh_jupyter/"
            "runs.sqlite. It is rebuilt from the S3 run records at start."
        ),
    ).tag(config=True)

    reaper_interval_seconds = Float(
        60.0,
        help=(
            "Seconds between two sweeps that terminate every managed run instance past its "
            "deadline (also swept once at start)."
        ),
    ).tag(config=True)

    # Its default reads mode (another group), so UcdhConfig sets it.
    run_backends = Dict(
        key_trait=Unicode(),
        value_trait=Unicode(),
        help=(
            "Where runs can go: backend name -> import path of its class (a RunBackend, "
            "see ucdh_jupyter.runs.backend), in the order the run dialog offers them. "
            "Default: ec2 (ucdh_jupyter.runs.ec2.Ec2Backend) and databricks "
            "(ucdh_jupyter.runs.databricks.DatabricksBackend); in mode='local' the EC2 "
            "runs boot on this host (ucdh_jupyter.demo.ec2.LocalEc2Backend)."
        ),
    ).tag(config=True)

    @validate("runs_prefix")
    def _validate_runs_prefix(self, proposal: dict[str, Any]) -> str:
        # Stays a validator: it normalises the prefix (one trailing slash) rather than refuse it.
        value = str(proposal["value"]).strip("/")
        return f"{value}/" if value else ""

    @validate("runs_heartbeat_seconds", "reaper_interval_seconds")
    def _validate_intervals_above_zero(self, proposal: dict[str, Any]) -> Any:
        # A 0-second interval would spin; traitlets' min cannot leave out 0 itself.
        return above_zero(proposal)
