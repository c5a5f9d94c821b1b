"""``GET status`` (who am I in AWS) and ``GET config`` (non-secret settings)."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from .base import UcdhHandler


class StatusHandler(UcdhHandler):
    """Identity, region, mode, versions and any credential problem with its fix."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """Report status; a credential problem is data here, not a failed request."""
        self.finish(await self.call(self.services.status))


class ConfigHandler(UcdhHandler):
    """The part of the admin configuration the UI needs; nothing secret."""

    @web.authenticated
    @authorized
    def get(self) -> None:
        """Return the public configuration."""
        self.finish(self.services.public_config())
