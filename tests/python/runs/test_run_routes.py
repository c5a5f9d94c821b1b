"""The run routes through a Jupyter server on the local AWS: what the Run dialog and the
Runs section see. Runs execute for real (the local executor plays the instance)."""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import socket
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from traitlets.config import Config, Configurable

from ucdh_jupyter.aws import AwsClients
from ucdh_jupyter.config import UcdhConfig
from ucdh_jupyter.demo.cli import NOTEBOOKS
from ucdh_jupyter.extension import load
from ucdh_jupyter.runs.model import Run, RunState, new_run_id
from ucdh_jupyter.runs.records import RunRecords
from ucdh_jupyter.runs.user import server_account

from ..conftest import marked
from ..patience import patient
from .conftest import RUNS_BUCKET
from .helpers import billed_hours_of, final, follow, make_run, outputs_text, result_path

OWNER = server_account()  # a shared-token login names nobody: runs belong to the account
# An EC2 run's own disk per hour: the default 30 GB volume at the default $0.08/GB-month.
DISK = UcdhConfig().runs_volume_gb * UcdhConfig().ebs_price_per_gb_month / 730


@pytest.fixture
def ucdh_config(run_settings: dict[str, Any], request: pytest.FixtureRequest) -> dict[str, Any]:
    """The server's settings: runs on the local AWS, changed by a ``ucdh`` marker."""
    return marked(run_settings, request)


@pytest.fixture
def jp_root_dir(workspace: Path) -> Path:
    """The Jupyter root is the workspace, with the demo's train-model notebook added."""
    shutil.copy(NOTEBOOKS / "train-model.ipynb", workspace / "train-model.ipynb")
    return workspace


def launched_for(ec2: Any, run_id: str) -> list[dict]:
    """Instances tagged with this run id."""
    found = ec2.describe_instances(Filters=[{"Name": "tag:ucdh:run-id", "Values": [run_id]}])
    return [i for r in found["Reservations"] for i in r["Instances"]]


def staged_for(s3: Any, prefix: str, run_id: str) -> list[str]:
    """Keys staged for this run id."""
    reply = s3.list_objects_v2(Bucket=RUNS_BUCKET, Prefix=f"{prefix}{run_id}/")
    return [item["Key"] for item in reply.get("Contents", [])]


@pytest.mark.ucdh(runs_wheel_cache=True)  # it imports pandas: the machine installs it
async def test_demo_notebook_run_succeeds_and_its_executed_copy_lands_next_to_it(
    ucdh_request: Any, jp_root_dir: Path, ec2: Any
) -> None:
    # Given the Run dialog opened on the demo notebook, with a t3.micro chosen
    status, dialog = await ucdh_request(
        "POST",
        "runs/prepare",
        {"notebook_path": "train-model.ipynb", "instance_type": "t3.micro", "max_hours": 1},
    )
    assert status == 200, dialog
    assert dialog["parameters"]["test_fraction"] == 0.25
    # t3.micro at $0.0104/h plus its 30 GB disk at $0.08/GB-month, for the 1 h max runtime
    assert dialog["cost"]["max_cost_usd"] == round(0.0104 + DISK, 4)
    assert dialog["cost"]["allowed"] is True
    body = {
        "notebook_path": "train-model.ipynb",
        "instance_type": "t3.micro",
        "max_hours": 1,
        "parameters": {"test_fraction": 0.3},
        "run_id": dialog["new_run_id"],
    }
    # When Submit is clicked, twice
    status, run = await ucdh_request("POST", "runs", body)
    again_status, again = await ucdh_request("POST", "runs", body)
    # Then both answer 202 at once with the same run, and one machine was launched
    assert (status, again_status) == (202, 202), run
    assert run["state"] == "PROVISIONING" and run["id"] == again["id"] == dialog["new_run_id"]
    assert [i["InstanceId"] for i in launched_for(ec2, run["id"])] == [run["instance_id"]]
    # and the run reaches SUCCEEDED, with a final cost
    run = await follow(ucdh_request, run["id"], final)
    assert run["state"] == "SUCCEEDED", run["failure_message"]
    assert run["progress"]["cell"] == run["progress"]["cells"] == 3
    # (the machine and its disk for the machine's time, a minute at least)
    hours = billed_hours_of(run["started_at"], run["ended_at"])
    assert run["cost_final_usd"] == pytest.approx((0.0104 + DISK) * hours, abs=1e-6)
    # When the researcher opens the executed notebook
    status, output = await ucdh_request("POST", f"runs/{run['id']}/output")
    # Then it sits next to the original and shows the injected parameter at work
    expected = {"path": result_path("", "train-model", run["created_at"]), "html_path": None}
    assert (status, output) == (200, expected)
    executed = json.loads((jp_root_dir / output["path"]).read_text())
    assert "test_fraction=0.3: trained on" in outputs_text(executed)
    # and the log and the list show it, and the next dialog expects the same duration
    status, log = await ucdh_request("GET", f"runs/{run['id']}/log")
    assert status == 200 and "succeeded" in log["log"]
    status, listed = await ucdh_request("GET", "runs")
    assert [item["id"] for item in listed["runs"]] == [run["id"]]
    _, dialog = await ucdh_request(
        "POST", "runs/prepare", {"notebook_path": "train-model.ipynb", "instance_type": "t3.micro"}
    )
    history = dialog["cost"]["history"]
    assert history["cost_usd"] == run["cost_final_usd"] and run["id"] not in history["text"]


