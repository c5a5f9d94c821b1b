"""The reaper: terminates every managed run instance past its deadline.

It is the server-side backstop to the instance's own ``shutdown -h +MAX``: it needs
nothing from the run but the instance's tags, so it also catches instances whose run
record was lost, or that outlived a server that was down. Runs it reaps are EXPIRED.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .ec2 import TAG_DEADLINE, TAG_RUN_ID, Ec2Backend, tag_value
from .model import parse_iso, utcnow
from .periodic import every

if TYPE_CHECKING:
    from tornado.ioloop import PeriodicCallback

    from ..services import UcdhServices
    from .service import RunService

log = logging.getLogger(__name__)


def _deadline(instance: dict[str, Any]) -> datetime | None:
    try:
        return parse_iso(tag_value(instance, TAG_DEADLINE))
    except ValueError:
        return None


def reap(service: RunService, now: datetime | None = None) -> list[str]:
    """Terminate overdue managed instances, mark their runs EXPIRED; returns their ids.

    An instance tagged as managed but with no readable deadline counts as overdue:
    a machine nobody can account for is exactly what must not keep running.
    """
    moment = now or utcnow()
    backend = service.backend("ec2")
    assert isinstance(backend, Ec2Backend)
    overdue = []
    for instance in backend.managed_instances():
        deadline = _deadline(instance)
        if deadline is None or deadline <= moment:
            overdue.append(instance)
    if not overdue:
        return []
    backend.terminate([instance["InstanceId"] for instance in overdue])
    for instance in overdue:
        run_id = tag_value(instance, TAG_RUN_ID)
        log.warning(
            "ucdh-jupyter: terminated %s (run %s) past its deadline %s",
            instance["InstanceId"],
            run_id,
            tag_value(instance, TAG_DEADLINE),
        )
        run = backend.run_from_tags(instance)
        if run is not None:
            if backend.local is not None:
                backend.local.stop(run.id)
            service.expire(run, moment)
    return [instance["InstanceId"] for instance in overdue]


def start_reaper(services: UcdhServices, interval: float | None = None) -> PeriodicCallback:
    """Reap now and every ``interval`` seconds (default: reaper_interval_seconds).

    Call from the server extension's load once runs are configured; the sweeps run on
    the worker pool, never on the event loop.
    """
    seconds = interval or services.config.reaper_interval_seconds
    return every(services, seconds, lambda: reap(services.runs), "reaper")
