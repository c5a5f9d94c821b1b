"""The bodies of the run routes: a submit, the dialog's prepare, and the runs answered.

Part of the wire contract (see :mod:`ucdh_jupyter.contract`); not to be confused with
:mod:`.model`, the run as the service keeps it (whose ``to_json`` is checked against
:class:`Run` on the way out).

Requests: every boolean and number has its exact JSON type (``"include_sensitive":
"false"`` or ``"max_hours": "2"`` is a 400 naming the field), no undeclared field is
accepted, and numbers are finite. The rules that need more than a type (an ``.ipynb``
path, the shape of an instance type, a run id) follow in
:meth:`~.service.RunRequest.parse`, the one parser of the run routes and the magics
alike.

pydantic is slow to import: this module is imported on first use, never at server start.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, WithJsonSchema

from ..compute.models import PriceSource
from ..contract import (
    Absent,
    DateTime,
    InstanceTypeName,
    Reply,
    RunId,
    StrictModel,
    schema_ref,
)
from ..models import PackageSource

Backend = Literal["ec2", "databricks"]
# Where a run executes: what the researcher chose, or AWS Batch for an EC2 sweep.
Engine = Literal["ec2", "databricks", "batch"]
ChildState = Literal["PENDING", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"]
ClusterMode = Literal["new_cluster", "serverless", "existing_cluster"]
Hours = float | None
# A notebook path: the service checks it (an .ipynb under the Jupyter root), in its words.
Notebook = Annotated[
    str,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": "\\.ipynb$",
            "description": ".ipynb, relative to the Jupyter root (saved first)",
        }
    ),
]

RUN_STATES = (
    "STAGING",
    "SUBMITTED",
    "PROVISIONING",
    "RUNNING",
    "FINALIZING",
    "SUCCEEDED",
    "FAILED",
    "CANCELLING",
    "CANCELLED",
    "EXPIRED",
)
RunState = Annotated[str, schema_ref("RunState")]

NAMED_SCHEMAS: dict[str, dict[str, Any]] = {
    "RunState": {
        "type": "string",
        "enum": list(RUN_STATES),
        "description": (
            "Forward only: STAGING → SUBMITTED → PROVISIONING → RUNNING → FINALIZING →"
            " SUCCEEDED | FAILED; from any state that is not final, CANCELLING → CANCELLED, or"
            " EXPIRED (deadline passed). Final: SUCCEEDED, FAILED, CANCELLED, EXPIRED."
        ),
    }
}


class RunTransition(Reply):
    state: RunState
    at: DateTime


class RunChild(Reply):
    """One child of a sweep, as its engine (AWS Batch, Databricks) reported it."""

    index: int = Field(description="Its row in sweep_rows (0-based)")
    state: ChildState
    started_at: DateTime | None
    ended_at: DateTime | None
    exit_value: str | None = Field(description="Databricks: what dbutils.notebook.exit handed back")
    scraps: dict[str, Any] = Field(
        description="Values the child glued with scrapbook (name → value)"
    )
    failure_kind: str | None
    failure_message: str | None
    output_key: str | None = Field(
        description="Its executed notebook, relative to the run's prefix",
        examples=["children/00003/output/notebook.ipynb"],
    )
    engine_id: str | None = Field(
        description="AWS Batch child job id, or Databricks iteration run id"
    )


class RunProgress(Reply):
    cell: int = Field(description="Cells started so far (cell i of N)")
    cells: int = Field(description="Code cells in the notebook (N)")
    last_lines: list[str] = Field(description="Last output lines")
    heartbeat_at: DateTime | None


class Run(Reply):
    id: str = Field(
        description="ULID, 26 chars; also the EC2 ClientToken",
        examples=["01JB9Z6Q2T3V4W5X6Y7Z8A9B0C"],
    )
    backend: Engine = Field(description="batch: an EC2 sweep, run as an AWS Batch array job")
    owner: str
    notebook_path: str = Field(
        description="Relative to the Jupyter root",
        examples=["study/analysis.ipynb"],
    )
    instance_type: str = Field(examples=["m5.xlarge"])
    max_hours: float = Field(description="Max runtime; the machine is stopped at the deadline")
    created_at: DateTime
    deadline: DateTime
    parameters: dict[str, Any] = Field(description="Injected papermill parameters")
    count: int = Field(
        description="Machines billed: 1 on EC2, workers + driver on a Databricks job cluster",
    )
    files: list[str] = Field(description="Files sent along, relative to the notebook's folder")
    environment: str = Field(description="Where the package list came from")
    state: RunState
    updated_at: DateTime
    history: list[RunTransition] = Field(description="Every state the run went through, in order")
    failure_kind: (
        Literal["notebook_error", "kernel_died", "timeout", "infrastructure", "staging"] | None
    )
    failure_message: str | None
    failing_cell: int | None = Field(
        description="Index of the failing cell in the executed notebook",
    )
    progress: RunProgress
    rate_usd_per_hour: float | None = Field(description="One machine, on-demand; null when unknown")
    cost_so_far_usd: float | None
    cost_final_usd: float | None = Field(description="Set once the run is over")
    started_at: DateTime | None = Field(description="Machine launch")
    ended_at: DateTime | None
    bucket: str
    prefix: str
    input_uri: str | None
    partial_uri: str | None
    output_uri: str | None
    log_uri: str | None
    instance_id: str | None
    workers: int | None = Field(description="Databricks job cluster workers")
    cluster_mode: ClusterMode | None
    databricks_host: str | None
    databricks_run_id: int | None
    databricks_run_url: str | None = Field(description="The run's page in the Databricks workspace")
    databricks_notebook_path: str | None = Field(
        description="Where the notebook was imported (deleted after the run unless kept)",
    )
    exit_value: str | None = Field(
        description="What the notebook handed back (Databricks: dbutils.notebook.exit)",
    )
    python_version: str | None = Field(
        description=(
            "EC2: the Python minor version the machine installs (the kernel's, or the nearest"
            " newer "
            "one the image offers); null: the image's python3 (R notebooks, Databricks, older "
            "records)"
        ),
        examples=["3.12"],
    )
    notified_at: DateTime | None = Field(
        description="When its owner was told by e-mail that it ended; null: not (yet)"
    )
    mailed_by: Literal["databricks"] | None = Field(
        description=(
            "databricks: Databricks mails the run's end to its owner itself (also with"
            " Jupyter closed); null: the server does, when the owner asked"
        )
    )
    kind: Literal["run", "sweep"] = Field(
        description="sweep: the notebook runs once per row of sweep_rows (its children)"
    )
    sweep_rows: list[dict[str, Any]] = Field(
        description="Sweep: each child's parameter values (over parameters)"
    )
    parallelism: int | None = Field(description="Sweep: most children at once asked for")
    children: list[RunChild] = Field(description="Sweep: the children seen so far, by index")
    child_counts: dict[str, int] = Field(
        description=(
            "Sweep: children per state (pending, running, succeeded, failed, cancelled);"
            " empty before the first look"
        )
    )
    batch_job_id: str | None = Field(description="AWS Batch job (an array job's parent)")
    databricks_job_id: int | None = Field(description="The Databricks job of a sweep or schedule")
    schedule_id: str | None = Field(description="The schedule that started this run")


class RunList(Reply):
    runs: list[Run] = Field(description="Newest first")
    usage: RunUsage


class RunUsage(Reply):
    """The user's runs against the per-user caps (runs_max_concurrent_per_user,
    runs_monthly_budget_per_user_usd), counted as submitting counts them: runs created this
    calendar month (UTC), finished ones at their final cost, live ones at their maximum cost."""

    month: str = Field(description="The calendar month (UTC) counted", examples=["2026-12"])
    month_name: str = Field(examples=["December"])
    used_usd: float = Field(
        description="What the monthly cap counts (live runs at their maximum cost)",
    )
    spent_usd: float = Field(description="What this month's runs cost so far")
    monthly_budget_usd: float | None = Field(description="null = no monthly cap")
    live_runs: int = Field(description="Runs not over yet, any backend")
    max_concurrent: int = Field(description="The most runs a user may have going at once")


class RunRuntime(Reply):
    """The expected runtime and the max runtime as the server reads them"""

    hours_low: float
    hours_high: float
    max_hours: float = Field(description="What a submit sends as max_hours")
    max_hours_default: float = Field(
        description="Twice hours_high, at most max_hours_cap, at least min_hours",
    )
    max_hours_typed: bool
    max_hours_capped: bool = Field(description="Twice hours_high is above the admin's cap")
    max_hours_cap: float
    min_hours: float = Field(
        description="The backend's shortest max runtime (EC2 1 minute, Databricks 10 minutes)",
    )
    note: str = Field(examples=["Twice the expected 2 h, unless you type another."])


class RunPrice(Reply):
    ec2_usd_per_hour: float | None
    dbu_per_hour: float
    usd_per_dbu: float
    disk_gb: int = Field(description="The EC2 run's own volume (0 on Databricks)")
    disk_usd_per_hour: float


class RunHistory(Reply):
    """The last successful run of the same notebook on the same backend, instance type and number
    of machines"""

    hours: float
    cost_usd: float | None
    started_at: str | None
    text: str


class RunVerdict(Reply):
    """The cost policy's verdict on submitting this run now: the checks POST runs makes (allowed
    types, max runtime, budget per run, per-user caps), and the max runtime against the expected
    runtime"""

    ok: bool
    code: str | None = Field(examples=["user_cap"])
    message: str
    hint: str | Absent = None


class SweepCost(Reply):
    """A sweep's cost before it starts: each child as the block above, times the children."""

    children: int
    parallelism: int
    expected_low_usd: float | None
    expected_high_usd: float | None
    max_cost_usd: float | None = Field(description="Every child at its max runtime")
    text: str = Field(
        examples=["6 runs × $0.01–$0.02 = $0.06–$0.12 expected, at most $0.31"]  # noqa: RUF001
    )


