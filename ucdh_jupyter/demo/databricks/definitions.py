"""Jobs as Databricks keeps them: jobs/create, get, list, update, reset, delete, and which
scheduled jobs are due at a given instant.

A job is its settings; its runs live with the other runs (:mod:`.jobs`). The settings a
job here may have are the ones this workspace can honour: one task (a notebook task, or a
``for_each_task`` over a notebook task), ``job_clusters``, ``timeout_seconds``,
``max_concurrent_runs``, a ``schedule`` (:mod:`.quartz`), ``email_notifications``,
``tags``; anything else is refused rather than silently ignored.
"""

from __future__ import annotations

import builtins
import itertools
import json
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from . import foreach, quartz
from .compute import Compute
from .errors import flag, integer, invalid
from .tasks import check_compute, check_email, check_notebook_task
from .workspace import now_ms

SETTINGS = {
    "name",
    "tasks",
    "job_clusters",
    "timeout_seconds",
    "max_concurrent_runs",
    "schedule",
    "email_notifications",
    "tags",
    "format",
    "description",
}
DEFAULT_MAX_CONCURRENT_RUNS = 1
MAX_LIST_LIMIT = 100


@dataclass
class Job:
    """A job: id, settings, and the schedule's clock (the last instant it was looked at)."""

    job_id: int
    settings: dict[str, Any]
    creator: str
    created_time: int = field(default_factory=now_ms)
    schedule_seen: datetime | None = None

    def view(self, expand: bool = True) -> dict[str, Any]:
        """``Job`` (jobs/get) or, without ``expand``, ``BaseJob`` as jobs/list shows it."""
        settings = dict(self.settings)
        if not expand:
            settings.pop("tasks", None)
            settings.pop("job_clusters", None)
        return {
            "job_id": self.job_id,
            "creator_user_name": self.creator,
            "run_as_user_name": self.creator,
            "created_time": self.created_time,
            "settings": settings,
        }


