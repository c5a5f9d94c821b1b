"""``%ucdh_run`` and ``%ucdh_runs``: run a notebook on a fresh machine from a cell, list runs.

- ``%ucdh_run analysis.ipynb --instance m5.xlarge --max-hours 2 -p alpha 0.1
  --file data.csv --wait``: submit (the same checks as the Run dialog), optionally
  follow it to its end and copy the executed notebook next to the original.
- ``%ucdh_run analysis.ipynb --on databricks --node-type m5d.xlarge --workers 2``: the
  same on a Databricks job cluster (driver + 2 workers) that exists only for the run.
- ``%ucdh_runs``: your runs with the local time they were submitted, state, instance
  type, elapsed machine time and cost (times as the Runs section writes them).

Every call goes through the server's run routes (``POST runs``, ``GET runs/<id>``, ...),
so a run from a cell obeys exactly the server's limits, caps and switches; the runs
appear in the Runs section too.
"""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments

from ..config import CLUSTER_MODES
from ..errors import UcdhError
from ..runs.model import Run, RunState, parse_iso, utcnow
from ..runs.policy import run_maximum
from ..server_client import ServerClient, kernel_client
from ..timefmt import format_datetime, format_duration
from .format import money, parse_line, table
from .kernel import call, kernel_root, magic_errors

# How often --wait looks at the run, at most (the runner reports every heartbeat).
WAIT_POLL_SECONDS = 2.0


def parse_value(text: str) -> Any:
    """A parameter value as papermill's ``-p`` reads it: numbers, true/false/null, lists
    (JSON), Python's True/False/None; anything else is text."""
    python = {"True": True, "False": False, "None": None}
    if text in python:
        return python[text]
    try:
        return json.loads(text)
    except ValueError:
        return text


def beside(notebook: Path, item: str) -> str:
    """A ``--file`` given from the working directory, made relative to the notebook's
    folder (what runs expect); one outside it is passed on for the service to refuse."""
    target = (Path.cwd() / item).resolve()
    if target == notebook.parent or notebook.parent in target.parents:
        return target.relative_to(notebook.parent).as_posix()
    return item


def machine_seconds(run: Run, now: datetime | None = None) -> int | None:
    """How long the run's machine has run: from its start to the run's end; while it
    goes on, to the runner's last heartbeat (to now before its first one). None before
    the machine started.

    The one definition of elapsed, the Runs section's cards use it too
    (``elapsedSeconds`` in ``src/runs/model.ts``): the seconds the cost counts, not
    the time since submission (staging and the launch request are no machine time),
    and a live figure never ahead of the final one (the runner ends after its last
    heartbeat; the server may notice the end a heartbeat later).
    """
    start = parse_iso(run.started_at)
    if run.final:
        end = parse_iso(run.ended_at)
    else:
        end = parse_iso(run.progress.heartbeat_at) or now or utcnow()
    if start is None or end is None:
        return None
    return max(0, round((end - start).total_seconds()))


def elapsed(run: Run, now: datetime | None = None) -> str:
    """``2 min 05 s`` of machine time (see :func:`machine_seconds`); empty before the
    machine started."""
    seconds = machine_seconds(run, now)
    return "" if seconds is None else format_duration(seconds)


def cost_text(run: Run) -> str:
    """``$0.0123`` final, ``$0.0123 so far`` while it runs, ``unknown`` without a price."""
    if run.final:
        return money(run.cost_final_usd, 4)
    if run.cost_so_far_usd is None:
        return money(None)
    return f"{money(run.cost_so_far_usd, 4)} so far"


def progress_text(run: Run) -> str:
    """``cell 2/4`` once the runner reported (a sweep: ``runs 2/6`` ended), else empty."""
    if not run.progress.cells:
        return ""
    unit = "runs" if run.kind == "sweep" else "cell"
    return f"{unit} {run.progress.cell}/{run.progress.cells}"


def failure_text(run: Run) -> str:
    """Why a run did not succeed, in one line."""
    where = f" at cell {run.failing_cell}" if run.failing_cell is not None else ""
    return f"Run {run.id} {run.state.value}{where}: {run.failure_message or 'no detail'}"


def notification_text(status: dict[str, Any]) -> str:
    """The run-end e-mail choice in the words of the Runs section."""
    if not status.get("available"):
        return (
            "E-mail when a run ends is not set up on this server "
            "(the administrator sets UcdhConfig.runs_notify_topic_arn)."
        )
    if status.get("state") == "pending":
        return (
            "E-mail when a run ends: waiting for you to follow the link sent to "
            f"{status['address']}."
        )
    if status.get("state") == "confirmed":
        return f"E-mail when a run ends: on, to {status['address']}. (%ucdh_notify off stops it)"
    return "E-mail when a run ends: off. (%ucdh_notify you@hospital.org turns it on)"