async def test_failing_notebook_fails_with_its_cell_and_partial_output_back(
    ucdh_request: Any, jp_root_dir: Path
) -> None:
    # Given a notebook whose third cell divides by zero
    body = {"notebook_path": "study/failing.ipynb", "instance_type": "t3.micro"}
    # When it is submitted and followed to its end
    status, run = await ucdh_request("POST", "runs", body)
    assert status == 202, run
    run = await follow(ucdh_request, run["id"], final)
    # Then it FAILED on that cell, saying why
    assert run["state"] == "FAILED"
    assert run["failure_kind"] == "notebook_error" and run["failing_cell"] == 2
    assert "ZeroDivisionError" in run["failure_message"]
    # and the output up to the error can be opened next to the original
    status, output = await ucdh_request("POST", f"runs/{run['id']}/output")
    assert status == 200
    text = outputs_text(json.loads((jp_root_dir / output["path"]).read_text()))
    assert "before the error" in text and "never printed" not in text


async def test_cancel_stops_a_running_run_and_terminates_its_machine(
    ucdh_request: Any, ec2: Any
) -> None:
    # Given a slow notebook that has started
    status, run = await ucdh_request(
        "POST", "runs", {"notebook_path": "study/slow.ipynb", "instance_type": "t3.micro"}
    )
    assert status == 202, run
    await follow(ucdh_request, run["id"], lambda r: "started" in r["progress"]["last_lines"])
    # When the researcher cancels it
    status, cancelled = await ucdh_request("POST", f"runs/{run['id']}/cancel")
    # Then it is on its way out at once, and ends CANCELLED with no machine left
    assert status == 200 and cancelled["state"] in ("CANCELLING", "CANCELLED")
    cancelled = await follow(ucdh_request, run["id"], final, timeout=20)
    assert cancelled["state"] == "CANCELLED"
    assert launched_for(ec2, run["id"])[0]["State"]["Name"] == "terminated"


@pytest.fixture
def earlier_runs(run_config: UcdhConfig) -> dict[str, Run]:
    """Runs an earlier server session recorded in S3, before this server started: two of
    this user, one of another researcher sharing the runs bucket."""
    records = RunRecords(
        AwsClients(run_config).client("s3"), RUNS_BUCKET, run_config.runs_prefix, None
    )
    runs = {}
    for name, owner, age in (
        ("old", OWNER, 30),
        ("theirs", "someone-else", 20),
        ("new", OWNER, 10),
    ):
        run = make_run(run_id=new_run_id(time.time() - age), owner=owner)
        run.move_to(RunState.FAILED, message="no machine in this test")
        records.write(run)
        runs[name] = run
    return runs


async def test_runs_recorded_before_the_server_started_are_listed_for_their_owner_only(
    earlier_runs: dict[str, Run], ucdh_request: Any
) -> None:
    # Given runs recorded before this server started (requested first: set up first)
    mine = [earlier_runs["new"].id, earlier_runs["old"].id]
    # When the Runs section lists runs, once the server's first sweep has rebuilt its list
    give_up = time.monotonic() + patient(15)
    while True:
        status, body = await ucdh_request("GET", "runs")
        if len(body["runs"]) == len(mine) or time.monotonic() > give_up:
            break
        await asyncio.sleep(0.1)
    # Then it shows this user's, newest first
    assert status == 200
    assert [run["id"] for run in body["runs"]] == mine
    assert body["runs"][0]["state"] == "FAILED"
    # and the other researcher's run cannot be opened
    theirs = earlier_runs["theirs"].id
    for verb, path in (("GET", ""), ("GET", "/log"), ("POST", "/cancel"), ("POST", "/output")):
        status, error = await ucdh_request(verb, f"runs/{theirs}{path}")
        assert (status, error["code"]) == (404, "run_not_found"), path


