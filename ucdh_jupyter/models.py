"""The bodies of the status and config routes, and the error every route answers with.

Part of the wire contract (see :mod:`ucdh_jupyter.contract`): ``openapi.yaml`` and the
frontend's types are generated from these models, and every route's answer is checked
against its model when it is sent. Imported on first use: pydantic must not load at
server start.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .contract import Reply


class Error(Reply):
    message: str = Field(description="What went wrong, in plain language")
    code: str = Field(
        description="Stable machine code, e.g. no_credentials, sso_token_expired, access_denied",
    )
    hint: str = Field(description="What the user can do about it")


class Problem(Error):  # noqa: N818 (a body, not an exception)
    status: int = Field(description="The HTTP status this problem maps to")


class Identity(Reply):
    account: str
    arn: str
    user_id: str


class DatabricksStatus(Reply):
    """The Databricks workspace runs may use; null when none is configured"""

    host: str = Field(examples=["https://dbc-1234.cloud.databricks.com"])
    user: str | None = Field(description="The user the token belongs to")
    problem: Problem | None


class Status(Reply):
    mode: Literal["aws", "local"]
    region: str | None
    profile: str | None
    endpoint_url: str | None
    identity: Identity | None
    problem: Problem | None
    databricks: DatabricksStatus | None = Field(
        description="The Databricks workspace runs may use; null when none is configured",
    )
    package_source: PackageSource | None = Field(
        description=(
            "Where run machines install Python packages from; null when runs are off or no runs "
            "bucket is set"
        ),
    )
    versions: dict[str, str]
    workspace: Workspace | None = Field(
        description=(
            "The machine this JupyterLab runs on; null when it cannot be told (neither SageMaker "
            "Studio nor EC2, and no UcdhConfig.workspace_instance_type)"
        ),
    )


class KernelActivity(Reply):
    running: int
    busy: int
    idle_seconds: int = Field(
        description=(
            "0 while a kernel is busy; else since the last kernel activity, or since the server "
            "started when no kernel runs"
        ),
    )


class WorkspaceSuggestion(Reply):
    """Set when a large machine has had no kernel busy for UcdhConfig.workspace_idle_minutes"""

    message: str
    reason: str


class Workspace(Reply):
    platform: Literal["sagemaker", "ec2", "configured"]
    where: str = Field(examples=["SageMaker Studio space cardio-study"])
    instance_type: str = Field(examples=["ml.t3.medium"])
    vcpu: int | None
    price_per_hour: float | None = Field(
        description="On-demand USD per hour; null when unknown (never guessed)",
    )
    price_source: str | None = Field(examples=["EC2 on-demand (bundled, 2026-11-01)"])
    kernels: KernelActivity
    large: bool = Field(
        description="At or above UcdhConfig.workspace_large_price_per_hour or workspace_large_vcpu",
    )
    suggestion: WorkspaceSuggestion | None = Field(
        description=(
            "Set when a large machine has had no kernel busy for UcdhConfig.workspace_idle_minutes"
        ),
    )


class PackageSource(Reply):
    kind: Literal["codeartifact", "index", "wheel_cache", "pypi"] = Field(
        description=(
            "The administrator's choice, in this order of precedence: a CodeArtifact repository, a "
            "package index URL, the S3 wheel cache (filled by the server at submit), the public"
            " PyPI"
        ),
    )
    label: str = Field(
        description=(
            "The source in words, without any credential (an index URL is reduced to its host)"
        ),
        examples=["the S3 wheel cache (no internet needed)"],
    )


class BackendAvailability(Reply):
    available: bool
    reason: str | None = Field(description="Why it is unavailable")
    hint: str | None = Field(description="How to configure it")


class ConfigLocation(Reply):
    name: str
    bucket: str
    prefix: str


class Features(Reply):
    s3: bool
    compute: bool
    runs: bool


class DatabricksAvailability(BackendAvailability):
    host: str | None
    cluster_modes: list[Literal["new_cluster", "serverless", "existing_cluster"]] = Field(
        description="Allowed by the admin; the first is the default",
    )
    default_cluster_mode: str
    default_workers: int
    max_workers: int


class RunBackends(Reply):
    ec2: BackendAvailability
    databricks: DatabricksAvailability


class RunsConfig(Reply):
    """What the run dialog and the Runs section need"""

    enabled: bool = Field(description="The admin allows runs")
    configured: bool = Field(description="A runs bucket is set (else submitting is a 400)")
    default_max_hours: float
    max_hours_cap: float
    budget_per_run_usd: float | None = Field(description="null = no budget cap")
    max_notebook_mb: float
    max_files_mb: float
    heartbeat_seconds: float = Field(description="How often a running notebook reports")
    sweep_max_size: int = Field(description="Most parameter sets one sweep may run")
    sweep_max_parallel: int = Field(
        description="Most children of a sweep at once a user may ask for (the default too)"
    )
    schedule_max_per_user: int = Field(
        description="Most recurring runs one user may have; 0: schedules are off"
    )
    schedule_min_interval_minutes: int = Field(
        description="Shortest gap a schedule may leave between two of its runs"
    )
    volume_gb: int = Field(
        description="Disk of an EC2 run machine (the run dialog's estimate includes it)",
    )
    backends: RunBackends
    notifications: bool = Field(
        description="E-mail when a run ends can be turned on (UcdhConfig.runs_notify_topic_arn)"
    )


class Config(Reply):
    mode: Literal["aws", "local"]
    region: str | None
    profile: str | None
    locations: list[ConfigLocation]
    allowed_buckets: list[str]
    sse_kms: bool = Field(description="Writes use SSE-KMS (the key id is not exposed)")
    presigned_urls: bool
    features: Features
    runs: RunsConfig = Field(description="What the run dialog and the Runs section need")


class WorkspaceReply(Reply):
    """``GET status/workspace``: the ``workspace`` block of the status alone."""

    workspace: Workspace | None = Field(description="Null when the machine cannot be told")
