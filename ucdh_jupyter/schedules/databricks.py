"""Databricks schedules: a job with a cron schedule, which Databricks fires itself.

The notebook is imported once per snapshot (its parameters injected, as a single run's
are) under the schedule's own workspace folder; the job's one task runs it on the
compute a single run would use, with the same per-run timeout, and Databricks mails the
owner at each end when they asked for run-end mail. Each job run becomes a run record
(its id derived from the Databricks run, so two servers, or two looks, make one) whose
``schedule_id`` names the schedule; the run monitor follows it like any Databricks run.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from ..runs import runner as protocol
from ..runs.model import Run, RunState, iso
from ..runs.runner import scheduled_run_id
from ..runs.service import RunService
from .model import Schedule
from .records import TEMPLATE_KEY, ScheduleRecords

log = logging.getLogger(__name__)

# The job runs a scheduled job lists per look (newest first); older ones were seen.
LIST_LIMIT = 25


def job_name(schedule: Schedule) -> str:
    """Ids only: Databricks shows the name in its UI and its mails."""
    return f"ucdh-schedule-{schedule.id}"


class DatabricksEngine:
    """Schedules as Databricks jobs with a ``CronSchedule``."""

    def __init__(self, runs: RunService, records: Callable[[], ScheduleRecords]) -> None:
        self.runs = runs
        self.records = records

    @property
    def backend(self) -> Any:
        """The Databricks run backend (through the registry, by name)."""
        return self.runs.backend("databricks")

    def _settings(self, schedule: Schedule, template: Run, plan: dict[str, Any]) -> Any:
        """The job's settings: the single run's task and compute, a cron schedule."""
        from databricks.sdk.service.jobs import (
            CronSchedule,
            JobSettings,
            PauseStatus,
            Task,
        )

        submit = plan["submit"]
        task = submit["tasks"][0]
        fields = {
            name: getattr(task, name)
            for name in (
                "notebook_task",
                "timeout_seconds",
                "new_cluster",
                "existing_cluster_id",
            )
            if getattr(task, name, None) is not None
        }
        rule = schedule.rule
        return JobSettings(
            name=job_name(schedule),
            tasks=[Task(task_key=task.task_key, **fields)],
            schedule=CronSchedule(
                quartz_cron_expression=rule.quartz_cron(),
                timezone_id=rule.timezone,
                pause_status=PauseStatus.UNPAUSED if schedule.active else PauseStatus.PAUSED,
            ),
            max_concurrent_runs=1,
            timeout_seconds=submit["timeout_seconds"],
            email_notifications=submit.get("email_notifications"),
            tags={"ucdh-schedule-id": schedule.id, "ucdh-owner": schedule.owner[:256]},
        )

    def _stage(self, schedule: Schedule, template: Run, plan: dict[str, Any]) -> dict[str, Any]:
        """Import the template's notebook into the schedule's folder; its plan, pointing
        there."""
        backend = self.backend
        folder = backend.folder(f"schedules/{schedule.id}/{template.id}")
        name = plan["notebook_path"].rsplit("/", 1)[-1]
        path = f"{folder}/{name}"
        plan["submit"]["tasks"][0].notebook_task.notebook_path = path
        snapshots = self.records().snapshots(schedule.id)
        staged = json.loads(snapshots.get(template.id, protocol.NOTEBOOK_KEY) or b"{}")
        backend.workspace.workspace.mkdirs(folder)
        backend.import_notebook(path, staged, template.parameters)
        schedule.databricks_notebook_path = path
        return dict(plan)

    def create(self, schedule: Schedule, template: Run, plan: Any) -> None:
        staged = self._stage(schedule, template, plan)
        created = self.backend.workspace.jobs.create(
            **self._settings(schedule, template, staged).as_shallow_dict()
        )
        schedule.databricks_job_id = int(created.job_id)

    def update(self, schedule: Schedule, template: Run, plan: Any) -> None:
        old_folder = (schedule.databricks_notebook_path or "").rsplit("/", 1)[0]
        staged = self._stage(schedule, template, plan)
        self.backend.workspace.jobs.reset(
            schedule.databricks_job_id, new_settings=self._settings(schedule, template, staged)
        )
        self._remove(old_folder)

    def set_active(self, schedule: Schedule) -> None:
        from databricks.sdk.service.jobs import CronSchedule, JobSettings, PauseStatus

        rule = schedule.rule
        self.backend.workspace.jobs.update(
            schedule.databricks_job_id,
            new_settings=JobSettings(
                schedule=CronSchedule(
                    quartz_cron_expression=rule.quartz_cron(),
                    timezone_id=rule.timezone,
                    pause_status=PauseStatus.UNPAUSED if schedule.active else PauseStatus.PAUSED,
                )
            ),
        )

    def delete(self, schedule: Schedule) -> None:
        from databricks.sdk.errors import NotFound

        if schedule.databricks_job_id is not None:
            with contextlib.suppress(NotFound):
                self.backend.workspace.jobs.delete(schedule.databricks_job_id)
        self._remove((schedule.databricks_notebook_path or "").rsplit("/", 1)[0])

    def _remove(self, folder: str) -> None:
        from databricks.sdk.errors import NotFound

        if folder:
            with contextlib.suppress(NotFound):
                self.backend.workspace.workspace.delete(folder, recursive=True)

    def fired(self, schedule: Schedule, records: ScheduleRecords) -> None:
        """A run record (and a marker) for each job run Databricks started."""
        if schedule.databricks_job_id is None:
            return
        known = set(records.fired(schedule.id))
        listed = self.backend.workspace.jobs.list_runs(
            job_id=schedule.databricks_job_id, limit=LIST_LIMIT
        )
        for count, job_run in enumerate(listed):
            if count >= LIST_LIMIT:
                break
            started = datetime.fromtimestamp((job_run.start_time or 0) / 1000, tz=timezone.utc)
            run_id = scheduled_run_id(schedule.id, f"databricks:{job_run.run_id}", started)
            if run_id in known:
                continue
            template = self._template(schedule, records)
            if template is None:
                return
            run = fired_run(template, run_id, started, int(job_run.run_id), job_run.run_page_url)
            location = self.runs.records.location(run_id)
            run.bucket, run.prefix = location.bucket, location.prefix
            run.databricks_host = self.backend.client.host()
            run.databricks_notebook_path = schedule.databricks_notebook_path
            self.runs.records.write(run)
            records.mark_fired(schedule.id, run_id)

    def _template(self, schedule: Schedule, records: ScheduleRecords) -> Run | None:
        if schedule.snapshot_id is None:
            return None
        body = records.snapshots(schedule.id).get(schedule.snapshot_id, TEMPLATE_KEY)
        return Run.from_json(json.loads(body)) if body else None


def fired_run(
    template: Run, run_id: str, started: datetime, engine_run: int, url: str | None
) -> Run:
    """The record of one fire of a Databricks schedule, from the schedule's template."""
    data = template.to_json()
    created = started.replace(microsecond=0)
    data.update(
        id=run_id,
        created_at=iso(created),
        updated_at=iso(created),
        deadline=iso(created + timedelta(hours=template.max_hours)),
        state=RunState.PROVISIONING.value,
        history=[
            {"state": RunState.STAGING.value, "at": iso(created)},
            {"state": RunState.PROVISIONING.value, "at": iso(created)},
        ],
        started_at=iso(created),
        databricks_run_id=engine_run,
        databricks_run_url=url,
        input_uri=None,
        partial_uri=None,
        output_uri=None,
        log_uri=None,
        bucket="",
        prefix="",
    )
    return Run.from_json(data)
