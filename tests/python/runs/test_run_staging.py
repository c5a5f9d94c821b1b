"""Staging: what is sent with a notebook, what is refused, and how it is stored in S3."""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

from ucdh_jupyter.errors import UcdhError
from ucdh_jupyter.runs import runner as protocol
from ucdh_jupyter.runs.environment import environment_for
from ucdh_jupyter.runs.notebook import load_notebook
from ucdh_jupyter.runs.records import RunRecords
from ucdh_jupyter.runs.service import RunRequest, RunService
from ucdh_jupyter.runs.staging import select_files, sibling_files, stage

from .conftest import RUNS_BUCKET
from .helpers import FlatRate, make_run, submit, write_notebook


def test_secret_looking_files_are_offered_unchecked_and_skipped_in_folders(
    workspace: Path,
) -> None:
    notebook = workspace / "study" / "analysis.ipynb"
    offered = {choice.path: choice.sensitive for choice in sibling_files(notebook)}
    assert offered[".env"] is True and offered["id_rsa"] is True
    assert offered["data/visits.csv"] is False
    assert "analysis.ipynb" not in offered
    sent = [name for name, _ in select_files(notebook, ["."])]
    assert "data/visits.csv" in sent and "failing.ipynb" in sent
    assert ".env" not in sent and "id_rsa" not in sent


def test_results_of_earlier_runs_are_offered_unticked_in_both_namings(workspace: Path) -> None:
    # Given the notebook's folder holds results copied back by earlier runs, in the
    # naming by date, by date with seconds and counter, and the older one by run id,
    # next to an input whose name merely contains ".run-"
    study = workspace / "study"
    results = [
        "analysis.run-2026-12-04-1530.ipynb",
        "analysis.run-2026-12-04-1530.html",
        "analysis.run-2026-12-04-153059-2.ipynb",
        "analysis.run-01M91FZ8W2Q3R4S5T6V7W8X9Y0.html",
    ]
    for name in results:
        (study / name).write_text("{}")
    (study / "warm.run-up.csv").write_text("a,b\n")
    # When the run dialog lists the files it may send along
    offered = {c.path: c.previous_result for c in sibling_files(study / "analysis.ipynb")}
    # Then exactly the earlier results are marked, so the dialog starts them unticked
    assert sorted(path for path, previous in offered.items() if previous) == sorted(results)
    assert offered["warm.run-up.csv"] is False and offered["data/visits.csv"] is False
    assert sibling_files(study / "analysis.ipynb")[0].to_json().keys() >= {"previous_result"}


def test_secret_file_picked_by_name_is_refused_unless_confirmed(workspace: Path) -> None:
    notebook = workspace / "study" / "analysis.ipynb"
    with pytest.raises(UcdhError) as refused:
        select_files(notebook, [".env"])
    assert refused.value.status == 400 and ".env" in refused.value.message
    assert [name for name, _ in select_files(notebook, [".env"], include_sensitive=True)] == [
        ".env"
    ]


@pytest.mark.parametrize("path", ["../secret.txt", "/etc/passwd", "data/../../x"])
def test_files_outside_the_notebook_folder_are_refused(workspace: Path, path: str) -> None:
    (workspace / "secret.txt").write_text("outside")
    with pytest.raises(UcdhError) as refused:
        select_files(workspace / "study" / "analysis.ipynb", [path])
    assert refused.value.status == 400


def test_staged_inputs_are_encrypted_with_the_configured_kms_key(
    run_config: Any, workspace: Path, s3: Any
) -> None:
    # Given SSE-KMS configured and a run with a data folder
    key_id = "arn:aws:kms:us-east-1:123456789012:key/ucdh-test"
    records = RunRecords(s3, RUNS_BUCKET, run_config.runs_prefix, key_id)
    notebook = workspace / "study" / "analysis.ipynb"
    run = make_run(parameters={"alpha": 3})
    files = select_files(notebook, ["data"])
    # When it is staged
    stage(records, run, notebook, files, environment_for(notebook, load_notebook(notebook)))
    # Then every object is under the run's prefix and encrypted with that key
    listed = s3.list_objects_v2(Bucket=RUNS_BUCKET, Prefix=run.prefix)["Contents"]
    keys = sorted(item["Key"][len(run.prefix) :] for item in listed)
    assert keys == sorted(
        [
            protocol.MANIFEST_KEY,
            protocol.NOTEBOOK_KEY,
            protocol.RUNNER_KEY,
            protocol.FILES_PREFIX + "data/visits.csv",
        ]
    )
    for item in listed:
        head = s3.head_object(Bucket=RUNS_BUCKET, Key=item["Key"])
        assert head["ServerSideEncryption"] == "aws:kms"
        assert head["SSEKMSKeyId"] == key_id
    manifest = json.loads(
        s3.get_object(Bucket=RUNS_BUCKET, Key=run.prefix + protocol.MANIFEST_KEY)["Body"].read()
    )
    assert manifest["parameters"] == {"alpha": 3}
    assert manifest["notebook_name"] == "analysis.ipynb"
    assert run.output_uri == f"s3://{RUNS_BUCKET}/{run.prefix}{protocol.OUTPUT_KEY}"


