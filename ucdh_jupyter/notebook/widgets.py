"""``InstancePicker``: choose an instance type in a notebook, with its price and an estimate.

>>> picker = InstancePicker(hours=(2, 4))   # doctest: +SKIP
>>> picker                                   # shows presets, a type list, hours, the cost
>>> picker.value                             # 'm6i.large', or the type the user chose

The same server routes as the sidebar and the magics; only types the admin allows are
offered. A widget of a feature the server has switched off refuses to build (one line).

``RunStatus(run_id)``: follow a run live (state, cell i of N, cost, last output lines).
"""

from __future__ import annotations

import html
import threading
from collections.abc import Mapping
from typing import Any

from traitlets import Unicode

try:
    import ipywidgets as widgets
except ImportError as exc:  # ipywidgets is optional: only the notebook side needs it
    raise ImportError("InstancePicker needs ipywidgets: pip install ipywidgets") from exc

from ..compute.presets import PRESETS
from ..errors import UcdhError
from ..runs.model import Run, RunState
from ..server_client import ServerClient, kernel_client
from .format import gpu_text, money, price_label
from .kernel import call, require_feature
from .run_magics import RunsClient, cost_text, elapsed, failure_text, progress_text

ALL = ""


def option_label(row: Mapping[str, Any]) -> str:
    """``m5.2xlarge - 8 vCPU, 32 GiB, $0.3840/h`` (and the GPU, if any)."""
    gpu = gpu_text(row)
    gpu = f", {gpu}" if gpu else ""
    return (
        f"{row['name']} - {row['vcpu']} vCPU, {row['memory_gib']:g} GiB{gpu}, "
        f"{money(row['price_per_hour'], 4)}/h"
    )


def error_html(error: UcdhError) -> str:
    """A server error as one line on a widget: the message in bold, then the hint."""
    return f"<b>{html.escape(error.message)}</b> {html.escape(error.hint)}".strip()


class InstancePicker(widgets.VBox):
    """Presets, a list of allowed types, run time and backend; ``value`` is the chosen type."""

    value = Unicode(None, allow_none=True, help="The chosen instance type")

    def __init__(
        self,
        hours: float | tuple[float, float] = (1.0, 2.0),
        backend: str = "ec2",
        workers: int = 2,
        client: ServerClient | None = None,
        **filters: Any,
    ) -> None:
        self._client = client or call(kernel_client)
        config = require_feature(self._client, "compute")
        self._filters = {key: value for key, value in filters.items() if value is not None}
        low, high = hours if isinstance(hours, tuple) else (hours, hours)
        limit = config["runs"]["max_hours_cap"]
        self.preset = widgets.ToggleButtons(
            options=[("All", ALL)] + [(p.label, p.key) for p in PRESETS],
            value=ALL,
            description="Preset",
        )
        self.types = widgets.Dropdown(description="Type", layout={"width": "38em"})
        self.hours_low = widgets.BoundedFloatText(
            low, min=0.001, max=limit, description="Hours from"
        )
        self.hours_high = widgets.BoundedFloatText(high, min=0.001, max=limit, description="to")
        self.backend = widgets.ToggleButtons(
            options=[("EC2", "ec2"), ("Databricks", "databricks")], value=backend, description="On"
        )
        self.workers = widgets.BoundedIntText(workers, min=1, max=200, description="Workers")
        self.summary = widgets.HTML()
        self.prices = widgets.HTML()
        super().__init__(
            [
                self.preset,
                self.types,
                widgets.HBox([self.hours_low, self.hours_high]),
                widgets.HBox([self.backend, self.workers]),
                self.summary,
                self.prices,
            ]
        )
        self._presets: dict[str, str | None] = {}
        call(self._load)  # a picker that cannot load refuses to build, in one line
        self.preset.observe(lambda _: self._reload(), "value")
        self.backend.observe(lambda _: self._reload(), "value")
        self.types.observe(self._chosen, "value")
        for control in (self.hours_low, self.hours_high, self.workers):
            control.observe(lambda _: self._estimate(), "value")

    def _reload(self) -> None:
        """:meth:`_load` after a click: a failure is shown on the widget (one line), as a
        callback's exception would only reach the kernel log, with a traceback."""
        try:
            self._load()
        except UcdhError as error:
            self.summary.value = error_html(error)

    def _load(self) -> None:
        """Refill the type list for the preset and backend; select the preset's type."""
        key = self.preset.value
        preset = next((p for p in PRESETS if p.key == key), None)
        params = {**self._filters, **(preset.filters if preset else {})}
        result = self._client.get("compute/catalog", **params, backend=self.backend.value)
        self._presets = {p["key"]: p["instance_type"] for p in result["presets"]}
        self.workers.layout.display = "" if self.backend.value == "databricks" else "none"
        label = price_label(result["prices"], result["region"])
        self.prices.value = f"<small>{html.escape(label)}</small>"
        allowed = [row for row in result["types"] if row["allowed"]]
        names = {row["name"] for row in allowed}
        current = self.types.value
        self.types.options = [(option_label(row), row["name"]) for row in allowed]
        if preset is not None:
            wanted = self._presets.get(preset.key)
        elif current in names:
            wanted = current
        else:
            wanted = self._presets.get("small")
        self.types.value = wanted if wanted in names else (allowed[0]["name"] if allowed else None)
        self._chosen()

    def _chosen(self, _change: Any = None) -> None:
        self.value = self.types.value
        self._estimate()

    def _estimate(self) -> None:
        """Show the price of the chosen type and the cost of the run."""
        if not self.value:
            self.summary.value = "<i>No allowed instance type matches.</i>"
            return
        databricks = self.backend.value == "databricks"
        body = {
            "backend": self.backend.value,
            "instance_type": self.value,
            "count": self.workers.value if databricks else 1,
            "hours_low": min(self.hours_low.value, self.hours_high.value),
            "hours_high": max(self.hours_low.value, self.hours_high.value),
        }
        try:
            result = self._client.post("compute/estimate", body)
        except UcdhError as error:
            self.summary.value = error_html(error)
            return
        rate = sum(line["rate_per_hour"] for line in result["breakdown"])
        cost = money(result["low"])
        if result["high"] != result["low"]:
            cost += f" &ndash; {money(result['high'])}"
        hours = f"{result['hours_low']:g}"
        if result["hours_high"] != result["hours_low"]:
            hours += f"&ndash;{result['hours_high']:g}"
        nodes = f" on {result['nodes']} nodes" if databricks else ""
        self.summary.value = (
            f"<b>{html.escape(self.value)}</b>: {money(rate, 4)}/hour{nodes}; "
            f"estimate for {hours} h: <b>{cost}</b> (USD, before tax and discounts)"
        )


