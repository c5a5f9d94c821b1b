"""Parameter sweeps: one notebook run once per row of parameter values.

A sweep is one :class:`~.model.Run` record (so the store, the caps, cancel, the audit
log and the run list treat it as one piece of work) whose ``sweep_rows`` hold each
child's values and whose ``children`` hold what the engine reported of each child. The
engines run the children: an AWS Batch array job (EC2 family) or a Databricks for-each
task; nothing here talks to them. No AWS here.

A child is a plain dict (the record is JSON)::

    {"index": 0, "state": "PENDING" | "RUNNING" | "SUCCEEDED" | "FAILED" | "CANCELLED",
     "started_at": iso | None, "ended_at": iso | None, "exit_value": str | None,
     "scraps": {name: JSON value}, "failure_kind": str | None,
     "failure_message": str | None,
     "output_key": "children/00000/output/notebook.ipynb" | None,
     "engine_id": str | None}
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from ..errors import bad_request
from .model import Run, billed_cost, iso, parse_iso

PENDING, RUNNING, SUCCEEDED, FAILED, CANCELLED = (
    "PENDING",
    "RUNNING",
    "SUCCEEDED",
    "FAILED",
    "CANCELLED",
)
CHILD_STATES = (PENDING, RUNNING, SUCCEEDED, FAILED, CANCELLED)
FINAL_CHILD_STATES = frozenset({SUCCEEDED, FAILED, CANCELLED})
# The input file every child reads its row from (S3 key relative to the run's prefix).
SWEEP_KEY = "input/sweep.json"
# The slack added to a sweep's deadline beyond its children's waves (machines start).
DEADLINE_SLACK_HOURS = 1.0


def child_prefix(index: int) -> str:
    """Where child ``index`` keeps its status and outputs, under the run's prefix."""
    return f"children/{index:05d}/"


def child_output_key(index: int) -> str:
    """The child's executed notebook, under the run's prefix."""
    return child_prefix(index) + "output/notebook.ipynb"


def new_child(index: int) -> dict[str, Any]:
    """A child nothing has been seen of yet."""
    return {
        "index": index,
        "state": PENDING,
        "started_at": None,
        "ended_at": None,
        "exit_value": None,
        "scraps": {},
        "failure_kind": None,
        "failure_message": None,
        "output_key": None,
        "engine_id": None,
    }


# -- what the researcher asks for ---------------------------------------------------------


def expand_grid(grid: Mapping[str, list[Any]]) -> list[dict[str, Any]]:
    """Every combination of the grid's values (the first parameter varies slowest),
    in a stable order: ``{"rows": [10, 100], "seed": [1, 2]}`` gives 4 rows."""
    for name, values in grid.items():
        if not isinstance(values, list) or not values:
            raise bad_request(
                f"The grid gives no values for {name!r}.",
                "Give each parameter of the grid at least one value.",
            )
    names = list(grid)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*grid.values())]


def sweep_rows(
    rows: list[dict[str, Any]] | None,
    grid: Mapping[str, list[Any]] | None,
    max_size: int,
) -> list[dict[str, Any]]:
    """The children's parameter rows from a table (``rows``) or a grid, or a 400."""
    if (rows is None) == (grid is None):
        raise bad_request(
            "A sweep needs either rows of parameter values or a grid, not both.",
            "Send sweep.rows (a table) or sweep.grid (lists per parameter).",
        )
    table = list(rows) if rows is not None else expand_grid(grid or {})
    if len(table) < 2:
        raise bad_request(
            "A sweep needs at least 2 parameter sets.",
            "For one set of values, run the notebook once with those parameters.",
        )
    if len(table) > max_size:
        raise bad_request(
            f"This sweep has {len(table):,} parameter sets; at most {max_size:,} are allowed here.",
            "Split it into smaller sweeps, or ask your administrator "
            "(UcdhConfig.runs_sweep_max_size).",
        )
    return table


def sweep_deadline_hours(size: int, parallelism: int, max_hours: float) -> float:
    """How long the whole sweep may take: its children's waves at their max runtime each,
    plus time for machines to start."""
    waves = math.ceil(size / max(1, parallelism))
    return waves * max_hours + DEADLINE_SLACK_HOURS


# -- what the engine reports ------------------------------------------------------------


