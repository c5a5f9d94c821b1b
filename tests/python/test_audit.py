"""The audit log: one JSON line per change, download and run event; never content.

Every route is enumerated from the running server (as in ``test_route_security``), so a
route added later is audited, or this fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import stat
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from ucdh_jupyter.audit import AuditLog
from ucdh_jupyter.aws import AwsClients
from ucdh_jupyter.config import UcdhConfig
from ucdh_jupyter.demo.localaws import LocalAws
from ucdh_jupyter.runs.reaper import reap

from .conftest import marked
from .patience import patient
from .runs.conftest import run_settings, workspace  # noqa: F401 - fixtures used here
from .runs.helpers import final, follow
from .test_route_security import call_route, implemented_verbs, registered_routes

DISTINCTIVE_CONTENT = b"PATIENT-CONTENT-3f9a1c never in an audit line"
DISTINCTIVE_PARAMETER = "PARAM-VALUE-8e2d77-never-audited"
CLOUDWATCH_GROUP = "ucdh-audit-tests"


@pytest.fixture
def ucdh_config(run_settings: dict[str, Any], request: pytest.FixtureRequest) -> dict[str, Any]:  # noqa: F811
    """Runs on the local AWS (so the run routes work), changed by a ``ucdh`` marker."""
    return marked(run_settings, request)


@pytest.fixture
def jp_root_dir(workspace: Path) -> Path:  # noqa: F811
    """The Jupyter root holds the run tests' study notebooks."""
    return workspace


@pytest.fixture
def audit_file(jp_data_dir: Path) -> Path:
    """Where the server writes its audit log by default."""
    return jp_data_dir / "ucdh_jupyter" / "audit.log"


