"""A sweep as one run: its rows, its limits, its state from its children, its table.

The engines (AWS Batch, Databricks for-each) have their own end-to-end tests; these
hold what every sweep obeys whichever engine runs it.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from ucdh_jupyter.config import UcdhConfig
from ucdh_jupyter.errors import UcdhError
from ucdh_jupyter.runs.backend import MACHINE_GONE, MACHINE_RUNNING, Observation
from ucdh_jupyter.runs.model import RunState, iso, parse_iso
from ucdh_jupyter.runs.policy import CostPolicy, committed_cost
from ucdh_jupyter.runs.runner import scraps_of
from ucdh_jupyter.runs.service import RunRequest, RunService
from ucdh_jupyter.runs.sweep import children_csv, expand_grid
from ucdh_jupyter.runs.tracking import apply_observation

from .helpers import FlatRate, make_run


def test_a_three_by_two_grid_is_six_children_first_parameter_slowest() -> None:
    rows = expand_grid({"rows": [10, 100, 1000], "seed": [1, 2]})
    assert rows == [
        {"rows": 10, "seed": 1},
        {"rows": 10, "seed": 2},
        {"rows": 100, "seed": 1},
        {"rows": 100, "seed": 2},
        {"rows": 1000, "seed": 1},
        {"rows": 1000, "seed": 2},
    ]


def _sweep_request(**sweep: Any) -> RunRequest:
    return RunRequest(
        notebook_path="study/analysis.ipynb", instance_type="t3.micro", max_hours=2, **sweep
    )


@pytest.mark.parametrize(
    ("sweep", "words"),
    [
        ({"sweep_grid": {"alpha": [1, 2, 3], "label": ["a", "b"]}}, "at most 4 are allowed"),
        ({"sweep_rows": [{"alpha": 1}], "sweep_grid": {"alpha": [2]}}, "not both"),
        ({"sweep_rows": [{"alpha": 1}]}, "at least 2 parameter sets"),
        ({"sweep_grid": {"alpha": []}}, "no values for 'alpha'"),
        ({"sweep_rows": [{"alpha": 1}, {"alpha": 2}], "parallelism": 9}, "at most 5 children"),
    ],
)
def test_a_sweep_outside_the_admins_limits_is_refused_before_anything_is_created(
    run_settings: dict[str, Any],
    aws_env: dict[str, str],
    workspace: Path,
    sweep: dict[str, Any],
    words: str,
) -> None:
    config = UcdhConfig(**run_settings, runs_sweep_max_size=4, runs_sweep_max_parallel=5)
    from ucdh_jupyter.aws import AwsClients

    service = RunService.from_config(config, AwsClients(config))
    try:
        with pytest.raises(UcdhError) as refused:
            service.submit(_sweep_request(**sweep), owner="researcher", root_dir=workspace)
        assert refused.value.status == 400
        assert words in refused.value.message
        assert refused.value.hint
        assert service.list_runs() == []
    finally:
        service.close()


def test_a_sweep_is_held_to_the_budget_once_per_child_and_to_the_monthly_cap_whole() -> None:
    config = UcdhConfig(runs_budget_per_run_usd=1.0, runs_monthly_budget_per_user_usd=3.0)
    policy = CostPolicy(config, FlatRate(0.3))
    check = dict(backend="ec2", instance_type="t3.micro", rate=0.3, count=1, owner_runs=[])
    # Each child at most $0.60, under the $1 budget per run; six of them $3.60, over $3.
    with pytest.raises(UcdhError) as capped:
        policy.check(**check, requested_hours=2, size=6)
    assert capped.value.code == "user_cap"
    assert "$3.60" in capped.value.message
    assert policy.check(**check, requested_hours=2, size=5) == 2
    # Four hours: each child could cost $1.20, over the budget per run.
    with pytest.raises(UcdhError) as over:
        policy.check(**check, requested_hours=4, size=2)
    assert "sweep of 2 runs could cost up to $2.40" in over.value.message
    assert "each run could cost $1.20" in over.value.message
    # A live sweep counts for all its children at their maximum in the month.
    sweep = make_run(kind="sweep", sweep_rows=[{"alpha": i} for i in range(5)])
    sweep.rate_usd_per_hour = 0.3
    assert committed_cost(sweep) == pytest.approx(0.3 * 2 * 5)


def _child(index: int, state: str, started: str, ended: str | None = None, **more: Any) -> dict:
    return {"index": index, "state": state, "started_at": started, "ended_at": ended, **more}


def test_a_sweeps_state_cost_and_progress_follow_its_children() -> None:
    sweep = make_run(kind="sweep", sweep_rows=[{"alpha": 1}, {"alpha": 2}, {"alpha": 3}])
    sweep.rate_usd_per_hour = 36.0  # a cent a second
    start = parse_iso(sweep.created_at)
    assert start is not None

    def at(seconds: int) -> str:
        return str(iso(start + timedelta(seconds=seconds)))

    now = start + timedelta(seconds=200)
    seen = [_child(0, "SUCCEEDED", at(0), at(120)), _child(1, "RUNNING", at(10))]
    release = apply_observation(
        sweep, Observation(MACHINE_RUNNING, children=seen), now=now, heartbeat_seconds=5
    )
    assert not release
    assert sweep.state is RunState.RUNNING
    assert (sweep.progress.cell, sweep.progress.cells) == (1, 3)
    assert sweep.child_counts == {
        "pending": 1,
        "running": 1,
        "succeeded": 1,
        "failed": 0,
        "cancelled": 0,
    }
    # A late look that still says "running" for a child that ended changes nothing.
    late = [_child(0, "RUNNING", at(0))]
    apply_observation(
        sweep, Observation(MACHINE_RUNNING, children=late), now=now, heartbeat_seconds=5
    )
    assert sweep.children[0]["state"] == "SUCCEEDED"

    end = start + timedelta(seconds=300)
    seen = [
        _child(1, "SUCCEEDED", at(10), at(40)),  # 30 s, billed as 60 s
        _child(2, "FAILED", at(100), at(300), failure_kind="notebook_error"),
    ]
    assert apply_observation(
        sweep, Observation(MACHINE_GONE, children=seen), now=end, heartbeat_seconds=5
    )
    assert sweep.state is RunState.FAILED
    assert sweep.failure_message == "1 of 3 children did not succeed."
    assert sweep.failure_kind is not None and sweep.failure_kind.value == "notebook_error"
    # 120 s + 60 s (minimum) + 200 s at a cent a second.
    assert sweep.cost_final_usd == pytest.approx(3.80)


def test_the_children_table_has_parameters_duration_cost_and_glued_values_as_columns() -> None:
    sweep = make_run(kind="sweep", sweep_rows=[{"rows": 10, "seed": 1}, {"rows": 10, "seed": 2}])
    sweep.rate_usd_per_hour = 36.0
    start = parse_iso(sweep.created_at)
    assert start is not None
    ended = str(iso(start + timedelta(seconds=90)))
    sweep.children = [
        _child(0, "SUCCEEDED", sweep.created_at, ended, scraps={"auc": 0.91, "note": "ok"}),
        _child(1, "FAILED", sweep.created_at, ended, scraps={"auc": 0.5}, exit_value="early"),
    ]
    table = list(csv.reader(io.StringIO(children_csv(sweep, start))))
    assert table[0] == [
        "child", "state", "rows", "seed", "duration_s", "cost_usd", "exit_value", "auc", "note"
    ]  # fmt: skip
    assert table[1] == ["0", "SUCCEEDED", "10", "1", "90", "0.9000", "", "0.91", "ok"]
    assert table[2] == ["1", "FAILED", "10", "2", "90", "0.9000", "early", "0.5", ""]


def test_values_glued_with_scrapbook_are_read_back_by_name() -> None:
    """The output scrapbook's ``glue`` writes (scrapbook.api._prepare_ipy_data_format)."""
    import scrapbook.api

    data, metadata = scrapbook.api._prepare_ipy_data_format(
        "auc", {"name": "auc", "data": 0.91, "encoder": "json", "version": 1}, "json"
    )
    frame, _ = scrapbook.api._prepare_ipy_data_format(
        "table", {"name": "table", "data": "…", "encoder": "pandas", "version": 1}, "pandas"
    )
    notebook = {
        "cells": [
            {"cell_type": "code", "outputs": [{"output_type": "display_data", "data": data}]},
            {"cell_type": "code", "outputs": [{"output_type": "display_data", "data": frame}]},
            {"cell_type": "markdown", "source": "no outputs"},
        ]
    }
    assert metadata["scrapbook"]["name"] == "auc"
    assert scraps_of(notebook) == {"auc": 0.91, "table": "<pandas>"}
