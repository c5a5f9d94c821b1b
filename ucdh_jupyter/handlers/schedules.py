"""Schedule routes: recurring runs (``GET|POST schedules``, ``GET|PATCH|DELETE
schedules/<id>``). Thin: each calls :class:`~ucdh_jupyter.schedules.service.ScheduleService`
off the event loop and answers through the schedule models."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from .base import UcdhHandler


class SchedulesBase(UcdhHandler):
    """The schedule routes belong to the runs feature."""

    feature = "runs"

    async def finish_schedule(self, fn: Callable[..., Any], *args: Any, status: int = 200) -> None:
        """Call a schedule service method off the event loop; answer its view."""
        from ..schedules.models import Schedule

        service = self.services.schedules
        schedule = await self.call(fn, *args)
        self.reply(Schedule, await self.call(service.view, schedule), status=status)


class SchedulesHandler(SchedulesBase):
    """``GET schedules``: the user's; ``POST schedules``: a new recurring run."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """The user's schedules, newest first, with their next fires and last runs."""
        from ..schedules.models import ScheduleList

        service = self.services.schedules

        def views() -> dict[str, Any]:
            return {"schedules": [service.view(item) for item in service.owned(self.owner)]}

        self.reply(ScheduleList, await self.call(views))

    @web.authenticated
    @authorized
    async def post(self) -> None:
        """Check, snapshot and schedule it; 201 with the schedule."""
        body = self.json_body()
        service = self.services.schedules
        root = self.services.root_dir
        await self.finish_schedule(service.create, body, self.owner, root, status=201)


class ScheduleHandler(SchedulesBase):
    """``GET|PATCH|DELETE schedules/<id>``."""

    @web.authenticated
    @authorized
    async def get(self, schedule_id: str) -> None:
        """One schedule."""
        service = self.services.schedules
        await self.finish_schedule(service.get, schedule_id, self.owner)

    @web.authenticated
    @authorized
    async def patch(self, schedule_id: str) -> None:
        """Pause, resume or edit it (an edit freezes the notebook and files again)."""
        body = self.json_body()
        service = self.services.schedules
        root = self.services.root_dir
        await self.finish_schedule(service.update, schedule_id, self.owner, body, root)

    @web.authenticated
    @authorized
    async def delete(self, schedule_id: str) -> None:
        """Delete it; its past runs stay. 204."""
        await self.call(self.services.schedules.delete, schedule_id, self.owner)
        self.set_status(204)
        self.finish()
