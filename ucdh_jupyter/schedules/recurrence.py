"""When a scheduled run recurs: the choices the schedule dialog offers, as one value.

A :class:`Recurrence` is what a person picks (every N minutes or hours, daily, on some
weekdays, monthly, or a raw EventBridge cron expression) plus the time zone it is meant in
and an optional last day. It becomes the two engines' own expressions
(:meth:`~Recurrence.eventbridge_expression` with ``ScheduleExpressionTimezone``, and
:meth:`~Recurrence.quartz_cron` for a Databricks ``CronSchedule``), a sentence for the list
(:meth:`~Recurrence.describe`) and the next fire times (:meth:`~Recurrence.next_fires`,
computed by :mod:`.cron` as EventBridge Scheduler does across daylight saving time). The
schedule starts when it is created; there is no start date to choose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import bad_request
from .cron import WEEKDAYS, CronExpression

KINDS = ("minutes", "hourly", "daily", "weekly", "monthly", "cron")
# "Every N" must divide the minutes of an hour (hours of a day): cron's */N starts again at
# each hour (day), so any other N would give one shorter gap than the text promises.
MINUTE_STEPS = (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30)
HOUR_STEPS = (1, 2, 3, 4, 6, 8, 12)
DAY_NAMES = {
    "MON": "Monday",
    "TUE": "Tuesday",
    "WED": "Wednesday",
    "THU": "Thursday",
    "FRI": "Friday",
    "SAT": "Saturday",
    "SUN": "Sunday",
}
_WEEK = tuple(DAY_NAMES)  # Monday first, as the dialog shows them
_TIME = re.compile(r"(\d{1,2}):(\d{2})")
_KEYS = {"kind", "every", "minute", "time", "days", "day_of_month", "cron", "timezone", "end_date"}


@dataclass(frozen=True)
class Recurrence:
    """One schedule's recurrence; build it with :func:`parse`."""

    kind: str
    timezone: str = "UTC"
    every: int = 1
    minute: int = 0
    hour: int = 0
    days: tuple[str, ...] = ()
    day_of_month: int = 1
    cron: str = ""
    end_date: date | None = None
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_zone", ZoneInfo(self.timezone))

    @cached_property
    def expression(self) -> CronExpression:
        """The EventBridge cron expression every other view is computed from."""
        hhmm = f"{self.minute} {self.hour}"
        fields = {
            "minutes": f"{'*' if self.every == 1 else f'0/{self.every}'} * * * ? *",
            "hourly": f"{self.minute} {'*' if self.every == 1 else f'0/{self.every}'} * * ? *",
            "daily": f"{hhmm} * * ? *",
            "weekly": f"{hhmm} ? * {_day_list(self.days)} *",
            "monthly": f"{hhmm} {self.day_of_month} * ? *",
        }
        return CronExpression.parse(fields.get(self.kind, self.cron))

    def eventbridge_expression(self) -> str:
        """``ScheduleExpression`` of the EventBridge schedule, e.g. ``cron(30 2 ? * MON-FRI *)``
        (``ScheduleExpressionTimezone`` is :attr:`timezone`)."""
        return self.expression.expression()

    def quartz_cron(self) -> str:
        """``quartz_cron_expression`` of a Databricks ``CronSchedule`` (``timezone_id`` is
        :attr:`timezone`), e.g. ``0 30 2 ? * MON-FRI *``."""
        return self.expression.quartz()

    def end_instant(self) -> datetime | None:
        """The UTC instant the last day ends in the schedule's time zone: EventBridge's
        ``EndDate`` (no fire at or after it); None without a last day."""
        if self.end_date is None:
            return None
        following = datetime.combine(self.end_date + timedelta(days=1), time(), self._zone)
        return following.astimezone(timezone.utc)

    def next_fires(self, after: datetime, n: int) -> list[datetime]:
        """The next ``n`` fire instants strictly after ``after`` (aware), in UTC: a local
        time skipped by a spring-forward change is skipped, one repeated by a fall-back
        change fires once (see :mod:`.cron`); none after the last day."""
        fires = self.expression.next_fires(self._zone, after, n)
        end = self.end_instant()
        return [moment for moment in fires if end is None or moment < end]

    def fires_per_month(self) -> int:
        """At most how many times it fires in a month: with the maximum cost of one run,
        what the schedule can commit of a monthly budget."""
        return self.expression.fires_per_month()

    def min_interval(self) -> timedelta | None:
        """The shortest gap between two fires (wall-clock); None when it fires at most once.
        The service refuses schedules more frequent than its administrator allows."""
        return self.expression.min_interval()

    def describe(self) -> str:
        """A sentence for the schedule list, e.g. "Every weekday at 02:30 (Europe/Berlin)"."""
        at = f"{self.hour:02d}:{self.minute:02d}"
        if self.kind == "minutes":
            text = "Every minute" if self.every == 1 else f"Every {self.every} minutes"
        elif self.kind == "hourly":
            text = (
                f"Every hour at :{self.minute:02d}"
                if self.every == 1
                else f"Every {self.every} hours at :{self.minute:02d} (from 00:{self.minute:02d})"
            )
        elif self.kind == "daily":
            text = f"Every day at {at}"
        elif self.kind == "weekly":
            text = f"Every {_day_words(self.days)} at {at}"
        elif self.kind == "monthly":
            text = f"On day {self.day_of_month} of every month at {at}"
            if self.day_of_month > 28:
                text += f" (months without a day {self.day_of_month} are skipped)"
        else:
            text = f"On the cron schedule {self.cron}"
        text += f" ({self.timezone})"
        return text + (f", until {self.end_date.isoformat()}" if self.end_date else "")

    def to_json(self) -> dict[str, Any]:
        """The body :func:`parse` reads back: only the fields of its kind."""
        body: dict[str, Any] = {"kind": self.kind, "timezone": self.timezone}
        if self.kind in ("minutes", "hourly"):
            body["every"] = self.every
        if self.kind == "hourly":
            body["minute"] = self.minute
        if self.kind in ("daily", "weekly", "monthly"):
            body["time"] = f"{self.hour:02d}:{self.minute:02d}"
        if self.kind == "weekly":
            body["days"] = list(self.days)
        if self.kind == "monthly":
            body["day_of_month"] = self.day_of_month
        if self.kind == "cron":
            body["cron"] = self.cron
        body["end_date"] = self.end_date.isoformat() if self.end_date else None
        return body


