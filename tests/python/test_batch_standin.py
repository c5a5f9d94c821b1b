"""The local AWS Batch (moto + :mod:`ucdh_jupyter.demo.batch`): jobs run their container
command on this host as AWS Batch runs them, which the sweeps of the EC2 family rely on."""

from __future__ import annotations

import inspect
import os
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from ucdh_jupyter.demo import batch as standin
from ucdh_jupyter.demo.localaws import LocalAws
from ucdh_jupyter.demo.seed import (
    BATCH_JOB_DEFINITION,
    BATCH_JOB_QUEUE,
    BATCH_SERVICE_ROLE,
    private_network,
)

from .patience import patient


@pytest.fixture(scope="module")
def batch(local_aws: LocalAws) -> Any:
    return local_aws.client("batch")


def _submit(
    batch: Any, script: str, size: int = 0, queue: str = BATCH_JOB_QUEUE, **extra: Any
) -> str:
    request: dict[str, Any] = {
        "jobName": f"ucdh-test-{uuid.uuid4().hex[:8]}",
        "jobQueue": queue,
        "jobDefinition": BATCH_JOB_DEFINITION,
        "containerOverrides": {"command": ["bash", "-c", script]},
        **extra,
    }
    if size:
        request["arrayProperties"] = {"size": size}
    return str(batch.submit_job(**request)["jobId"])


def _jobs(batch: Any, ids: list[str]) -> list[dict[str, Any]]:
    return list(batch.describe_jobs(jobs=ids)["jobs"])


def _until(check: Callable[[], Any], seconds: float = 20, what: str = "") -> Any:
    deadline = time.monotonic() + patient(seconds)
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _children(batch: Any, parent: str, size: int) -> list[str]:
    return [f"{parent}:{i}" for i in range(size)]


def _all_done(batch: Any, ids: list[str]) -> list[dict[str, Any]] | None:
    jobs = _jobs(batch, ids)
    return jobs if all(j["status"] in ("SUCCEEDED", "FAILED") for j in jobs) else None


def test_the_standin_still_fits_moto(local_aws: LocalAws) -> None:
    """A canary: the stand-in replaces moto internals; a moto upgrade that renames or
    reshapes them must fail here, loudly, rather than leave every Batch job FAILED."""
    from moto.batch import models

    assert models.Job.run is standin._run, "LocalAws.start() installs the stand-in"
    for name in ("_start_attempt", "_mark_stopped", "terminate", "_get_attempt_duration",
                 "_add_parameters_to_command", "_get_container_property",
                 "_wait_for_dependencies"):  # fmt: skip
        assert callable(getattr(models.Job, name, None)), f"moto's Job.{name} changed"
    for name in ("terminate_job", "cancel_job"):
        original = standin._originals[name]
        assert list(inspect.signature(original).parameters) == ["self", "job_id", "reason"]
    assert callable(models.BatchBackend.get_job_by_id)
    init = inspect.signature(models.Job.__init__).parameters
    assert {"container_overrides", "array_properties", "timeout", "job_queue"} <= set(init)
    source = inspect.getsource(models.BatchBackend.submit_job)
    assert "child_job.start()" in source and "_child_jobs = child_jobs" in source


def test_array_children_each_see_their_own_index(batch: Any, s3: Any, bucket: str) -> None:
    script = (
        'printf "%s %s %s" "$AWS_BATCH_JOB_ARRAY_INDEX" "$AWS_BATCH_JOB_ID" "$AWS_BATCH_JQ_NAME"'
        f' | aws s3 cp - "s3://{bucket}/out/$AWS_BATCH_JOB_ARRAY_INDEX.txt"'
    )
    parent = _submit(batch, script, size=3)
    children = _children(batch, parent, 3)
    jobs = _until(lambda: _all_done(batch, children), what="the children to end")
    assert [j["status"] for j in jobs] == ["SUCCEEDED"] * 3
    for i in range(3):
        body = s3.get_object(Bucket=bucket, Key=f"out/{i}.txt")["Body"].read().decode()
        assert body == f"{i} {parent}:{i} {BATCH_JOB_QUEUE}"
    described = _until(
        lambda: [j for j in _jobs(batch, [parent]) if j["status"] == "SUCCEEDED"], what="parent"
    )[0]
    assert described["arrayProperties"]["size"] == 3
    assert described["arrayProperties"]["statusSummary"]["SUCCEEDED"] == 3
    listed = batch.list_jobs(arrayJobId=parent)["jobSummaryList"]
    assert sorted(j["jobId"] for j in listed) == children


