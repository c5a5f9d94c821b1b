"""The compute service: catalog with prices and limits, estimates, and the allow check.

Handlers, magics and widgets call these methods; each may block on AWS the first time
(the handlers run them on the worker pool), and answers from memory afterwards.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..aws import AwsClients
from ..config import UcdhConfig
from ..errors import UcdhError, bad_request, forbidden
from .catalog import RegionCatalog, region_catalog
from .estimate import EstimateRequest, estimate
from .limits import Limits
from .presets import PRESETS
from .pricing import PRICING_REGION, PriceBook, PriceTable
from .query import CatalogQuery, sort_rows
from .rates import DATABRICKS, EC2, Rates, check_backend
from .specs import InstanceSpec
from .spot import SpotTable, spot_table

log = logging.getLogger(__name__)


def _per(price: float | None, amount: float | None) -> float | None:
    return round(price / amount, 6) if price is not None and amount else None


class ComputeService:
    """Instance types, prices, admin limits and estimates for the configured region."""

    def __init__(self, config: UcdhConfig, aws: AwsClients) -> None:
        self.config = config
        self.aws = aws
        # Set by the service container when a Databricks workspace is configured: the
        # node types it offers, so its catalog lists only types a run can use.
        self.databricks_node_types: Callable[[], frozenset[str] | None] | None = None
        self.limits = Limits.from_config(config)
        self.rates = Rates.from_config(config)
        self.prices = PriceBook(
            pricing=lambda: aws.client("pricing", region=PRICING_REGION),
            cache_dir=self._cache_dir,
            ttl_hours=config.pricing_cache_ttl_hours,
            live_off=self._live_off(),
        )

    def _live_off(self) -> str | None:
        if not self.config.live_pricing:
            # Off by default in local mode (see UcdhConfig), whose AWS has no Price List API.
            return (
                "live prices are switched off (UcdhConfig.live_pricing; off by default in the"
                " local demo, whose AWS has no Price List API)"
            )
        return None

    def _cache_dir(self) -> Path:
        if self.config.pricing_cache_dir:
            return Path(self.config.pricing_cache_dir)
        from jupyter_core.paths import jupyter_data_dir

        return Path(jupyter_data_dir()) / "ucdh_jupyter" / "pricing"

    def _ec2(self) -> Any:
        return self.aws.client("ec2")

    def region_catalog(self, region: str | None = None) -> RegionCatalog:
        """Every runnable type offered in the region (fetched once per process)."""
        return region_catalog(self._ec2, region or self.aws.region, self.config.endpoint_url)

    def price_table(self, region: str | None = None, wait: bool = False) -> PriceTable:
        """On-demand prices of the region, labelled with their source."""
        return self.prices.table(region or self.aws.region, wait=wait)

    def spot_table(self, region: str | None = None) -> SpotTable:
        """Current spot prices of the region, labelled (fake in the local demo)."""
        local = self.config.mode == "local"
        return spot_table(self._ec2, region or self.aws.region, self.config.endpoint_url, local)

    def spec(self, instance_type: str, region: str | None = None) -> InstanceSpec:
        """The spec of a type offered in the region, or a 400 naming it."""
        catalog = self.region_catalog(region)
        spec = catalog.by_name.get(instance_type)
        if spec is None:
            raise bad_request(
                f"Unknown instance type {instance_type!r} in {catalog.region}.",
                "Pick a type from the catalog, for example m5.2xlarge.",
            )
        return spec

    def row(
        self, spec: InstanceSpec, prices: PriceTable, spot: SpotTable, backend: str
    ) -> dict[str, Any]:
        """One catalog row: the spec, its prices on ``backend``, and whether it is allowed."""
        price = self.rates.node_price(spec, prices.price(spec.name), backend)
        spot_price = self.rates.node_price(spec, spot.prices.get(spec.name), backend)
        reason = self.limits.reason(spec, price)
        return {
            **spec.to_json(),
            "price_per_hour": None if price is None else round(price, 6),
            "price_per_vcpu_hour": _per(price, spec.vcpu),
            "price_per_gib_hour": _per(price, spec.memory_gib),
            "spot_price_per_hour": None if spot_price is None else round(spot_price, 6),
            "allowed": reason is None,
            "reason": reason,
        }

    def catalog(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """``GET compute/catalog``: filtered, sorted types with prices, limits and presets."""
        query = CatalogQuery.parse(params)
        region = self.aws.region
        catalog = self.region_catalog(region)
        specs = catalog.specs
        offered = self._workspace_node_types() if query.backend == DATABRICKS else None
        if offered is not None:
            specs = tuple(spec for spec in specs if spec.name in offered)
        prices, spot = self.price_table(region), self.spot_table(region)
        rows = [self.row(spec, prices, spot, query.backend) for spec in specs]
        selected = [
            row
            for spec, row in zip(specs, rows, strict=True)
            if query.matches(spec, row["price_per_hour"])
        ]
        return {
            "region": region,
            "backend": query.backend,
            "prices": prices.label(),
            "spot": spot.label(),
            "total": len(rows),
            "count": len(selected),
            "limits": self.limits.to_json(),
            "workspace_node_types": offered is not None,
            "presets": [
                preset.to_json(preset.choose(specs, rows, query.backend)) for preset in PRESETS
            ],
            "types": sort_rows(selected, query.sort, query.order),
        }

    def _workspace_node_types(self) -> frozenset[str] | None:
        """The Databricks workspace's node types; None when unknown (not configured, or
        the workspace refused: the run dialog then says why on submit)."""
        if self.databricks_node_types is None:
            return None
        try:
            return self.databricks_node_types()
        except UcdhError as error:
            log.info("ucdh-jupyter: Databricks node types unknown: %s", error.message)
            return None

    def _assess(
        self, instance_type: str, backend: str
    ) -> tuple[InstanceSpec, PriceTable, str | None]:
        """The spec, the price table, and why the admin refuses the type (None: allowed)."""
        region = self.aws.region
        spec = self.spec(instance_type, region)
        prices = self.price_table(region)
        node_price = self.rates.node_price(spec, prices.price(spec.name), backend)
        return spec, prices, self.limits.reason(spec, node_price)

    def estimate(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """``POST compute/estimate``: the low-high cost of a job, line by line."""
        request = EstimateRequest.parse(body, self.limits.max_runtime_hours)
        spec, prices, reason = self._assess(request.instance_type, request.backend)
        return {
            **estimate(request, spec, prices.price(spec.name), self.rates),
            "prices": prices.label(),
            "allowed": reason is None,
            "reason": reason,
        }

    def check_allowed(self, instance_type: str, backend: str = EC2) -> InstanceSpec:
        """The spec of ``instance_type`` if the admin allows it; else a 403 with the reason.

        The run routes call this before launching anything. Unknown types are a 400.
        """
        spec, _prices, reason = self._assess(instance_type, check_backend(backend))
        if reason is not None:
            raise forbidden(reason)
        return spec
