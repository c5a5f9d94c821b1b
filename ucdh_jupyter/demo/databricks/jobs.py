"""The Jobs API for runs: submit, get, get-output, cancel, cancel-all, export, list.

Each notebook task run gets a thread that plays the cluster: PENDING while it "starts",
then RUNNING a papermill subprocess on the workspace notebook, then a terminal state.
When the run ends, whatever notebook papermill wrote (executed or partial) is saved
next to the source as ``executed`` (an iteration of a for-each as
``executed-<its run id>``), the way a notebook that saves its result would. Runs of a
job (run-now, schedules, for-each iterations) are started by :mod:`.jobruns` and kept
here with the one-time runs.
"""

from __future__ import annotations

import itertools
import logging
import posixpath
import shutil
import threading
import time
from pathlib import Path
from typing import Any

from . import notebooks
from .compute import Compute
from .errors import ApiError, flag, integer, invalid
from .execution import NotebookProcess
from .runs import Run
from .tasks import check_compute, check_email, check_notebook_task, cluster_id
from .workspace import Workspace, now_ms

log = logging.getLogger(__name__)

MULTI_TASK_OUTPUT = (
    "Retrieving the output of runs with multiple tasks is not supported. "
    "Please retrieve the output of each individual task run instead."
)
MULTI_TASK_EXPORT = (
    "Exporting runs with multiple tasks is not supported. "
    "Please export each individual task run instead."
)
FOR_EACH_OUTPUT = (
    "A for-each task run has no output of its own: retrieve the output of each iteration."
)
RESULT_LIMIT = 5 * 1024 * 1024  # Databricks returns the first 5 MB of an exit value
MAX_LIST_LIMIT = 25


def _console_error(process: NotebookProcess) -> tuple[str, str]:
    tail = process.log_tail().strip()
    return (tail.splitlines() or ["The notebook process failed."])[-1], tail


