"""Guardrails of runs that must hold on every path (issue 10): minimum and maximum
runtime per backend, the reaper for every backend, the runner script's pinned checksum,
per-user caps, strict request bodies, full-match ids, and a store that never keeps a run
whose S3 record was not written."""

from __future__ import annotations

import hashlib
import json
import math
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from databricks.sdk import WorkspaceClient

from ucdh_jupyter.errors import UcdhError
from ucdh_jupyter.runs import runner as protocol
from ucdh_jupyter.runs.databricks import DatabricksBackend
from ucdh_jupyter.runs.model import FailureKind, Run, RunState, new_run_id, utcnow
from ucdh_jupyter.runs.policy import MONTHS
from ucdh_jupyter.runs.reaper import reap
from ucdh_jupyter.runs.service import RunRequest, RunService
from ucdh_jupyter.runs.staging import runner_source
from ucdh_jupyter.runs.user import UserRuns, server_account
from ucdh_jupyter.services import UcdhServices

from ..conftest import marked
from ..patience import patient
from . import test_run_databricks as stand_in
from .conftest import RUNS_BUCKET
from .helpers import FlatRate, make_run, submit, wait_for

# The Databricks stand-in's fixtures, as its own tests use them.
local_databricks = stand_in.local_databricks
workspace_client = stand_in.workspace_client
make_services = stand_in.make_services
services = stand_in.services
root = stand_in.root
submit_databricks = stand_in.submit

# -- max runtime: every backend has a minimum, and never an unlimited timeout -------------


def test_ec2_run_shorter_than_the_billing_minute_is_refused_naming_the_minimum(
    run_service: RunService, workspace: Path, s3: Any, run_settings: dict[str, Any]
) -> None:
    # Given an EC2 run asking for 0.72 seconds
    # When it is submitted
    with pytest.raises(UcdhError) as refused:
        submit(run_service, workspace, "analysis.ipynb", max_hours=0.0002)
    # Then it is a 400 naming the minimum, and nothing was staged or stored
    assert refused.value.status == 400
    assert "at least 1 minute" in refused.value.message and "EC2" in refused.value.message
    listed = s3.list_objects_v2(Bucket=RUNS_BUCKET, Prefix=run_settings["runs_prefix"])
    assert listed["KeyCount"] == 0 and run_service.store.list() == []


def test_databricks_run_shorter_than_ten_minutes_is_refused_before_the_workspace_sees_it(
    services: UcdhServices, root: Path, workspace_client: WorkspaceClient
) -> None:
    # Given a Databricks run asking for 0.72 seconds (int() of it was 0: no timeout at all)
    run_id = new_run_id()
    # When it is submitted
    with pytest.raises(UcdhError) as refused:
        submit_databricks(services, root, "cohort.ipynb", max_hours=0.0002, run_id=run_id)
    # Then it is a 400 naming the minimum, and no Databricks run exists for it
    assert refused.value.status == 400
    assert "at least 10 minutes" in refused.value.message
    assert "Databricks" in refused.value.message
    names = [item.run_name for item in workspace_client.jobs.list_runs()]
    assert f"ucdh-run-{run_id}" not in names


def test_databricks_timeout_is_rounded_up_and_never_zero(services: UcdhServices) -> None:
    # Given runs whose max runtime is not a whole number of seconds
    backend = services.runs.backend("databricks")
    for hours in (0.0002, 10 / 60 + 1e-6):
        run = make_run(backend="databricks", instance_type="m5d.xlarge", max_hours=hours)
        # When the Databricks submission is planned
        plan = backend.plan(run)
        # Then the timeout is the max runtime rounded up, never the 0 of "no timeout"
        expected = math.ceil(hours * 3600)
        assert plan["submit"]["timeout_seconds"] == expected > 0
        assert plan["submit"]["tasks"][0].timeout_seconds == expected


