"""``GET status`` (who am I in AWS, which machine this is), ``GET status/workspace`` (only
the machine and its idle time, for the header to follow) and ``GET config`` (non-secret
settings)."""

from __future__ import annotations

from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..errors import UcdhError
from .base import UcdhHandler


class WorkspaceMixin(UcdhHandler):
    """Reads the machine this JupyterLab runs on and how long its kernels have idled."""

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


class StatusHandler(WorkspaceMixin):
    """Identity, region, mode, versions, any credential problem with its fix, and the
    machine this JupyterLab runs on with its $/h and idle time."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """Report status; a credential problem is data here, not a failed request."""
        status = await self.call(self.services.status)
        status["workspace"] = await self.workspace()
        from ..models import Status

        self.reply(Status, status)


class WorkspaceHandler(WorkspaceMixin):
    """The ``workspace`` block alone. The header asks for it every minute, so the idle
    time and the suggestion to run elsewhere follow the kernels, while identity
    checks (STS, Databricks) stay on the user's own refresh setting; the machine and
    its price are remembered by the server, so this makes no AWS call once known."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """Report the machine, its $/h and the kernels' idle time."""
        from ..models import WorkspaceReply

        self.reply(WorkspaceReply, {"workspace": await self.workspace()})


class ConfigHandler(UcdhHandler):
    """The part of the admin configuration the UI needs; nothing secret."""

    @web.authenticated
    @authorized
    def get(self) -> None:
        """Return the public configuration."""
        from ..models import Config

        self.reply(Config, self.services.public_config())
