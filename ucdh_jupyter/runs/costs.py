"""What a run costs: the run service's price and admin checks, taken from the compute service.

The run core knows nothing of prices; :func:`connect_compute` gives it the compute
service's node price (EC2, plus DBUs on Databricks) and its admin limits, so the
sidebar, the run routes and the magics refuse and price a run the same way.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from ..errors import UcdhError
from .model import MINIMUM_BILLED_SECONDS, Run, RunState, parse_iso
from .policy import max_cost
from .service import check_instance_type

if TYPE_CHECKING:
    from ..compute import ComputeService
    from .requests import PrepareBody
    from .service import RunService


def node_rate(compute: ComputeService, backend: str, instance_type: str) -> float | None:
    """USD per hour of one machine of ``instance_type`` on ``backend``; None when unknown.

    An unknown type is a 400 (the compute service names it).
    """
    spec = compute.spec(instance_type)
    ec2_price = compute.price_table().price(spec.name)
    return compute.rates.node_price(spec, ec2_price, backend)


def connect_compute(runs: RunService, compute: ComputeService) -> None:
    """Price runs and enforce the admin's instance limits with the compute service."""

    def rate(backend: str, instance_type: str) -> float | None:
        return node_rate(compute, backend, instance_type)

    def check(backend: str, instance_type: str) -> None:
        compute.check_allowed(instance_type, backend)  # a 403 with the admin's reason

    runs.rate, runs.check_instance_type = rate, check


def duration_hours(run: Run) -> float | None:
    """How long a finished run's machine ran, in hours (None if unknown)."""
    start, end = parse_iso(run.started_at), parse_iso(run.ended_at)
    if start is None or end is None:
        return None
    return max(end - start, timedelta(seconds=MINIMUM_BILLED_SECONDS)).total_seconds() / 3600


def last_duration(previous: list[Run], notebook_path: str) -> tuple[float, str] | None:
    """Hours of the newest successful run of this notebook, and that run's id."""
    for run in previous:  # newest first
        if run.notebook_path == notebook_path and run.state is RunState.SUCCEEDED:
            hours = duration_hours(run)
            if hours is not None:
                return hours, run.id
    return None


def _cents(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def cost_preview(
    runs: RunService,
    compute: ComputeService,
    body: PrepareBody,
    previous: list[Run],
) -> dict[str, Any] | None:
    """The cost block of the run dialog for ``body`` (instance_type, backend, workers,
    max_hours, expected_hours); None when no instance type was chosen yet.

    The maximum cost is rate x machines x max runtime (what the budget is checked
    against; a Databricks job cluster bills its workers and its driver); the
    expected cost uses ``expected_hours`` if given, else the duration of the last
    successful run of the same notebook. ``previous`` are the user's runs (newest
    first): ``refusal`` is the cost policy's verdict on submitting this run now, the
    very check :meth:`RunService.submit` makes (max runtime, budget, per-user caps).
    """
    instance_type = body.instance_type
    if not instance_type:
        return None
    check_instance_type(instance_type)
    backend = body.backend or "ec2"
    config = runs.config
    count = 1
    if backend == "databricks":
        workers = config.databricks_default_workers if body.workers is None else body.workers
        count = workers + 1
    max_hours = body.max_hours if body.max_hours is not None else config.runs_default_max_hours
    expected_hours, expected_from = body.expected_hours, None
    if expected_hours is not None:
        expected_from = "your estimate"
    else:
        found = last_duration(previous, body.notebook_path)
        if found is not None:
            expected_hours, expected_from = found[0], f"the last successful run ({found[1]})"
    reason = None
    try:
        compute.check_allowed(instance_type, backend)
    except UcdhError as error:
        if error.status != 403:
            raise
        reason = error.message
    rate = node_rate(compute, backend, instance_type)
    most = max_cost(rate, count, max_hours)
    expected = None
    if rate is not None and expected_hours is not None:
        expected = rate * count * max(expected_hours, MINIMUM_BILLED_SECONDS / 3600)
    budget = config.runs_budget_per_run_usd
    refusal = None
    try:
        runs.policy.check(
            backend=backend,
            instance_type=instance_type,
            rate=rate,
            count=count,
            requested_hours=max_hours,
            owner_runs=previous,
        )
    except UcdhError as error:
        refusal = {"code": error.code, "message": error.message, "hint": error.hint}
    return {
        "instance_type": instance_type,
        "backend": backend,
        "rate_usd_per_hour": _cents(rate),
        "count": count,
        "max_hours": max_hours,
        "min_hours": runs.policy.min_hours(backend),
        "max_hours_cap": config.max_runtime_hours,
        "max_cost_usd": _cents(most),
        "expected_hours": expected_hours,
        "expected_cost_usd": _cents(expected),
        "expected_from": expected_from,
        "budget_usd": budget,
        # With a budget, a run whose price is unknown is refused: it cannot be checked.
        "within_budget": None if budget is None else most is not None and most <= budget,
        "allowed": reason is None,
        "reason": reason,
        "refusal": refusal,
        "prices": compute.price_table().label(),
    }
