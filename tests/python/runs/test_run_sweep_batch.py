"""Sweeps of the EC2 family on AWS Batch: one array job, a child per row, each running the
real boot script and runner on the local Batch (moto + ``demo/batch.py``)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ucdh_jupyter.aws import AwsClients
from ucdh_jupyter.config import UcdhConfig
from ucdh_jupyter.demo.localaws import LocalAws
from ucdh_jupyter.demo.seed import BATCH_JOB_DEFINITION, BATCH_JOB_QUEUE
from ucdh_jupyter.errors import UcdhError
from ucdh_jupyter.runs import runner as protocol
from ucdh_jupyter.runs.batch import ENTRY, BatchBackend
from ucdh_jupyter.runs.model import FailureKind, RunState
from ucdh_jupyter.runs.service import RunService
from ucdh_jupyter.runs.sweep import child_prefix

from ..patience import patient
from .conftest import RUNS_BUCKET
from .helpers import make_run, outputs_text, submit, wait_for, write_notebook

KEY = "arn:aws:kms:us-east-1:123456789012:key/ucdh-sweeps"
# What scrapbook's glue(name, value) displays (its JSON encoder): the machines' wheelhouse
# has no scrapbook, so the notebook emits the same output itself.
GLUE = """from IPython.display import display

def glue(name, data):
    display(
        {"application/scrapbook.scrap.json+json":
            {"name": name, "data": data, "encoder": "json", "version": 1}},
        metadata={"scrapbook": {"name": name, "data": True, "display": False}},
        raw=True,
    )"""


@pytest.fixture
def sweeps(run_settings: dict[str, Any], aws_env: dict[str, str]) -> Iterator[RunService]:
    """A run service whose runs' objects are encrypted with a KMS key."""
    run_settings["kms_key_id"] = KEY
    config = UcdhConfig(**run_settings)
    service = RunService.from_config(config, AwsClients(config))
    yield service
    service.close()


@pytest.fixture
def batch(local_aws: LocalAws) -> Any:
    return local_aws.client("batch")


@pytest.fixture
def gluing(workspace: Path) -> Path:
    write_notebook(
        workspace / "study" / "gluing.ipynb",
        GLUE,
        "print('child with', alpha, label)\nglue('alpha', alpha)\nglue('label', label)",
        "import time\ntime.sleep(float(seconds))\nglue('result', alpha * 2)",
        parameters="alpha = 0.5\nlabel = 'default'\nseconds = 0",
    )
    return workspace


def _objects(s3: Any, prefix: str) -> list[str]:
    listed = s3.list_objects_v2(Bucket=RUNS_BUCKET, Prefix=prefix).get("Contents", [])
    return [item["Key"] for item in listed]


def _json(s3: Any, key: str) -> Any:
    return json.loads(s3.get_object(Bucket=RUNS_BUCKET, Key=key)["Body"].read())


def test_the_submit_job_request_names_ids_only_and_pins_the_boot_script(
    sweeps: RunService,
) -> None:
    backend = sweeps.backend("batch")
    assert isinstance(backend, BatchBackend)
    secret = f"label-{uuid.uuid4().hex}"
    run = make_run(
        backend="batch",
        kind="sweep",
        parameters={"label": secret},
        sweep_rows=[{"alpha": 1.25}, {"alpha": 2.5}, {"alpha": 3.75}],
        max_hours=0.5,
    )
    request = backend.plan(run)
    assert request["jobName"] == f"ucdh-sweep-{run.id}"
    assert request["arrayProperties"] == {"size": 3}
    assert request["timeout"] == {"attemptDurationSeconds": 1800}
    assert request["tags"] == {
        "ucdh:managed": "true",
        "ucdh:owner": "researcher",
        "ucdh:run-id": run.id,
    }
    assert request["propagateTags"] is True
    overrides = request["containerOverrides"]
    assert overrides["command"] == ["bash", "-c", ENTRY]
    env = {item["name"]: item["value"] for item in overrides["environment"]}
    assert env["UCDH_SWEEP"] == "1" and env["UCDH_HOST"] == "batch"
    assert env["UCDH_MAX_SECONDS"] == "1800"
    assert env["UCDH_BOOT_URI"].endswith(f"{run.id}/{protocol.BOOT_KEY}")
    assert len(env["UCDH_BOOT_SHA256"]) == 64 and len(env["UCDH_RUNNER_SHA256"]) == 64
    assert env["UCDH_KMS_KEY_ID"] == KEY
    # t3.micro: 2 vCPUs, 1 GiB
    assert overrides["resourceRequirements"] == [
        {"type": "VCPU", "value": "2"},
        {"type": "MEMORY", "value": "1024"},
    ]
    said = json.dumps(request)
    for private in (secret, "analysis", "1.25", "SECRET", "AWS_SECRET_ACCESS_KEY"):
        assert private not in said
    # A sweep of one is a plain job; Batch's shortest timeout is a minute.
    single = backend.plan(make_run(backend="batch", kind="sweep", sweep_rows=[{}], max_hours=0.001))
    assert "arrayProperties" not in single
    assert single["timeout"] == {"attemptDurationSeconds": 60}


