"""The local Databricks stand-in answers the SDK calls of the Databricks run backend as a
real workspace would: shapes, states, errors, and notebooks really executed."""

from __future__ import annotations

import base64
import html
import json
import logging
import os
import re
import time
from collections.abc import Iterator
from typing import Any

import nbformat
import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import (
    BadRequest,
    InvalidParameterValue,
    ResourceAlreadyExists,
    ResourceDoesNotExist,
    Unauthenticated,
)
from databricks.sdk.service.compute import ClusterSpec
from databricks.sdk.service.jobs import (
    NotebookTask,
    Run,
    RunLifeCycleState,
    RunResultState,
    RunType,
    SubmitTask,
    ViewsToExport,
)
from databricks.sdk.service.workspace import ExportFormat, ImportFormat, ObjectType

from ucdh_jupyter.demo.databricks import LocalDatabricks

from .patience import patient
from .runs.helpers import outputs_text

FINISHED = (RunLifeCycleState.TERMINATED, RunLifeCycleState.INTERNAL_ERROR)
CLUSTER = ClusterSpec(
    spark_version="15.4.x-scala2.12",
    node_type_id="m5d.large",
    num_workers=1,
    custom_tags={"ucdh-run": "test"},
)

Cell = str | tuple[str, str]  # a source, or (tag, source)


