"""``%ucdh_sweep``: run a notebook once per parameter set from a cell, as the Run dialog's
"Run for several parameter sets" does.

- ``%ucdh_sweep analysis.ipynb --instance m5.large --grid rows=10,100,1000 --grid
  seed=1,2``: six runs, one per combination (EC2: an AWS Batch array job).
- ``%ucdh_sweep analysis.ipynb --on databricks --node-type m5d.large --rows
  cohorts.csv``: one run per line of the CSV, whose header names the parameters
  (Databricks: one for-each task on one job cluster).
- ``--wait`` follows the sweep, then prints the children's table (state, parameters,
  glued values) and writes it as CSV beside the notebook.

It goes through ``POST runs`` like ``%ucdh_run``: the same checks, the budget per run
for each child, the monthly cap for the whole sweep.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments

from ..errors import UcdhError
from ..runs.model import Run, RunState
from ..runs.sweep import table_columns
from .format import parse_line, table
from .kernel import magic_errors
from .run_magics import (
    RunMagics,
    RunsClient,
    cost_text,
    elapsed,
    failure_text,
    parse_value,
    run_arguments,
    run_body,
    submitted_text,
)


def grid_values(text: str) -> list[Any]:
    """``10, 100,1000`` as ``[10, 100, 1000]``: comma separated, each read as ``-p``
    reads a value; empty text is no values."""
    return [parse_value(value.strip()) for value in text.split(",")] if text.strip() else []


def grid_option(text: str) -> tuple[str, list[Any]]:
    """``rows=10,100,1000`` as ``("rows", [10, 100, 1000])`` (values read as ``-p``)."""
    name, equals, values = text.partition("=")
    if not equals or not name.strip() or not values.strip():
        raise UsageError(f"--grid {text!r}: write NAME=VALUE,VALUE,... e.g. --grid seed=1,2,3")
    return name.strip(), grid_values(values)


def csv_rows(path: Path) -> list[dict[str, Any]]:
    """One parameter set per line of a CSV whose header names the parameters."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = [
                {name: parse_value(value) for name, value in line.items()}
                for line in csv.DictReader(handle)
            ]
    except OSError as error:
        raise UsageError(f"--rows {path.as_posix()}: {error.strerror or error}") from error
    return rows


def sweep_body(runs: RunsClient, args: Any) -> dict[str, Any]:
    """The ``POST runs`` body of a sweep from the magic's options."""
    if bool(args.grid) == bool(args.rows):
        raise UsageError(
            "Give the parameter sets with --grid NAME=V1,V2 (repeatable) or --rows FILE.csv."
        )
    body = run_body(runs, args)
    sweep: dict[str, Any] = {}
    if args.grid:
        sweep["grid"] = dict(grid_option(option) for option in args.grid)
    else:
        sweep["rows"] = csv_rows(Path(args.rows))
    if args.parallel is not None:
        sweep["parallelism"] = args.parallel
    return {**body, "sweep": sweep}


def counts_text(run: Run) -> str:
    """``2 running · 3 succeeded · 1 failed`` (only the states some children are in)."""
    counts = run.child_counts or {"pending": run.size}
    return " \u00b7 ".join(f"{number} {state}" for state, number in counts.items() if number)


def children_table(run: Run) -> str:
    """The children as the Runs section lists them: index, state, parameters, glued
    values (and exit value when one was handed back)."""
    children = {child["index"]: child for child in run.children}
    params, scraps = table_columns(run)
    exits = any(child.get("exit_value") is not None for child in run.children)
    rows = []
    for index, values in enumerate(run.sweep_rows):
        child = children.get(index, {})
        glued = child.get("scraps") or {}
        rows.append(
            [
                index,
                child.get("state", "PENDING"),
                *(values.get(name, "") for name in params),
                *([child.get("exit_value") or ""] if exits else []),
                *(glued.get(name, "") for name in scraps),
            ]
        )
    headers = ["child", "state", *params, *(["exit value"] if exits else []), *scraps]
    return table(headers, rows, right=set())


@magics_class
class SweepMagics(RunMagics):
    """``%ucdh_sweep``, on the run routes ``%ucdh_run`` uses (IPython registers only a
    class's own magics: both classes are registered)."""

    @magic_arguments()
    @argument("notebook", help="the notebook to run, e.g. analysis.ipynb (saved)")
    @argument(
        "--grid",
        action="append",
        default=[],
        metavar="NAME=V1,V2",
        help="values of one parameter (repeatable): every combination runs",
    )
    @argument("--rows", help="a CSV file, one parameter set per line, header = parameter names")
    @argument("--parallel", type=int, help="at most this many runs at once")
    @run_arguments
    @argument("--wait", action="store_true", help="follow the sweep to its end")
    @line_magic
    @magic_errors
    def ucdh_sweep(self, line: str) -> None:
        """Run a notebook once per parameter set, each on a machine of its own."""
        args = parse_line(self.ucdh_sweep, line)
        runs = self.runs()
        run = runs.submit(sweep_body(runs, args))
        print(submitted_text(run))
        if not args.wait:
            print(f"Follow it in the Runs section, with %ucdh_runs, or RunStatus({run.id!r}).")
            return
        self._follow_sweep(runs, run)

    def _follow_sweep(self, runs: RunsClient, run: Run) -> None:
        """Print each change of the children's counts until the sweep ends; then its
        table, written beside the notebook as CSV too."""
        ended = self._wait(runs, run, counts_text, "sweep")
        if ended is None:
            return
        run = ended
        took = elapsed(run)
        took = f", {took}" if took else ""
        print(f"{run.state.value}: {counts_text(run)}{took}, cost {cost_text(run)}")
        print(children_table(run))
        try:
            print(f"Table: {runs.export_children(run.id)}")
        except UcdhError as error:
            print(f"No table written: {error.message}")
        if run.state is not RunState.SUCCEEDED:
            raise UsageError(failure_text(run))
