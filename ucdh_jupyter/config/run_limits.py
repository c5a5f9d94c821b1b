"""What one run, and one user's runs, may ask for: runtime, cost, concurrency, upload sizes.

A ``HasTraits`` mixin of :class:`~ucdh_jupyter.config.UcdhConfig`, not a ``Configurable``:
its traits are set as ``c.UcdhConfig.<name>``, like every other setting.
"""

from __future__ import annotations

from typing import Any

from traitlets import Float, HasTraits, Int, validate

from .bounds import above_zero


class RunLimitSettings(HasTraits):
    """Per-run and per-user limits of runs, enforced on the server."""

    runs_default_max_hours = Float(
        2.0,
        help=(
            "Max runtime offered by default, in hours. A run is stopped (and its machine "
            "terminated) when its max runtime is reached; max_runtime_hours caps it."
        ),
    ).tag(config=True)

    runs_budget_per_run_usd = Float(
        None,
        allow_none=True,
        help=(
            "Highest maximum cost (hourly rate x max runtime x machines) of one run, in USD, "
            "enforced on the server. Unset: no budget cap."
        ),
    ).tag(config=True)

    runs_max_concurrent_per_user = Int(
        3,
        min=1,
        help=(
            "Most runs one user may have going at once (not yet SUCCEEDED, FAILED, "
            "CANCELLED or EXPIRED), whichever backend, enforced on the server."
        ),
    ).tag(config=True)

    runs_monthly_budget_per_user_usd = Float(
        None,
        allow_none=True,
        min=0.01,
        help=(
            "Most one user's runs may cost per calendar month (UTC), in USD: finished runs "
            "count at their final cost, live runs at their maximum cost (rate x machines x "
            "max runtime). A run that could take the month over it is refused. Unset: no cap."
        ),
    ).tag(config=True)

    runs_sweep_max_size = Int(
        1000,
        min=2,
        max=10000,
        help=(
            "Most parameter sets (children) one sweep may run. An EC2 sweep is one AWS Batch "
            "array job (at most 10,000 children); a Databricks sweep is one for-each task. "
            "Each child is held to the budget per run, the whole sweep to the monthly cap."
        ),
    ).tag(config=True)

    runs_sweep_max_parallel = Int(
        10,
        min=1,
        help=(
            "Most children of one sweep running at once that a user may ask for (Databricks: "
            "the for-each task's concurrency). On AWS Batch the compute environment's maxvCpus "
            "is what limits children at once: size it to match."
        ),
    ).tag(config=True)

    runs_max_notebook_mb = Float(
        20.0,
        help="Largest notebook (MiB) that may be sent to a run.",
    ).tag(config=True)

    runs_max_files_mb = Float(
        500.0,
        help=(
            "Largest total (MiB) of the files sent along with a notebook. Bigger inputs "
            "belong in S3, read by the notebook."
        ),
    ).tag(config=True)

    @validate(
        "runs_default_max_hours",
        "runs_budget_per_run_usd",
        "runs_max_notebook_mb",
        "runs_max_files_mb",
    )
    def _validate_run_limits_above_zero(self, proposal: dict[str, Any]) -> Any:
        # A 0 limit would refuse every run; traitlets' min cannot leave out 0 itself.
        return above_zero(proposal)
