"""The local AWS's missing clock: fire EventBridge Scheduler schedules that are due.

moto records schedules but never fires them. :func:`fire_due` does what the service
would do at a one-time schedule's ``at()`` time: call its universal target
(``arn:<partition>:scheduler:::aws-sdk:<service>:<apiAction>``) with its ``Input`` as
the request, then delete it when ``ActionAfterCompletion`` is ``DELETE``. So the demo and
the tests can show a run's instance terminated by its backstop alone, with neither the
instance nor Jupyter acting. Demo and tests only: never pointed at real AWS.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

log = logging.getLogger(__name__)

_AT = re.compile(r"at\((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\)")
_UNIVERSAL = re.compile(r"arn:[a-z-]+:scheduler:::aws-sdk:([a-z0-9-]+):([A-Za-z0-9]+)")


def due_time(expression: str) -> datetime | None:
    """The UTC moment of a one-time ``at(...)`` expression; None for rate/cron ones."""
    found = _AT.fullmatch(expression.strip())
    if not found:
        return None
    return datetime.fromisoformat(found.group(1)).replace(tzinfo=timezone.utc)


def fire_due(
    scheduler: Any,
    client: Callable[[str], Any],
    group: str,
    now: datetime | None = None,
) -> list[str]:
    """Fire every schedule of ``group`` whose ``at()`` time has come; the names of those
    whose target call succeeded.

    ``client(service)`` gives a boto3 client of the local AWS for the target's service.
    As in the service, one target call that fails (its instance is gone, say) does not
    keep the other due schedules from firing, and a one-time schedule is deleted after
    its attempt either way.
    """
    from botocore import xform_name
    from botocore.exceptions import ClientError

    moment = now or datetime.now(timezone.utc)
    fired: list[str] = []
    pages = scheduler.get_paginator("list_schedules").paginate(GroupName=group)
    for summary in [item for page in pages for item in page["Schedules"]]:
        schedule = scheduler.get_schedule(Name=summary["Name"], GroupName=group)
        due = due_time(schedule["ScheduleExpression"])
        if schedule.get("State") != "ENABLED" or due is None or due > moment:
            continue
        target = _UNIVERSAL.fullmatch(schedule["Target"]["Arn"])
        if target is None:
            raise ValueError(f"schedule {summary['Name']}: not a universal target")
        service, action = target.groups()
        request = json.loads(schedule["Target"].get("Input") or "{}")
        try:
            getattr(client(service), xform_name(action))(**request)
        except ClientError as exc:
            log.warning("schedule target call failed: %s", exc.response["Error"].get("Code"))
        else:
            fired.append(str(summary["Name"]))
        if schedule.get("ActionAfterCompletion") == "DELETE":
            scheduler.delete_schedule(Name=summary["Name"], GroupName=group)
    return fired