class RunCost(RunRuntime):
    instance_type: str
    backend: str
    rate_usd_per_hour: float | None = Field(
        description="One machine, everything included: EC2, DBUs (Databricks), its disk (EC2)",
    )
    count: int = Field(description="Machines billed (Databricks: workers + driver)")
    price: RunPrice
    expected_low_usd: float | None = Field(description="Every machine for hours_low (60 s minimum)")
    expected_high_usd: float | None
    expected_counts: str = Field(
        examples=["1–2 h × 1 t3.large at $0.0832/h + 30 GB disk at $0.0033/h"],  # noqa: RUF001
    )
    max_cost_usd: float | None = Field(
        description="rate x count x max_hours (the budget is checked against it)",
    )
    max_counts: str
    history: RunHistory | None = Field(
        description=(
            "The last successful run of the same notebook on the same backend, instance type and "
            "number of machines"
        ),
    )
    budget_usd: float | None = Field(description="Budget per run; null = none")
    allowed: bool
    reason: str | None = Field(description="Why the admin's limits refuse the type")
    verdict: RunVerdict = Field(
        description=(
            "The cost policy's verdict on submitting this run now: the checks POST runs makes "
            "(allowed types, max runtime, budget per run, per-user caps), and the max runtime"
            " against"
            " the expected runtime"
        ),
    )
    prices: PriceSource
    sweep: SweepCost | Absent = Field(
        None, description="For a sweep (children in the request): the figures above are per child"
    )


