"""``GET compute/catalog`` (instance types with prices) and ``POST compute/estimate``."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from .base import UcdhHandler


class ComputeHandler(UcdhHandler):
    """The catalog and estimates serve the Compute section and the run dialog's machine
    picker. With compute switched off but runs on, they stay open for the run dialog
    (read-only prices, nothing launched): an admin who hides the price browser still
    lets researchers choose their run's machine. Off when both switches are off."""

    feature = "compute"

    async def prepare(self) -> None:  # type: ignore[override]
        """Answer as a runs route while runs are on and compute is off."""
        config = self.services.config
        if not config.enable_compute and config.enable_runs:
            self.feature = "runs"
        await super().prepare()


class CatalogHandler(ComputeHandler):
    """Instance types of the region, filtered and sorted, with prices, limits and presets."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """List the catalog; bad filters are a 400 that names them."""
        # Each value exactly as sent (no NUL, valid UTF-8); the query parser refuses
        # anything but ASCII numbers where a number is expected.
        params = {name: self.query(name) for name in self.request.query_arguments}
        from ..compute.models import Catalog

        self.reply(Catalog, await self.call(self.services.compute.catalog, params))


class EstimateHandler(ComputeHandler):
    """The cost range of a job. POST because it carries a body; it changes nothing."""

    @web.authenticated
    @authorized
    async def post(self) -> None:
        """Estimate; bad input (a wrong type, unknown type, absurd hours, count 0) is a 400."""
        from ..compute.models import Estimate, EstimateBody

        body = self.parse_body(EstimateBody).model_dump(exclude_unset=True)
        self.reply(Estimate, await self.call(self.services.compute.estimate, body))
