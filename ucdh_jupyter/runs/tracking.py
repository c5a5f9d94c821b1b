"""How one look at a run (its machine and the runner's status) moves it through its states.

Pure logic, no AWS: :func:`apply_observation` changes the run and says whether its
machine must now be released. Whatever the order in which observations arrive, the
state machine only lets the run move forward.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from . import runner as protocol
from .backend import MACHINE_ABSENT, MACHINE_PENDING, MACHINE_RUNNING, Observation
from .model import FailureKind, Progress, Run, RunState, parse_iso
from .sweep import counts, merge_children, parent_status

_ORDER = [
    RunState.STAGING,
    RunState.SUBMITTED,
    RunState.PROVISIONING,
    RunState.RUNNING,
    RunState.FINALIZING,
]
_PHASE_STATE = {
    "starting": RunState.PROVISIONING,
    "installing": RunState.PROVISIONING,
    "running": RunState.RUNNING,
    "finalizing": RunState.FINALIZING,
}
# Give the runner this many heartbeats (and at least the minimum) to save its partial
# output after a cancel request before the machine is terminated regardless.
CANCEL_GRACE_BEATS = 3
CANCEL_GRACE_MIN = timedelta(seconds=15)
# A runner silent this long (in heartbeats, and at least the minimum) is presumed dead.
STALE_BEATS = 10
STALE_MIN = timedelta(minutes=5)
# A machine that has not sent its first heartbeat this long after launch never will.
BOOT_TIMEOUT = timedelta(minutes=20)


def _advance(run: Run, target: RunState, now: datetime) -> None:
    if target in _ORDER and run.state in _ORDER and _ORDER.index(target) > _ORDER.index(run.state):
        run.move_to(target, now=now)


def _progress(run: Run, status: dict[str, Any]) -> None:
    progress = status.get("progress") or {}
    run.progress = Progress(
        cell=int(progress.get("cell") or 0),
        cells=int(progress.get("cells") or 0),
        last_lines=[str(line) for line in progress.get("last_lines") or []],
        heartbeat_at=status.get("heartbeat_at"),
    )


def _finish(run: Run, status: dict[str, Any], now: datetime) -> None:
    """Move to the end the runner reported."""
    phase = status.get("phase")
    run.ended_at = status.get("finished_at") or run.ended_at
    if phase == "succeeded":
        _advance(run, RunState.RUNNING, now)
        run.move_to(RunState.SUCCEEDED, now=now)
        return
    if phase == "failed":
        try:
            kind = FailureKind(status.get("failure_kind"))
        except ValueError:
            kind = FailureKind.INFRASTRUCTURE
        run.failing_cell = status.get("failing_cell")
        run.move_to(
            RunState.FAILED, now=now, failure_kind=kind, message=status.get("failure_message")
        )
        return
    # "cancelled" although nobody here asked: something else stopped it.
    run.move_to(
        RunState.FAILED,
        now=now,
        failure_kind=FailureKind.INFRASTRUCTURE,
        message="The run was stopped from outside this Jupyter server.",
    )


def _silent_too_long(run: Run, status: dict[str, Any], now: datetime, beat: float) -> str | None:
    """Why a machine that still runs is presumed stuck, or None."""
    last = parse_iso(status.get("heartbeat_at"))
    if last is not None:
        if now - last > max(STALE_MIN, timedelta(seconds=STALE_BEATS * beat)):
            return f"The run sent no heartbeat since {status.get('heartbeat_at')}."
        return None
    launched = parse_iso(run.started_at)
    if launched is not None and now - launched > BOOT_TIMEOUT:
        return "The machine never started the notebook (the Boot log in its Log says why)."
    return None


def apply_observation(
    run: Run, seen: Observation, *, now: datetime, heartbeat_seconds: float
) -> bool:
    """Update ``run`` from ``seen``; True when its machine must be released now."""
    status = seen.status or {}
    if seen.children is not None and not run.final:
        # A sweep: the engine's view of its children stands for a runner's status.
        run.children = merge_children(run.children, seen.children)
        run.child_counts = counts(run.children, run.size)
        status = parent_status(run, run.children, now) if seen.machine != MACHINE_ABSENT else {}
    phase = status.get("phase")
    if seen.started_at and not run.started_at:
        run.started_at = seen.started_at
    if status:
        _progress(run, status)
    alive = seen.machine in (MACHINE_PENDING, MACHINE_RUNNING)
    if run.final:
        return alive
    if run.state is RunState.CANCELLING:
        asked = parse_iso(run.updated_at) or now
        grace = max(CANCEL_GRACE_MIN, timedelta(seconds=CANCEL_GRACE_BEATS * heartbeat_seconds))
        if phase in protocol.FINAL_PHASES or not alive or not status or now - asked > grace:
            run.move_to(RunState.CANCELLED, now=now)
            return True
        return False
    if phase in protocol.FINAL_PHASES:
        _finish(run, status, now)
        return True
    if not alive:
        if now >= run.deadline_at:
            run.move_to(RunState.EXPIRED, now=now, message="The run passed its max runtime.")
        elif run.state is RunState.STAGING:
            message = "Staging was interrupted (the Jupyter server stopped)."
            run.move_to(RunState.FAILED, now=now, failure_kind=FailureKind.STAGING, message=message)
        else:
            never = seen.machine == MACHINE_ABSENT
            message = (
                "The machine was never launched."
                if never
                else "The machine stopped before the notebook finished."
            )
            run.move_to(RunState.FAILED, now=now, message=message)
        return True
    stuck = _silent_too_long(run, status, now, heartbeat_seconds)
    if stuck:
        run.move_to(RunState.FAILED, now=now, message=stuck)
        return True
    _advance(run, _PHASE_STATE.get(str(phase), RunState.PROVISIONING), now)
    return False
