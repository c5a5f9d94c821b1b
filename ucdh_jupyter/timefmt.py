"""How the notebook side writes times: the same style as the UI (``src/format.ts``).

A date and time is local and to the minute, ``2026-12-04 15:30``; a duration is said
as people say it, ``42 s``, ``2 min 05 s``, ``1 h 02 min``. Records keep UTC ISO text;
only what is printed for a person is converted.
"""

from __future__ import annotations

from datetime import datetime, timezone


def _moment(value: datetime | str | None) -> datetime | None:
    """A timezone-aware datetime from ISO text (``Z`` or an offset; none means UTC)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def format_datetime(value: datetime | str | None) -> str:
    """``2026-12-04 15:30`` in this machine's local time zone; empty when unknown, and
    text that is no timestamp is returned as given."""
    moment = _moment(value)
    if moment is None:
        return value if isinstance(value, str) else ""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def format_duration(seconds: float) -> str:
    """``42 s``, ``3 min 05 s``, ``1 h 02 min`` (negative counts as 0)."""
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"
