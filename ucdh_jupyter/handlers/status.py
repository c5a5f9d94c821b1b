"""``GET status`` (who am I in AWS, which machine this is) and ``GET config`` (non-secret
settings)."""

from __future__ import annotations

from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..errors import UcdhError
from .base import UcdhHandler


class StatusHandler(UcdhHandler):
    """Identity, region, mode, versions, any credential problem with its fix, and the
    machine this JupyterLab runs on with its $/h and idle time."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """Report status; a credential problem is data here, not a failed request."""
        status = await self.call(self.services.status)
        status["workspace"] = await self.workspace()
        self.finish(status)

    async def workspace(self) -> dict[str, Any] | None:
        """The ``workspace`` block; None when the machine cannot be told. Imported here:
        nothing of it is needed to start the server."""
        from datetime import datetime, timezone

        from ..workspace_idle import describe_workspace, kernel_activity, server_kernels
        from ..workspace_machine import MachineFinder

        # One finder per server: it remembers the machine and its price.
        finder = self.settings.setdefault("ucdh_machine_finder", MachineFinder())
        started = self.settings.get("started") or datetime.now(timezone.utc)
        activity = kernel_activity(server_kernels(self.kernel_manager), started)
        try:
            return await self.call(describe_workspace, self.services, finder, activity)
        except UcdhError:  # the identity block already names any AWS problem
            return None


class ConfigHandler(UcdhHandler):
    """The part of the admin configuration the UI needs; nothing secret."""

    @web.authenticated
    @authorized
    def get(self) -> None:
        """Return the public configuration."""
        self.finish(self.services.public_config())
