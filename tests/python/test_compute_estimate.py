"""Estimates against hand-computed figures, and the admin's limits on instance types."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from traitlets import TraitError

from ucdh_jupyter.compute.estimate import EstimateRequest, billed_hours, estimate
from ucdh_jupyter.compute.limits import Limits
from ucdh_jupyter.compute.rates import Rates
from ucdh_jupyter.compute.specs import InstanceSpec
from ucdh_jupyter.config import UcdhConfig
from ucdh_jupyter.errors import UcdhError


def spec(name: str, vcpu: int = 8, memory: float = 32.0, gpus: int = 0) -> InstanceSpec:
    return InstanceSpec(
        name=name,
        family=name.split(".")[0],
        vcpu=vcpu,
        memory_gib=memory,
        arch=("x86_64",),
        gpu_count=gpus,
        gpu_model="NVIDIA T4" if gpus else None,
        gpu_memory_gib=16.0 if gpus else None,
        local_nvme_gb=None,
        network="Up to 10 Gigabit",
        burstable=False,
    )


M5_2XL = spec("m5.2xlarge")
M5_PRICE = 0.384
# The documented example defaults: 1.37 DBU/h for m5.2xlarge, $0.15/DBU, gp3 $0.08/GB-month.
RATES = Rates.from_config(UcdhConfig())


def run(body: dict[str, Any], price: float | None = M5_PRICE, max_hours: float = 24) -> Any:
    request = EstimateRequest.parse({"instance_type": "m5.2xlarge", **body}, max_hours)
    return estimate(request, M5_2XL, price, RATES)


def test_ec2_estimate_is_a_low_high_range_of_hourly_price_times_hours() -> None:
    # Given m5.2xlarge at $0.384/h, a job of 2 to 4 hours
    # When it is estimated
    result = run({"hours_low": 2, "hours_high": 4})
    # Then 2 h x 0.384 = $0.768 and 4 h x 0.384 = $1.536
    assert (result["low"], result["high"]) == (0.768, 1.536)
    assert result["breakdown"] == [
        {
            "item": "EC2 m5.2xlarge on-demand x 1",
            "rate_per_hour": 0.384,
            "low": 0.768,
            "high": 1.536,
        }
    ]
    assert "per second with a 60-second minimum" in result["billing"]
    assert any("Savings Plans" in item for item in result["excludes"])
    assert {"Tax", "S3 storage and requests"} <= set(result["excludes"])


def test_a_run_shorter_than_a_minute_is_billed_a_full_minute() -> None:
    # Given a 10-second run
    result = run({"hours_low": 10 / 3600})
    # Then 60 s are billed: 0.384 / 60 = $0.0064
    assert result["low"] == result["high"] == 0.0064


def test_partial_seconds_are_billed_as_whole_seconds() -> None:
    # Given a run of one hour and half a second
    result = run({"hours_low": 1 + 0.5 / 3600})
    # Then 3,601 s are billed: 0.384 x 3601 / 3600 = $0.38411
    assert result["low"] == pytest.approx(0.3841, abs=1e-4)
    assert billed_hours(1 + 0.5 / 3600) == 3601 / 3600
    assert billed_hours(1.1) == 3960 / 3600  # no float noise turned into an extra second


def test_databricks_bills_workers_plus_driver_with_dbus_on_every_node() -> None:
    # Given 2 workers (+1 driver) of m5.2xlarge, 1.37 DBU/h at $0.15, 100 GB EBS each
    result = run(
        {"backend": "databricks", "count": 2, "hours_low": 2, "hours_high": 4, "ebs_gb": 100}
    )
    # Then 3 nodes: EC2 3 x 0.384 = 1.152/h, DBU 3 x 1.37 x 0.15 = 0.6165/h,
    # EBS 3 x 100 GB x 0.08 / 730 h = 0.0328767/h
    ec2, dbu, ebs = result["breakdown"]
    assert result["nodes"] == 3
    assert "2 workers + 1 driver" in ec2["item"]
    assert ec2["rate_per_hour"] == pytest.approx(1.152)
    assert dbu["rate_per_hour"] == pytest.approx(0.6165)
    assert ebs["rate_per_hour"] == pytest.approx(0.0328767, abs=1e-6)
    # low = 2 h x 1.8013767 = 3.60275, high = 4 h x 1.8013767 = 7.20551
    assert result["low"] == pytest.approx(3.6028, abs=1e-4)
    assert result["high"] == pytest.approx(7.2055, abs=1e-4)
    assert "driver included" in result["billing"]


def test_databricks_rate_of_an_unlisted_type_scales_with_its_vcpus() -> None:
    # Given r5.xlarge is not in databricks_dbu_per_hour: 4 vCPUs x 0.25 DBU/vCPU-h
    # Then one node costs its EC2 price + 1.0 DBU x $0.15
    assert RATES.dbus(spec("r5.xlarge", vcpu=4)) == 1.0
    assert RATES.node_price(spec("r5.xlarge", vcpu=4), 0.252, "databricks") == pytest.approx(0.402)


def test_unknown_price_gives_no_figure_rather_than_a_guess() -> None:
    result = run({"hours_low": 2}, price=None)
    assert result["low"] is None and result["high"] is None
    assert result["breakdown"] == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"hours_low": -1}, "The expected runtime must be a number of hours above 0"),
        ({"hours_low": 0}, "The expected runtime must be a number of hours above 0"),
        ({"hours_low": "3"}, "The expected runtime must be a number"),
        ({"hours_low": 2, "hours_high": 30}, "the longest allowed is 24 h"),
        (
            {"hours_low": 4, "hours_high": 2},
            "The expected runtime's upper end (2 h) is below its lower end (4 h).",
        ),
        ({"hours_low": 1, "count": 0}, "Machines must be a whole number from 1 to 200"),
        ({"hours_low": 1, "count": 1.5}, "Machines must be a whole number"),
        ({"hours_low": 1, "backend": "databricks", "count": -1}, "Workers must be"),
        ({"hours_low": 1, "backend": "emr"}, "Unknown backend 'emr'"),
        ({"hours_low": 1, "ebs_gb": -5}, "Disk (GB) must be a whole number from 0 to 16384"),
        ({"hours_low": 1, "instance_type": ""}, "Choose an instance type"),
    ],
)
def test_bad_estimate_input_is_refused_with_the_reason(body: dict[str, Any], message: str) -> None:
    with pytest.raises(UcdhError) as caught:
        run(body)
    assert caught.value.status == 400
    assert message in caught.value.message


def limits(**settings: Any) -> Limits:
    return Limits.from_config(UcdhConfig(**settings))


def test_types_outside_the_allowed_families_and_types_are_refused_with_the_reason() -> None:
    rules = limits(allowed_instance_families=["m5"], allowed_instance_types=["r6i.*", "g5.xlarge"])
    assert rules.reason(M5_2XL, 0.384) is None
    assert rules.reason(spec("r6i.4xlarge"), 1.0) is None
    assert rules.reason(spec("g5.xlarge", gpus=1), 1.0) is None
    reason = rules.reason(spec("c5.large"), 0.085)
    assert reason == "Your administrator allows only these instance types: m5, r6i.*, g5.xlarge."


def test_gpu_and_price_limits_name_the_figures() -> None:
    rules = limits(max_gpus=0, max_price_per_hour=2.0)
    assert rules.reason(spec("g4dn.xlarge", gpus=1), 0.526) == (
        "g4dn.xlarge has 1 GPU; your administrator allows no GPU types."
    )
    assert rules.reason(spec("m5.24xlarge", vcpu=96), 4.608) == (
        "m5.24xlarge costs $4.61/hour; your administrator's limit is $2.00/hour."
    )
    # an unknown price cannot be checked against the limit, so it is refused
    assert "cannot be checked" in (rules.reason(M5_2XL, None) or "")
    assert limits(max_gpus=4).reason(spec("p4d.24xlarge", gpus=8), 32.8) == (
        "p4d.24xlarge has 8 GPUs; your administrator allows at most 4 GPUs."
    )


def test_admin_limit_settings_are_validated() -> None:
    with pytest.raises(TraitError, match=r"'max_runtime_hours' trait .* greater than 744"):
        UcdhConfig(max_runtime_hours=24 * 31 + 1)
    with pytest.raises(TraitError, match=r"'max_price_per_hour' trait .* less than 0"):
        UcdhConfig(max_price_per_hour=-1)


@pytest.mark.parametrize(
    ("workers", "ec2_item", "dbu_item"),
    [(1, "(1 worker + 1 driver)", "x 2 nodes"), (0, "(0 workers + 1 driver)", "x 1 node")],
)
def test_databricks_breakdown_reads_in_singular_and_plural(
    workers: int, ec2_item: str, dbu_item: str
) -> None:
    # Given a Databricks cluster of one worker, or of the driver alone
    result = run({"backend": "databricks", "count": workers, "hours_low": 1, "hours_high": 2})
    # Then its cost lines say "1 worker" and "1 node", never "1 workers" or "1 nodes"
    ec2, dbu = result["breakdown"][:2]
    assert ec2_item in ec2["item"] and dbu_item in dbu["item"]
    assert "1 workers" not in ec2["item"] and "1 nodes" not in dbu["item"]


def test_the_sidebar_estimate_counts_the_disk_a_run_machine_gets_by_default() -> None:
    """The Compute section's estimator and the run dialog count the same disk: the
    estimator's default (``DEFAULT_ESTIMATE_FORM`` in ``src/compute/model.ts``) is the
    default ``runs_volume_gb`` (the walk found 100 GB there and 30 GB in the dialog)."""
    source = (Path(__file__).resolve().parents[2] / "src" / "compute" / "model.ts").read_text()
    form = re.search(r"DEFAULT_ESTIMATE_FORM: IEstimateForm = \{(.*?)\};", source, re.S)
    assert form, "DEFAULT_ESTIMATE_FORM not found"
    disk = re.search(r"ebs_gb: '(\d+)'", form.group(1))
    assert disk and int(disk.group(1)) == UcdhConfig().runs_volume_gb
