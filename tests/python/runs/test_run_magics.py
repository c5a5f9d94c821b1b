"""The notebook side of runs: ``%ucdh_run``, ``%ucdh_runs`` and the ``RunStatus`` widget,
through the run routes of a Jupyter server on the local AWS (runs execute for real)."""

from __future__ import annotations

import argparse
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.core.error import UsageError

from ucdh_jupyter.demo.cli import RUNS_BUCKET, lab_arguments
from ucdh_jupyter.notebook.run_magics import elapsed, machine_seconds, parse_value
from ucdh_jupyter.notebook.sweep_magics import csv_rows, grid_option
from ucdh_jupyter.runs.model import FailureKind, Progress, Run, RunState, parse_iso
from ucdh_jupyter.runs.sweep import new_child
from ucdh_jupyter.runs.user import server_account
from ucdh_jupyter.services import UcdhServices
from ucdh_jupyter.widgets import RunStatus, Sweep

from ..conftest import NotebookKernel, marked
from ..patience import patient
from .helpers import make_run, outputs_text


@pytest.fixture
def ucdh_config(run_settings: dict[str, Any], request: pytest.FixtureRequest) -> dict[str, Any]:
    """The server's settings: runs on the local AWS, changed by a ``ucdh`` marker."""
    return marked(run_settings, request)


@pytest.fixture
def jp_root_dir(workspace: Path) -> Path:
    """The Jupyter root is the workspace."""
    return workspace


