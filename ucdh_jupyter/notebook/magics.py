"""IPython magics (``%load_ext ucdh_jupyter``): the sidebar's routes, in a cell.

- ``%ucdh_instances --gpu --min-memory 64 --max-price 3``: a table of matching types.
- ``%ucdh_estimate m5.2xlarge --hours 3`` (or ``--hours 2-4``, ``--on databricks
  --workers 2``): what the job will cost, line by line.
- ``%s3 ...`` (:mod:`.s3_magics`), ``%ucdh_run`` / ``%ucdh_runs`` (:mod:`.run_magics`).

Every magic calls the Jupyter server's routes (:mod:`.server_client`), so it obeys
exactly the server's policy; only the magics of the features the server has switched on
are registered.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments

from ..errors import UcdhError
from ..server_client import ServerClient, kernel_client
from .format import gpu_text, money, parse_hours, parse_line, price_label, table
from .kernel import FEATURE_MAGICS, magic_errors, one_line


@magics_class
class UcdhMagics(Magics):
    """``%ucdh_instances`` and ``%ucdh_estimate`` (the compute routes)."""

    def __init__(self, shell: Any, client: Callable[[], ServerClient] = kernel_client):
        super().__init__(shell)
        self._client = client

    def _get(self, path: str, query: Mapping[str, Any]) -> dict[str, Any]:
        return self._client().get(path, **query)

    def _post(self, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        return self._client().post(path, body)

    @magic_arguments()
    @argument("--gpu", dest="gpu", action="store_const", const="yes", help="only GPU types")
    @argument("--no-gpu", dest="gpu", action="store_const", const="no", help="no GPU types")
    @argument("--gpu-model", help="GPU model, e.g. T4, A10G")
    @argument("--min-vcpu", type=float, help="at least this many vCPUs")
    @argument("--min-memory", type=float, help="at least this much memory (GiB)")
    @argument("--max-price", type=float, help="at most this many USD per hour")
    @argument("--arch", choices=["x86_64", "arm64"], help="processor architecture")
    @argument("--family", help="families, comma-separated, e.g. m6i,r6i")
    @argument("--sort", default="price", help="price (default), name, vcpu, memory, ...")
    @argument("--desc", action="store_true", help="sort in descending order")
    @argument("--on", default="ec2", choices=["ec2", "databricks"], help="price per node on")
    @argument("--limit", type=int, default=25, help="rows to show (default 25)")
    @line_magic
    @magic_errors
    def ucdh_instances(self, line: str) -> None:
        """List instance types with their price; greyed ones say why they are not allowed."""
        args = parse_line(self.ucdh_instances, line)
        params = {
            "gpu": args.gpu,
            "gpu_model": args.gpu_model,
            "min_vcpu": args.min_vcpu,
            "min_memory_gib": args.min_memory,
            "max_price": args.max_price,
            "arch": args.arch,
            "family": args.family,
            "sort": args.sort,
            "order": "desc" if args.desc else "asc",
            "backend": args.on,
        }
        result = self._get("compute/catalog", params)
        shown = result["types"][: max(args.limit, 0)]
        rows = [
            [
                row["name"],
                str(row["vcpu"]),
                f"{row['memory_gib']:g}",
                gpu_text(row),
                money(row["price_per_hour"], 4),
                "" if row["allowed"] else f"not allowed: {row['reason']}",
            ]
            for row in shown
        ]
        per = "node-hour (EC2 + DBUs)" if args.on == "databricks" else "hour"
        print(
            f"{result['count']} of {result['total']} instance types in {result['region']} "
            f"match; showing {len(rows)}. Prices in USD per {per}, on-demand."
        )
        if rows:
            headers = ["type", "vCPU", "GiB", "GPU", "$/hour", "note"]
            print(table(headers, rows, right={1, 2, 4}))
        print(price_label(result["prices"], result["region"]))

    @magic_arguments()
    @argument("instance_type", help="e.g. m5.2xlarge")
    @argument("--hours", required=True, help="expected run time: 3, or a range such as 2-4")
    @argument("--on", default="ec2", choices=["ec2", "databricks"], help="where it runs")
    @argument("--count", type=int, help="EC2 instances (default 1)")
    @argument("--workers", type=int, help="Databricks workers (the driver is added)")
    @argument("--ebs", type=int, default=0, help="EBS GB per machine (default 0)")
    @line_magic
    @magic_errors
    def ucdh_estimate(self, line: str) -> None:
        """Estimate what a job costs: low-high range, breakdown, billing rules, exclusions."""
        args = parse_line(self.ucdh_estimate, line)
        if args.workers is not None and args.on != "databricks":
            raise UsageError("--workers is for --on databricks; use --count for EC2 instances")
        count = args.workers if args.on == "databricks" else args.count
        low, high = parse_hours(args.hours)
        body = {
            "backend": args.on,
            "instance_type": args.instance_type,
            "count": 1 if count is None else count,
            "hours_low": low,
            "hours_high": high,
            "ebs_gb": args.ebs,
        }
        result = self._post("compute/estimate", body)
        print(format_estimate(result))


def format_estimate(result: dict[str, Any]) -> str:
    """An estimate as a few readable lines."""
    hours = f"{result['hours_low']:g}"
    if result["hours_high"] != result["hours_low"]:
        hours += f"-{result['hours_high']:g}"
    where = "Databricks" if result["backend"] == "databricks" else "EC2"
    cost = money(result["low"])
    if result["high"] != result["low"]:
        cost += f" - {money(result['high'])}"
    lines = [
        f"{result['instance_type']} on {where}, {result['nodes']} machine(s), {hours} hours: "
        f"{cost} {result['currency']}"
    ]
    if not result["allowed"]:
        lines.append(f"Not allowed here: {result['reason']}")
    if result["breakdown"]:
        lines.append(
            table(
                ["item", "rate", "cost"],
                [
                    [
                        line["item"],
                        f"{money(line['rate_per_hour'], 4)}/h",
                        money(line["low"])
                        + ("" if line["high"] == line["low"] else f" - {money(line['high'])}"),
                    ]
                    for line in result["breakdown"]
                ],
                right={1, 2},
            )
        )
    lines.append(price_label(result["prices"]))
    lines.append(f"Billing: {result['billing']}")
    lines.append(f"Not included: {'; '.join(result['excludes'])}.")
    return "\n".join(lines)


def register(ipython: Any, client: Callable[[], ServerClient] = kernel_client) -> None:
    """Register, with an IPython shell, the magics of the features the server has on.

    Without a server to ask, every magic is registered and each says why it cannot work.
    """
    from .run_magics import RunMagics  # %ucdh_run, %ucdh_runs, %ucdh_notify
    from .s3_magics import S3Magics  # %s3 ls|get|put|rm|uri
    from .schedule_magics import ScheduleMagics  # %ucdh_schedule, %ucdh_schedules
    from .sweep_magics import SweepMagics  # %ucdh_sweep

    try:
        features = client().features()
    except UcdhError as error:
        print(f"ucdh-jupyter: {one_line(error)}")
        features = dict.fromkeys(FEATURE_MAGICS, True)
    classes: dict[str, list[Callable[..., Magics]]] = {
        "compute": [UcdhMagics],
        "s3": [S3Magics],
        "runs": [RunMagics, SweepMagics, ScheduleMagics],
    }
    for feature, group in classes.items():
        if features.get(feature, False):
            for magics in group:
                ipython.register_magics(magics(ipython, client))