class RunImage(Reply):
    name: str = Field(examples=["Deep Learning Base AMI with NVIDIA driver (Amazon Linux 2023)"])
    source: str = Field(
        description=(
            "ssm:<public parameter> ({arch} becomes x86_64 or arm64) or ami:<id> when the "
            "administrator pins one"
        ),
        examples=[
            "ssm:/aws/service/deeplearning/ami/{arch}/"
            "base-oss-nvidia-driver-gpu-amazon-linux-2023/latest/ami-id"
        ],
    )


class RunFile(Reply):
    path: str = Field(description="Relative to the notebook's folder")
    size: int = Field(description="Bytes")
    sensitive: bool = Field(description="Looks like a secret (.env, keys); unchecked by default")
    previous_result: bool = Field(
        description=(
            "A result an earlier run copied back (*.run-*.ipynb, *.run-*.html); unchecked by"
            " default"
        ),
    )


class RunEnvironment(Reply):
    source: str = Field(examples=["requirements.txt"])
    packages: list[str] = Field(examples=[["pandas==2.2.3"]])
    unresolved: list[str] = Field(
        description=(
            "Imports no package of the kernel's environment provides (or only one installed from a "
            "local path)"
        ),
    )
    problem: str | None = Field(
        description=(
            "Why the kernel's packages could not be read (kernel not installed here, its Python"
            " not "
            "found or failing); an EC2 submit is then refused unless the folder has a "
            "requirements.txt"
        ),
    )


