"""A recurring run's recurrence: what a person picks becomes the engines' expressions, a
sentence, and the fire times EventBridge Scheduler would use, daylight saving included."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ucdh_jupyter.errors import UcdhError
from ucdh_jupyter.schedules.cron import CronExpression
from ucdh_jupyter.schedules.recurrence import Recurrence, parse

UTC = timezone.utc


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("body", "eventbridge", "quartz", "sentence"),
    [
        (
            {"kind": "minutes", "every": 1},
            "cron(* * * * ? *)",
            "0 * * * * ? *",
            "Every minute (UTC)",
        ),
        (
            {"kind": "minutes", "every": 15, "timezone": "Europe/Berlin"},
            "cron(0/15 * * * ? *)",
            "0 0/15 * * * ? *",
            "Every 15 minutes (Europe/Berlin)",
        ),
        (
            {"kind": "hourly", "every": 2, "minute": 5},
            "cron(5 0/2 * * ? *)",
            "0 5 0/2 * * ? *",
            "Every 2 hours at :05 (from 00:05) (UTC)",
        ),
        (
            {"kind": "daily", "time": "02:30", "timezone": "Europe/Berlin"},
            "cron(30 2 * * ? *)",
            "0 30 2 * * ? *",
            "Every day at 02:30 (Europe/Berlin)",
        ),
        (
            {
                "kind": "weekly",
                "days": ["fri", "MON", "TUE", "WED", "THU"],
                "time": "02:30",
                "timezone": "Europe/Berlin",
            },
            "cron(30 2 ? * MON-FRI *)",
            "0 30 2 ? * MON-FRI *",
            "Every weekday at 02:30 (Europe/Berlin)",
        ),
        (
            {"kind": "weekly", "days": ["SUN", "WED", "SAT"], "time": "18:00"},
            "cron(0 18 ? * SUN,WED,SAT *)",
            "0 0 18 ? * SUN,WED,SAT *",
            "Every Wednesday, Saturday and Sunday at 18:00 (UTC)",
        ),
        (
            {"kind": "monthly", "day_of_month": 31, "time": "09:00", "end_date": "2027-12-31"},
            "cron(0 9 31 * ? *)",
            "0 0 9 31 * ? *",
            "On day 31 of every month at 09:00 (months without a day 31 are skipped) (UTC), "
            "until 2027-12-31",
        ),
        (
            {"kind": "cron", "cron": "cron(0/15 8-17 ? * MON-FRI *)", "timezone": "UTC"},
            "cron(0/15 8-17 ? * MON-FRI *)",
            "0 0/15 8-17 ? * MON-FRI *",
            "On the cron schedule 0/15 8-17 ? * MON-FRI * (UTC)",
        ),
    ],
)
def test_each_kind_reads_as_eventbridge_quartz_and_a_sentence(
    body: dict[str, Any], eventbridge: str, quartz: str, sentence: str
) -> None:
    recurrence = parse(body)
    assert recurrence.eventbridge_expression() == eventbridge
    assert recurrence.quartz_cron() == quartz
    assert recurrence.describe() == sentence
    # And what it says of itself reads back as the same recurrence
    assert parse(recurrence.to_json()) == recurrence


def test_weekly_fires_on_its_days_only() -> None:
    # Given Monday, Wednesday and Friday at 07:00 in Berlin (winter: UTC+1)
    recurrence = parse(
        {
            "kind": "weekly",
            "days": ["MON", "WED", "FRI"],
            "time": "07:00",
            "timezone": "Europe/Berlin",
        }
    )
    # When the next fires after Sunday 2027-01-03 are listed
    fires = recurrence.next_fires(utc(2027, 1, 3), 4)
    # Then they are Mon 4, Wed 6, Fri 8, Mon 11 January at 06:00 UTC
    assert fires == [
        utc(2027, 1, 4, 6),
        utc(2027, 1, 6, 6),
        utc(2027, 1, 8, 6),
        utc(2027, 1, 11, 6),
    ]


def test_monthly_on_the_31st_skips_shorter_months() -> None:
    recurrence = parse({"kind": "monthly", "day_of_month": 31, "time": "09:00"})
    fires = recurrence.next_fires(utc(2027, 1, 1), 5)
    assert [f.date() for f in fires] == [
        date(2027, 1, 31),
        date(2027, 3, 31),
        date(2027, 5, 31),
        date(2027, 7, 31),
        date(2027, 8, 31),
    ]


def test_berlin_0230_is_skipped_on_the_spring_forward_day() -> None:
    # Given every day at 02:30 in Berlin; on 2027-03-28 clocks jump from 02:00 to 03:00
    recurrence = parse({"kind": "daily", "time": "02:30", "timezone": "Europe/Berlin"})
    # When the fires around that day are listed
    fires = recurrence.next_fires(utc(2027, 3, 26), 4)
    # Then 02:30 of the 28th, which does not exist, is skipped (as AWS documents),
    # and the days after fire at 02:30 summer time (00:30 UTC)
    assert fires == [
        utc(2027, 3, 26, 1, 30),
        utc(2027, 3, 27, 1, 30),
        utc(2027, 3, 29, 0, 30),
        utc(2027, 3, 30, 0, 30),
    ]


def test_berlin_0230_fires_once_on_the_fall_back_day() -> None:
    # Given every day at 02:30 in Berlin; on 2027-10-31 02:00-03:00 happens twice
    recurrence = parse({"kind": "daily", "time": "02:30", "timezone": "Europe/Berlin"})
    fires = recurrence.next_fires(utc(2027, 10, 30), 3)
    # Then the 31st fires once, at the first 02:30 (summer time, 00:30 UTC)
    assert fires == [utc(2027, 10, 30, 0, 30), utc(2027, 10, 31, 0, 30), utc(2027, 11, 1, 1, 30)]


def test_every_30_minutes_over_the_fall_back_hour_does_not_repeat_it() -> None:
    recurrence = parse({"kind": "minutes", "every": 30, "timezone": "Europe/Berlin"})
    fires = recurrence.next_fires(utc(2027, 10, 30, 23, 45), 5)
    # 02:00 and 02:30 summer time, then 03:00 winter time: no second 02:00 / 02:30 (which
    # would be 01:00 and 01:30 UTC)
    assert fires == [
        utc(2027, 10, 31, 0, 0),
        utc(2027, 10, 31, 0, 30),
        utc(2027, 10, 31, 2, 0),
        utc(2027, 10, 31, 2, 30),
        utc(2027, 10, 31, 3, 0),
    ]


def test_new_york_follows_its_own_daylight_saving_dates() -> None:
    # Given weekdays at 09:00 in New York; DST starts there on 2027-03-14 (a Sunday)
    recurrence = parse(
        {"kind": "weekly", "days": ["MON", "FRI"], "time": "09:00", "timezone": "America/New_York"}
    )
    fires = recurrence.next_fires(utc(2027, 3, 11), 2)
    # Then Friday is 14:00 UTC (EST) and the Monday after is 13:00 UTC (EDT)
    assert fires == [utc(2027, 3, 12, 14), utc(2027, 3, 15, 13)]


def test_nothing_fires_after_the_last_day_in_the_schedules_time_zone() -> None:
    # Given every day at 23:30 in New York until 2027-06-02
    recurrence = parse(
        {
            "kind": "daily",
            "time": "23:30",
            "timezone": "America/New_York",
            "end_date": "2027-06-02",
        }
    )
    fires = recurrence.next_fires(utc(2027, 6, 1, 12), 10)
    # Then the 1st and the 2nd fire (03:30 UTC the next day), and nothing after
    assert fires == [utc(2027, 6, 2, 3, 30), utc(2027, 6, 3, 3, 30)]
    assert recurrence.end_instant() == utc(2027, 6, 3, 4)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "daily", "time": "02:30", "timezone": "Mars/Olympus"}, "'timezone'"),
        ({"kind": "daily", "time": "25:00"}, "'time'"),
        ({"kind": "daily", "time": "7 am"}, "'time'"),
        ({"kind": "monthly", "day_of_month": 32, "time": "01:00"}, "'day_of_month'"),
        ({"kind": "weekly", "days": [], "time": "01:00"}, "'days'"),
        ({"kind": "weekly", "days": ["MON", "FUNDAY"], "time": "01:00"}, "'days'"),
        ({"kind": "minutes", "every": 7}, "'every'"),
        ({"kind": "hourly", "every": 5}, "'every'"),
        ({"kind": "hourly", "minute": 60}, "'minute'"),
        ({"kind": "daily", "time": "01:00", "end_date": "next year"}, "'end_date'"),
        ({"kind": "yearly"}, "'kind'"),
        ({"kind": "daily", "time": "01:00", "tz": "UTC"}, "tz"),
        ({"kind": "cron", "cron": "0 5 L * ? *"}, "L, W or #"),
        ({"kind": "cron", "cron": "0 5 15W * ? *"}, "L, W or #"),
        ({"kind": "cron", "cron": "0 5 ? * 2#1 *"}, "L, W or #"),
        ({"kind": "cron", "cron": "0 5 ? * 6L *"}, "L, W or #"),
        ({"kind": "cron", "cron": "0 5 * * * *"}, "exactly one of day-of-month and day-of-week"),
        ({"kind": "cron", "cron": "0 5 * *"}, "six fields"),
        ({"kind": "cron", "cron": "60 5 * * ? *"}, "minutes field"),
        ({"kind": "cron", "cron": "0 5 ? * FRI-MON *"}, "runs backwards"),
    ],
)
def test_every_bad_input_is_a_400_naming_what_is_wrong(body: dict[str, Any], field: str) -> None:
    with pytest.raises(UcdhError) as refused:
        parse(body)
    assert refused.value.status == 400
    assert field in refused.value.message


def test_cron_with_names_lists_ranges_and_steps_is_evaluated() -> None:
    cron = CronExpression.parse("cron(10-20/5 6,18 ? JAN-MAR tue-thu 2027)")
    fires = cron.next_fires(ZoneInfo("UTC"), utc(2027, 1, 1), 4)
    # The first Tuesday of 2027 is 5 January
    assert fires == [
        utc(2027, 1, 5, 6, 10),
        utc(2027, 1, 5, 6, 15),
        utc(2027, 1, 5, 6, 20),
        utc(2027, 1, 5, 18, 10),
    ]
    # And AWS gets the names as it documents them, in capitals
    assert cron.expression() == "cron(10-20/5 6,18 ? JAN-MAR TUE-THU 2027)"
    # And nothing is left after its only year
    assert cron.next_fires(ZoneInfo("UTC"), utc(2027, 12, 31), 1) == []


@pytest.mark.parametrize(
    ("body", "per_month", "interval"),
    [
        ({"kind": "minutes", "every": 1}, 31 * 24 * 60, timedelta(minutes=1)),
        ({"kind": "hourly", "every": 6, "minute": 0}, 31 * 4, timedelta(hours=6)),
        ({"kind": "daily", "time": "02:30"}, 31, timedelta(days=1)),
        (
            {"kind": "weekly", "days": ["MON", "TUE", "WED", "THU", "FRI"], "time": "02:30"},
            23,
            timedelta(days=1),
        ),
        ({"kind": "weekly", "days": ["SAT"], "time": "02:30"}, 5, timedelta(days=7)),
        ({"kind": "monthly", "day_of_month": 31, "time": "09:00"}, 1, timedelta(days=31)),
        ({"kind": "cron", "cron": "0 8,20 ? * SUN *"}, 10, timedelta(hours=12)),
        ({"kind": "cron", "cron": "0 23,1 * * ? *"}, 62, timedelta(hours=2)),
    ],
)
def test_fires_per_month_bounds_the_budget_and_min_interval_is_the_shortest_gap(
    body: dict[str, Any], per_month: int, interval: timedelta
) -> None:
    recurrence: Recurrence = parse(body)
    assert recurrence.fires_per_month() == per_month
    assert recurrence.min_interval() == interval


def test_a_cron_that_fires_once_has_no_interval() -> None:
    assert parse({"kind": "cron", "cron": "0 12 25 DEC ? 2027"}).min_interval() is None
