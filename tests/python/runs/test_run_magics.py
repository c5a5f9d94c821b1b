"""The notebook side of runs: ``%ucdh_run``, ``%ucdh_runs`` and the ``RunStatus`` widget,
on the same run service as the routes, against the local AWS."""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.core.error import UsageError

from ucdh_jupyter.config import UcdhConfig
from ucdh_jupyter.demo.cli import RUNS_BUCKET, lab_arguments
from ucdh_jupyter.kernel import ENV_RUNS_BUCKET, ENV_RUNS_STORE, kernel_config
from ucdh_jupyter.run_magics import RunMagics, parse_value
from ucdh_jupyter.runs.ec2 import Ec2Backend
from ucdh_jupyter.runs.model import FailureKind, Progress, RunState
from ucdh_jupyter.runs.user import server_account
from ucdh_jupyter.services import UcdhServices
from ucdh_jupyter.widgets import RunStatus

from .helpers import make_run, outputs_text


@pytest.fixture
def services(run_config: UcdhConfig) -> Iterator[UcdhServices]:
    """The kernel's services, with runs on the local AWS."""
    built = UcdhServices(run_config)
    yield built
    backend = built.runs._backends.get("ec2")
    if isinstance(backend, Ec2Backend) and backend.local is not None:
        for run_id in list(backend.local._threads):
            backend.local.wait(run_id, timeout=20)
    built.close()


@pytest.fixture
def magics(services: UcdhServices, workspace: Path, monkeypatch: pytest.MonkeyPatch) -> RunMagics:
    """The magics of a kernel whose notebook sits in ``study/`` under the Jupyter root."""
    monkeypatch.chdir(workspace / "study")
    return RunMagics(None, lambda: services, root=lambda: workspace)


