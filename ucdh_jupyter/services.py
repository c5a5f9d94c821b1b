"""The service container built once when the server extension loads.

Handlers reach it through ``self.settings["ucdh"]``; magics and widgets reach it only
through the server's routes (:mod:`.server_client`). Building it makes no AWS call.
"""

from __future__ import annotations

import os
import platform
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from .audit import AuditLog
from .aws import AwsClients
from .compute import ComputeService
from .config import UcdhConfig
from .databricks_client import DatabricksClient
from .errors import translate
from .s3 import S3Service
from .version import __version__

if TYPE_CHECKING:
    from .runs.notify import Notifier
    from .runs.service import RunService
    from .runs.user import UserRuns
    from .schedules.service import ScheduleService


class UcdhServices:
    """Configuration, AWS clients and the worker pool that runs blocking boto3 calls."""

    def __init__(self, config: UcdhConfig, root_dir: str | None = None) -> None:
        self.config = config
        # Set at shutdown: background sweeps then end quietly (see periodic.py).
        self.closed = False
        self.aws = AwsClients(config)
        # The Databricks workspace, when one is configured; no call until a run needs it.
        self.databricks = DatabricksClient(config, self.aws)
        # Instance catalog, prices, limits, estimates; builds lazily, no AWS call here.
        self.compute = ComputeService(config, self.aws)
        # A Databricks catalog lists only the node types the workspace offers.
        self.compute.databricks_node_types = self.databricks.node_types
        # boto3 calls block; they run here, never on the tornado event loop.
        self.executor = ThreadPoolExecutor(max_workers=16, thread_name_prefix="ucdh-aws")
        # root_dir: the Jupyter root, the only place S3 <-> workspace copies may write, and
        # the one notebook paths of runs are relative to.
        self.root_dir = root_dir or os.getcwd()
        self.s3 = S3Service(config, self.aws, self.executor, self.root_dir)
        # Who changed what and how runs went: a file (and CloudWatch Logs), opened on first use.
        self.audit = AuditLog(config, self.aws, self.executor)
        # Notebook runs: built on first use (it opens the local run store).
        self._runs: RunService | None = None
        self._runs_lock = threading.Lock()
        self._notifier: Notifier | None = None
        self._schedules: ScheduleService | None = None
        self._guard = threading.Lock()

    @property
    def runs(self) -> RunService:
        """The run service (submit, follow, cancel runs); makes no AWS call to build.

        Runs are priced and checked against the admin's limits by the compute service,
        here and in the kernel alike.
        """
        with self._runs_lock:
            if self._runs is None:
                from .runs.costs import ComputePricing
                from .runs.policy import CostPolicy
                from .runs.service import RunService

                self._runs = RunService.from_config(
                    self.config,
                    self.aws,
                    self.databricks,
                    policy=CostPolicy(self.config, ComputePricing(self.compute)),
                    on_event=self.audit.run_event,
                    notify=self.notifier.run_ended,
                    mail_to=self.notifier.confirmed_address,
                )
            return self._runs

    @property
    def notifier(self) -> Notifier:
        """E-mail to run owners through the admin's SNS topic (built on first use)."""
        with self._guard:
            if self._notifier is None:
                from .runs.notify import Notifier

                self._notifier = Notifier(self.config, self.aws)
            return self._notifier

    @property
    def schedules(self) -> ScheduleService:
        """Recurring runs (built on first use, on the run service)."""
        runs = self.runs  # outside the guard: building it takes the guard too
        with self._guard:
            if self._schedules is None:
                from .schedules.service import ScheduleService

                self._schedules = ScheduleService(runs)
            return self._schedules

    def user_runs(self, owner: str) -> UserRuns:
        """The runs of ``owner`` under the Jupyter root: the one way in for the run routes
        (the kernel's magics and widgets reach the same through those routes)."""
        from .runs.user import UserRuns

        return UserRuns(self.runs, self.compute, owner, self.root_dir)

    def status(self) -> dict[str, Any]:
        """Who the user is in AWS, which mode, versions, and any credential problem."""
        problem: dict[str, Any] | None = None
        identity: dict[str, str] | None = None
        region: str | None = None
        try:
            region = self.aws.region
            identity = self.aws.identity()
        except Exception as exc:
            error = translate(exc, self.config.profile)
            problem = {"status": error.status, **error.to_json()}
        return {
            "mode": self.config.mode,
            "region": region,
            "profile": self.config.profile,
            "endpoint_url": self.config.endpoint_url,
            "identity": identity,
            "problem": problem,
            "databricks": self.databricks.status(),
            "package_source": self.package_source(),
            "versions": self.versions(),
        }

    def package_source(self) -> dict[str, str] | None:
        """Where run machines install packages from; None when runs are off or unset."""
        if not (self.config.enable_runs and self.config.runs_bucket):
            return None
        from .runs.wheels import package_source

        return package_source(self.config)

    def public_config(self) -> dict[str, Any]:
        """``GET config``: the admin settings the browser may see, and which run
        backends are available (none of it secret, no network call)."""
        public = self.config.public()
        ec2_ready = bool(self.config.runs_bucket)
        public["runs"]["backends"] = {
            "ec2": {
                "available": ec2_ready,
                "reason": None if ec2_ready else "No runs bucket is configured.",
                "hint": None
                if ec2_ready
                else "Ask your administrator to set UcdhConfig.runs_bucket.",
            },
            "databricks": self.databricks.availability(),
        }
        return public

    @staticmethod
    def versions() -> dict[str, str]:
        """Versions worth quoting in a support request."""
        from importlib.metadata import PackageNotFoundError, version

        found = {"ucdh_jupyter": __version__, "python": platform.python_version()}
        for name in ("jupyter_server", "jupyterlab", "boto3", "botocore", "databricks-sdk"):
            try:
                found[name] = version(name)
            except PackageNotFoundError:
                continue
        return found

    def close(self) -> None:
        """Stop the worker pool at server shutdown."""
        self.closed = True
        self.s3.close()
        if self._runs is not None:
            self._runs.close()
        self.audit.close()
        self.executor.shutdown(wait=False, cancel_futures=True)
