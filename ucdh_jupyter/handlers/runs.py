"""Run routes: parse, call :class:`~ucdh_jupyter.runs.user.UserRuns` on the worker pool, finish.

Every route sees only the runs of the person logged in (see ``UcdhHandler.owner``), with
notebook paths relative to the Jupyter root; a path that leaves it is a 400.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..errors import bad_request
from .base import UcdhHandler

if TYPE_CHECKING:
    from ..runs.user import UserRuns

# The logs of a run: the runner's (the notebook's output), the machine's boot (EC2).
LOG_SOURCES = ("runner", "boot")


class RunsBase(UcdhHandler):
    """Shared by the run routes: the current user's view of the run service."""

    feature = "runs"

    def user_runs(self) -> UserRuns:
        """The runs of the person making this request, under the Jupyter root."""
        return self.services.user_runs(self.owner)

    async def finish_run(self, fn: Any, *args: Any, status: int = 200) -> None:
        """Call a :class:`UserRuns` method off the event loop; finish with the Run JSON."""
        from ..runs.models import Run

        run = await self.call(fn, *args)
        self.reply(Run, run.to_json(), status)


class RunsHandler(RunsBase):
    """``GET runs`` (the user's runs) and ``POST runs`` (submit one)."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """List the user's runs, newest first, from the local store, with this month's
        usage against the user's caps (the Runs section's "This month: $12.40 of $200")."""
        user = self.user_runs()
        runs = await self.call(user.list)
        usage = user.usage(runs)
        from ..runs.models import RunList

        self.reply(RunList, {"runs": [run.to_json() for run in runs], "usage": usage.to_json()})

    @web.authenticated
    @authorized
    async def post(self) -> None:
        """Submit; 202 once the machine is asked for. The same run_id twice: one run."""
        await self.finish_run(self.user_runs().submit, self.json_body(), status=202)


class PrepareHandler(RunsBase):
    """``POST runs/prepare``: what the run dialog shows. POST for its body; changes nothing."""

    @web.authenticated
    @authorized
    async def post(self) -> None:
        """Parameters, files, environment, limits, a new run id and the cost."""
        from ..runs.models import RunDialog

        self.reply(RunDialog, await self.call(self.user_runs().prepare, self.json_body()))


class RunHandler(RunsBase):
    """``GET runs/<id>``: one run, looked at again if it is not over."""

    @web.authenticated
    @authorized
    async def get(self, run_id: str) -> None:
        """The run's state, progress and cost (404 for an unknown run or someone else's)."""
        await self.finish_run(self.user_runs().get, run_id)


class CancelHandler(RunsBase):
    """``POST runs/<id>/cancel``."""

    @web.authenticated
    @authorized
    async def post(self, run_id: str) -> None:
        """Ask the run to stop; it saves its partial output, then its machine goes."""
        await self.finish_run(self.user_runs().cancel, run_id)


class OutputHandler(RunsBase):
    """``POST runs/<id>/output``: copy the executed notebook next to the original."""

    @web.authenticated
    @authorized
    async def post(self, run_id: str) -> None:
        """Write ``<name>.run-<UTC date-time>.ipynb`` (partial output too) and, for
        Databricks, the same name in ``.html``; return their paths."""
        from ..runs.models import RunOutput

        self.reply(RunOutput, await self.call(self.user_runs().copy_output, run_id))


class ChildOutputHandler(RunsBase):
    """``POST runs/<id>/children/<index>/output``: copy one sweep child's notebook."""

    @web.authenticated
    @authorized
    async def post(self, run_id: str, index: str) -> None:
        """Write ``<name>.run-<UTC date-time>.child-<index>.ipynb``; return its path."""
        from ..runs.models import ChildOutput

        if not index.isdigit() or len(index) > 6:
            raise bad_request(f"{index[:20]!r} is not a child number.", "Use 0, 1, 2, …")
        answer = await self.call(self.user_runs().copy_child_output, run_id, int(index))
        self.reply(ChildOutput, answer)


class ChildrenExportHandler(RunsBase):
    """``POST runs/<id>/children/export``: the sweep's children as a CSV file."""

    @web.authenticated
    @authorized
    async def post(self, run_id: str) -> None:
        """Write ``<name>.run-<UTC date-time>.children.csv``; return its path."""
        from ..runs.models import ChildOutput

        self.reply(ChildOutput, await self.call(self.user_runs().export_children, run_id))


class LogHandler(RunsBase):
    """``GET runs/<id>/log[?source=runner|boot]``."""

    @web.authenticated
    @authorized
    async def get(self, run_id: str) -> None:
        """The end of the runner's log (the notebook's), or with ``source=boot`` of an
        EC2 machine's boot log (what happened before the runner started)."""
        source = self.query("source", "runner")
        if source not in LOG_SOURCES:
            raise bad_request(
                f"source must be one of: {', '.join(LOG_SOURCES)}.",
                "Use source=runner for the notebook's log, source=boot for the machine's boot log.",
            )
        from ..runs.models import RunLog

        user = self.user_runs()
        if source == "boot":
            self.reply(RunLog, await self.call(user.read_boot_log, run_id))
            return
        self.reply(RunLog, {"source": "runner", "log": await self.call(user.read_log, run_id)})


class NotificationsHandler(RunsBase):
    """``GET|PUT|DELETE runs/notifications``: e-mail to this user when their runs end."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """Whether the user is told, at which address, and whether SNS has it confirmed."""
        from ..runs.models import NotificationStatus

        notifier = self.services.notifier
        self.reply(NotificationStatus, await self.call(notifier.status, self.owner))

    @web.authenticated
    @authorized
    async def put(self) -> None:
        """Subscribe the address; SNS mails it a link to confirm."""
        from ..runs.models import NotificationBody, NotificationStatus

        body = self.parse_body(NotificationBody)
        notifier = self.services.notifier
        answer = await self.call(notifier.subscribe, self.owner, body.address)
        self.reply(NotificationStatus, answer)

    @web.authenticated
    @authorized
    async def delete(self) -> None:
        """Stop telling this user."""
        from ..runs.models import NotificationStatus

        notifier = self.services.notifier
        self.reply(NotificationStatus, await self.call(notifier.unsubscribe, self.owner))