def test_environment_pins_the_notebook_imports_to_installed_versions(tmp_path: Path) -> None:
    notebook_file = write_notebook(
        tmp_path / "nb.ipynb",
        "import os, json\nimport pandas as pd\n%matplotlib inline",
        "from numpy.linalg import norm\nfrom . import sibling\nimport my_lab_helpers",
    )
    spec = environment_for(notebook_file, load_notebook(notebook_file))
    assert spec.requirements.splitlines() == [
        f"numpy=={version('numpy')}",
        f"pandas=={version('pandas')}",
    ]
    assert spec.unresolved == ["my_lab_helpers"]


def test_environment_prefers_the_folder_requirements_file(tmp_path: Path) -> None:
    notebook_file = write_notebook(tmp_path / "nb.ipynb", "import pandas")
    (tmp_path / "requirements.txt").write_text("pandas>=2\nscikit-learn==1.5.2\n")
    spec = environment_for(notebook_file, load_notebook(notebook_file))
    assert spec.source == "requirements.txt"
    assert spec.to_json()["packages"] == ["pandas>=2", "scikit-learn==1.5.2"]


@pytest.mark.parametrize(
    ("settings", "body", "words"),
    [
        ({}, {"parameters": {"alpah": 1}}, "Unknown parameters: alpah"),
        ({}, {"notebook_path": "study/none.ipynb"}, "does not exist"),
        ({}, {"max_hours": 1000}, "at most 24 hours"),
        ({"runs_budget_per_run_usd": 1.0}, {"max_hours": 2}, "price of t3.micro is unknown"),
        ({"runs_max_notebook_mb": 0.0001}, {}, "accept notebooks up to 0.0001 MiB"),
        ({"runs_max_files_mb": 0.00001}, {"files": ["data"]}, "the limit is 1e-05 MiB"),
        ({"runs_bucket": None}, {}, "No runs bucket is configured"),
    ],
)
def test_bad_run_requests_are_refused_with_nothing_created(
    run_settings: dict[str, Any],
    run_service: RunService,
    workspace: Path,
    s3: Any,
    settings: dict[str, Any],
    body: dict[str, Any],
    words: str,
) -> None:
    for name, value in settings.items():
        setattr(run_service.config, name, value)
    request = RunRequest.parse(
        {"notebook_path": "study/analysis.ipynb", "instance_type": "t3.micro", **body}
    )
    with pytest.raises(UcdhError) as refused:
        run_service.submit(request, owner="researcher", root_dir=workspace)
    assert refused.value.status == 400
    assert words in refused.value.message
    listed = s3.list_objects_v2(Bucket=RUNS_BUCKET, Prefix=run_settings["runs_prefix"])
    assert listed["KeyCount"] == 0
    assert run_service.store.list() == []


def test_run_over_budget_is_refused_with_its_maximum_cost(
    run_service: RunService, workspace: Path
) -> None:
    run_service.config.runs_budget_per_run_usd = 5.0
    run_service.policy.pricing = FlatRate(4.608)  # a p3.2xlarge-like price
    with pytest.raises(UcdhError) as refused:
        submit(run_service, workspace, "analysis.ipynb", instance_type="p3.2xlarge", max_hours=2)
    assert "$9.22" in refused.value.message and "$5.00" in refused.value.message


def test_run_dialog_gets_parameters_files_and_environment_before_submitting(
    run_service: RunService, workspace: Path
) -> None:
    offer = run_service.prepare("study/analysis.ipynb", workspace)
    assert offer["parameters"] == {"alpha": 0.5, "label": "default"}
    files = {item["path"]: item for item in offer["files"]}
    assert files[".env"]["sensitive"] and not files["data/visits.csv"]["sensitive"]
    assert files["data/visits.csv"]["size"] == len("subject,age\nFAKE-00001,42\n")
    assert offer["environment"]["source"] == "imports pinned to the kernel's environment"
    assert offer["default_max_hours"] == 2.0
    assert len(offer["new_run_id"]) == 26
