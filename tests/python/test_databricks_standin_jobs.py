"""The local Databricks stand-in keeps jobs and runs them as Databricks does: a for-each
task's iterations (each its own task run, at most ``concurrency`` at once, on one job
cluster), run-now with an idempotency token, and Quartz schedules fired by its clock."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import InvalidParameterValue, ResourceDoesNotExist
from databricks.sdk.service.jobs import (
    CronSchedule,
    ForEachTask,
    JobCluster,
    JobEmailNotifications,
    JobSettings,
    NotebookTask,
    PauseStatus,
    Run,
    RunLifeCycleState,
    RunResultState,
    RunTask,
    RunType,
    Task,
    TriggerType,
)

from ucdh_jupyter.demo.databricks import LocalDatabricks

from .patience import patient
from .test_databricks_standin import CLUSTER, exported, finished, printed, upload

EXIT_WITH_INPUT = (
    "import os\nrow = os.environ['DATABRICKS_WIDGET_ROW']\n"
    "name = dbutils.widgets.get('name')",  # the cluster's dbutils, as in Python notebooks
    ("databricks-exit", "print(f'{name}|{row}')"),
)
ROWS = [{"alpha": 0.1, "name": "a"}, {"alpha": 0.2, "name": "b"}, {"alpha": 0.3, "name": "c"}]


@pytest.fixture(scope="module")
def standin() -> Iterator[LocalDatabricks]:
    with pytest.MonkeyPatch.context() as patch:
        for name in [n for n in os.environ if n.startswith("DATABRICKS_")]:
            patch.delenv(name)
        with LocalDatabricks(pending_seconds=0.2) as local:
            yield local


@pytest.fixture(scope="module")
def w(standin: LocalDatabricks) -> WorkspaceClient:
    return WorkspaceClient(host=standin.host, token=standin.token)


@pytest.fixture(scope="module")
def home(w: WorkspaceClient) -> str:
    return f"/Users/{w.current_user.me().user_name}/jobs"


BY_ROW_AND_NAME = {"row": "{{input}}", "name": "{{input.name}}"}


def sweep_job(
    w: WorkspaceClient,
    path: str,
    rows: list[Any],
    concurrency: int,
    parameters: dict[str, str] | None = None,
) -> int:
    """A job whose one task runs ``path`` for each row on one shared job cluster."""
    child = Task(
        task_key="child",
        job_cluster_key="shared",
        notebook_task=NotebookTask(
            notebook_path=path, base_parameters=parameters or BY_ROW_AND_NAME
        ),
    )
    created = w.jobs.create(
        name="ucdh-sweep-test",
        job_clusters=[JobCluster(job_cluster_key="shared", new_cluster=CLUSTER)],
        tasks=[
            Task(
                task_key="sweep",
                for_each_task=ForEachTask(
                    inputs=json.dumps(rows), task=child, concurrency=concurrency
                ),
            )
        ],
    )
    assert created.job_id
    return created.job_id


def iterations(w: WorkspaceClient, job_run: Run) -> tuple[RunTask, list[RunTask]]:
    """The for-each task of a job run and its iterations (with their parameters)."""
    assert job_run.tasks
    task = job_run.tasks[0]
    assert task.run_id
    return task, w.jobs.get_run(task.run_id, include_resolved_values=True).iterations or []


def parameter(iteration: RunTask, name: str) -> str:
    assert iteration.resolved_values and iteration.resolved_values.notebook_task
    return str((iteration.resolved_values.notebook_task.base_parameters or {})[name])


def outcomes(w: WorkspaceClient, runs: list[RunTask]) -> list[tuple[str, str, str]]:
    """Each iteration's row, state and error: what an assertion shows when one failed."""
    shown = []
    for run in runs:
        state = run.state.result_state or run.state.life_cycle_state if run.state else None
        error = w.jobs.get_run_output(run.run_id).error if run.run_id and run.end_time else ""
        shown.append((parameter(run, "row"), str(state), str(error or "")))
    return shown


def most_at_once(runs: list[RunTask]) -> int:
    """The most runs whose [start, end) spans overlap at one instant."""
    edges = sorted([(r.start_time or 0, 1) for r in runs] + [(r.end_time or 0, -1) for r in runs])
    live = most = 0
    for _, step in edges:
        live += step
        most = max(most, live)
    return most


