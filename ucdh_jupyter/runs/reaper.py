"""The reaper: stops every run of every backend that is past its deadline.

EC2: it terminates every managed instance past the deadline of its tags, the server-side
backstop to the instance's own ``shutdown -h +MAX``. It needs nothing from the run but
the instance's tags, so it also catches instances whose run record was lost, or that
outlived a server that was down.

Other backends (Databricks): every run of the run store that is not over and past its
``deadline`` is cancelled through its backend, the server-side backstop to Databricks'
own ``timeout_seconds``. Runs it reaps are EXPIRED.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..errors import log_unexpected
from .ec2 import TAG_DEADLINE, TAG_RUN_ID, Ec2Backend, tag_value
from .model import parse_iso, utcnow

if TYPE_CHECKING:
    from .service import RunService

log = logging.getLogger(__name__)


def _deadline(instance: dict[str, Any]) -> datetime | None:
    try:
        return parse_iso(tag_value(instance, TAG_DEADLINE))
    except ValueError:
        return None


def reap(service: RunService, now: datetime | None = None) -> list[str]:
    """Terminate overdue managed instances and cancel other backends' overdue runs,
    mark their runs EXPIRED; returns the instance ids and the other runs' ids.

    An instance tagged as managed but with no readable deadline counts as overdue:
    a machine nobody can account for is exactly what must not keep running.
    """
    moment = now or utcnow()
    return _reap_instances(service, moment) + _reap_runs(service, moment)


def _reap_instances(service: RunService, moment: datetime) -> list[str]:
    """Terminate overdue managed EC2 instances; their ids."""
    backend = service.backend("ec2")
    assert isinstance(backend, Ec2Backend)
    overdue = []
    for instance in backend.managed_instances():
        deadline = _deadline(instance)
        if deadline is None or deadline <= moment:
            overdue.append(instance)
    if not overdue:
        return []
    # EXPIRED is recorded before the machines are touched: once an instance is
    # terminated, the tracker (seeing it gone) or the dying runner (its notebook
    # interrupted) can record FAILED first, and a final state is never changed, so
    # the audit said 'failed' for a run the reaper killed. An instance whose
    # termination fails is still found by its tags at the next sweep.
    for instance in overdue:
        run = backend.run_from_tags(instance)
        if run is not None:
            service.expire(run, moment)
    backend.terminate([instance["InstanceId"] for instance in overdue])
    for instance in overdue:
        log.warning(
            "ucdh-jupyter: terminated %s (run %s) past its deadline %s",
            instance["InstanceId"],
            tag_value(instance, TAG_RUN_ID),
            tag_value(instance, TAG_DEADLINE),
        )
    return [instance["InstanceId"] for instance in overdue]


def _reap_runs(service: RunService, moment: datetime) -> list[str]:
    """Cancel the store's live runs of other backends past their deadline; their ids.

    EC2 runs are left to :func:`_reap_instances` (their tags say more than the store).
    """
    reaped = []
    for run in service.store.list(active_only=True):
        if run.backend == "ec2" or run.deadline_at > moment:
            continue
        try:
            service.backend(run.backend).release(run)
        except Exception as exc:
            # Not reachable now (token, network): the next sweep tries again.
            log_unexpected(log, exc, f"could not cancel overdue run {run.id}")
            continue
        log.warning("ucdh-jupyter: cancelled %s run %s past its deadline", run.backend, run.id)
        service.expire(run, moment, message="The run passed its deadline; it was cancelled.")
        reaped.append(run.id)
    return reaped
