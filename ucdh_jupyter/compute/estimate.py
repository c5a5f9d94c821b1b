"""What a job will cost: low-high range, line by line, with the billing rules used."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import bad_request
from ..wording import plural
from .rates import DATABRICKS, EC2, Rates, check_backend
from .specs import InstanceSpec

MINIMUM_SECONDS = 60  # Linux EC2 and EBS: per-second billing, 60 s minimum
MAX_NODES = 200
MAX_EBS_GB = 16_384  # the largest gp3 volume
EXCLUDES = (
    "Savings Plans, Reserved Instances, Spot and negotiated discounts (list on-demand prices)",
    "Data transfer (out of AWS, between regions or availability zones)",
    "Tax",
    "S3 storage and requests",
    "EBS snapshots, and IOPS or throughput above the gp3 baseline",
)
DATABRICKS_EXCLUDES = ("Databricks charges other than this job cluster's DBUs",)


# The estimate's fields as the sidebar and the run dialog name them (an error a UI
# action can cause speaks the UI's words, not the body's).
LABELS = {
    "hours_low": "The expected runtime",
    "hours_high": "The expected runtime's upper end",
    "count": "Machines",
    "count_workers": "Workers",
    "ebs_gb": "Disk (GB)",
}


def _int(
    body: Mapping[str, Any], name: str, default: int, low: int, high: int, label: str = ""
) -> int:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        shown = value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
        raise bad_request(
            f"{label or LABELS.get(name, name)} must be a whole number from {low} to {high}"
            + ("." if shown is None else f", not {shown:g}."),
        )
    return value


def _hours(body: Mapping[str, Any], name: str, default: Any = None) -> float:
    value = body.get(name, default)
    valid = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not valid or not math.isfinite(value) or value <= 0:
        raise bad_request(
            f"{LABELS[name]} must be a number of hours above 0.",
            "For example 2, or a range such as 1-3.",
        )
    return float(value)


def check_expected(low: float, high: float, cap: float) -> None:
    """Refuse an expected runtime (low-high hours) that is upside down or longer than
    the admin's longest run, in the words of the dialog's fields."""
    if high < low:
        raise bad_request(
            f"The expected runtime's upper end ({high:g} h) is below its lower end ({low:g} h).",
            "Give the shorter time first, e.g. 1-3.",
        )
    if high > cap:
        raise bad_request(
            f"Expected runtime {high:g} h is longer than the longest run allowed here: "
            f"the longest allowed is {cap:g} h.",
            "Split the work into shorter runs, or ask your administrator for a longer limit.",
        )


@dataclass(frozen=True)
class EstimateRequest:
    """A validated estimate request (the body of ``POST compute/estimate``)."""

    backend: str
    instance_type: str
    count: int
    hours_low: float
    hours_high: float
    ebs_gb: int

    @classmethod
    def parse(cls, body: Mapping[str, Any], max_hours: float) -> EstimateRequest:
        """Validate the body; every broken rule is a 400 that names it."""
        backend = check_backend(body.get("backend", EC2))
        instance_type = body.get("instance_type")
        if not isinstance(instance_type, str) or not instance_type.strip():
            raise bad_request("Choose an instance type.", "For example: m5.2xlarge.")
        hours_low = _hours(body, "hours_low")
        hours_high = _hours(body, "hours_high", default=hours_low)
        check_expected(hours_low, hours_high, max_hours)
        label = LABELS["count_workers" if backend == DATABRICKS else "count"]
        return cls(
            backend=backend,
            instance_type=instance_type.strip(),
            # A single-node Databricks cluster has no workers, only its driver.
            count=_int(body, "count", 1, 0 if backend == DATABRICKS else 1, MAX_NODES, label),
            hours_low=hours_low,
            hours_high=hours_high,
            ebs_gb=_int(body, "ebs_gb", 0, 0, MAX_EBS_GB),
        )

    @property
    def nodes(self) -> int:
        """Machines billed: the count, plus the driver on Databricks."""
        return self.count + 1 if self.backend == DATABRICKS else self.count


def billed_hours(hours: float, minimum_seconds: int = MINIMUM_SECONDS) -> float:
    """Hours billed for a run of ``hours``: whole seconds, at least the minimum."""
    seconds = max(minimum_seconds, math.ceil(round(hours * 3600, 6)))
    return seconds / 3600


def _line(item: str, rate: float, low_hours: float, high_hours: float) -> dict[str, Any]:
    return {
        "item": item,
        "rate_per_hour": round(rate, 6),
        "low": round(rate * low_hours, 6),
        "high": round(rate * high_hours, 6),
    }


def estimate(
    request: EstimateRequest, spec: InstanceSpec, ec2_price: float | None, rates: Rates
) -> dict[str, Any]:
    """The cost range of ``request``; low/high are None when the EC2 price is unknown."""
    nodes = request.nodes
    low, high = billed_hours(request.hours_low), billed_hours(request.hours_high)
    breakdown = []
    if ec2_price is not None:
        workers = plural(request.count, "worker")
        who = f" ({workers} + 1 driver)" if request.backend == DATABRICKS else ""
        breakdown.append(
            _line(f"EC2 {spec.name} on-demand x {nodes}{who}", ec2_price * nodes, low, high)
        )
        if request.backend == DATABRICKS:
            dbus = rates.dbus(spec)
            per_dbu = f"${rates.price_per_dbu:g}/DBU"
            breakdown.append(
                _line(
                    f"Databricks {dbus:g} DBU/hour x {per_dbu} x {plural(nodes, 'node')}",
                    dbus * rates.price_per_dbu * nodes,
                    billed_hours(request.hours_low, 0),
                    billed_hours(request.hours_high, 0),
                )
            )
        if request.ebs_gb:
            breakdown.append(
                _line(
                    f"EBS gp3 {request.ebs_gb} GB x {nodes}",
                    request.ebs_gb * nodes * rates.ebs_per_gb_hour,
                    low,
                    high,
                )
            )
    known = ec2_price is not None
    return {
        "currency": "USD",
        "backend": request.backend,
        "instance_type": spec.name,
        "nodes": nodes,
        "hours_low": request.hours_low,
        "hours_high": request.hours_high,
        "low": round(sum(line["low"] for line in breakdown), 4) if known else None,
        "high": round(sum(line["high"] for line in breakdown), 4) if known else None,
        "breakdown": breakdown,
        "billing": billing_rules(request.backend),
        "excludes": [*EXCLUDES, *(DATABRICKS_EXCLUDES if request.backend == DATABRICKS else ())],
    }


def billing_rules(backend: str) -> str:
    """The billing rules the estimate applies, in plain words."""
    rules = (
        "Linux EC2 instances and EBS volumes are billed per second with a 60-second "
        "minimum, from start to termination: start-up and shutdown count. The range is "
        "your low and high run time at on-demand list prices."
    )
    if backend == DATABRICKS:
        rules += (
            " Databricks adds DBUs/hour x $/DBU per node, driver included, billed per "
            "second of cluster uptime; the driver uses the workers' instance type."
        )
    return rules
