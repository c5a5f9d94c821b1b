"""Open result: where a run's results land next to the notebook, and what a run with
none says. Runs are recorded in the local S3 (no machine is started)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from ucdh_jupyter.errors import UcdhError
from ucdh_jupyter.runs import runner as protocol
from ucdh_jupyter.runs.model import Run, RunState
from ucdh_jupyter.runs.records import RUN_HTML_KEY
from ucdh_jupyter.runs.service import RunService

from .helpers import make_run

HTML_VIEW = b"<!DOCTYPE html><html><body><h1>cohort</h1></body></html>"


def _executed(text: str) -> bytes:
    notebook = {
        "cells": [{"cell_type": "markdown", "metadata": {}, "source": text}],
        "metadata": {"kernelspec": {"name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(notebook).encode()


def _recorded(
    service: RunService,
    at: datetime,
    *,
    notebook: bytes | None = None,
    html: bytes | None = None,
    state: RunState = RunState.SUCCEEDED,
    backend: str = "ec2",
) -> Run:
    """A run of study/analysis.ipynb submitted at ``at``, with the results given."""
    run = make_run(now=at, backend=backend)
    steps = [RunState.SUBMITTED, RunState.PROVISIONING, RunState.RUNNING]
    if state is RunState.CANCELLED:
        steps.append(RunState.CANCELLING)
    if state is not RunState.RUNNING:
        steps.append(state)
    for step in steps:
        run.move_to(step, now=at)
    service.records.write(run)
    service.store.put(run)
    if notebook is not None:
        service.records.put(run.id, protocol.OUTPUT_KEY, notebook, "application/json")
    if html is not None:
        service.records.put(run.id, RUN_HTML_KEY, html, "text/html")
    return run


def _utc(hour: int, minute: int, second: int) -> datetime:
    return datetime(2026, 12, 4, hour, minute, second, tzinfo=timezone.utc)


def test_open_result_names_the_copy_by_its_submission_time_with_the_run_id_inside(
    run_service: RunService, workspace: Path
) -> None:
    # Given a run of study/analysis.ipynb submitted at 15:30:42 UTC that succeeded
    run = _recorded(run_service, _utc(15, 30, 42), notebook=_executed("first"))
    # When its result is opened
    copied = run_service.copy_output(run.id, workspace)
    # Then the copy sits next to the notebook, named by the minute it was submitted
    assert copied == {"path": "study/analysis.run-2026-12-04-1530.ipynb", "html_path": None}
    executed = json.loads((workspace / copied["path"]).read_text())
    # and it carries the run id (and keeps the rest of the notebook's metadata)
    assert executed["metadata"]["ucdh"] == {"run_id": run.id}
    assert executed["metadata"]["kernelspec"] == {"name": "python3"}
    assert executed["cells"][0]["source"] == "first"


def test_opening_a_result_again_replaces_its_own_copy_only(
    run_service: RunService, workspace: Path
) -> None:
    # Given a run whose result was opened once
    run = _recorded(run_service, _utc(9, 5, 1), notebook=_executed("once"))
    first = run_service.copy_output(run.id, workspace)
    # When it is opened again
    again = run_service.copy_output(run.id, workspace)
    # Then the same file is written, and no second copy appears
    assert again == first
    copies = sorted(p.name for p in (workspace / "study").glob("analysis.run-*"))
    assert copies == ["analysis.run-2026-12-04-0905.ipynb"]


def test_runs_submitted_in_the_same_minute_or_second_keep_apart_and_sort(
    run_service: RunService, workspace: Path
) -> None:
    # Given three runs of one notebook: two in the same minute, two in the same second
    early = _recorded(run_service, _utc(15, 30, 5), notebook=_executed("early"))
    late = _recorded(run_service, _utc(15, 30, 59), notebook=_executed("late"))
    twin = _recorded(run_service, _utc(15, 30, 59), notebook=_executed("twin"))
    # When each result is opened, one after the other
    paths = [run_service.copy_output(r.id, workspace)["path"] for r in (early, late, twin)]
    # Then each has its own file: the minute, then the second, then a counter
    assert paths == [
        "study/analysis.run-2026-12-04-1530.ipynb",
        "study/analysis.run-2026-12-04-153059.ipynb",
        "study/analysis.run-2026-12-04-153059-2.ipynb",
    ]
    # and none overwrote another run's result
    for path, text in zip(paths, ("early", "late", "twin"), strict=True):
        executed = json.loads((workspace / str(path)).read_text())
        assert executed["cells"][0]["source"] == text
    # and opening the first again still finds its own copy
    assert run_service.copy_output(early.id, workspace)["path"] == paths[0]


def test_a_file_of_that_name_not_from_a_run_is_never_overwritten(
    run_service: RunService, workspace: Path
) -> None:
    # Given the researcher saved a notebook under the name a result would take
    mine = workspace / "study" / "analysis.run-2026-12-04-1530.ipynb"
    mine.write_text(json.dumps({"cells": [], "metadata": {}}))
    run = _recorded(run_service, _utc(15, 30, 42), notebook=_executed("result"))
    # When the run's result is opened
    copied = run_service.copy_output(run.id, workspace)
    # Then it goes next to it, and the researcher's file is untouched
    assert copied["path"] == "study/analysis.run-2026-12-04-153042.ipynb"
    assert json.loads(mine.read_text()) == {"cells": [], "metadata": {}}


def test_a_cancelled_databricks_run_with_only_its_html_view_offers_that(
    run_service: RunService, workspace: Path
) -> None:
    # Given a Databricks run cancelled before it saved a notebook, with its HTML view
    run = _recorded(
        run_service,
        _utc(15, 30, 42),
        html=HTML_VIEW,
        state=RunState.CANCELLED,
        backend="databricks",
    )
    # When its result is opened (twice)
    copied = run_service.copy_output(run.id, workspace)
    again = run_service.copy_output(run.id, workspace)
    # Then there is no notebook, and the HTML view is copied under the same naming
    assert copied == again == {"path": None, "html_path": "study/analysis.run-2026-12-04-1530.html"}
    text = (workspace / str(copied["html_path"])).read_text()
    # and it is the page Databricks exported, the run id in a comment after its end
    assert text.startswith(HTML_VIEW.decode())
    assert text.rstrip().endswith(f"<!-- ucdh run_id: {run.id} -->")
    assert len(list((workspace / "study").glob("analysis.run-*"))) == 1


@pytest.mark.parametrize(
    ("state", "message"),
    [
        (RunState.CANCELLED, "This run was cancelled before it saved any output."),
        (RunState.EXPIRED, "This run reached its max runtime before it saved any output."),
        (RunState.FAILED, "This run ended before it saved any output."),
    ],
)
def test_a_finished_run_without_output_says_so_and_points_to_its_log(
    run_service: RunService, workspace: Path, state: RunState, message: str
) -> None:
    # Given a run that ended before its first cell was saved
    run = _recorded(run_service, _utc(15, 30, 42), state=state)
    # When its result is asked for
    with pytest.raises(UcdhError) as raised:
        run_service.copy_output(run.id, workspace)
    # Then the answer says what happened and what to do, never "wait"
    assert (raised.value.status, raised.value.code) == (404, "no_output")
    assert raised.value.message == message
    assert "Log" in raised.value.hint and "wait" not in raised.value.hint.lower()
    assert not list((workspace / "study").glob("analysis.run-*"))


def test_a_run_still_going_without_output_says_it_will_come(
    run_service: RunService, workspace: Path
) -> None:
    # Given a running run that has not saved its notebook yet
    run = _recorded(run_service, _utc(15, 30, 42), state=RunState.RUNNING)
    # When its partial result is asked for
    with pytest.raises(UcdhError) as raised:
        run_service.copy_output(run.id, workspace)
    # Then it says the notebook is saved after each cell
    assert raised.value.status == 404
    assert "after each cell" in raised.value.message
