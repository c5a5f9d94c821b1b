"""The Jobs API for one-time runs: submit, get, get-output, cancel, export, list.

Each submitted run gets a thread that plays the cluster: PENDING while it "starts",
then RUNNING a papermill subprocess on the workspace notebook, then a terminal state.
When the run ends, whatever notebook papermill wrote (executed or partial) is saved
next to the source as ``executed``, the way a notebook that saves its result would.
"""

from __future__ import annotations

import itertools
import logging
import posixpath
import secrets
import shutil
import threading
import time
from pathlib import Path
from typing import Any

from . import notebooks
from .compute import Compute
from .errors import ApiError, flag, integer, invalid
from .execution import NotebookProcess
from .runs import COMPUTE_FIELDS, Run
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
RESULT_LIMIT = 5 * 1024 * 1024  # Databricks returns the first 5 MB of an exit value
MAX_LIST_LIMIT = 25


def _console_error(process: NotebookProcess) -> tuple[str, str]:
    tail = process.log_tail().strip()
    return (tail.splitlines() or ["The notebook process failed."])[-1], tail


class Jobs:
    """One-time runs by id (job run ids and task run ids alike).

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
        timeouts = [t for t in (body.get("timeout_seconds"), task.get("timeout_seconds")) if t]
        with self._lock:
            if token and token in self._tokens:  # a racing twin got here first
                return {"run_id": self._tokens[token]}
            run = Run(
                run_id=next(self._ids),
                task_run_id=next(self._ids),
                job_id=next(self._job_ids),
                run_name=str(body.get("run_name") or "Untitled"),
                task=task,
                timeout_seconds=min((integer(t, "timeout_seconds") for t in timeouts), default=0),
                creator=self.user_name,
                cluster_id=None if "environment_key" in task else self._cluster_id(task),
                message="Waiting for cluster" if "new_cluster" in task else "",
                email=self._check_email(body.get("email_notifications")),
            )
            self._runs[run.run_id] = self._by_task[run.task_run_id] = run
            if token:
                self._tokens[token] = run.run_id
        threading.Thread(target=self._execute, args=(run,), daemon=True).start()
        return {"run_id": run.run_id}

    def get(self, run_id: Any) -> dict[str, Any]:
        """A job run, or a task run when given a task run id."""
        run, is_task = self._find(run_id)
        with self._lock:
            if is_task:
                return run.task_as_run(self.host, self.workspace_id)
            return run.job_run(self.host, self.workspace_id)

    def get_output(self, run_id: Any) -> dict[str, Any]:
        """The output of a task run; the job run has none, as on Databricks."""
        run, is_task = self._find(run_id)
        if not is_task:
            raise invalid(MULTI_TASK_OUTPUT)
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
        """Ask a run to stop; it goes TERMINATING, then TERMINATED/CANCELED."""
        run, _ = self._find(run_id)
        with self._lock:
            if run.active and not run.cancelled.is_set():
                run.life_cycle, run.message = "TERMINATING", "Cancellation requested."
                run.cancelled.set()
        return {}

    def export(self, run_id: Any, views: str | None) -> dict[str, Any]:
        """The run's notebook as HTML: executed, partial while running, source while pending."""
        run, is_task = self._find(run_id)
        if not is_task:
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
        with self._lock:
            # Every run here is a one-time (SUBMIT_RUN) run: other types list nothing.
            submitted = query.get("run_type", "SUBMIT_RUN") == "SUBMIT_RUN"
            everything = list(self._runs.values()) if submitted else []
            runs = [
                run
                for run in sorted(everything, key=lambda r: r.run_id, reverse=True)
                if not (active and not run.active)
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
        task = tasks[0]
        if not isinstance(task, dict) or not task.get("task_key"):
            raise invalid("Missing required field: task_key.")
        notebook = task.get("notebook_task")
        if not isinstance(notebook, dict):
            raise invalid("This local workspace only runs notebook tasks (notebook_task).")
        path = notebook.get("notebook_path")
        if not isinstance(path, str) or not path.startswith("/"):
            raise invalid(f"notebook_path must be an absolute workspace path, got {path!r}.")
        if notebook.get("source", "WORKSPACE") != "WORKSPACE":
            raise invalid("Only notebooks in the workspace (source WORKSPACE) can run here.")
        if not isinstance(notebook.get("base_parameters", {}), dict):
            raise invalid("base_parameters must be an object of names to values.")
        chosen = [name for name in COMPUTE_FIELDS if task.get(name)]
        if len(chosen) > 1:
            raise invalid(f"Only one of {', '.join(COMPUTE_FIELDS)} can be set; got {chosen}.")
        if "new_cluster" in chosen:
            self.compute.check_new_cluster(task["new_cluster"])
        if "environment_key" in chosen:
            keys = [env.get("environment_key") for env in body.get("environments") or []]
            if task["environment_key"] not in keys:
                raise invalid(f"environment_key {task['environment_key']} is not in environments.")
        return task

    @staticmethod
    def _cluster_id(task: dict[str, Any]) -> str:
        existing = task.get("existing_cluster_id")
        # New clusters get ids shaped like Databricks' (``0923-164208-1a2b3c4d``).
        return str(existing or f"{time.strftime('%m%d-%H%M%S')}-{secrets.token_hex(4)}")

    # -- the run's thread --------------------------------------------------------------

    def _execute(self, run: Run) -> None:
        try:
            self._run_to_end(run)
        except Exception as exc:
            log.exception("local Databricks: run %s failed inside the stand-in", run.run_id)
            with self._lock:
                run.finish("INTERNAL_ERROR", f"The local workspace could not run the task: {exc}")
        finally:
            self._mail(run)
            run.done.set()

    def _mail(self, run: Run) -> None:
        """Databricks mails the run's end to on_success or on_failure (CANCELED and
        TIMEDOUT count as failures); here the mail is only kept."""
        if not run.email:
            return
        state = run.result_state
        to = run.email.get("on_success" if state == "SUCCESS" else "on_failure") or []
        if to:
            with self._lock:
                self.mails.append({"to": list(to), "run_name": run.run_name, "result_state": state})

    @staticmethod
    def _check_email(value: Any) -> dict[str, Any] | None:
        if value is None:
            return None
        fields = ("on_start", "on_success", "on_failure")
        if not isinstance(value, dict) or any(
            not isinstance(value.get(name, []), list) for name in fields
        ):
            raise invalid("email_notifications must map on_start/on_success/on_failure to lists.")
        return value

    def _run_to_end(self, run: Run) -> None:
        if run.cancelled.wait(self.pending_seconds):
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
            executed = posixpath.join(posixpath.dirname(run.notebook_path), "executed")
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
