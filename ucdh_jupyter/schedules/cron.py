"""EventBridge Scheduler cron expressions: parse the subset we create, and compute fire times.

AWS gives no "next fire time" (GetSchedule has none), so the list of schedules shows ours,
and the local stand-in (``demo/scheduler.py``) fires schedules with the same code: both must
agree with AWS, which is why the subset is small and anything else is refused.

Syntax (https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#cron-based):
six fields ``minutes hours day-of-month month day-of-week year``; ``*``, ``?``, numbers,
lists ``a,b``, ranges ``a-b``, increments ``*/n``, ``a/n``, ``a-b/n``, month names
``JAN`` to ``DEC``, day names ``SUN`` to ``SAT`` (day of week 1 = Sunday). One of day-of-month and
day-of-week must be ``?``. ``L``, ``W`` and ``#`` are refused: they are valid on AWS, but
nothing we create needs them, and a wrong evaluator would show wrong next runs.

Daylight saving time, as EventBridge Scheduler documents it (same page, "Daylight saving
time on EventBridge Scheduler"): "When the time shifts forward in the Spring, if a cron
expression falls on a non-existent date and time, your schedule invocation is skipped. When
the time shifts backwards in the Fall, your schedule runs only once and does not repeat its
invocation." So a local time that does not exist is skipped, and a local time that exists
twice fires once, at its first occurrence (``fold=0``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from itertools import pairwise
from typing import cast
from zoneinfo import ZoneInfo

from ..errors import UcdhError, bad_request

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
# Cron's day-of-week numbering: 1 = SUN ... 7 = SAT (same in Quartz).
WEEKDAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
FIELDS = ("minutes", "hours", "day-of-month", "month", "day-of-week", "year")
_BOUNDS = ((0, 59), (0, 23), (1, 31), (1, 12), (1, 7), (1970, 2199))
_NAMES: dict[int, tuple[str, ...]] = {3: MONTHS, 4: WEEKDAYS}
_WRAPPED = re.compile(r"cron\((.*)\)", re.DOTALL)
# How far ahead fire times are looked for: a 29 February on a given weekday recurs within
# 28 years; a year field may name a later year still, which is then "no fire in sight".
HORIZON_YEARS = 30


def _refused(field: str, text: str, why: str) -> UcdhError:
    return bad_request(
        f"The cron expression's {field} field '{text}' {why}.",
        "Write six fields: minutes hours day-of-month month day-of-week year, e.g. "
        "'30 2 ? * MON-FRI *', with *, ?, numbers, lists (1,15), ranges (MON-FRI) and "
        "steps (0/15). L, W and # are not supported here.",
    )


def _value(index: int, token: str, text: str) -> int:
    names = _NAMES.get(index, ())
    if token.upper() in names:
        return names.index(token.upper()) + 1
    if not token.isdigit():
        raise _refused(FIELDS[index], text, f"has '{token}', which is not a number")
    low, high = _BOUNDS[index]
    number = int(token)
    if not low <= number <= high:
        raise _refused(FIELDS[index], text, f"has {number}, outside {low}-{high}")
    return number


def _field(index: int, text: str) -> frozenset[int] | None:
    """The values one field allows; None for ``?`` (no restriction from this field)."""
    name = FIELDS[index]
    if text == "?":
        if index not in (2, 4):
            raise _refused(name, text, "may not be '?' (only day-of-month or day-of-week)")
        return None
    # Names (MON, JUL, ...) go first, so that what is left of L, W or # is the feature.
    if "#" in text or re.search(r"[LW]", re.sub(r"[A-Z]{3}", "", text.upper())):
        raise _refused(name, text, "uses L, W or #, which are not supported here")
    low, high = _BOUNDS[index]
    values: set[int] = set()
    for part in text.split(","):
        base, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) < 1:
                raise _refused(name, text, f"has the step '/{step_text}'")
            step = int(step_text)
        if base == "*":
            first, last = low, high
        elif "-" in base:
            start, _, end = base.partition("-")
            first, last = _value(index, start, text), _value(index, end, text)
            if first > last:
                raise _refused(name, text, f"has the range {base}, which runs backwards")
        else:
            first = _value(index, base, text)
            last = high if step_text else first
        values.update(range(first, last + 1, step))
    return frozenset(values)


@dataclass(frozen=True)
class CronExpression:
    """A parsed EventBridge cron expression (the supported subset); see the module doc."""

    text: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days_of_month: frozenset[int] | None
    months: frozenset[int]
    days_of_week: frozenset[int] | None
    years: frozenset[int]

    @classmethod
    def parse(cls, expression: str) -> CronExpression:
        """``cron(m h dom mon dow year)`` or the bare six fields; a 400 when outside the subset."""
        wrapped = _WRAPPED.fullmatch(expression.strip())
        text = " ".join((wrapped.group(1) if wrapped else expression).upper().split())
        parts = text.split(" ") if text else []
        if len(parts) != 6:
            raise bad_request(
                f"A cron expression has six fields; '{text}' has {len(parts)}.",
                "minutes hours day-of-month month day-of-week year, e.g. '30 2 ? * MON-FRI *'.",
            )
        fields = [_field(index, part) for index, part in enumerate(parts)]
        dom, dow = fields[2], fields[4]
        if (dom is None) == (dow is None):
            raise bad_request(
                f"In '{text}', exactly one of day-of-month and day-of-week must be '?'.",
                "Use '?' for the day field you do not restrict, e.g. '0 8 ? * MON *' or "
                "'0 8 1 * ? *'.",
            )
        # '?' was refused in the other fields, so they are sets.
        minutes, hours, months, years = (cast(frozenset[int], fields[i]) for i in (0, 1, 3, 5))
        return cls(text, minutes, hours, dom, months, dow, years)

    def expression(self) -> str:
        """The EventBridge ``ScheduleExpression``."""
        return f"cron({self.text})"

    def quartz(self) -> str:
        """The same schedule as a Quartz cron (Databricks ``CronSchedule``): seconds first,
        the same day-of-week numbering and names."""
        return "0 " + self.text

    def matches_day(self, day: date) -> bool:
        """Whether ``day`` (a local date) is one of the expression's days."""
        if day.month not in self.months or day.year not in self.years:
            return False
        if self.days_of_month is not None:
            return day.day in self.days_of_month
        return day.isoweekday() % 7 + 1 in (self.days_of_week or ())

    def times_of_day(self) -> list[tuple[int, int]]:
        """The (hour, minute) pairs of a matching day, in order."""
        return [(h, m) for h in sorted(self.hours) for m in sorted(self.minutes)]

    def days(self, start: date) -> Iterator[date]:
        """The expression's local dates from ``start`` on, within the horizon."""
        day = start
        end = date(min(start.year + HORIZON_YEARS, 9999), 1, 1)
        while day < end:
            if day.year not in self.years:
                day = date(day.year + 1, 1, 1)
                continue
            if self.matches_day(day):
                yield day
            day += timedelta(days=1)

    def local_fires(self, start: date) -> Iterator[datetime]:
        """Naive local fire times from the start of ``start`` on, within the horizon."""
        times = self.times_of_day()
        for day in self.days(start):
            for hour, minute in times:
                yield datetime(day.year, day.month, day.day, hour, minute)

    def next_fires(self, zone: ZoneInfo, after: datetime, n: int) -> list[datetime]:
        """The next ``n`` fire instants strictly after ``after`` (aware), in UTC, evaluated
        in ``zone`` as EventBridge Scheduler does (see the module doc on DST)."""
        after = after.astimezone(timezone.utc)
        fires: list[datetime] = []
        for local in self.local_fires(after.astimezone(zone).date() - timedelta(days=1)):
            instant = local.replace(tzinfo=zone)  # fold=0: the first of a repeated time
            if instant.astimezone(timezone.utc).astimezone(zone).replace(tzinfo=None) != local:
                continue  # does not exist: skipped on a spring-forward day
            moment = instant.astimezone(timezone.utc)
            if moment > after:
                fires.append(moment)
                if len(fires) >= n:
                    break
        return fires

    def fires_per_month(self) -> int:
        """At most how many times it fires in one calendar month (31 days, the most
        favourable weekdays), whatever its month and year fields."""
        per_day = len(self.hours) * len(self.minutes)
        if self.days_of_month is not None:
            return len(self.days_of_month) * per_day
        weekdays = self.days_of_week or frozenset()
        days = max(
            sum(1 for d in range(31) if (first + d) % 7 + 1 in weekdays) for first in range(7)
        )
        return days * per_day

    def min_interval(self) -> timedelta | None:
        """The shortest gap between two fires in local wall-clock time (a DST change
        shortens a real gap by its hour; the pattern is what the person chose); None when
        it fires at most once within the horizon."""
        times = [h * 60 + m for h, m in self.times_of_day()]
        gaps = [b - a for a, b in pairwise(times)]
        days = list(self.days(date(min(self.years), 1, 1)))
        day_gaps = [(b - a).days for a, b in pairwise(days)]
        if day_gaps:
            gaps.append(min(day_gaps) * 1440 - times[-1] + times[0])
        return timedelta(minutes=min(gaps)) if gaps else None
