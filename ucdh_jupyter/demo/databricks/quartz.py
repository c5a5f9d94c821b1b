"""The Quartz cron subset a job's ``CronSchedule`` may use here, and its next fire time.

``sec min hour day-of-month month day-of-week`` with ``*``, ``?``, numbers, lists
``a,b``, ranges ``a-b``, steps ``*/n`` (also ``a/n`` and ``a-b/n``), month names
JAN-DEC and day names SUN-SAT (Quartz numbers days 1 = SUN to 7 = SAT). As in Quartz,
exactly one of day-of-month and day-of-week is ``?``. Anything else (``L``, ``W``,
``#``, a year field) is refused with the 400 Databricks gives a bad expression.

Times are wall-clock times in the schedule's ``timezone_id``, as Quartz and Databricks
resolve them: a time that does not exist (the hour skipped when daylight saving time
starts) does not fire that day, and a time that happens twice (when it ends) fires once,
at its first occurrence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ApiError, invalid

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
# (name, lowest, highest, names numbered from lowest)
_FIELDS = (
    ("seconds", 0, 59, ()),
    ("minutes", 0, 59, ()),
    ("hours", 0, 23, ()),
    ("day-of-month", 1, 31, ()),
    ("month", 1, 12, MONTHS),
    ("day-of-week", 1, 7, DAYS),
)
_TERM = re.compile(r"^(\*|[A-Z0-9]+(?:-[A-Z0-9]+)?)(?:/(\d+))?$")
# How far ahead a next fire time is looked for (an expression like "30 February" has none).
_HORIZON_DAYS = 366 * 5


def _bad(expression: str, why: str) -> ApiError:
    return invalid(f"Invalid quartz_cron_expression {expression!r}: {why}.")


@dataclass(frozen=True)
class Cron:
    """A parsed expression: the allowed values of each field (None for ``?``)."""

    seconds: frozenset[int]
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int] | None
    months: frozenset[int]
    weekdays: frozenset[int] | None  # Quartz numbering, 1 = Sunday

    def matches_day(self, day: date) -> bool:
        """True if ``day`` (a local date) is a day the expression fires on."""
        if day.month not in self.months:
            return False
        if self.days is not None:
            return day.day in self.days
        assert self.weekdays is not None
        return (day.isoweekday() % 7) + 1 in self.weekdays


def _value(text: str, expression: str, field: tuple[str, int, int, tuple[str, ...]]) -> int:
    name, low, high, names = field
    if text in names:
        return low + names.index(text)
    if not text.isdigit():
        raise _bad(expression, f"{text!r} is not a value of {name}")
    number = int(text)
    if not low <= number <= high:
        raise _bad(expression, f"{name} must be between {low} and {high}, got {number}")
    return number


def _field(
    text: str, expression: str, field: tuple[str, int, int, tuple[str, ...]]
) -> frozenset[int]:
    name, low, high, _ = field
    values: set[int] = set()
    for term in text.split(","):
        match = _TERM.match(term)
        if match is None:
            raise _bad(expression, f"{term!r} in {name} is not supported here")
        span, step = match.group(1), match.group(2)
        if span == "*":
            first, last = low, high
        elif "-" in span:
            first, last = (_value(part, expression, field) for part in span.split("-"))
            if first > last:
                raise _bad(expression, f"the range {span} in {name} runs backwards")
        else:
            first = _value(span, expression, field)
            last = high if step else first
        every = int(step) if step else 1
        if every < 1:
            raise _bad(expression, f"the step in {term!r} must be at least 1")
        values.update(range(first, last + 1, every))
    return frozenset(values)


def parse(expression: str) -> Cron:
    """The expression parsed, or a 400 INVALID_PARAMETER_VALUE saying what is wrong."""
    parts = str(expression or "").upper().split()
    if len(parts) == 7:
        # Quartz's optional year: every year is all this stand-in evaluates.
        if parts[6] != "*":
            raise _bad(expression, "this local workspace evaluates only '*' as the year")
        parts = parts[:6]
    if len(parts) != 6:
        raise _bad(
            expression,
            "expected 6 or 7 fields (seconds minutes hours day-of-month month day-of-week [year])",
        )
    day, weekday = parts[3], parts[5]
    if (day == "?") == (weekday == "?"):
        raise _bad(expression, "exactly one of day-of-month and day-of-week must be '?'")
    sets = [
        None if text == "?" else _field(text, expression, spec)
        for text, spec in zip(parts, _FIELDS, strict=True)
    ]
    for text, values in zip(parts, sets, strict=True):
        if values is None and text != "?":
            raise _bad(expression, "'?' is only allowed in day-of-month or day-of-week")
    seconds, minutes, hours, days, months, weekdays = sets
    assert seconds is not None and minutes is not None and hours is not None
    assert months is not None
    return Cron(seconds, minutes, hours, days, months, weekdays)


def zone(timezone_id: str) -> ZoneInfo:
    """The time zone of a schedule, or a 400 for an unknown id."""
    try:
        return ZoneInfo(str(timezone_id))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise invalid(f"Invalid timezone_id {timezone_id!r}.") from exc


def _instant(day: date, wall: time, tz: ZoneInfo) -> datetime | None:
    """The UTC instant of a local wall time (its first occurrence), None if the clocks
    skip it that day."""
    local = datetime.combine(day, wall, tzinfo=tz)  # fold=0: the first occurrence
    instant = local.astimezone(timezone.utc)
    if instant.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None  # in the gap when daylight saving time starts
    return instant


def next_fire(cron: Cron, tz: ZoneInfo, after: datetime) -> datetime | None:
    """The first fire time strictly after ``after`` (aware), in UTC; None if none soon."""
    start = after.astimezone(tz)
    walls = sorted(
        time(hour, minute, second)
        for hour in cron.hours
        for minute in cron.minutes
        for second in cron.seconds
    )
    # Wall times more than a day-boundary's DST shift before ``after`` cannot be next.
    earliest = (start - timedelta(hours=3)).replace(tzinfo=None)
    for offset in range(-1, _HORIZON_DAYS):
        day = start.date() + timedelta(days=offset)
        if not cron.matches_day(day):
            continue
        for wall in walls:
            if datetime.combine(day, wall) < earliest:
                continue
            instant = _instant(day, wall, tz)
            if instant is not None and instant > after:
                return instant
    return None
