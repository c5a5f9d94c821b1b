"""Recurring runs on Databricks: a job with a cron schedule, fired by the (local)
workspace itself, whose runs the server finds and follows, also those fired while no
Jupyter server was running."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from databricks.sdk import WorkspaceClient

from ucdh_jupyter.demo.databricks import LocalDatabricks
from ucdh_jupyter.errors import UcdhError
from ucdh_jupyter.runs.model import RunState
from ucdh_jupyter.services import UcdhServices

from . import test_run_databricks as python_runs
from .helpers import outputs_text, wait_for

local_databricks = python_runs.local_databricks
make_services = python_runs.make_services
workspace_client = python_runs.workspace_client
root = python_runs.root

BERLIN_DAILY = {"kind": "daily", "time": "02:30", "timezone": "Europe/Berlin"}


def body(**run: Any) -> dict[str, Any]:
    return {
        "run": {
            "notebook_path": "study/cohort.ipynb",
            "backend": "databricks",
            "instance_type": python_runs.NODE_TYPE,
            "workers": 0,
            "max_hours": 1,
            "parameters": {"rows": 7},
            **run,
        },
        "recurrence": BERLIN_DAILY,
    }


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def fired_runs(services: UcdhServices, local: LocalDatabricks, moment: str) -> list[str]:
    """Tick the workspace's clock at ``moment`` (UTC), then let the server look."""
    local.tick(at(moment))
    return services.schedules.discover("researcher")


def test_a_schedule_fires_with_jupyter_stopped_and_the_fire_is_followed_at_the_next_start(
    make_services: Any,
    local_databricks: LocalDatabricks,
    workspace_client: WorkspaceClient,
    root: Path,
) -> None:
    # Given a daily 02:30 Berlin schedule of cohort.ipynb with rows = 7
    services = make_services()
    schedule = services.schedules.create(body(), "researcher", root)
    view = services.schedules.view(schedule)
    assert view["description"] == "Every day at 02:30 (Europe/Berlin)"
    assert view["next_fires"][0].endswith(("01:30:00Z", "00:30:00Z"))  # CET or CEST
    # the workspace has a job with that cron, in that time zone, mailing nobody
    job = workspace_client.jobs.get(schedule.databricks_job_id)
    assert job.settings is not None and job.settings.schedule is not None
    assert job.settings.schedule.quartz_cron_expression.startswith("0 30 2 ")
    assert job.settings.schedule.timezone_id == "Europe/Berlin"
    assert job.settings.name == f"ucdh-schedule-{schedule.id}"
    # When the workspace's clock passes 02:30 Berlin (01:30 UTC in December)
    assert fired_runs(services, local_databricks, "2026-12-07T00:00:00") == []  # first look
    (first,) = fired_runs(services, local_databricks, "2026-12-07T01:31:00")
    # Then the fire is a run of this schedule, followed to its end with its result
    run = wait_for(services.runs, first, lambda run: run.final, timeout=60)
    assert run.state is RunState.SUCCEEDED, run.failure_message
    assert run.schedule_id == schedule.id and run.backend == "databricks"
    assert run.parameters == {"rows": 7} and run.exit_value == "rows=7"
    # And with Jupyter stopped, the next day's fire happens all the same
    services.close()
    local_databricks.tick(at("2026-12-08T01:31:00"))
    # When Jupyter starts again, the second fire is found and followed
    again = make_services()
    again.runs.rebuild()
    found = again.schedules.discover("researcher")
    listed = {run.id for run in again.runs.list_runs(owner="researcher") if run.schedule_id}
    (second,) = (set(found) | listed) - {first}
    run = wait_for(again.runs, second, lambda run: run.final, timeout=60)
    assert run.state is RunState.SUCCEEDED, run.failure_message
    # and the schedule lists both, newest first
    view = again.schedules.view(again.schedules.get(schedule.id, "researcher"))
    assert [item["id"] for item in view["last_runs"]] == sorted({first, second}, reverse=True)
    # a second look finds nothing new: one record per fire
    assert again.schedules.discover("researcher") == []
    notebook = again.runs.records.get(second, "output/notebook.ipynb")
    assert notebook is not None and "total = 21" in outputs_text(json.loads(notebook))


