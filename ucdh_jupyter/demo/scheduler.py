"""The local AWS's missing clock: fire EventBridge Scheduler schedules that are due.

moto records schedules but never fires them. :func:`fire_due` does what the service
would do at a one-time schedule's ``at()`` time: call its universal target
(``arn:<partition>:scheduler:::aws-sdk:<service>:<apiAction>``) with its ``Input`` as
the request, then delete it when ``ActionAfterCompletion`` is ``DELETE``. So the demo and
the tests can show a run's instance terminated by its backstop alone, with neither the
instance nor Jupyter acting. :func:`fire_recurring` does the same for ``cron()`` and
``rate()`` schedules (recurring runs), and :class:`LocalScheduler` calls both every second
from the demo's own process, so schedules fire with Jupyter closed. Demo and tests only:
never pointed at real AWS.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

log = logging.getLogger(__name__)

_AT = re.compile(r"at\((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\)")
_UNIVERSAL = re.compile(r"arn:[a-z-]+:scheduler:::aws-sdk:([a-z0-9-]+):([A-Za-z0-9]+)")


def invoke(client: Callable[[str], Any], arn: str, text: str) -> Any:
    """Call a universal target ``arn:<partition>:scheduler:::aws-sdk:<service>:<apiAction>``
    with the request ``text`` (its ``Input``), as EventBridge Scheduler does.

    The ``Input`` spells members in PascalCase whatever the API (``{"JobName": ...}`` for
    ``batch:submitJob``, whose boto3 name is ``jobName``); each key is matched, ignoring
    case, to the operation's own member name, map keys (tags, parameters) left as they are.
    """
    from botocore import xform_name

    found = _UNIVERSAL.fullmatch(arn)
    if found is None:
        raise ValueError("not a universal target")
    service, action = found.groups()
    target = client(service)
    operation = target.meta.service_model.operation_model(action[0].upper() + action[1:])
    request = _shaped(json.loads(text), operation.input_shape)
    return getattr(target, xform_name(action))(**request)


def _shaped(value: Any, shape: Any) -> Any:
    """``value`` with its structure members named as ``shape`` (a botocore shape) names them."""
    if shape is None:
        return value
    if shape.type_name == "structure" and isinstance(value, dict):
        members = {name.lower(): name for name in shape.members}
        renamed = {}
        for key, item in value.items():
            name = members.get(key.lower(), key)
            renamed[name] = _shaped(item, shape.members.get(name))
        return renamed
    if shape.type_name == "list" and isinstance(value, list):
        return [_shaped(item, shape.member) for item in value]
    if shape.type_name == "map" and isinstance(value, dict):
        return {key: _shaped(item, shape.value) for key, item in value.items()}
    return value


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
    from botocore.exceptions import ClientError

    moment = now or datetime.now(timezone.utc)
    fired: list[str] = []
    pages = scheduler.get_paginator("list_schedules").paginate(GroupName=group)
    for summary in [item for page in pages for item in page["Schedules"]]:
        schedule = scheduler.get_schedule(Name=summary["Name"], GroupName=group)
        due = due_time(schedule["ScheduleExpression"])
        if schedule.get("State") != "ENABLED" or due is None or due > moment:
            continue
        if _UNIVERSAL.fullmatch(schedule["Target"]["Arn"]) is None:
            raise ValueError(f"schedule {summary['Name']}: not a universal target")
        try:
            invoke(client, schedule["Target"]["Arn"], schedule["Target"].get("Input") or "{}")
        except ClientError as exc:
            log.warning("schedule target call failed: %s", exc.response["Error"].get("Code"))
        else:
            fired.append(str(summary["Name"]))
        if schedule.get("ActionAfterCompletion") == "DELETE":
            scheduler.delete_schedule(Name=summary["Name"], GroupName=group)
    return fired


# A local stand-in that was stopped for a while (a laptop asleep) fires only the latest of
# the times it missed, not hundreds of "every minute" runs at once.
MAX_CATCH_UP = 10
_RATE = re.compile(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)")


def _rate_fires(schedule: dict[str, Any], since: datetime, now: datetime) -> list[datetime]:
    """The instants of a ``rate()`` schedule in (since, now]: every period from its
    StartDate, else from its creation (AWS starts a rate schedule at once)."""
    found = _RATE.fullmatch(schedule["ScheduleExpression"].strip())
    if found is None:
        return []
    unit = found.group(2).rstrip("s")
    period = timedelta(**{unit + "s": int(found.group(1))})
    anchor = schedule.get("StartDate") or schedule.get("CreationDate") or since
    count = max(0, (since - anchor) // period + 1)
    fires = []
    moment = anchor + count * period
    while moment <= now:
        fires.append(moment)
        moment += period
    return fires


def recurring_fires(schedule: dict[str, Any], since: datetime, now: datetime) -> list[datetime]:
    """The instants in (since, now] at which a ``cron()`` or ``rate()`` schedule (as
    GetSchedule returns it) fires, within its StartDate and EndDate. A cron expression is
    evaluated in its ``ScheduleExpressionTimezone`` by :mod:`ucdh_jupyter.schedules.cron`,
    the code that shows the next runs; one outside that subset raises its ``UcdhError``."""
    from ..schedules.cron import CronExpression

    expression = schedule["ScheduleExpression"].strip()
    if expression.startswith("cron("):
        zone = ZoneInfo(schedule.get("ScheduleExpressionTimezone") or "UTC")
        fires = CronExpression.parse(expression).next_fires(zone, since, 1000)
        fires = [moment for moment in fires if moment <= now]
    else:
        fires = _rate_fires(schedule, since, now)
    start, end = schedule.get("StartDate"), schedule.get("EndDate")
    return [m for m in fires if (start is None or m >= start) and (end is None or m < end)]


def _context(text: str, schedule: dict[str, Any], moment: datetime) -> str:
    """The ``Input`` with EventBridge Scheduler's context attributes substituted
    (https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-context-attributes.html)."""
    values = {
        "schedule-arn": schedule["Arn"],
        "scheduled-time": moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "execution-id": uuid.uuid4().hex[:16],
        "attempt-number": "1",
    }
    for name, value in values.items():
        text = text.replace(f"<aws.scheduler.{name}>", value)
    return text


def fire_recurring(
    scheduler: Any,
    client: Callable[[str], Any],
    groups: Sequence[str],
    now: datetime,
    last: dict[str, datetime],
) -> list[tuple[str, datetime]]:
    """Fire every ENABLED ``cron()``/``rate()`` schedule of ``groups`` at each of its fire
    times in (``last[key]``, ``now``]; the (name, scheduled time) of each call that succeeded.

    ``last`` (keys ``"<group>/<name>"``) is the caller's memory between calls, updated here:
    a schedule seen for the first time, or while DISABLED, records ``now`` and fires nothing
    (no backfill). ``client(service)`` gives a boto3 client of the local AWS. A failing
    target call, or an expression outside the supported subset, is logged (never the Input)
    and does not keep the other schedules from firing. A schedule past its EndDate with
    ``ActionAfterCompletion=DELETE`` is deleted, as AWS does.
    """
    from ..errors import UcdhError

    fired: list[tuple[str, datetime]] = []
    for group in groups:
        pages = scheduler.get_paginator("list_schedules").paginate(GroupName=group)
        names = [
            str(item["Name"])
            for page in pages
            for item in page["Schedules"]
            if item.get("GroupName", group) == group
        ]
        for name in names:
            schedule = scheduler.get_schedule(Name=name, GroupName=group)
            key = f"{group}/{name}"
            if due_time(schedule["ScheduleExpression"]) is not None:
                continue  # a one-time schedule: fire_due's
            since, last[key] = last.get(key), now
            if since is None or schedule.get("State") != "ENABLED":
                continue
            try:
                moments = recurring_fires(schedule, since, now)
            except (UcdhError, ZoneInfoNotFoundError, ValueError):
                log.warning("schedule %s: expression or time zone not supported locally", name)
                continue
            for moment in moments[-MAX_CATCH_UP:]:
                text = _context(schedule["Target"].get("Input") or "{}", schedule, moment)
                try:
                    invoke(client, schedule["Target"]["Arn"], text)
                except Exception as exc:  # one target must not stop the rest
                    code = getattr(exc, "response", {}).get("Error", {}).get("Code")
                    log.warning(
                        "schedule %s: target call failed: %s", name, code or type(exc).__name__
                    )
                else:
                    fired.append((name, moment))
            end = schedule.get("EndDate")
            if end is not None and end <= now and schedule.get("ActionAfterCompletion") == "DELETE":
                scheduler.delete_schedule(Name=name, GroupName=group)
                last.pop(key, None)
    return fired


class LocalScheduler:
    """EventBridge Scheduler's clock for the local AWS: every second, fire the due backstop
    schedules (:func:`fire_due`) and recurring ones (:func:`fire_recurring`).

    Runs in the process that holds the local AWS (the demo's, not Jupyter's), so schedules
    fire with Jupyter closed. Tests call :meth:`tick` with chosen moments instead of
    starting the thread.
    """

    def __init__(
        self,
        client: Callable[[str], Any],
        backstop_group: str,
        schedule_groups: Sequence[str],
        interval: float = 1.0,
    ) -> None:
        self._make_client = client
        self._clients: dict[str, Any] = {}
        self.backstop_group = backstop_group
        self.schedule_groups = list(schedule_groups)
        self.interval = interval
        self.last: dict[str, datetime] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def client(self, service: str) -> Any:
        """One boto3 client per service, made once (a tick a second would otherwise make
        several)."""
        if service not in self._clients:
            self._clients[service] = self._make_client(service)
        return self._clients[service]

    def tick(self, now: datetime | None = None) -> list[str]:
        """Fire what is due at ``now`` (default: the clock); the names of the schedules
        whose target call succeeded (a recurring one once per fire time)."""
        moment = now or datetime.now(timezone.utc)
        scheduler = self.client("scheduler")
        with self._lock:
            fired = fire_due(scheduler, self.client, self.backstop_group, moment)
            recurring = fire_recurring(
                scheduler, self.client, self.schedule_groups, moment, self.last
            )
        return fired + [name for name, _ in recurring]

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.tick()
            except Exception as exc:  # the clock must keep ticking
                log.warning("local scheduler: tick failed: %s", type(exc).__name__)

    def start(self) -> LocalScheduler:
        """Start ticking in a daemon thread."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="ucdh-local-scheduler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop ticking (waits for a tick in progress)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> LocalScheduler:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
