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
        # Each value exactly as sent (no NUL, valid UTF-8); the query parser refuses
        # anything but ASCII numbers where a number is expected.
        params = {name: self.query(name) for name in self.request.query_arguments}
        self.finish(await self.call(self.services.compute.catalog, params))


class EstimateHandler(UcdhHandler):
    """The cost range of a job. POST because it carries a body; it changes nothing."""

    feature = "compute"

    @web.authenticated
    @authorized
    async def post(self) -> None:
        """Estimate; bad input (a wrong type, unknown type, absurd hours, count 0) is a 400."""
        from ..compute.requests import EstimateBody

        body = self.parse_body(EstimateBody).model_dump(exclude_unset=True)
        self.finish(await self.call(self.services.compute.estimate, body))