def _refused(service: RunService, workspace: Path) -> UcdhError:
    with pytest.raises(UcdhError) as refused:
        submit(service, workspace, "gluing.ipynb", sweep_rows=[{"alpha": 1}, {"alpha": 2}])
    return refused.value


def test_a_job_definition_with_a_public_ip_is_refused_naming_it(
    run_settings: dict[str, Any], aws_env: dict[str, str], batch: Any, gluing: Path
) -> None:
    name = f"ucdh-public-{uuid.uuid4().hex[:8]}"
    batch.register_job_definition(
        jobDefinitionName=name,
        type="container",
        platformCapabilities=["FARGATE"],
        containerProperties={
            "image": "runner",
            "resourceRequirements": [
                {"type": "VCPU", "value": "1"},
                {"type": "MEMORY", "value": "2048"},
            ],
            "networkConfiguration": {"assignPublicIp": "ENABLED"},
        },
    )
    run_settings["runs_batch_job_definition"] = name
    config = UcdhConfig(**run_settings)
    service = RunService.from_config(config, AwsClients(config))
    try:
        error = _refused(service, gluing)
    finally:
        service.close()
    assert error.status == 400
    assert name in error.message and "public IP" in error.message
    assert "runs_batch_job_definition" in error.hint


@pytest.mark.parametrize("setting", ["runs_batch_job_queue", None])
def test_a_missing_queue_or_none_configured_is_refused_naming_the_setting(
    run_settings: dict[str, Any], aws_env: dict[str, str], gluing: Path, setting: str | None
) -> None:
    run_settings["runs_batch_job_queue"] = "ucdh-no-such-queue" if setting else None
    config = UcdhConfig(**run_settings)
    service = RunService.from_config(config, AwsClients(config))
    try:
        error = _refused(service, gluing)
    finally:
        service.close()
    assert error.status == 400
    assert "runs_batch_job_queue" in error.hint
    if setting:
        assert "ucdh-no-such-queue" in error.message


def test_a_grid_sweep_runs_each_child_with_its_row_and_encrypts_everything(
    sweeps: RunService, gluing: Path, s3: Any
) -> None:
    # Given a 3 x 2 grid over a notebook that glues its parameters
    run = submit(
        sweeps,
        gluing,
        "gluing.ipynb",
        sweep_grid={"alpha": [1, 2, 3], "label": ["x", "y"]},
        instance_type="t2.micro",  # 1 vCPU: four at once in the demo's 4-vCPU environment
    )
    assert run.backend == "batch" and run.batch_job_id
    # When it runs to its end
    done = wait_for(sweeps, run.id, lambda r: r.final, timeout=90)
    # Then every child succeeded with its own row, and shows what it glued
    assert done.state is RunState.SUCCEEDED, done.children
    assert done.child_counts["succeeded"] == 6
    expected = [{"alpha": a, "label": b} for a in (1, 2, 3) for b in ("x", "y")]
    for child, row in zip(done.children, expected, strict=True):
        assert child["state"] == "SUCCEEDED"
        assert child["scraps"] == {**row, "result": row["alpha"] * 2}
        assert child["engine_id"] == f"{run.batch_job_id}:{child['index']}"
        executed = _json(s3, run.prefix + child["output_key"])
        assert f"child with {row['alpha']} {row['label']}" in outputs_text(executed)
    # And every object the children wrote is encrypted with the run's KMS key
    keys = _objects(s3, run.prefix + "children/")
    assert {key.split("/")[-1] for key in keys} >= {"status.json", "notebook.ipynb", "scraps.json"}
    for key in [*keys, run.prefix + protocol.BOOT_KEY]:
        head = s3.head_object(Bucket=RUNS_BUCKET, Key=key)
        assert (head["ServerSideEncryption"], head["SSEKMSKeyId"]) == ("aws:kms", KEY), key