def test_ucdh_run_wait_follows_the_run_and_brings_the_executed_notebook_back(
    magics: RunMagics, workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # When a researcher runs the analysis with two parameters and its data folder, and waits
    magics.ucdh_run(
        "analysis.ipynb --instance t3.micro -p alpha 21 -p label trial --file data --wait"
    )
    out = capsys.readouterr().out
    # Then the submission, the states as they came and the end are printed
    run_id = re.search(r"Run (\w{26}) submitted", out).group(1)  # type: ignore[union-attr]
    lines = out.splitlines()
    assert lines[0] == (
        f"Run {run_id} submitted: analysis.ipynb on t3.micro (EC2), max 2 h, at most $0.02."
    )
    assert "PROVISIONING" in lines
    assert any(line.startswith("RUNNING cell ") for line in lines)
    assert re.search(r"^SUCCEEDED after 0:00:\d\d, cost \$0\.0\d{3}$", out, re.M)
    # and the executed notebook sits next to the original, parameters injected
    assert f"Executed notebook: study/analysis.run-{run_id}.ipynb" in lines
    executed = json.loads((workspace / f"study/analysis.run-{run_id}.ipynb").read_text())
    assert "alpha is 21 label is trial" in outputs_text(executed)
    assert "FAKE-00001,42" in outputs_text(executed)
    # When the researcher lists runs
    magics.ucdh_runs("")
    table = capsys.readouterr().out.splitlines()
    # Then the run is there with its state, type, elapsed time and final cost
    assert table[0].split() == ["run", "notebook", "state", "type", "elapsed", "cost", "note"]
    row = table[2].split()
    assert row[:4] == [run_id, "analysis.ipynb", "SUCCEEDED", "t3.micro"]
    assert re.fullmatch(r"0:00:\d\d", row[4]) and row[5].startswith("$0.0")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("analysis.ipynb --instance t3.micro -p beta 1", "Unknown parameters: beta"),
        ("analysis.ipynb --instance t3.micro --max-hours 100", "at most 24 hours"),
        ("../../outside.ipynb --instance t3.micro", "is not inside the Jupyter root"),
        ("analysis.ipynb --instance t3.micro --file .env", "looks like a secret"),
        ("analysis.ipynb --instance m5.huge", "Unknown instance type 'm5.huge'"),
    ],
)
def test_ucdh_run_bad_input_is_a_usage_error_and_launches_nothing(
    magics: RunMagics, services: UcdhServices, line: str, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        magics.ucdh_run(line)
    assert services.runs.list_runs() == []


def test_ucdh_runs_without_runs_says_how_to_start_one(
    magics: RunMagics, capsys: pytest.CaptureFixture[str]
) -> None:
    magics.ucdh_runs("")
    assert "No runs yet. Start one with %ucdh_run" in capsys.readouterr().out


def test_parameter_values_are_read_as_papermill_reads_them() -> None:
    assert [parse_value(text) for text in ("0.1", "3", "true", "None", "[1, 2]", "cohort A")] == [
        0.1,
        3,
        True,
        None,
        [1, 2],
        "cohort A",
    ]


def test_run_status_widget_shows_state_progress_cost_and_the_failure(
    services: UcdhServices,
) -> None:
    # Given a run of this user that failed at its third cell after printing two lines
    run = make_run(owner=server_account(), rate_usd_per_hour=0.0104)
    run.started_at = run.created_at
    for state in (RunState.SUBMITTED, RunState.PROVISIONING, RunState.RUNNING):
        run.move_to(state)
    run.progress = Progress(cell=3, cells=4, last_lines=["before the error", "<b>1 / 0</b>"])
    run.failing_cell = 2
    run.move_to(
        RunState.FAILED,
        failure_kind=FailureKind.NOTEBOOK_ERROR,
        message="ZeroDivisionError: division by zero",
    )
    services.runs.store.put(run)
    # When the widget shows it
    status = RunStatus(run.id, services=services)
    # Then the bar stands at cell 3 of 4 in red, with the state, the failure and the cost
    assert (status.bar.value, status.bar.max, status.bar.bar_style) == (3, 4, "danger")
    assert status.bar.description == "cell 3/4"
    assert (
        "<b>FAILED</b>" in status.state.value and "analysis.ipynb on t3.micro" in status.state.value
    )
    assert "at cell 2: ZeroDivisionError" in status.cost.value
    assert "$0.0002" in status.cost.value  # the 60-second minimum
    # and output lines are shown as text, never as HTML
    assert "&lt;b&gt;1 / 0&lt;/b&gt;" in status.lines.value
    # and it does not keep polling a run that is over
    assert status._thread is None


def test_run_status_of_someone_elses_run_is_not_found(services: UcdhServices) -> None:
    run = make_run(owner="someone-else")
    services.runs.store.put(run)
    with pytest.raises(Exception, match="There is no run"):
        RunStatus(run.id, services=services)


def test_demo_kernels_use_the_demo_servers_runs_bucket_and_run_list(tmp_path: Path) -> None:
    # Given the environment the demo gives its kernels
    environ = {
        ENV_RUNS_BUCKET: RUNS_BUCKET,
        ENV_RUNS_STORE: str(tmp_path / "runs.sqlite"),
    }
    # When a kernel builds its config
    config = kernel_config(environ, read_files=False)
    # Then %ucdh_run stages to the demo's bucket and lists the server's runs
    assert config.runs_bucket == RUNS_BUCKET
    assert config.runs_store_path == str(tmp_path / "runs.sqlite")
    # and the demo server is started with the same settings
    args = argparse.Namespace(
        root="ws", port=1, base_url="", no_browser=True, config="", lab_args=[]
    )
    command = lab_arguments("http://127.0.0.1:1", args, environ[ENV_RUNS_STORE])
    assert f"--UcdhConfig.runs_bucket={RUNS_BUCKET}" in command
    assert f"--UcdhConfig.runs_store_path={environ[ENV_RUNS_STORE]}" in command


def test_load_ext_offers_the_run_magics(loaded_shell: Any) -> None:
    assert loaded_shell.find_line_magic("ucdh_run") is not None
    assert loaded_shell.find_line_magic("ucdh_runs") is not None