def test_pause_resume_edit_and_delete_change_the_workspace_job(
    make_services: Any,
    local_databricks: LocalDatabricks,
    workspace_client: WorkspaceClient,
    root: Path,
) -> None:
    services = make_services()
    schedule = services.schedules.create(body(), "researcher", root)
    job_id = schedule.databricks_job_id
    # Paused: the workspace's schedule is paused and no time fires it
    services.schedules.update(schedule.id, "researcher", {"active": False}, root)
    paused = workspace_client.jobs.get(job_id).settings
    assert paused is not None and paused.schedule is not None
    assert paused.schedule.pause_status is not None
    assert paused.schedule.pause_status.value == "PAUSED"
    assert fired_runs(services, local_databricks, "2026-12-09T00:00:00") == []
    assert fired_runs(services, local_databricks, "2026-12-09T01:31:00") == []
    assert (
        services.schedules.view(services.schedules.get(schedule.id, "researcher"))["next_fires"]
        == []
    )
    # Edited: a new time and parameter, the job's cron follows, the snapshot is new
    edited = services.schedules.update(
        schedule.id,
        "researcher",
        {
            "active": True,
            "recurrence": {"kind": "weekly", "days": ["MON", "THU"], "time": "06:15",
                           "timezone": "America/New_York"},
            "parameters": {"rows": 3},
        },
        root,
    )  # fmt: skip
    assert edited.version == 2 and edited.snapshot_id != schedule.snapshot_id
    settings = workspace_client.jobs.get(job_id).settings
    assert settings is not None and settings.schedule is not None
    assert settings.schedule.quartz_cron_expression.startswith("0 15 6 ? * MON,THU")
    assert settings.schedule.timezone_id == "America/New_York"
    assert settings.schedule.pause_status is not None
    assert settings.schedule.pause_status.value == "UNPAUSED"
    # Deleted: the job and its notebook are gone; another user never saw it
    with pytest.raises(UcdhError) as hidden:
        services.schedules.get(schedule.id, "someone-else")
    assert hidden.value.status == 404
    services.schedules.delete(schedule.id, "researcher")
    assert services.schedules.owned("researcher") == []
    assert job_id not in {job.job_id for job in workspace_client.jobs.list()}
    folder = (edited.databricks_notebook_path or "").rsplit("/", 1)[0]
    with pytest.raises(Exception, match=r"doesn.t exist|does not exist|RESOURCE_DOES_NOT_EXIST"):
        workspace_client.workspace.get_status(folder)


@pytest.mark.parametrize(
    ("settings", "recurrence", "words"),
    [
        ({"runs_monthly_budget_per_user_usd": 5.0}, {"kind": "hourly", "every": 1},
         "could cost up to"),
        ({}, {"kind": "minutes", "every": 15}, "at most every 60 minutes"),
        ({"runs_schedule_max_per_user": 0}, BERLIN_DAILY, "the most allowed is 0"),
        ({}, {"kind": "daily", "time": "25:00"}, "time"),
    ],
)  # fmt: skip
def test_a_schedule_over_the_caps_is_refused_with_the_figures_and_nothing_is_created(
    make_services: Any,
    workspace_client: WorkspaceClient,
    root: Path,
    settings: dict[str, Any],
    recurrence: dict[str, Any],
    words: str,
) -> None:
    services = make_services(**settings)
    jobs_before = {job.job_id for job in workspace_client.jobs.list()}
    with pytest.raises(UcdhError) as refused:
        services.schedules.create({**body(), "recurrence": recurrence}, "researcher", root)
    assert words in refused.value.message, refused.value.message
    assert refused.value.status in (400, 403)
    assert services.schedules.owned("researcher") == []
    assert {job.job_id for job in workspace_client.jobs.list()} == jobs_before