def test_a_child_over_its_max_runtime_fails_as_a_timeout_and_the_others_succeed(
    sweeps: RunService, gluing: Path, s3: Any
) -> None:
    # Given a sweep whose second child sleeps past the shortest max runtime (a minute)
    run = submit(
        sweeps,
        gluing,
        "gluing.ipynb",
        sweep_rows=[{"seconds": 0}, {"seconds": 300}],
        max_hours=1 / 60,
    )
    done = wait_for(sweeps, run.id, lambda r: r.final, timeout=110)
    # Then that child failed as a timeout, the other succeeded, and the sweep failed
    assert [c["state"] for c in done.children] == ["SUCCEEDED", "FAILED"]
    assert done.children[1]["failure_kind"] == "timeout"
    assert done.state is RunState.FAILED
    assert done.failure_kind is FailureKind.TIMEOUT
    status = _json(s3, run.prefix + child_prefix(1) + protocol.STATUS_KEY)
    assert status["exit_code"] == protocol.EXIT_STOPPED


def test_cancelling_a_running_sweep_stops_every_child_and_keeps_their_output(
    sweeps: RunService, gluing: Path, s3: Any, batch: Any
) -> None:
    # Given a sweep of two children that sleep a minute, both running
    run = submit(
        sweeps, gluing, "gluing.ipynb", sweep_rows=[{"seconds": 60}, {"seconds": 60, "alpha": 7}]
    )
    wait_for(sweeps, run.id, lambda r: r.child_counts.get("running") == 2, timeout=60)
    partials = [run.prefix + child_prefix(i) + protocol.PARTIAL_KEY for i in range(2)]

    def printed(key: str) -> bool:
        return bool(_objects(s3, key)) and "child with" in outputs_text(_json(s3, key))

    wait_for(sweeps, run.id, lambda r: all(printed(key) for key in partials), timeout=30)
    # When it is cancelled
    sweeps.cancel(run.id)
    done = wait_for(sweeps, run.id, lambda r: r.final, timeout=60)
    # Then the sweep and every child are cancelled, with what they printed saved
    assert done.state is RunState.CANCELLED
    assert [c["state"] for c in done.children] == ["CANCELLED", "CANCELLED"]
    for index, alpha in enumerate((0.5, 7)):
        executed = _json(s3, run.prefix + child_prefix(index) + protocol.OUTPUT_KEY)
        assert f"child with {alpha} default" in outputs_text(executed)
    # And no child's job is left running
    children = [f"{run.batch_job_id}:{i}" for i in range(2)]

    def over() -> bool:
        jobs = batch.describe_jobs(jobs=children)["jobs"]
        return all(job["status"] in ("SUCCEEDED", "FAILED") for job in jobs)

    wait_for(sweeps, run.id, lambda r: over(), timeout=10)