def merge_children(
    old: list[dict[str, Any]], seen: Iterable[dict[str, Any]]
) -> list[dict[str, Any]]:
    """``old`` updated with what was ``seen``: a child that ended keeps its end (a late
    or repeated look never brings it back), the rest take the new values."""
    merged = {child["index"]: dict(child) for child in old}
    for child in seen:
        index = child["index"]
        before = merged.get(index)
        if before is not None and before["state"] in FINAL_CHILD_STATES:
            # Details may arrive after the state (exit value, scraps, outputs).
            for key in ("exit_value", "output_key", "ended_at", "started_at"):
                if before.get(key) is None and child.get(key) is not None:
                    before[key] = child[key]
            if not before.get("scraps") and child.get("scraps"):
                before["scraps"] = child["scraps"]
            continue
        merged[index] = {**new_child(index), **(before or {}), **child}
    return [merged[index] for index in sorted(merged)]


def counts(children: Iterable[dict[str, Any]], size: int) -> dict[str, int]:
    """Children per state; children not seen yet count as pending."""
    tally = dict.fromkeys((state.lower() for state in CHILD_STATES), 0)
    seen = 0
    for child in children:
        tally[str(child["state"]).lower()] += 1
        seen += 1
    tally["pending"] += max(0, size - seen)
    return tally


def parent_status(run: Run, children: list[dict[str, Any]], now: datetime) -> dict[str, Any]:
    """The status a single run's runner would report, for the sweep as a whole: the
    state machine (see :mod:`.tracking`) then moves the sweep as it moves a run."""
    tally = counts(children, run.size)
    done = tally["succeeded"] + tally["failed"] + tally["cancelled"]
    status: dict[str, Any] = {
        "heartbeat_at": iso(now),
        "progress": {"cell": done, "cells": run.size, "last_lines": []},
    }
    if done < run.size:
        status["phase"] = "running" if tally["running"] or done else "starting"
        return status
    ends = [parse_iso(child.get("ended_at")) for child in children]
    status["finished_at"] = iso(max((end for end in ends if end), default=now))
    if tally["succeeded"] == run.size:
        status["phase"] = "succeeded"
        return status
    failed = tally["failed"] + tally["cancelled"]
    kinds = {child.get("failure_kind") for child in children if child["state"] == FAILED}
    kind = kinds.pop() if len(kinds) == 1 else "notebook_error"
    status.update(
        phase="failed",
        failure_kind=kind or "notebook_error",
        failure_message=f"{failed} of {run.size} children did not succeed.",
    )
    return status


def close_children(run: Run, state: str = CANCELLED) -> None:
    """Children still pending or running when the sweep ended did not run to their end."""
    ended = run.ended_at
    children = {child["index"]: child for child in run.children}
    for index in range(run.size):
        child = children.setdefault(index, new_child(index))
        if child["state"] not in FINAL_CHILD_STATES:
            child["state"] = state
            child["ended_at"] = child.get("ended_at") or (
                ended if child.get("started_at") else None
            )
    run.children = [children[index] for index in sorted(children)]
    run.child_counts = counts(run.children, run.size)


def child_cost(run: Run, child: Mapping[str, Any], now: datetime) -> float | None:
    """One child's cost: its machines from its start to its end (or ``now``), 60 s minimum."""
    return billed_cost(
        run.rate_usd_per_hour, run.count, child.get("started_at"), child.get("ended_at"), now
    )


# -- the children as a table ---------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def table_columns(run: Run) -> tuple[list[str], list[str]]:
    """The columns of a sweep's table, first seen first: its parameters, then the
    names its children glued."""
    params = list(dict.fromkeys(name for row in run.sweep_rows for name in row))
    scraps = list(
        dict.fromkeys(name for child in run.children for name in (child.get("scraps") or {}))
    )
    return params, scraps


def children_csv(run: Run, now: datetime) -> str:
    """The sweep's children as CSV: index, state, each parameter, duration, cost, exit
    value and each glued value (one column per name), in child order."""
    children = {child["index"]: child for child in run.children}
    params, scraps = table_columns(run)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["child", "state", *params, "duration_s", "cost_usd", "exit_value", *scraps])
    for index, row in enumerate(run.sweep_rows):
        child = children.get(index) or new_child(index)
        start, end = parse_iso(child.get("started_at")), parse_iso(child.get("ended_at"))
        duration = "" if start is None or end is None else str(int((end - start).total_seconds()))
        cost = child_cost(run, child, now)
        writer.writerow(
            [
                index,
                child["state"],
                *(_cell(row.get(name)) for name in params),
                duration,
                "" if cost is None else f"{cost:.4f}",
                _cell(child.get("exit_value")),
                *(_cell((child.get("scraps") or {}).get(name)) for name in scraps),
            ]
        )
    return out.getvalue()