@pytest.fixture(scope="module")
def sweeps(w: WorkspaceClient, home: str) -> dict[str, int]:
    """The for-each job runs the tests share, started together so their kernels overlap."""
    echo = upload(w, f"{home}/echo", *EXIT_WITH_INPUT)
    divide = upload(
        w,
        f"{home}/divide",
        "import os\nrow = os.environ['DATABRICKS_WIDGET_ROW']",
        ("databricks-exit", "print(1 / int(row))"),
    )
    sleepy = upload(w, f"{home}/sleepy", "print('started')", "import time\ntime.sleep(60)")
    return {
        "echo": w.jobs.run_now(sweep_job(w, echo, ROWS, 2)).run_id,
        "divide": w.jobs.run_now(
            sweep_job(w, divide, ["1", "0", "2"], 3, {"row": "{{input}}"})
        ).run_id,
        "sleepy": w.jobs.run_now(sweep_job(w, sleepy, ROWS, 2)).run_id,
    }


def test_for_each_runs_every_input_at_most_concurrency_at_once_on_one_cluster(
    w: WorkspaceClient, sweeps: dict[str, int]
) -> None:
    # Given a for-each over 3 rows with concurrency 2, when the job run ends
    job_run = finished(w, sweeps["echo"], timeout=90)
    # Then it succeeded, as did each of its 3 iterations
    assert job_run.state and job_run.state.result_state is RunResultState.SUCCESS
    assert job_run.run_type is RunType.JOB_RUN and job_run.trigger is TriggerType.ONE_TIME
    task, runs = iterations(w, job_run)
    assert task.for_each_task and task.for_each_task.stats
    stats = task.for_each_task.stats.task_run_stats
    assert stats and (stats.total_iterations, stats.succeeded_iterations) == (3, 3), outcomes(
        w, runs
    )
    assert (stats.failed_iterations, stats.active_iterations) == (0, 0)
    assert len({run.run_id for run in runs}) == 3
    # never more than 2 at once (and 2 did run together)
    assert most_at_once(runs) == 2
    # all on the one job cluster
    clusters = {run.cluster_instance.cluster_id for run in runs if run.cluster_instance}
    assert len(clusters) == 1 and all(run.job_cluster_key == "shared" for run in runs)
    # and each iteration got its own row, whole and by key, and exited with it
    by_row = {parameter(run, "row"): run for run in runs}
    assert set(by_row) == {json.dumps(row) for row in ROWS}
    for row in ROWS:
        run = by_row[json.dumps(row)]
        assert run.run_id
        output = w.jobs.get_run_output(run.run_id)
        assert output.notebook_output and output.error is None
        assert output.notebook_output.result == f"{row['name']}|{json.dumps(row)}"
        # its executed notebook is exported, outputs included
        assert f"{row['name']}|" in printed(w, run.run_id)


def test_each_iteration_saves_its_own_executed_notebook(
    w: WorkspaceClient, home: str, sweeps: dict[str, int]
) -> None:
    job_run = finished(w, sweeps["echo"], timeout=90)
    _, runs = iterations(w, job_run)
    texts = set()
    for run in runs:
        notebook = exported(w, f"{home}/echo/executed-{run.run_id}")
        texts.add(json.dumps(notebook["cells"][-1]["outputs"]))
    assert len(texts) == 3


def test_a_failing_iteration_fails_the_for_each_and_the_stats_say_one(
    w: WorkspaceClient, sweeps: dict[str, int]
) -> None:
    job_run = finished(w, sweeps["divide"], timeout=90)
    assert job_run.state and job_run.state.result_state is RunResultState.FAILED
    task, runs = iterations(w, job_run)
    assert task.for_each_task and task.for_each_task.stats
    stats = task.for_each_task.stats.task_run_stats
    assert stats and (stats.failed_iterations, stats.succeeded_iterations) == (1, 2), outcomes(
        w, runs
    )
    assert stats.completed_iterations == 3
    failed = next(run for run in runs if parameter(run, "row") == "0")
    assert failed.state and failed.state.result_state is RunResultState.FAILED
    assert failed.run_id
    assert "ZeroDivisionError" in str(w.jobs.get_run_output(failed.run_id).error)
    ok = next(run for run in runs if parameter(run, "row") == "2")
    assert ok.run_id and w.jobs.get_run_output(ok.run_id).notebook_output.result == "0.5"  # type: ignore[union-attr]


