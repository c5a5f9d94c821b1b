"""A recurring run as the service keeps it: what to run, when, and the engine's handle.

A schedule is a run template (the notebook, its parameters, the machine, the max
runtime) frozen into a snapshot in S3 when it is created or edited, plus a
:class:`~.recurrence.Recurrence`. The engine fires it with Jupyter closed: AWS
EventBridge Scheduler submits an AWS Batch job (EC2 family), Databricks runs its job's
cron schedule. Each fire becomes an ordinary run record whose ``schedule_id`` says where
it came from.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from ..runs.model import check_run_id, iso, utcnow
from .recurrence import Recurrence, parse


@dataclass
class Schedule:
    """One recurring run of one owner; ``schedule.json`` in S3 is this, as JSON."""

    id: str
    owner: str
    notebook_path: str
    backend: str  # "ec2" (fired as an AWS Batch job) or "databricks"
    instance_type: str
    max_hours: float
    recurrence: dict[str, Any]
    created_at: str
    parameters: dict[str, Any] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    count: int = 1
    workers: int | None = None
    cluster_mode: str | None = None
    rate_usd_per_hour: float | None = None
    active: bool = True
    updated_at: str | None = None
    # The snapshot fires start from (schedules/<id>/<snapshot_id>/), and how many times
    # the schedule was edited.
    snapshot_id: str | None = None
    snapshot_at: str | None = None
    version: int = 1
    # The engine's handles: the EventBridge schedule's name, the Databricks job.
    eventbridge_name: str | None = None
    databricks_job_id: int | None = None
    databricks_notebook_path: str | None = None

    def __post_init__(self) -> None:
        check_run_id(self.id)
        self.updated_at = self.updated_at or self.created_at
        self.snapshot_at = self.snapshot_at or self.created_at

    @property
    def rule(self) -> Recurrence:
        """The recurrence, checked."""
        return parse(dict(self.recurrence))

    def touch(self) -> None:
        """Mark the schedule changed now."""
        self.updated_at = iso(utcnow())

    def to_json(self) -> dict[str, Any]:
        """The record as JSON-ready data."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Schedule:
        """Read a record back; unknown keys (from a newer version) are ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})
