"""What a run costs: one cost story for the run dialog, the run routes and the magics.

The run core knows nothing of prices; :class:`ComputePricing` gives its cost policy the
compute service's node price (EC2, plus DBUs on Databricks, plus the run's own disk on EC2) and
its admin limits, so the sidebar, the run routes and the magics refuse and price a run
the same way. :func:`cost_preview` is the dialog's cost block: the expected range for
the researcher's expected runtime, the maximum for the max runtime (what the budget is
checked against), the history of the same notebook on the same machines, and the cost
policy's verdict, each figure with the words of what it counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from ..compute.estimate import billed_hours, check_expected
from ..errors import UcdhError
from ..timefmt import format_duration
from ..wording import plural
from .model import MINIMUM_BILLED_SECONDS, Run, RunState, parse_iso
from .policy import BACKEND_LABELS, money
from .service import check_instance_type

if TYPE_CHECKING:
    from ..compute import ComputeService
    from ..config import UcdhConfig
    from .models import RunPrepareBody
    from .service import RunService

# With no expected runtime given, the max runtime is the admin's default and the
# expected runtime is a quarter to a half of it (the max is twice the expected end).
MAX_OVER_EXPECTED = 2
DASH, TIMES = "\u2013", "\u00d7"  # as the dialog writes ranges and products


def rate_text(value: float) -> str:
    """``$0.0832/h``, ``$0.096/h``, ``$1.23/h``: as the instance table writes a rate
    (``formatRate`` in ``src/compute/model.ts``), so one machine reads alike in the
    table and the cost block: enough digits to tell cheap types apart, at least two."""
    digits = 2 if value >= 10 else 3 if value >= 0.1 else 4
    whole, _, fraction = f"{value:,.{digits}f}".partition(".")
    return f"${whole}.{fraction.rstrip('0').ljust(2, '0')}/h"


def hours_text(low: float, high: float | None = None) -> str:
    """``1-2 h`` (with an en dash), ``0.5 h``."""
    if high is None or high == low:
        return f"{low:g} h"
    return f"{low:g}{DASH}{high:g} h"


@dataclass(frozen=True)
class RunPrice:
    """What one hour of a run's machines costs, part by part (None: price unknown)."""

    backend: str
    instance_type: str
    nodes: int
    ec2: float | None  # one machine, on-demand
    dbus: float  # DBUs per hour of one node (Databricks), else 0
    usd_per_dbu: float
    disk_gb: int  # the run's own volume per machine (EC2), else 0
    disk_usd_per_gb_hour: float

    @property
    def disk_rate(self) -> float:
        """USD per hour of one machine's disk."""
        return self.disk_gb * self.disk_usd_per_gb_hour

    @property
    def node_rate(self) -> float | None:
        """USD per hour of one machine, everything included."""
        if self.ec2 is None:
            return None
        return self.ec2 + self.dbus * self.usd_per_dbu + self.disk_rate

    def cost(self, hours: float) -> float | None:
        """Every machine for ``hours``."""
        rate = self.node_rate
        return None if rate is None else rate * self.nodes * hours

    def machines(self) -> str:
        """``1 t3.large``, ``3 m5d.large (2 workers + the driver)``."""
        text = f"{self.nodes} {self.instance_type}"
        if self.backend == "databricks":
            text += f" ({plural(self.nodes - 1, 'worker')} + the driver)"
        return text

    def counts(self, hours: str) -> str:
        """What a figure counts: ``1-2 h x 1 t3.large at $0.0832/h + 30 GB disk at $0.0033/h``."""
        if self.ec2 is None:
            return f"{hours} {TIMES} {self.machines()}: no price is known for {self.instance_type}"
        text = f"{hours} {TIMES} {self.machines()} at {rate_text(self.ec2)}"
        if self.dbus:
            text += f" + {self.dbus:g} DBU/h {TIMES} ${self.usd_per_dbu:g}/DBU each"
        if self.disk_gb:
            text += f" + {self.disk_gb} GB disk at {rate_text(self.disk_rate)}"
        return text

    def to_json(self) -> dict[str, Any]:
        """The parts, for the dialog and the magics."""
        return {
            "ec2_usd_per_hour": self.ec2,
            "dbu_per_hour": self.dbus,
            "usd_per_dbu": self.usd_per_dbu,
            "disk_gb": self.disk_gb,
            "disk_usd_per_hour": round(self.disk_rate, 6),
        }


def run_price(
    compute: ComputeService, backend: str, instance_type: str, nodes: int = 1
) -> RunPrice:
    """The price of ``nodes`` machines of ``instance_type`` on ``backend`` (an unknown
    type is a 400 naming it). An EC2 run pays for its own volume; a Databricks job
    cluster's disks come with its nodes."""
    spec = compute.spec(instance_type)
    rates, config = compute.rates, compute.config
    databricks = backend == "databricks"
    return RunPrice(
        backend=backend,
        instance_type=spec.name,
        nodes=nodes,
        ec2=compute.price_table().price(spec.name),
        dbus=rates.dbus(spec) if databricks else 0.0,
        usd_per_dbu=rates.price_per_dbu,
        disk_gb=0 if databricks else int(config.runs_volume_gb),
        disk_usd_per_gb_hour=rates.ebs_per_gb_hour,
    )