def test_cancelling_the_job_run_cancels_every_iteration_and_starts_no_more(
    w: WorkspaceClient, sweeps: dict[str, int]
) -> None:
    run_id = sweeps["sleepy"]
    deadline = time.monotonic() + patient(60)
    while True:  # until both allowed iterations run their notebook
        _, runs = iterations(w, w.jobs.get_run(run_id))
        running = [
            r for r in runs if r.state and r.state.life_cycle_state is RunLifeCycleState.RUNNING
        ]
        if len(running) == 2:
            break
        assert time.monotonic() < deadline, f"the iterations never ran: {outcomes(w, runs)}"
        time.sleep(0.2)
    w.jobs.cancel_run(run_id)
    job_run = finished(w, run_id)
    assert job_run.state and job_run.state.result_state is RunResultState.CANCELED
    task, runs = iterations(w, job_run)
    assert len(runs) == 2  # the third never started
    assert all(r.state and r.state.result_state is RunResultState.CANCELED for r in runs)
    assert task.for_each_task and task.for_each_task.stats
    stats = task.for_each_task.stats.task_run_stats
    assert stats and (stats.active_iterations, stats.total_iterations) == (0, 3)


def test_jobs_are_created_read_listed_paused_and_deleted(w: WorkspaceClient, home: str) -> None:
    path = upload(w, f"{home}/plain", "x = 1")
    schedule = CronSchedule(
        quartz_cron_expression="0 15 6 ? * MON-FRI", timezone_id="Europe/Zurich"
    )
    job_id = w.jobs.create(
        name="ucdh-schedule-crud",
        tasks=[Task(task_key="nb", notebook_task=NotebookTask(path), new_cluster=CLUSTER)],
        schedule=schedule,
        tags={"ucdh-run-id": "abc"},
    ).job_id
    assert job_id
    job = w.jobs.get(job_id)
    assert job.settings and job.settings.schedule
    assert job.settings.schedule.pause_status is PauseStatus.UNPAUSED
    assert job.settings.max_concurrent_runs == 1 and job.settings.tags == {"ucdh-run-id": "abc"}
    assert job.settings.tasks and job.settings.tasks[0].notebook_task
    listed = list(w.jobs.list(name="UCDH-schedule-crud"))
    assert [j.job_id for j in listed] == [job_id]
    # pause, as the product pauses a schedule
    schedule.pause_status = PauseStatus.PAUSED
    w.jobs.update(job_id, new_settings=JobSettings(schedule=schedule))
    job = w.jobs.get(job_id)
    assert job.settings and job.settings.schedule
    assert job.settings.schedule.pause_status is PauseStatus.PAUSED
    assert job.settings.name == "ucdh-schedule-crud"  # update keeps what it was not given
    w.jobs.delete(job_id)
    with pytest.raises(ResourceDoesNotExist, match="does not exist"):
        w.jobs.get(job_id)
    assert [j.job_id for j in w.jobs.list(name="ucdh-schedule-crud")] == []


def test_run_now_with_a_token_starts_one_run_and_mails_start_and_end(
    w: WorkspaceClient, standin: LocalDatabricks, home: str
) -> None:
    path = upload(w, f"{home}/quick", ("databricks-exit", "print('ok')"))
    mail = JobEmailNotifications(on_start=["a@x.example"], on_success=["a@x.example"])
    job_id = w.jobs.create(
        name="ucdh-once",
        tasks=[Task(task_key="nb", notebook_task=NotebookTask(path), new_cluster=CLUSTER)],
        email_notifications=mail,
    ).job_id
    assert job_id
    first = w.jobs.run_now(job_id, idempotency_token="once-1").run_id
    again = w.jobs.run_now(job_id, idempotency_token="once-1").run_id
    assert first == again
    # a second run while the first is active goes over max_concurrent_runs (1): skipped
    other = w.jobs.run_now(job_id).run_id
    skipped = w.jobs.get_run(other)
    assert skipped.state and skipped.state.life_cycle_state is RunLifeCycleState.SKIPPED
    done = finished(w, first, timeout=60)
    assert done.state and done.state.result_state is RunResultState.SUCCESS
    assert {r.run_id for r in w.jobs.list_runs(job_id=job_id)} == {first, other}
    kept = [m for m in standin.mails if m["run_name"] == "ucdh-once"]
    assert {"to": ["a@x.example"], "run_name": "ucdh-once", "result_state": None} in kept
    assert {"to": ["a@x.example"], "run_name": "ucdh-once", "result_state": "SUCCESS"} in kept


def scheduled_job(w: WorkspaceClient, home: str, cron: str, zone: str) -> int:
    """A scheduled job whose notebook is missing: its runs end at once, they only count."""
    job_id = w.jobs.create(
        name="ucdh-schedule",
        tasks=[
            Task(
                task_key="nb",
                notebook_task=NotebookTask(f"{home}/nowhere/nb"),
                new_cluster=CLUSTER,
            )
        ],
        schedule=CronSchedule(quartz_cron_expression=cron, timezone_id=zone),
        max_concurrent_runs=100,
    ).job_id
    assert job_id
    return job_id


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)  # type: ignore[misc]