class RunPython(Reply):
    """The Python an EC2 run's machine installs. Pins are read in the notebook's kernel's Python,
    not the server's."""

    kernel: str | None = Field(
        description=(
            "The kernel's Python (major.minor); null for non-Python kernels (R) or when it"
            " cannot be "
            "read"
        ),
        examples=["3.10"],
    )
    version: str | None = Field(
        description=(
            "The run's Python: the kernel's when UcdhConfig.runs_image_pythons lists it, else the "
            "nearest newer one listed; null: the image's python3"
        ),
        examples=["3.11"],
    )
    note: str | None = Field(
        description="Why the version differs from the kernel's; null when it does not",
        examples=[
            "Your kernel runs Python 3.10; Amazon Linux 2023 offers 3.9 and 3.11–3.14, so the"  # noqa: RUF001
            " run uses 3.11; pins that need 3.10 may fail."
        ],
    )


class RunImages(Reply):
    """Which image an EC2 run's machine boots, for types without GPUs and for GPU types (the dialog
    shows the one of the chosen type). Known from the config alone: no AWS call; the AMI id is
    resolved at submit."""

    standard: RunImage
    gpu: RunImage


class RunDialog(Reply):
    notebook_path: str
    parameters: dict[str, Any] = Field(
        description=(
            "Names of the parameters cell with their literal defaults (null if not a literal)"
        ),
    )
    files: list[RunFile]
    environment: RunEnvironment
    python: RunPython = Field(
        description=(
            "The Python an EC2 run's machine installs. Pins are read in the notebook's kernel's "
            "Python, not the server's."
        ),
    )
    default_max_hours: float
    max_hours_cap: float
    budget_usd: float | None
    max_files_mb: float
    new_run_id: str = Field(description="Send back as run_id when submitting")
    images: RunImages = Field(
        description=(
            "Which image an EC2 run's machine boots, for types without GPUs and for GPU types (the "
            "dialog shows the one of the chosen type). Known from the config alone: no AWS call;"
            " the "
            "AMI id is resolved at submit."
        ),
    )
    package_source: PackageSource
    runtime: RunRuntime
    cost: RunCost | None = Field(description="Present when the request named an instance_type")


class RunOutput(Reply):
    """``POST runs/<id>/output``: where the run's results were written."""

    path: str | None = Field(
        description="Relative to the Jupyter root; null when the run saved no notebook",
        examples=["study/analysis.run-2026-12-04-1530.ipynb"],
    )
    html_path: str | None = Field(
        description="Databricks: the run's HTML view, relative to the Jupyter root"
    )


class ChildOutput(Reply):
    """``POST runs/<id>/children/<i>/output`` or ``…/children/export``: the file written."""

    path: str = Field(
        description="Relative to the Jupyter root",
        examples=["study/analysis.run-2026-12-04-1530.child-3.ipynb"],
    )


class RunLog(Reply):
    """``GET runs/<id>/log``: the end of the runner's or the machine's boot log."""

    log: str
    source: Literal["runner", "boot"]
    available: bool | Absent = Field(None, description="Boot log: whether the machine uploaded one")
    truncated: bool | Absent = Field(
        None, description="Boot log: longer than 256 KiB, only its end is here"
    )
    size: int | Absent = Field(
        None,
        json_schema_extra={"minimum": 0},
        description="Boot log: the whole log's size in bytes",
    )