def test_the_runner_reads_the_values_scrapbook_glues(tmp_path: Path) -> None:
    """The machines have no scrapbook; this host does: what its glue() writes is what
    the runner's scraps_of (output/scraps.json) reads."""
    import papermill

    source = write_notebook(
        tmp_path / "glued.ipynb",
        "import scrapbook as sb\nsb.glue('rows', 120)\nsb.glue('auc', {'mean': 0.81})",
        "sb.glue('note', 'done')",
    )
    executed = papermill.execute_notebook(
        str(source), str(tmp_path / "out.ipynb"), kernel_name="python3", progress_bar=False
    )
    assert protocol.scraps_of(executed) == {"rows": 120, "auc": {"mean": 0.81}, "note": "done"}


def test_a_changed_boot_script_is_not_executed(batch: Any, s3: Any, bucket: str) -> None:
    # Given a boot script in S3 that is not the one whose checksum the job pins
    s3.put_object(
        Bucket=bucket,
        Key="run/input/boot.sh",
        Body=f"aws s3 cp - s3://{bucket}/executed <<< yes\n".encode(),
    )
    pinned = "0" * 64
    # When the job's command starts
    job = batch.submit_job(
        jobName=f"ucdh-sweep-{uuid.uuid4().hex[:8]}",
        jobQueue=BATCH_JOB_QUEUE,
        jobDefinition=BATCH_JOB_DEFINITION,
        containerOverrides={
            "command": ["bash", "-c", ENTRY],
            "environment": [
                {"name": "UCDH_BOOT_URI", "value": f"s3://{bucket}/run/input/boot.sh"},
                {"name": "UCDH_BOOT_SHA256", "value": pinned},
            ],
        },
    )["jobId"]
    # Then it fails, and nothing of the script ran
    done = wait_for_job(batch, job)
    assert done["status"] == "FAILED"
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket, Prefix="executed")


def wait_for_job(batch: Any, job_id: str) -> dict[str, Any]:
    give_up = time.monotonic() + patient(30)
    while time.monotonic() < give_up:
        job = batch.describe_jobs(jobs=[job_id])["jobs"][0]
        if job["status"] in ("SUCCEEDED", "FAILED"):
            return dict(job)
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not end")


def test_a_restarted_server_follows_a_running_sweep_to_its_end(
    run_settings: dict[str, Any], aws_env: dict[str, str], gluing: Path
) -> None:
    # Given a sweep submitted by a server that then stops
    config = UcdhConfig(**run_settings)
    first = RunService.from_config(config, AwsClients(config))
    run = submit(first, gluing, "gluing.ipynb", sweep_rows=[{"seconds": 2}, {"seconds": 2}])
    first.close()
    # When a new server starts on the same store and follows its runs
    restarted = RunService.from_config(config, AwsClients(config))
    try:
        done = wait_for(restarted, run.id, lambda r: r.final, timeout=60)
    finally:
        restarted.close()
    # Then it saw the sweep through, child by child
    assert done.state is RunState.SUCCEEDED
    assert done.batch_job_id == run.batch_job_id
    assert [c["scraps"]["alpha"] for c in done.children] == [0.5, 0.5]


def test_children_install_the_notebooks_packages_from_the_wheel_cache(
    run_settings: dict[str, Any], aws_env: dict[str, str], workspace: Path, s3: Any
) -> None:
    # Given no internet on the machines, the S3 wheel cache as package source, and a
    # notebook that imports a package
    run_settings["runs_wheel_cache"] = True
    write_notebook(
        workspace / "study" / "yaml.ipynb",
        "import yaml\nprint('parsed', yaml.safe_load('n: ' + str(n)))",
        parameters="n = 0",
    )
    config = UcdhConfig(**run_settings)
    service = RunService.from_config(config, AwsClients(config))
    try:
        # When a sweep of it runs
        run = submit(service, workspace, "yaml.ipynb", sweep_rows=[{"n": 1}, {"n": 2}])
        done = wait_for(service, run.id, lambda r: r.final, timeout=90)
    finally:
        service.close()
    # Then the server filled the cache for it and every child installed from there
    assert done.state is RunState.SUCCEEDED, done.children
    assert done.child_counts["succeeded"] == 2
    listed = _json(s3, run.prefix + protocol.WHEELS_KEY)["wheels"]
    assert any(name.startswith("pyyaml-") for name in listed)