def test_run_dialog_shows_the_backends_minimum_runtime_as_the_servers_verdict(
    services: UcdhServices, root: Path
) -> None:
    # Given the run dialog of a Databricks run with a 3-minute max runtime
    user = UserRuns(services.runs, services.compute, "researcher", root)
    body = {
        "notebook_path": "study/cohort.ipynb",
        "instance_type": "m5d.xlarge",
        "backend": "databricks",
        "max_hours": 0.05,
    }
    # When it asks for the cost
    cost = user.prepare(body)["cost"]
    # Then the cost block says the minimum and refuses the run as submit would
    assert cost["min_hours"] == DatabricksBackend.min_max_hours
    assert "at least 10 minutes" in cost["verdict"]["message"]
    with pytest.raises(UcdhError) as refused:
        user.submit(body)
    assert refused.value.message == cost["verdict"]["message"]


def test_reaper_cancels_a_databricks_run_past_its_deadline_and_expires_it(
    services: UcdhServices, root: Path, workspace_client: WorkspaceClient
) -> None:
    # Given a Databricks run of a notebook that sleeps for a minute
    run = submit_databricks(
        services, root, "slow.ipynb", instance_type="m5d.xlarge", parameters={"seconds": 60}
    )
    run = wait_for(services.runs, run.id, lambda r: r.state is RunState.RUNNING)
    # When the reaper sweeps after its deadline (as if the server had been away)
    reaped = reap(services.runs, now=run.deadline_at + timedelta(seconds=1))
    # Then the run is cancelled in the workspace and EXPIRED, record included
    assert run.id in reaped
    expired = services.runs.get(run.id)
    assert expired.state is RunState.EXPIRED
    assert "deadline" in (expired.failure_message or "")
    assert services.runs.records.read(run.id) == expired
    give_up = time.monotonic() + patient(30)
    while True:
        state = workspace_client.jobs.get_run(run.databricks_run_id).state
        if state.result_state is not None or time.monotonic() > give_up:
            break
        time.sleep(0.2)
    assert state.result_state is not None and state.result_state.value == "CANCELED"


# -- the runner script's checksum ---------------------------------------------------------


@pytest.fixture
def booting_run_settings(run_settings: dict[str, Any]) -> dict[str, Any]:
    """Instances take 3 s to boot before they run their user data, which fetches the
    runner: the window in which someone with bucket access could swap it."""
    run_settings["runs_local_boot_seconds"] = 3.0
    return run_settings


def test_instance_refuses_a_runner_script_overwritten_after_submit(
    booting_run_settings: dict[str, Any],
    run_service: RunService,
    workspace: Path,
    s3: Any,
    ec2: Any,
    tmp_path: Path,
) -> None:
    # Given a submitted run, and someone with write access to the runs bucket who
    # replaces its runner with their own code while the machine boots
    run = submit(run_service, workspace, "analysis.ipynb")
    planted = tmp_path / "attacker-was-here"
    attack = f"open({str(planted)!r}, 'w').write('pwned')\n"
    key = f"{run.prefix}{protocol.RUNNER_KEY}"
    s3.put_object(Bucket=RUNS_BUCKET, Key=key, Body=attack.encode())
    # When the machine boots
    done = wait_for(run_service, run.id, lambda r: r.final)
    # Then the run failed on the checksum, as an infrastructure failure
    assert done.state is RunState.FAILED
    assert done.failure_kind is FailureKind.INFRASTRUCTURE
    assert "checksum" in (done.failure_message or "")
    # and the attacker's code never ran
    assert not planted.exists()
    # and the user data pinned the checksum of the runner staged at submit
    reply = ec2.describe_instance_attribute(InstanceId=run.instance_id, Attribute="userData")
    script = _decoded(reply["UserData"]["Value"])
    assert f"UCDH_RUNNER_SHA256={hashlib.sha256(runner_source()).hexdigest()}" in script


def _decoded(value: str) -> str:
    import base64

    return base64.b64decode(value).decode()


# -- per-user caps --------------------------------------------------------------------------