@pytest.mark.ucdh(allowed_instance_families=["t3"])
async def test_type_the_admin_does_not_allow_is_refused_with_nothing_launched(
    ucdh_request: Any, ec2: Any, s3: Any, ucdh_config: dict[str, Any]
) -> None:
    run_id = new_run_id()
    body = {"notebook_path": "study/analysis.ipynb", "instance_type": "m5.xlarge"}
    status, error = await ucdh_request("POST", "runs", {**body, "run_id": run_id})
    assert status == 403 and error["code"] == "not_allowed"
    assert "allows only these instance types: t3" in error["message"]
    assert launched_for(ec2, run_id) == []
    assert staged_for(s3, ucdh_config["runs_prefix"], run_id) == []
    # and the dialog said so before
    _, dialog = await ucdh_request("POST", "runs/prepare", body)
    assert dialog["cost"]["allowed"] is False and "t3" in dialog["cost"]["reason"]


@pytest.mark.ucdh(runs_budget_per_run_usd=0.25)
async def test_run_whose_max_cost_is_over_budget_is_refused_naming_the_cost(
    ucdh_request: Any, ec2: Any
) -> None:
    # m5.xlarge is $0.192/hour and its disk $0.0033/hour: 2 hours may cost $0.39
    run_id = new_run_id()
    body = {"notebook_path": "study/analysis.ipynb", "instance_type": "m5.xlarge", "max_hours": 2}
    _, dialog = await ucdh_request("POST", "runs/prepare", body)
    assert dialog["cost"]["max_cost_usd"] == round((0.192 + DISK) * 2, 4)
    assert dialog["cost"]["verdict"]["ok"] is False
    status, error = await ucdh_request("POST", "runs", {**body, "run_id": run_id})
    assert status == 400
    assert "maximum cost of this run is $0.39, above the $0.25 budget" in error["message"]
    assert error["message"] == dialog["cost"]["verdict"]["message"]
    assert launched_for(ec2, run_id) == []


@pytest.mark.ucdh(max_runtime_hours=4)
async def test_max_runtime_over_the_admin_cap_is_refused(ucdh_request: Any) -> None:
    body = {"notebook_path": "study/analysis.ipynb", "instance_type": "t3.micro", "max_hours": 5}
    status, error = await ucdh_request("POST", "runs", body)
    assert status == 400 and "at most 4 hours" in error["message"]


async def test_notebook_path_outside_the_jupyter_root_is_refused(
    ucdh_request: Any, jp_root_dir: Path
) -> None:
    # Given a notebook just outside the root
    outside = jp_root_dir.parent / "outside.ipynb"
    shutil.copy(jp_root_dir / "study" / "analysis.ipynb", outside)
    for path in ("../outside.ipynb", "study/../../outside.ipynb"):
        body = {"notebook_path": path, "instance_type": "t3.micro"}
        for route in ("runs/prepare", "runs"):
            status, error = await ucdh_request("POST", route, body)
            assert status == 400, (route, path, error)
            assert "not a notebook inside the Jupyter root" in error["message"]
    # and an absolute path is read as one under the root, where there is no such notebook
    body = {"notebook_path": str(outside), "instance_type": "t3.micro"}
    status, error = await ucdh_request("POST", "runs/prepare", body)
    assert status == 400 and "does not exist" in error["message"]


async def test_unknown_run_is_404_and_a_malformed_id_400(ucdh_request: Any) -> None:
    unknown = new_run_id()
    for verb, path in (("GET", ""), ("GET", "/log"), ("POST", "/cancel"), ("POST", "/output")):
        status, error = await ucdh_request(verb, f"runs/{unknown}{path}")
        assert (status, error["code"]) == (404, "run_not_found"), path
    status, error = await ucdh_request("GET", "runs/not-a-run-id")
    assert (status, error["code"]) == (400, "bad_run_id")


async def test_prepare_shows_parameters_files_environment_limits_and_cost(
    ucdh_request: Any, jp_root_dir: Path
) -> None:
    body = {"notebook_path": "study/analysis.ipynb", "instance_type": "m5.xlarge"}
    status, dialog = await ucdh_request("POST", "runs/prepare", body)
    assert status == 200
    assert dialog["parameters"] == {"alpha": 0.5, "label": "default"}
    files = {item["path"]: item for item in dialog["files"]}
    size = (jp_root_dir / "study" / "data" / "visits.csv").stat().st_size
    assert files["data/visits.csv"] == {
        "path": "data/visits.csv",
        "size": size,
        "sensitive": False,
        "previous_result": False,
    }
    assert files[".env"]["sensitive"] is True and files["id_rsa"]["sensitive"] is True
    assert dialog["environment"]["source"] == "imports pinned to the kernel's environment"
    assert (dialog["default_max_hours"], dialog["max_hours_cap"]) == (2.0, 24.0)
    assert len(dialog["new_run_id"]) == 26
    cost = dialog["cost"]
    assert (cost["rate_usd_per_hour"], cost["max_hours"], cost["max_cost_usd"]) == (
        round(0.192 + DISK, 4),
        2.0,
        round((0.192 + DISK) * 2, 4),
    )
    assert cost["history"] is None and cost["prices"]["source"] == "bundled"


