"""``GET compute/catalog`` (instance types with prices) and ``POST compute/estimate``."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from .base import UcdhHandler


class CatalogHandler(UcdhHandler):
    """Instance types of the region, filtered and sorted, with prices, limits and presets."""

    feature = "compute"

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """List the catalog; bad filters are a 400 that names them."""
        params = {name: self.get_argument(name) for name in self.request.arguments}
        self.finish(await self.call(self.services.compute.catalog, params))


class EstimateHandler(UcdhHandler):
    """The cost range of a job. POST because it carries a body; it changes nothing."""

    feature = "compute"

    @web.authenticated
    @authorized
    async def post(self) -> None:
        """Estimate; bad input (unknown type, absurd hours, count 0) is a 400."""
        self.finish(await self.call(self.services.compute.estimate, self.json_body()))
