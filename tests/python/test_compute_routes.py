"""``GET compute/catalog`` and ``POST compute/estimate`` through a Jupyter server on the local AWS.

In local mode there is no Price List API: prices come from the bundled snapshot, and say so.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from ucdh_jupyter.errors import UcdhError


@pytest.fixture
def post_json(jp_fetch: Any) -> Any:
    """POST a JSON body to a ucdh-jupyter route; returns (status, JSON body)."""

    async def post(path: str, body: Any) -> tuple[int, dict[str, Any]]:
        response = await jp_fetch(
            "ucdh-jupyter", path, method="POST", body=json.dumps(body), raise_error=False
        )
        return response.code, json.loads(response.body or b"{}")

    return post


def by_name(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["name"]: row for row in body["types"]}


async def test_catalog_lists_every_offered_type_with_bundled_prices_labelled(
    get_json: Any,
) -> None:
    # Given the demo's local AWS, which has no Price List API
    # When the Compute section opens
    status, body = await get_json("compute/catalog")
    # Then every offered type is listed with the snapshot's price, and the label says why
    assert status == 200
    assert body["region"] == "us-east-1"
    assert body["total"] == body["count"] > 1300
    assert body["prices"]["source"] == "bundled"
    assert body["prices"]["as_of"] == "2026-07-20T13:44:30Z"
    assert "local demo, whose AWS has no Price List API" in body["prices"]["detail"]
    assert "UcdhConfig.live_pricing" in body["prices"]["detail"]
    m5 = by_name(body)["m5.2xlarge"]
    assert (m5["vcpu"], m5["memory_gib"], m5["arch"]) == (8, 32.0, ["x86_64"])
    assert m5["price_per_hour"] == 0.384
    assert m5["price_per_vcpu_hour"] == 0.048
    assert m5["price_per_gib_hour"] == 0.012
    assert m5["allowed"] is True and m5["reason"] is None
    # and the local AWS's constant spot price is labelled fake
    assert body["spot"]["source"] == "fake"
    assert body["limits"] == {
        "max_price_per_hour": None,
        "max_gpus": None,
        "allowed_families": [],
        "allowed_types": [],
        "max_runtime_hours": 24.0,
    }
    presets = {p["key"]: p for p in body["presets"]}
    assert list(presets) == ["small", "medium", "large", "bigmem", "gpu"]
    assert presets["gpu"]["instance_type"] == "g4dn.xlarge"
    assert presets["gpu"]["filters"]["gpu"] == "yes"
    assert "Deep learning" in presets["gpu"]["description"]


async def test_catalog_filters_gpu_memory_and_price_and_sorts_by_price(get_json: Any) -> None:
    # When the user asks for GPU machines with 64 GiB or more under $3/hour, cheapest first
    status, body = await get_json(
        "compute/catalog",
        params={"gpu": "yes", "min_memory_gib": "64", "max_price": "3", "sort": "price"},
    )
    # Then only such machines are listed, in rising price
    assert status == 200
    prices = [row["price_per_hour"] for row in body["types"]]
    assert body["count"] == len(prices) > 3
    assert prices == sorted(prices) and prices[-1] <= 3
    assert all(row["gpu_count"] >= 1 and row["memory_gib"] >= 64 for row in body["types"])
    assert body["types"][0]["name"] == "g4dn.4xlarge"


async def test_catalog_sorts_descending_with_unknown_prices_last(get_json: Any) -> None:
    status, body = await get_json("compute/catalog", params={"sort": "price", "order": "desc"})
    prices = [row["price_per_hour"] for row in body["types"]]
    known = [p for p in prices if p is not None]
    assert status == 200
    assert known == sorted(known, reverse=True)
    assert prices[: len(known)] == known  # the types without a price come after all the others
    assert len(known) < len(prices)


async def test_catalog_filters_architecture_family_and_gpu_model(get_json: Any) -> None:
    _, arm = await get_json("compute/catalog", params={"arch": "arm64", "family": "m7g,c7g"})
    assert {row["family"] for row in arm["types"]} == {"m7g", "c7g"}
    assert all(row["arch"] == ["arm64"] for row in arm["types"])
    _, t4 = await get_json("compute/catalog", params={"gpu_model": "t4", "sort": "gpu_memory"})
    assert t4["count"] > 0
    assert {row["gpu_model"] for row in t4["types"]} == {"NVIDIA T4"}


async def test_catalog_on_databricks_adds_dbus_to_every_node_price(get_json: Any) -> None:
    # m5.2xlarge: $0.384 EC2 + 1.37 DBU x $0.15 (documented example rates) = $0.5895 per node
    _, body = await get_json("compute/catalog", params={"backend": "databricks", "family": "m5"})
    assert body["backend"] == "databricks"
    assert by_name(body)["m5.2xlarge"]["price_per_hour"] == pytest.approx(0.5895)


BAD_FILTERS = [
    ({"gpu": "maybe"}, "gpu must be one of any, yes, no, not 'maybe'"),
    ({"min_cpu": "4"}, "Unknown catalog parameter 'min_cpu'"),
    ({"min_vcpu": "-1"}, "min_vcpu must be a number of at least 0"),
    ({"sort": "cost"}, "sort must be one of name, price"),
    ({"backend": "emr"}, "Unknown backend 'emr'"),
]


async def test_catalog_bad_filter_is_a_400_naming_it(get_json: Any) -> None:
    for params, message in BAD_FILTERS:
        status, body = await get_json("compute/catalog", params=params)
        assert status == 400, params
        assert body["code"] == "bad_request"
        assert message in body["message"]


@pytest.mark.ucdh(allowed_instance_families=["m5", "g4dn"], max_gpus=0, max_price_per_hour=2.0)
async def test_catalog_greys_types_outside_admin_limits_with_the_reason(get_json: Any) -> None:
    # Given an admin who allows m5 and g4dn, no GPU, and at most $2/hour
    # When the catalog is listed
    status, body = await get_json("compute/catalog")
    rows = by_name(body)
    # Then outside types are still shown, greyed with the reason
    assert status == 200
    assert rows["m5.2xlarge"]["allowed"] is True
    assert rows["r5.large"]["allowed"] is False
    assert "allows only these instance types: m5, g4dn" in rows["r5.large"]["reason"]
    assert rows["g4dn.xlarge"]["reason"] == (
        "g4dn.xlarge has 1 GPU; your administrator allows no GPU types."
    )
    assert "costs $4.61/hour" in rows["m5.24xlarge"]["reason"]
    assert body["limits"]["max_price_per_hour"] == 2.0
    # and presets only suggest allowed types
    presets = {p["key"]: p["instance_type"] for p in body["presets"]}
    assert presets["small"] == "m5.large"
    assert presets["gpu"] is None


@pytest.mark.ucdh(allowed_instance_families=["t3"])
async def test_run_routes_can_refuse_a_type_the_admin_does_not_allow(jp_serverapp: Any) -> None:
    compute = jp_serverapp.web_app.settings["ucdh"].compute
    assert compute.check_allowed("t3.large").name == "t3.large"
    with pytest.raises(UcdhError) as refused:
        compute.check_allowed("m5.2xlarge")
    assert refused.value.status == 403
    assert "allows only these instance types: t3" in refused.value.message
    with pytest.raises(UcdhError) as unknown:
        compute.check_allowed("m5.huge")
    assert unknown.value.status == 400


async def test_estimate_route_returns_range_breakdown_billing_and_exclusions(
    post_json: Any,
) -> None:
    # Given 2 workers + 1 driver of m5.2xlarge on Databricks for 2 to 4 hours
    body = {
        "backend": "databricks",
        "instance_type": "m5.2xlarge",
        "count": 2,
        "hours_low": 2,
        "hours_high": 4,
    }
    # When the estimate is asked for
    status, estimate = await post_json("compute/estimate", body)
    # Then (3 x 0.384 + 3 x 1.37 x 0.15) x 2..4 h = $3.537 .. $7.074
    assert status == 200
    assert (estimate["low"], estimate["high"]) == (3.537, 7.074)
    assert estimate["currency"] == "USD"
    assert [line["item"].split(" ")[0] for line in estimate["breakdown"]] == ["EC2", "Databricks"]
    assert "60-second minimum" in estimate["billing"]
    assert "Tax" in estimate["excludes"]
    assert estimate["prices"]["source"] == "bundled"
    assert estimate["allowed"] is True and estimate["reason"] is None


@pytest.mark.ucdh(max_price_per_hour=1.0)
async def test_estimate_of_a_type_over_the_price_limit_says_it_is_not_allowed(
    post_json: Any,
) -> None:
    status, estimate = await post_json(
        "compute/estimate", {"instance_type": "m5.8xlarge", "hours_low": 1}
    )
    assert status == 200
    assert estimate["low"] == 1.536
    assert estimate["allowed"] is False
    assert "limit is $1.00/hour" in estimate["reason"]


BAD_ESTIMATES = [
    ({"instance_type": "m5.huge", "hours_low": 1}, "Unknown instance type 'm5.huge'"),
    # in the words of the fields the researcher fills in, never the body's field names
    ({"instance_type": "m5.large", "hours_low": -2}, "The expected runtime must be a number"),
    ({"instance_type": "m5.large", "hours_low": 1, "hours_high": 1e6}, "longest run"),
    ({"instance_type": "m5.large", "hours_low": 1, "count": 0}, "Machines must be a whole number"),
    ({"instance_type": "m5.large", "hours_low": 1, "backend": "emr"}, "Unknown backend"),
    (["m5.large"], "must be a JSON object"),
]


async def test_estimate_bad_input_is_a_400_with_the_reason(post_json: Any) -> None:
    for body, message in BAD_ESTIMATES:
        status, error = await post_json("compute/estimate", body)
        assert status == 400, body
        assert message in error["message"]
        assert set(error) == {"message", "code", "hint"}


async def test_catalog_ignores_jupyterlab_cache_busting_parameter(get_json: Any) -> None:
    # Given JupyterLab's request layer, which appends ?<timestamp> to GETs
    status, body = await get_json("compute/catalog", params={"1795750347677": "", "gpu": "yes"})
    # Then the catalog answers as if the parameter were not there
    assert status == 200
    assert body["count"] > 0


async def test_estimate_with_a_null_upper_end_is_a_400_not_a_server_error(post_json: Any) -> None:
    """Found by the fuzz test once the spec came from the models: a finite-number rule on
    an optional field was checked on null, and the route answered 500."""
    body = {"instance_type": "m5.large", "hours_low": 1, "hours_high": None}
    status, answer = await post_json("compute/estimate", body)
    assert status == 400
    assert "upper end" in answer["message"]
    status, answer = await post_json("compute/estimate", {**body, "hours_high": 2})
    assert status == 200 and answer["hours_high"] == 2
