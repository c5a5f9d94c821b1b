"""Parameter sweeps on Databricks, end to end: one job whose for-each task runs the
notebook once per parameter set on one job cluster (the local stand-in executes every
iteration with papermill), the children's results back in S3 and on the run record."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import ResourceDoesNotExist

from ucdh_jupyter.errors import UcdhError
from ucdh_jupyter.runs.model import RunState, parse_iso, utcnow
from ucdh_jupyter.runs.service import RunRequest
from ucdh_jupyter.runs.sweep import child_output_key
from ucdh_jupyter.services import UcdhServices

from . import test_run_databricks as python_runs
from .helpers import outputs_text, wait_for, write_notebook

# The fixtures of the single runs on Databricks: the stand-in, the services, a client.
local_databricks = python_runs.local_databricks
make_services = python_runs.make_services
services = python_runs.services
workspace_client = python_runs.workspace_client

GRID = {"alpha": [1, 2, 3], "label": ["a", "b"]}
# scrapbook's glue() as it displays a JSON value (test_run_sweep_core checks the real
# one reads back alike), without importing scrapbook's pandas in every child.
GLUE = (
    "from IPython.display import display\n"
    "def glue(name, data):\n"
    "    scrap = {'name': name, 'data': data, 'encoder': 'json', 'version': 1}\n"
    "    display({'application/scrapbook.scrap.json+json': scrap}, raw=True)\n"
)


@pytest.fixture
def sweep_root(workspace: Path) -> Path:
    """A notebook that glues two values and exits with its own parameters, and one that
    sleeps (to be cancelled)."""
    path = write_notebook(
        workspace / "study" / "sweep.ipynb",
        GLUE + "glue('score', alpha * 10)\nglue('tag', {'label': label})",
        "import json\nprint(json.dumps({'alpha': alpha, 'label': label}, sort_keys=True))",
        parameters="alpha = 0\nlabel = 'none'",
    )
    notebook = nbformat.read(str(path), as_version=4)
    notebook.cells[-1].metadata["tags"] = ["databricks-exit"]
    nbformat.write(notebook, str(path))
    write_notebook(
        workspace / "study" / "slow.ipynb",
        "print('started', alpha)",
        "import time\ntime.sleep(120)",
        parameters="alpha = 0",
    )
    write_notebook(
        workspace / "study" / "sweep-r.ipynb", "cat(alpha)", parameters="alpha <- 0", language="r"
    )
    return workspace


def sweep(services: UcdhServices, root: Path, notebook: str, **fields: Any) -> Any:
    request = RunRequest(
        notebook_path=f"study/{notebook}",
        instance_type=python_runs.NODE_TYPE,
        backend="databricks",
        workers=0,
        **fields,
    )
    return services.runs.submit(request, owner="researcher", root_dir=root)


def iterations(client: WorkspaceClient, job_run_id: int) -> list[Any]:
    job_run = client.jobs.get_run(job_run_id)
    assert job_run.tasks and job_run.tasks[0].run_id
    return client.jobs.get_run(job_run.tasks[0].run_id).iterations or []


def test_a_grid_sweep_runs_every_child_on_one_cluster_and_brings_each_result_back(
    services: UcdhServices, sweep_root: Path, workspace_client: WorkspaceClient
) -> None:
    # Given a 3 x 2 grid, 3 children at once
    run = sweep(services, sweep_root, "sweep.ipynb", sweep_grid=GRID, parallelism=3)
    assert run.kind == "sweep" and run.size == 6 and run.databricks_job_id
    job = workspace_client.jobs.get(run.databricks_job_id)
    assert job.settings and job.settings.name == f"ucdh-sweep-{run.id}"
    assert job.settings.tasks and job.settings.tasks[0].for_each_task
    assert job.settings.tasks[0].for_each_task.concurrency == 3
    assert job.settings.tags == {"ucdh-run-id": run.id, "ucdh-owner": "researcher"}
    # When it ends
    done = wait_for(services.runs, run.id, lambda r: r.final, timeout=120)
    # Then it succeeded with 6 children, each with its own parameters and glued values
    assert done.state is RunState.SUCCEEDED, done.failure_message
    assert [child["index"] for child in done.children] == list(range(6))
    assert done.child_counts["succeeded"] == 6
    for child, row in zip(done.children, done.sweep_rows, strict=True):
        assert child["state"] == "SUCCEEDED"
        assert json.loads(child["exit_value"]) == row
        assert child["scraps"] == {"score": row["alpha"] * 10, "tag": {"label": row["label"]}}
        # and its executed notebook is in S3, encrypted as every run object
        assert child["output_key"] == child_output_key(child["index"])
        body = services.runs.records.get(run.id, child["output_key"])
        assert body and json.dumps(row, sort_keys=True) in outputs_text(json.loads(body))
    # all on one cluster
    assert done.databricks_run_id
    ran = iterations(workspace_client, done.databricks_run_id)
    assert len({it.cluster_instance.cluster_id for it in ran if it.cluster_instance}) == 1
    # the cost is each child's machines for its own time (a minute at least)
    assert done.rate_usd_per_hour
    expected = 0.0
    for child in done.children:
        start, end = parse_iso(child["started_at"]), parse_iso(child["ended_at"])
        assert start and end
        expected += done.rate_usd_per_hour * done.count * max(60, (end - start).total_seconds())
    # (each child's cost is rounded to a millionth of a dollar)
    assert done.cost_final_usd == pytest.approx(expected / 3600, abs=1e-5)
    assert done.cost_at(utcnow()) == done.cost_final_usd
    # and the transient job is gone
    with pytest.raises(ResourceDoesNotExist):
        workspace_client.jobs.get(run.databricks_job_id)


def test_cancelling_a_running_sweep_cancels_every_child_in_the_workspace(
    services: UcdhServices,
    sweep_root: Path,
    workspace_client: WorkspaceClient,
) -> None:
    rows = [{"alpha": 1}, {"alpha": 2}, {"alpha": 3}]
    run = sweep(services, sweep_root, "slow.ipynb", sweep_rows=rows, parallelism=2)
    wait_for(services.runs, run.id, lambda r: r.child_counts.get("running") == 2, timeout=60)
    services.runs.cancel(run.id)
    done = wait_for(services.runs, run.id, lambda r: r.final, timeout=60)
    assert done.state is RunState.CANCELLED
    assert [child["state"] for child in done.children] == ["CANCELLED"] * 3
    assert done.databricks_run_id
    ran = iterations(workspace_client, done.databricks_run_id)
    assert len(ran) == 2  # the third never started
    assert all(
        it.state and it.state.result_state and it.state.result_state.value == "CANCELED"
        for it in ran
    )


def test_an_r_sweep_on_databricks_is_refused_saying_why(
    services: UcdhServices, sweep_root: Path
) -> None:
    with pytest.raises(UcdhError) as refused:
        sweep(services, sweep_root, "sweep-r.ipynb", sweep_rows=[{"alpha": 1}, {"alpha": 2}])
    assert refused.value.status == 400 and "jsonlite" in refused.value.message


def test_a_sweep_is_followed_again_after_a_restart(
    make_services: Any, sweep_root: Path, tmp_path: Path, workspace_client: WorkspaceClient
) -> None:
    # Given a sweep submitted by a server that then stops, its local store lost
    first = make_services()
    rows = [{"alpha": 1, "label": "a"}, {"alpha": 2, "label": "b"}]
    run = sweep(first, sweep_root, "sweep.ipynb", sweep_rows=rows, parallelism=2)
    first.close()
    # When a server starts again and rebuilds its store from the S3 records
    restarted = make_services(runs_store_path=str(tmp_path / "restarted.sqlite"))
    restarted.runs.rebuild()
    # Then it follows the same Databricks job to the sweep's end
    done = wait_for(restarted.runs, run.id, lambda r: r.final, timeout=60)
    why = [(child["state"], child["failure_message"]) for child in done.children]
    assert done.state is RunState.SUCCEEDED, why
    assert done.databricks_job_id == run.databricks_job_id
    assert [json.loads(child["exit_value"]) for child in done.children] == rows
    with pytest.raises(ResourceDoesNotExist):
        workspace_client.jobs.get(run.databricks_job_id)