class SweepBody(StrictModel):
    """A parameter sweep: a table of rows, or a grid whose product gives the rows."""

    rows: list[dict[str, Any]] | None = Field(
        None, description="One object of parameter values per child"
    )
    grid: dict[str, list[Any]] | None = Field(
        None,
        description="Values per parameter; every combination is a child",
        examples=[{"rows": [10, 100, 1000], "seed": [1, 2]}],
    )
    parallelism: int | None = Field(
        None, ge=1, description="Most children at once; default and cap: runs_sweep_max_parallel"
    )


class RunBody(StrictModel):
    """``POST runs``: what a user asks for when submitting a run (null = the default)."""

    notebook_path: Notebook
    instance_type: InstanceTypeName | None = Field(
        None,
        description=(
            "EC2 instance type, or Databricks node type (not needed for serverless /"
            " existing_cluster)"
        ),
    )
    max_hours: Hours = Field(
        None,
        allow_inf_nan=False,
        description="Default: runs.default_max_hours of GET config; at most max_hours_cap",
    )
    parameters: dict[str, Any] | None = Field(
        None, description="Values for names of the notebook's parameters cell"
    )
    files: list[str] | None = Field(
        None, description="Files or folders of the notebook's folder to send along"
    )
    include_sensitive: bool = Field(False, description="Also send files that look like secrets")
    backend: Backend | None = Field(None, description="Default: ec2")
    count: int = Field(1, ge=1, description="EC2 only (always 1)")
    run_id: RunId | None = Field(
        None, description="new_run_id of runs/prepare: submitting twice launches once"
    )
    workers: int | None = Field(
        None,
        ge=0,
        description="Databricks job cluster workers (0 = single node); at most max_workers",
    )
    cluster_mode: ClusterMode | None = Field(
        None, description="Databricks; default: the first mode the admin allows"
    )
    sweep: SweepBody | None = Field(
        None,
        description=(
            "Run the notebook once per parameter set (EC2: an AWS Batch array job;"
            " Databricks: a for-each task); max_hours is each child's"
        ),
    )


class RunPrepareBody(StrictModel):
    """``POST runs/prepare``: the notebook, and the choice to price when there is one.

    ``hours_low``-``hours_high`` is the researcher's expected runtime; ``max_hours``
    the max runtime they typed (null: twice the expected end, within the admin's cap).
    """

    notebook_path: Notebook
    instance_type: InstanceTypeName | None = Field(
        None, description="Add the cost block for this type"
    )
    backend: Backend | None = Field(None, description="Default: ec2")
    workers: int | None = Field(None, ge=0, description="Databricks workers (the driver is added)")
    cluster_mode: ClusterMode | None = None
    max_hours: Hours = Field(
        None,
        allow_inf_nan=False,
        description=(
            "The max runtime the researcher typed; null: twice hours_high, at most max_hours_cap"
        ),
    )
    children: int | None = Field(
        None,
        ge=1,
        description="A sweep's number of parameter sets: the cost block adds per-child and totals",
    )
    hours_low: Hours = Field(
        None,
        allow_inf_nan=False,
        gt=0,
        description=("Expected runtime, lower end (default: a quarter of runs_default_max_hours)"),
    )
    hours_high: Hours = Field(
        None,
        allow_inf_nan=False,
        gt=0,
        description=(
            "Expected runtime, upper end (default: hours_low, or half of runs_default_max_hours)"
        ),
    )


class NotificationStatus(Reply):
    """``GET|PUT|DELETE runs/notifications``: whether the user is told by e-mail when
    their runs end."""

    available: bool = Field(
        description="The administrator set up a topic (UcdhConfig.runs_notify_topic_arn)"
    )
    address: str | None = Field(description="The address subscribed; null when off")
    state: Literal["off", "pending", "confirmed"] = Field(
        description=(
            "pending: SNS mailed a link to confirm and delivers nothing until it is"
            " followed; confirmed: each run's end is mailed"
        )
    )


class NotificationBody(StrictModel):
    """``PUT runs/notifications``: the address to tell (replaces an earlier one)."""

    address: str