def ipynb(*cells: Cell) -> str:
    """Base64 of a python3 notebook; a ``(tag, source)`` cell carries that tag."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    for cell in cells:
        tag, source = cell if isinstance(cell, tuple) else (None, cell)
        code = nbformat.v4.new_code_cell(source)
        if tag:
            code.metadata["tags"] = [tag]
        notebook.cells.append(code)
    return base64.b64encode(nbformat.writes(notebook).encode()).decode()


def upload(w: WorkspaceClient, folder: str, *cells: Cell) -> str:
    """Import a notebook as ``<folder>/nb.ipynb``; Databricks stores it as ``<folder>/nb``."""
    w.workspace.mkdirs(folder)
    w.workspace.import_(
        f"{folder}/nb.ipynb", content=ipynb(*cells), format=ImportFormat.JUPYTER, overwrite=True
    )
    return f"{folder}/nb"


def notebook_task(path: str, **parameters: str) -> SubmitTask:
    return SubmitTask(
        task_key="notebook",
        notebook_task=NotebookTask(notebook_path=path, base_parameters=parameters),
        new_cluster=CLUSTER,
    )


def finished(w: WorkspaceClient, run_id: int, timeout: float = 60) -> Run:
    """Poll the run until it reaches a terminal state."""
    deadline = time.monotonic() + patient(timeout)
    while True:
        run = w.jobs.get_run(run_id)
        assert run.state is not None
        if run.state.life_cycle_state in FINISHED:
            return run
        assert time.monotonic() < deadline, run.state
        time.sleep(0.1)


def exported(w: WorkspaceClient, path: str) -> dict[str, Any]:
    """A workspace notebook as ipynb JSON."""
    response = w.workspace.export(path, format=ExportFormat.JUPYTER)
    assert response.file_type == "ipynb"
    return json.loads(base64.b64decode(str(response.content)))


# A text output in nbconvert's HTML; the cell's source is rendered elsewhere, as code.
TEXT_OUTPUT = re.compile(
    r'class="[^"]*jp-OutputArea-output"[^>]*data-mime-type="text/plain"[^>]*>\s*<pre>(.*?)</pre>',
    re.DOTALL,
)


def printed(w: WorkspaceClient, task_id: int) -> str:
    """What the run's notebook has printed so far, as its export shows it: outputs only,
    never the source (``print('started')`` is in the source before anything ran)."""
    views = w.jobs.export_run(task_id).views or []
    rendered = str(views[0].content) if views else ""
    return "".join(html.unescape(text) for text in TEXT_OUTPUT.findall(rendered))


def task_run_id(run: Run) -> int:
    assert run.tasks and run.tasks[0].run_id
    return run.tasks[0].run_id


@pytest.fixture(scope="module")
def standin() -> Iterator[LocalDatabricks]:
    """One stand-in for the module, its "clusters" starting in 0.2 s."""
    with pytest.MonkeyPatch.context() as patch:
        for name in [n for n in os.environ if n.startswith("DATABRICKS_")]:
            patch.delenv(name)  # a developer's own Databricks settings must not interfere
        with LocalDatabricks(pending_seconds=0.2) as local:
            yield local


@pytest.fixture(scope="module")
def w(standin: LocalDatabricks) -> WorkspaceClient:
    return WorkspaceClient(host=standin.host, token=standin.token)


@pytest.fixture(scope="module")
def home(w: WorkspaceClient) -> str:
    return f"/Users/{w.current_user.me().user_name}/ucdh-runs"


@pytest.fixture(scope="module")
def runs(w: WorkspaceClient, home: str) -> dict[str, int]:
    """The notebook runs the tests share, submitted together so their kernels start at once."""
    notebooks = {
        "report": upload(
            w,
            f"{home}/report",
            ("parameters", "rows = 10"),
            ("injected-parameters", "rows = 500"),
            "import os\nprint(f'rows={rows}')",
            "print('widget', os.environ['DATABRICKS_WIDGET_ROWS'])",
            ("databricks-exit", "print('all done')"),
        ),
        "failing": upload(w, f"{home}/failing", "x = 1", "x / 0"),
        "sleeping": upload(
            w, f"{home}/sleeping", "print('started')", "import time\ntime.sleep(60)"
        ),
        "slow": upload(w, f"{home}/slow", "import time\ntime.sleep(60)"),
    }
    ids = {}
    for name, path in notebooks.items():
        timeout = 3 if name == "slow" else None
        parameters = {"rows": "500"} if name == "report" else {}
        waiter = w.jobs.submit(
            run_name=f"ucdh {name}",
            tasks=[notebook_task(path, **parameters)],
            timeout_seconds=timeout,
            idempotency_token=f"token-{name}",
        )
        ids[name] = waiter.run_id
    return ids


def test_token_auth_survives_host_metadata_and_me_names_the_user(w: WorkspaceClient) -> None:
    me = w.current_user.me()
    assert w.config.auth_type == "pat"
    assert me.user_name == "researcher@ucdh.example"
    assert me.active and me.emails and me.emails[0].value == me.user_name


def test_wrong_token_is_unauthenticated_and_never_logged(
    standin: LocalDatabricks, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    intruder = WorkspaceClient(host=standin.host, token="dapi-wrong")
    with pytest.raises(Unauthenticated, match="Invalid access token"):
        intruder.current_user.me()
    WorkspaceClient(host=standin.host, token=standin.token).workspace.list("/")
    assert caplog.records, "nothing was logged: the scan would prove nothing"
    assert standin.token not in caplog.text


def test_jupyter_import_drops_the_extension_and_exports_in_every_format(
    w: WorkspaceClient, home: str
) -> None:
    path = upload(w, f"{home}/formats", "print('hello from the workspace')")
    status = w.workspace.get_status(path)
    assert status.object_type == ObjectType.NOTEBOOK and status.path == path
    with pytest.raises(ResourceDoesNotExist):
        w.workspace.get_status(f"{path}.ipynb")
    assert [o.path for o in w.workspace.list(f"{home}/formats")] == [path]
    cells = exported(w, path)["cells"]
    assert "hello from the workspace" in "".join(cells[0]["source"])
    source = base64.b64decode(str(w.workspace.export(path, format=ExportFormat.SOURCE).content))
    assert source.decode().startswith("# Databricks notebook source\nprint('hello")
    html = base64.b64decode(str(w.workspace.export(path, format=ExportFormat.HTML).content))
    assert b"<html" in html and b"hello from the workspace" in html


def test_source_import_splits_commands_into_cells(w: WorkspaceClient, home: str) -> None:
    text = (
        "# Databricks notebook source\n# MAGIC %md\n# MAGIC # Cohort\n\n"
        "# COMMAND ----------\n\nrows = 3\n"
    )
    content = base64.b64encode(text.encode()).decode()
    w.workspace.import_(f"{home}/from-source", content=content, format=ImportFormat.SOURCE)
    cells = exported(w, f"{home}/from-source")["cells"]
    assert [(c["cell_type"], "".join(c["source"])) for c in cells] == [
        ("markdown", "# Cohort"),
        ("code", "rows = 3"),
    ]


def test_import_refuses_an_existing_path_and_a_missing_folder(
    w: WorkspaceClient, home: str
) -> None:
    path = upload(w, f"{home}/exists", "1")
    with pytest.raises(ResourceAlreadyExists):
        w.workspace.import_(f"{path}.ipynb", content=ipynb("2"), format=ImportFormat.JUPYTER)
    with pytest.raises(ResourceDoesNotExist, match="parent folder"):
        w.workspace.import_(f"{home}/nowhere/nb", content=ipynb("3"), format=ImportFormat.JUPYTER)


def test_deleting_a_folder_needs_recursive_when_it_is_not_empty(
    w: WorkspaceClient, home: str
) -> None:
    upload(w, f"{home}/trash", "1")
    with pytest.raises(BadRequest) as error:
        w.workspace.delete(f"{home}/trash")
    assert error.value.error_code == "DIRECTORY_NOT_EMPTY"
    w.workspace.delete(f"{home}/trash", recursive=True)
    with pytest.raises(ResourceDoesNotExist):
        w.workspace.get_status(f"{home}/trash")


def test_clusters_offer_lts_runtimes_and_real_aws_node_sizes(w: WorkspaceClient) -> None:
    assert w.clusters.select_spark_version(latest=True, long_term_support=True) == (
        "15.4.x-scala2.12"
    )
    nodes = {n.node_type_id: n for n in w.clusters.list_node_types().node_types or []}
    assert (nodes["m5d.large"].num_cores, nodes["m5d.large"].memory_mb) == (2, 8192)
    assert (nodes["i3.xlarge"].num_cores, nodes["i3.xlarge"].memory_mb) == (4, 31232)
    assert nodes["g4dn.xlarge"].num_gpus == 1


@pytest.mark.parametrize(
    ("change", "named"),
    [({"node_type_id": "m5.huge"}, "m5.huge"), ({"spark_version": "9.9.x-scala2.12"}, "9.9.x")],
)
def test_submit_refuses_an_unknown_node_type_or_runtime(
    w: WorkspaceClient, home: str, change: dict[str, str], named: str
) -> None:
    task = notebook_task(f"{home}/report/nb")
    task.new_cluster = ClusterSpec.from_dict({**CLUSTER.as_dict(), **change})
    with pytest.raises(InvalidParameterValue, match=named):
        w.jobs.submit(run_name="bad cluster", tasks=[task])


def test_parameterised_run_saves_its_executed_notebook_and_html(
    w: WorkspaceClient, home: str, runs: dict[str, int]
) -> None:
    run = finished(w, runs["report"])
    assert run.state and run.state.result_state == RunResultState.SUCCESS
    assert run.run_type == RunType.SUBMIT_RUN and run.run_page_url
    task = run.tasks[0] if run.tasks else None
    assert task and task.run_id != run.run_id and task.cluster_instance
    assert task.execution_duration and task.execution_duration > 0
    executed = outputs_text(exported(w, f"{home}/report/executed"))
    assert "rows=500" in executed and "widget 500" in executed
    views = w.jobs.export_run(task_run_id(run), views_to_export=ViewsToExport.CODE).views
    assert views and "rows=500" in str(views[0].content)
    output = w.jobs.get_run_output(task_run_id(run))
    assert output.notebook_output and output.notebook_output.result == "all done"
    assert output.metadata and output.metadata.run_id == task_run_id(run)


def test_same_idempotency_token_returns_the_same_run(
    w: WorkspaceClient, home: str, runs: dict[str, int]
) -> None:
    again = w.jobs.submit(
        run_name="ucdh report",
        tasks=[notebook_task(f"{home}/report/nb", rows="500")],
        idempotency_token="token-report",
    )
    assert again.run_id == runs["report"]
    assert [r.run_id for r in w.jobs.list_runs() if r.run_name == "ucdh report"] == [again.run_id]


def test_output_of_the_job_run_itself_is_refused(w: WorkspaceClient, runs: dict[str, int]) -> None:
    with pytest.raises(InvalidParameterValue, match="output of each individual task run"):
        w.jobs.get_run_output(runs["report"])


def test_failing_notebook_fails_with_the_exception_and_traceback(
    w: WorkspaceClient, runs: dict[str, int]
) -> None:
    run = finished(w, runs["failing"])
    assert run.state and run.state.result_state == RunResultState.FAILED
    assert run.state.state_message == "Workload failed, see run output for details"
    output = w.jobs.get_run_output(task_run_id(run))
    assert output.error == "ZeroDivisionError: division by zero"
    assert output.error_trace and "x / 0" in output.error_trace
    assert "\x1b[" not in output.error_trace
    assert output.notebook_output and output.notebook_output.result is None


def test_cancel_kills_a_sleeping_notebook_and_keeps_its_partial_output(
    w: WorkspaceClient, home: str, runs: dict[str, int]
) -> None:
    # Given a run whose first cell has printed "started" and whose second cell sleeps
    # (a loaded machine can take many seconds to start the kernel: wait for the output)
    task_id = task_run_id(w.jobs.get_run(runs["sleeping"]))
    deadline = time.monotonic() + patient(90)
    while "started" not in printed(w, task_id):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    # When it is cancelled
    asked = time.monotonic()
    w.jobs.cancel_run(runs["sleeping"])
    run = finished(w, runs["sleeping"])
    # Then it stops within seconds, cancelled, and the saved notebook keeps what it printed
    assert time.monotonic() - asked < 8
    assert run.state and run.state.result_state == RunResultState.CANCELED
    assert run.state.user_cancelled_or_timedout
    assert "started" in outputs_text(exported(w, f"{home}/sleeping/executed"))


def test_run_past_its_timeout_is_timed_out(w: WorkspaceClient, runs: dict[str, int]) -> None:
    run = finished(w, runs["slow"])
    assert run.state and run.state.result_state == RunResultState.TIMEDOUT
    assert run.state.user_cancelled_or_timedout


def test_missing_notebook_is_an_internal_error_naming_it(w: WorkspaceClient, home: str) -> None:
    waiter = w.jobs.submit(run_name="lost", tasks=[notebook_task(f"{home}/no-such/nb")])
    run = finished(w, waiter.run_id)
    assert run.state and run.state.life_cycle_state == RunLifeCycleState.INTERNAL_ERROR
    assert f"{home}/no-such/nb" in str(run.state.state_message)


def test_unknown_run_does_not_exist(w: WorkspaceClient) -> None:
    with pytest.raises(ResourceDoesNotExist, match="Run 42 does not exist"):
        w.jobs.get_run(42)


def test_list_runs_is_newest_first_and_pages(
    w: WorkspaceClient, standin: LocalDatabricks, runs: dict[str, int]
) -> None:
    listed = [int(r.run_id or 0) for r in w.jobs.list_runs(run_type=RunType.SUBMIT_RUN)]
    assert listed == sorted(listed, reverse=True)
    assert set(runs.values()) <= set(listed)
    page = w.api_client.do("GET", "/api/2.2/jobs/runs/list", query={"limit": 2})
    assert isinstance(page, dict) and len(page["runs"]) == 2 and page["has_more"]
    assert standin.wait_idle(60)
    assert list(w.jobs.list_runs(active_only=True)) == []
