"""The run state machine moves forward only; ids sort by time; observations map to states."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from ucdh_jupyter.runs.backend import MACHINE_ABSENT, MACHINE_GONE, MACHINE_RUNNING, Observation
from ucdh_jupyter.runs.model import (
    FailureKind,
    IllegalTransitionError,
    Run,
    RunState,
    check_run_id,
    new_run_id,
)
from ucdh_jupyter.runs.tracking import apply_observation

T0 = datetime(2026, 7, 20, 10, 0, tzinfo=timezone.utc)
S = RunState


def _run(max_hours: float = 2, rate: float | None = 0.36) -> Run:
    return Run.create(
        run_id=new_run_id(T0.timestamp()),
        backend="ec2",
        owner="researcher",
        notebook_path="study/analysis.ipynb",
        instance_type="m5.large",
        max_hours=max_hours,
        now=T0,
        rate_usd_per_hour=rate,
    )


def _walk(run: Run, *states: RunState) -> Run:
    for state in states:
        run.move_to(state, now=T0)
    return run


def test_happy_path_goes_forward_and_is_recorded() -> None:
    run = _walk(_run(), S.SUBMITTED, S.PROVISIONING, S.RUNNING, S.FINALIZING, S.SUCCEEDED)
    assert run.final
    assert [step["state"] for step in run.history] == [
        "STAGING",
        "SUBMITTED",
        "PROVISIONING",
        "RUNNING",
        "FINALIZING",
        "SUCCEEDED",
    ]


@pytest.mark.parametrize(
    ("path", "illegal"),
    [
        ((S.SUBMITTED, S.PROVISIONING, S.RUNNING), S.PROVISIONING),  # backwards
        ((S.SUBMITTED,), S.SUCCEEDED),  # success without running
        ((S.SUBMITTED, S.RUNNING, S.SUCCEEDED), S.FAILED),  # a final state is final
        ((S.FAILED,), S.CANCELLING),
        ((S.CANCELLING,), S.RUNNING),  # a cancel is not undone
        ((S.CANCELLING,), S.SUCCEEDED),
        ((S.CANCELLING, S.CANCELLED), S.EXPIRED),
        ((S.EXPIRED,), S.CANCELLED),
        ((S.SUBMITTED,), S.CANCELLED),  # cancelled only through cancelling
        ((), S.STAGING),  # not even to itself
    ],
)
def test_illegal_transitions_raise(path: tuple[RunState, ...], illegal: RunState) -> None:
    run = _walk(_run(), *path)
    with pytest.raises(IllegalTransitionError) as raised:
        run.move_to(illegal)
    assert raised.value.status == 409
    assert run.state is (path[-1] if path else S.STAGING)


@pytest.mark.parametrize("start", [S.STAGING, S.SUBMITTED, S.PROVISIONING, S.RUNNING, S.FINALIZING])
def test_every_unfinished_state_can_be_cancelled_or_expire(start: RunState) -> None:
    order = [S.STAGING, S.SUBMITTED, S.PROVISIONING, S.RUNNING, S.FINALIZING]
    cancelled = _walk(_run(), *order[1 : order.index(start) + 1])
    _walk(cancelled, S.CANCELLING, S.CANCELLED)
    expired = _walk(_run(), *order[1 : order.index(start) + 1])
    _walk(expired, S.EXPIRED)
    assert cancelled.state is S.CANCELLED and expired.state is S.EXPIRED


def test_failure_records_its_kind_and_the_final_cost() -> None:
    run = _walk(_run(rate=0.36), S.SUBMITTED, S.PROVISIONING)
    run.started_at = "2026-07-20T10:00:00Z"
    run.ended_at = "2026-07-20T10:30:00Z"
    run.move_to(S.FAILED, failure_kind=FailureKind.KERNEL_DIED, message="The kernel died")
    assert run.failure_kind is FailureKind.KERNEL_DIED
    assert run.cost_final_usd == pytest.approx(0.18)


def test_short_runs_are_billed_sixty_seconds() -> None:
    run = _run(rate=3.6)
    run.started_at = "2026-07-20T10:00:00Z"
    assert run.cost_at(T0 + timedelta(seconds=5)) == pytest.approx(0.06)


def test_record_round_trips_through_json() -> None:
    run = _walk(_run(), S.SUBMITTED, S.FAILED)
    assert Run.from_json(run.to_json()) == run


def test_run_ids_sort_by_creation_and_are_checked() -> None:
    ids = [new_run_id(T0.timestamp() + second) for second in range(5)]
    assert ids == sorted(ids) and len(set(ids)) == 5
    assert all(len(run_id) == 26 and check_run_id(run_id) for run_id in ids)
    for bad in ("../etc", "01abc", "", "0" * 27):
        with pytest.raises(Exception) as raised:
            check_run_id(bad)
        assert getattr(raised.value, "status", None) == 400


def _status(phase: str, **more: object) -> dict[str, object]:
    return {"phase": phase, "heartbeat_at": "2026-07-20T10:01:00Z", **more}


def test_observations_move_a_run_forward_and_never_back() -> None:
    run = _walk(_run(), S.SUBMITTED, S.PROVISIONING)
    now = T0 + timedelta(minutes=1)
    seen = Observation(MACHINE_RUNNING, _status("running", progress={"cell": 2, "cells": 5}))
    assert apply_observation(run, seen, now=now, heartbeat_seconds=30) is False
    assert run.state is S.RUNNING and run.progress.cell == 2
    # a stale "installing" status read late does not move it back
    apply_observation(
        run, Observation(MACHINE_RUNNING, _status("installing")), now=now, heartbeat_seconds=30
    )
    assert run.state is S.RUNNING


def test_machine_gone_without_final_status_fails_or_expires() -> None:
    early = _walk(_run(), S.SUBMITTED, S.PROVISIONING, S.RUNNING)
    assert apply_observation(early, Observation(MACHINE_GONE), now=T0, heartbeat_seconds=30)
    assert early.state is S.FAILED and early.failure_kind is FailureKind.INFRASTRUCTURE
    late = _walk(_run(max_hours=1), S.SUBMITTED, S.PROVISIONING, S.RUNNING)
    apply_observation(
        late, Observation(MACHINE_GONE), now=T0 + timedelta(hours=2), heartbeat_seconds=30
    )
    assert late.state is S.EXPIRED


def test_interrupted_staging_after_a_restart_fails_as_staging() -> None:
    run = _run()
    apply_observation(run, Observation(MACHINE_ABSENT), now=T0, heartbeat_seconds=30)
    assert run.state is S.FAILED and run.failure_kind is FailureKind.STAGING


def test_silent_runner_is_presumed_dead_and_released() -> None:
    run = _walk(_run(), S.SUBMITTED, S.PROVISIONING, S.RUNNING)
    seen = Observation(MACHINE_RUNNING, _status("running"))
    later = T0 + timedelta(minutes=30)
    assert apply_observation(run, seen, now=later, heartbeat_seconds=30) is True
    assert run.state is S.FAILED and "heartbeat" in (run.failure_message or "")