ENGINE_LABELS = {"databricks": "Databricks", "batch": "AWS Batch"}

# The options of every magic that starts runs (%ucdh_run, %ucdh_sweep, %ucdh_schedule),
# read by run_body.
RUN_OPTIONS = (
    argument("--on", default="ec2", help="where it runs: ec2 (default) or databricks"),
    argument(
        "--instance",
        "--node-type",
        dest="instance",
        help="instance type (Databricks: node type), e.g. m5.xlarge",
    ),
    argument("--workers", type=int, help="Databricks: workers besides the driver"),
    argument(
        "--cluster-mode",
        choices=CLUSTER_MODES,
        help="Databricks: new_cluster (default), serverless or existing_cluster",
    ),
    argument("--max-hours", type=float, help="stop each run after this many hours (default 2)"),
    argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="a value for the parameters cell (repeatable)",
    ),
    argument("--file", action="append", default=[], help="a file or folder to send along"),
)


def run_arguments(magic: Callable[..., Any]) -> Callable[..., Any]:
    """Declare :data:`RUN_OPTIONS` on a magic (under ``@magic_arguments()``)."""
    for option in reversed(RUN_OPTIONS):
        magic = option(magic)
    return magic


def notebook_path(client: ServerClient, notebook: str) -> str:
    """A notebook named from the working directory, as a run names it: relative to the
    Jupyter root (one outside it is a usage error)."""
    root = kernel_root(client)
    path = (Path.cwd() / notebook).resolve()
    if root != path and root not in path.parents:
        raise UsageError(f"{notebook} is not inside the Jupyter root {root}.")
    return path.relative_to(root).as_posix()


def run_body(runs: RunsClient, args: Any) -> dict[str, Any]:
    """The ``POST runs`` body of ``%ucdh_run``'s (or ``%ucdh_sweep``'s) options; unset
    options are left out, for the server's defaults."""
    if not args.instance and args.cluster_mode in (None, "new_cluster"):
        raise UsageError("Say which machine with --instance (or --node-type), e.g. m5.xlarge.")
    path = (Path.cwd() / args.notebook).resolve()
    body = {
        "notebook_path": notebook_path(runs.client, args.notebook),
        "instance_type": args.instance,
        "backend": args.on,
        "max_hours": args.max_hours,
        "parameters": {name: parse_value(value) for name, value in args.parameter},
        "files": [beside(path, item) for item in args.file],
    }
    if args.on == "databricks":
        body.update(workers=args.workers, cluster_mode=args.cluster_mode)
    return {name: value for name, value in body.items() if value is not None}


def submitted_text(run: Run) -> str:
    """What a magic says of a run (or sweep) the server accepted."""
    most = run_maximum(run)  # the run dialog's Maximum, with what it counts
    machines = f"{run.count} x {run.instance_type}" if run.count > 1 else run.instance_type
    where = ENGINE_LABELS.get(run.backend, run.backend.upper())
    what = f"Sweep {run.id} of {run.size} runs" if run.kind == "sweep" else f"Run {run.id}"
    each = " each" if run.kind == "sweep" else ""
    return (
        f"{what} submitted: {Path(run.notebook_path).name} on {machines} "
        f"({where}), max {run.max_hours:g} h{each}, at most {most}."
    )


class RunsClient:
    """The run routes of the kernel's server, answering :class:`Run` objects (errors are
    the server's :class:`UcdhError`)."""

    def __init__(self, client: ServerClient) -> None:
        self.client = client

    @staticmethod
    def _path(run_id: str, action: str = "") -> str:
        return f"runs/{urllib.parse.quote(run_id, safe='')}{action}"

    def submit(self, body: dict[str, Any]) -> Run:
        """``POST runs``: the server checks it as it checks the Run dialog's."""
        return Run.from_json(self.client.post("runs", body))

    def get(self, run_id: str) -> Run:
        """``GET runs/<id>``: the run, looked at again by the server."""
        return Run.from_json(self.client.get(self._path(run_id)))

    def list(self) -> list[Run]:
        """``GET runs``: this user's runs, newest first."""
        return [Run.from_json(item) for item in self.client.get("runs")["runs"]]

    def export_children(self, run_id: str) -> str:
        """``POST runs/<id>/children/export``: the sweep's table as CSV beside the notebook."""
        return str(self.client.post(self._path(run_id, "/children/export"))["path"])

    def copy_output(self, run_id: str) -> dict[str, Any]:
        """``POST runs/<id>/output``: the executed notebook beside the original."""
        return dict(self.client.post(self._path(run_id, "/output")))

    def notifications(self, address: str | None = None) -> dict[str, Any]:
        """The run-end e-mail choice; with ``address``, subscribe it (``off``: stop)."""
        if address is None:
            return dict(self.client.get("runs/notifications"))
        if address.lower() == "off":
            return dict(self.client.call("DELETE", "runs/notifications"))
        return dict(self.client.call("PUT", "runs/notifications", body={"address": address}))

    def heartbeat(self) -> float:
        """How often the runner reports (``GET config``)."""
        return float(self.client.get("config")["runs"]["heartbeat_seconds"])