def node_rate(compute: ComputeService, backend: str, instance_type: str) -> float | None:
    """USD per hour of one machine of ``instance_type`` on ``backend``, its disk and
    DBUs included; None when unknown. An unknown type is a 400."""
    return run_price(compute, backend, instance_type).node_rate


@dataclass(frozen=True)
class ComputePricing:
    """The cost policy's prices and allowed types (:class:`~.policy.Pricing`), from the
    compute service: a run is priced and refused as the sidebar prices and refuses it."""

    compute: ComputeService

    def rate(self, backend: str, instance_type: str) -> float | None:
        return node_rate(self.compute, backend, instance_type)

    def check_allowed(self, backend: str, instance_type: str) -> None:
        self.compute.check_allowed(instance_type, backend)  # a 403 with the admin's reason


@dataclass(frozen=True)
class Runtime:
    """The expected runtime (low-high) and the max runtime of a run about to start."""

    hours_low: float
    hours_high: float
    max_hours: float
    max_default: float  # what the max is when the researcher has not typed one
    typed: bool  # the researcher typed the max
    capped: bool  # twice the expected end is above the admin's cap
    cap: float
    min_hours: float

    def note(self) -> str:
        """How the max runtime was chosen, in the dialog's words."""
        if self.typed:
            return "As you typed it; clear it to take twice the expected runtime."
        if self.capped:
            return (
                f"Twice the expected {hours_text(self.hours_high)} would be "
                f"{hours_text(MAX_OVER_EXPECTED * self.hours_high)}; the longest allowed "
                f"here is {hours_text(self.cap)}, so the max runtime is "
                f"{hours_text(self.max_hours)}."
            )
        return f"Twice the expected {hours_text(self.hours_high)}, unless you type another."

    def to_json(self) -> dict[str, Any]:
        """The dialog's runtime fields as the server reads them."""
        return {
            "hours_low": self.hours_low,
            "hours_high": self.hours_high,
            "max_hours": self.max_hours,
            "max_hours_default": self.max_default,
            "max_hours_typed": self.typed,
            "max_hours_capped": self.capped,
            "max_hours_cap": self.cap,
            "min_hours": self.min_hours,
            "note": self.note(),
        }


def runtime(
    config: UcdhConfig,
    min_hours: float,
    hours_low: float | None,
    hours_high: float | None,
    max_hours: float | None,
) -> Runtime:
    """Read the runtime fields: the default max is twice the expected end, at most the
    admin's cap and at least the backend's minimum. Nothing is refused here (the
    verdict says what is wrong, in the dialog's words)."""
    cap = config.max_runtime_hours
    if hours_low is None and hours_high is None:
        high = round(config.runs_default_max_hours / MAX_OVER_EXPECTED, 4)
        low = round(high / 2, 4)
    else:
        low = hours_low if hours_low is not None else hours_high  # type: ignore[assignment]
        high = hours_high if hours_high is not None else low
    assert low is not None and high is not None
    wanted = MAX_OVER_EXPECTED * high
    default = max(min(wanted, cap), min_hours)
    return Runtime(
        hours_low=low,
        hours_high=high,
        max_hours=default if max_hours is None else max_hours,
        max_default=default,
        typed=max_hours is not None,
        capped=wanted > cap,
        cap=cap,
        min_hours=min_hours,
    )


def duration_hours(run: Run) -> float | None:
    """How long a finished run's machine ran, in hours (None if unknown)."""
    start, end = parse_iso(run.started_at), parse_iso(run.ended_at)
    if start is None or end is None:
        return None
    return max(end - start, timedelta(seconds=MINIMUM_BILLED_SECONDS)).total_seconds() / 3600


def ran_seconds(run: Run) -> float | None:
    """How long a finished run's machine ran, in seconds, as its card shows it."""
    start, end = parse_iso(run.started_at), parse_iso(run.ended_at)
    return None if start is None or end is None else max(0.0, (end - start).total_seconds())


def card_money(value: float) -> str:
    """A run's cost as its card shows it (``formatCost``): ``<$0.01`` under a cent."""
    return "<$0.01" if 0 < value < 0.01 else money(value)