def test_a_failing_child_fails_and_the_parent_too(batch: Any) -> None:
    parent = _submit(batch, 'exit "$AWS_BATCH_JOB_ARRAY_INDEX"', size=2)
    jobs = _until(lambda: _all_done(batch, _children(batch, parent, 2)), what="the children")
    assert [j["status"] for j in jobs] == ["SUCCEEDED", "FAILED"]
    _until(lambda: _jobs(batch, [parent])[0]["status"] == "FAILED", what="the parent to fail")


def test_compute_environment_max_vcpus_limits_children_at_once(
    local_aws: LocalAws, batch: Any
) -> None:
    subnet, group = private_network(local_aws, f"ucdh-narrow-{uuid.uuid4().hex[:6]}")
    name = f"ucdh-narrow-{uuid.uuid4().hex[:6]}"
    batch.create_compute_environment(
        computeEnvironmentName=name,
        type="MANAGED",
        state="ENABLED",
        computeResources={
            "type": "FARGATE", "maxvCpus": 2, "subnets": [subnet], "securityGroupIds": [group]
        },
        serviceRole=local_aws.client("iam").get_role(RoleName=BATCH_SERVICE_ROLE)["Role"]["Arn"],
    )  # fmt: skip
    batch.create_job_queue(
        jobQueueName=name,
        state="ENABLED",
        priority=1,
        computeEnvironmentOrder=[{"order": 1, "computeEnvironment": name}],
    )
    parent = _submit(batch, "sleep 1", size=5, queue=name)
    children = _children(batch, parent, 5)
    most = 0
    deadline = time.monotonic() + patient(30)
    while time.monotonic() < deadline:
        statuses = [j["status"] for j in _jobs(batch, children)]
        most = max(most, statuses.count("RUNNING") + statuses.count("STARTING"))
        if all(s in ("SUCCEEDED", "FAILED") for s in statuses):
            break
        time.sleep(0.05)
    assert statuses == ["SUCCEEDED"] * 5
    assert most == 2


def test_attempt_timeout_fails_the_job_with_the_reason(batch: Any) -> None:
    job = _submit(batch, "sleep 60", timeout={"attemptDurationSeconds": 1})
    started = time.monotonic()
    done = _until(lambda: _all_done(batch, [job]), what="the timeout")[0]
    assert done["status"] == "FAILED"
    assert done["statusReason"] == standin.TIMEOUT_REASON
    assert time.monotonic() - started < 30  # SIGTERM ended it, not the sleep


def test_terminating_the_parent_terminates_every_child(local_aws: LocalAws, batch: Any) -> None:
    parent = _submit(batch, "sleep 60", size=2)
    children = _children(batch, parent, 2)
    _until(lambda: all(j["status"] == "RUNNING" for j in _jobs(batch, children)), what="running")
    assert local_aws.batch is not None
    processes = [local_aws.batch.machines[child].process for child in children]
    batch.terminate_job(jobId=parent, reason="cancelled by the researcher")
    jobs = _until(lambda: _all_done(batch, children), what="the children to end")
    assert [(j["status"], j["statusReason"]) for j in jobs] == [
        ("FAILED", "cancelled by the researcher")
    ] * 2
    for process in processes:
        assert process is not None and process.poll() is not None
        with pytest.raises(ProcessLookupError):
            os.killpg(process.pid, 0)
