"""R notebooks on Databricks, end to end: the backend imports them as R notebooks, the
local workspace executes them for real on IRkernel (R and ``r-cran-irkernel`` come with
``make install``), and the researcher gets the executed notebook back.

The workspace side is looked at through the SDK as a real workspace would be: the
notebook's language, the base parameters (widgets) of the task.
"""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import InvalidParameterValue
from databricks.sdk.service.workspace import ExportFormat, ImportFormat, Language

from ucdh_jupyter.demo.databricks import LocalDatabricks
from ucdh_jupyter.errors import UcdhError
from ucdh_jupyter.runs.model import FailureKind, RunState
from ucdh_jupyter.services import UcdhServices

from . import test_run_databricks as python_runs
from .helpers import outputs_text, wait_for, write_notebook

# The fixtures of the Python runs on Databricks: a stand-in workspace for the module,
# the server's services pointed at it, and a plain SDK client.
local_databricks = python_runs.local_databricks
make_services = python_runs.make_services
services = python_runs.services
workspace_client = python_runs.workspace_client
submit = python_runs.submit

DEMO_NOTEBOOK = (
    Path(__file__).parents[3] / "ucdh_jupyter" / "demo" / "notebooks" / "cohort-summary-r.ipynb"
)
# An R kernel starts in seconds (a quiet machine's figure: wait_for stretches it).
R_TIMEOUT = 40


def write_r_notebook(path: Path, *cells: str, parameters: str | None = None) -> Path:
    """An R (IRkernel) notebook: an optional ``parameters`` cell, then one cell per source."""
    return write_notebook(path, *cells, parameters=parameters, language="r")


@pytest.fixture
def r_root(workspace: Path) -> Path:
    """The Jupyter root with the demo's R notebook and two R notebooks of the tests."""
    shutil.copy(DEMO_NOTEBOOK, workspace / "study" / "cohort-summary-r.ipynb")
    write_r_notebook(
        workspace / "study" / "failing-r.ipynb",
        'cat("before the error\\n")',
        'stop("no visits in this cohort")',
        'cat("never printed\\n")',
        parameters="min_age <- 40",
    )
    write_r_notebook(
        workspace / "study" / "widgets-r.ipynb",
        'cat("widget rows =", dbutils.widgets.get("rows"), "\\n")',
        'cat("injected rows + 1 =", rows + 1, "\\n")',
        parameters="rows <- 10",
    )
    return workspace


def test_r_notebook_runs_on_databricks_with_its_parameters_and_its_output_comes_back(
    services: UcdhServices, r_root: Path, workspace_client: WorkspaceClient
) -> None:
    # Given the demo's R notebook
    # When it is run on Databricks with two of its parameters changed
    parameters = {"cohort_size": 50, "label": "test cohort"}
    run = submit(services, r_root, "cohort-summary-r.ipynb", parameters=parameters, workers=0)

    # Then the workspace holds it as an R notebook, with the parameters as widgets
    status = workspace_client.workspace.get_status(str(run.databricks_notebook_path))
    assert status.language is Language.R
    source = workspace_client.workspace.export(
        str(run.databricks_notebook_path), format=ExportFormat.SOURCE
    )
    assert source.file_type == "r"
    task = workspace_client.jobs.get_run(run.databricks_run_id).tasks[0]
    assert task.notebook_task.base_parameters == {"cohort_size": "50", "label": "test cohort"}

    # And the run succeeds on the R kernel, its executed notebook showing the values passed
    done = wait_for(services.runs, run.id, lambda r: r.final, timeout=R_TIMEOUT)
    assert done.state is RunState.SUCCEEDED, done.failure_message
    copied = services.runs.copy_output(run.id, r_root)
    executed = json.loads((r_root / str(copied["path"])).read_text())
    assert executed["metadata"]["kernelspec"]["name"] == "ir"
    assert "Cohort: test cohort, 50 synthetic patients" in outputs_text(executed)
    assert "Aged 40 or more:" in outputs_text(executed)  # the default of min_age kept
    html = (r_root / str(copied["html_path"])).read_text()
    assert "test cohort" in html


