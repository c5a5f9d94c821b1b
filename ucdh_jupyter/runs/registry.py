"""Which class runs a backend's runs, by name. The concrete backends import the
protocol of :mod:`.backend`; only this module imports them, so none of them imports
another through it.
"""

from __future__ import annotations

from ..errors import bad_request
from .backend import BACKENDS, RunBackend


def backend_class(name: str) -> type[RunBackend]:
    """The class of the backend called ``name`` (imported on first use), for what it
    declares without being built, such as its minimum max runtime; a 400 if unknown."""
    if name == "ec2":
        from .ec2 import Ec2Backend

        return Ec2Backend
    if name == "databricks":
        from .databricks import DatabricksBackend

        return DatabricksBackend
    raise bad_request(f"Unknown backend {name!r}.", f"Use one of: {', '.join(BACKENDS)}.")
