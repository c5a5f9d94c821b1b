"""Runs of jobs: run-now, the schedule's fires, and the iterations of a for-each task.

A job run starts from a copy of the job's settings. Its ``job_clusters`` get one cluster
id each for the whole run, so every task (every iteration of a for-each) on the same
``job_cluster_key`` shows the same ``cluster_instance.cluster_id``, as on Databricks. A
for-each task run waits for the cluster once, then keeps at most ``concurrency``
iterations going; cancelling the job run cancels the live iterations and starts no more.
It succeeds only if every iteration succeeded. The job's ``timeout_seconds`` bounds the
whole run; the nested task's bounds each iteration.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from typing import Any

from .definitions import JobDefinitions
from .errors import ApiError, invalid
from .foreach import ForEach
from .jobs import Jobs, timeout
from .runs import EXECUTED, Run
from .tasks import cluster_id
from .workspace import now_ms

log = logging.getLogger(__name__)

RUN_NOW_FIELDS = {"job_id", "idempotency_token"}
POLL_SECONDS = 0.05


class JobRuns:
    """Starts and drives the runs of the jobs in ``definitions``; keeps them in ``jobs``."""

    def __init__(self, jobs: Jobs, definitions: JobDefinitions) -> None:
        self.jobs, self.definitions = jobs, definitions

    def run_now(self, body: dict[str, Any]) -> dict[str, Any]:
        """Start a run of the job (or answer the run an earlier request with the same
        ``idempotency_token`` started)."""
        unknown = sorted(set(body) - RUN_NOW_FIELDS)
        if unknown:
            raise invalid(f"This local workspace does not support run-now's {unknown}.")
        run_id = self.start(body.get("job_id"), "ONE_TIME", body.get("idempotency_token"))
        return {"run_id": run_id, "number_in_job": run_id}

    def tick(self, now: datetime) -> list[int]:
        """Fire every due scheduled job (see :meth:`JobDefinitions.due`); the run ids."""
        fired = []
        for job_id in self.definitions.due(now):
            try:
                fired.append(self.start(job_id, "PERIODIC"))
            except ApiError as exc:  # deleted meanwhile
                log.warning("local Databricks: job %s did not fire: %s", job_id, exc.message)
        return fired

    def start(self, job_id: Any, trigger: str, token: str | None = None) -> int:
        """A new run of the job, started; SKIPPED when it has its max_concurrent_runs."""
        job_id, settings = self.definitions.settings_of(job_id)
        task = settings["tasks"][0]
        clusters = {c["job_cluster_key"]: cluster_id() for c in settings.get("job_clusters") or []}
        with self.jobs.lock:
            earlier = self.jobs.run_for_token(token)
            if earlier is not None:
                return earlier
            skipped = self.jobs.active_runs(job_id) >= settings["max_concurrent_runs"]
            run = Run(
                run_id=self.jobs.new_id(),
                task_run_id=self.jobs.new_id(),
                job_id=job_id,
                run_name=str(settings.get("name") or "Untitled"),
                task=task,
                timeout_seconds=timeout(settings, task),
                creator=self.jobs.user_name,
                cluster_id=self._cluster(task, clusters),
                message="Waiting for cluster",
                email=settings.get("email_notifications"),
                run_type="JOB_RUN",
                trigger=trigger,
            )
            if "for_each_task" in task:
                run.for_each = ForEach.of(task)
                run.timeout_seconds = int(settings.get("timeout_seconds") or 0)
                run.cluster_id = None  # the iterations have the cluster
            run.job_clusters = settings.get("job_clusters") or []
            self.jobs.register(run, token)
            if skipped:
                run.finish("SKIPPED")
        if skipped:
            self.jobs.mail(run)
            run.done.set()
        elif run.for_each is not None:
            self.jobs.mail(run, start=True)
            threading.Thread(target=self._drive, args=(run, clusters), daemon=True).start()
        else:
            self.jobs.start(run, self.jobs.pending_seconds)
        return run.run_id

    @staticmethod
    def _cluster(task: dict[str, Any], clusters: dict[str, str]) -> str | None:
        if "environment_key" in task:
            return None
        if task.get("job_cluster_key"):
            return clusters[task["job_cluster_key"]]
        return cluster_id(task.get("existing_cluster_id"))

    # -- a for-each task run -------------------------------------------------------------

    def _drive(self, parent: Run, clusters: dict[str, str]) -> None:
        try:
            self._iterate(parent, clusters)
        except Exception as exc:
            log.exception("local Databricks: for-each run %s failed", parent.run_id)
            self._stop_iterations(parent)
            with self.jobs.lock:
                parent.finish("INTERNAL_ERROR", f"The local workspace could not iterate: {exc}")
        finally:
            self.jobs.mail(parent)
            parent.done.set()

    def _iterate(self, parent: Run, clusters: dict[str, str]) -> None:
        assert parent.for_each is not None
        each = parent.for_each
        if parent.cancelled.wait(self.jobs.pending_seconds):  # the job cluster starts
            with self.jobs.lock:
                parent.finish("CANCELED")
            return
        with self.jobs.lock:
            parent.running_at = now_ms()
            if not parent.cancelled.is_set():
                parent.life_cycle, parent.message = "RUNNING", "In run"
        waiting = list(each.inputs)
        while True:
            if parent.cancelled.is_set() or self._timed_out(parent):
                self._stop_iterations(parent)
                with self.jobs.lock:
                    parent.executed_at = now_ms()
                    if parent.cancelled.is_set():
                        parent.finish("CANCELED")
                    else:
                        message = f"Run timed out after {parent.timeout_seconds} seconds."
                        parent.finish("TIMEDOUT", message)
                return
            with self.jobs.lock:
                live = sum(run.active for run in each.iterations)
                while waiting and live < each.concurrency:
                    self._start_iteration(parent, waiting.pop(0), clusters)
                    live += 1
                if not waiting and not live:
                    break
            time.sleep(POLL_SECONDS)
        with self.jobs.lock:
            parent.executed_at = now_ms()
            ok = all(run.result_state == "SUCCESS" for run in each.iterations)
            parent.finish("SUCCESS" if ok else "FAILED")

    def _start_iteration(self, parent: Run, element: Any, clusters: dict[str, str]) -> None:
        """Start one iteration (lock held); the cluster is up already. An element the
        parameters cannot be made of (``{{input.key}}`` of a missing key) fails it."""
        assert parent.for_each is not None
        try:
            task, error = parent.for_each.iteration_task(element), None
        except ApiError as exc:
            task, error = parent.for_each.nested, exc.message
        iteration_id = self.jobs.new_id()
        iteration = Run(
            run_id=parent.run_id,
            task_run_id=iteration_id,
            job_id=parent.job_id,
            run_name=parent.run_name,
            task=task,
            timeout_seconds=int(task.get("timeout_seconds") or 0),
            creator=parent.creator,
            cluster_id=self._cluster(task, clusters),
            run_type=parent.run_type,
            trigger=parent.trigger,
            executed=f"{EXECUTED}-{iteration_id}",
        )
        parent.for_each.iterations.append(iteration)
        self.jobs.register_iteration(iteration)
        if error is None:
            self.jobs.start(iteration, 0.0)
            return
        iteration.error = (error, "")
        iteration.finish("FAILED", error)
        iteration.done.set()

    def _stop_iterations(self, parent: Run) -> None:
        assert parent.for_each is not None
        with self.jobs.lock:
            live = [run for run in parent.for_each.iterations if run.active]
            for run in live:
                run.life_cycle, run.message = "TERMINATING", "Cancellation requested."
                run.cancelled.set()
        for run in live:
            run.done.wait(30)

    @staticmethod
    def _timed_out(run: Run) -> bool:
        return run.deadline is not None and time.time() > run.deadline
