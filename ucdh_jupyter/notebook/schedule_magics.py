"""``%ucdh_schedule`` and ``%ucdh_schedules``: recurring runs from a cell, as the Run
dialog's "Run on a schedule" makes them.

- ``%ucdh_schedule analysis.ipynb --instance m5.large --repeat daily --at 02:30 --tz
  Europe/Berlin -p cohort all``: a run every day at 02:30 Berlin time, fired by AWS
  (EventBridge Scheduler and AWS Batch; Databricks' own job scheduler with ``--on
  databricks``) whether or not JupyterLab is open.
- ``--repeat weekly --days MON,THU --at 06:00``, ``--repeat monthly --day 1 --at
  07:00``, ``--repeat hourly --every 2``, ``--repeat minutes --every 15``, ``--cron
  "cron(0 6 ? * MON-FRI *)"``; ``--until 2027-06-30`` ends it.
- ``%ucdh_schedule --pause ID`` / ``--resume ID`` / ``--delete ID``.
- ``%ucdh_schedules``: yours, with the next fire (local time) and the last runs.

Every call goes through the server's schedule routes: the same checks (each fire's
budget and max runtime, the month's fires at their maximum cost against the monthly
budget, the shortest interval the administrator allows).
"""

from __future__ import annotations

import urllib.parse
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments

from ..timefmt import format_datetime
from .format import money, parse_line, table
from .kernel import magic_errors
from .run_magics import RunMagics, run_arguments, run_body

REPEATS = ("minutes", "hourly", "daily", "weekly", "monthly")


def recurrence(args: Any) -> dict[str, Any]:
    """The recurrence of the magic's options (the server checks it, in its words)."""
    if args.cron:
        body: dict[str, Any] = {"kind": "cron", "cron": args.cron}
    elif args.repeat:
        body = {"kind": args.repeat}
        if args.every is not None:
            body["every"] = args.every
        if args.at:
            body["time"] = args.at
        if args.days:
            body["days"] = [day.strip().upper() for day in args.days.split(",") if day.strip()]
        if args.day is not None:
            body["day_of_month"] = args.day
    else:
        raise UsageError("Say when with --repeat daily --at 02:30 (or weekly, ...), or --cron.")
    if args.tz:
        body["timezone"] = args.tz
    if args.until:
        body["end_date"] = args.until
    return body


def schedule_line(schedule: dict[str, Any]) -> str:
    """What a magic says of a schedule the server accepted or changed."""
    state = "" if schedule["active"] else " (paused)"
    fires = schedule.get("next_fires") or []
    after = f"; next run {format_datetime(fires[0])}" if fires else ""
    most = schedule.get("max_cost_per_month_usd")
    month = f", at most {money(most)} a month" if most is not None else ""
    return f"Schedule {schedule['id']}{state}: {schedule['description']}{after}{month}."


@magics_class
class ScheduleMagics(RunMagics):
    """``%ucdh_schedule`` and ``%ucdh_schedules`` (IPython registers only a class's own
    magics: the run magics are registered beside)."""

    def _schedules(self, method: str, path: str = "", body: Any = None) -> Any:
        client = self.runs().client
        target = "schedules" + (f"/{urllib.parse.quote(path, safe='')}" if path else "")
        return client.call(method, target, **({} if body is None else {"body": body}))

    @magic_arguments()
    @argument("notebook", nargs="?", help="the notebook to run, e.g. analysis.ipynb (saved)")
    @argument("--repeat", choices=REPEATS, help="how often: minutes, hourly, daily, weekly, ...")
    @argument("--every", type=int, help="minutes / hourly: every this many")
    @argument("--at", help="daily, weekly, monthly: the time, HH:MM")
    @argument("--days", help="weekly: the days, e.g. MON,THU")
    @argument("--day", type=int, help="monthly: the day of the month")
    @argument("--cron", help="an EventBridge cron expression instead, e.g. 'cron(0 6 ? * MON *)'")
    @argument("--tz", help="the time zone meant, e.g. Europe/Berlin (default UTC)")
    @argument("--until", help="no run after this day, YYYY-MM-DD")
    @run_arguments
    @argument("--pause", metavar="ID", help="pause this schedule")
    @argument("--resume", metavar="ID", help="resume this schedule")
    @argument("--delete", metavar="ID", help="delete this schedule (its past runs stay)")
    @line_magic
    @magic_errors
    def ucdh_schedule(self, line: str) -> None:
        """Run a notebook on a schedule, on a fresh machine each time, with Jupyter closed."""
        args = parse_line(self.ucdh_schedule, line)
        for flag, active in (("pause", False), ("resume", True)):
            chosen = getattr(args, flag)
            if chosen:
                print(schedule_line(self._schedules("PATCH", chosen, {"active": active})))
                return
        if args.delete:
            self._schedules("DELETE", args.delete)
            print(f"Schedule {args.delete} deleted; its past runs stay in the Runs section.")
            return
        if not args.notebook:
            raise UsageError("Name the notebook to schedule, e.g. %ucdh_schedule analysis.ipynb")
        body = {"run": run_body(self.runs(), args), "recurrence": recurrence(args)}
        print(schedule_line(self._schedules("POST", body=body)))

    @magic_arguments()
    @line_magic
    @magic_errors
    def ucdh_schedules(self, line: str) -> None:
        """Your schedules: when they run, the next run, their last runs."""
        parse_line(self.ucdh_schedules, line)
        listed = self._schedules("GET")["schedules"]
        if not listed:
            print("No schedules yet. Make one with %ucdh_schedule or the Run dialog.")
            return
        rows = [
            [
                item["id"],
                item["notebook_path"].rsplit("/", 1)[-1],
                item["description"] + ("" if item["active"] else " (paused)"),
                format_datetime(item["next_fires"][0]) if item["next_fires"] else "-",
                " ".join(f"{run['state'].lower()}" for run in item["last_runs"][:3]) or "-",
            ]
            for item in listed
        ]
        print(table(["schedule", "notebook", "when", "next run", "last runs"], rows, right=set()))
