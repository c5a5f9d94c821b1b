"""The Databricks backend: a one-time job run of the notebook, on a job cluster that
exists only for the run.

How a run goes, with ``databricks-sdk`` calls only:
- plan: check the token (who am I), the node type against the workspace's list and
  the Spark version (latest LTS unless pinned), before anything is created;
- launch: import the staged notebook, parameters injected, under
  ``/Users/<me>/.ucdh-runs/<run id>/`` (as JUPYTER; an R notebook in R's SOURCE
  format with ``language=R``, the form the import documents), then ``jobs.submit`` with
  ``idempotency_token`` = run id (a double submit starts one run), ``timeout_seconds``
  = the max runtime (Databricks enforces the deadline even if this server is down),
  the parameters also as ``base_parameters`` for notebooks that read widgets;
- observe: ``get_run`` polled by the run monitor (the SDK's waiters give up after 20
  minutes), its states mapped onto the run model; at the end ``get_run_output`` of the
  *task* run (the parent's is refused) for the error, and the run's HTML view plus the
  executed notebook (when the run saved one as ``executed`` in its folder) copied to the
  run's S3 prefix, where "Open result" finds them as for EC2;
- release: cancel if still running, then delete the run's workspace folder.
A parameter sweep is a job with a for-each task instead: see databricks_sweep.py.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any

from ..databricks_client import DatabricksClient, translated
from ..errors import UcdhError, bad_request, log_unexpected
from . import runner as protocol
from .backend import (
    MACHINE_ABSENT,
    MACHINE_GONE,
    BackendParts,
    Observation,
)
from .databricks_sweep import DatabricksSweeps
from .databricks_views import (
    EXECUTED_NAME,
    LIVE,
    iso_ms,
    states,
    timeout_seconds,
    widget_value,
)
from .model import Run, iso, utcnow
from .notebook import inject_parameters, notebook_language
from .notebook_r import databricks_source
from .records import RUN_HTML_KEY, RunRecords

log = logging.getLogger(__name__)

TASK_KEY = "notebook"


def closest(node_type: str, offered: list[str], count: int = 6) -> list[str]:
    """The offered node types most like ``node_type``: same size, then same kind of
    machine (the family's first letter), then by name."""
    family, _, size = node_type.partition(".")

    def distance(name: str) -> tuple[bool, bool, str]:
        other_family, _, other_size = name.partition(".")
        return (other_size != size, other_family[:1] != family[:1], name)

    return sorted(offered, key=distance)[:count]


def run_log(details: Any, output: Any) -> str:
    """What the Runs section's Log shows for a finished Databricks run: its end state,
    durations, the notebook's exit value, and the error with its trace."""
    life, result, message = states(details)
    tasks = details.tasks or []
    task = tasks[0] if tasks else details
    setup, execution, cleanup = (
        (getattr(task, name) or 0) / 1000
        for name in ("setup_duration", "execution_duration", "cleanup_duration")
    )
    lines = [
        f"Databricks run {details.run_id} (task run {task.run_id}): "
        f"{life or '?'} / {result or '?'}",
        message,
        f"Run page: {details.run_page_url or '-'}",
        f"Cluster setup {setup:.1f} s, execution {execution:.1f} s, cleanup {cleanup:.1f} s",
    ]
    result_value = output.notebook_output.result if output.notebook_output else None
    if result_value:
        lines.append(f"Notebook exit value: {result_value}")
    if output.error:
        lines += ["", f"Error: {output.error}", str(output.error_trace or "")]
    return "\n".join(lines) + "\n"


class DatabricksBackend:
    """Plans, submits, follows and cleans up Databricks one-time runs."""

    name = "databricks"
    # 10 minutes. A job cluster alone takes some 3 to 7 minutes to start (instances, then
    # the Databricks runtime) and Databricks bills DBUs from the cluster's start; a shorter
    # max runtime would time out before the notebook's first cell in most runs, paying for
    # the start-up and nothing else. It is also far from the 0 that means "no timeout".
    min_max_hours = 10 / 60

    def __init__(
        self,
        config: Any,
        client: DatabricksClient,
        records: RunRecords,
        mail_to: Callable[[str], str | None] = lambda owner: None,
    ) -> None:
        self.config = config
        self.client = client
        self.records = records
        # Databricks mails a run's end itself (so with Jupyter closed too), to the
        # owner's address once SNS confirmed it is theirs (see notify.py).
        self.mail_to = mail_to
        self.sweeps = DatabricksSweeps(self)

    @classmethod
    def create(cls, parts: BackendParts) -> DatabricksBackend:
        return cls(parts.config, parts.databricks, parts.records(), parts.mail_to)

    @classmethod
    def unavailable(cls, parts: BackendParts) -> UcdhError | None:
        """A 400 naming what to set while no workspace is configured."""
        if parts.databricks.configured():
            return None
        details = parts.databricks.availability()
        return UcdhError(400, "databricks_not_configured", details["reason"], details["hint"])

    @property
    def workspace(self) -> Any:
        """The SDK's ``WorkspaceClient``."""
        return self.client.workspace()

    def folder(self, run_id: str) -> str:
        """The run's workspace folder."""
        user = self.client.me()["user"]
        root = self.config.databricks_runs_folder.format(user=user).rstrip("/")
        return f"{root}/{run_id}"

    def workspace_notebook(self, run: Run) -> tuple[str, str]:
        """The run's workspace folder, and the path its notebook is imported at there."""
        folder = self.folder(run.id)
        name = run.notebook_path.rsplit("/", 1)[-1].removesuffix(".ipynb")
        return folder, f"{folder}/{name}"

    def email_notifications(self, owner: str) -> Any:
        """Databricks' own e-mail when a run (or a sweep's job run) ends, to the owner's
        confirmed address; None when they asked for none."""
        address = self.mail_to(owner)
        if not address:
            return None
        from databricks.sdk.service.jobs import JobEmailNotifications

        return JobEmailNotifications(
            on_success=[address], on_failure=[address], no_alert_for_skipped_runs=True
        )

    # -- planning -----------------------------------------------------------

    def check_node_type(self, node_type: str) -> None:
        """A 400 naming the closest node types when the workspace does not offer this one."""
        offered = self.client.node_types() or frozenset()
        if node_type not in offered:
            raise bad_request(
                f"The Databricks workspace has no node type {node_type!r}.",
                f"Choose one it offers, e.g. {', '.join(closest(node_type, sorted(offered)))}.",
            )

    def spark_version(self) -> str:
        """The pinned runtime, else the latest LTS the workspace offers."""
        if self.config.databricks_spark_version:
            return str(self.config.databricks_spark_version)
        return str(
            self.workspace.clusters.select_spark_version(latest=True, long_term_support=True)
        )

    def compute(self, run: Run) -> dict[str, Any]:
        """The task's compute: a new job cluster, an existing cluster, or serverless."""
        from databricks.sdk.service.compute import ClusterSpec

        mode = run.cluster_mode or "new_cluster"
        if mode == "existing_cluster":
            cluster = self.config.databricks_existing_cluster_id
            if not cluster:
                raise UcdhError(
                    400,
                    "runs_not_configured",
                    "Runs on an existing Databricks cluster need a cluster, and none is set.",
                    "Ask your administrator to set UcdhConfig.databricks_existing_cluster_id.",
                )
            return {"existing_cluster_id": cluster}
        if mode == "serverless":
            return {}  # a notebook task without compute runs on serverless
        self.check_node_type(run.instance_type)
        spec = ClusterSpec(
            spark_version=self.spark_version(),
            node_type_id=run.instance_type,
            num_workers=run.workers or 0,
            custom_tags={"ucdh-run-id": run.id, "ucdh-owner": run.owner[:256]},
        )
        if not run.workers:
            # A cluster without workers must say so, or Databricks refuses to start it.
            spec.spark_conf = {
                "spark.master": "local[*, 4]",
                "spark.databricks.cluster.profile": "singleNode",
            }
            spec.custom_tags = {**(spec.custom_tags or {}), "ResourceClass": "SingleNode"}
        return {"new_cluster": spec}

    @translated
    def plan(self, run: Run) -> dict[str, Any]:
        """Everything ``jobs.submit`` (a sweep: ``jobs.create``) needs; checks the token
        and node type, creates nothing."""
        if run.kind == "sweep":
            return self.sweeps.plan(run)
        from databricks.sdk.service.jobs import NotebookTask, Source, SubmitTask

        folder, notebook_path = self.workspace_notebook(run)
        timeout = timeout_seconds(run.max_hours)
        task = SubmitTask(
            task_key=TASK_KEY,
            notebook_task=NotebookTask(
                notebook_path=notebook_path,
                base_parameters={key: widget_value(value) for key, value in run.parameters.items()},
                source=Source.WORKSPACE,
            ),
            timeout_seconds=timeout,
            **self.compute(run),
        )
        submit: dict[str, Any] = {
            "run_name": f"ucdh-run-{run.id}",
            "tasks": [task],
            "timeout_seconds": timeout,
            "idempotency_token": run.id,
        }
        mail = self.email_notifications(run.owner)
        if mail:
            submit["email_notifications"] = mail
        return {
            "folder": folder,
            "notebook_path": notebook_path,
            "submit": submit,
            "mailed_by": "databricks" if mail else None,
        }

    def preflight(self, run: Run, plan: dict[str, Any]) -> None:
        """Nothing more to check: :meth:`plan` asked the workspace already."""

    # -- life ---------------------------------------------------------------

    @translated
    def launch(self, run: Run, plan: dict[str, Any]) -> None:
        """Import the notebook and submit the run (once per run id)."""
        if run.kind == "sweep":
            self.sweeps.launch(run, plan)
            return
        if run.databricks_run_id:
            return
        staged = json.loads(self.records.get(run.id, protocol.NOTEBOOK_KEY) or b"{}")
        self.workspace.workspace.mkdirs(plan["folder"])
        self._import(plan["notebook_path"], inject_parameters(staged, run.parameters))
        try:
            submitted = self.workspace.jobs.submit(**plan["submit"])
        except Exception:
            self._undo_launch(run, plan["folder"])
            raise
        run.databricks_run_id = int(submitted.run_id)
        run.databricks_notebook_path = plan["notebook_path"]
        run.mailed_by = plan.get("mailed_by")
        run.databricks_host = self.client.host()
        details = self.workspace.jobs.get_run(run.databricks_run_id)
        run.databricks_run_url = details.run_page_url
        run.started_at = iso_ms(details.start_time) or iso(utcnow())

    def import_notebook(
        self, path: str, notebook: dict[str, Any], parameters: dict[str, Any]
    ) -> None:
        """Import a staged notebook at ``path`` with ``parameters`` injected (a
        schedule's notebook, imported once for all its fires)."""
        self._import(path, inject_parameters(notebook, parameters))

    def _import(self, path: str, notebook: dict[str, Any]) -> None:
        """Import the notebook at ``path``: Python as JUPYTER; R as R source, because the
        import's ``language`` applies only to the SOURCE format."""
        from databricks.sdk.service.workspace import ImportFormat, Language

        r = notebook_language(notebook) == "r"
        text = databricks_source(notebook["cells"]) if r else json.dumps(notebook)
        self.workspace.workspace.import_(
            path,
            content=base64.b64encode(text.encode()).decode(),
            format=ImportFormat.SOURCE if r else ImportFormat.JUPYTER,
            language=Language.R if r else None,
            overwrite=True,
        )

    def _undo_launch(self, run: Run, folder: str) -> None:
        """After a refused or lost submit: cancel a run that was created all the same
        (a reply lost in a timeout), and remove the imported notebook. Best effort: the
        submit's own error is what the user must see."""
        try:
            found = self._find(run)
            if found is not None:
                self.workspace.jobs.cancel_run(found.run_id)
            self.workspace.workspace.delete(folder, recursive=True)
        except Exception as exc:
            log_unexpected(log, exc, f"could not clean up the launch of {run.id}")

    def _find(self, run: Run) -> Any:
        """The Databricks run of ``run``: by id, else by name (a launch cut short)."""
        from databricks.sdk.service.jobs import RunType

        if run.databricks_run_id:
            return self.workspace.jobs.get_run(run.databricks_run_id)
        name = f"ucdh-run-{run.id}"
        for found in self.workspace.jobs.list_runs(run_type=RunType.SUBMIT_RUN, limit=25):
            if found.run_name == name:
                run.databricks_run_id = found.run_id
                run.databricks_run_url = found.run_page_url
                return self.workspace.jobs.get_run(found.run_id)
        return None

    @translated
    def observe(self, run: Run) -> Observation:
        """Map the Databricks run's state onto a runner-like status (a sweep: onto its
        children)."""
        if run.kind == "sweep":
            return self.sweeps.observe(run)
        details = self._find(run)
        if details is None:
            return Observation(MACHINE_ABSENT)
        life, _result, message = states(details)
        started = iso_ms(details.start_time)
        if (life or "PENDING") in LIVE:
            machine, phase = LIVE[life or "PENDING"]
            status = {
                "phase": phase,
                "heartbeat_at": iso(utcnow()),  # Databricks answered: the run is alive
                "progress": {"last_lines": [message] if message else []},
            }
            return Observation(machine, status, started)
        # The task run's output (not the parent's) holds the error and the exit value.
        output = self.workspace.jobs.get_run_output(self.task_run_id(details))
        status = self._ending(details, output)
        status["finished_at"] = iso_ms(details.end_time)
        self.collect(run, details, status["phase"] == "succeeded", output)
        return Observation(MACHINE_GONE, status, started)

    def task_run_id(self, details: Any) -> int:
        """The run id of the notebook task (outputs belong to it, not to the parent)."""
        tasks = details.tasks or []
        return int(tasks[0].run_id) if tasks else int(details.run_id)

    def _ending(self, details: Any, output: Any) -> dict[str, Any]:
        """The final phase, and the failure's kind and message, of a finished run."""
        _life, result, message = states(details)
        if result in ("SUCCESS", "SUCCESS_WITH_FAILURES"):
            return {"phase": "succeeded"}
        if result in ("CANCELED", "UPSTREAM_CANCELED"):
            return {"phase": "cancelled"}
        if result == "TIMEDOUT":
            return {
                "phase": "failed",
                "failure_kind": "timeout",
                "failure_message": "The run reached its max runtime; Databricks stopped it.",
            }
        if result == "FAILED":
            return {
                "phase": "failed",
                "failure_kind": "notebook_error",
                "failure_message": output.error or message or "The notebook failed.",
            }
        return {
            "phase": "failed",
            "failure_kind": "infrastructure",
            "failure_message": f"Databricks could not run the notebook: {message or result}",
        }

    def collect(self, run: Run, details: Any, succeeded: bool, output: Any = None) -> None:
        """Copy the run's HTML view, executed notebook and log to its S3 prefix (once);
        ``output`` is the task run's ``get_run_output`` when the caller has it already."""
        from databricks.sdk.errors import NotFound
        from databricks.sdk.service.jobs import ViewsToExport
        from databricks.sdk.service.workspace import ExportFormat

        if self.records.exists(run.id, RUN_HTML_KEY):
            return
        task = self.task_run_id(details)
        views = self.workspace.jobs.export_run(task, views_to_export=ViewsToExport.CODE).views
        if run.databricks_notebook_path:
            executed = run.databricks_notebook_path.rsplit("/", 1)[0] + f"/{EXECUTED_NAME}"
            try:
                exported = self.workspace.workspace.export(executed, format=ExportFormat.JUPYTER)
            except NotFound:
                exported = None
            if exported is not None and exported.content:
                key = protocol.OUTPUT_KEY if succeeded else protocol.PARTIAL_KEY
                body = base64.b64decode(exported.content)
                self.records.put(run.id, key, body, "application/x-ipynb+json")
        output = output or self.workspace.jobs.get_run_output(task)
        if output.notebook_output is not None and output.notebook_output.result:
            run.exit_value = str(output.notebook_output.result)
        log_text = run_log(details, output)
        self.records.put(run.id, protocol.LOG_KEY, log_text.encode(), "text/plain")
        html = next((view.content for view in views or [] if view.content), None)
        if html:
            self.records.put(run.id, RUN_HTML_KEY, html.encode(), "text/html")

    @translated
    def request_cancel(self, run: Run) -> None:
        """Cancel the Databricks run; it ends CANCELED shortly."""
        if run.kind == "sweep":
            self.sweeps.request_cancel(run)
            return
        if run.databricks_run_id:
            self.workspace.jobs.cancel_run(run.databricks_run_id)

    @translated
    def release(self, run: Run) -> None:
        """Cancel the run if it still runs; once over, fetch its results and delete its
        workspace folder (unless the admin keeps them); a sweep's job goes too."""
        if run.kind == "sweep":
            self.sweeps.release(run)
            return
        details = self._find(run)
        if details is None:
            return
        life, _result, _message = states(details)
        if life in LIVE:
            self.workspace.jobs.cancel_run(details.run_id)
            return
        self.collect(run, details, False)
        # A scheduled run's notebook is its schedule's, for every fire: kept.
        if self.config.databricks_cleanup and run.databricks_notebook_path and not run.schedule_id:
            from databricks.sdk.errors import NotFound

            folder = run.databricks_notebook_path.rsplit("/", 1)[0]
            with contextlib.suppress(NotFound):
                self.workspace.workspace.delete(folder, recursive=True)

    def adopt(self, recorded: dict[str, Run]) -> list[Run]:
        """Recorded runs carry their Databricks run id (a sweep its job's id too); a
        launch cut short before it was saved is found by name when the run is next
        observed. No tag-only runs here."""
        return []
