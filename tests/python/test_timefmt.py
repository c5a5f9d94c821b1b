"""Times the magics print read as the UI shows them (``src/format.ts``, ``format.spec.ts``):
local time to the minute, durations as people say them."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest

from ucdh_jupyter.timefmt import format_datetime, format_duration


@pytest.fixture
def in_new_york(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_a_recorded_utc_time_is_printed_in_local_time_to_the_minute(in_new_york: None) -> None:
    assert os.environ["TZ"] == "America/New_York"
    assert format_datetime("2026-12-04T15:30:59Z") == "2026-12-04 10:30"
    assert format_datetime("2026-12-04T15:30:00+00:00") == "2026-12-04 10:30"
    # No offset: records are UTC.
    assert format_datetime("2026-12-04T15:30:00") == "2026-12-04 10:30"
    assert format_datetime(datetime(2026, 12, 5, 1, 0, tzinfo=timezone.utc)) == "2026-12-04 20:00"


def test_an_unknown_time_prints_nothing_and_text_that_is_no_time_is_kept() -> None:
    assert format_datetime(None) == ""
    assert format_datetime("") == ""
    assert format_datetime("yesterday") == "yesterday"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 s"),
        (-3, "0 s"),
        (42.4, "42 s"),
        (125, "2 min 05 s"),
        (3600, "1 h 00 min"),
        (3725, "1 h 02 min"),
        (26 * 3600 + 60, "26 h 01 min"),
    ],
)
def test_durations_read_as_people_say_them(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text
