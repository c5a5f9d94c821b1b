"""Parameter sweeps on Databricks: one job whose for-each task runs the notebook once per
row, all iterations on one job cluster.

A one-time run (runs/submit) cannot share a job cluster between tasks, so a sweep is a
transient job, ``ucdh-sweep-<run id>`` (its name and its runs' names carry no notebook
name nor parameter value: Databricks mails them):
- plan: ``jobs.create`` settings: the cluster single runs get as the job cluster
  ``ucdh`` (an existing cluster or serverless as single runs have them), a
  ``for_each_task`` over the rows (each row's JSON as one input, at most
  ``parallelism`` at once) whose nested notebook task gets its row as the widget
  ``ucdh_row`` and the per-child max runtime as ``timeout_seconds``; the whole job run
  is bounded by the sweep's deadline; one run at a time; tags as single runs;
- launch: import the notebook once, with the run's parameters injected and then a
  cell that reads the row from the widget (rows override, as a child's parameters are
  ``parameters | row``); create the job, ``run_now`` with the run id as the
  idempotency token;
- observe: the job run's state and its iterations (each mapped back to its row by the
  input it resolved to); each iteration that ended: its exit value, error, executed
  notebook (to ``children/<i>/output/notebook.ipynb``) and glued scraps;
- release: cancel a live run; once over, delete the job and the imported folder.
R notebooks are refused at submit (see the run service): R reads no JSON without a
package (jsonlite) the cluster may not have, and R's parameter injection has no
precedent for one.
"""

from __future__ import annotations

import contextlib
import json
import math
from typing import TYPE_CHECKING, Any

from . import runner as protocol
from .backend import MACHINE_ABSENT, MACHINE_GONE, Observation
from .databricks_views import (
    EXECUTED_NAME,
    LIVE,
    iso_ms,
    states,
    timeout_seconds,
    widget_value,
)
from .model import Run, utcnow
from .notebook import inject_parameters, parameters_cell
from .runner import scraps_of
from .sweep import (
    CANCELLED,
    FAILED,
    FINAL_CHILD_STATES,
    PENDING,
    RUNNING,
    SUCCEEDED,
    child_output_key,
)

if TYPE_CHECKING:
    from .databricks import DatabricksBackend

JOB_CLUSTER_KEY = "ucdh"
SWEEP_TASK_KEY = "sweep"
CHILD_TASK_KEY = "child"
ROW_WIDGET = "ucdh_row"
ROW_TAG = "injected-sweep-row"


def job_name(run: Run) -> str:
    """The transient job's name (and its runs'): the run id only."""
    return f"ucdh-sweep-{run.id}"


def sweep_inputs(rows: list[dict[str, Any]]) -> str:
    """``for_each_task.inputs``: a JSON array of each row's JSON text (widgets are text)."""
    return json.dumps([json.dumps(row) for row in rows])


def inject_row(notebook: dict[str, Any], parameters: dict[str, Any]) -> dict[str, Any]:
    """The notebook with the run's parameters injected, then a cell that sets each
    value of the child's row from the ``ucdh_row`` widget (so a row overrides both)."""
    copy = inject_parameters(notebook, parameters)
    cells = copy["cells"]
    injected = [
        i for i, c in enumerate(cells) if "injected-parameters" in c["metadata"].get("tags", [])
    ]
    target = parameters_cell(copy)
    at = injected[0] + 1 if injected else (cells.index(target) + 1 if target is not None else 0)
    source = f'import json\nglobals().update(json.loads(dbutils.widgets.get("{ROW_WIDGET}")))\n'
    cell: dict[str, Any] = {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {"tags": [ROW_TAG]},
        "outputs": [],
        "source": source,
    }
    if copy.get("nbformat", 4) == 4 and copy.get("nbformat_minor", 0) >= 5:
        cell["id"] = "injected-sweep-row"
    cells.insert(at, cell)
    return copy


