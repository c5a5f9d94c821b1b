"""Prices: the Price List parser, the disk cache and its TTL, and the fallback chain.

The local AWS has no Pricing API, so ``get_products`` is answered by botocore's Stubber
with pages in the shape AWS returns them (``tests/python/data``).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber

from ucdh_jupyter.aws import AwsClients
from ucdh_jupyter.compute import ComputeService
from ucdh_jupyter.compute.pricing import (
    PriceBook,
    on_demand_hourly_usd,
    parse_price_list,
    product_filters,
)
from ucdh_jupyter.compute.snapshot import bundled_snapshot
from ucdh_jupyter.config import UcdhConfig

from .aws_stubs import stubbed
from .patience import patient

PAGES = json.loads((Path(__file__).parent / "data" / "get_products_us_east_1.json").read_text())
LIVE_PRICES = {"m5.2xlarge": 0.384, "t3.micro": 0.0104, "g4dn.xlarge": 0.526, "m5.metal": 4.608}
SNAPSHOT_DATE = "2026-07-20T13:44:30Z"


class Clock:
    """A wall clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, hours: float) -> None:
        self.now += hours * 3600


class CountingFactory:
    """Hands out the (stubbed) pricing client and counts live fetch attempts."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.calls = 0

    def __call__(self) -> Any:
        self.calls += 1
        return self.client


@pytest.fixture
def pricing() -> Iterator[tuple[Any, Stubber]]:
    with stubbed("pricing") as client_and_stubber:
        yield client_and_stubber


@pytest.fixture
def clock() -> Clock:
    return Clock()


def queue_recorded_pages(stubber: Stubber, region: str = "us-east-1") -> None:
    """The recorded pages, in the order (and with the parameters) AWS would be asked."""
    for filters, pages in zip(
        product_filters(region), (PAGES["standard"], PAGES["metal"]), strict=True
    ):
        token = None
        for page in pages:
            expected = {
                "ServiceCode": "AmazonEC2",
                "Filters": filters,
                "FormatVersion": "aws_v1",
                "MaxResults": 100,
            }
            if token:
                expected["NextToken"] = token
            stubber.add_response("get_products", page, expected)
            token = page.get("NextToken")


def queue_access_denied(stubber: Stubber) -> None:
    stubber.add_client_error(
        "get_products",
        service_error_code="AccessDeniedException",
        service_message="User is not authorized to perform: pricing:GetProducts",
        http_status_code=400,
    )


def make_book(factory: Any, tmp_path: Path, clock: Clock, ttl_hours: float = 24) -> PriceBook:
    return PriceBook(
        pricing=factory, cache_dir=lambda: tmp_path / "cache", ttl_hours=ttl_hours, clock=clock
    )


def write_cache(tmp_path: Path, region: str, prices: dict[str, float], fetched_at: float) -> Path:
    path = tmp_path / "cache" / f"ec2-on-demand-{region}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"format": 1, "region": region, "fetched_at": fetched_at, "prices": prices}
    path.write_text(json.dumps(body))
    return path


def test_live_prices_come_from_every_page_of_both_queries(
    pricing: tuple[Any, Stubber], tmp_path: Path, clock: Clock
) -> None:
    # Given the Price List API answers two pages of shared-tenancy types and a bare-metal page
    client, stubber = pricing
    queue_recorded_pages(stubber)
    # When the prices of us-east-1 are asked for, waiting for live ones
    table = make_book(lambda: client, tmp_path, clock).table("us-east-1", wait=True)
    # Then every type of every page has its hourly on-demand price, labelled live
    stubber.assert_no_pending_responses()
    assert dict(table.prices) == LIVE_PRICES
    assert table.source == "live"
    assert table.as_of == "2027-01-15T08:00:00Z"
    assert "Live from the AWS Price List API" in table.detail


def test_parser_takes_the_hourly_on_demand_dimension_not_reserved_or_zero_ones() -> None:
    # Given m5.2xlarge also carries Reserved terms (0.242/h, and an upfront fee),
    # and t3.micro's on-demand term holds a $0 hourly, a non-hourly and the real dimension
    items = PAGES["standard"][0]["PriceList"]
    m5, t3 = (json.loads(item) for item in items)
    assert "Reserved" in m5["terms"]
    assert len(next(iter(t3["terms"]["OnDemand"].values()))["priceDimensions"]) == 3
    # When they are parsed
    # Then the on-demand hourly USD rate is picked, nothing else
    assert on_demand_hourly_usd(m5) == 0.384
    assert on_demand_hourly_usd(t3) == 0.0104
    assert parse_price_list(items, "us-east-1") == {"m5.2xlarge": 0.384, "t3.micro": 0.0104}
    # and an item for another region is never taken for this one
    assert parse_price_list(items, "us-gov-west-1") == {}


def test_fresh_disk_cache_is_used_without_calling_the_api(
    pricing: tuple[Any, Stubber], tmp_path: Path, clock: Clock
) -> None:
    # Given live prices fetched (and cached on disk) two hours ago by another server
    client, stubber = pricing
    queue_recorded_pages(stubber)
    make_book(lambda: client, tmp_path, clock).table("us-east-1", wait=True)
    clock.advance(2)

    def no_call() -> Any:
        pytest.fail("a fresh cache must not call the Price List API")

    # When a new server asks for the prices
    table = make_book(no_call, tmp_path, clock).table("us-east-1", wait=True)
    # Then they come from the cache, labelled with their fetch time
    assert table.source == "cached"
    assert table.as_of == "2027-01-15T08:00:00Z"
    assert dict(table.prices) == LIVE_PRICES
    assert "price cache" in table.detail


def test_stale_disk_cache_is_refreshed_from_the_api(
    pricing: tuple[Any, Stubber], tmp_path: Path, clock: Clock
) -> None:
    # Given a cache written 25 hours ago (TTL 24 h) with an old m5.2xlarge price
    client, stubber = pricing
    path = write_cache(tmp_path, "us-east-1", {"m5.2xlarge": 0.40}, clock.now - 25 * 3600)
    queue_recorded_pages(stubber)
    # When the prices are asked for
    table = make_book(lambda: client, tmp_path, clock).table("us-east-1", wait=True)
    # Then they are fetched live and the cache file holds the new ones
    assert table.source == "live"
    assert table.price("m5.2xlarge") == 0.384
    assert json.loads(path.read_text())["prices"]["m5.2xlarge"] == 0.384


def test_api_failure_falls_back_to_stale_cache_then_to_the_bundled_snapshot(
    pricing: tuple[Any, Stubber], tmp_path: Path, clock: Clock
) -> None:
    # Given the role may not call the Price List API, and a 30-hour-old cache
    client, stubber = pricing
    path = write_cache(tmp_path, "us-east-1", {"m5.2xlarge": 0.40}, clock.now - 30 * 3600)
    queue_access_denied(stubber)
    # When the prices are asked for
    table = make_book(lambda: client, tmp_path, clock).table("us-east-1", wait=True)
    # Then the stale cache is used, and the label says so and why
    assert table.source == "cached"
    assert table.price("m5.2xlarge") == 0.40
    assert "older than 24 h" in table.detail
    assert "pricing:GetProducts" in table.detail
    # Given the cache is gone too
    path.unlink()
    queue_access_denied(stubber)
    # When a new server asks
    table = make_book(lambda: client, tmp_path, clock).table("us-east-1", wait=True)
    # Then the bundled snapshot is used, with its own date
    assert table.source == "bundled"
    assert table.as_of == SNAPSHOT_DATE
    assert table.price("m5.2xlarge") == 0.384
    assert "Bundled price snapshot of 2026-07-20" in table.detail
    assert "pricing:GetProducts" in table.detail


def test_the_bundled_price_note_names_no_source_file(
    pricing: tuple[Any, Stubber], tmp_path: Path, clock: Clock
) -> None:
    # Given live prices fail and there is no cache, so the bundled snapshot is used
    client, stubber = pricing
    queue_access_denied(stubber)
    # When the prices are asked for
    table = make_book(lambda: client, tmp_path, clock).table("us-east-1", wait=True)
    # Then the note the UI and the magics show says where the prices come from in
    # plain words, and never the snapshot's repository path or file names
    assert table.source == "bundled"
    assert "AWS on-demand list prices" in table.detail
    assert ".go" not in table.detail and "/" not in table.detail
    assert "karpenter" not in table.detail.lower()


def test_a_failed_live_fetch_is_not_retried_on_every_request(
    pricing: tuple[Any, Stubber], tmp_path: Path, clock: Clock
) -> None:
    # Given live prices failed once
    client, stubber = pricing
    queue_access_denied(stubber)
    factory = CountingFactory(client)
    book = make_book(factory, tmp_path, clock)
    assert book.table("us-east-1", wait=True).source == "bundled"
    # When prices are asked again a few minutes later, then after 20 minutes
    clock.advance(0.1)
    again = book.table("us-east-1", wait=True)
    calls_soon = factory.calls
    clock.advance(0.3)
    queue_recorded_pages(stubber)
    later = book.table("us-east-1", wait=True)
    # Then the API is left alone at first, and tried again later
    assert again.source == "bundled" and calls_soon == 1
    assert later.source == "live" and factory.calls == 2


def test_regions_missing_from_the_snapshot_are_unknown_never_guessed(
    tmp_path: Path, clock: Clock
) -> None:
    # Given a region the snapshot does not cover, with live prices switched off
    book = PriceBook(
        pricing=lambda: pytest.fail("live is off"),
        cache_dir=lambda: tmp_path,
        ttl_hours=24,
        live_off="live prices are switched off",
        clock=clock,
    )
    assert "eu-west-1" not in bundled_snapshot().regions
    # When its prices are asked for
    table = book.table("eu-west-1", wait=True)
    # Then they are unknown (not us-east-1's), and the label says why
    assert table.source == "unknown"
    assert table.as_of is None
    assert table.price("m5.2xlarge") is None
    assert "never guessed" in table.detail
    assert "live prices are switched off" in table.detail


def test_govcloud_uses_its_own_bundled_prices_when_live_prices_fail(
    pricing: tuple[Any, Stubber], tmp_path: Path, clock: Clock
) -> None:
    # Given a GovCloud region, whose credentials cannot reach the Price List API
    client, stubber = pricing
    stubber.add_client_error(
        "get_products", "UnrecognizedClientException", "The security token is invalid."
    )
    # When its prices are asked for
    table = make_book(lambda: client, tmp_path, clock).table("us-gov-west-1", wait=True)
    # Then GovCloud's own snapshot prices are used, never us-east-1's
    snapshot = bundled_snapshot()
    assert table.source == "bundled"
    assert table.price("m5.2xlarge") == snapshot.regions["us-gov-west-1"]["m5.2xlarge"]
    assert table.price("m5.2xlarge") != snapshot.regions["us-east-1"]["m5.2xlarge"]
    assert "security token" in table.detail


def test_picker_answers_at_once_while_live_prices_load_in_the_background(
    pricing: tuple[Any, Stubber], tmp_path: Path, clock: Clock
) -> None:
    # Given a Price List API that takes a while to answer
    client, stubber = pricing
    queue_recorded_pages(stubber)
    release = threading.Event()

    def slow_client() -> Any:
        release.wait(5)
        return client

    book = make_book(slow_client, tmp_path, clock)
    # When the catalog asks without waiting
    first = book.table("us-east-1")
    release.set()
    # Then it gets the snapshot at once, labelled as loading, and live prices soon after
    assert first.source == "bundled"
    assert "being fetched" in first.detail
    deadline = time.monotonic() + patient(5)
    while book.table("us-east-1").source != "live" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert book.table("us-east-1").source == "live"


def _derive_module() -> Any:
    import importlib.util

    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location(
        "derive", root / "scripts/derive_price_snapshot.py"
    )
    assert spec and spec.loader
    derive = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(derive)
    return derive


def test_snapshot_derivation_keeps_provenance_and_drops_malformed_prices() -> None:
    # Given a price file in the shared format, with a few bad entries
    raw = {
        "source": "AWS Price List API (test)",
        "snapshot_generated_at": "2026-07-20T13:44:30Z",
        "regions": {
            "us-east-1": {"m5.large": 0.096, "bogus": 1.0, "t3.nano": 0, "c5.xlarge": "x"},
        },
    }
    # When it is derived
    snapshot = _derive_module().derive(raw)
    # Then source and date survive and only well-formed positive prices remain
    assert snapshot["source"] == raw["source"]
    assert snapshot["as_of"] == raw["snapshot_generated_at"]
    assert snapshot["regions"] == {"us-east-1": {"m5.large": 0.096}}


def test_bundled_snapshot_carries_the_shared_price_files_figures_and_date() -> None:
    # The figures below are those of ../shared/data/ec2-on-demand-prices.json (2026-07-20).
    snapshot = bundled_snapshot()
    assert snapshot.as_of == SNAPSHOT_DATE == "2026-07-20T13:44:30Z"
    assert "AWS Price List API" in snapshot.source
    assert snapshot.regions["us-east-1"]["m5.large"] == 0.096
    assert snapshot.regions["us-east-1"]["a1.large"] == 0.051
    assert set(snapshot.regions) == {"us-east-1", "us-gov-east-1", "us-gov-west-1"}


def test_admin_can_switch_live_prices_off_and_the_label_says_so(tmp_path: Path) -> None:
    # Given an admin who turned live pricing off, outside the demo
    config = UcdhConfig(
        mode="aws", region="us-east-1", live_pricing=False, pricing_cache_dir=str(tmp_path)
    )
    compute = ComputeService(config, AwsClients(config))
    # When the prices are asked for (no AWS call is made for them)
    table = compute.price_table("us-east-1", wait=True)
    # Then the bundled snapshot is used and the label names the setting
    assert table.source == "bundled"
    assert "UcdhConfig.live_pricing" in table.detail
