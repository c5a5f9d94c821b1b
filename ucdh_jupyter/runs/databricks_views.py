"""How the Databricks backend reads Databricks' answers, for single runs and sweeps
alike: life-cycle states as machine phases, times, widget values and timeouts."""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from typing import Any

from .backend import MACHINE_PENDING, MACHINE_RUNNING
from .model import iso

# The executed notebook a run may save in its folder (a sweep's iteration: with
# "-<its run id>"), where the backend collects it from.
EXECUTED_NAME = "executed"
# Live life-cycle states -> (machine, runner-like phase).
LIVE = {
    "QUEUED": (MACHINE_PENDING, "starting"),
    "PENDING": (MACHINE_PENDING, "starting"),
    "BLOCKED": (MACHINE_PENDING, "starting"),
    "WAITING_FOR_RETRY": (MACHINE_PENDING, "starting"),
    "RUNNING": (MACHINE_RUNNING, "running"),
    "TERMINATING": (MACHINE_RUNNING, "finalizing"),
}


def iso_ms(millis: int | None) -> str | None:
    """Epoch milliseconds as an ISO time (None for 0 or None)."""
    if not millis:
        return None
    return iso(datetime.fromtimestamp(millis / 1000, tz=timezone.utc).replace(microsecond=0))


def states(details: Any) -> tuple[str, str, str]:
    """Life-cycle state, result state and state message of a Databricks run ("" if absent)."""
    state = details.state
    if state is None:
        return "", "", ""
    life = state.life_cycle_state.value if state.life_cycle_state else ""
    result = state.result_state.value if state.result_state else ""
    return life, result, state.state_message or ""


def widget_value(value: Any) -> str:
    """A parameter as a Databricks widget value (widgets hold text)."""
    return value if isinstance(value, str) else json.dumps(value)


def timeout_seconds(max_hours: float) -> int:
    """The run's ``timeout_seconds``: its max runtime rounded UP to a whole second, and
    never 0, which Databricks reads as "no timeout at all"."""
    return max(1, math.ceil(round(max_hours * 3600, 6)))
