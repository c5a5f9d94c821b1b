"""``Sweep``: the Run dialog's "Run for several parameter sets" as a notebook widget.

>>> sweep = Sweep("analysis.ipynb", "m5.large", grid={"seed": [1, 2, 3]})  # doctest: +SKIP
>>> sweep            # a values box per parameter of the notebook, the count, the cost, Start
>>> sweep.run_id     # once started; the widget then follows it as RunStatus does

A box takes values as ``%ucdh_sweep --grid`` does (comma separated, read as papermill's
``-p`` reads them); an empty box keeps the notebook's default, and every combination of
the filled boxes runs. The cost comes from ``POST runs/prepare`` and Start is ``POST
runs``: the server's checks, the budget per run for each child, the monthly cap for the
whole sweep, exactly as for the dialog and the magic.
"""

from __future__ import annotations

import html
import math
from typing import Any

import ipywidgets as widgets
from IPython.core.error import UsageError

from ..errors import UcdhError
from ..server_client import ServerClient, kernel_client
from .kernel import call, require_feature
from .run_magics import RunsClient, notebook_path, submitted_text
from .sweep_magics import grid_values
from .widgets import RunStatus, error_html


def grid_text(values: list[Any]) -> str:
    """A parameter's values as a box shows them (``10, 100, 'a b'``, as typed)."""
    return ", ".join(str(value) for value in values)


class Sweep(widgets.VBox):
    """Values per parameter, the number of runs, their cost, and Start; then the sweep live.

    ``parameters`` are fixed values for every child (the dialog's parameter fields);
    ``grid`` fills the boxes. ``hours`` is each run's expected runtime, which the cost
    is given for; without it, a quarter to half of ``max_hours`` (the server's defaults
    without ``max_hours``). ``run_id`` is None until Start.
    """

    def __init__(
        self,
        notebook: str,
        instance_type: str | None = None,
        grid: dict[str, list[Any]] | None = None,
        backend: str = "ec2",
        max_hours: float | None = None,
        hours: float | tuple[float, float] | None = None,
        parallelism: int | None = None,
        workers: int | None = None,
        parameters: dict[str, Any] | None = None,
        files: list[str] | None = None,
        client: ServerClient | None = None,
    ) -> None:
        self._client = client or call(kernel_client)
        config = require_feature(self._client, "runs")
        self._runs = RunsClient(self._client)
        self.run_id: str | None = None
        self.status: RunStatus | None = None
        self._fixed = dict(parameters or {})
        self._body: dict[str, Any] = {
            "notebook_path": call(notebook_path, self._client, notebook),
            "instance_type": instance_type,
            "backend": backend,
            "max_hours": max_hours,
            "workers": workers,
        }
        if hours is None and max_hours is not None:
            hours = (max_hours / 4, max_hours / 2)
        low, high = hours if isinstance(hours, tuple) else (hours, hours)
        self._expected = {"hours_low": low, "hours_high": high}
        self._files = list(files or [])
        dialog = call(self._client.post, "runs/prepare", self._request(self._expected))
        self._run_id = dialog["new_run_id"]  # starting twice launches once
        grid = dict(grid or {})
        unknown = sorted(set(grid) - set(dialog["parameters"]))
        if unknown:
            raise UsageError(
                f"{', '.join(unknown)}: not in the parameters cell of {notebook} "
                f"(it has {', '.join(dialog['parameters']) or 'none'})."
            )
        self.boxes = {
            name: widgets.Text(
                grid_text(grid.get(name, [])),
                description=name,
                placeholder=f"default {default!r}, or values: 1, 2, 3",
                continuous_update=False,
                layout={"width": "38em"},
                style={"description_width": "initial"},
            )
            for name, default in dialog["parameters"].items()
            if name not in self._fixed
        }
        self._max_size = config["runs"]["sweep_max_size"]
        most = config["runs"]["sweep_max_parallel"]
        self.parallelism = widgets.BoundedIntText(
            min(parallelism or most, most), min=1, max=most, description="At once"
        )
        self.count = widgets.HTML()
        self.cost = widgets.HTML()
        self.start_button = widgets.Button(
            description="Start", button_style="primary", icon="play", disabled=True
        )
        self.start_button.on_click(lambda _: self.start())
        self.message = widgets.HTML()
        self.live = widgets.VBox()  # the sweep, once started
        super().__init__(
            [
                widgets.HTML(f"<b>{html.escape(notebook)}</b>, once per combination of values"),
                *self.boxes.values(),
                self.parallelism,
                self.count,
                self.cost,
                self.start_button,
                self.message,
                self.live,
            ]
        )
        for box in self.boxes.values():
            box.observe(lambda _: self.refresh(), "value")
        self.refresh()

    def _request(self, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        """The fields both routes take, and ``extra``; unset ones left to the server."""
        body = {**self._body, **(extra or {})}
        return {name: value for name, value in body.items() if value is not None}

    def grid(self) -> dict[str, list[Any]]:
        """The filled boxes' values, per parameter."""
        filled = {name: grid_values(box.value) for name, box in self.boxes.items()}
        return {name: values for name, values in filled.items() if values}

    def size(self) -> int:
        """How many runs the boxes make (every combination)."""
        return math.prod(len(values) for values in self.grid().values())

    def refresh(self) -> None:
        """Count the runs and price them; Start only for a sweep the server would take."""
        if self.run_id is not None:
            return
        size = self.size()
        self.count.value = f"{size} run{'s' if size != 1 else ''}"
        self.start_button.disabled = True
        if size < 2:
            self.cost.value = "Give one parameter two or more values, e.g. <i>1, 2, 3</i>."
            return
        if size > self._max_size:
            self.cost.value = (
                f"At most {self._max_size:,} runs are allowed here; split the sweep, or ask "
                "your administrator (UcdhConfig.runs_sweep_max_size)."
            )
            return
        try:
            dialog = self._client.post(
                "runs/prepare", self._request({**self._expected, "children": size})
            )
        except UcdhError as error:
            self.cost.value = error_html(error)
            return
        cost = dialog.get("cost") or {}
        verdict = cost.get("verdict") or {}
        sweep = cost.get("sweep") or {}
        text = html.escape(sweep.get("text", "No price for this machine."))
        if verdict and not verdict["ok"]:
            hint = html.escape(verdict.get("hint") or "")
            self.cost.value = f"{text}<br><b>{html.escape(verdict['message'])}</b> {hint}"
            return
        self.cost.value = text
        self.start_button.disabled = False

    def start(self) -> str | None:
        """Start the sweep (``POST runs``) and follow it; its id, or None with the
        server's refusal shown on the widget (nothing started)."""
        if self.run_id is not None:
            return self.run_id
        body = {
            **self._request(),
            "run_id": self._run_id,
            "files": self._files,
            "parameters": self._fixed,
            "sweep": {"grid": self.grid(), "parallelism": self.parallelism.value},
        }
        self.start_button.disabled = True
        try:
            run = self._runs.submit(body)
        except UcdhError as error:
            self.message.value = error_html(error)
            self.start_button.disabled = False
            return None
        self.run_id = run.id
        for box in (*self.boxes.values(), self.parallelism):
            box.disabled = True
        self.message.value = html.escape(submitted_text(run))
        self.status = RunStatus(run.id, client=self._client)
        self.live.children = (self.status,)
        return run.id
