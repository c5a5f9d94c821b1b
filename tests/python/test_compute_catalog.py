"""The instance catalog from EC2: every page, only offered and runnable types, spot prices."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.stub import ANY, Stubber

from ucdh_jupyter.compute.catalog import fetch_catalog
from ucdh_jupyter.compute.shared import SharedCache
from ucdh_jupyter.compute.spot import build_spot_table

from .aws_stubs import stubbed
from .patience import patient


def instance_type(name: str, **extra: Any) -> dict[str, Any]:
    """A ``describe_instance_types`` entry in the shape EC2 returns."""
    item = {
        "InstanceType": name,
        "SupportedUsageClasses": ["on-demand", "spot"],
        "ProcessorInfo": {"SupportedArchitectures": ["x86_64"]},
        "VCpuInfo": {"DefaultVCpus": 8},
        "MemoryInfo": {"SizeInMiB": 32768},
        "NetworkInfo": {"NetworkPerformance": "Up to 10 Gigabit"},
        "BurstablePerformanceSupported": False,
    }
    item.update(extra)
    return item


G5 = instance_type(
    "g5.12xlarge",
    VCpuInfo={"DefaultVCpus": 48},
    MemoryInfo={"SizeInMiB": 196608},
    GpuInfo={
        "Gpus": [
            {
                "Name": "A10G",
                "Manufacturer": "NVIDIA",
                "Count": 4,
                "MemoryInfo": {"SizeInMiB": 24576},
            }
        ],
        "TotalGpuMemoryInMiB": 98304,
    },
    InstanceStorageInfo={"TotalSizeInGB": 3800, "NvmeSupport": "required"},
    NetworkInfo={"NetworkPerformance": "40 Gigabit"},
)


@pytest.fixture
def ec2() -> Iterator[tuple[Any, Stubber]]:
    with stubbed("ec2") as client_and_stubber:
        yield client_and_stubber


def test_catalog_reads_every_page_and_keeps_offered_runnable_types(
    ec2: tuple[Any, Stubber],
) -> None:
    # Given EC2 describes types over two pages, and us-east-1 offers all but one of them
    client, stubber = ec2
    offered = ["m5.2xlarge", "t3.micro", "g5.12xlarge", "mac1.metal", "p5e.48xlarge"]
    stubber.add_response(
        "describe_instance_type_offerings",
        {
            "InstanceTypeOfferings": [
                {"InstanceType": n, "LocationType": "region", "Location": "us-east-1"}
                for n in offered
            ]
        },
        {"LocationType": "region", "Filters": [{"Name": "location", "Values": ["us-east-1"]}]},
    )
    stubber.add_response(
        "describe_instance_types",
        {
            "InstanceTypes": [
                instance_type("m5.2xlarge"),
                instance_type("t3.micro", BurstablePerformanceSupported=True),
                instance_type("x8aedz.large"),  # not offered in this region
            ],
            "NextToken": "page-2",
        },
        {},
    )
    stubber.add_response(
        "describe_instance_types",
        {
            "InstanceTypes": [
                G5,
                instance_type(
                    "mac1.metal", ProcessorInfo={"SupportedArchitectures": ["x86_64_mac"]}
                ),
                instance_type("p5e.48xlarge", SupportedUsageClasses=["capacity-block"]),
            ]
        },
        {"NextToken": "page-2"},
    )
    # When the catalog is built
    catalog = fetch_catalog(client, "us-east-1")
    # Then it holds the offered types a notebook can run on, in natural order
    stubber.assert_no_pending_responses()
    assert [s.name for s in catalog.specs] == ["g5.12xlarge", "m5.2xlarge", "t3.micro"]
    g5 = catalog.by_name["g5.12xlarge"].to_json()
    assert g5 == {
        "name": "g5.12xlarge",
        "family": "g5",
        "vcpu": 48,
        "memory_gib": 192.0,
        "arch": ["x86_64"],
        "gpu_count": 4,
        "gpu_model": "NVIDIA A10G",
        "gpu_memory_gib": 24.0,
        "local_nvme_gb": 3800,
        "network": "40 Gigabit",
        "burstable": False,
    }
    assert catalog.by_name["t3.micro"].burstable


def test_catalog_is_unfiltered_when_offerings_cannot_be_read(ec2: tuple[Any, Stubber]) -> None:
    # Given the role may not describe offerings
    client, stubber = ec2
    stubber.add_client_error("describe_instance_type_offerings", "UnauthorizedOperation")
    stubber.add_response("describe_instance_types", {"InstanceTypes": [instance_type("m5.large")]})
    # Then the types are still listed rather than hidden
    assert [s.name for s in fetch_catalog(client, "us-east-1").specs] == ["m5.large"]


def test_spot_price_is_the_cheapest_zone_of_every_page(ec2: tuple[Any, Stubber]) -> None:
    # Given spot prices of two zones over two pages
    client, stubber = ec2
    record = {"ProductDescription": "Linux/UNIX", "Timestamp": "2026-11-27T00:00:00Z"}
    stubber.add_response(
        "describe_spot_price_history",
        {
            "SpotPriceHistory": [
                {
                    **record,
                    "InstanceType": "m5.2xlarge",
                    "AvailabilityZone": "a",
                    "SpotPrice": "0.16",
                },
                {
                    **record,
                    "InstanceType": "m5.2xlarge",
                    "AvailabilityZone": "b",
                    "SpotPrice": "0.12",
                },
            ],
            "NextToken": "more",
        },
        {"StartTime": ANY, "ProductDescriptions": ANY, "MaxResults": 1000},
    )
    stubber.add_response(
        "describe_spot_price_history",
        {
            "SpotPriceHistory": [
                {
                    **record,
                    "InstanceType": "m5.2xlarge",
                    "AvailabilityZone": "c",
                    "SpotPrice": "0.14",
                },
                {
                    **record,
                    "InstanceType": "t3.micro",
                    "AvailabilityZone": "a",
                    "SpotPrice": "0.0031",
                },
            ]
        },
        {"StartTime": ANY, "ProductDescriptions": ANY, "MaxResults": 1000, "NextToken": "more"},
    )
    # When the spot table is built against real AWS
    table = build_spot_table(client, local=False)
    # Then each type has its lowest zone price, labelled live
    assert dict(table.prices) == {"m5.2xlarge": 0.12, "t3.micro": 0.0031}
    assert table.source == "live"


def test_refused_spot_prices_leave_the_column_empty_and_say_why(ec2: tuple[Any, Stubber]) -> None:
    client, stubber = ec2
    stubber.add_client_error(
        "describe_spot_price_history", "UnauthorizedOperation", "not authorized", 403
    )
    table = build_spot_table(client, local=False)
    assert table.source == "unavailable"
    assert table.prices == {}
    assert "not authorized" in table.detail


def test_catalog_is_built_once_when_many_requests_arrive_together() -> None:
    # Given a slow catalog build and eight requests at the same moment
    cache: SharedCache[str] = SharedCache(ttl_seconds=3600)
    builds: list[int] = []

    def build() -> str:
        builds.append(1)
        time.sleep(0.05)
        return "catalog"

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: cache.get("us-east-1", build), range(8)))
    # Then AWS is asked once and everyone gets the same catalog
    assert results == ["catalog"] * 8
    assert len(builds) == 1


def test_stale_catalog_is_served_while_one_background_refresh_runs() -> None:
    # Given a catalog older than its TTL
    now = [0.0]
    cache: SharedCache[str] = SharedCache(ttl_seconds=10, clock=lambda: now[0])
    cache.get("us-east-1", lambda: "old")
    now[0] = 11.0
    release = threading.Event()

    def slow_rebuild() -> str:
        release.wait(5)
        return "new"

    # When it is asked for again, twice
    first = cache.get("us-east-1", slow_rebuild)
    second = cache.get("us-east-1", lambda: pytest.fail("only one refresh at a time"))
    release.set()
    # Then the old one is answered at once, and the new one once the refresh is done
    assert (first, second) == ("old", "old")
    deadline = time.monotonic() + patient(5)
    while cache.get("us-east-1", slow_rebuild) != "new" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert cache.get("us-east-1", slow_rebuild) == "new"
