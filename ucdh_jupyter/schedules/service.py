"""The schedule service: recurring runs that fire with Jupyter closed.

No tornado here; every method blocks (boto3) and is meant for the worker pool. A
schedule is checked as a run is (the notebook, its parameters and files, the admin's
allowed types, max runtime and budget per run, each fire) and, as a whole, against the
owner's monthly cap: its fires per month at their maximum cost. Then its inputs are
frozen in a snapshot and the engine is told: EventBridge Scheduler (EC2 family, each
fire an AWS Batch job) or a Databricks job with a cron schedule. Fires become ordinary
run records, found and followed by the run monitor (:meth:`ScheduleService.discover`).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

from ..errors import UcdhError, bad_request, translate
from ..runs.model import Run, iso, new_run_id, utcnow
from ..runs.policy import max_cost, money, unpriced, user_cap
from ..runs.service import RunRequest, RunService
from ..runs.staging import stage
from .model import Schedule
from .records import TEMPLATE_KEY, ScheduleRecords
from .recurrence import Recurrence, parse

log = logging.getLogger(__name__)

# How many next fire times a schedule's view lists, and how many of its last runs.
NEXT_FIRES = 3
LAST_RUNS = 5
_UPDATABLE = {"active", "recurrence", "parameters", "max_hours", "instance_type", "refresh"}


class ScheduleEngine(Protocol):
    """What fires a schedule: EventBridge Scheduler (EC2 family) or Databricks."""

    def create(self, schedule: Schedule, template: Run, plan: Any) -> None:
        """Make the engine's schedule (or job) for ``schedule``'s snapshot."""

    def update(self, schedule: Schedule, template: Run, plan: Any) -> None:
        """Replace it: a new recurrence, state or snapshot."""

    def set_active(self, schedule: Schedule) -> None:
        """Pause or resume it as ``schedule.active`` says."""

    def delete(self, schedule: Schedule) -> None:
        """Delete it (idempotent)."""

    def fired(self, schedule: Schedule, records: ScheduleRecords) -> None:
        """Record the runs the engine fired that have no run record yet (Databricks:
        the job's runs; EventBridge: nothing, each fire records itself)."""


class ScheduleService:
    """Creates, lists, edits and deletes schedules, and finds the runs they fired."""

    def __init__(self, runs: RunService) -> None:
        self.runs = runs
        self.config = runs.config
        self._engines: dict[str, ScheduleEngine] = {}
        self._guard = threading.Lock()

    @property
    def records(self) -> ScheduleRecords:
        """The schedules' S3 records (a 400 naming the setting without a runs bucket)."""
        runs = self.runs.records
        return ScheduleRecords(
            runs.s3, runs.bucket, self.config.runs_prefix, self.config.kms_key_id
        )

    def engine(self, backend: str) -> ScheduleEngine:
        """What fires schedules of ``backend`` (built on first use)."""
        with self._guard:
            engine = self._engines.get(backend)
        if engine is not None:
            return engine
        if backend == "databricks":
            from .databricks import DatabricksEngine

            engine = DatabricksEngine(self.runs, lambda: self.records)
        else:
            from .eventbridge import EventBridgeEngine

            engine = EventBridgeEngine(self.runs, lambda: self.records)
        with self._guard:
            return self._engines.setdefault(backend, engine)

    # -- reading ---------------------------------------------------------------

    def owned(self, owner: str) -> list[Schedule]:
        """The owner's schedules, newest first."""
        mine = [schedule for schedule in self.records.all() if schedule.owner == owner]
        return sorted(mine, key=lambda schedule: schedule.id, reverse=True)

    def get(self, schedule_id: str, owner: str) -> Schedule:
        """One of the owner's schedules; a 404 for another's or none."""
        from ..runs.model import check_run_id

        check_run_id(schedule_id)
        schedule = self.records.read(schedule_id)
        if schedule is None or schedule.owner != owner:
            raise UcdhError(404, "schedule_not_found", f"There is no schedule {schedule_id}.", "")
        return schedule

    def view(self, schedule: Schedule) -> dict[str, Any]:
        """The schedule as the Schedules list shows it: its recurrence in words, its
        next fires, its cost per fire and per month, its last runs."""
        rule = schedule.rule
        per_fire = max_cost(schedule.rate_usd_per_hour, schedule.count, schedule.max_hours)
        per_month = None if per_fire is None else per_fire * rule.fires_per_month()
        fired = self.records.fired(schedule.id)[-LAST_RUNS:]
        last = []
        for run_id in reversed(fired):
            run = self.runs.store.get(run_id)
            if run is not None:
                last.append({"id": run.id, "state": run.state.value, "created_at": run.created_at})
        return {
            **schedule.to_json(),
            "description": rule.describe(),
            "next_fires": (
                [str(iso(moment)) for moment in rule.next_fires(utcnow(), NEXT_FIRES)]
                if schedule.active
                else []
            ),
            "fires_per_month": rule.fires_per_month(),
            "max_cost_per_fire_usd": per_fire,
            "max_cost_per_month_usd": per_month,
            "last_runs": last,
        }

    # -- changing --------------------------------------------------------------

    def create(self, body: Mapping[str, Any], owner: str, root_dir: str | Path) -> Schedule:
        """Check, snapshot and schedule a recurring run; a 4xx naming the rule it breaks."""
        from ..contract import parse as parse_body
        from .models import ScheduleBody

        fields = parse_body(ScheduleBody, dict(body))
        rule = parse(fields.recurrence.model_dump(exclude_none=True))
        request = RunRequest.parse(fields.run.model_dump(exclude_none=True))
        if request.sweep:
            raise bad_request(
                "A schedule runs the notebook once per fire; sweeps cannot be scheduled.",
                "Schedule the notebook with one set of parameters.",
            )
        mine = self.owned(owner)
        most = self.config.runs_schedule_max_per_user
        if len(mine) >= most:
            raise user_cap(
                f"You have {len(mine)} schedules, the most allowed is {most}.",
                "Delete one you no longer need in the Schedules list.",
            )
        self._check_interval(rule)
        schedule_id = new_run_id()
        template, plan = self._snapshot(schedule_id, request, owner, root_dir)
        schedule = Schedule(
            id=schedule_id,
            owner=owner,
            notebook_path=template.notebook_path,
            backend=request.backend,
            instance_type=template.instance_type,
            max_hours=template.max_hours,
            recurrence=rule.to_json(),
            created_at=str(iso(utcnow())),
            parameters=dict(template.parameters),
            files=list(template.files),
            count=template.count,
            workers=template.workers,
            cluster_mode=template.cluster_mode,
            rate_usd_per_hour=template.rate_usd_per_hour,
            snapshot_id=template.id,
        )
        self._check_month(schedule, rule, mine)
        try:
            self.engine(schedule.backend).create(schedule, template, plan)
        except Exception as exc:
            self.records.delete(schedule.id)
            raise translate(exc, self.config.profile) from exc
        self.records.write(schedule)
        log.info("ucdh-jupyter: schedule %s created (%s)", schedule.id, schedule.backend)
        return schedule

    def update(
        self, schedule_id: str, owner: str, body: Mapping[str, Any], root_dir: str | Path
    ) -> Schedule:
        """Pause, resume or edit a schedule; a change of what runs re-stages the snapshot."""
        from ..contract import parse as parse_body
        from .models import ScheduleUpdateBody

        fields = parse_body(ScheduleUpdateBody, dict(body))
        schedule = self.get(schedule_id, owner)
        changed = fields.model_dump(exclude_unset=True)
        engine = self.engine(schedule.backend)
        if set(changed) == {"active"}:
            schedule.active = bool(fields.active)
            engine.set_active(schedule)
            schedule.touch()
            self.records.write(schedule)
            return schedule
        rule = (
            parse(fields.recurrence.model_dump(exclude_none=True))
            if fields.recurrence is not None
            else schedule.rule
        )
        self._check_interval(rule)
        run = {
            "notebook_path": schedule.notebook_path,
            "backend": schedule.backend,
            "instance_type": fields.instance_type or schedule.instance_type or None,
            "max_hours": fields.max_hours or schedule.max_hours,
            "parameters": (
                fields.parameters if fields.parameters is not None else schedule.parameters
            ),
            "files": schedule.files,
            "workers": schedule.workers,
            "cluster_mode": schedule.cluster_mode,
        }
        request = RunRequest.parse({k: v for k, v in run.items() if v is not None})
        template, plan = self._snapshot(schedule.id, request, owner, root_dir)
        schedule.recurrence = rule.to_json()
        schedule.parameters = dict(template.parameters)
        schedule.instance_type = template.instance_type
        schedule.max_hours = template.max_hours
        schedule.rate_usd_per_hour = template.rate_usd_per_hour
        schedule.snapshot_id = template.id
        schedule.snapshot_at = template.created_at
        if fields.active is not None:
            schedule.active = fields.active
        others = [other for other in self.owned(owner) if other.id != schedule.id]
        self._check_month(schedule, rule, others)
        try:
            engine.update(schedule, template, plan)
        except Exception as exc:
            raise translate(exc, self.config.profile) from exc
        schedule.version += 1
        schedule.touch()
        self.records.write(schedule)
        return schedule

    def delete(self, schedule_id: str, owner: str) -> None:
        """Delete the schedule (its past runs stay, with their results)."""
        schedule = self.get(schedule_id, owner)
        self.engine(schedule.backend).delete(schedule)
        self.records.delete(schedule.id)
        log.info("ucdh-jupyter: schedule %s deleted", schedule.id)

    # -- following -------------------------------------------------------------

    def discover(self, owner: str | None = None) -> list[str]:
        """Bring the runs schedules fired (while this server ran or not) into the run
        store, where the monitor follows them; the ids found."""
        found = []
        records = self.records
        for schedule in records.all():
            if owner is not None and schedule.owner != owner:
                continue
            try:
                self.engine(schedule.backend).fired(schedule, records)
            except Exception as exc:  # one engine's trouble never hides the others' runs
                log.warning(
                    "ucdh-jupyter: could not ask the engine of schedule %s for its runs (%s)",
                    schedule.id,
                    type(exc).__name__,
                )
            for run_id in records.fired(schedule.id):
                if self.runs.store.get(run_id) is not None:
                    continue
                run = self.runs.records.read(run_id)
                if run is not None:
                    self.runs.store.put(run)
                    found.append(run_id)
        return found

    # -- checks ----------------------------------------------------------------

    def _snapshot(
        self, schedule_id: str, request: RunRequest, owner: str, root_dir: str | Path
    ) -> tuple[Run, Any]:
        """Check the run a fire makes, and freeze its inputs in a new snapshot."""
        template, path, files, environment, _backend, plan = self.runs.template(
            request, new_run_id(), owner, root_dir
        )
        template.schedule_id = schedule_id
        snapshots = self.records.snapshots(schedule_id)
        try:
            stage(snapshots, template, path, files, environment)
            body = json.dumps(template.to_json(), indent=1).encode()
            snapshots.put(template.id, TEMPLATE_KEY, body, "application/json")
        except Exception as exc:
            raise translate(exc, self.config.profile) from exc
        return template, plan

    def _check_interval(self, rule: Recurrence) -> None:
        """A 400 for fires closer together than the admin allows."""
        least = timedelta(minutes=self.config.runs_schedule_min_interval_minutes)
        gap = rule.min_interval()
        if gap is not None and gap < least:
            minutes = int(least.total_seconds() // 60)
            raise bad_request(
                f"This schedule could fire every {int(gap.total_seconds() // 60)} minutes; "
                f"runs may be scheduled at most every {minutes} minutes here.",
                "Choose a longer interval (UcdhConfig.runs_schedule_min_interval_minutes).",
            )

    def _check_month(self, schedule: Schedule, rule: Recurrence, others: list[Schedule]) -> None:
        """Refuse (403 ``user_cap``) a schedule whose fires in a month at their maximum
        cost, with the owner's other active schedules', exceed the monthly cap."""
        cap = self.config.runs_monthly_budget_per_user_usd
        if cap is None:
            return
        per_fire = max_cost(schedule.rate_usd_per_hour, schedule.count, schedule.max_hours)
        if per_fire is None:
            what, hint = unpriced(schedule.instance_type)
            raise user_cap(f"{what}, so your monthly budget cannot be checked.", hint)
        fires = rule.fires_per_month()
        month = per_fire * fires
        committed = 0.0
        for other in others:
            other_fire = max_cost(other.rate_usd_per_hour, other.count, other.max_hours) or 0.0
            committed += other_fire * other.rule.fires_per_month() if other.active else 0.0
        if committed + month > cap + 1e-9:
            besides = f" besides {money(committed)} of your other schedules" if committed else ""
            raise user_cap(
                f"This schedule could cost up to {money(month)} a month ({fires} runs at up "
                f"to {money(per_fire)} each){besides}, above your monthly budget of "
                f"{money(cap)}.",
                "Run it less often, on a smaller machine, or with a shorter max runtime.",
            )
