"""On-demand prices: live from the AWS Price List API, a disk cache, the bundled snapshot.

The chain, in order: live (fetched by this process within the TTL) → disk cache (fresh,
or stale when live fails) → bundled snapshot → unknown. A region missing from the
snapshot is unknown: prices are never guessed from another region. Every answer says
which link of the chain it came from, with its date, so the user always knows.

A full live fetch reads ~15 pages of ``get_products``; callers that must answer fast
(the catalog route) ask with ``wait=False`` and get the best price table available now,
while one background thread fetches the live one.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..errors import UcdhError, translate
from .snapshot import bundled_snapshot

log = logging.getLogger(__name__)

LIVE, CACHED, BUNDLED, UNKNOWN = "live", "cached", "bundled", "unknown"
# The Price List API is served from us-east-1 whatever region the prices are for.
PRICING_REGION = "us-east-1"
# After a failed live fetch, the next attempt waits this long (no retry storm per request).
RETRY_AFTER_SECONDS = 15 * 60
CACHE_FORMAT = 1
HOURLY_UNITS = ("Hrs", "Hr", "Hours")


def iso(epoch: float) -> str:
    """``2026-07-20T13:44:30Z`` for a Unix time."""
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class PriceTable:
    """On-demand USD/hour per instance type for one region, and where they come from."""

    region: str
    source: str
    as_of: str | None
    detail: str
    prices: Mapping[str, float]

    def price(self, instance_type: str) -> float | None:
        """USD per instance-hour, or None when unknown."""
        return self.prices.get(instance_type)

    def label(self) -> dict[str, Any]:
        """``{"source", "as_of", "detail"}``: what the UI shows next to every price."""
        return {"source": self.source, "as_of": self.as_of, "detail": self.detail}


def product_filters(region: str) -> list[list[dict[str, str]]]:
    """The ``get_products`` filters: on-demand Linux, no pre-installed software.

    Two queries: virtualized types are priced under shared tenancy, bare-metal types
    (``*.metal``) only under the "Compute Instance (bare metal)" family.
    """
    common = {
        "regionCode": region,
        "operatingSystem": "Linux",
        "preInstalledSw": "NA",
        "capacitystatus": "Used",
        "termType": "OnDemand",
    }
    queries = [
        {**common, "tenancy": "Shared", "productFamily": "Compute Instance"},
        {**common, "tenancy": "Dedicated", "productFamily": "Compute Instance (bare metal)"},
    ]
    return [
        [{"Type": "TERM_MATCH", "Field": key, "Value": value} for key, value in query.items()]
        for query in queries
    ]


def on_demand_hourly_usd(product: Mapping[str, Any]) -> float | None:
    """The hourly USD on-demand rate of one Price List product, or None.

    Only ``terms.OnDemand`` counts: Reserved terms of the same product also quote hourly
    rates. An on-demand term may hold several price dimensions — $0 ones, non-hourly
    units, later tiers — so the rate is the first-tier hourly USD dimension above zero
    (the highest if several, so an estimate never comes out low).
    """
    best: float | None = None
    for term in (product.get("terms") or {}).get("OnDemand", {}).values():
        for dimension in (term.get("priceDimensions") or {}).values():
            if dimension.get("unit") not in HOURLY_UNITS:
                continue
            if str(dimension.get("beginRange", "0")) not in ("0", "0.0"):
                continue
            try:
                rate = float(dimension.get("pricePerUnit", {}).get("USD"))
            except (TypeError, ValueError):
                continue
            if rate > 0 and (best is None or rate > best):
                best = rate
    return best


def parse_price_list(items: Iterable[str | Mapping[str, Any]], region: str) -> dict[str, float]:
    """``{instance type: USD/hour}`` from ``PriceList`` items (each a JSON string)."""
    prices: dict[str, float] = {}
    for item in items:
        product = json.loads(item) if isinstance(item, str) else item
        attributes = (product.get("product") or {}).get("attributes") or {}
        name = attributes.get("instanceType")
        if not name or attributes.get("regionCode", region) != region:
            continue
        rate = on_demand_hourly_usd(product)
        if rate is not None:
            prices[name] = max(rate, prices.get(name, 0.0))
    return prices


def fetch_live_prices(pricing: Any, region: str) -> dict[str, float]:
    """Every page of every ``get_products`` query for ``region``."""
    prices: dict[str, float] = {}
    paginator = pricing.get_paginator("get_products")
    for filters in product_filters(region):
        pages = paginator.paginate(
            ServiceCode="AmazonEC2",
            Filters=filters,
            FormatVersion="aws_v1",
            PaginationConfig={"PageSize": 100},
        )
        for page in pages:
            for name, rate in parse_price_list(page.get("PriceList", []), region).items():
                prices[name] = max(rate, prices.get(name, 0.0))
    return prices


@dataclass(frozen=True)
class _Fetched:
    prices: Mapping[str, float]
    fetched_at: float


class PriceBook:
    """The price table of any region, following the fallback chain.

    ``pricing`` returns the Price List client (built only when live prices are fetched);
    ``live_off`` is why live prices must not be fetched at all (None: they may be).
    """

    def __init__(
        self,
        pricing: Callable[[], Any],
        cache_dir: Callable[[], Path],
        ttl_hours: float,
        live_off: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._pricing = pricing
        self._cache_dir = cache_dir
        self.ttl_seconds = ttl_hours * 3600
        self.live_off = live_off
        self._clock = clock
        self._lock = threading.Lock()
        self._live: dict[str, _Fetched] = {}
        self._disk: dict[str, tuple[int, _Fetched]] = {}
        self._failures: dict[str, tuple[float, str]] = {}
        self._inflight: set[str] = set()

    def table(self, region: str, wait: bool = False) -> PriceTable:
        """The best price table available for ``region``.

        ``wait=True`` fetches live prices now when they are due; ``wait=False`` starts
        that fetch in the background and answers at once from the cache or snapshot.
        """
        now = self._clock()
        with self._lock:
            live = self._live.get(region)
        if live is not None and now - live.fetched_at < self.ttl_seconds:
            return self._table(region, LIVE, live, "Live from the AWS Price List API")
        cached = self._read_cache(region)
        if cached is not None and now - cached.fetched_at < self.ttl_seconds:
            return self._table(
                region,
                CACHED,
                cached,
                f"From the price cache (AWS Price List API, refreshed every "
                f"{self.ttl_seconds / 3600:g} h)",
            )
        problem = self._live_problem(region, now)
        if problem is None and wait:
            try:
                return self.refresh(region)
            except Exception as exc:
                problem = self._failed(region, exc)
        elif problem is None:
            self._refresh_in_background(region)
            problem = "live prices are being fetched from the AWS Price List API"
        return self._fallback(region, cached, problem)

    def refresh(self, region: str) -> PriceTable:
        """Fetch live prices now, store them in memory and on disk; raises on failure."""
        prices = fetch_live_prices(self._pricing(), region)
        if not prices:
            raise UcdhError(
                502,
                "no_prices",
                f"the AWS Price List API returned no EC2 prices for {region}",
                "Check the region name.",
            )
        fetched = _Fetched(prices, self._clock())
        self._write_cache(region, fetched)
        with self._lock:
            self._live[region] = fetched
            self._failures.pop(region, None)
        return self._table(region, LIVE, fetched, "Live from the AWS Price List API")

    def _table(self, region: str, source: str, fetched: _Fetched, what: str) -> PriceTable:
        as_of = iso(fetched.fetched_at)
        return PriceTable(region, source, as_of, f"{what}, fetched {as_of}.", fetched.prices)

    def _fallback(self, region: str, cached: _Fetched | None, problem: str) -> PriceTable:
        if cached is not None:
            as_of = iso(cached.fetched_at)
            detail = (
                f"From the price cache, fetched {as_of} (older than "
                f"{self.ttl_seconds / 3600:g} h): {problem}."
            )
            return PriceTable(region, CACHED, as_of, detail, cached.prices)
        snapshot = bundled_snapshot()
        if region in snapshot.regions:
            # The snapshot's own provenance (a repository and its file paths) stays in
            # the data file: the UI and the magics show this sentence to researchers.
            detail = (
                f"Bundled price snapshot of {snapshot.as_of[:10]} (AWS on-demand list "
                f"prices, Linux, per hour), shipped with this extension: {problem}."
            )
            return PriceTable(region, BUNDLED, snapshot.as_of, detail, snapshot.regions[region])
        detail = (
            f"No prices for {region}: the bundled snapshot covers only "
            f"{', '.join(sorted(snapshot.regions))} and {problem}. "
            "Prices are never guessed from another region."
        )
        return PriceTable(region, UNKNOWN, None, detail, {})

    def _live_problem(self, region: str, now: float) -> str | None:
        """Why live prices cannot be fetched right now, or None."""
        if self.live_off:
            return self.live_off
        with self._lock:
            failure = self._failures.get(region)
        if failure is not None and now - failure[0] < RETRY_AFTER_SECONDS:
            return f"live prices are unavailable ({failure[1]})"
        return None

    def _failed(self, region: str, exc: BaseException) -> str:
        error = translate(exc)
        if error.status == 500:
            log.exception("ucdh-jupyter: live prices for %s failed", region, exc_info=exc)
        else:
            log.warning("ucdh-jupyter: live prices for %s failed: %s", region, error.message)
        with self._lock:
            self._failures[region] = (self._clock(), error.message)
        return f"live prices are unavailable ({error.message})"

    def _refresh_in_background(self, region: str) -> None:
        with self._lock:
            if region in self._inflight:
                return
            self._inflight.add(region)

        def run() -> None:
            try:
                self.refresh(region)
            except Exception as exc:
                self._failed(region, exc)
            finally:
                with self._lock:
                    self._inflight.discard(region)

        threading.Thread(target=run, daemon=True, name="ucdh-prices").start()

    def _cache_file(self, region: str) -> Path:
        return self._cache_dir() / f"ec2-on-demand-{region}.json"

    def _read_cache(self, region: str) -> _Fetched | None:
        """The disk cache of ``region``, parsed once per change of the file."""
        path = self._cache_file(region)
        try:
            mtime = path.stat().st_mtime_ns
        except OSError:
            return None
        with self._lock:
            memo = self._disk.get(region)
        if memo is not None and memo[0] == mtime:
            return memo[1]
        try:
            raw = json.loads(path.read_text())
            if raw.get("format") != CACHE_FORMAT or raw.get("region") != region:
                return None
            prices = {str(k): float(v) for k, v in raw["prices"].items()}
            fetched = _Fetched(prices, float(raw["fetched_at"]))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            log.warning("ucdh-jupyter: ignoring unreadable price cache %s", path)
            return None
        with self._lock:
            self._disk[region] = (mtime, fetched)
        return fetched

    def _write_cache(self, region: str, fetched: _Fetched) -> None:
        path = self._cache_file(region)
        body = {
            "format": CACHE_FORMAT,
            "region": region,
            "source": "AWS Price List API (get_products), on-demand Linux, USD per hour",
            "fetched_at": fetched.fetched_at,
            "fetched": iso(fetched.fetched_at),
            "prices": dict(fetched.prices),
        }
        import tempfile

        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(
                "w", dir=path.parent, prefix=".prices-", delete=False
            ) as handle:
                json.dump(body, handle)
            os.replace(handle.name, path)
        except OSError as exc:
            log.warning("ucdh-jupyter: could not write the price cache %s: %s", path, exc)