def read_records(path: Path) -> list[dict[str, Any]]:
    """Every record of the audit file (each line must be one JSON object)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def requests_in(path: Path) -> list[dict[str, Any]]:
    return [record for record in read_records(path) if record["event"] == "request"]


def audited_requests(web_app: Any, base_url: str) -> list[tuple[str, str]]:
    """(verb, path below base_url) of every request the audit must record."""
    found = []
    for path, handler in registered_routes(web_app):
        relative = path[len(base_url) :]
        for verb in implemented_verbs(handler):
            if verb != "GET" or relative in ("ucdh-jupyter/s3/download", "ucdh-jupyter/s3/presign"):
                found.append((verb, relative))
    return found


async def test_every_mutating_route_writes_exactly_one_audit_record(
    jp_serverapp: Any, jp_fetch: Any, jp_base_url: str, audit_file: Path
) -> None:
    # Given every route that changes something, or hands out object content
    targets = audited_requests(jp_serverapp.web_app, jp_base_url)
    assert ("PUT", "ucdh-jupyter/s3/upload") in targets
    assert ("POST", "ucdh-jupyter/runs") in targets
    assert ("DELETE", "ucdh-jupyter/s3/transfers/sample") in targets
    for verb, path in targets:
        before = len(requests_in(audit_file))
        # When it is called (here with a body or query it refuses)
        response = await call_route(jp_fetch, path, verb)
        # Then exactly one record is added, with the outcome
        added = requests_in(audit_file)[before:]
        assert len(added) == 1, (verb, path, added)
        record = added[0]
        assert record["method"] == verb and record["route"] == path[len("ucdh-jupyter/") :]
        assert record["status"] == response.code
        if response.code >= 400:
            assert record["code"] == json.loads(response.body)["code"], (verb, path)
        assert record["user"] and record["client_ip"] == "127.0.0.1"
    # and the file is private to the server's account
    assert stat.S_IMODE(audit_file.stat().st_mode) == 0o600


async def test_reading_routes_that_change_nothing_write_no_audit_record(
    ucdh_request: Any, audit_file: Path
) -> None:
    # Given a server; When listings, details and state are read
    for path in ("status", "config", "s3/buckets", "s3/list", "runs"):
        params = {"bucket": "ucdh-demo-cardiology"} if path == "s3/list" else {}
        status, _ = await ucdh_request("GET", path, params=params)
        assert status == 200, path
    # Then nothing is audited
    assert requests_in(audit_file) == []


async def test_failed_request_records_its_status_and_error_code(
    ucdh_request: Any, audit_file: Path, bucket: str
) -> None:
    # When a delete names a bucket that does not exist, and a copy has a bad field type
    status, body = await ucdh_request("POST", "s3/delete", {"bucket": f"{bucket}-gone", "keys": []})
    copy_status, copy_body = await ucdh_request(
        "POST",
        "s3/copy",
        {"bucket": bucket, "key": "a.csv", "dest_key": "b.csv", "overwrite": "no"},
    )
    # Then each record says who, what, and how it ended
    delete, copy = requests_in(audit_file)
    assert status >= 400 and delete["status"] == status and delete["code"] == body["code"]
    assert delete["bucket"] == f"{bucket}-gone" and delete["keys_count"] == 0
    assert copy_status == 400 and copy["status"] == 400 and copy["code"] == copy_body["code"]
    assert (copy["key"], copy["dest_key"]) == ("a.csv", "b.csv")
    assert "overwrite" not in copy or copy["overwrite"] == "no"


@pytest.mark.ucdh(enable_s3=False)
async def test_a_request_to_a_switched_off_feature_is_audited_as_refused(
    ucdh_request: Any, audit_file: Path
) -> None:
    # Given S3 switched off; When someone still tries to delete
    status, _ = await ucdh_request("POST", "s3/delete", {"bucket": "b", "keys": ["k"]})
    # Then the attempt is on record, refused
    (record,) = requests_in(audit_file)
    assert (status, record["status"], record["code"]) == (403, 403, "feature_disabled")
    assert record["keys"] == ["k"] and record["keys_count"] == 1


async def test_object_content_never_reaches_the_audit_log(
    ucdh_request: Any, audit_file: Path, bucket: str, s3: Any
) -> None:
    # Given an object uploaded with a distinctive content
    where = {"bucket": bucket, "key": "study/visits.csv"}
    status, uploaded = await ucdh_request("PUT", "s3/upload", DISTINCTIVE_CONTENT, params=where)
    assert status == 201, uploaded
    # When it is downloaded, copied and deleted
    status, content = await ucdh_request("GET", "s3/download", params=where)
    assert (status, content) == (200, DISTINCTIVE_CONTENT)
    body = {"bucket": bucket, "key": "study/visits.csv", "dest_key": "study/copy.csv"}
    assert (await ucdh_request("POST", "s3/copy", body))[0] == 200
    delete = {"bucket": bucket, "keys": ["study/visits.csv", "study/copy.csv"]}
    assert (await ucdh_request("POST", "s3/delete", delete))[0] == 200
    # Then each is on record with its names and outcome
    upload, download, copy, deleted = requests_in(audit_file)
    assert (upload["method"], upload["bucket"], upload["key"]) == (
        "PUT",
        bucket,
        "study/visits.csv",
    )
    assert upload["status"] == 201 and upload["bytes"] == len(DISTINCTIVE_CONTENT)
    assert (download["route"], download["status"]) == ("s3/download", 200)
    assert copy["dest_key"] == "study/copy.csv" and copy["state"] == "succeeded"
    assert deleted["keys"] == delete["keys"] and deleted["deleted"] == 2
    # and the content never is
    assert DISTINCTIVE_CONTENT.decode() not in audit_file.read_text()


def run_states(path: Path, run_id: str) -> list[tuple[str | None, str]]:
    return [
        (record["previous_state"], record["state"])
        for record in read_records(path)
        if record["event"] == "run" and record["run_id"] == run_id
    ]


async def test_a_run_is_audited_from_submit_to_its_end_without_its_parameter_values(
    ucdh_request: Any, audit_file: Path
) -> None:
    # Given a notebook run submitted with a distinctive parameter value
    body = {
        "notebook_path": "study/analysis.ipynb",
        "instance_type": "t3.micro",
        "max_hours": 1,
        "parameters": {"label": DISTINCTIVE_PARAMETER},
        "files": ["data"],
    }
    status, run = await ucdh_request("POST", "runs", body)
    assert status == 202, run
    # When it runs to its end (its output prints the value)
    run = await follow(ucdh_request, run["id"], final, timeout=60)
    assert run["state"] == "SUCCEEDED", run["failure_message"]
    # Then the submit is one request record with the run id, backend, type and max cost
    (submit,) = [r for r in requests_in(audit_file) if r["route"] == "runs"]
    assert (submit["status"], submit["run_id"], submit["instance_type"]) == (
        202,
        run["id"],
        "t3.micro",
    )
    # t3.micro at $0.0104/h plus its 30 GB disk ($0.08/GB-month), 1 h
    assert submit["backend"] == "ec2"
    assert submit["max_cost_usd"] == pytest.approx(0.0104 + 30 * 0.08 / 730, abs=1e-6)
    # and every state change is a run record, in order, with who and what
    states = run_states(audit_file, run["id"])
    assert states[0] == (None, "STAGING") and states[-1][1] == "SUCCEEDED"
    assert [new for _, new in states] == [h["state"] for h in run["history"]]
    last = [r for r in read_records(audit_file) if r["event"] == "run"][-1]
    assert last["user"] == run["owner"] and last["cost_usd"] == run["cost_final_usd"]
    # and the parameter value never reaches the audit file
    assert DISTINCTIVE_PARAMETER not in audit_file.read_text()


async def test_cancelling_a_run_is_audited_as_a_request_and_as_run_events(
    ucdh_request: Any, audit_file: Path
) -> None:
    # Given a slow run
    body = {"notebook_path": "study/slow.ipynb", "instance_type": "t3.micro", "max_hours": 1}
    status, run = await ucdh_request("POST", "runs", body)
    assert status == 202, run
    # When it is cancelled
    status, _ = await ucdh_request("POST", f"runs/{run['id']}/cancel")
    assert status == 200
    run = await follow(ucdh_request, run["id"], final, timeout=60)
    # Then the cancel request and the CANCELLING → CANCELLED changes are on record
    cancel = [r for r in requests_in(audit_file) if r["route"].endswith("/cancel")]
    assert [(r["run_id"], r["status"]) for r in cancel] == [(run["id"], 200)]
    assert ("CANCELLING", "CANCELLED") in run_states(audit_file, run["id"])


async def test_a_run_the_reaper_expires_is_audited_as_expired(
    ucdh_request: Any, audit_file: Path, jp_serverapp: Any
) -> None:
    # Given a slow run with a short max runtime
    body = {
        "notebook_path": "study/slow.ipynb",
        "instance_type": "t3.micro",
        "max_hours": 0.05,
        "parameters": {"seconds": 600},
    }
    status, run = await ucdh_request("POST", "runs", body)
    assert status == 202, run
    # that is in its sleeping cell, so the stopped runner has a last word of its own
    # (the interrupted notebook) that must not become the run's state
    await follow(
        ucdh_request,
        run["id"],
        lambda r: r["progress"]["cell"] >= 2,
        timeout=120,
    )
    # When the reaper sweeps after its deadline
    services = jp_serverapp.web_app.settings["ucdh"]
    record = services.runs.get(run["id"])
    await asyncio.get_running_loop().run_in_executor(
        None, lambda: reap(services.runs, now=record.deadline_at.replace(microsecond=1))
    )
    # Then the run's last audited state is EXPIRED, by the sweep rather than a request
    assert run_states(audit_file, run["id"])[-1][1] == "EXPIRED", run_states(audit_file, run["id"])
    assert not [r for r in requests_in(audit_file) if r["route"] != "runs"]


def test_the_audit_file_rotates_by_size_and_keeps_the_configured_backups(
    tmp_path: Path, aws_env: dict[str, str]
) -> None:
    # Given an audit log that rotates at ~2 KB and keeps 2 backups
    path = tmp_path / "audit" / "audit.log"
    config = UcdhConfig(audit_log_path=str(path), audit_log_max_mb=0.002, audit_log_backups=2)
    with ThreadPoolExecutor(1) as pool:
        audit = AuditLog(config, AwsClients(config), pool)
        # When far more than three files' worth of records are written
        for number in range(200):
            audit.request({"user": "ana", "route": "s3/delete", "status": 200, "n": number})
        audit.close()
    # Then there are the live file and two backups, each about the size limit, all 0600
    files = sorted(path.parent.iterdir())
    assert [f.name for f in files] == ["audit.log", "audit.log.1", "audit.log.2"]
    for file in files:
        assert file.stat().st_size <= 0.002 * 1024 * 1024 + 200
        assert stat.S_IMODE(file.stat().st_mode) == 0o600
        assert all(json.loads(line)["user"] == "ana" for line in file.read_text().splitlines())
    # and the newest records are in the live file
    assert json.loads(path.read_text().splitlines()[-1])["n"] == 199


@pytest.mark.ucdh(audit_cloudwatch_log_group=CLOUDWATCH_GROUP)
async def test_audit_records_also_reach_cloudwatch_logs_when_configured(
    ucdh_request: Any, audit_file: Path, local_aws: LocalAws, bucket: str
) -> None:
    # Given a CloudWatch Logs group configured for the audit log
    logs = local_aws.client("logs")
    with contextlib.suppress(logs.exceptions.ResourceAlreadyExistsException):
        logs.create_log_group(logGroupName=CLOUDWATCH_GROUP)
    folder = f"audit-{uuid.uuid4().hex[:8]}"
    # When a folder is created
    status, _ = await ucdh_request("POST", "s3/folder", {"bucket": bucket, "prefix": folder})
    assert status == 201
    # Then its record arrives in the group, as written to the file
    (line,) = [json.dumps(r, separators=(",", ":")) for r in requests_in(audit_file)]
    give_up = time.monotonic() + patient(20)
    while True:
        messages = [
            event["message"]
            for stream in logs.describe_log_streams(logGroupName=CLOUDWATCH_GROUP)["logStreams"]
            for event in logs.get_log_events(
                logGroupName=CLOUDWATCH_GROUP, logStreamName=stream["logStreamName"]
            )["events"]
        ]
        if line in messages or time.monotonic() > give_up:
            break
        await asyncio.sleep(0.2)
    assert line in messages