@pytest.fixture
def magics(kernel: NotebookKernel, workspace: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A kernel whose notebook sits in ``study/`` under the Jupyter root; its runs'
    machines are waited for at the end."""
    monkeypatch.chdir(workspace / "study")
    yield kernel
    services: UcdhServices = kernel_services(kernel)
    backend = services.runs._backends.get("ec2")
    local = getattr(backend, "local", None)
    if local is not None:
        for run_id in list(local._machines):
            local.wait(run_id, timeout=patient(60))


def kernel_services(kernel: NotebookKernel) -> UcdhServices:
    """The services of the server the kernel belongs to (to arrange or inspect runs)."""
    from jupyter_server.serverapp import ServerApp

    return ServerApp.instance().web_app.settings["ucdh"]  # type: ignore[no-any-return]


async def test_ucdh_run_wait_follows_the_run_and_brings_the_executed_notebook_back(
    magics: NotebookKernel, workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # When a researcher runs the analysis with two parameters and its data folder, and waits
    await magics.magic(
        "ucdh_run",
        "analysis.ipynb --instance t3.micro -p alpha 21 -p label trial --file data --wait",
    )
    out = capsys.readouterr().out
    # Then the submission, the states as they came and the end are printed
    run_id = re.search(r"Run (\w{26}) submitted", out).group(1)  # type: ignore[union-attr]
    lines = out.splitlines()
    # (the most it can cost, with what it counts: the machine and its 30 GB disk for the
    # max runtime, as the run dialog says it)
    assert lines[0] == (
        f"Run {run_id} submitted: analysis.ipynb on t3.micro (EC2), max 2 h, at most $0.03 "
        "(2 h max runtime × 1 t3.micro at $0.0137/h, disk included)."  # noqa: RUF001
    )
    assert "PROVISIONING" in lines
    assert any(line.startswith("RUNNING cell ") for line in lines)
    assert re.search(r"^SUCCEEDED after \d+ s, cost \$0\.0\d{3}$", out, re.M)
    # and the executed notebook sits next to the original, parameters injected
    shown = re.search(r"^Executed notebook: (study/analysis\.run-[-0-9]+\.ipynb)$", out, re.M)
    assert shown, out
    executed = json.loads((workspace / shown.group(1)).read_text())
    assert executed["metadata"]["ucdh"]["run_id"] == run_id
    assert "alpha is 21 label is trial" in outputs_text(executed)
    assert "FAKE-00001,42" in outputs_text(executed)
    # When the researcher lists runs
    await magics.magic("ucdh_runs")
    table = capsys.readouterr().out.splitlines()
    # Then the run is there with its local submission time, state, type, machine time
    # and final cost
    assert table[0].split() == [
        "run",
        "notebook",
        "submitted",
        "state",
        "type",
        "elapsed",
        "cost",
        "note",
    ]
    row = re.split(r"\s{2,}", table[2])
    assert row[0:2] == [run_id, "analysis.ipynb"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", row[2])
    assert row[3:5] == ["SUCCEEDED", "t3.micro"]
    assert re.fullmatch(r"\d+ s", row[5]) and row[6].startswith("$0.0")


@pytest.fixture
def pacific_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The kernel's local time zone is US Pacific (8 h behind UTC in December)."""
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def finished_run(created: str, started: str, ended: str, recorded: str) -> Run:
    """A run of the server's account that succeeded: submitted at ``created``, its
    machine up at ``started``, done at ``ended``, and the server noting the end at
    ``recorded``."""
    run = make_run(owner=server_account(), rate_usd_per_hour=0.0104, now=parse_iso(created))
    run.started_at = started
    for state in (RunState.SUBMITTED, RunState.PROVISIONING, RunState.RUNNING):
        run.move_to(state, now=parse_iso(created))
    run.ended_at = ended
    run.move_to(RunState.SUCCEEDED, now=parse_iso(recorded))
    return run


async def test_ucdh_runs_shows_machine_time_and_local_submission_time_as_the_cards_do(
    magics: NotebookKernel, capsys: pytest.CaptureFixture[str], pacific_time: None
) -> None:
    # Given a run submitted at 23:30 UTC whose machine came up 40 s later, ran 2 min 05 s,
    # and whose end the server noted an hour late (it was restarted meanwhile)
    run = finished_run(
        created="2026-12-04T23:30:00Z",
        started="2026-12-04T23:30:40Z",
        ended="2026-12-04T23:32:45Z",
        recorded="2026-12-05T00:32:45Z",
    )
    # and one whose machine was never launched
    never = make_run(owner=server_account(), now=parse_iso("2026-12-04T23:40:00Z"))
    never.move_to(RunState.SUBMITTED, now=parse_iso("2026-12-04T23:40:00Z"))
    never.move_to(RunState.FAILED, now=parse_iso("2026-12-04T23:40:09Z"), message="No capacity.")
    store = kernel_services(magics).runs.store
    store.put(run)
    store.put(never)
    # When the researcher lists runs
    await magics.magic("ucdh_runs")
    rows = {
        line.split()[0]: re.split(r"\s{2,}", line) for line in capsys.readouterr().out.splitlines()
    }
    # Then the elapsed time is the machine's, start to end (what the cost counts and the
    # Runs section's card shows), not since submission nor until the server noticed
    assert rows[run.id][2:6] == ["2026-12-04 15:30", "SUCCEEDED", "t3.micro", "2 min 05 s"]
    # and a run whose machine never started has no machine time
    assert rows[never.id][2:7] == ["2026-12-04 15:40", "FAILED", "t3.micro", "-", "unknown"]
    # and the RunStatus widget says the same
    status = await magics.call(RunStatus, run.id)
    assert status.state.value.endswith("&middot; 2 min 05 s")


async def test_an_unchanged_run_list_is_a_bodiless_304_and_a_run_from_a_cell_changes_it(
    magics: NotebookKernel, jp_fetch: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the Runs section's last look at the list (what it polls while visible)
    first = await jp_fetch("ucdh-jupyter", "runs")
    etag = first.headers["Etag"]
    # When it looks again and nothing changed, the answer is a 304 without a body
    again = await jp_fetch(
        "ucdh-jupyter", "runs", headers={"If-None-Match": etag}, raise_error=False
    )
    assert (again.code, again.body) == (304, b"")
    # When a run is started from a cell
    await magics.magic("ucdh_run", "analysis.ipynb --instance t3.micro")
    run_id = re.search(r"Run (\w{26}) submitted", capsys.readouterr().out).group(1)  # type: ignore[union-attr]
    # Then the next look brings the list with the run
    after = await jp_fetch(
        "ucdh-jupyter", "runs", headers={"If-None-Match": etag}, raise_error=False
    )
    assert after.code == 200
    assert [item["id"] for item in json.loads(after.body)["runs"]] == [run_id]


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
async def test_ucdh_run_bad_input_is_a_usage_error_and_launches_nothing(
    magics: NotebookKernel, get_json: Any, line: str, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        await magics.magic("ucdh_run", line)
    status, listed = await get_json("runs")
    assert (status, listed["runs"]) == (200, [])


async def test_run_magics_take_a_trailing_comment_and_keep_a_quoted_hash(
    magics: NotebookKernel, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a README-style line: a quoted value holding '#', then a comment
    line = 'analysis.ipynb --instance t3.micro -p label "trial #2" --max-hours 100  # 2 h max'
    # When it is run, the server's own check answers (the comment is no argument)
    with pytest.raises(UsageError, match="at most 24 hours"):
        await magics.magic("ucdh_run", line)
    await magics.magic("ucdh_runs", "--limit 5   # newest first")
    assert "No runs yet." in capsys.readouterr().out


async def test_ucdh_runs_without_runs_says_how_to_start_one(
    magics: NotebookKernel, capsys: pytest.CaptureFixture[str]
) -> None:
    await magics.magic("ucdh_runs")
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


async def test_run_status_widget_shows_state_progress_cost_and_the_failure(
    magics: NotebookKernel,
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
    kernel_services(magics).runs.store.put(run)
    # When the widget shows it
    status = await magics.call(RunStatus, run.id)
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


async def test_run_status_of_someone_elses_run_is_not_found(magics: NotebookKernel) -> None:
    run = make_run(owner="someone-else")
    kernel_services(magics).runs.store.put(run)
    with pytest.raises(UsageError, match="There is no run"):
        await magics.call(RunStatus, run.id)


def test_the_demo_gives_its_settings_to_the_server_only() -> None:
    # Given the demo's JupyterLab command line
    args = argparse.Namespace(
        root="ws", port=1, base_url="", no_browser=True, config="", lab_args=[]
    )
    command = lab_arguments("http://127.0.0.1:1", args, "/tmp/runs.sqlite")
    # Then the runs bucket and run list are the server's settings (its kernels call it)
    assert f"--UcdhConfig.runs_bucket={RUNS_BUCKET}" in command
    assert "--UcdhConfig.runs_store_path=/tmp/runs.sqlite" in command


async def test_load_ext_offers_the_run_magics(magics: NotebookKernel) -> None:
    await magics.load()
    for name in ("ucdh_run", "ucdh_runs", "ucdh_sweep", "ucdh_notify", "ucdh_schedule"):
        assert magics.shell.find_line_magic(name) is not None, name


@pytest.mark.ucdh(runs_sweep_max_size=4)
@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("analysis.ipynb --instance t3.micro", "--grid NAME=V1,V2 .* or --rows FILE.csv"),
        ("analysis.ipynb --instance t3.micro --grid alpha", "write NAME=VALUE,VALUE"),
        ("analysis.ipynb --instance t3.micro --rows missing.csv", "--rows missing.csv"),
        # The server's own limit, in its words.
        (
            "analysis.ipynb --instance t3.micro --grid alpha=1,2,3 --grid label=a,b",
            "This sweep has 6 parameter sets; at most 4 are allowed here",
        ),
        ("analysis.ipynb --instance t3.micro --grid alpha=1,2 --parallel 0", "parallelism"),
    ],
)
async def test_ucdh_sweep_bad_input_is_a_usage_error_and_launches_nothing(
    magics: NotebookKernel, get_json: Any, line: str, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        await magics.magic("ucdh_sweep", line)
    status, listed = await get_json("runs")
    assert (status, listed["runs"]) == (200, [])


def test_a_sweeps_grid_and_csv_rows_become_its_parameter_sets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert grid_option("rows=10, 100,1000") == ("rows", [10, 100, 1000])
    assert grid_option("site=north,'south'") == ("site", ["north", "'south'"])
    (tmp_path / "cohorts.csv").write_text("site,threshold\nnorth,0.5\nsouth,1\n")
    monkeypatch.chdir(tmp_path)
    assert csv_rows(Path("cohorts.csv")) == [
        {"site": "north", "threshold": 0.5},
        {"site": "south", "threshold": 1},
    ]


async def test_run_status_widget_of_a_sweep_shows_its_children_and_their_glued_values(
    magics: NotebookKernel,
) -> None:
    # Given a sweep of three that ended: one child glued auc, one failed, one never ran
    sweep = make_run(
        owner=server_account(),
        kind="sweep",
        sweep_rows=[{"alpha": 1}, {"alpha": 2}, {"alpha": 3}],
        rate_usd_per_hour=0.0104,
    )
    sweep.started_at = sweep.created_at
    for state in (RunState.SUBMITTED, RunState.PROVISIONING, RunState.RUNNING):
        sweep.move_to(state)
    sweep.children = [
        {**new_child(0), "state": "SUCCEEDED", "scraps": {"auc": 0.91}},
        {**new_child(1), "state": "FAILED"},
        {**new_child(2), "state": "CANCELLED"},
    ]
    sweep.child_counts = {"pending": 0, "running": 0, "succeeded": 1, "failed": 1, "cancelled": 1}
    sweep.progress = Progress(cell=3, cells=3)
    sweep.move_to(RunState.FAILED, message="2 of 3 children did not succeed.")
    kernel_services(magics).runs.store.put(sweep)
    # When the widget shows it
    status = await magics.call(RunStatus, sweep.id)
    # Then the bar counts runs, the state line the children per state, and the table
    # has a line per child with its parameters and glued values
    assert (status.bar.value, status.bar.max, status.bar.description) == (3, 3, "runs 3/3")
    assert "1 succeeded \u00b7 1 failed \u00b7 1 cancelled" in status.state.value
    assert "2 of 3 children did not succeed" in status.cost.value
    lines = status.lines.value.splitlines()
    assert re.search(r"child\s+state\s+alpha\s+auc", lines[0])
    assert re.search(r"0\s+SUCCEEDED\s+1\s+0.91", status.lines.value)
    assert re.search(r"2\s+CANCELLED\s+3", status.lines.value)


def test_a_live_run_counts_machine_time_to_its_last_heartbeat_as_the_cards_do() -> None:
    # Given a run whose machine started at 11:00:00 and whose runner last reported at
    # 11:01:30, looked at 35 s later
    run = make_run(now=parse_iso("2026-07-20T10:59:00Z"))
    run.started_at = "2026-07-20T11:00:00Z"
    run.move_to(RunState.SUBMITTED)
    run.progress = Progress(cell=1, cells=3, heartbeat_at="2026-07-20T11:01:30Z")
    now = parse_iso("2026-07-20T11:02:05Z")
    # Then it has run 90 s as far as anyone knows (the runner may have ended since: a
    # figure counting to now would run past its end and go back when the end is seen)
    assert machine_seconds(run, now) == 90
    # and before its first report it counts to now, and before its machine, not at all
    run.progress = Progress()
    assert machine_seconds(run, now) == 125
    run.started_at = None
    assert (machine_seconds(run, now), elapsed(run, now)) == (None, "")


async def test_run_status_widget_of_a_run_whose_machine_has_not_started_ends_with_no_dangling_dot(
    magics: NotebookKernel,
) -> None:
    # Given a run that was submitted but whose machine has not started yet
    run = make_run(owner=server_account(), rate_usd_per_hour=0.0104)
    run.move_to(RunState.SUBMITTED)
    kernel_services(magics).runs.store.put(run)
    # When the widget shows it
    status = await magics.call(RunStatus, run.id)
    # Then its line names the state and the machine, with no empty elapsed part after them
    # (the widget refreshes the run first: with no machine behind it, it may be over by then)
    assert status.state.value.endswith(" &middot; analysis.ipynb on t3.micro")
    assert "&middot;  " not in status.state.value and "</b> &middot; " in status.state.value


async def test_ucdh_schedule_makes_lists_pauses_and_deletes_a_recurring_run_from_a_cell(
    magics: NotebookKernel, capsys: pytest.CaptureFixture[str], get_json: Any
) -> None:
    # Given a notebook, scheduled from a cell every day at 02:30 Berlin time
    line = "analysis.ipynb --instance t3.micro --repeat daily --at 02:30 --tz Europe/Berlin"
    await magics.magic("ucdh_schedule", line + " -p alpha 3  # nightly")
    said = capsys.readouterr().out
    found = re.search(r"Schedule (\w{26}): Every day at 02:30 \(Europe/Berlin\); next run ", said)
    assert found, said
    schedule_id = found.group(1)
    # Then the server has it, with the parameter, as the Schedules list shows it
    status, listed = await get_json("schedules")
    assert status == 200
    (item,) = listed["schedules"]
    assert item["id"] == schedule_id and item["parameters"] == {"alpha": 3}
    await magics.magic("ucdh_schedules")
    assert re.search(
        rf"{schedule_id}\s+analysis.ipynb\s+Every day at 02:30", capsys.readouterr().out
    )
    # And it pauses (no next run shown) and is deleted, its past runs untouched
    await magics.magic("ucdh_schedule", f"--pause {schedule_id}")
    assert "(paused): Every day at 02:30" in capsys.readouterr().out
    await magics.magic("ucdh_schedule", f"--delete {schedule_id}")
    assert "deleted" in capsys.readouterr().out
    status, listed = await get_json("schedules")
    assert listed["schedules"] == []
    # A schedule more often than the administrator allows is refused in the server's words
    with pytest.raises(UsageError, match="at most every 60 minutes"):
        await magics.magic(
            "ucdh_schedule", "analysis.ipynb --instance t3.micro --repeat minutes --every 15"
        )
    with pytest.raises(UsageError, match="Say when"):
        await magics.magic("ucdh_schedule", "analysis.ipynb --instance t3.micro")


@pytest.mark.ucdh(runs_sweep_max_size=3)
async def test_the_sweep_widget_counts_and_prices_the_combinations_then_starts_and_follows_them(
    magics: NotebookKernel, get_json: Any
) -> None:
    # Given the Sweep widget on the analysis notebook, alpha's values in its box, and a
    # max runtime (below the server's default expected runtime) but no expected one
    sweep = await magics.call(
        Sweep,
        "analysis.ipynb",
        "t3.micro",
        grid={"alpha": [1, 2]},
        max_hours=0.25,
        files=["data"],
    )
    # Then it has a box per parameter, counts two runs and prices them as the dialog
    # does, expecting each to end before its max runtime
    assert list(sweep.boxes) == ["alpha", "label"]
    assert (sweep.boxes["alpha"].value, sweep.count.value) == ("1, 2", "2 runs")
    assert sweep.cost.value.startswith("2 runs \u00d7 $")
    assert not sweep.start_button.disabled
    # When the researcher types two labels: four combinations, over this server's limit
    await magics.call(setattr, sweep.boxes["label"], "value", "north, south")
    assert sweep.count.value == "4 runs"
    assert "At most 3 runs are allowed here" in sweep.cost.value
    assert sweep.start_button.disabled
    # And one label: two again, and Start
    await magics.call(setattr, sweep.boxes["label"], "value", "north")
    assert sweep.count.value == "2 runs" and not sweep.start_button.disabled
    run_id = await magics.call(sweep.start)
    # Then one sweep of two children ran, each with its combination, and the widget
    # followed it to its end
    assert sweep.status is not None
    await magics.call(sweep.status.wait, patient(180))
    assert "SUCCEEDED" in sweep.status.state.value, sweep.status.state.value
    assert sweep.status.bar.description == "runs 2/2"
    assert re.search(r"0\s+SUCCEEDED\s+1\s+north", sweep.status.lines.value)
    assert re.search(r"1\s+SUCCEEDED\s+2\s+north", sweep.status.lines.value)
    assert sweep.boxes["label"].disabled
    # And a second Start launches nothing more
    assert await magics.call(sweep.start) == run_id
    _, listed = await get_json("runs")
    assert [run["id"] for run in listed["runs"]] == [run_id]


async def test_the_sweep_widget_refuses_a_name_the_notebook_does_not_have(
    magics: NotebookKernel,
) -> None:
    with pytest.raises(UsageError, match=r"beta: not in the parameters cell .* alpha, label"):
        await magics.call(Sweep, "analysis.ipynb", "t3.micro", grid={"beta": [1, 2]})
