"""The notebook widgets, at the import path researchers use
(``from ucdh_jupyter.widgets import InstancePicker``); they live in
:mod:`ucdh_jupyter.notebook.widgets` with the rest of the kernel side."""

from __future__ import annotations

from .notebook.sweep_widget import Sweep
from .notebook.widgets import InstancePicker, RunStatus

__all__ = ["InstancePicker", "RunStatus", "Sweep"]
