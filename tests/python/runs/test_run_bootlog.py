"""An EC2 run's boot log through the run routes: what the Runs section shows when a run
failed before its runner started (the cause is only in cloud-init's output, which the
boot script's exit trap uploads as ``output/bootstrap.log``)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from ucdh_jupyter.aws import AwsClients
from ucdh_jupyter.config import UcdhConfig
from ucdh_jupyter.runs.model import FailureKind, Run, RunState
from ucdh_jupyter.runs.records import BOOT_LOG_KEY, LOG_TAIL_BYTES, RunRecords
from ucdh_jupyter.runs.user import server_account

from ..conftest import marked
from .conftest import RUNS_BUCKET
from .helpers import make_run

BOOT = {"source": "boot"}
OWNER = server_account()  # a shared-token login names nobody: runs belong to the account
CAUSE = "Could not install packages: the package index is unreachable (https://pypi.org/simple)."
BOOT_LOG = (
    "+ shutdown -h +120\n"
    "+ python3.11 -m venv /opt/ucdh/venv\n"
    "+ pip install --index-url https://pypi.org/simple -r requirements.txt\n"
    "ERROR: Could not find a version that satisfies the requirement pandas==2.2.3\n"
    f"ucdh: {CAUSE}\n"
)


@pytest.fixture
def ucdh_config(run_settings: dict[str, Any], request: pytest.FixtureRequest) -> dict[str, Any]:
    """The server's settings: runs on the local AWS."""
    return marked(run_settings, request)


@pytest.fixture
def records(run_config: UcdhConfig) -> RunRecords:
    """The run records of this test's runs prefix, as an earlier server wrote them."""
    return RunRecords(
        AwsClients(run_config).client("s3"), RUNS_BUCKET, run_config.runs_prefix, None
    )


def failed_before_runner(records: RunRecords, owner: str = OWNER, backend: str = "ec2") -> Run:
    """A run whose machine stopped before its runner started, recorded in S3."""
    run = make_run(owner=owner, backend=backend)
    run.move_to(RunState.FAILED, failure_kind=FailureKind.INFRASTRUCTURE, message=CAUSE)
    records.write(run)
    return run


def put_boot_log(s3: Any, records: RunRecords, run: Run, body: bytes) -> None:
    """What the boot script's exit trap does: cloud-init's output to the run's prefix."""
    s3.put_object(Bucket=RUNS_BUCKET, Key=records.location(run.id).key(BOOT_LOG_KEY), Body=body)


async def test_owner_reads_the_boot_log_that_names_why_the_run_never_started(
    ucdh_request: Any, records: RunRecords, s3: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # Given an EC2 run that failed installing packages, whose machine uploaded its boot log
    run = failed_before_runner(records)
    put_boot_log(s3, records, run, BOOT_LOG.encode())
    caplog.set_level(logging.DEBUG)
    # When its owner asks for the boot log
    status, reply = await ucdh_request("GET", f"runs/{run.id}/log", params=BOOT)
    # Then it is the whole log, cause included
    assert status == 200, reply
    assert reply == {
        "source": "boot",
        "log": BOOT_LOG,
        "available": True,
        "truncated": False,
        "size": len(BOOT_LOG.encode()),
    }
    # and the notebook's log, empty as the runner never started, is still the default
    status, reply = await ucdh_request("GET", f"runs/{run.id}/log")
    assert (status, reply) == (200, {"source": "runner", "log": ""})
    # and no line of the boot log reached the server log
    assert not [r for r in caplog.records if "pypi.org" in r.getMessage()]


async def test_another_users_boot_log_is_not_found(
    ucdh_request: Any, records: RunRecords, s3: Any
) -> None:
    # Given another researcher's run sharing the runs bucket, with a boot log
    theirs = failed_before_runner(records, owner="someone-else")
    put_boot_log(s3, records, theirs, BOOT_LOG.encode())
    # When this user asks for it
    status, error = await ucdh_request("GET", f"runs/{theirs.id}/log", params=BOOT)
    # Then the run does not exist for them
    assert (status, error["code"]) == (404, "run_not_found")
    assert "pypi" not in str(error)


async def test_unknown_log_source_is_refused_naming_the_sources(
    ucdh_request: Any, records: RunRecords
) -> None:
    run = failed_before_runner(records)
    for source in ("cloud-init", "", "BOOT", "boot "):
        status, error = await ucdh_request("GET", f"runs/{run.id}/log", params={"source": source})
        assert status == 400, (source, error)
        assert "runner, boot" in error["message"]
        assert "source=boot" in error["hint"]
    status, error = await ucdh_request("GET", f"runs/{run.id}/log", params={"source": "boot\x00"})
    assert status == 400 and "NUL" in error["message"]


async def test_boot_log_not_uploaded_yet_is_an_empty_answer_that_says_so(
    ucdh_request: Any, records: RunRecords, s3: Any
) -> None:
    # Given a run whose machine has uploaded no boot log (it still runs, or died hard)
    run = failed_before_runner(records)
    # When the boot log is asked for, Then the answer says there is none (not an error)
    status, reply = await ucdh_request("GET", f"runs/{run.id}/log", params=BOOT)
    assert status == 200, reply
    assert reply == {"source": "boot", "log": "", "available": False, "truncated": False, "size": 0}
    # and an empty upload is an empty log that exists
    put_boot_log(s3, records, run, b"")
    status, reply = await ucdh_request("GET", f"runs/{run.id}/log", params=BOOT)
    assert status == 200, reply
    assert (reply["available"], reply["log"], reply["size"]) == (True, "", 0)


async def test_databricks_run_has_no_boot_log_and_says_where_to_look(
    ucdh_request: Any, records: RunRecords
) -> None:
    run = failed_before_runner(records, backend="databricks")
    status, error = await ucdh_request("GET", f"runs/{run.id}/log", params=BOOT)
    assert status == 400, error
    assert "EC2" in error["message"] and "log" in error["hint"]


async def test_long_boot_log_is_tailed_from_a_whole_line_and_says_so(
    ucdh_request: Any, records: RunRecords, s3: Any
) -> None:
    # Given a boot log of about 1 MiB (a package build printing), ending with the cause
    lines = [f"building wheel {n:07d} é\n" for n in range(40_000)] + [f"ucdh: {CAUSE}\n"]
    body = "".join(lines).encode()
    assert len(body) > 3 * LOG_TAIL_BYTES
    run = failed_before_runner(records)
    put_boot_log(s3, records, run, body)
    # When the owner reads it
    status, reply = await ucdh_request("GET", f"runs/{run.id}/log", params=BOOT)
    # Then they get its end, at most the cap, starting at a whole line, and are told so
    assert status == 200
    assert reply["truncated"] is True and reply["size"] == len(body)
    text = reply["log"]
    assert text.endswith(f"ucdh: {CAUSE}\n")
    assert len(text.encode()) <= LOG_TAIL_BYTES
    assert text.startswith("building wheel ") and "\ufffd" not in text
    assert len(text.encode()) > LOG_TAIL_BYTES - 100  # one cut line at most is lost
    assert body.decode().endswith(text)
