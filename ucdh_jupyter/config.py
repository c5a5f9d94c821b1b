"""Every admin setting of the extension, in one traitlets ``Configurable``.

Admins set these in ``jupyter_server_config.py`` (``c.UcdhConfig.region = ...``)
or on the command line (``--UcdhConfig.region=...``). Only the non-secret part is
ever sent to the browser (see :meth:`UcdhConfig.public`).
"""

from __future__ import annotations

from typing import Any

from traitlets import Bool, Dict, Float, Int, List, Unicode, default, validate
from traitlets.config import Configurable

# How a Databricks run gets its compute (see UcdhConfig.databricks_cluster_modes).
CLUSTER_MODES = ("new_cluster", "serverless", "existing_cluster")


class UcdhConfig(Configurable):
    """Admin settings for ucdh-jupyter."""

    mode = Unicode(
        "aws",
        help=(
            "'aws' for a real AWS account, 'local' for the embedded local AWS of the demo "
            "and tests. In 'local' mode the user's AWS config and credential files are "
            "never read."
        ),
    ).tag(config=True)

    profile = Unicode(
        None,
        allow_none=True,
        help=(
            "Named AWS profile (for example an IAM Identity Center / SSO profile). "
            "Unset: the default credential chain (environment, ~/.aws, SageMaker "
            "execution role, instance profile)."
        ),
    ).tag(config=True)

    region = Unicode(
        None,
        allow_none=True,
        help="AWS region, e.g. us-east-1 or us-gov-west-1. Unset: from the profile or AWS_REGION.",
    ).tag(config=True)

    endpoint_url = Unicode(
        None,
        allow_none=True,
        help=(
            "Endpoint URL used for every AWS service (local AWS in the demo, VPC "
            "endpoints). Unset: AWS's public endpoints."
        ),
    ).tag(config=True)

    s3_endpoint_url = Unicode(
        None,
        allow_none=True,
        help="Endpoint URL for S3 only (S3-compatible stores). Overrides endpoint_url for S3.",
    ).tag(config=True)

    ca_bundle = Unicode(
        None,
        allow_none=True,
        help="Path to a CA bundle for TLS to AWS (corporate proxies that re-sign traffic).",
    ).tag(config=True)

    allowed_buckets = List(
        Unicode(),
        default_value=[],
        help=(
            "Buckets users may open. Empty: every bucket the credentials can list. "
            "Enforced on the server."
        ),
    ).tag(config=True)

    locations = List(
        Dict(),
        default_value=[],
        help=(
            "Named S3 locations shown to users who may not list all buckets: a list of "
            "{'name': 'Cardiology study', 'bucket': 'my-bucket', 'prefix': 'cardio/'}. "
            "When set (or allowed_buckets is), users may only open keys under these "
            "prefixes or in allowed_buckets. Enforced on the server."
        ),
    ).tag(config=True)

    kms_key_id = Unicode(
        None,
        allow_none=True,
        help="KMS key id or ARN: every write to S3 uses SSE-KMS with this key when set.",
    ).tag(config=True)

    allow_presigned_urls = Bool(
        False,
        help="Allow short-lived presigned download URLs. Off: downloads stream through Jupyter.",
    ).tag(config=True)

    s3_part_size = Int(
        8 * 1024 * 1024,
        help=(
            "Part size in bytes of multipart uploads through the server (5 MiB to 5 GiB). "
            "Server memory per browser upload is about part size x (concurrency + 1)."
        ),
    ).tag(config=True)

    s3_max_concurrency = Int(
        4,
        help="Parts of one upload or transfer sent to or fetched from S3 at the same time.",
    ).tag(config=True)

    s3_multipart_copy_threshold = Int(
        5 * 1024**3,
        help="Objects larger than this (bytes) are copied part by part (S3 copies 5 GiB at most).",
    ).tag(config=True)

    s3_presign_expiry = Int(
        300,
        help="Lifetime in seconds of a presigned download URL (1 to 3600).",
    ).tag(config=True)

    s3_search_keys_per_request = Int(
        5000,
        help=(
            "Keys one search request scans at most; the browser asks for the next page to "
            "go on, or stops asking to cancel."
        ),
    ).tag(config=True)

    allowed_instance_families = List(
        Unicode(),
        default_value=[],
        help=(
            "EC2 instance families users may choose, e.g. ['t3', 'm6i', 'r6i', 'g5']. "
            "Empty (and allowed_instance_types empty): every family. Other types are shown "
            "greyed with the reason, and the run routes refuse them."
        ),
    ).tag(config=True)

    allowed_instance_types = List(
        Unicode(),
        default_value=[],
        help=(
            "Instance types users may choose besides allowed_instance_families: exact names "
            "or patterns, e.g. ['g5.xlarge', 'r6i.*']. Empty (and allowed_instance_families "
            "empty): every type."
        ),
    ).tag(config=True)

    max_price_per_hour = Float(
        None,
        allow_none=True,
        help=(
            "Highest on-demand USD per hour of one instance (for Databricks, of one node: "
            "EC2 plus DBUs). Unset: no limit. While set, a type whose price is unknown is "
            "refused, since the limit cannot be checked."
        ),
    ).tag(config=True)

    max_gpus = Int(
        None,
        allow_none=True,
        help="Most GPUs one instance may have (0: no GPU types). Unset: no limit.",
    ).tag(config=True)

    max_runtime_hours = Float(
        24.0,
        help=(
            "Longest run users may ask for, in hours (at most 744, i.e. 31 days). Estimates "
            "beyond it are refused, and runs are stopped when it is reached."
        ),
    ).tag(config=True)

    databricks_dbu_per_hour = Dict(
        value_trait=Float(),
        default_value={
            "m5.xlarge": 0.69,
            "m5.2xlarge": 1.37,
            "m5.4xlarge": 2.74,
            "i3.xlarge": 1.0,
            "i3.2xlarge": 2.0,
            "i3.4xlarge": 4.0,
        },
        help=(
            "DBUs per hour that one Databricks node of each instance type consumes. The "
            "defaults are examples only: copy the figures of your workspace's pricing page. "
            "Types not listed use databricks_dbu_per_vcpu_hour x vCPUs."
        ),
    ).tag(config=True)

    databricks_dbu_per_vcpu_hour = Float(
        0.25,
        help=(
            "DBUs per vCPU-hour assumed for instance types missing from "
            "databricks_dbu_per_hour (example default 0.25, on the high side on purpose)."
        ),
    ).tag(config=True)

    databricks_price_per_dbu = Float(
        0.15,
        help=(
            "USD per DBU of your Databricks contract (example default 0.15: Jobs Compute "
            "list price on the Premium tier). A Databricks node costs its EC2 price plus "
            "DBUs/hour x this, driver included."
        ),
    ).tag(config=True)

    databricks_host = Unicode(
        None,
        allow_none=True,
        help=(
            "URL of the Databricks workspace runs may use (https://dbc-….cloud.databricks.com). "
            "Unset: the Databricks SDK's own configuration (DATABRICKS_HOST or the "
            "~/.databrickscfg profile), and no Databricks when there is none."
        ),
    ).tag(config=True)

    databricks_profile = Unicode(
        None,
        allow_none=True,
        help="Profile of ~/.databrickscfg to authenticate with (the SDK's unified config).",
    ).tag(config=True)

    databricks_token_file = Unicode(
        None,
        allow_none=True,
        help=(
            "File holding a Databricks personal access token (read at each connection, so a "
            "rotated token is picked up). Never sent to the browser or logged."
        ),
    ).tag(config=True)

    databricks_token_secret_id = Unicode(
        None,
        allow_none=True,
        help=(
            "AWS Secrets Manager secret (name or ARN) holding the Databricks token, as the "
            "plain secret string or as JSON with a 'token' key."
        ),
    ).tag(config=True)

    databricks_runs_folder = Unicode(
        "/Users/{user}/.ucdh-runs",
        help=(
            "Workspace folder under which each run's notebook is imported, one sub-folder per "
            "run id; {user} is the Databricks user name."
        ),
    ).tag(config=True)

    databricks_cleanup = Bool(
        True,
        help="Delete a run's workspace folder once its results are fetched.",
    ).tag(config=True)

    databricks_cluster_modes = List(
        Unicode(),
        default_value=["new_cluster"],
        help=(
            "How Databricks runs may get compute: 'new_cluster' (a job cluster that exists "
            "only for the run), 'serverless', 'existing_cluster' (needs "
            "databricks_existing_cluster_id). The first is the default."
        ),
    ).tag(config=True)

    databricks_existing_cluster_id = Unicode(
        None,
        allow_none=True,
        help="The all-purpose cluster that 'existing_cluster' runs use.",
    ).tag(config=True)

    databricks_spark_version = Unicode(
        None,
        allow_none=True,
        help="Databricks runtime of job clusters. Unset: the latest LTS, asked at run time.",
    ).tag(config=True)

    databricks_max_workers = Int(
        8, help="Most workers a Databricks job cluster may have (the driver comes on top)."
    ).tag(config=True)

    databricks_default_workers = Int(
        1, help="Workers the run dialog proposes for a Databricks job cluster."
    ).tag(config=True)

    ebs_price_per_gb_month = Float(
        0.08,
        help="USD per GB-month of EBS gp3 storage (example default: the us-east-1 list price).",
    ).tag(config=True)

    live_pricing = Bool(
        True,
        help=(
            "Fetch live on-demand prices from the AWS Price List API (needs "
            "pricing:GetProducts; the client uses us-east-1). Off, or when it fails: the "
            "price cache, then the snapshot bundled in the package, always labelled."
        ),
    ).tag(config=True)

    pricing_cache_ttl_hours = Float(
        24.0,
        help="Hours live prices are reused (from memory or the disk cache) before a refresh.",
    ).tag(config=True)

    pricing_cache_dir = Unicode(
        None,
        allow_none=True,
        help="Directory of the price cache. Unset: <Jupyter data dir>/ucdh_jupyter/pricing.",
    ).tag(config=True)

    runs_bucket = Unicode(
        None,
        allow_none=True,
        help=(
            "Bucket where notebook runs are staged and their records, logs and executed "
            "notebooks are kept (same region as the instances). Unset: runs are refused. "
            "Give it default encryption and a lifecycle rule that expires old runs."
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

    runs_pip_index_url = Unicode(
        "",
        help=(
            "Package index (PEP 503 'simple' URL) that run instances install Python packages "
            "from, e.g. a mirror reachable through the VPC. Empty: the public PyPI, unless "
            "a CodeArtifact repository or the wheel cache is configured."
        ),
    ).tag(config=True)

    runs_codeartifact_domain = Unicode(
        "",
        help=(
            "CodeArtifact domain of the PyPI repository run instances install from; the "
            "instance fetches its authorization token with its own role "
            "(codeartifact:GetAuthorizationToken, sts:GetServiceBearerToken). Needs "
            "runs_codeartifact_repository; runs_codeartifact_domain_owner defaults to this "
            "account."
        ),
    ).tag(config=True)

    runs_codeartifact_domain_owner = Unicode(
        "", help="AWS account id owning runs_codeartifact_domain (empty: this account)."
    ).tag(config=True)

    runs_codeartifact_repository = Unicode(
        "", help="CodeArtifact repository (PyPI format) in runs_codeartifact_domain."
    ).tag(config=True)

    runs_wheel_cache = Bool(
        False,
        help=(
            "Install run packages only from a wheel cache in the runs bucket (<runs_prefix>"
            "wheels/), which the server fills at submit time with what the notebook needs: "
            "run instances then need no package index at all (S3 gateway endpoint only). "
            "Default on in mode='local'."
        ),
    ).tag(config=True)

    runs_wheelhouse = Unicode(
        "",
        help=(
            "Where the server's pip gets the wheels that fill the wheel cache: a local folder "
            "(used with --no-index). Empty: the index the server's pip is configured with."
        ),
    ).tag(config=True)

    runs_image_pythons = List(
        Unicode(),
        ["3.9", "3.11", "3.12", "3.13", "3.14"],
        help=(
            "Python minor versions the run image can install (Amazon Linux 2023: 3.9 is the "
            "system Python, 3.11 to 3.14 are packaged as python3.X). A run uses the kernel's "
            "minor version when listed, else the dialog says which one it will use."
        ),
    ).tag(config=True)

    runs_volume_gb = Int(
        30,
        help="Size in GB of the encrypted root volume of run instances (gp3, deleted with it).",
    ).tag(config=True)

    runs_default_max_hours = Float(
        2.0,
        help=(
            "Max runtime offered by default, in hours. A run is stopped (and its machine "
            "terminated) when its max runtime is reached; max_runtime_hours caps it."
        ),
    ).tag(config=True)

    runs_budget_per_run_usd = Float(
        None,
        allow_none=True,
        help=(
            "Highest maximum cost (hourly rate x max runtime x machines) of one run, in USD, "
            "enforced on the server. Unset: no budget cap."
        ),
    ).tag(config=True)

    runs_max_concurrent_per_user = Int(
        3,
        min=1,
        help=(
            "Most runs one user may have going at once (not yet SUCCEEDED, FAILED, "
            "CANCELLED or EXPIRED), whichever backend, enforced on the server."
        ),
    ).tag(config=True)

    runs_monthly_budget_per_user_usd = Float(
        None,
        allow_none=True,
        min=0.01,
        help=(
            "Most one user's runs may cost per calendar month (UTC), in USD: finished runs "
            "count at their final cost, live runs at their maximum cost (rate x machines x "
            "max runtime). A run that could take the month over it is refused. Unset: no cap."
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

    runs_max_notebook_mb = Float(
        20.0,
        help="Largest notebook (MiB) that may be sent to a run.",
    ).tag(config=True)

    runs_max_files_mb = Float(
        500.0,
        help=(
            "Largest total (MiB) of the files sent along with a notebook. Bigger inputs "
            "belong in S3, read by the notebook."
        ),
    ).tag(config=True)

    runs_heartbeat_seconds = Float(
        30.0,
        help=(
            "Seconds between two heartbeats of a running notebook (status and partial "
            "notebook uploaded to S3; at most 30). This is how live progress is shown."
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

    enable_s3 = Bool(True, help="Show the S3 browser.").tag(config=True)
    enable_compute = Bool(True, help="Show the instance-size picker.").tag(config=True)
    enable_runs = Bool(True, help="Allow running notebooks on EC2 / Databricks.").tag(config=True)

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

    @default("run_backends")
    def _default_run_backends(self) -> dict[str, str]:
        # The demo's machines are a peer backend chosen here, not a branch in the runs.
        ec2 = "demo.ec2.LocalEc2Backend" if self.mode == "local" else "runs.ec2.Ec2Backend"
        return {
            "ec2": f"ucdh_jupyter.{ec2}",
            "databricks": "ucdh_jupyter.runs.databricks.DatabricksBackend",
        }

    app_id = Unicode(
        "ucdh-jupyter",
        help="User-agent app id added to every AWS call, so CloudTrail shows the caller.",
    ).tag(config=True)

    audit_log_path = Unicode(
        None,
        allow_none=True,
        help=(
            "File of the audit log: one JSON line per change (upload, delete, copy, move, "
            "transfer, run submitted or cancelled), per download or presigned URL and per "
            "run state change; never object content, notebook output, parameter values or "
            "secrets. Mode 0600. Unset: <Jupyter data dir>/ucdh_jupyter/audit.log."
        ),
    ).tag(config=True)

    audit_log_max_mb = Float(
        50.0,
        help="Size in MB at which the audit file is rotated (audit.log → audit.log.1 …).",
    ).tag(config=True)

    audit_log_backups = Int(
        10,
        help="Rotated audit files kept (audit.log.1 … audit.log.N); older ones are deleted.",
    ).tag(config=True)

    audit_cloudwatch_log_group = Unicode(
        None,
        allow_none=True,
        help=(
            "CloudWatch Logs group that also receives every audit record (it must exist; "
            "needs logs:CreateLogStream and logs:PutLogEvents). Records are sent in batches "
            "off the request path; the audit file keeps them whatever happens. Unset: the "
            "file only."
        ),
    ).tag(config=True)

    audit_cloudwatch_log_stream = Unicode(
        "ucdh-jupyter/{host}/{started}",
        help=(
            "Log stream of the audit records in audit_cloudwatch_log_group; {host} becomes "
            "the host name and {started} the server's start time (created if missing)."
        ),
    ).tag(config=True)

    workspace_instance_type = Unicode(
        "",
        help=(
            "The machine this JupyterLab runs on, instead of detecting it (detected: the "
            "SageMaker Studio space's instance type, or the EC2 instance type from instance "
            "metadata). The demo sets a stand-in such as m5.4xlarge. Empty: detect."
        ),
    ).tag(config=True)

    workspace_metadata_path = Unicode(
        "/opt/ml/metadata/resource-metadata.json",
        help="SageMaker Studio's resource metadata file (names the domain, space and app).",
    ).tag(config=True)

    workspace_idle_minutes = Float(
        30.0,
        help=(
            "Minutes with no kernel busy after which the status header suggests a run or a "
            "smaller machine, when this JupyterLab's machine is large."
        ),
    ).tag(config=True)

    workspace_large_price_per_hour = Float(
        0.5,
        help="A machine at or above this on-demand USD per hour counts as large.",
    ).tag(config=True)

    workspace_large_vcpu = Int(
        8,
        help="A machine with at least this many vCPUs counts as large.",
    ).tag(config=True)

    @validate("audit_log_max_mb", "audit_log_backups")
    def _validate_audit_rotation(self, proposal: dict[str, Any]) -> Any:
        # A 0 size or backup count would make RotatingFileHandler never rotate.
        value = proposal["value"]
        if value <= 0:
            raise ValueError(f"UcdhConfig.{proposal['trait'].name} must be above 0")
        return value

    @validate("mode")
    def _validate_mode(self, proposal: dict[str, Any]) -> str:
        value = str(proposal["value"])
        if value not in ("aws", "local"):
            raise ValueError(f"UcdhConfig.mode must be 'aws' or 'local', not {value!r}")
        return value

    @validate("s3_part_size")
    def _validate_part_size(self, proposal: dict[str, Any]) -> int:
        value = int(proposal["value"])
        if not 5 * 1024**2 <= value <= 5 * 1024**3:
            raise ValueError("UcdhConfig.s3_part_size must be between 5 MiB and 5 GiB (S3 limits)")
        return value

    @validate("s3_max_concurrency")
    def _validate_concurrency(self, proposal: dict[str, Any]) -> int:
        value = int(proposal["value"])
        if not 1 <= value <= 64:
            raise ValueError("UcdhConfig.s3_max_concurrency must be between 1 and 64")
        return value

    @validate("s3_presign_expiry")
    def _validate_presign_expiry(self, proposal: dict[str, Any]) -> int:
        value = int(proposal["value"])
        if not 1 <= value <= 3600:
            raise ValueError("UcdhConfig.s3_presign_expiry must be between 1 and 3600 seconds")
        return value

    @validate("max_runtime_hours")
    def _validate_max_runtime(self, proposal: dict[str, Any]) -> float:
        value = float(proposal["value"])
        if not 0 < value <= 24 * 31:
            raise ValueError("UcdhConfig.max_runtime_hours must be above 0 and at most 744")
        return value

    @validate(
        "max_price_per_hour",
        "max_gpus",
        "databricks_dbu_per_vcpu_hour",
        "databricks_price_per_dbu",
        "ebs_price_per_gb_month",
        "pricing_cache_ttl_hours",
    )
    def _validate_not_negative(self, proposal: dict[str, Any]) -> Any:
        value = proposal["value"]
        if value is not None and value < 0:
            raise ValueError(f"UcdhConfig.{proposal['trait'].name} must not be negative")
        return value

    @validate("databricks_cluster_modes")
    def _validate_cluster_modes(self, proposal: dict[str, Any]) -> list[str]:
        modes = [str(mode) for mode in proposal["value"]]
        unknown = sorted(set(modes) - set(CLUSTER_MODES))
        if unknown or not modes:
            raise ValueError(
                "UcdhConfig.databricks_cluster_modes must list some of "
                f"{', '.join(CLUSTER_MODES)}; unknown: {', '.join(unknown) or 'none listed'}"
            )
        return modes

    @validate("databricks_max_workers", "databricks_default_workers")
    def _validate_workers(self, proposal: dict[str, Any]) -> int:
        value = int(proposal["value"])
        if not 0 <= value <= 1000:
            raise ValueError(f"UcdhConfig.{proposal['trait'].name} must be between 0 and 1000")
        return value

    @validate("runs_prefix")
    def _validate_runs_prefix(self, proposal: dict[str, Any]) -> str:
        value = str(proposal["value"]).strip("/")
        return f"{value}/" if value else ""

    @validate("runs_heartbeat_seconds")
    def _validate_heartbeat(self, proposal: dict[str, Any]) -> float:
        value = float(proposal["value"])
        if not 0 < value <= 30:
            raise ValueError("UcdhConfig.runs_heartbeat_seconds must be above 0 and at most 30")
        return value

    @validate(
        "runs_default_max_hours",
        "runs_budget_per_run_usd",
        "runs_max_notebook_mb",
        "runs_max_files_mb",
        "runs_volume_gb",
        "reaper_interval_seconds",
    )
    def _validate_runs_positive(self, proposal: dict[str, Any]) -> Any:
        value = proposal["value"]
        if value is not None and value <= 0:
            raise ValueError(f"UcdhConfig.{proposal['trait'].name} must be above 0")
        return value

    @validate("locations")
    def _validate_locations(self, proposal: dict[str, Any]) -> list[dict[str, str]]:
        cleaned = []
        for item in proposal["value"]:
            if not isinstance(item, dict) or not item.get("bucket"):
                raise ValueError("each UcdhConfig.locations entry needs at least a 'bucket'")
            # A prefix names a folder: "variants" must not also grant "variantsSECRET/".
            prefix = str(item.get("prefix") or "").lstrip("/")
            cleaned.append(
                {
                    "name": str(item.get("name") or item["bucket"]),
                    "bucket": str(item["bucket"]),
                    "prefix": prefix if not prefix or prefix.endswith("/") else prefix + "/",
                }
            )
        return cleaned

    def __init__(self, **kwargs: Any) -> None:
        """Load the settings, then check those that only make sense together (a trait's
        own validator runs before the other trait is loaded)."""
        super().__init__(**kwargs)
        domain, repository = self.runs_codeartifact_domain, self.runs_codeartifact_repository
        if bool(domain) != bool(repository) or (self.runs_codeartifact_domain_owner and not domain):
            given = "runs_codeartifact_domain" if domain else "runs_codeartifact_repository"
            if not domain and not repository:
                given = "runs_codeartifact_domain_owner"
            raise ValueError(
                f"UcdhConfig.{given} is set but a CodeArtifact source needs both "
                "runs_codeartifact_domain and runs_codeartifact_repository: set both "
                "(runs_codeartifact_domain_owner is optional), or neither."
            )

    def public(self) -> dict[str, Any]:
        """The settings the browser may see: nothing secret, no key material."""
        return {
            "mode": self.mode,
            "region": self.region,
            "profile": self.profile,
            "locations": list(self.locations),
            "allowed_buckets": list(self.allowed_buckets),
            "sse_kms": bool(self.kms_key_id),
            "presigned_urls": self.allow_presigned_urls,
            "features": {
                "s3": self.enable_s3,
                "compute": self.enable_compute,
                "runs": self.enable_runs,
            },
            "runs": {
                "enabled": self.enable_runs,
                "configured": bool(self.runs_bucket),
                "default_max_hours": self.runs_default_max_hours,
                "max_hours_cap": self.max_runtime_hours,
                "budget_per_run_usd": self.runs_budget_per_run_usd,
                "max_notebook_mb": self.runs_max_notebook_mb,
                "max_files_mb": self.runs_max_files_mb,
                "heartbeat_seconds": self.runs_heartbeat_seconds,
                "volume_gb": self.runs_volume_gb,
            },
        }
