"""Catalog filter + estimate over the full instance catalog (target: < 50 ms server time).

Against the local AWS (moto server): the catalog is fetched once (cold time printed),
then each measured call is what a route does on the server: parse the query, price,
limit-check, filter and sort every type of the region, build the presets, and encode
the JSON response. Median of N calls, printed as a ratio to the 50 ms target.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

from ucdh_jupyter.aws import AwsClients
from ucdh_jupyter.compute import ComputeService
from ucdh_jupyter.config import UcdhConfig
from ucdh_jupyter.demo.localaws import DEMO_REGION, LocalAws, apply_demo_environment

RUNS = int(os.environ.get("BENCH_RUNS", "50"))
TARGET_MS = 50.0


def median_ms(call: Callable[[], Any]) -> float:
    """Median wall time of ``call`` in milliseconds over RUNS runs."""
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    """Print the catalog size, the cold fetch, and each scenario against the target."""
    with LocalAws() as local:
        apply_demo_environment(local.endpoint_url)
        config = UcdhConfig(
            mode="local",
            endpoint_url=local.endpoint_url,
            region=DEMO_REGION,
            allowed_instance_families=["m5", "m6i", "r6i", "t3", "g4dn", "g5"],
            max_price_per_hour=10.0,
        )
        compute = ComputeService(config, AwsClients(config))
        raw = len(local.client("ec2").describe_instance_types()["InstanceTypes"])
        start = time.perf_counter()
        full = compute.catalog({})
        cold = time.perf_counter() - start
        print(
            f"local AWS describe_instance_types: {raw} types; {full['total']} offered and "
            f"runnable in {full['region']}; prices {full['prices']['source']}"
        )
        print(f"cold catalog build (EC2 + offerings + spot, once per process): {cold:.2f} s")
        body = {"instance_type": "m5.2xlarge", "hours_low": 2, "hours_high": 4}
        gpu = {"gpu": "yes", "min_memory_gib": "64", "max_price": "3", "sort": "price"}
        scenarios: dict[str, Callable[[], Any]] = {
            "catalog, all types, JSON": lambda: json.dumps(compute.catalog({})),
            "catalog, GPU filter + price sort, JSON": lambda: json.dumps(compute.catalog(gpu)),
            "catalog, databricks, desc sort, JSON": lambda: json.dumps(
                compute.catalog({"backend": "databricks", "sort": "price", "order": "desc"})
            ),
            "estimate, JSON": lambda: json.dumps(compute.estimate(body)),
            "filter + estimate (all types + estimate)": lambda: (
                json.dumps(compute.catalog({})),
                json.dumps(compute.estimate(body)),
            ),
        }
        for name, call in scenarios.items():
            ms = median_ms(call)
            print(
                f"{name:<42} {ms:7.2f} ms (median of {RUNS}) = {ms / TARGET_MS:.2f} x the "
                f"{TARGET_MS:.0f} ms target"
            )


if __name__ == "__main__":
    main()
