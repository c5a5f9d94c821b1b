"""One person's view of the run service: what the run routes, magics and widgets call.

The run store caches every run under the runs prefix, which other researchers'
servers may share; each method here sees only the runs of ``owner`` (others' are
"not found", so nothing about them leaks) and resolves notebook paths under the
Jupyter root.
"""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import UcdhError, bad_request
from .costs import cost_preview, dialog_runtime
from .model import Run, check_run_id
from .policy import Usage
from .service import RunRequest

if TYPE_CHECKING:
    from ..compute import ComputeService
    from .service import RunService

FALLBACK_OWNER = "jupyter"
# Every SageMaker Studio space runs as the same OS account (sagemaker-user); this file
# says which Studio user profile (or shared space) the JupyterLab belongs to.
SAGEMAKER_METADATA = Path("/opt/ml/metadata/resource-metadata.json")


def sagemaker_user(metadata: Path = SAGEMAKER_METADATA) -> str | None:
    """``<user profile>@<domain id>`` inside SageMaker Studio (``<space>@<domain>`` for a
    shared space), else None."""
    try:
        data = json.loads(metadata.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    name = data.get("UserProfileName") or data.get("SpaceName")
    if not name:
        return None
    domain = data.get("DomainId")
    return f"{name}@{domain}" if domain else str(name)


def server_account(
    environ: Mapping[str, str] = os.environ, sagemaker_metadata: Path = SAGEMAKER_METADATA
) -> str:
    """The owner of runs when Jupyter's login names nobody: the JupyterHub user the
    server was spawned for, the SageMaker Studio user profile, else the operating-system
    account it runs as.

    Kernels inherit the server's environment and account, so the magics find the
    runs started from the sidebar and the other way round. Studio users sharing a runs
    bucket all run as ``sagemaker-user``: without their profile they would see each
    other's runs.
    """
    if environ.get("JUPYTERHUB_USER"):
        return environ["JUPYTERHUB_USER"]
    studio = sagemaker_user(sagemaker_metadata)
    if studio:
        return studio
    try:
        return getpass.getuser() or FALLBACK_OWNER
    except (OSError, KeyError):  # a container uid with no passwd entry
        return FALLBACK_OWNER


def not_found(run_id: str) -> UcdhError:
    """The 404 for a run that does not exist or belongs to someone else."""
    return UcdhError(404, "run_not_found", f"There is no run {run_id}.", "")


class UserRuns:
    """Prepare, submit, list and follow the runs of one owner."""

    def __init__(
        self, runs: RunService, compute: ComputeService, owner: str, root_dir: str | Path
    ) -> None:
        self.runs = runs
        self.compute = compute
        self.owner = owner
        self.root_dir = root_dir

    def prepare(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """The run dialog: parameters, files, environment, limits, a new run id, and the
        cost (with the cost policy's verdict) when ``body`` names an instance type."""
        from ..contract import parse
        from .models import RunPrepareBody

        fields = parse(RunPrepareBody, dict(body))
        if not fields.notebook_path.endswith(".ipynb"):
            raise bad_request("notebook_path must be the path of an .ipynb file.")
        dialog = self.runs.prepare(fields.notebook_path, self.root_dir)
        # The expected and max runtime as the server reads them, with or without a type.
        dialog["runtime"] = dialog_runtime(self.runs, fields).to_json()
        dialog["cost"] = cost_preview(self.runs, self.compute, fields, self.list())
        return dialog

    def submit(self, body: Mapping[str, Any]) -> Run:
        """Check, stage and launch; the same ``run_id`` twice returns the first run."""
        run = self.runs.submit(RunRequest.parse(body), owner=self.owner, root_dir=self.root_dir)
        if run.owner != self.owner:
            raise UcdhError(409, "run_id_taken", "This run id is already used.", "Submit again.")
        return run

    def list(self) -> list[Run]:
        """The owner's runs, newest first, from the local store (no AWS call)."""
        return self.runs.list_runs(owner=self.owner)

    def usage(self, runs: Sequence[Run] | None = None) -> Usage:
        """This month's spend and live runs against the owner's caps (``runs``: the
        owner's runs when the caller has them already)."""
        return self.runs.policy.usage(self.list() if runs is None else runs)

    def get(self, run_id: str, refresh: bool = True) -> Run:
        """One of the owner's runs; ``refresh`` looks at its machine and status first
        (what the server's monitor does every heartbeat anyway)."""
        run = self.runs.get(check_run_id(run_id))
        if run.owner != self.owner:
            raise not_found(run_id)
        return self.runs.refresh(run_id) if refresh and not run.final else run

    def cancel(self, run_id: str) -> Run:
        """Ask the run to stop; it keeps its partial output."""
        self.get(run_id, refresh=False)
        return self.runs.cancel(run_id)

    def copy_output(self, run_id: str) -> dict[str, str | None]:
        """Copy the executed (or partial) notebook, and any HTML view, next to the
        original; their paths from the Jupyter root."""
        self.get(run_id, refresh=False)
        return self.runs.copy_output(run_id, self.root_dir)

    def copy_child_output(self, run_id: str, index: int) -> dict[str, str]:
        """Copy one sweep child's executed notebook next to the original."""
        self.get(run_id, refresh=False)
        return {"path": self.runs.copy_child_output(run_id, index, self.root_dir)}

    def export_children(self, run_id: str) -> dict[str, str]:
        """Write the sweep's children as CSV next to the original notebook."""
        self.get(run_id, refresh=False)
        return {"path": self.runs.export_children(run_id, self.root_dir)}

    def read_log(self, run_id: str) -> str:
        """The end of the run's log."""
        self.get(run_id, refresh=False)
        return self.runs.read_log(run_id)

    def read_boot_log(self, run_id: str) -> dict[str, Any]:
        """The end of an EC2 run's boot log (cloud-init's output, uploaded when the
        machine stops): where the cause is when the run failed before its runner started."""
        from .records import BOOT_LOG_KEY

        run = self.get(run_id, refresh=False)
        if run.backend != "ec2":
            raise bad_request(
                "Only runs on an EC2 machine have a boot log.", "Read the run's log instead."
            )
        tail = self.runs.records.tail(run.id, BOOT_LOG_KEY)
        if tail is None:
            return {"source": "boot", "log": "", "available": False, "truncated": False, "size": 0}
        return {
            "source": "boot",
            "log": tail.text,
            "available": True,
            "truncated": tail.truncated,
            "size": tail.size,
        }