class DatabricksSweeps:
    """The sweep half of :class:`~.databricks.DatabricksBackend` (which it uses for the
    workspace, the records, the compute and the owner's mail)."""

    def __init__(self, backend: DatabricksBackend) -> None:
        self.backend = backend

    @property
    def jobs(self) -> Any:
        """The SDK's jobs API."""
        return self.backend.workspace.jobs

    def plan(self, run: Run) -> dict[str, Any]:
        """Everything ``jobs.create`` needs; checks the token and node type first."""
        from databricks.sdk.service.jobs import (
            ForEachTask,
            JobCluster,
            NotebookTask,
            Source,
            Task,
        )

        folder, notebook_path = self.backend.workspace_notebook(run)
        compute = self.backend.compute(run)
        clusters = []
        if "new_cluster" in compute:
            key = JOB_CLUSTER_KEY
            clusters = [JobCluster(job_cluster_key=key, new_cluster=compute.pop("new_cluster"))]
            compute = {"job_cluster_key": key}
        widgets = {key: widget_value(value) for key, value in run.parameters.items()}
        child = Task(
            task_key=CHILD_TASK_KEY,
            notebook_task=NotebookTask(
                notebook_path=notebook_path,
                base_parameters={**widgets, ROW_WIDGET: "{{input}}"},
                source=Source.WORKSPACE,
            ),
            timeout_seconds=timeout_seconds(run.max_hours),
            **compute,
        )
        whole = (run.deadline_at - utcnow()).total_seconds()
        create: dict[str, Any] = {
            "name": job_name(run),
            "job_clusters": clusters,
            "tasks": [
                Task(
                    task_key=SWEEP_TASK_KEY,
                    for_each_task=ForEachTask(
                        inputs=sweep_inputs(run.sweep_rows),
                        task=child,
                        concurrency=run.parallelism or 1,
                    ),
                )
            ],
            "timeout_seconds": max(1, math.ceil(whole)),
            "max_concurrent_runs": 1,
            "tags": {"ucdh-run-id": run.id, "ucdh-owner": run.owner[:256]},
        }
        mail = self.backend.email_notifications(run.owner)
        if mail:
            create["email_notifications"] = mail
        return {
            "folder": folder,
            "notebook_path": notebook_path,
            "create": create,
            "mailed_by": "databricks" if mail else None,
        }

    def launch(self, run: Run, plan: dict[str, Any]) -> None:
        """Import the notebook, create the job and run it (once per run id)."""
        if run.databricks_run_id:
            return
        staged = json.loads(self.backend.records.get(run.id, protocol.NOTEBOOK_KEY) or b"{}")
        notebook = inject_row(staged, run.parameters)
        self.backend.workspace.workspace.mkdirs(plan["folder"])
        self.backend._import(plan["notebook_path"], notebook)
        run.databricks_notebook_path = plan["notebook_path"]
        try:
            if not run.databricks_job_id:
                run.databricks_job_id = int(self.jobs.create(**plan["create"]).job_id)
            started = self.jobs.run_now(run.databricks_job_id, idempotency_token=run.id)
        except Exception:
            self._clean_up(run, plan["folder"])
            raise
        run.databricks_run_id = int(started.run_id)
        run.mailed_by = plan.get("mailed_by")
        run.databricks_host = self.backend.client.host()
        details = self.jobs.get_run(run.databricks_run_id)
        run.databricks_run_url = details.run_page_url
        run.started_at = iso_ms(details.start_time) or run.started_at

    def find(self, run: Run) -> Any:
        """The job run of the sweep: by id, else the newest run of its job (found by
        name after a launch cut short), else None."""
        if run.databricks_run_id:
            return self.jobs.get_run(run.databricks_run_id)
        if not run.databricks_job_id:
            found = next(iter(self.jobs.list(name=job_name(run))), None)
            if found is None:
                return None
            run.databricks_job_id = found.job_id
        latest = next(iter(self.jobs.list_runs(job_id=run.databricks_job_id, limit=1)), None)
        if latest is None:
            return None
        run.databricks_run_id = latest.run_id
        return self.jobs.get_run(latest.run_id)

    def observe(self, run: Run) -> Observation:
        """The job run's state, and each child as its iteration shows it."""
        details = self.find(run)
        if details is None:
            return Observation(MACHINE_ABSENT, children=[])
        life, _result, _message = states(details)
        children = self.children(run, details)
        started = iso_ms(details.start_time)
        if (life or "PENDING") in LIVE:
            return Observation(LIVE[life or "PENDING"][0], started_at=started, children=children)
        return Observation(MACHINE_GONE, started_at=started, children=children)

    def children(self, run: Run, details: Any) -> list[dict[str, Any]]:
        """Each iteration as a child dict; an iteration that ended for the first time
        has its results fetched (once: a final child is not looked at again)."""
        tasks = details.tasks or []
        if not tasks or not tasks[0].run_id:
            return []
        task = self.jobs.get_run(tasks[0].run_id, include_resolved_values=True)
        known = {c["engine_id"]: c for c in run.children if c.get("engine_id")}
        claimed = {c["index"] for c in known.values()}
        rows = [json.dumps(row) for row in run.sweep_rows]
        seen = []
        for iteration in task.iterations or []:
            engine_id = str(iteration.run_id)
            before = known.get(engine_id)
            if before is None:
                index = self._row_of(iteration, rows, claimed)
                if index is None:
                    continue
                claimed.add(index)
            elif before["state"] in FINAL_CHILD_STATES:
                continue
            else:
                index = before["index"]
            seen.append(self._child(run, index, iteration))
        return seen

    @staticmethod
    def _row_of(iteration: Any, rows: list[str], claimed: set[int]) -> int | None:
        """The row an iteration runs: the first unclaimed row whose JSON it got."""
        resolved = iteration.resolved_values
        notebook = resolved.notebook_task if resolved else None
        text = ((notebook.base_parameters if notebook else None) or {}).get(ROW_WIDGET)
        return next((i for i, row in enumerate(rows) if row == text and i not in claimed), None)

    def _child(self, run: Run, index: int, iteration: Any) -> dict[str, Any]:
        life, result, message = states(iteration)
        child: dict[str, Any] = {
            "index": index,
            "engine_id": str(iteration.run_id),
            "started_at": iso_ms(iteration.start_time),
            "ended_at": iso_ms(iteration.end_time),
        }
        if (life or "PENDING") in LIVE:
            child["state"] = RUNNING if life in ("RUNNING", "TERMINATING") else PENDING
            return child
        output = self.jobs.get_run_output(iteration.run_id)
        notebook_output = output.notebook_output
        child["exit_value"] = (
            str(notebook_output.result) if notebook_output and notebook_output.result else None
        )
        if result == "SUCCESS":
            child["state"] = SUCCEEDED
        elif result == "CANCELED":
            child["state"] = CANCELLED
        elif result == "TIMEDOUT":
            child.update(
                state=FAILED,
                failure_kind="timeout",
                failure_message="The child reached its max runtime; Databricks stopped it.",
            )
        else:
            child.update(
                state=FAILED,
                failure_kind="notebook_error" if result == "FAILED" else "infrastructure",
                failure_message=output.error or message or f"Databricks: {life} {result}",
            )
        executed = self._executed(run, iteration.run_id)
        if executed is not None:
            self.backend.records.put(
                run.id, child_output_key(index), executed, "application/x-ipynb+json"
            )
            child["output_key"] = child_output_key(index)
            child["scraps"] = scraps_of(json.loads(executed))
        return child

    def _executed(self, run: Run, iteration_id: int) -> bytes | None:
        """The iteration's executed notebook, when it saved one beside the source."""
        import base64

        from databricks.sdk.errors import NotFound
        from databricks.sdk.service.workspace import ExportFormat

        if not run.databricks_notebook_path:
            return None
        folder = run.databricks_notebook_path.rsplit("/", 1)[0]
        try:
            exported = self.backend.workspace.workspace.export(
                f"{folder}/{EXECUTED_NAME}-{iteration_id}", format=ExportFormat.JUPYTER
            )
        except NotFound:
            return None
        return base64.b64decode(exported.content) if exported.content else None

    def request_cancel(self, run: Run) -> None:
        """Cancel the job run: Databricks cancels its live iterations and starts no more."""
        if run.databricks_run_id:
            self.jobs.cancel_run(run.databricks_run_id)

    def release(self, run: Run) -> None:
        """Cancel a live job run (then the job goes; its outputs stay uncollected);
        once it is over, delete the job and the imported folder."""
        details = self.find(run)
        live = details is not None and (states(details)[0] or "PENDING") in LIVE
        if live:
            self.jobs.cancel_run(run.databricks_run_id)
        self._clean_up(run, None if live else self._folder(run))

    def _folder(self, run: Run) -> str | None:
        if not run.databricks_notebook_path or not self.backend.config.databricks_cleanup:
            return None
        return run.databricks_notebook_path.rsplit("/", 1)[0]

    def _clean_up(self, run: Run, folder: str | None) -> None:
        """Delete the sweep's job and its folder; what is gone already is fine."""
        from databricks.sdk.errors import NotFound

        if run.databricks_job_id:
            with contextlib.suppress(NotFound):
                self.jobs.delete(run.databricks_job_id)
        if folder:
            with contextlib.suppress(NotFound):
                self.backend.workspace.workspace.delete(folder, recursive=True)
