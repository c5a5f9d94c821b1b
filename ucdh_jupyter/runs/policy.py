"""The cost policy: how long and how costly a run may be, decided in one place.

Submitting (routes and magics), the run dialog's cost preview and the Runs section's
usage line all ask this object, so what the dialog shows is the verdict the server
applies on submit. Its rules, in the order a submit meets them:

- max runtime: at least the backend's minimum (declared by each backend class), at
  most ``max_runtime_hours``; a value outside is refused, never silently stretched;
- per-run budget: rate x machines x max runtime at most ``runs_budget_per_run_usd``;
- per-user caps: at most ``runs_max_concurrent_per_user`` live runs, and this calendar
  month's (UTC) runs at most ``runs_monthly_budget_per_user_usd``, finished runs at
  their final cost and live runs at their maximum cost (a live run may still use it all).

Refusals of a per-user cap are 403 code ``user_cap``: like the admin's other limits it
is the administrator's rule, not bad input (400), and retrying soon does not help, as a
429 would suggest (the month's budget only frees up next month).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from ..config import UcdhConfig
from ..errors import UcdhError, bad_request
from ..wording import plural
from .model import Run, parse_iso, utcnow

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
BACKEND_LABELS = {"ec2": "EC2", "databricks": "Databricks"}


def user_cap(message: str, hint: str) -> UcdhError:
    """The refusal of a per-user cap (see the module's docstring for the status)."""
    return UcdhError(403, "user_cap", message, hint)


def duration_text(hours: float) -> str:
    """``10 minutes``, ``1 minute``, ``2 hours`` (for limits in messages)."""
    minutes = hours * 60
    if minutes < 60:
        return plural(round(minutes, 2), "minute")
    return plural(hours, "hour")


def unpriced(instance_type: str) -> tuple[str, str]:
    """Why a run has no price, and what to do, for a budget that must refuse it: a
    machine type without a known price, or compute that is not sized here (Databricks
    serverless or an existing cluster, whose ``instance_type`` is empty)."""
    if not instance_type:
        return (
            "Databricks bills serverless compute and existing clusters itself, with no "
            "price known here",
            "Choose a job cluster with a node type (priced here), or ask your administrator.",
        )
    return f"The price of {instance_type} is unknown", "Choose another instance type."


def max_cost(rate: float | None, count: int, hours: float) -> float | None:
    """The most a run can cost: every machine billed until its deadline."""
    return None if rate is None else rate * count * hours


def money(value: float) -> str:
    """``$0.27``; a cost under a cent keeps its first figures (``$0.0035``)."""
    return f"${value:,.2f}" if value >= 0.01 or value == 0 else f"${value:.2g}"


def run_maximum(run: Run) -> str:
    """The most a submitted run can cost with what it counts, as the run dialog's
    Maximum says it: ``$0.05 (4 h max runtime x 1 t3.micro at $0.0137/h, disk
    included)``."""
    most = max_cost(run.rate_usd_per_hour, run.count * run.size, run.max_hours)
    if most is None:
        return "an unknown cost (no price is known for this machine)"
    included = "DBUs included" if run.backend == "databricks" else "disk included"
    children = f"{run.size} children \u00d7 " if run.size > 1 else ""
    return (
        f"{money(most)} ({children}{run.max_hours:g} h max runtime \u00d7 {run.count} "
        f"{run.instance_type} at ${run.rate_usd_per_hour:,.4f}/h, {included})"
    )


def committed_cost(run: Run) -> float:
    """What a run counts for in its owner's month: its final cost once over, else its
    maximum cost (0 when its price is unknown)."""
    if run.final:
        return run.cost_final_usd or 0.0
    return max_cost(run.rate_usd_per_hour, run.count * run.size, run.max_hours) or 0.0


@dataclass(frozen=True)
class Usage:
    """One user's runs this month against the caps (``GET runs`` carries it)."""

    month: str  # 2026-12
    month_name: str  # December
    used_usd: float  # what the monthly cap counts: finished at cost, live at maximum
    spent_usd: float  # what the month's runs cost so far
    monthly_budget_usd: float | None
    live_runs: int
    max_concurrent: int

    def to_json(self) -> dict[str, Any]:
        """For the Runs section's "This month: $12.40 of $200"."""
        return {
            "month": self.month,
            "month_name": self.month_name,
            "used_usd": round(self.used_usd, 4),
            "spent_usd": round(self.spent_usd, 4),
            "monthly_budget_usd": self.monthly_budget_usd,
            "live_runs": self.live_runs,
            "max_concurrent": self.max_concurrent,
        }


class Pricing(Protocol):
    """Machine prices and the admin's allowed types, for the policy. The run core knows
    no prices: :class:`~ucdh_jupyter.runs.costs.ComputePricing` asks the compute service."""

    def rate(self, backend: str, instance_type: str) -> float | None:
        """USD per hour of one machine (its disk and DBUs included); None when unknown."""

    def check_allowed(self, backend: str, instance_type: str) -> None:
        """Nothing, or a 403 with the admin's reason when the type is not allowed."""


class CostPolicy:
    """Max runtime, per-run budget and per-user caps, from the admin's settings, and the
    prices they are checked against (``pricing``; without it runs are unpriced: the
    budget refuses them when one is set)."""

    def __init__(self, config: UcdhConfig, pricing: Pricing | None = None) -> None:
        self.config = config
        self.pricing = pricing

    def rate(self, backend: str, instance_type: str) -> float | None:
        """The admin's allowed-type check (a 403), then the hourly rate of one machine of
        ``instance_type``; None when it is unpriced."""
        if self.pricing is None:
            return None
        self.pricing.check_allowed(backend, instance_type)
        return self.pricing.rate(backend, instance_type)

    # -- max runtime ------------------------------------------------------------

    def min_hours(self, backend: str) -> float:
        """The shortest max runtime ``backend`` accepts (its class declares it)."""
        from .registry import backend_class

        return float(backend_class(self.config, backend).min_max_hours)

    def hours(self, backend: str, requested: float | None) -> float:
        """The run's max runtime: the request's, else the default; a 400 naming the
        minimum or the cap when it is outside them."""
        hours = self.config.runs_default_max_hours if requested is None else requested
        minimum, cap = self.min_hours(backend), self.config.max_runtime_hours
        if hours < minimum:
            where = BACKEND_LABELS.get(backend, backend)
            raise bad_request(
                f"The max runtime must be at least {duration_text(minimum)} "
                f"({minimum:.4g} hours) on {where}; {hours:g} hours is shorter.",
                "Choose a longer max runtime: the run is stopped when it is reached.",
            )
        if hours > cap:
            raise bad_request(
                f"Max runtime must be above 0 and at most {plural(cap, 'hour')}.",
                "Choose a shorter max runtime, or ask your administrator for a higher cap.",
            )
        return hours

    # -- money --------------------------------------------------------------------

    def check_budget(
        self, instance_type: str, rate: float | None, count: int, hours: float, size: int = 1
    ) -> None:
        """Refuse a run whose maximum cost is over the per-run budget, or unknown; a
        sweep of ``size`` children has the budget once per child."""
        budget = self.config.runs_budget_per_run_usd
        if budget is None:
            return
        most = max_cost(rate, count, hours)
        if most is None:
            what, hint = unpriced(instance_type)
            raise bad_request(f"{what}, so the run budget cannot be checked.", hint)
        if most > budget:
            if size > 1:
                raise bad_request(
                    f"This sweep of {size} runs could cost up to ${most * size:,.2f}, above "
                    f"the ${budget:,.2f} budget per run \u00d7 {size} runs "
                    f"(${budget * size:,.2f}): each run could cost ${most:,.2f}.",
                    "Choose a smaller instance or a shorter max runtime per run.",
                )
            raise bad_request(
                f"The maximum cost of this run is ${most:,.2f}, above the ${budget:,.2f} "
                "budget per run.",
                "Choose a smaller instance or a shorter max runtime.",
            )

    def usage(self, owner_runs: Iterable[Run], now: datetime | None = None) -> Usage:
        """The owner's live runs, and this calendar month's (UTC) runs' cost."""
        moment = now or utcnow()
        month = moment.strftime("%Y-%m")
        live = used = spent = 0.0
        for run in owner_runs:
            live += 0 if run.final else 1
            created = parse_iso(run.created_at)
            if created is None or created.strftime("%Y-%m") != month:
                continue
            used += committed_cost(run)
            cost = run.cost_final_usd if run.final else run.cost_so_far_usd
            spent += cost or 0.0
        return Usage(
            month=month,
            month_name=MONTHS[moment.month - 1],
            used_usd=used,
            spent_usd=spent,
            monthly_budget_usd=self.config.runs_monthly_budget_per_user_usd,
            live_runs=int(live),
            max_concurrent=self.config.runs_max_concurrent_per_user,
        )

    def check_owner(
        self,
        owner_runs: Iterable[Run],
        instance_type: str,
        most: float | None,
        now: datetime | None = None,
    ) -> Usage:
        """Refuse (403 ``user_cap``) a run that would take its owner over a per-user cap;
        ``most`` is the new run's maximum cost (None: unknown price)."""
        usage = self.usage(owner_runs, now)
        if usage.live_runs >= usage.max_concurrent:
            raise user_cap(
                f"You have {plural(usage.live_runs, 'run')} going, the most allowed at once "
                f"is {usage.max_concurrent}.",
                "Wait for one to finish, or cancel one in the Runs section.",
            )
        cap = usage.monthly_budget_usd
        if cap is None:
            return usage
        if most is None:
            what, hint = unpriced(instance_type)
            raise user_cap(f"{what}, so your monthly budget cannot be checked.", hint)
        if usage.used_usd + most > cap + 1e-9:
            raise user_cap(
                f"This run could cost up to ${most:,.2f}; you have used "
                f"${usage.used_usd:,.2f} of your ${cap:,.2f} for {usage.month_name}.",
                "Choose a smaller machine or a shorter max runtime, or wait for next month.",
            )
        return usage

    def check(
        self,
        *,
        backend: str,
        instance_type: str,
        rate: float | None,
        count: int,
        requested_hours: float | None,
        owner_runs: Iterable[Run],
        now: datetime | None = None,
        size: int = 1,
    ) -> float:
        """Every rule above, in order; returns the max runtime. ``rate`` is None when
        the price is unknown (or the compute is not priced per node, as Databricks
        serverless): a budget or a monthly cap then refuses the run, as it cannot be
        checked."""
        hours = self.hours(backend, requested_hours)
        self.check_budget(instance_type, rate, count, hours, size)
        self.check_owner(owner_runs, instance_type, max_cost(rate, count * size, hours), now)
        return hours

    # -- the verdict the run dialog shows ------------------------------------------

    def verdict(
        self,
        *,
        backend: str,
        instance_type: str,
        rate: float | None,
        count: int,
        max_hours: float,
        expected_high: float,
        owner_runs: Iterable[Run],
        not_allowed: str | None = None,
        expected_problem: UcdhError | None = None,
        now: datetime | None = None,
        size: int = 1,
    ) -> dict[str, Any]:
        """Within the limits or not, and why, in the dialog's words: the admin's
        allowed types (``not_allowed``, the compute service's reason), the expected
        runtime (``expected_problem``), the max runtime against it, then :meth:`check`,
        the very function a submit passes through."""
        runs = list(owner_runs)
        refusal: UcdhError | None = None
        try:
            if not_allowed is not None:
                raise UcdhError(403, "not_allowed", not_allowed, "Choose another instance type.")
            if expected_problem is not None:
                raise expected_problem
            self.hours(backend, max_hours)  # the backend's minimum and the admin's cap first
            if max_hours < expected_high:
                raise bad_request(
                    f"The max runtime ({max_hours:g} h) is below the expected runtime's upper "
                    f"end ({expected_high:g} h): the run would be stopped before it is "
                    "expected to end.",
                    "Raise the max runtime, or clear it to take twice the expected runtime.",
                )
            self.check(
                backend=backend,
                instance_type=instance_type,
                rate=rate,
                count=count,
                requested_hours=max_hours,
                owner_runs=runs,
                now=now,
                size=size,
            )
        except UcdhError as error:
            refusal = error
        if refusal is not None:
            return {
                "ok": False,
                "code": refusal.code,
                "message": refusal.message,
                "hint": refusal.hint,
            }
        return {
            "ok": True,
            "code": None,
            "message": self._within(rate, count, max_hours, runs, now, size),
        }

    def _within(
        self,
        rate: float | None,
        count: int,
        hours: float,
        runs: list[Run],
        now: datetime | None,
        size: int = 1,
    ) -> str:
        """Why a run passes: each limit with its figure."""
        each = max_cost(rate, count, hours)
        most = None if each is None else each * size
        usage = self.usage(runs, now)
        parts = []
        budget = self.config.runs_budget_per_run_usd
        if budget is not None and each is not None:
            per = " for each of its runs" if size > 1 else ""
            parts.append(f"at most ${each:,.2f} of the ${budget:,.2f} budget per run{per}")
        cap = usage.monthly_budget_usd
        if cap is not None and most is not None:
            parts.append(
                f"${usage.used_usd + most:,.2f} of your ${cap:,.2f} for {usage.month_name} "
                + ("with this sweep at its maximum" if size > 1 else "with this run at its maximum")
            )
        going = f"{plural(usage.live_runs, 'run')} going of {usage.max_concurrent} at once"
        if not parts:
            return f"Within the limits: no budget applies here; {going}."
        return f"Within budget: {'; '.join(parts)}; {going}."