def _day_list(days: tuple[str, ...]) -> str:
    """Cron's day-of-week field: names in cron order, three or more in a row as a range."""
    numbers = sorted(WEEKDAYS.index(day) + 1 for day in days)
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    parts = [
        f"{WEEKDAYS[run[0] - 1]}-{WEEKDAYS[run[-1] - 1]}"
        if len(run) >= 3
        else ",".join(WEEKDAYS[n - 1] for n in run)
        for run in runs
    ]
    return ",".join(parts)


def _day_words(days: tuple[str, ...]) -> str:
    chosen = set(days)
    if chosen == set(_WEEK):
        return "day"
    if chosen == set(_WEEK[:5]):
        return "weekday"
    names = [DAY_NAMES[day] for day in _WEEK if day in chosen]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _integer(body: dict[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise bad_request(
            f"The recurrence's '{key}' must be a whole number from {low} to {high}; got {value!r}.",
        )
    return value


def _time_of_day(body: dict[str, Any]) -> tuple[int, int]:
    text = body.get("time")
    found = _TIME.fullmatch(text) if isinstance(text, str) else None
    if not found or int(found.group(1)) > 23 or int(found.group(2)) > 59:
        raise bad_request(
            f"The recurrence's 'time' must be a time of day HH:MM from 00:00 to 23:59; "
            f"got {text!r}.",
            "For example 02:30 or 17:00, in the schedule's time zone.",
        )
    return int(found.group(1)), int(found.group(2))


def _zone_name(body: dict[str, Any]) -> str:
    name = body.get("timezone", "UTC")
    try:
        if not isinstance(name, str) or not name or name.startswith(("/", ".")):
            raise ValueError(name)
        ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError):
        raise bad_request(
            f"The recurrence's 'timezone' {name!r} is not a time zone this server knows.",
            "Use an IANA time zone name such as Europe/Berlin, America/New_York or UTC.",
        ) from None
    return name


def _days(body: dict[str, Any]) -> tuple[str, ...]:
    days = body.get("days")
    if not isinstance(days, list) or not days:
        raise bad_request(
            "The recurrence's 'days' must list at least one day of the week.",
            'For example ["MON", "WED", "FRI"].',
        )
    chosen = {str(day).upper()[:3] for day in days}
    unknown = sorted(str(day) for day in days if str(day).upper()[:3] not in DAY_NAMES)
    if unknown:
        raise bad_request(
            f"The recurrence's 'days' has {', '.join(unknown)}, which is not a day of the week.",
            "Use MON, TUE, WED, THU, FRI, SAT, SUN.",
        )
    return tuple(day for day in _WEEK if day in chosen)


def _end_date(body: dict[str, Any]) -> date | None:
    value = body.get("end_date")
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise bad_request(
            f"The recurrence's 'end_date' must be a date YYYY-MM-DD; got {value!r}.",
            "The last day on which it may run, in the schedule's time zone.",
        ) from None


def parse(body: dict[str, Any]) -> Recurrence:
    """The recurrence of a request body (see :meth:`Recurrence.to_json`); a 400 naming the
    field that breaks a rule."""
    if not isinstance(body, dict):
        raise bad_request("The recurrence must be an object with a 'kind'.")
    unknown = sorted(set(body) - _KEYS)
    if unknown:
        raise bad_request(f"The recurrence has unknown fields: {', '.join(unknown)}.")
    kind = body.get("kind")
    if kind not in KINDS:
        raise bad_request(
            f"The recurrence's 'kind' {kind!r} is not one of {', '.join(KINDS)}.",
        )
    values: dict[str, Any] = {
        "kind": kind,
        "timezone": _zone_name(body),
        "end_date": _end_date(body),
    }
    if kind in ("minutes", "hourly"):
        steps = MINUTE_STEPS if kind == "minutes" else HOUR_STEPS
        every = body.get("every", 1)
        if isinstance(every, bool) or not isinstance(every, int) or every not in steps:
            unit = "minutes" if kind == "minutes" else "hours"
            raise bad_request(
                f"The recurrence's 'every' must be one of {', '.join(map(str, steps))} "
                f"({unit}); got {every!r}.",
                f"Those divide an {'hour' if kind == 'minutes' else 'day'} evenly, so "
                "the gaps between runs are all the same.",
            )
        values["every"] = every
    if kind == "hourly":
        values["minute"] = _integer(body, "minute", 0, 0, 59)
    if kind in ("daily", "weekly", "monthly"):
        values["hour"], values["minute"] = _time_of_day(body)
    if kind == "weekly":
        values["days"] = _days(body)
    if kind == "monthly":
        values["day_of_month"] = _integer(body, "day_of_month", 1, 1, 31)
    if kind == "cron":
        text = body.get("cron")
        if not isinstance(text, str) or not text.strip():
            raise bad_request("The recurrence's 'cron' must be a cron expression.")
        values["cron"] = CronExpression.parse(text).text
    recurrence = Recurrence(**values)
    recurrence.expression  # noqa: B018 - every kind's expression is valid before it is used
    return recurrence