@pytest.mark.ucdh(runs_budget_per_run_usd=1.0)
async def test_a_sweeps_cost_before_it_starts_is_the_single_runs_times_its_children(
    ucdh_request: Any,
) -> None:
    body = {
        "notebook_path": "study/analysis.ipynb",
        "instance_type": "m5.xlarge",
        "hours_low": 0.5,
        "hours_high": 1,
        "max_hours": 2,
    }
    _, single = await ucdh_request("POST", "runs/prepare", body)
    _, dialog = await ucdh_request("POST", "runs/prepare", {**body, "children": 6})
    one, sweep = single["cost"], dialog["cost"]
    # Each child is priced as the single run; the sweep is six of them
    assert dialog["cost"]["max_cost_usd"] == one["max_cost_usd"]
    assert sweep["sweep"]["children"] == 6
    for figure in ("expected_low_usd", "expected_high_usd", "max_cost_usd"):
        assert sweep["sweep"][figure] == pytest.approx(6 * one[figure], abs=1e-3), figure
    assert sweep["sweep"]["text"].startswith("6 runs \u00d7 $")
    # and the budget per run holds for each child ($0.40 each under $1), the verdict says so
    assert sweep["verdict"]["ok"], sweep["verdict"]
    assert "for each of its runs" in sweep["verdict"]["message"]
    assert "sweep" not in one


async def test_config_tells_the_ui_how_runs_are_set_up(get_json: Any) -> None:
    status, body = await get_json("config")
    assert status == 200
    assert body["runs"] == {
        "enabled": True,
        "configured": True,
        "default_max_hours": 2.0,
        "max_hours_cap": 24.0,
        "budget_per_run_usd": None,
        "max_notebook_mb": 20.0,
        "max_files_mb": 500.0,
        "heartbeat_seconds": 0.3,
        "sweep_max_size": 1000,
        "sweep_max_parallel": 10,
        # the run dialog offers only the intervals and the schedules the admin allows
        "schedule_max_per_user": 10,
        "schedule_min_interval_minutes": 60,
        "volume_gb": 30,
        "backends": {
            "ec2": {"available": True, "reason": None, "hint": None},
            "databricks": {
                "available": False,
                "reason": "No Databricks workspace is configured.",
                "hint": body["runs"]["backends"]["databricks"]["hint"],
                "host": None,
                "cluster_modes": ["new_cluster"],
                "default_cluster_mode": "new_cluster",
                "default_workers": 1,
                "max_workers": 8,
            },
        },
        # no run-end topic here (UcdhConfig.runs_notify_topic_arn)
        "notifications": False,
    }
    assert "UcdhConfig.databricks_host" in body["runs"]["backends"]["databricks"]["hint"]
    assert RUNS_BUCKET not in json.dumps(body)


def test_loading_the_extension_defers_every_aws_call_to_the_event_loop(
    run_settings: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a server whose runs are configured, and no network at all
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("network call while loading")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    for name in (
        "UCDH_JUPYTER_SERVER_URL",
        "UCDH_JUPYTER_SERVER_TOKEN",
        "UCDH_JUPYTER_SERVER_ROOT",
    ):
        monkeypatch.setenv(name, "")  # what load publishes for kernels is undone afterwards
    queued: list[Any] = []
    app = Configurable(config=Config({"UcdhConfig": run_settings}))
    app.web_app = SimpleNamespace(settings={"base_url": "/"}, add_handlers=lambda *_: None)
    app.log = logging.getLogger("test")
    app.io_loop = SimpleNamespace(add_callback=queued.append)
    app.ip, app.port = "127.0.0.1", 8888
    # When the extension loads
    load(app)
    # Then nothing reached AWS: the run sweeps (and publishing the final port to the
    # kernels) wait for the event loop's first turn
    assert len(queued) == 2
    assert app.web_app.settings["ucdh"]._runs is None


async def test_server_shutdown_stops_the_run_sweeps(
    ucdh_request: Any,
    jp_serverapp: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given a server that follows runs every heartbeat (0.3 s here)
    sweeps: list[float] = []
    runs = jp_serverapp.web_app.settings["ucdh"].runs
    monkeypatch.setattr(runs, "refresh_active", lambda: sweeps.append(time.monotonic()) or [])
    give_up = time.monotonic() + patient(10)
    while len(sweeps) < 2 and time.monotonic() < give_up:
        await asyncio.sleep(0.1)
    assert len(sweeps) >= 2
    # When the server shuts down
    caplog.clear()
    await jp_serverapp.cleanup_extensions()
    seen = len(sweeps)
    await asyncio.sleep(1.0)
    # Then no sweep runs any more, and none tries to (which would log errors)
    assert len(sweeps) == seen
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
