"""The run model shared by every backend, and its forward-only state machine.

A run moves ``STAGING → SUBMITTED → PROVISIONING → RUNNING → FINALIZING →
SUCCEEDED | FAILED``; from any state that is not final it may instead go to
``CANCELLING → CANCELLED`` or to ``EXPIRED`` (deadline passed). Nothing moves
backwards: a late or repeated observation can never resurrect a finished run.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import Any

from ..errors import UcdhError
from .runner import ulid


class RunState(str, Enum):
    """Where a run is in its life."""

    STAGING = "STAGING"
    SUBMITTED = "SUBMITTED"
    PROVISIONING = "PROVISIONING"
    RUNNING = "RUNNING"
    FINALIZING = "FINALIZING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLING = "CANCELLING"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"

    @property
    def final(self) -> bool:
        """Whether the run is over (no machine should exist for it any more)."""
        return self in FINAL_STATES


class FailureKind(str, Enum):
    """Why a run failed, in the words the UI shows."""

    NOTEBOOK_ERROR = "notebook_error"
    KERNEL_DIED = "kernel_died"
    TIMEOUT = "timeout"
    INFRASTRUCTURE = "infrastructure"
    STAGING = "staging"


FINAL_STATES = frozenset(
    {RunState.SUCCEEDED, RunState.FAILED, RunState.CANCELLED, RunState.EXPIRED}
)

# The main line, in order; a run may skip ahead on it (a poll can miss a short
# state) but never go back.
_MAIN_LINE = (
    RunState.STAGING,
    RunState.SUBMITTED,
    RunState.PROVISIONING,
    RunState.RUNNING,
    RunState.FINALIZING,
)


def _allowed() -> dict[RunState, frozenset[RunState]]:
    allowed: dict[RunState, set[RunState]] = {state: set() for state in RunState}
    for rank, state in enumerate(_MAIN_LINE):
        allowed[state].update(_MAIN_LINE[rank + 1 :])
        allowed[state].update({RunState.FAILED, RunState.CANCELLING, RunState.EXPIRED})
    # Success needs the notebook to have run.
    allowed[RunState.RUNNING].add(RunState.SUCCEEDED)
    allowed[RunState.FINALIZING].add(RunState.SUCCEEDED)
    allowed[RunState.CANCELLING].update({RunState.CANCELLED, RunState.EXPIRED})
    return {state: frozenset(targets) for state, targets in allowed.items()}


TRANSITIONS: dict[RunState, frozenset[RunState]] = _allowed()


class IllegalTransitionError(UcdhError):
    """A state change the state machine forbids (a 409 if it reaches a route)."""

    def __init__(self, run_id: str, current: RunState, target: RunState) -> None:
        super().__init__(
            409,
            "illegal_transition",
            f"Run {run_id} cannot go from {current.value} to {target.value}.",
            "Reload the run list: the run has already moved on.",
        )


RUN_ID_PATTERN = re.compile(r"[0-9A-HJKMNP-TV-Z]{26}")  # always fullmatch: "$" allows "\n"


def new_run_id(now: float | None = None) -> str:
    """A ULID: 48 bits of milliseconds then 80 random bits, Crockford base32, 26 chars.

    Ids sort by creation time, fit EC2's ClientToken and Databricks' idempotency_token
    (64 chars at most), and are safe in S3 keys, tags and file names.
    """
    millis = int((time.time() if now is None else now) * 1000)
    return ulid(millis, os.urandom(10))


def check_run_id(run_id: str) -> str:
    """``run_id`` if it is a well-formed run id, else a 400 (ids end up in S3 keys)."""
    if not isinstance(run_id, str) or not RUN_ID_PATTERN.fullmatch(run_id):
        raise UcdhError(400, "bad_run_id", f"{run_id!r} is not a run id.", "Use the id of a run.")
    return run_id


def utcnow() -> datetime:
    """Now, timezone-aware UTC, to the second (what records and tags carry)."""
    return datetime.now(timezone.utc).replace(microsecond=0)


def iso(moment: datetime | None) -> str | None:
    """``2026-07-20T10:00:00Z`` or None."""
    if moment is None:
        return None
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str | None) -> datetime | None:
    """The inverse of :func:`iso`; also reads offsets and fractional seconds."""
    if not text:
        return None
    moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


# Linux EC2 bills per second with a 60 s minimum.
MINIMUM_BILLED_SECONDS = 60


def billed_cost(
    rate: float | None, count: int, started: str | None, ended: str | None, now: datetime
) -> float | None:
    """``count`` machines at ``rate`` from ``started`` to ``ended`` (or ``now``), 60 s
    minimum; None when the price is unknown, 0 before they started."""
    if rate is None:
        return None
    start = parse_iso(started)
    if start is None:
        return 0.0
    end = parse_iso(ended) or now
    seconds = max(MINIMUM_BILLED_SECONDS, (end - start).total_seconds())
    return round(rate * count * seconds / 3600, 6)


@dataclass
class Progress:
    """How far the notebook got, from the last heartbeat."""

    cell: int = 0
    cells: int = 0
    last_lines: list[str] = field(default_factory=list)
    heartbeat_at: str | None = None


@dataclass
class Run:
    """One execution of a notebook on a backend; the S3 record is this, as JSON."""

    id: str
    backend: str
    owner: str
    notebook_path: str
    instance_type: str
    max_hours: float
    created_at: str
    deadline: str
    parameters: dict[str, Any] = field(default_factory=dict)
    count: int = 1
    files: list[str] = field(default_factory=list)
    environment: str = ""
    state: RunState = RunState.STAGING
    updated_at: str | None = None
    history: list[dict[str, str]] = field(default_factory=list)
    failure_kind: FailureKind | None = None
    failure_message: str | None = None
    failing_cell: int | None = None
    progress: Progress = field(default_factory=Progress)
    rate_usd_per_hour: float | None = None
    cost_so_far_usd: float | None = None
    cost_final_usd: float | None = None
    started_at: str | None = None
    ended_at: str | None = None
    bucket: str = ""
    prefix: str = ""
    input_uri: str | None = None
    partial_uri: str | None = None
    output_uri: str | None = None
    log_uri: str | None = None
    instance_id: str | None = None
    # Databricks only: workers of the job cluster (``count`` = workers + the driver),
    # how the cluster is obtained, and where the run lives in the workspace.
    workers: int | None = None
    cluster_mode: str | None = None
    databricks_host: str | None = None
    databricks_run_id: int | None = None
    databricks_run_url: str | None = None
    databricks_notebook_path: str | None = None
    # What the notebook handed back (Databricks: ``dbutils.notebook.exit(value)``).
    exit_value: str | None = None
    # EC2: the Python minor version the machine installs ("3.12"), the kernel's or the
    # nearest the image offers; None: the image's python3 (R notebooks, older records).
    python_version: str | None = None
    # When its owner was told by e-mail that it ended (see notify.py); None: not (yet).
    notified_at: str | None = None
    # "databricks" when the engine itself mails the run's end to its owner (then the
    # server does not); None: the server tells the owner, if they asked.
    mailed_by: str | None = None
    # A parameter sweep ("sweep"): one record for all its children (see sweep.py); "run"
    # otherwise. Child i runs with ``parameters | sweep_rows[i]``; ``max_hours`` and
    # ``count`` are each child's, the deadline the whole sweep's.
    kind: str = "run"
    sweep_rows: list[dict[str, Any]] = field(default_factory=list)
    parallelism: int | None = None
    children: list[dict[str, Any]] = field(default_factory=list)
    child_counts: dict[str, int] = field(default_factory=dict)
    # The engine's handles: the Batch job (an array job's parent), the Databricks job
    # created for a sweep or a schedule; the schedule that started this run.
    batch_job_id: str | None = None
    databricks_job_id: int | None = None
    schedule_id: str | None = None

    def __post_init__(self) -> None:
        if not self.history:
            self.history = [{"state": self.state.value, "at": self.created_at}]
        self.updated_at = self.updated_at or self.created_at

    @classmethod
    def create(
        cls,
        *,
        run_id: str,
        backend: str,
        owner: str,
        notebook_path: str,
        instance_type: str,
        max_hours: float,
        now: datetime | None = None,
        **extra: Any,
    ) -> Run:
        """A new run in STAGING whose deadline is ``max_hours`` from now."""
        created = now or utcnow()
        # A sweep's deadline covers its children's waves (see sweep.sweep_deadline_hours).
        span = extra.pop("deadline_hours", None) or max_hours
        return cls(
            id=check_run_id(run_id),
            backend=backend,
            owner=owner,
            notebook_path=notebook_path,
            instance_type=instance_type,
            max_hours=max_hours,
            created_at=str(iso(created)),
            deadline=str(iso(created + timedelta(hours=span))),
            **extra,
        )

    @property
    def final(self) -> bool:
        """Whether the run is over."""
        return self.state.final

    @property
    def size(self) -> int:
        """How many times the notebook runs: the sweep's children, else 1."""
        return len(self.sweep_rows) or 1

    @property
    def deadline_at(self) -> datetime:
        """The deadline as a datetime."""
        moment = parse_iso(self.deadline)
        assert moment is not None
        return moment

    def can_move_to(self, target: RunState) -> bool:
        """Whether the state machine allows going to ``target`` now."""
        return target in TRANSITIONS[self.state]

    def move_to(
        self,
        target: RunState,
        *,
        now: datetime | None = None,
        failure_kind: FailureKind | None = None,
        message: str | None = None,
    ) -> None:
        """Change state, or raise :class:`IllegalTransitionError`; records the change in history."""
        if not self.can_move_to(target):
            raise IllegalTransitionError(self.id, self.state, target)
        moment = iso(now or utcnow())
        self.state = target
        self.updated_at = moment
        self.history.append({"state": target.value, "at": str(moment)})
        if target is RunState.FAILED:
            self.failure_kind = failure_kind or self.failure_kind or FailureKind.INFRASTRUCTURE
        if message:
            self.failure_message = message
        if target.final:
            self.ended_at = self.ended_at or moment
            self.cost_final_usd = self.cost_at(parse_iso(self.ended_at) or utcnow())
            self.cost_so_far_usd = self.cost_final_usd

    def cost_at(self, now: datetime) -> float | None:
        """Cost from the machines' start to ``now`` (or their end), 60 s minimum each;
        a sweep's is the sum of its children's."""
        rate, count = self.rate_usd_per_hour, self.count
        if self.kind != "sweep":
            return billed_cost(rate, count, self.started_at, self.ended_at, now)
        if rate is None:
            return None
        costs = (
            billed_cost(rate, count, child.get("started_at"), child.get("ended_at"), now) or 0.0
            for child in self.children
        )
        return round(sum(costs), 6)

    def refresh_cost(self, now: datetime | None = None) -> None:
        """Recompute the cost so far (the final cost once the run is over)."""
        if not self.final:
            self.cost_so_far_usd = self.cost_at(now or utcnow())

    def to_json(self) -> dict[str, Any]:
        """The run record as JSON-ready data (the S3 ``run.json`` and the route bodies)."""
        data = asdict(self)
        data["state"] = self.state.value
        data["failure_kind"] = self.failure_kind.value if self.failure_kind else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Run:
        """Read a record back; unknown keys (from a newer version) are ignored."""
        known = {f.name for f in fields(cls)}
        values = {key: value for key, value in data.items() if key in known}
        values["state"] = RunState(values.get("state", RunState.STAGING.value))
        kind = values.get("failure_kind")
        values["failure_kind"] = FailureKind(kind) if kind else None
        values["progress"] = Progress(**(values.get("progress") or {}))
        check_run_id(values["id"])
        return cls(**values)
