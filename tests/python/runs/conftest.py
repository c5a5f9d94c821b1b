"""Fixtures of the run tests: a run service in local mode against the session's local AWS.

Each test gets its own runs prefix in the seeded ``ucdh-demo-runs`` bucket and its own
SQLite store, and a workspace with a study folder.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ucdh_jupyter.aws import AwsClients
from ucdh_jupyter.config import UcdhConfig
from ucdh_jupyter.demo.ec2 import LocalEc2Backend
from ucdh_jupyter.demo.localaws import DEMO_REGION, LocalAws
from ucdh_jupyter.demo.seed import BATCH_JOB_DEFINITION, BATCH_JOB_QUEUE
from ucdh_jupyter.demo.wheelhouse import wheelhouse
from ucdh_jupyter.runs.service import RunService

from ..patience import patient
from .helpers import write_notebook

RUNS_BUCKET = "ucdh-demo-runs"


@pytest.fixture
def run_settings(local_aws: LocalAws, tmp_path: Path) -> dict[str, Any]:
    """Runs settings of a test; tests add or change keys before ``run_config`` is built."""
    return {
        "mode": "local",
        "endpoint_url": local_aws.endpoint_url,
        "region": DEMO_REGION,
        "runs_bucket": RUNS_BUCKET,
        "runs_prefix": f"tests/{uuid.uuid4().hex[:10]}/",
        "runs_heartbeat_seconds": 0.3,
        "runs_store_path": str(tmp_path / "store" / "runs.sqlite"),
        # The stand-in machines have no internet; their image has the runner's venv
        # baked in from this wheelhouse (tests of installs turn the wheel cache on).
        "runs_wheelhouse": wheelhouse(),
        # Sweeps: the seeded AWS Batch queue and job definition.
        "runs_batch_job_queue": BATCH_JOB_QUEUE,
        "runs_batch_job_definition": BATCH_JOB_DEFINITION,
    }


@pytest.fixture
def run_config(run_settings: dict[str, Any], aws_env: dict[str, str]) -> UcdhConfig:
    """The extension's config with runs set up for local AWS."""
    return UcdhConfig(**run_settings)


@pytest.fixture
def run_service(run_config: UcdhConfig) -> Iterator[RunService]:
    """A run service whose EC2 backend plays instances with local runner subprocesses."""
    service = RunService.from_config(run_config, AwsClients(run_config))
    yield service
    backend = service._backends.get("ec2")
    if isinstance(backend, LocalEc2Backend):
        backend.local.stop_all()
        for run_id in list(backend.local._machines):
            backend.local.wait(run_id, timeout=patient(60))
    service.close()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """The Jupyter root: ``study/`` holds notebooks, a data file, a secret and a key."""
    root = tmp_path / "root"
    study = root / "study"
    write_notebook(
        study / "analysis.ipynb",
        "print('alpha is', alpha, 'label is', label)",
        "print(open('data/visits.csv').read().splitlines()[1])",
        "result = alpha * 2\nprint('result', result)",
        parameters="alpha = 0.5\nlabel = 'default'",
    )
    write_notebook(
        study / "failing.ipynb",
        "print('before the error')",
        "1 / 0",
        "print('never printed')",
        parameters="alpha = 1",
    )
    write_notebook(
        study / "slow.ipynb",
        "print('started', flush=True)",
        "import time\nprint('sleeping', flush=True)\ntime.sleep(float(seconds))\nprint('slept')",
        parameters="seconds = 60",
    )
    (study / "data").mkdir()
    (study / "data" / "visits.csv").write_text("subject,age\nFAKE-00001,42\n")
    (study / ".env").write_text("DB_PASSWORD=not-for-the-cloud\n")
    (study / "id_rsa").write_text("-----BEGIN FAKE KEY-----\n")
    return root


@pytest.fixture
def ec2(local_aws: LocalAws) -> Any:
    """A plain EC2 client on the local AWS, to look at the instances runs launched."""
    return local_aws.client("ec2")