@magics_class
class RunMagics(Magics):
    """``%ucdh_run`` and ``%ucdh_runs``."""

    def __init__(self, shell: Any, client: Callable[[], ServerClient] = kernel_client) -> None:
        super().__init__(shell)
        self._client = client

    def runs(self) -> RunsClient:
        """The run routes of this kernel's server."""
        return RunsClient(call(self._client))

    @magic_arguments()
    @argument("notebook", help="the notebook to run, e.g. analysis.ipynb (saved)")
    @run_arguments
    @argument("--wait", action="store_true", help="follow the run to its end")
    @line_magic
    @magic_errors
    def ucdh_run(self, line: str) -> None:
        """Run a notebook on a fresh machine that exists only while it runs."""
        args = parse_line(self.ucdh_run, line)
        runs = self.runs()
        run = runs.submit(run_body(runs, args))
        print(submitted_text(run))
        if run.databricks_run_url:
            print(f"In Databricks: {run.databricks_run_url}")
        if not args.wait:
            print(f"Follow it in the Runs section, with %ucdh_runs, or RunStatus({run.id!r}).")
            return
        self._follow(runs, run)

    @staticmethod
    def _wait(
        runs: RunsClient, run: Run, progress: Callable[[Run], str], what: str = "run"
    ) -> Run | None:
        """Print the state and ``progress`` at each change until the run ends; the
        ended run, or None when the user stopped waiting (the run goes on)."""
        interval = min(WAIT_POLL_SECONDS, call(runs.heartbeat))
        shown = ""
        try:
            while not run.final:
                line = f"{run.state.value} {progress(run)}".strip()
                if line != shown:
                    print(line, flush=True)
                    shown = line
                time.sleep(interval)
                run = call(runs.get, run.id)
        except KeyboardInterrupt:
            print(f"Stopped waiting; {what} {run.id} goes on (see %ucdh_runs).")
            return None
        return run

    def _follow(self, runs: RunsClient, run: Run) -> None:
        """Print each change of state or cell until the run ends; then bring its output."""
        ended = self._wait(runs, run, progress_text)
        if ended is None:
            return
        run = ended
        took = elapsed(run)
        after = f" after {took}" if took else " before its machine started"
        print(f"{run.state.value}{after}, cost {cost_text(run)}")
        try:
            copied = runs.copy_output(run.id)
            if copied["path"]:
                print(f"Executed notebook: {copied['path']}")
            if copied["html_path"]:
                print(f"HTML view: {copied['html_path']}")
        except UcdhError as error:
            print(f"No executed notebook: {error.message}")
        if run.state is not RunState.SUCCEEDED:
            raise UsageError(failure_text(run))

    @magic_arguments()
    @argument(
        "address",
        nargs="?",
        help="the address to tell when each of your runs ends, or off (none: show the choice)",
    )
    @line_magic
    @magic_errors
    def ucdh_notify(self, line: str) -> None:
        """E-mail when a run ends, as the Runs section offers it: show the choice, give
        an address (SNS mails it a link to confirm first), or turn it off."""
        args = parse_line(self.ucdh_notify, line)
        print(notification_text(self.runs().notifications(args.address)))

    @magic_arguments()
    @argument("--limit", type=int, default=20, help="rows to show (default 20)")
    @line_magic
    @magic_errors
    def ucdh_runs(self, line: str) -> None:
        """Your runs, newest first: when submitted, state, instance type, machine time
        and cost."""
        args = parse_line(self.ucdh_runs, line)
        runs = self.runs()
        listed = runs.list()[: max(args.limit, 0)]
        if not listed:
            print("No runs yet. Start one with %ucdh_run or the Run on AWS button.")
            return
        # The server follows active runs too; looking again here shows them up to date.
        shown = [run if run.final else runs.get(run.id) for run in listed]
        rows = [
            [
                run.id,
                Path(run.notebook_path).name,
                format_datetime(run.created_at),
                run.state.value,
                run.instance_type,
                elapsed(run) or "-",  # no machine started
                cost_text(run),
                progress_text(run) if not run.final else (run.failure_message or "")[:60],
            ]
            for run in shown
        ]
        headers = ["run", "notebook", "submitted", "state", "type", "elapsed", "cost", "note"]
        print(table(headers, rows, right={5}))
