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
from typing import Any

from ..config import UcdhConfig
from ..errors import UcdhError, bad_request
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


def plural(number: float, noun: str) -> str:
    """``1 run``, ``3 runs``, ``0.5 hours``."""
    return f"{number:g} {noun}" + ("" if number == 1 else "s")


def duration_text(hours: float) -> str:
    """``10 minutes``, ``1 minute``, ``2 hours`` (for limits in messages)."""
    minutes = hours * 60
    if minutes < 60:
        return plural(round(minutes, 2), "minute")
    return plural(hours, "hour")


def max_cost(rate: float | None, count: int, hours: float) -> float | None:
    """The most a run can cost: every machine billed until its deadline."""
    return None if rate is None else rate * count * hours


def committed_cost(run: Run) -> float:
    """What a run counts for in its owner's month: its final cost once over, else its
    maximum cost (0 when its price is unknown)."""
    if run.final:
        return run.cost_final_usd or 0.0
    return max_cost(run.rate_usd_per_hour, run.count, run.max_hours) or 0.0


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


class CostPolicy:
    """Max runtime, per-run budget and per-user caps, from the admin's settings."""

    def __init__(self, config: UcdhConfig) -> None:
        self.config = config

    # -- max runtime ------------------------------------------------------------

    def min_hours(self, backend: str) -> float:
        """The shortest max runtime ``backend`` accepts (its class declares it)."""
        from .backend import backend_class

        return float(backend_class(backend).min_max_hours)

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
        self, instance_type: str, rate: float | None, count: int, hours: float
    ) -> None:
        """Refuse a run whose maximum cost is over the per-run budget, or unknown."""
        budget = self.config.runs_budget_per_run_usd
        if budget is None:
            return
        most = max_cost(rate, count, hours)
        if most is None:
            raise bad_request(
                f"The price of {instance_type} is unknown, so the run budget cannot be checked.",
                "Choose another instance type.",
            )
        if most > budget:
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
            raise user_cap(
                f"The price of {instance_type} is unknown, so your monthly budget cannot "
                "be checked.",
                "Choose another instance type.",
            )
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
    ) -> float:
        """Every rule above, in order; returns the max runtime. ``rate`` is None when
        the price is unknown (or the compute is not priced per node, as Databricks
        serverless): a budget or a monthly cap then refuses the run, as it cannot be
        checked."""
        hours = self.hours(backend, requested_hours)
        self.check_budget(instance_type, rate, count, hours)
        self.check_owner(owner_runs, instance_type, max_cost(rate, count, hours), now)
        return hours
