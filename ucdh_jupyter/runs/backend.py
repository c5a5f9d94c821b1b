"""What every run backend (EC2, Databricks) provides, and what one look at a run returns.

The service drives runs through the state machine; a backend only plans, launches,
observes and releases the resources of one run. Backends are idempotent per run id:
launching twice, or releasing something already gone, is harmless. Backends are peers
named in ``UcdhConfig.run_backends`` (:mod:`.registry`); each builds itself from the
service's parts and says whether it can run here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from .model import Run

if TYPE_CHECKING:
    from ..aws import AwsClients
    from ..config import UcdhConfig
    from ..databricks_client import DatabricksClient
    from ..errors import UcdhError
    from .records import RunRecords


@dataclass(frozen=True)
class BackendParts:
    """What the run service gives a backend to build itself from. ``records`` is a
    function: it raises (no runs bucket) only for a backend that is being built."""

    config: UcdhConfig
    aws: AwsClients
    databricks: DatabricksClient
    records: Callable[[], RunRecords]
    # The confirmed e-mail address of a run's owner, for a backend whose engine mails
    # a run's end itself (Databricks); None: the owner did not ask, or has not confirmed.
    mail_to: Callable[[str], str | None] = lambda owner: None


# The tags every backend puts on what it launches (EC2 instances and volumes, Batch jobs):
# ids, owner and deadline only; IAM scopes termination and tagging by ucdh:managed.
TAG_RUN_ID = "ucdh:run-id"
TAG_OWNER = "ucdh:owner"
TAG_DEADLINE = "ucdh:deadline"
TAG_MANAGED = "ucdh:managed"

# What a backend saw of the machine (or cluster) of a run.
MACHINE_ABSENT = "absent"  # nothing was ever launched for this run id
MACHINE_PENDING = "pending"
MACHINE_RUNNING = "running"
MACHINE_GONE = "gone"  # terminated, terminating or stopped: it will not run the notebook


@dataclass
class Observation:
    """One look at a run: its machine, and the runner's last ``status.json`` if any."""

    machine: str
    status: dict[str, Any] | None = None
    started_at: str | None = None
    # A sweep's children as the engine reports them now (see sweep.py); None for a
    # single run. The sweep's own status is then derived from them.
    children: list[dict[str, Any]] | None = None


class RunBackend(Protocol):
    """A place that executes notebooks."""

    name: str
    # The shortest max runtime a run may ask for, in hours (see each backend for why).
    min_max_hours: float

    @classmethod
    def create(cls, parts: BackendParts) -> RunBackend:
        """The backend, built from the service's parts (no network call)."""

    @classmethod
    def unavailable(cls, parts: BackendParts) -> UcdhError | None:
        """Why runs cannot go here (a 400 to raise on submit); None when they can."""

    def plan(self, run: Run) -> Any:
        """Everything needed to launch ``run`` (resolved AMI, request body...), no side effect."""

    def preflight(self, run: Run, plan: Any) -> None:
        """Check permissions and inputs with the provider (e.g. EC2 DryRun); raise if refused."""

    def launch(self, run: Run, plan: Any) -> None:
        """Start the run's resources (once per run id); sets its backend ids and start time."""

    def observe(self, run: Run) -> Observation:
        """Look at the run's resources and its status record."""

    def request_cancel(self, run: Run) -> None:
        """Ask the running notebook to stop and save its partial output."""

    def release(self, run: Run) -> None:
        """Terminate / cancel the run's resources (idempotent)."""

    def adopt(self, recorded: dict[str, Run]) -> list[Run]:
        """After a restart: complete ``recorded`` from resource tags, return tag-only runs."""