BAR_STYLES = {
    RunState.SUCCEEDED: "success",
    RunState.FAILED: "danger",
    RunState.EXPIRED: "danger",
    RunState.CANCELLING: "warning",
    RunState.CANCELLED: "warning",
}


class RunStatus(widgets.VBox):
    """One run, live: its state, a progress bar (cell i of N), its cost and last output.

    Looks at the run every ``interval`` seconds (default: the heartbeat) in a background
    thread until the run ends; :meth:`stop` stops looking earlier, not the run.
    """

    def __init__(
        self,
        run_id: str,
        client: ServerClient | None = None,
        interval: float | None = None,
        poll: bool = True,
    ) -> None:
        client = client or call(kernel_client)
        config = require_feature(client, "runs")
        self._runs = RunsClient(client)
        self.run_id = run_id
        self.interval = interval or float(config["runs"]["heartbeat_seconds"])
        self.state = widgets.HTML()
        self.bar = widgets.IntProgress(value=0, min=0, max=1, description="Cells")
        self.cost = widgets.HTML()
        self.lines = widgets.HTML()
        super().__init__([self.state, self.bar, self.cost, self.lines])
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        run = self.show(call(self._runs.get, run_id))
        if poll and not run.final:
            self.start()

    def show(self, run: Run) -> Run:
        """Put ``run`` on the widget."""
        name = html.escape(run.notebook_path.rsplit("/", 1)[-1])
        parts = [
            f"<b>{html.escape(run.state.value)}</b>",
            f"{name} on {html.escape(run.instance_type)}",
        ]
        if took := elapsed(run):  # nothing before the machine started
            parts.append(took)
        self.state.value = " &middot; ".join(parts)
        self.bar.max = max(run.progress.cells, 1)
        self.bar.value = min(run.progress.cell, self.bar.max)
        self.bar.description = progress_text(run) or "Cells"
        self.bar.bar_style = BAR_STYLES.get(run.state, "")
        detail = html.escape(failure_text(run)) if run.state is RunState.FAILED else ""
        self.cost.value = f"Cost: {html.escape(cost_text(run))} {detail}".strip()
        last = "\n".join(run.progress.last_lines)
        if run.kind == "sweep":  # its children, live, as %ucdh_sweep --wait prints them
            from .sweep_magics import children_table, counts_text

            self.state.value += f" &middot; {html.escape(counts_text(run))}"
            last = children_table(run)
        self.lines.value = f"<pre>{html.escape(last)}</pre>" if last else ""
        return run

    def update(self) -> Run | None:
        """Look at the run once; a failed look is shown, not raised."""
        try:
            return self.show(self._runs.get(self.run_id))
        except UcdhError as error:
            self.state.value = error_html(error)
            return None

    def start(self) -> None:
        """Look at the run every ``interval`` seconds until it ends or :meth:`stop`."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stopped.clear()

        def poll() -> None:
            while not self._stopped.wait(self.interval):
                run = self.update()
                if run is not None and run.final:
                    return

        self._thread = threading.Thread(target=poll, name=f"ucdh-run-{self.run_id}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop looking (the run goes on)."""
        self._stopped.set()

    def wait(self, timeout: float | None = None) -> None:
        """Block until the polling thread has seen the run end (or ``timeout``)."""
        if self._thread is not None:
            self._thread.join(timeout)
