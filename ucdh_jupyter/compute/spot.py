"""Current spot prices from ``describe_spot_price_history``, shared by the process.

Shown for comparison only (runs launch on-demand). The local AWS answers a constant fake
price; it is labelled as such, never passed off as a market price.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ..errors import translate
from .pricing import iso
from .shared import SharedCache

LIVE, FAKE, UNAVAILABLE = "live", "fake", "unavailable"
SPOT_TTL_SECONDS = 3600  # spot prices move hourly at most


@dataclass(frozen=True)
class SpotTable:
    """Lowest current spot USD/hour per type across the region's availability zones."""

    source: str
    as_of: str | None
    detail: str
    prices: Mapping[str, float]

    def label(self) -> dict[str, Any]:
        """``{"source", "as_of", "detail"}`` for the spot column."""
        return {"source": self.source, "as_of": self.as_of, "detail": self.detail}


def fetch_spot_prices(ec2: Any, now: datetime) -> dict[str, float]:
    """Every page of the current Linux spot prices; the lowest zone per type."""
    prices: dict[str, float] = {}
    pages = ec2.get_paginator("describe_spot_price_history").paginate(
        StartTime=now,
        ProductDescriptions=["Linux/UNIX", "Linux/UNIX (Amazon VPC)"],
        PaginationConfig={"PageSize": 1000},
    )
    for page in pages:
        for record in page.get("SpotPriceHistory", []):
            try:
                rate = float(record["SpotPrice"])
            except (KeyError, TypeError, ValueError):
                continue
            name = record.get("InstanceType")
            if name and rate > 0:
                prices[name] = min(rate, prices.get(name, rate))
    return prices


def build_spot_table(ec2: Any, local: bool) -> SpotTable:
    """Fetch and label spot prices; a refused or failed call yields an empty table."""
    from botocore.exceptions import BotoCoreError, ClientError

    now = datetime.now(timezone.utc)
    try:
        prices = fetch_spot_prices(ec2, now)
    except (BotoCoreError, ClientError) as exc:
        detail = f"Spot prices unavailable: {translate(exc).message}"
        return SpotTable(UNAVAILABLE, None, detail, {})
    as_of = iso(now.timestamp())
    if local:
        detail = (
            "Local demo: the local AWS answers a constant fake spot price; "
            "real spot prices vary by hour and availability zone."
        )
        return SpotTable(FAKE, as_of, detail, prices)
    detail = (
        "Lowest current spot price across availability zones. Spot capacity can be "
        "reclaimed at two minutes' notice; runs use on-demand prices."
    )
    return SpotTable(LIVE, as_of, detail, prices)


_SPOT: SharedCache[SpotTable] = SharedCache(SPOT_TTL_SECONDS)


def spot_table(
    ec2: Callable[[], Any], region: str, endpoint_url: str | None, local: bool
) -> SpotTable:
    """The spot table of ``region``, fetched at most hourly per process and endpoint."""
    return _SPOT.get((endpoint_url, region, local), lambda: build_spot_table(ec2(), local))