class JobDefinitions:
    """The workspace's jobs by id."""

    def __init__(self, compute: Compute, user_name: str) -> None:
        self.compute, self.user_name = compute, user_name
        self._lock = threading.Lock()
        self._ids = itertools.count(1_200_000_000_001)
        self._jobs: dict[int, Job] = {}

    # -- API ---------------------------------------------------------------------------

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        """Create a job from its settings; answers its id."""
        settings = self.check({"name": "Untitled", **body})
        with self._lock:
            job = Job(next(self._ids), settings, self.user_name)
            self._jobs[job.job_id] = job
        return {"job_id": job.job_id}

    def get(self, job_id: Any) -> dict[str, Any]:
        """The job, settings included."""
        with self._lock:
            return self.job(job_id).view()

    def list(self, query: dict[str, str]) -> dict[str, Any]:
        """Jobs, newest first, by exact name (case-insensitive) if asked, paged."""
        limit = integer(query.get("limit", 20), "limit")
        if not 0 < limit <= MAX_LIST_LIMIT:
            raise invalid(f"limit must be between 1 and {MAX_LIST_LIMIT}.")
        offset = integer(query.get("page_token") or query.get("offset") or 0, "page_token")
        name = (query.get("name") or "").lower()
        with self._lock:
            jobs = [
                job
                for job in sorted(self._jobs.values(), key=lambda j: j.job_id, reverse=True)
                if not name or str(job.settings.get("name", "")).lower() == name
            ]
            expand = flag(query.get("expand_tasks"))
            page = [job.view(expand) for job in jobs[offset : offset + limit]]
        response: dict[str, Any] = {"has_more": offset + limit < len(jobs)}
        if page:
            response["jobs"] = page
        if response["has_more"]:
            response["next_page_token"] = str(offset + limit)
        return response

    def update(self, body: dict[str, Any]) -> dict[str, Any]:
        """Replace the top-level settings given in ``new_settings``, remove
        ``fields_to_remove``; a changed schedule starts its clock afresh."""
        changes = body.get("new_settings") or {}
        removed = body.get("fields_to_remove") or []
        if not isinstance(changes, dict) or not isinstance(removed, list):
            raise invalid("new_settings must be an object and fields_to_remove a list.")
        with self._lock:
            job = self.job(body.get("job_id"))
            settings = {k: v for k, v in job.settings.items() if k not in removed}
        self._replace(job, self.check({**settings, **changes}))
        return {}

    def reset(self, body: dict[str, Any]) -> dict[str, Any]:
        """Overwrite all the settings with ``new_settings``."""
        with self._lock:
            job = self.job(body.get("job_id"))
        self._replace(job, self.check({"name": "Untitled", **(body.get("new_settings") or {})}))
        return {}

    def delete(self, job_id: Any) -> dict[str, Any]:
        """Delete the job (its past runs stay readable)."""
        with self._lock:
            self._jobs.pop(self.job(job_id).job_id)
        return {}

    # -- for the runs and the clock ----------------------------------------------------

    def job(self, job_id: Any) -> Job:
        """The job with this id (call with the lock held, or accept a stale answer)."""
        number = integer(job_id, "job_id")
        job = self._jobs.get(number)
        if job is None:
            raise invalid(f"Job {number} does not exist.")
        return job

    def settings_of(self, job_id: Any) -> tuple[int, dict[str, Any]]:
        """A copy of a job's settings, to start a run from."""
        with self._lock:
            job = self.job(job_id)
            return job.job_id, json.loads(json.dumps(job.settings))

    def due(self, now: datetime) -> builtins.list[int]:
        """The jobs whose schedule has a fire time after the instant last looked at and
        at or before ``now``: each once, however many fire times were missed. A schedule
        seen for the first time (new, changed or resumed) only starts its clock: nothing
        missed before is made up for. Paused schedules are not looked at."""
        fired = []
        with self._lock:
            for job in self._jobs.values():
                schedule = job.settings.get("schedule")
                if not schedule or schedule.get("pause_status") == "PAUSED":
                    job.schedule_seen = None
                    continue
                seen, job.schedule_seen = job.schedule_seen, max(now, job.schedule_seen or now)
                if seen is None or now <= seen:
                    continue
                cron = quartz.parse(schedule["quartz_cron_expression"])
                next_time = quartz.next_fire(cron, quartz.zone(schedule["timezone_id"]), seen)
                if next_time is not None and next_time <= now:
                    fired.append(job.job_id)
        return fired

    def _replace(self, job: Job, settings: dict[str, Any]) -> None:
        with self._lock:
            if settings.get("schedule") != job.settings.get("schedule"):
                job.schedule_seen = None
            job.settings = settings

    # -- checks ------------------------------------------------------------------------

    def check(self, settings: dict[str, Any]) -> dict[str, Any]:
        """The settings as the job keeps them, or a 400 for what cannot run here."""
        unknown = sorted(set(settings) - SETTINGS - {"job_id"})
        if unknown:
            raise invalid(f"This local workspace does not support the job settings {unknown}.")
        settings.pop("job_id", None)
        clusters = self._job_clusters(settings.get("job_clusters") or [])
        tasks = settings.get("tasks") or []
        if not isinstance(tasks, list) or len(tasks) != 1:
            raise invalid("A job here has exactly one task.")
        task = tasks[0]
        if isinstance(task, dict) and "for_each_task" in task:
            if not task.get("task_key"):
                raise invalid("Missing required field: task_key.")
            nested, _ = foreach.check(task)
            check_compute(check_notebook_task(nested), self.compute, None, clusters)
        else:
            check_compute(check_notebook_task(task), self.compute, None, clusters)
        for name in ("timeout_seconds", "max_concurrent_runs"):
            if integer(settings.get(name, 0), name) < 0:
                raise invalid(f"{name} cannot be negative.")
        settings.setdefault("max_concurrent_runs", DEFAULT_MAX_CONCURRENT_RUNS)
        check_email(settings.get("email_notifications"))
        if "schedule" in settings:
            settings["schedule"] = self._schedule(settings["schedule"])
        if not isinstance(settings.get("tags", {}), dict):
            raise invalid("tags must be an object of names to values.")
        settings.setdefault("format", "MULTI_TASK")
        return settings

    def _job_clusters(self, clusters: Any) -> dict[str, dict[str, Any]]:
        if not isinstance(clusters, list):
            raise invalid("job_clusters must be a list.")
        keyed: dict[str, dict[str, Any]] = {}
        for cluster in clusters:
            key = cluster.get("job_cluster_key") if isinstance(cluster, dict) else None
            if not key or key in keyed:
                raise invalid("Every job cluster needs a job_cluster_key of its own.")
            self.compute.check_new_cluster(cluster.get("new_cluster"))
            keyed[key] = cluster
        return keyed

    @staticmethod
    def _schedule(schedule: Any) -> dict[str, Any]:
        if not isinstance(schedule, dict):
            raise invalid("schedule must be an object.")
        quartz.parse(schedule.get("quartz_cron_expression", ""))
        if not schedule.get("timezone_id"):
            raise invalid("Missing required field: schedule.timezone_id.")
        quartz.zone(schedule["timezone_id"])
        pause = schedule.setdefault("pause_status", "UNPAUSED")
        if pause not in ("PAUSED", "UNPAUSED"):
            raise invalid(f"pause_status must be PAUSED or UNPAUSED, got {pause!r}.")
        return schedule