def test_failing_r_cell_fails_the_databricks_run_as_a_notebook_error_with_partial_output(
    services: UcdhServices, r_root: Path
) -> None:
    # Given an R notebook whose second cell calls stop()
    # When it runs on Databricks
    run = submit(services, r_root, "failing-r.ipynb", workers=0)
    done = wait_for(services.runs, run.id, lambda r: r.final, timeout=R_TIMEOUT)

    # Then the run fails as a notebook error carrying R's message
    assert done.state is RunState.FAILED
    assert done.failure_kind is FailureKind.NOTEBOOK_ERROR
    assert "no visits in this cohort" in str(done.failure_message)
    assert "no visits in this cohort" in services.runs.read_log(run.id)
    # And the partial notebook stops at the failing cell
    copied = services.runs.copy_output(run.id, r_root)
    partial = outputs_text(json.loads((r_root / str(copied["path"])).read_text()))
    assert "before the error" in partial and "never printed" not in partial


def test_r_notebook_on_databricks_reads_its_parameters_as_widgets_or_injected(
    services: UcdhServices, r_root: Path
) -> None:
    # Given an R notebook written for Databricks (dbutils.widgets.get) and for papermill
    # When it runs with rows = 7
    run = submit(services, r_root, "widgets-r.ipynb", parameters={"rows": 7}, workers=0)
    done = wait_for(services.runs, run.id, lambda r: r.final, timeout=R_TIMEOUT)

    # Then both ways read the value passed: the widget as text, the injected R number
    assert done.state is RunState.SUCCEEDED, done.failure_message
    copied = services.runs.copy_output(run.id, r_root)
    text = outputs_text(json.loads((r_root / str(copied["path"])).read_text()))
    assert "widget rows = 7" in text
    assert "injected rows + 1 = 8" in text


def test_r_parameter_that_papermill_cannot_inject_is_a_400_before_anything_is_imported(
    services: UcdhServices, r_root: Path, workspace_client: WorkspaceClient
) -> None:
    # Given the demo's R notebook, whose parameters are single values
    before = len(list(workspace_client.jobs.list_runs()))
    # When a list is passed (papermill would write an R list(), not a c() vector)
    with pytest.raises(UcdhError) as refused:
        submit(services, r_root, "cohort-summary-r.ipynb", parameters={"min_age": [40, 50]})

    # Then the submit is refused with the parameter named and what to pass instead
    assert refused.value.status == 400
    assert "'min_age'" in refused.value.message and "list()" in refused.value.message
    assert "strsplit" in str(refused.value.hint)
    # And nothing was submitted to the workspace
    assert len(list(workspace_client.jobs.list_runs())) == before


def test_local_workspace_gives_an_import_the_language_databricks_would(
    local_databricks: LocalDatabricks, workspace_client: WorkspaceClient, tmp_path: Path
) -> None:
    # Given a folder of the local workspace, an R source file and an R Jupyter notebook
    home = f"/Users/{local_databricks.user_name}/languages"
    workspace_client.workspace.mkdirs(home)
    source = base64.b64encode(b"# Databricks notebook source\ncat('hello')\n").decode()
    ipynb = write_r_notebook(tmp_path / "r.ipynb", "cat('hello')").read_bytes()

    # When R source says language R, Then it is an R notebook exported as .r source
    workspace_client.workspace.import_(
        f"{home}/source", content=source, format=ImportFormat.SOURCE, language=Language.R
    )
    assert workspace_client.workspace.get_status(f"{home}/source").language is Language.R
    # When AUTO imports a .r file, Then the extension gives the language and is dropped
    workspace_client.workspace.import_(f"{home}/auto.r", content=source, format=ImportFormat.AUTO)
    assert workspace_client.workspace.get_status(f"{home}/auto").language is Language.R
    # When a Jupyter notebook is imported, Then its own kernel's language counts
    content = base64.b64encode(ipynb).decode()
    workspace_client.workspace.import_(
        f"{home}/jupyter", content=content, format=ImportFormat.JUPYTER
    )
    assert workspace_client.workspace.get_status(f"{home}/jupyter").language is Language.R
    # When the language is one this workspace cannot run, Then it says so with a 400
    with pytest.raises(InvalidParameterValue, match="not supported here"):
        workspace_client.workspace.import_(
            f"{home}/scala", content=source, format=ImportFormat.SOURCE, language=Language.SCALA
        )
