"""Runs on Databricks, end to end against the local Databricks stand-in (which executes
the imported notebook with papermill) and the local AWS (which holds the run records).

The backend talks to the stand-in through ``databricks-sdk`` only, as it would to a real
workspace; these tests look at both sides: what the researcher gets back, and what the
workspace was asked to do.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import NotFound
from IPython.core.error import UsageError

from ucdh_jupyter.aws import AwsClients
from ucdh_jupyter.config import UcdhConfig
from ucdh_jupyter.databricks_client import DatabricksClient
from ucdh_jupyter.demo.databricks import LocalDatabricks
from ucdh_jupyter.errors import UcdhError
from ucdh_jupyter.runs.model import FailureKind, Run, RunState, new_run_id, parse_iso
from ucdh_jupyter.runs.service import RunRequest
from ucdh_jupyter.services import UcdhServices

from ..conftest import NotebookKernel
from ..patience import patient
from .helpers import new_topic, outputs_text, result_path, sent, wait_for, write_notebook

NODE_TYPE = "m5d.xlarge"


@pytest.fixture(scope="module")
def local_databricks() -> Iterator[LocalDatabricks]:
    """One stand-in workspace for the module; clusters "start" in a fraction of a second."""
    with LocalDatabricks(pending_seconds=0.3) as workspace:
        yield workspace


@pytest.fixture
def workspace_client(local_databricks: LocalDatabricks) -> WorkspaceClient:
    """A plain SDK client, to look at what the backend did in the workspace."""
    return WorkspaceClient(host=local_databricks.host, token=local_databricks.token)


def databricks_settings(local_databricks: LocalDatabricks, folder: Path, token: str) -> dict:
    """Databricks settings as an admin writes them: a host and a token file."""
    folder.mkdir(parents=True, exist_ok=True)
    token_file = folder / "databricks-token"
    token_file.write_text(token + "\n")
    return {"databricks_host": local_databricks.host, "databricks_token_file": str(token_file)}


MakeServices = Callable[..., UcdhServices]


@pytest.fixture
def make_services(
    run_settings: dict[str, Any],
    local_databricks: LocalDatabricks,
    tmp_path: Path,
    aws_env: dict[str, str],
) -> Iterator[MakeServices]:
    """Build the server's services (runs priced and checked by the compute service) with
    runs on the local AWS and Databricks on the stand-in: ``token`` (default: the valid
    one) goes in a token file of its own, ``settings`` override the rest."""
    built: list[UcdhServices] = []

    def make(token: str | None = None, **settings: Any) -> UcdhServices:
        folder = tmp_path / f"admin-{len(built)}"
        token = local_databricks.token if token is None else token
        config = {**run_settings, **databricks_settings(local_databricks, folder, token)}
        built.append(UcdhServices(UcdhConfig(**{**config, **settings})))
        return built[-1]

    yield make
    for services in built:
        services.close()


@pytest.fixture
def services(make_services: MakeServices) -> UcdhServices:
    """Services with runs on the local AWS and Databricks on the stand-in."""
    return make_services()


@pytest.fixture
def root(workspace: Path) -> Path:
    """The Jupyter root, with a notebook that reports its parameter and its data size."""
    path = write_notebook(
        workspace / "study" / "cohort.ipynb",
        "print('rows =', rows)",
        "total = sum(range(rows))\nprint('total =', total)",
        "print(f'rows={rows}')",
        parameters="rows = 10",
    )
    # The last cell's output is the notebook's exit value (dbutils.notebook.exit).
    notebook = nbformat.read(str(path), as_version=4)
    notebook.cells[-1].metadata["tags"] = ["databricks-exit"]
    nbformat.write(notebook, str(path))
    return workspace


def submit(services: UcdhServices, root: Path, notebook: str, **fields: Any) -> Run:
    """Submit ``study/<notebook>`` to Databricks as the researcher."""
    request = RunRequest(
        notebook_path=f"study/{notebook}",
        instance_type=fields.pop("instance_type", NODE_TYPE),
        backend="databricks",
        **fields,
    )
    return services.runs.submit(request, owner="researcher", root_dir=root)


def submitted_runs(client: WorkspaceClient, run: Run) -> list[Any]:
    """The one-time runs of the workspace named after ``run``."""
    return [item for item in client.jobs.list_runs() if item.run_name == f"ucdh-run-{run.id}"]


def test_databricks_run_executes_notebook_with_parameters_and_brings_results_back(
    services: UcdhServices, root: Path, workspace_client: WorkspaceClient
) -> None:
    run = submit(services, root, "cohort.ipynb", parameters={"rows": 500}, workers=2)
    assert run.state is RunState.PROVISIONING
    assert run.count == 3 and run.workers == 2  # the driver is billed too
    assert run.databricks_run_url and str(run.databricks_run_id) in run.databricks_run_url

    submitted = workspace_client.jobs.get_run(run.databricks_run_id)
    task = submitted.tasks[0]
    assert task.new_cluster.node_type_id == NODE_TYPE and task.new_cluster.num_workers == 2
    assert "LTS" not in task.new_cluster.spark_version  # a runtime key, not its name
    assert task.new_cluster.spark_version.startswith("15.4")  # the latest LTS offered
    assert task.notebook_task.base_parameters == {"rows": "500"}
    assert submitted.run_name == f"ucdh-run-{run.id}"
    # Databricks itself stops the run at its deadline, even if this server is down.
    assert task.timeout_seconds == int(run.max_hours * 3600)
    assert task.new_cluster.custom_tags == {"ucdh-run-id": run.id, "ucdh-owner": "researcher"}

    done = wait_for(services.runs, run.id, lambda r: r.final)
    assert done.state is RunState.SUCCEEDED, done.failure_message
    assert done.exit_value == "rows=500"
    seen = [step["state"] for step in done.history]
    assert seen[:3] == ["STAGING", "SUBMITTED", "PROVISIONING"]
    assert "RUNNING" in seen and seen[-1] == "SUCCEEDED"
    # Three nodes (driver + 2 workers) at the EC2 + DBU rate, for the cluster's lifetime.
    assert done.rate_usd_per_hour and done.rate_usd_per_hour > 0
    started, ended = parse_iso(done.started_at), parse_iso(done.ended_at)
    assert started and ended
    seconds = max(60.0, (ended - started).total_seconds())
    expected = done.rate_usd_per_hour * 3 * seconds / 3600
    assert done.cost_final_usd == pytest.approx(expected, rel=1e-6)

    copied = services.runs.copy_output(run.id, root)
    executed = json.loads((root / str(copied["path"])).read_text())
    assert "rows = 500" in outputs_text(executed)
    assert f"total = {sum(range(500))}" in outputs_text(executed)
    html = (root / str(copied["html_path"])).read_text()
    assert copied["html_path"] == result_path("study", "cohort", run.created_at, ".html")
    assert copied["path"] == result_path("study", "cohort", run.created_at)
    assert "rows = 500" in html

    # The run's workspace folder is gone once the results are in S3.
    folder = str(done.databricks_notebook_path).rsplit("/", 1)[0]
    with pytest.raises(NotFound):
        workspace_client.workspace.get_status(folder)


def test_databricks_mails_the_end_itself_to_a_confirmed_subscriber_not_the_server(
    make_services: MakeServices, root: Path, local_databricks: LocalDatabricks, local_aws: Any
) -> None:
    # Given a researcher who asked for run-end e-mail (confirmed by SNS)
    topic = new_topic(local_aws)
    services = make_services(runs_notify_topic_arn=topic)
    services.notifier.subscribe("researcher", "jdoe@hospital.example")
    # When a run goes to Databricks
    run = submit(services, root, "cohort.ipynb")
    # Then Databricks is asked to mail its end (so it arrives with Jupyter closed too)
    assert run.mailed_by == "databricks"
    done = wait_for(services.runs, run.id, lambda r: r.final)
    assert done.state is RunState.SUCCEEDED, done.failure_message
    mails = wait_for_value(
        lambda: [m for m in local_databricks.jobs.mails if m["run_name"] == f"ucdh-run-{run.id}"]
    )
    assert mails == [
        {
            "to": ["jdoe@hospital.example"],
            "run_name": f"ucdh-run-{run.id}",
            "result_state": "SUCCESS",
        }
    ]
    # and the server does not mail it a second time through SNS
    assert sent(topic) == []
    recorded = services.runs.records.read(run.id)
    assert recorded is not None and recorded.notified_at is None


def wait_for_value(check: Callable[[], Any], seconds: float = 10) -> Any:
    """``check()`` once it is truthy (the stand-in keeps a run's mail as it ends)."""
    deadline = time.monotonic() + patient(seconds)
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("the stand-in never kept the run's mail")


def test_failing_notebook_fails_the_run_with_the_notebook_error_and_partial_output(
    services: UcdhServices, root: Path
) -> None:
    run = submit(services, root, "failing.ipynb", workers=0)
    done = wait_for(services.runs, run.id, lambda r: r.final)
    assert done.state is RunState.FAILED
    assert done.failure_kind is FailureKind.NOTEBOOK_ERROR
    assert "ZeroDivisionError" in str(done.failure_message)
    copied = services.runs.copy_output(run.id, root)
    partial = outputs_text(json.loads((root / str(copied["path"])).read_text()))
    assert "before the error" in partial and "never printed" not in partial


def test_cancel_stops_the_databricks_run_and_keeps_partial_output(
    services: UcdhServices, root: Path, workspace_client: WorkspaceClient
) -> None:
    run = submit(services, root, "slow.ipynb", parameters={"seconds": 120}, workers=1)
    wait_for(services.runs, run.id, lambda r: r.state is RunState.RUNNING)
    cancelling = services.runs.cancel(run.id)
    assert cancelling.state in (RunState.CANCELLING, RunState.CANCELLED)
    done = wait_for(services.runs, run.id, lambda r: r.final, timeout=30)
    assert done.state is RunState.CANCELLED
    result = workspace_client.jobs.get_run(run.databricks_run_id).state.result_state
    assert result is not None and result.value == "CANCELED"
    copied = services.runs.copy_output(run.id, root)
    assert "started" in outputs_text(json.loads((root / str(copied["path"])).read_text()))


def test_server_restart_mid_run_finds_the_databricks_run_again(
    services: UcdhServices, make_services: MakeServices, root: Path, tmp_path: Path
) -> None:
    run = submit(services, root, "slow.ipynb", parameters={"seconds": 4}, workers=1)
    wait_for(services.runs, run.id, lambda r: r.state is RunState.RUNNING)
    services.close()  # the Jupyter server stops; the Databricks run goes on

    # A fresh machine: an empty run store.
    restarted = make_services(runs_store_path=str(tmp_path / "new-store" / "runs.sqlite"))
    assert restarted.runs.rebuild() >= 1
    found = restarted.runs.get(run.id)
    assert found.backend == "databricks" and found.databricks_run_id == run.databricks_run_id
    done = wait_for(restarted.runs, run.id, lambda r: r.final, timeout=30)
    assert done.state is RunState.SUCCEEDED
    copied = restarted.runs.copy_output(run.id, root)
    assert "slept" in outputs_text(json.loads((root / str(copied["path"])).read_text()))


def test_double_submit_with_one_run_id_starts_one_databricks_run(
    services: UcdhServices, root: Path, workspace_client: WorkspaceClient
) -> None:
    run_id = new_run_id()
    first = submit(services, root, "cohort.ipynb", run_id=run_id, workers=0)
    second = submit(services, root, "cohort.ipynb", run_id=run_id, workers=0)
    assert second.id == first.id and second.databricks_run_id == first.databricks_run_id
    # Even a second server that never saw the first submit gets the same Databricks run:
    # the run id is the idempotency token.
    backend = services.runs.backend("databricks")
    plan = backend.plan(first)
    again = workspace_client.jobs.submit(**plan["submit"])
    assert again.run_id == first.databricks_run_id
    assert len(submitted_runs(workspace_client, first)) == 1
    wait_for(services.runs, first.id, lambda r: r.final)


def test_invalid_token_is_a_401_with_the_fix_and_nothing_is_created(
    make_services: MakeServices, root: Path, workspace_client: WorkspaceClient
) -> None:
    services = make_services(token="dapi-wrong")
    run_id = new_run_id()
    with pytest.raises(UcdhError) as raised:
        submit(services, root, "cohort.ipynb", run_id=run_id)
    assert raised.value.status == 401
    assert "did not accept the Databricks token" in raised.value.message
    assert services.config.databricks_token_file in raised.value.hint
    assert "dapi-wrong" not in json.dumps(raised.value.to_json())
    assert services.runs.records.read(run_id) is None  # nothing staged
    names = {item.run_name for item in workspace_client.jobs.list_runs()}
    assert f"ucdh-run-{run_id}" not in names
    status = services.status()["databricks"]
    assert status["user"] is None and status["problem"]["status"] == 401


def test_node_type_unknown_to_the_workspace_is_a_400_before_anything_is_imported(
    services: UcdhServices, root: Path, workspace_client: WorkspaceClient
) -> None:
    run_id = new_run_id()
    with pytest.raises(UcdhError) as raised:
        # m6i.xlarge is an EC2 type the compute catalog knows, but this workspace lacks.
        submit(services, root, "cohort.ipynb", run_id=run_id, instance_type="m6i.xlarge")
    assert raised.value.status == 400
    assert "m6i.xlarge" in raised.value.message and NODE_TYPE in raised.value.hint
    me = workspace_client.current_user.me().user_name
    with pytest.raises(NotFound):
        workspace_client.workspace.get_status(f"/Users/{me}/.ucdh-runs/{run_id}")
    assert services.runs.records.read(run_id) is None


def test_databricks_limits_are_enforced_on_the_server(services: UcdhServices, root: Path) -> None:
    too_many = services.config.databricks_max_workers + 1
    with pytest.raises(UcdhError) as raised:
        submit(services, root, "cohort.ipynb", workers=too_many)
    assert raised.value.status == 400 and "workers" in raised.value.message
    with pytest.raises(UcdhError) as raised:
        submit(services, root, "cohort.ipynb", cluster_mode="serverless")
    assert raised.value.status == 403  # the admin allows job clusters only by default
    with pytest.raises(UcdhError) as raised:
        submit(services, root, "cohort.ipynb", files=["data/visits.csv"])
    assert raised.value.status == 400 and "notebook only" in raised.value.message


def test_status_and_config_report_the_workspace_without_the_token(
    services: UcdhServices, local_databricks: LocalDatabricks
) -> None:
    status = services.status()["databricks"]
    assert status == {
        "host": local_databricks.host,
        "user": local_databricks.user_name,
        "problem": None,
    }
    backends = services.public_config()["runs"]["backends"]
    assert backends["databricks"]["available"] is True
    assert backends["databricks"]["cluster_modes"] == ["new_cluster"]
    assert local_databricks.token not in json.dumps([status, services.public_config()])


def test_without_databricks_the_backend_is_unavailable_with_how_to_configure_it(
    make_services: MakeServices, root: Path
) -> None:
    services = make_services(databricks_host=None, databricks_token_file=None)
    backend = services.public_config()["runs"]["backends"]["databricks"]
    assert backend["available"] is False and "databricks_host" in backend["hint"]
    assert services.status()["databricks"] is None
    with pytest.raises(UcdhError) as raised:
        submit(services, root, "cohort.ipynb")
    assert raised.value.status == 400 and raised.value.code == "databricks_not_configured"


@pytest.fixture
def ucdh_config(
    run_settings: dict[str, Any], local_databricks: LocalDatabricks, tmp_path: Path
) -> dict[str, Any]:
    """The Jupyter server's settings: runs on the local AWS and the stand-in workspace."""
    token = local_databricks.token
    return {**run_settings, **databricks_settings(local_databricks, tmp_path, token)}


@pytest.fixture
def jp_root_dir(root: Path) -> Path:
    """The Jupyter server serves the test's workspace."""
    return root


async def test_run_on_databricks_through_the_routes_never_shows_the_token(
    jp_fetch: Any,
    local_databricks: LocalDatabricks,
    root: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # the SDK's request logging included
    bodies: list[str] = []

    async def call(method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        data = json.dumps(body) if body is not None else None
        response = await jp_fetch("ucdh-jupyter", path, method=method, body=data, raise_error=False)
        bodies.append(response.body.decode())
        return response.code, json.loads(response.body or b"{}")

    status, found = await call("GET", "status")
    assert found["databricks"]["user"] == local_databricks.user_name
    dialog_body = {
        "notebook_path": "study/cohort.ipynb",
        "instance_type": NODE_TYPE,
        "backend": "databricks",
        "workers": 2,
    }
    status, dialog = await call("POST", "runs/prepare", dialog_body)
    assert status == 200 and dialog["cost"]["count"] == 3
    rate, hours = dialog["cost"]["rate_usd_per_hour"], dialog["cost"]["max_hours"]
    assert dialog["cost"]["max_cost_usd"] == pytest.approx(rate * 3 * hours, abs=1e-3)
    submit_body = {**dialog_body, "parameters": {"rows": 42}, "run_id": dialog["new_run_id"]}
    status, run = await call("POST", "runs", submit_body)
    assert status == 202, run
    assert run["backend"] == "databricks" and run["databricks_run_url"]
    give_up = time.monotonic() + 45
    while run["state"] not in ("SUCCEEDED", "FAILED", "CANCELLED", "EXPIRED"):
        assert time.monotonic() < give_up, run
        await asyncio.sleep(0.3)
        status, run = await call("GET", f"runs/{run['id']}")
    assert run["state"] == "SUCCEEDED", run["failure_message"]
    status, copied = await call("POST", f"runs/{run['id']}/output", {})
    assert status == 200 and copied["html_path"].endswith(".html")
    executed = json.loads((root / copied["path"]).read_text())
    assert "rows = 42" in outputs_text(executed)
    for body in bodies:
        assert local_databricks.token not in body
    assert local_databricks.token not in caplog.text


async def test_ucdh_run_magic_runs_on_databricks_with_workers(
    kernel: NotebookKernel,
    root: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a kernel of the server, its notebook in study/
    monkeypatch.chdir(root / "study")
    # When the researcher runs a notebook on a Databricks job cluster from a cell and waits
    await kernel.magic(
        "ucdh_run",
        "cohort.ipynb --on databricks --node-type m5d.xlarge --workers 2 -p rows 7 --wait",
    )
    # Then it ran on the driver and two workers and its results came back beside it
    out = capsys.readouterr().out
    run_id = re.search(r"Run (\w{26}) submitted", out).group(1)  # type: ignore[union-attr]
    assert f"submitted: cohort.ipynb on 3 x {NODE_TYPE} (Databricks)" in out
    assert re.search(r"^In Databricks: http://127\.0\.0\.1:\d+/", out, re.M)
    shown = re.search(r"^Executed notebook: (study/cohort\.run-[-0-9]+)\.ipynb$", out, re.M)
    assert shown, out
    assert f"HTML view: {shown.group(1)}.html" in out
    executed = json.loads((root / f"{shown.group(1)}.ipynb").read_text())
    assert executed["metadata"]["ucdh"]["run_id"] == run_id
    assert "rows = 7" in outputs_text(executed)
    # And a Databricks run without a node type is a one-line usage error
    with pytest.raises(UsageError, match="--node-type"):
        await kernel.magic("ucdh_run", "cohort.ipynb --on databricks --workers 2")


def test_databricks_catalog_lists_only_the_node_types_of_the_workspace(
    services: UcdhServices, workspace_client: WorkspaceClient
) -> None:
    offered = {node.node_type_id for node in workspace_client.clusters.list_node_types().node_types}
    catalog = services.compute.catalog({"backend": "databricks"})
    names = {row["name"] for row in catalog["types"]}
    assert catalog["workspace_node_types"] is True
    assert NODE_TYPE in names and names <= offered
    ec2 = services.compute.catalog({})
    assert ec2["workspace_node_types"] is False and "t3.micro" in {r["name"] for r in ec2["types"]}


def test_the_log_of_a_failed_databricks_run_holds_its_error_trace(
    services: UcdhServices, root: Path
) -> None:
    run = submit(services, root, "failing.ipynb", workers=0)
    wait_for(services.runs, run.id, lambda r: r.final)
    log_text = services.runs.read_log(run.id)
    assert f"Databricks run {run.databricks_run_id}" in log_text
    assert "TERMINATED / FAILED" in log_text
    assert "ZeroDivisionError" in log_text and "1 / 0" in log_text


def test_admin_may_allow_serverless_and_an_existing_cluster(
    make_services: MakeServices, root: Path, workspace_client: WorkspaceClient
) -> None:
    cluster_id = "0101-120000-ucdhdemo"
    services = make_services(
        databricks_cluster_modes=["new_cluster", "serverless", "existing_cluster"],
        databricks_existing_cluster_id=cluster_id,
        databricks_cleanup=False,
    )
    serverless = submit(services, root, "cohort.ipynb", cluster_mode="serverless")
    existing = submit(services, root, "cohort.ipynb", cluster_mode="existing_cluster")
    assert (serverless.instance_type, serverless.count) == ("serverless", 1)
    assert serverless.rate_usd_per_hour is None  # billed by Databricks, not per node
    task = workspace_client.jobs.get_run(serverless.databricks_run_id).tasks[0]
    assert task.new_cluster is None and task.existing_cluster_id is None
    task = workspace_client.jobs.get_run(existing.databricks_run_id).tasks[0]
    assert task.existing_cluster_id == cluster_id and task.new_cluster is None
    for run in (serverless, existing):
        done = wait_for(services.runs, run.id, lambda r: r.final)
        assert done.state is RunState.SUCCEEDED, done.failure_message
        # The admin keeps run folders: the imported notebook is still there.
        status = workspace_client.workspace.get_status(str(done.databricks_notebook_path))
        assert status.object_type is not None and status.object_type.value == "NOTEBOOK"


def test_token_can_come_from_aws_secrets_manager(
    make_services: MakeServices, local_databricks: LocalDatabricks, local_aws: Any
) -> None:
    name = f"ucdh/databricks-{new_run_id()}"
    secret = json.dumps({"token": local_databricks.token})
    local_aws.client("secretsmanager").create_secret(Name=name, SecretString=secret)
    services = make_services(databricks_token_file=None, databricks_token_secret_id=name)
    missing = make_services(databricks_token_file=None, databricks_token_secret_id=name + "-x")
    assert services.status()["databricks"]["user"] == local_databricks.user_name
    problem = missing.status()["databricks"]["problem"]
    assert problem["status"] in (400, 404) and "secret" in problem["message"].lower()


def test_a_databrickscfg_profile_gives_host_and_token(
    make_services: MakeServices,
    local_databricks: LocalDatabricks,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config_file = tmp_path / "databrickscfg"
    config_file.write_text(
        f"[research]\nhost = {local_databricks.host}\ntoken = {local_databricks.token}\n"
        "[stale]\n"
        f"host = {local_databricks.host}\ntoken = dapi-revoked\n"
    )
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(config_file))
    # Outside the demo, the profile alone says where the workspace is (no network).
    aws_mode = UcdhConfig(mode="aws", databricks_profile="research")
    assert DatabricksClient(aws_mode, AwsClients(aws_mode)).host() == local_databricks.host
    services = make_services(databricks_token_file=None, databricks_profile="research")
    stale = make_services(databricks_token_file=None, databricks_profile="stale")
    assert services.status()["databricks"]["user"] == local_databricks.user_name
    problem = stale.status()["databricks"]["problem"]
    assert problem["status"] == 401 and "[stale] of ~/.databrickscfg" in problem["hint"]


def test_a_refused_submit_fails_the_run_and_leaves_nothing_in_the_workspace(
    make_services: MakeServices, root: Path, workspace_client: WorkspaceClient
) -> None:
    services = make_services(databricks_spark_version="0.0.x-no-such-runtime")
    run_id = new_run_id()
    with pytest.raises(UcdhError) as raised:
        submit(services, root, "cohort.ipynb", run_id=run_id)
    assert raised.value.status == 400 and "0.0.x-no-such-runtime" in raised.value.message
    failed = services.runs.get(run_id)
    assert failed.state is RunState.FAILED
    assert failed.failure_kind is FailureKind.INFRASTRUCTURE
    me = workspace_client.current_user.me().user_name
    with pytest.raises(NotFound):
        workspace_client.workspace.get_status(f"/Users/{me}/.ucdh-runs/{run_id}")
    assert not submitted_runs(workspace_client, failed)


@pytest.mark.parametrize(
    ("setting", "status"),
    [("runs_budget_per_run_usd", 400), ("runs_monthly_budget_per_user_usd", 403)],
)
def test_a_budget_refuses_serverless_in_words_that_fit_it(
    make_services: MakeServices,
    root: Path,
    workspace_client: WorkspaceClient,
    setting: str,
    status: int,
) -> None:
    # Given an admin who allows serverless runs and sets a budget
    services = make_services(
        databricks_cluster_modes=["new_cluster", "serverless"], **{setting: 50}
    )
    before = len(list(workspace_client.jobs.list_runs()))
    # When a researcher submits a serverless run, which Databricks bills itself
    with pytest.raises(UcdhError) as refused:
        submit(services, root, "cohort.ipynb", cluster_mode="serverless")
    # Then it is refused because the budget cannot be checked, saying why and what to do,
    # in the words of serverless compute (no node type, no "price of serverless")
    error = refused.value
    assert error.status == status
    assert error.message.startswith("Databricks bills serverless compute and existing clusters")
    assert "cannot be checked" in error.message
    assert "job cluster with a node type" in error.hint
    # And nothing ran
    assert len(list(workspace_client.jobs.list_runs())) == before
    assert services.runs.store.list(owner="researcher") == []