class Jobs:
    """Runs by id (job run ids and task run ids, iterations included).

    ``host`` (set once the server listens) and ``workspace_id`` only shape run page URLs.
    """

    def __init__(
        self,
        workspace: Workspace,
        compute: Compute,
        *,
        user_name: str,
        workspace_id: str,
        pending_seconds: float,
        workdir: Path,
    ) -> None:
        self.workspace, self.compute = workspace, compute
        self.user_name, self.workspace_id = user_name, workspace_id
        self.pending_seconds, self.workdir = pending_seconds, workdir
        self.host = ""
        self._lock = threading.Lock()
        self._ids = itertools.count(690_001_234_000)
        self._job_ids = itertools.count(1_100_000_000_001)
        self._runs: dict[int, Run] = {}
        self._by_task: dict[int, Run] = {}
        self._tokens: dict[str, int] = {}
        self.lock = self._lock  # shared with the runs of jobs (jobruns.py)
        # The e-mails Databricks would have sent (email_notifications): kept, never sent.
        self.mails: list[dict[str, Any]] = []

    # -- API ---------------------------------------------------------------------------

    def submit(self, body: dict[str, Any]) -> dict[str, Any]:
        """Start a run, or return the run an earlier submit with the same token started."""
        token = body.get("idempotency_token")
        with self._lock:
            if token and token in self._tokens:
                return {"run_id": self._tokens[token]}
        task = self._check_submit(body)
        with self._lock:
            if token and token in self._tokens:  # a racing twin got here first
                return {"run_id": self._tokens[token]}
            run = Run(
                run_id=self.new_id(),
                task_run_id=self.new_id(),
                job_id=next(self._job_ids),
                run_name=str(body.get("run_name") or "Untitled"),
                task=task,
                timeout_seconds=timeout(body, task),
                creator=self.user_name,
                cluster_id=None
                if "environment_key" in task
                else cluster_id(task.get("existing_cluster_id")),
                message="Waiting for cluster" if "new_cluster" in task else "",
                email=check_email(body.get("email_notifications")),
            )
            self.register(run, token)
        self.start(run, self.pending_seconds)
        return {"run_id": run.run_id}

    def get(self, run_id: Any, query: dict[str, str] | None = None) -> dict[str, Any]:
        """A job run, or a task run when given a task run id: a for-each task run with
        a page of its iterations (``page_token``), each with the parameters it got when
        ``include_resolved_values`` is asked."""
        query = query or {}
        run, is_task = self._find(run_id)
        with self._lock:
            if not is_task:
                return run.job_run(self.host, self.workspace_id)
            view = run.task_as_run(self.host, self.workspace_id)
            if run.for_each is not None:
                resolved = flag(query.get("include_resolved_values"))
                page = run.for_each.page(
                    query.get("page_token"), self.host, self.workspace_id, resolved
                )
                view.update(page)
            return view

    def get_output(self, run_id: Any) -> dict[str, Any]:
        """The output of a task run; the job run has none, as on Databricks."""
        run, is_task = self._find(run_id)
        if not is_task:
            raise invalid(MULTI_TASK_OUTPUT)
        if run.for_each is not None:
            raise invalid(FOR_EACH_OUTPUT)
        with self._lock:
            output: dict[str, Any] = {"metadata": run.task_as_run(self.host, self.workspace_id)}
            if not run.active:
                value = run.exit_value
                output["notebook_output"] = (
                    {"result": value[:RESULT_LIMIT], "truncated": len(value) > RESULT_LIMIT}
                    if value is not None
                    else {}
                )
            if run.error:
                output["error"], output["error_trace"] = run.error
        return output

    def cancel(self, run_id: Any) -> dict[str, Any]:
        """Ask a run to stop; it goes TERMINATING, then TERMINATED/CANCELED. A job run
        (or its for-each task run) stops its live iterations and starts no more."""
        run, _ = self._find(run_id)
        with self._lock:
            self._cancel(run)
        return {}

    def cancel_all(self, body: dict[str, Any]) -> dict[str, Any]:
        """Cancel every active run of ``job_id`` (runs/cancel-all)."""
        if body.get("job_id") is None:
            raise invalid("job_id is required here (queued runs are never kept).")
        job_id = integer(body.get("job_id"), "job_id")
        with self._lock:
            for run in list(self._runs.values()):
                if run.job_id == job_id:
                    self._cancel(run)
        return {}

    def _cancel(self, run: Run) -> None:
        if run.active and not run.cancelled.is_set():
            run.life_cycle, run.message = "TERMINATING", "Cancellation requested."
            run.cancelled.set()

    def export(self, run_id: Any, views: str | None) -> dict[str, Any]:
        """The run's notebook as HTML: executed, partial while running, source while pending."""
        run, is_task = self._find(run_id)
        if not is_task or run.for_each is not None:
            raise invalid(MULTI_TASK_EXPORT)
        kind = (views or "CODE").upper()
        if kind not in ("CODE", "ALL", "DASHBOARDS"):
            raise invalid(f"views_to_export must be CODE, DASHBOARDS or ALL, got {views}.")
        with self._lock:
            process, notebook = run.process, run.output
        if notebook is None and process is not None:
            notebook = process.output()
        if notebook is None:
            notebook = self.workspace.notebook(run.notebook_path)
        if notebook is None or kind == "DASHBOARDS":  # a notebook run has no dashboards
            return {"views": []}
        name = posixpath.basename(run.notebook_path)
        return {
            "views": [{"content": notebooks.to_html(notebook), "name": name, "type": "NOTEBOOK"}]
        }

    def list(self, query: dict[str, str]) -> dict[str, Any]:
        """Job runs, newest first, filtered and paged like runs/list."""
        active, completed = flag(query.get("active_only")), flag(query.get("completed_only"))
        if active and completed:
            raise invalid("active_only and completed_only cannot both be true.")
        limit = integer(query.get("limit", 20), "limit") or MAX_LIST_LIMIT
        if not 0 < limit <= MAX_LIST_LIMIT:
            raise invalid(f"limit must be between 1 and {MAX_LIST_LIMIT}.")
        offset = integer(query.get("page_token") or query.get("offset") or 0, "page_token")
        since = integer(query.get("start_time_from") or 0, "start_time_from")
        until = integer(query.get("start_time_to") or 0, "start_time_to")
        job_id = integer(query["job_id"], "job_id") if query.get("job_id") else None
        run_type = query.get("run_type")
        with self._lock:
            runs = [
                run
                for run in sorted(self._runs.values(), key=lambda r: r.run_id, reverse=True)
                if (run_type is None or run.run_type == run_type)
                and (job_id is None or run.job_id == job_id)
                and not (active and not run.active)
                and not (completed and run.active)
                and run.start_time >= since
                and (not until or run.start_time <= until)
            ]
            tasks = flag(query.get("expand_tasks"))
            page = [
                r.job_run(self.host, self.workspace_id, tasks)
                for r in runs[offset : offset + limit]
            ]
        response: dict[str, Any] = {"has_more": offset + limit < len(runs)}
        if page:
            response["runs"] = page
        if response["has_more"]:
            response["next_page_token"] = str(offset + limit)
        if offset:
            response["prev_page_token"] = str(max(0, offset - limit))
        return response

    # -- helpers -----------------------------------------------------------------------

    def wait_idle(self, timeout: float) -> bool:
        """True once no run is active; False if some still are after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._lock:
            runs = list(self._runs.values())
        return all(run.done.wait(max(0.0, deadline - time.monotonic())) for run in runs)

    def stop(self, timeout: float = 10.0) -> None:
        """Cancel every active run and wait for their threads to clean up."""
        with self._lock:
            active = [run for run in self._runs.values() if run.active]
        for run in active:
            run.cancelled.set()
        self.wait_idle(timeout)

    def new_id(self) -> int:
        """A fresh run id (job, task and iteration runs share one sequence)."""
        return next(self._ids)

    def register(self, run: Run, token: str | None = None) -> None:
        """Keep a new job run, by its ids and its idempotency token (lock held)."""
        self._runs[run.run_id] = self._by_task[run.task_run_id] = run
        if token:
            self._tokens[token] = run.run_id

    def register_iteration(self, iteration: Run) -> None:
        """Keep a for-each iteration by its task run id only (lock held)."""
        self._by_task[iteration.task_run_id] = iteration

    def run_for_token(self, token: str | None) -> int | None:
        """The run an earlier request with this idempotency token started (lock held)."""
        return self._tokens.get(token) if token else None

    def active_runs(self, job_id: int) -> int:
        """How many runs of a job are active (lock held)."""
        return sum(run.active for run in self._runs.values() if run.job_id == job_id)

    def _find(self, run_id: Any) -> tuple[Run, bool]:
        number = integer(run_id, "run_id")
        with self._lock:
            if number in self._runs:
                return self._runs[number], False
            if number in self._by_task:
                return self._by_task[number], True
        raise invalid(f"Run {number} does not exist.")

    def _check_submit(self, body: dict[str, Any]) -> dict[str, Any]:
        tasks = body.get("tasks")
        if not isinstance(tasks, list) or not tasks:
            raise invalid("tasks must be a non-empty list: a run needs a task.")
        if len(tasks) > 1:
            raise invalid("This local workspace runs one task per submitted run.")
        task = check_notebook_task(tasks[0])
        check_compute(task, self.compute, body.get("environments"), None)
        return task

    # -- the run's thread --------------------------------------------------------------

    def start(self, run: Run, pending: float) -> None:
        """Run a notebook task run in its own thread, after ``pending`` seconds of
        cluster start-up; mails its start now and its end at the end."""
        self.mail(run, start=True)
        threading.Thread(target=self._execute, args=(run, pending), daemon=True).start()

    def _execute(self, run: Run, pending: float) -> None:
        try:
            self._run_to_end(run, pending)
        except Exception as exc:
            log.exception("local Databricks: run %s failed inside the stand-in", run.run_id)
            with self._lock:
                run.finish("INTERNAL_ERROR", f"The local workspace could not run the task: {exc}")
        finally:
            self.mail(run)
            run.done.set()

    def mail(self, run: Run, start: bool = False) -> None:
        """Databricks mails a run's start to on_start, its end to on_success or
        on_failure (CANCELED and TIMEDOUT count as failures; a skipped run only if
        ``no_alert_for_skipped_runs`` is not set); here the mail is only kept, the start
        mail with no result state."""
        if not run.email:
            return
        state = run.result_state
        if start:
            event = "on_start"
        elif run.outcome == "SKIPPED" and run.email.get("no_alert_for_skipped_runs"):
            return
        else:
            event = "on_success" if state == "SUCCESS" else "on_failure"
        to = run.email.get(event) or []
        if to:
            with self._lock:
                self.mails.append({"to": list(to), "run_name": run.run_name, "result_state": state})

    def _run_to_end(self, run: Run, pending: float) -> None:
        if run.cancelled.wait(pending):
            with self._lock:
                run.finish("CANCELED")
            return
        notebook = self.workspace.notebook(run.notebook_path)
        if notebook is None:
            message = (
                f'Unable to access the notebook "{run.notebook_path}". Either it does not exist, '
                "or the identity used to run this job lacks the required permissions."
            )
            with self._lock:
                run.finish("NOT_FOUND", message)
            return
        workdir = self.workdir / f"run-{run.task_run_id}"
        parameters = run.task["notebook_task"].get("base_parameters") or {}
        process = NotebookProcess(workdir, notebook, parameters)
        with self._lock:
            run.process = process
        try:
            outcome = self._supervise(run, process)
            self._collect(run, process, outcome)
        finally:
            process.stop()
            shutil.rmtree(workdir, ignore_errors=True)

    def _supervise(self, run: Run, process: NotebookProcess) -> str:
        deadline = run.deadline
        while True:
            code = process.wait(0.1)
            # Kernel start-up is part of the cluster's setup: RUNNING means cells execute.
            if not run.running_at and (code is not None or process.started()):
                with self._lock:
                    run.running_at = now_ms()
                    if not run.cancelled.is_set():
                        run.life_cycle, run.message = "RUNNING", "In run"
            if code is not None:
                return "SUCCESS" if code == 0 else "FAILED"
            if run.cancelled.is_set():
                process.stop()
                return "CANCELED"
            if deadline is not None and time.time() > deadline:
                process.stop()
                return "TIMEDOUT"

    def _collect(self, run: Run, process: NotebookProcess, outcome: str) -> None:
        with self._lock:
            run.life_cycle, run.executed_at = "TERMINATING", now_ms()
        output = process.output()
        if output is not None:
            executed = posixpath.join(posixpath.dirname(run.notebook_path), run.executed)
            try:
                self.workspace.save_notebook(executed, output)
            except ApiError as exc:  # the folder was deleted while the run ran
                log.warning("local Databricks: could not save %s: %s", executed, exc.message)
        error = None
        if outcome == "FAILED":
            # The notebook's own error output reads like Databricks'; papermill's console
            # is only the fallback, for failures outside any cell (a dead kernel).
            error = notebooks.failure(output or {}) or _console_error(process)
        message = (
            f"Run timed out after {run.timeout_seconds} seconds." if outcome == "TIMEDOUT" else None
        )
        with self._lock:
            run.output, run.error = output, error
            if outcome == "SUCCESS" and output is not None:
                run.exit_value = notebooks.exit_value(output)
            run.finish(outcome, message)


def timeout(settings: dict[str, Any], task: dict[str, Any]) -> int:
    """The tighter of the run's and the task's ``timeout_seconds`` (0: none)."""
    given = [t for t in (settings.get("timeout_seconds"), task.get("timeout_seconds")) if t]
    return min((integer(t, "timeout_seconds") for t in given), default=0)
