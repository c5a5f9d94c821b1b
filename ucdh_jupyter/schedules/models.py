"""The bodies of the schedule routes (part of the wire contract, see
:mod:`ucdh_jupyter.contract`). The rules a type cannot say (a time zone that exists, a
time of day, a cron expression we can evaluate) are checked by :mod:`.recurrence`, in
its words.

pydantic is slow to import: this module is imported on first use, never at server start.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from ..contract import DateTime, Reply, StrictModel
from ..runs.models import Backend, ClusterMode, RunBody, RunState

Kind = Literal["minutes", "hourly", "daily", "weekly", "monthly", "cron"]
Day = Literal["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]


class RecurrenceBody(StrictModel):
    """When a schedule fires, in the time zone it names (daylight saving handled as
    EventBridge Scheduler handles it: a time that does not exist is skipped, one that
    happens twice fires once)."""

    kind: Kind
    timezone: str = Field("UTC", description="IANA name", examples=["Europe/Berlin"])
    every: int | None = Field(
        None, description="minutes: 1-30 dividing an hour; hourly: 1-12 dividing a day"
    )
    minute: int | None = Field(None, description="hourly: the minute past the hour")
    time: str | None = Field(None, description="daily, weekly, monthly: HH:MM", examples=["02:30"])
    days: list[Day] | None = Field(None, description="weekly: the days it fires")
    day_of_month: int | None = Field(
        None, description="monthly: 1-31 (months without that day are skipped)"
    )
    cron: str | None = Field(
        None,
        description="cron: an EventBridge cron expression (no L, W or #)",
        examples=["cron(0 6 ? * MON-FRI *)"],
    )
    end_date: str | None = Field(
        None, description="No fire after this day (in the time zone)", examples=["2027-06-30"]
    )


class ScheduleBody(StrictModel):
    """``POST schedules``: a run to repeat, and when."""

    run: RunBody = Field(description="As POST runs takes it (no sweep); max_hours is each fire's")
    recurrence: RecurrenceBody


class ScheduleUpdateBody(StrictModel):
    """``PATCH schedules/<id>``: pause or resume (``active`` alone), or edit; an edit
    re-stages the notebook and its files as they are now."""

    active: bool | None = None
    recurrence: RecurrenceBody | None = None
    parameters: dict[str, Any] | None = None
    max_hours: float | None = Field(None, gt=0, allow_inf_nan=False)
    instance_type: str | None = None


class ScheduleRun(Reply):
    id: str
    state: RunState
    created_at: DateTime


class Schedule(Reply):
    """A recurring run: what it runs, when, what it may cost, its last runs."""

    id: str
    owner: str
    notebook_path: str
    backend: Backend
    instance_type: str
    max_hours: float = Field(description="Each fire's max runtime")
    recurrence: dict[str, Any] = Field(description="As RecurrenceBody, only its kind's fields")
    description: str = Field(examples=["Every weekday at 02:30 (Europe/Berlin)"])
    created_at: DateTime
    updated_at: DateTime
    parameters: dict[str, Any]
    files: list[str]
    count: int
    workers: int | None
    cluster_mode: ClusterMode | None
    rate_usd_per_hour: float | None
    active: bool = Field(description="false: paused")
    snapshot_id: str | None = Field(description="The frozen inputs fires start from")
    snapshot_at: DateTime | None = Field(description="When the notebook and files were frozen")
    version: int = Field(description="1, then one more at each edit")
    eventbridge_name: str | None = Field(description="EC2: the EventBridge Scheduler schedule")
    databricks_job_id: int | None = Field(description="Databricks: the job with the cron schedule")
    databricks_notebook_path: str | None
    next_fires: list[DateTime] = Field(description="The next fire times (none while paused)")
    fires_per_month: int = Field(description="At most, in a 31-day month")
    max_cost_per_fire_usd: float | None
    max_cost_per_month_usd: float | None = Field(
        description="What the monthly cap holds it to: fires per month at their maximum cost"
    )
    last_runs: list[ScheduleRun] = Field(description="Newest first")


class ScheduleList(Reply):
    schedules: list[Schedule] = Field(description="Newest first")
