"""A run and the JSON views Databricks gives of it.

A run is a job run (``run_id``) holding one task run with its own id, as in Databricks'
multi-task format: durations and the cluster live on the task run, the job run has
``run_duration`` and zero setup/execution/cleanup, as documented. One-time runs
(runs/submit) and runs of a job (run-now, its schedule) share this shape; a task that is a
``for_each_task`` holds its iterations (each a :class:`Run` of the nested task, seen
through its own task run id) in :attr:`Run.for_each`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .execution import NotebookProcess
from .workspace import now_ms

if TYPE_CHECKING:
    from .foreach import ForEach

TERMINAL = ("TERMINATED", "INTERNAL_ERROR", "SKIPPED")
EXECUTED = "executed"  # where a run saves its executed notebook, next to the source
FAILED_MESSAGE = "Workload failed, see run output for details"

# result -> (life cycle state, state message, cancelled or timed out, termination code, type)
OUTCOMES: dict[str, tuple[str, str, bool, str, str]] = {
    "SUCCESS": ("TERMINATED", "", False, "SUCCESS", "SUCCESS"),
    "FAILED": ("TERMINATED", FAILED_MESSAGE, False, "RUN_EXECUTION_ERROR", "CLIENT_ERROR"),
    "CANCELED": ("TERMINATED", "Run cancelled.", True, "USER_CANCELED", "SUCCESS"),
    "TIMEDOUT": ("TERMINATED", "", True, "CANCELED", "CLIENT_ERROR"),
    "NOT_FOUND": ("INTERNAL_ERROR", "", False, "RESOURCE_NOT_FOUND", "CLIENT_ERROR"),
    "INTERNAL_ERROR": ("INTERNAL_ERROR", "", False, "INTERNAL_ERROR", "INTERNAL_ERROR"),
    "SKIPPED": (
        "SKIPPED",
        "Skipped: the job already has its max_concurrent_runs active.",
        False,
        "MAX_CONCURRENT_RUNS_EXCEEDED",
        "CLIENT_ERROR",
    ),
}
RESULT_STATES = ("SUCCESS", "FAILED", "CANCELED", "TIMEDOUT")
COMPUTE_FIELDS = ("new_cluster", "existing_cluster_id", "environment_key", "job_cluster_key")


@dataclass
class Run:
    """A run (or a for-each iteration): what was asked, where it is, and what came out.

    ``run_type``/``trigger`` say how it began (SUBMIT_RUN/ONE_TIME for runs/submit,
    JOB_RUN and ONE_TIME or PERIODIC for a job's); ``executed`` is the name its executed
    notebook is saved under beside the source (iterations each get their own).
    """

    run_id: int
    task_run_id: int
    job_id: int
    run_name: str
    task: dict[str, Any]
    timeout_seconds: int
    creator: str
    cluster_id: str | None
    start_time: int = field(default_factory=now_ms)
    running_at: int = 0
    executed_at: int = 0
    end_time: int = 0
    life_cycle: str = "PENDING"
    message: str = ""
    outcome: str | None = None
    output: dict[str, Any] | None = None
    error: tuple[str, str] | None = None
    exit_value: str | None = None
    # The run's email_notifications (on_start/on_success/on_failure: addresses).
    email: dict[str, Any] | None = None
    process: NotebookProcess | None = None
    run_type: str = "SUBMIT_RUN"
    trigger: str = "ONE_TIME"
    executed: str = EXECUTED
    for_each: ForEach | None = None
    job_clusters: list[dict[str, Any]] | None = None  # a job's run: its job clusters
    cancelled: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)

    @property
    def notebook_path(self) -> str:
        """The workspace notebook the task runs."""
        return str(self.task["notebook_task"]["notebook_path"])

    @property
    def deadline(self) -> float | None:
        """Epoch seconds at which ``timeout_seconds`` (counted from submit) runs out."""
        return self.start_time / 1000 + self.timeout_seconds if self.timeout_seconds else None

    @property
    def result_state(self) -> str | None:
        """SUCCESS, FAILED, CANCELED or TIMEDOUT once finished (errors count as FAILED);
        a skipped run has none."""
        if self.outcome is None or self.outcome == "SKIPPED":
            return None
        return self.outcome if self.outcome in RESULT_STATES else "FAILED"

    @property
    def active(self) -> bool:
        """Not finished yet."""
        return self.life_cycle not in TERMINAL

    def finish(self, outcome: str, message: str | None = None) -> None:
        """Move to the terminal state of ``outcome`` (a key of :data:`OUTCOMES`)."""
        life_cycle, default_message, _, _, _ = OUTCOMES[outcome]
        self.outcome, self.life_cycle = outcome, life_cycle
        self.message = message if message is not None else default_message
        self.end_time = now_ms()
        self.executed_at = self.executed_at or self.end_time

    def state(self) -> dict[str, Any]:
        """The (deprecated but still used) ``RunState``."""
        state: dict[str, Any] = {
            "life_cycle_state": self.life_cycle,
            "state_message": self.message,
            "user_cancelled_or_timedout": bool(self.outcome and OUTCOMES[self.outcome][2]),
        }
        if self.result_state:
            state["result_state"] = self.result_state
        return state

    def status(self) -> dict[str, Any]:
        """The ``RunStatus`` (v2 states)."""
        if self.outcome is None:
            return {"state": self.life_cycle}
        _, _, _, code, kind = OUTCOMES[self.outcome]
        details = {"code": code, "type": kind, "message": self.message}
        return {"state": "TERMINATED", "termination_details": details}

    def durations(self) -> dict[str, int]:
        """Setup (cluster start), execution and cleanup in ms; 0 for phases not reached."""
        setup_end = self.running_at or self.end_time
        ran = self.running_at and self.executed_at
        return {
            "setup_duration": setup_end - self.start_time if setup_end else 0,
            "execution_duration": self.executed_at - self.running_at if ran else 0,
            "cleanup_duration": self.end_time - self.executed_at if self.end_time else 0,
            "run_duration": (self.end_time or now_ms()) - self.start_time,
        }

    def _common(self, run_id: int, host: str, workspace_id: str) -> dict[str, Any]:
        return {
            "run_id": run_id,
            "job_id": self.job_id,
            "attempt_number": 0,
            "state": self.state(),
            "status": self.status(),
            "start_time": self.start_time,
            "end_time": self.end_time,
            "run_page_url": f"{host}/?o={workspace_id}#job/{self.job_id}/run/{run_id}",
        }

    def _compute(self) -> dict[str, Any]:
        view = {name: self.task[name] for name in COMPUTE_FIELDS if name in self.task}
        if self.cluster_id and (self.running_at or self.end_time):
            view["cluster_instance"] = {"cluster_id": self.cluster_id}
        return view

    def task_view(self, host: str, workspace_id: str) -> dict[str, Any]:
        """The ``RunTask`` inside the job run."""
        return {
            **self._common(self.task_run_id, host, workspace_id),
            **self.durations(),
            **self._compute(),
            "task_key": self.task["task_key"],
            "timeout_seconds": self.timeout_seconds,
            **(
                {"for_each_task": self.for_each.view()}
                if self.for_each is not None
                else {"notebook_task": self.task["notebook_task"]}
            ),
        }

    def task_as_run(self, host: str, workspace_id: str) -> dict[str, Any]:
        """The task run seen as a ``Run`` (runs/get of a task run id, get-output metadata)."""
        view = self.task_view(host, workspace_id)
        view.pop("task_key")
        attempt = {"original_attempt_run_id": self.task_run_id, "job_run_id": self.run_id}
        return {**self._base(host, workspace_id), **view, **attempt}

    def _base(self, host: str, workspace_id: str) -> dict[str, Any]:
        return {
            **self._common(self.run_id, host, workspace_id),
            "run_name": self.run_name,
            "run_type": self.run_type,
            "creator_user_name": self.creator,
            "number_in_job": self.run_id,
            "original_attempt_run_id": self.run_id,
            "trigger": self.trigger,
            "format": "MULTI_TASK",
        }

    def job_run(self, host: str, workspace_id: str, tasks: bool = True) -> dict[str, Any]:
        """The job run (``Run``/``BaseRun``): tasks carry the durations, as documented."""
        view = {
            **self._base(host, workspace_id),
            "setup_duration": 0,
            "execution_duration": 0,
            "cleanup_duration": 0,
            "run_duration": self.durations()["run_duration"],
            "job_run_id": self.run_id,
        }
        if tasks:
            view["tasks"] = [self.task_view(host, workspace_id)]
        if self.job_clusters:
            view["job_clusters"] = self.job_clusters
        return view