def test_concurrent_submits_of_one_user_never_pass_the_concurrent_cap(
    booting_run_settings: dict[str, Any], run_service: RunService, workspace: Path
) -> None:
    # Given a cap of 3 live runs per user, and 8 submits of one user at the same moment
    run_service.config.runs_max_concurrent_per_user = 3
    start = threading.Barrier(8)
    accepted: list[Run] = []
    refused: list[UcdhError] = []

    def one() -> None:
        start.wait()
        try:
            accepted.append(submit(run_service, workspace, "slow.ipynb", run_id=new_run_id()))
        except UcdhError as error:
            refused.append(error)

    threads = [threading.Thread(target=one) for _ in range(8)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        # Then exactly 3 are accepted and 5 refused with the figures
        assert len(accepted) == 3 and len(refused) == 5
        assert {(error.status, error.code) for error in refused} == {(403, "user_cap")}
        assert refused[0].message == "You have 3 runs going, the most allowed at once is 3."
        # and another user is not held back by them
        other = run_service.policy.usage(run_service.store.list(owner="someone-else"))
        assert other.live_runs == 0
    finally:
        for run in accepted:
            run_service.cancel(run.id)


def _past_run(owner: str, cost: float, created: Any = None) -> Run:
    """A finished run of ``owner`` that cost ``cost``."""
    run = make_run(owner=owner, now=created, rate_usd_per_hour=1.0)
    run.state, run.cost_final_usd = RunState.SUCCEEDED, cost
    return run


def test_monthly_budget_per_user_counts_finished_runs_at_cost_and_live_runs_at_their_most(
    booting_run_settings: dict[str, Any], run_service: RunService, workspace: Path
) -> None:
    # Given a $5.00 monthly budget per user, machines at $1.00/hour, and earlier runs:
    # $3.50 of the researcher's this month, plus runs that do not count (another user's,
    # and the researcher's of a previous month)
    run_service.config.runs_monthly_budget_per_user_usd = 5.0
    run_service.policy.pricing = FlatRate(1.0)
    now = utcnow()
    last_month = now.replace(day=1) - timedelta(days=1)
    for run in (
        _past_run("researcher", 3.5),
        _past_run("someone-else", 100.0),
        _past_run("researcher", 100.0, created=last_month),
    ):
        run_service.store.put(run)
    # When a run that could cost $2.00 is submitted
    with pytest.raises(UcdhError) as refused:
        submit(run_service, workspace, "slow.ipynb", max_hours=2)
    # Then it is refused with the figures
    assert (refused.value.status, refused.value.code) == (403, "user_cap")
    month = MONTHS[now.month - 1]
    assert refused.value.message == (
        f"This run could cost up to $2.00; you have used $3.50 of your $5.00 for {month}."
    )
    # When a run that could cost $1.50 is submitted, it fits; while it is live it
    # counts at its maximum cost, so even a run of a few cents no longer fits
    live = submit(run_service, workspace, "slow.ipynb", max_hours=1.5)
    try:
        usage = run_service.policy.usage(run_service.store.list(owner="researcher"))
        assert (usage.used_usd, usage.live_runs) == (5.0, 1)
        with pytest.raises(UcdhError) as again:
            submit(run_service, workspace, "slow.ipynb", max_hours=0.05)
        assert "you have used $5.00 of your $5.00" in again.value.message
    finally:
        run_service.cancel(live.id)


# -- strict ids and a store that only caches what S3 holds ---------------------------------


@pytest.mark.parametrize("field", ["run_id", "instance_type"])
def test_ids_and_instance_types_with_a_trailing_newline_are_refused(field: str) -> None:
    # (the id is made in the test, not at collection: parallel workers must collect alike)
    value = {"run_id": new_run_id(), "instance_type": "t3.micro"}[field] + "\n"
    body = {"notebook_path": "study/analysis.ipynb", "instance_type": "t3.micro", field: value}
    with pytest.raises(UcdhError) as refused:
        RunRequest.parse(body)
    assert refused.value.status == 400


def test_a_run_whose_record_cannot_be_written_is_not_kept_in_the_store(
    run_settings: dict[str, Any], bucket: str, s3: Any, workspace: Path, aws_env: Any
) -> None:
    # Given a runs bucket where run records cannot be written
    deny = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{bucket}/*run.json",
    }
    s3.put_bucket_policy(
        Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [deny]})
    )
    from ucdh_jupyter.aws import AwsClients
    from ucdh_jupyter.config import UcdhConfig

    config = UcdhConfig(**{**run_settings, "runs_bucket": bucket})
    service = RunService.from_config(config, AwsClients(config))
    try:
        # When a run is submitted
        with pytest.raises(UcdhError) as refused:
            submit(service, workspace, "analysis.ipynb")
        # Then the submit fails, and the local store has no run for it
        assert refused.value.status == 403
        assert service.store.list() == []
    finally:
        s3.delete_bucket_policy(Bucket=bucket)
        service.close()


# -- the routes: strict bodies, NUL, query numbers, this month's usage -----------------------


@pytest.fixture
def ucdh_config(run_settings: dict[str, Any], request: pytest.FixtureRequest) -> dict[str, Any]:
    """The server's settings: runs on the local AWS, changed by a ``ucdh`` marker."""
    return marked(run_settings, request)


@pytest.fixture
def jp_root_dir(workspace: Path) -> Path:
    """The Jupyter root is the test's workspace."""
    return workspace


RUN = {"notebook_path": "study/analysis.ipynb", "instance_type": "t3.micro"}
BAD_BODIES = [
    ("runs", {**RUN, "include_sensitive": "false"}, "include_sensitive"),
    ("runs", {**RUN, "max_hours": "2"}, "max_hours"),
    ("runs", {**RUN, "count": True}, "count"),
    ("runs", {**RUN, "workers": 1.5}, "workers"),
    ("runs", {**RUN, "files": ["data\x00/visits.csv"]}, "files[0]"),
    ("runs", {**RUN, "notebook_path": "study/analysis\x00.ipynb"}, "notebook_path"),
    ("runs", {**RUN, "max_hour": 2}, "max_hour"),
    ("runs/prepare", {**RUN, "max_hours": "2"}, "max_hours"),
    ("runs/prepare", {**RUN, "workers": "2"}, "workers"),
    ("runs/prepare", {"notebook_path": "study/analysis\x00.ipynb"}, "notebook_path"),
    ("compute/estimate", {"instance_type": "m5.large", "hours_low": "2"}, "hours_low"),
    ("compute/estimate", {"instance_type": "m5.large", "hours_low": 1, "count": "1"}, "count"),
    ("compute/estimate", {"instance_type": "m5.large", "hours_lo": 1}, "hours_lo"),
]


async def test_run_and_compute_bodies_are_strictly_typed_and_refuse_nul(
    ucdh_request: Any, s3: Any, run_settings: dict[str, Any]
) -> None:
    for route, body, field in BAD_BODIES:
        # When a body with a loosely typed field (or a NUL) is sent
        status, error = await ucdh_request("POST", route, body)
        # Then it is a 400 naming the field
        assert status == 400, (route, body, error)
        assert field in error["message"], (route, body, error)
    # and nothing was staged
    listed = s3.list_objects_v2(Bucket=RUNS_BUCKET, Prefix=run_settings["runs_prefix"])
    assert listed["KeyCount"] == 0


async def test_catalog_numbers_must_be_ascii_digits(get_json: Any) -> None:
    # "²" and "١٢" are digits to Python (float("١٢") is 12.0) but no number of ours
    for value in ("²", "١٢", "1e400", "nan", "-1"):
        status, error = await get_json("compute/catalog", params={"min_vcpu": value})
        assert status == 400, (value, error)
        assert "min_vcpu" in error["message"]


async def test_run_ids_with_a_trailing_newline_are_refused_by_the_routes(
    ucdh_request: Any,
) -> None:
    status, error = await ucdh_request("GET", f"runs/{new_run_id()}%0A")
    assert (status, error["code"]) == (400, "bad_run_id")


@pytest.mark.ucdh(runs_monthly_budget_per_user_usd=200.0)
async def test_runs_list_says_this_months_spend_against_the_users_caps(
    ucdh_request: Any, jp_serverapp: Any
) -> None:
    # Given a finished run of this user that cost $12.40 this month
    server = jp_serverapp.web_app.settings["ucdh"]
    server.runs.store.put(_past_run(server_account(), 12.4))
    # When the Runs section lists the runs
    status, body = await ucdh_request("GET", "runs")
    # Then the reply says this month's spend, the cap, and the live runs
    assert status == 200
    usage = body["usage"]
    assert (usage["used_usd"], usage["monthly_budget_usd"]) == (12.4, 200.0)
    assert (usage["live_runs"], usage["max_concurrent"]) == (0, 3)
    assert usage["month"] == utcnow().strftime("%Y-%m")
