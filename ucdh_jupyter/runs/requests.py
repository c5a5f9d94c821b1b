"""The bodies of ``POST runs`` and ``POST runs/prepare``, parsed strictly.

Every boolean and number has its exact JSON type (``"include_sensitive": "false"`` or
``"max_hours": "2"`` is a 400 naming the field), no undeclared field is accepted, and
numbers are finite. The rules that need more than a type (an ``.ipynb`` path, the shape
of an instance type, a run id) follow in :meth:`~.service.RunRequest.parse`, the one
parser of the run routes and the magics alike.

pydantic is slow to import: this module is imported on first use, never at server start.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from ..contract import StrictModel

Backend = Literal["ec2", "databricks"]
ClusterMode = Literal["new_cluster", "serverless", "existing_cluster"]
Hours = float | None


class RunBody(StrictModel):
    """``POST runs``: what a user asks for when submitting a run (null = the default)."""

    notebook_path: str
    # Absent (or null) only for Databricks runs without a node type (serverless, an
    # existing cluster).
    instance_type: str | None = None
    max_hours: Hours = Field(None, allow_inf_nan=False)
    parameters: dict[str, Any] | None = None
    files: list[str] | None = None
    include_sensitive: bool = False
    backend: Backend | None = None
    count: int = Field(1, ge=1)
    run_id: str | None = None
    workers: int | None = Field(None, ge=0)
    cluster_mode: ClusterMode | None = None


class PrepareBody(StrictModel):
    """``POST runs/prepare``: the notebook, and the choice to price when there is one.

    ``hours_low``-``hours_high`` is the researcher's expected runtime; ``max_hours``
    the max runtime they typed (null: twice the expected end, within the admin's cap).
    """

    notebook_path: str
    instance_type: str | None = None
    backend: Backend | None = None
    workers: int | None = Field(None, ge=0)
    cluster_mode: ClusterMode | None = None
    max_hours: Hours = Field(None, allow_inf_nan=False)
    hours_low: Hours = Field(None, allow_inf_nan=False, gt=0)
    hours_high: Hours = Field(None, allow_inf_nan=False, gt=0)