def test_tick_fires_an_hourly_schedule_once_per_due_time_in_its_zone(
    w: WorkspaceClient, standin: LocalDatabricks, home: str
) -> None:
    # Given an hourly schedule in India (UTC+5:30: local hours are UTC's half hours)
    job_id = scheduled_job(w, home, "0 0 * * * ?", "Asia/Kolkata")
    assert standin.tick(utc(2030, 1, 15, 9, 10)) == []  # first look: nothing made up for
    assert standin.tick(utc(2030, 1, 15, 9, 29, 59)) == []
    fired = standin.tick(utc(2030, 1, 15, 9, 30))  # 15:00 in Kolkata
    assert len(fired) == 1
    run = w.jobs.get_run(fired[0])
    assert run.job_id == job_id and run.trigger is TriggerType.PERIODIC
    assert run.run_type is RunType.JOB_RUN
    assert standin.tick(utc(2030, 1, 15, 9, 30)) == []  # the same instant again
    assert standin.tick(utc(2030, 1, 15, 10, 0)) == []
    # three due times missed: one run, not three
    assert len(standin.tick(utc(2030, 1, 15, 12, 45))) == 1
    # paused: nothing; resumed: the clock starts afresh
    paused = CronSchedule("0 0 * * * ?", "Asia/Kolkata", pause_status=PauseStatus.PAUSED)
    w.jobs.update(job_id, new_settings=JobSettings(schedule=paused))
    assert standin.tick(utc(2030, 1, 15, 13, 30)) == []
    paused.pause_status = PauseStatus.UNPAUSED
    w.jobs.update(job_id, new_settings=JobSettings(schedule=paused))
    assert standin.tick(utc(2030, 1, 15, 14, 45)) == []
    assert len(standin.tick(utc(2030, 1, 15, 15, 30))) == 1
    w.jobs.delete(job_id)
    assert standin.tick(utc(2030, 1, 15, 16, 30)) == []


def fire_days(
    w: WorkspaceClient, standin: LocalDatabricks, job_id: int, start: datetime, days: int
) -> list[str]:
    """Tick every 15 minutes for ``days`` days; the Berlin times the job fired at."""
    tz = ZoneInfo("Europe/Berlin")
    fired, now = [], start
    standin.tick(now)
    while now < start + timedelta(days=days):
        now += timedelta(minutes=15)
        if any(w.jobs.get_run(run_id).job_id == job_id for run_id in standin.tick(now)):
            fired.append(now.astimezone(tz).strftime("%m-%d %H:%M %Z"))
    return fired


def test_a_daily_0230_in_berlin_skips_spring_forward_and_fires_once_on_fall_back(
    w: WorkspaceClient, standin: LocalDatabricks, home: str
) -> None:
    job_id = scheduled_job(w, home, "0 30 2 * * ?", "Europe/Berlin")
    # 2030-03-31: clocks jump from 02:00 to 03:00, so 02:30 does not happen
    spring = fire_days(w, standin, job_id, utc(2030, 3, 29, 12), 3)
    assert spring == ["03-30 02:30 CET", "04-01 02:30 CEST"]
    # 2030-10-27: 02:30 happens twice (CEST, then CET): it fires once
    autumn = fire_days(w, standin, job_id, utc(2030, 10, 25, 12), 3)
    assert autumn == ["10-26 02:30 CEST", "10-27 02:30 CEST", "10-28 02:30 CET"]
    w.jobs.delete(job_id)


@pytest.mark.parametrize(
    ("cron", "zone", "message"),
    [
        ("0 0 * * *", "UTC", "expected 6 or 7 fields"),
        ("0 0 12 L * ?", "UTC", "'L'"),
        ("0 0 12 * * MON", "UTC", "exactly one of"),
        ("0 0 25 * * ?", "UTC", "between 0 and 23"),
        ("0 0 12 * * ?", "Mars/Olympus", "timezone_id"),
    ],
)
def test_a_bad_schedule_is_refused_with_400(
    w: WorkspaceClient, home: str, cron: str, zone: str, message: str
) -> None:
    task = Task(task_key="nb", notebook_task=NotebookTask(f"{home}/nb"), new_cluster=CLUSTER)
    with pytest.raises(InvalidParameterValue, match=message):
        w.jobs.create(
            name="bad",
            tasks=[task],
            schedule=CronSchedule(quartz_cron_expression=cron, timezone_id=zone),
        )
