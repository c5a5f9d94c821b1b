"""A ``for_each_task``: its inputs, its nested task, its iterations and their statistics.

Each element of ``inputs`` (a JSON array, as text) becomes one iteration: a task run of
the nested task, with ``{{input}}`` (the element; an element that is not a string as
its JSON text) and ``{{input.<key>}}`` (a key of an object element) replaced in the
nested notebook task's ``base_parameters``. At most ``concurrency`` iterations run at
once; Databricks documents 1 as the default and 100 as the most.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from .errors import invalid
from .runs import Run

DEFAULT_CONCURRENCY = 1
MAX_CONCURRENCY = 100
ITERATIONS_PAGE = 100  # runs/get pages a for-each task's iterations by 100
_REFERENCE = re.compile(r"\{\{\s*input(?:\.([A-Za-z0-9_]+))?\s*\}\}")


def text_of(value: Any) -> str:
    """An input element as a widget value: a string as is, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value)


def parse_inputs(inputs: Any) -> list[Any]:
    """The elements of ``inputs``, or a 400 when it is not a JSON array."""
    try:
        elements = json.loads(inputs) if isinstance(inputs, str) else None
    except ValueError:
        elements = None
    if not isinstance(elements, list):
        raise invalid("for_each_task.inputs must be a JSON array (as a string).")
    return elements


def check(task: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """The nested task and the concurrency of a ``for_each_task`` task, checked."""
    spec = task["for_each_task"]
    if not isinstance(spec, dict) or not isinstance(spec.get("task"), dict):
        raise invalid("for_each_task needs inputs and a nested task.")
    parse_inputs(spec.get("inputs"))
    nested = spec["task"]
    if "for_each_task" in nested:
        raise invalid("The nested task of a for_each_task cannot be another for_each_task.")
    concurrency = spec.get("concurrency", DEFAULT_CONCURRENCY)
    if not isinstance(concurrency, int) or not 1 <= concurrency <= MAX_CONCURRENCY:
        raise invalid(f"for_each_task.concurrency must be between 1 and {MAX_CONCURRENCY}.")
    return nested, concurrency


def substitute(parameters: dict[str, Any], element: Any) -> dict[str, str]:
    """``base_parameters`` of one iteration: input references replaced by ``element``."""

    def value(match: re.Match[str]) -> str:
        key = match.group(1)
        if key is None:
            return text_of(element)
        if not isinstance(element, dict) or key not in element:
            raise invalid(f"The input has no key {key!r} for {match.group(0)}.")
        return text_of(element[key])

    return {name: _REFERENCE.sub(value, str(text)) for name, text in parameters.items()}


@dataclass
class ForEach:
    """The for-each part of a task run: what to iterate on, and the iterations so far."""

    spec: dict[str, Any]
    inputs: list[Any]
    nested: dict[str, Any]
    concurrency: int
    iterations: list[Run] = field(default_factory=list)

    @classmethod
    def of(cls, task: dict[str, Any]) -> ForEach:
        """The for-each of a checked ``for_each_task`` task."""
        nested, concurrency = check(task)
        spec = task["for_each_task"]
        return cls(spec, parse_inputs(spec["inputs"]), nested, concurrency)

    def iteration_task(self, element: Any) -> dict[str, Any]:
        """The nested task as one iteration runs it."""
        task = json.loads(json.dumps(self.nested))
        notebook = task.get("notebook_task") or {}
        notebook["base_parameters"] = substitute(notebook.get("base_parameters") or {}, element)
        return task

    def stats(self) -> dict[str, Any]:
        """``ForEachStats``: iteration counts (a cancelled one is neither failed nor
        succeeded), and the most common errors."""
        results = [run.result_state for run in self.iterations]
        succeeded = results.count("SUCCESS")
        failed = results.count("FAILED") + results.count("TIMEDOUT")
        counts = {
            "active_iterations": sum(run.active for run in self.iterations),
            "completed_iterations": succeeded + failed,
            "failed_iterations": failed,
            "scheduled_iterations": len(self.iterations),
            "succeeded_iterations": succeeded,
            "total_iterations": len(self.inputs),
        }
        errors: dict[str, int] = {}
        for run in self.iterations:
            if run.error:
                errors[run.error[0]] = errors.get(run.error[0], 0) + 1
        common = sorted(errors.items(), key=lambda item: -item[1])[:3]
        stats: dict[str, Any] = {"task_run_stats": counts}
        if common:
            stats["error_message_stats"] = [
                {
                    "count": n,
                    "error_message": message,
                    "termination_category": "RUN_EXECUTION_ERROR",
                }
                for message, n in common
            ]
        return stats

    def view(self) -> dict[str, Any]:
        """``RunForEachTask`` as a job run shows it."""
        return {**self.spec, "concurrency": self.concurrency, "stats": self.stats()}

    def page(
        self, token: str | None, host: str, workspace_id: str, resolved: bool = False
    ) -> dict[str, Any]:
        """One page of ``iterations`` (RunTask views, with the parameters each got when
        ``resolved``) and the next page's token."""
        start = int(token or 0)
        shown = []
        for run in self.iterations[start : start + ITERATIONS_PAGE]:
            view = run.task_view(host, workspace_id)
            if resolved:
                parameters = run.task["notebook_task"].get("base_parameters") or {}
                view["resolved_values"] = {"notebook_task": {"base_parameters": parameters}}
            shown.append(view)
        page: dict[str, Any] = {"iterations": shown}
        if start + ITERATIONS_PAGE < len(self.iterations):
            page["next_page_token"] = str(start + ITERATIONS_PAGE)
        return page
