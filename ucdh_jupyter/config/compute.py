"""Which machines users may pick (families, types, price, GPUs, runtime) and how prices are found.

A ``HasTraits`` mixin of :class:`~ucdh_jupyter.config.UcdhConfig`, not a ``Configurable``:
its traits are set as ``c.UcdhConfig.<name>``, like every other setting.
"""

from __future__ import annotations

from typing import Any

from traitlets import Bool, Float, HasTraits, Int, List, Unicode, validate

from .bounds import above_zero


class ComputeSettings(HasTraits):
    """The administrator's limits on machines, and the price sources that check them."""

    allowed_instance_families = List(
        Unicode(),
        default_value=[],
        help=(
            "EC2 instance families users may choose, e.g. ['t3', 'm6i', 'r6i', 'g5']. "
            "Empty (and allowed_instance_types empty): every family. Other types are shown "
            "greyed with the reason, and the run routes refuse them."
        ),
    ).tag(config=True)

    allowed_instance_types = List(
        Unicode(),
        default_value=[],
        help=(
            "Instance types users may choose besides allowed_instance_families: exact names "
            "or patterns, e.g. ['g5.xlarge', 'r6i.*']. Empty (and allowed_instance_families "
            "empty): every type."
        ),
    ).tag(config=True)

    max_price_per_hour = Float(
        None,
        allow_none=True,
        min=0.0,
        help=(
            "Highest on-demand USD per hour of one instance (for Databricks, of one node: "
            "EC2 plus DBUs). Unset: no limit. While set, a type whose price is unknown is "
            "refused, since the limit cannot be checked."
        ),
    ).tag(config=True)

    max_gpus = Int(
        None,
        allow_none=True,
        min=0,
        help="Most GPUs one instance may have (0: no GPU types). Unset: no limit.",
    ).tag(config=True)

    max_runtime_hours = Float(
        24.0,
        max=24.0 * 31,
        help=(
            "Longest run users may ask for, in hours (at most 744, i.e. 31 days). Estimates "
            "beyond it are refused, and runs are stopped when it is reached."
        ),
    ).tag(config=True)

    ebs_price_per_gb_month = Float(
        0.08,
        min=0.0,
        help="USD per GB-month of EBS gp3 storage (example default: the us-east-1 list price).",
    ).tag(config=True)

    live_pricing = Bool(
        True,
        help=(
            "Fetch live on-demand prices from the AWS Price List API (needs "
            "pricing:GetProducts; the client uses us-east-1). Off, or when it fails: the "
            "price cache, then the snapshot bundled in the package, always labelled. "
            "Default: on, but off in 'local' mode (the demo's AWS has no Price List API)."
        ),
    ).tag(config=True)

    pricing_cache_ttl_hours = Float(
        24.0,
        min=0.0,
        help="Hours live prices are reused (from memory or the disk cache) before a refresh.",
    ).tag(config=True)

    pricing_cache_dir = Unicode(
        None,
        allow_none=True,
        help="Directory of the price cache. Unset: <Jupyter data dir>/ucdh_jupyter/pricing.",
    ).tag(config=True)

    @validate("max_runtime_hours")
    def _validate_runtime_above_zero(self, proposal: dict[str, Any]) -> Any:
        # A 0-hour cap would refuse every run; traitlets' min cannot leave out 0 itself.
        return above_zero(proposal)