def history(previous: list[Run], notebook_path: str, price: RunPrice) -> dict[str, Any] | None:
    """The newest successful run of this notebook on the same backend, instance type
    and number of machines; None when there is none (another machine says nothing)."""
    for run in previous:  # newest first
        same = (
            run.notebook_path == notebook_path
            and run.backend == price.backend
            and run.instance_type == price.instance_type
            and run.count == price.nodes
        )
        hours = duration_hours(run) if same and run.state is RunState.SUCCEEDED else None
        if hours is None:
            continue
        cost = run.cost_final_usd
        where = f"{price.machines()} on {BACKEND_LABELS.get(price.backend, price.backend)}"
        # The time as its run card shows it; the billed minimum said when it applied.
        took = ran_seconds(run) or 0.0
        said = format_duration(took)
        if took < MINIMUM_BILLED_SECONDS:
            said += f" (billed as {format_duration(MINIMUM_BILLED_SECONDS)})"
        text = f"Last successful run of this notebook on {where}: {said}"
        text += "." if cost is None else f", {card_money(cost)}."
        return {
            "hours": round(hours, 4),
            "cost_usd": cost,
            "started_at": run.started_at,
            "text": text,
        }
    return None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def dialog_runtime(runs: RunService, body: RunPrepareBody) -> Runtime:
    """The runtime fields of ``body`` for its backend (EC2 unless it says)."""
    backend = body.backend or "ec2"
    minimum = runs.policy.min_hours(backend)
    return runtime(runs.config, minimum, body.hours_low, body.hours_high, body.max_hours)


def sweep_cost(
    config: UcdhConfig,
    children: int,
    low: float | None,
    high: float | None,
    most: float | None,
) -> dict[str, Any]:
    """A sweep's figures from one child's: each child is a run of its own."""

    def times(value: float | None) -> float | None:
        return None if value is None else _round(value * children)

    parallelism = min(children, config.runs_sweep_max_parallel)
    if low is None or high is None or most is None:
        text = f"{children} runs; no price is known for this machine"
    else:
        each = money(low) if low == high else f"{money(low)}\u2013{money(high)}"
        total = (
            money(low * children)
            if low == high
            else f"{money(low * children)}\u2013{money(high * children)}"
        )
        text = (
            f"{children} runs \u00d7 {each} = {total} expected, at most "
            f"{money(most * children)} ({parallelism} at once)"
        )
    return {
        "children": children,
        "parallelism": parallelism,
        "expected_low_usd": times(low),
        "expected_high_usd": times(high),
        "max_cost_usd": times(most),
        "text": text,
    }


def cost_preview(
    runs: RunService,
    compute: ComputeService,
    body: RunPrepareBody,
    previous: list[Run],
) -> dict[str, Any] | None:
    """The cost block of the run dialog for ``body``; None before an instance type is
    chosen. ``previous`` are the user's runs, newest first.

    ``verdict`` is the cost policy's answer on submitting this run now, from the very
    checks :meth:`RunService.submit` makes (allowed types, max runtime, budget per run,
    per-user caps), plus the max runtime against the expected runtime.
    """
    instance_type = body.instance_type
    if not instance_type:
        return None
    check_instance_type(instance_type)
    backend = body.backend or "ec2"
    config = runs.config
    nodes = 1
    if backend == "databricks":
        workers = config.databricks_default_workers if body.workers is None else body.workers
        nodes = workers + 1
    plan = dialog_runtime(runs, body)
    price = run_price(compute, backend, instance_type, nodes)
    reason = None
    try:
        compute.check_allowed(instance_type, backend)
    except UcdhError as error:
        if error.status != 403:
            raise
        reason = error.message
    expected_problem = None
    try:
        check_expected(plan.hours_low, plan.hours_high, plan.cap)
    except UcdhError as error:
        expected_problem = error
    verdict = runs.policy.verdict(
        backend=backend,
        instance_type=price.instance_type,
        rate=price.node_rate,
        count=nodes,
        max_hours=plan.max_hours,
        expected_high=plan.hours_high,
        owner_runs=previous,
        not_allowed=reason,
        expected_problem=expected_problem,
        size=body.children or 1,
    )
    low = price.cost(billed_hours(plan.hours_low, MINIMUM_BILLED_SECONDS))
    high = price.cost(billed_hours(plan.hours_high, MINIMUM_BILLED_SECONDS))
    most = price.cost(plan.max_hours)
    stop = (
        "the job cluster is terminated" if backend == "databricks" else "the machine is terminated"
    )
    sweep = (
        {} if not body.children else {"sweep": sweep_cost(config, body.children, low, high, most)}
    )
    return {
        **sweep,
        "instance_type": price.instance_type,
        "backend": backend,
        "count": nodes,
        "rate_usd_per_hour": _round(price.node_rate),
        "price": price.to_json(),
        **plan.to_json(),
        "expected_low_usd": _round(low),
        "expected_high_usd": _round(high),
        "expected_counts": price.counts(hours_text(plan.hours_low, plan.hours_high)),
        "max_cost_usd": _round(most),
        "max_counts": price.counts(f"{hours_text(plan.max_hours)} max runtime") + f", then {stop}",
        "history": history(previous, body.notebook_path, price),
        "budget_usd": config.runs_budget_per_run_usd,
        "allowed": reason is None,
        "reason": reason,
        "verdict": verdict,
        "prices": compute.price_table().label(),
    }
