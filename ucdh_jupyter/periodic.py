"""Background sweeps on the tornado loop whose work runs on the worker pool.

The monitor refreshes every active run (so runs move on and finished machines are
released with no browser open); the reaper and the schedule finder (runs schedules fired,
even while the server was stopped) use the same helper.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tornado.ioloop import PeriodicCallback

from .errors import log_unexpected

if TYPE_CHECKING:
    from .services import UcdhServices

log = logging.getLogger(__name__)

# How often the runs schedules fired are looked for, at least (a fire is a minute apart
# at best, and the look lists S3).
SCHEDULE_POLL_SECONDS = 15.0


def every(
    services: UcdhServices, seconds: float, work: Callable[[], Any], name: str
) -> PeriodicCallback:
    """Run ``work`` on the worker pool now and every ``seconds``; never two at once."""
    busy = threading.Lock()

    def run() -> None:
        if not busy.acquire(blocking=False):
            return  # the previous sweep is still going
        try:
            work()
        except Exception as exc:
            if services.closed:
                # The server is stopping: a sweep that outlived the drain found the run
                # store closed under it. Nothing is lost (the next start rebuilds), so
                # this is not an error worth a traceback on every shutdown.
                log.debug("%s sweep ended by the server's shutdown", name)
                return
            log_unexpected(log, exc, f"{name} sweep failed")
        finally:
            busy.release()

    def tick() -> None:
        services.executor.submit(run)

    callback = PeriodicCallback(tick, seconds * 1000)
    tick()
    callback.start()
    return callback


def start_runs(services: UcdhServices) -> list[PeriodicCallback]:
    """At server start: rebuild the run list from S3, reap, then keep reaping and
    monitoring. Call once from the extension's load when runs are configured."""
    from .runs.reaper import reap

    rebuilt = threading.Event()

    def sweep() -> None:
        # The first sweep rebuilds before reaping, so expired runs land in a full store.
        if not rebuilt.is_set():
            services.runs.rebuild()
            rebuilt.set()
        reap(services.runs)

    def follow() -> None:
        # Refreshing while the store is being refilled could cache a stale state.
        if rebuilt.is_set():
            services.runs.refresh_active()

    def find_fired() -> None:
        # Runs schedules fired (with this server stopped or not) join the store, and the
        # monitor follows them from then on.
        if rebuilt.is_set():
            services.schedules.discover()

    heartbeat = services.config.runs_heartbeat_seconds
    return [
        every(services, services.config.reaper_interval_seconds, sweep, "reaper"),
        every(services, heartbeat, follow, "run monitor"),
        every(services, max(SCHEDULE_POLL_SECONDS, 3 * heartbeat), find_fired, "schedule finder"),
    ]
