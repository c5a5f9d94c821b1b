"""The checks a task and its compute get, whether it comes in a one-time run (runs/submit)
or in a job's settings (jobs/create, reset, update): what this workspace can run.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from .compute import Compute
from .errors import invalid
from .runs import COMPUTE_FIELDS

EMAIL_EVENTS = ("on_start", "on_success", "on_failure")


def cluster_id(existing: str | None = None) -> str:
    """An existing cluster's id, or a new cluster's, shaped like Databricks'
    (``0923-164208-1a2b3c4d``)."""
    return str(existing or f"{time.strftime('%m%d-%H%M%S')}-{secrets.token_hex(4)}")


def check_notebook_task(task: Any) -> dict[str, Any]:
    """A task with a key and a workspace notebook; a 400 for anything else."""
    if not isinstance(task, dict) or not task.get("task_key"):
        raise invalid("Missing required field: task_key.")
    notebook = task.get("notebook_task")
    if not isinstance(notebook, dict):
        raise invalid("This local workspace only runs notebook tasks (notebook_task).")
    path = notebook.get("notebook_path")
    if not isinstance(path, str) or not path.startswith("/"):
        raise invalid(f"notebook_path must be an absolute workspace path, got {path!r}.")
    if notebook.get("source", "WORKSPACE") != "WORKSPACE":
        raise invalid("Only notebooks in the workspace (source WORKSPACE) can run here.")
    if not isinstance(notebook.get("base_parameters", {}), dict):
        raise invalid("base_parameters must be an object of names to values.")
    return task


def check_compute(
    task: dict[str, Any],
    compute: Compute,
    environments: Any,
    job_clusters: dict[str, dict[str, Any]] | None,
) -> None:
    """At most one compute; a new cluster the workspace offers; keys that exist.
    ``job_clusters`` is None for a one-time run, which has none."""
    chosen = [name for name in COMPUTE_FIELDS if task.get(name)]
    if len(chosen) > 1:
        raise invalid(f"Only one of {', '.join(COMPUTE_FIELDS)} can be set; got {chosen}.")
    if "new_cluster" in chosen:
        compute.check_new_cluster(task["new_cluster"])
    if "environment_key" in chosen:
        keys = [env.get("environment_key") for env in environments or []]
        if task["environment_key"] not in keys:
            raise invalid(f"environment_key {task['environment_key']} is not in environments.")
    if "job_cluster_key" in chosen:
        if job_clusters is None:
            raise invalid("job_cluster_key needs a job's job_clusters; a one-time run has none.")
        if task["job_cluster_key"] not in job_clusters:
            raise invalid(f"job_cluster_key {task['job_cluster_key']} is not in job_clusters.")


def check_email(value: Any) -> dict[str, Any] | None:
    """``email_notifications``: each event a list of addresses."""
    if value is None:
        return None
    if not isinstance(value, dict) or any(
        not isinstance(value.get(name, []), list) for name in EMAIL_EVENTS
    ):
        raise invalid("email_notifications must map on_start/on_success/on_failure to lists.")
    return value
