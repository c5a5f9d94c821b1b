"""Every admin setting of the extension, in one traitlets ``Configurable``.

Admins set these in ``jupyter_server_config.py`` (``c.UcdhConfig.region = ...``)
or on the command line (``--UcdhConfig.region=...``). Only the non-secret part is
ever sent to the browser (see :meth:`UcdhConfig.public`).

The traits are declared per area, one module each (connection, S3, compute, Databricks,
runs, run packages, run limits, audit, workspace, features), as ``HasTraits`` mixins:
``UcdhConfig`` is the one ``Configurable``, so every setting stays ``c.UcdhConfig.<name>``
whichever module declares it. Rules that read settings of two areas live here.
"""

from __future__ import annotations

from typing import Any

from traitlets import default
from traitlets.config import Configurable

from .audit import AuditSettings
from .compute import ComputeSettings
from .connection import ConnectionSettings
from .databricks import CLUSTER_MODES, DatabricksSettings
from .features import FeatureSettings
from .run_limits import RunLimitSettings
from .run_packages import RunPackageSettings
from .runs import RunsSettings
from .s3 import S3Settings
from .workspace import WorkspaceSettings

__all__ = ["CLUSTER_MODES", "UcdhConfig"]


class UcdhConfig(
    ConnectionSettings,
    S3Settings,
    ComputeSettings,
    DatabricksSettings,
    RunsSettings,
    RunPackageSettings,
    RunLimitSettings,
    AuditSettings,
    WorkspaceSettings,
    FeatureSettings,
    Configurable,
):
    """Admin settings for ucdh-jupyter."""

    @default("run_backends")
    def _default_run_backends(self) -> dict[str, str]:
        # Here, not in RunsSettings, since it reads the connection's mode.
        # The demo's machines are a peer backend chosen here, not a branch in the runs.
        ec2 = "demo.ec2.LocalEc2Backend" if self.mode == "local" else "runs.ec2.Ec2Backend"
        return {
            "ec2": f"ucdh_jupyter.{ec2}",
            "databricks": "ucdh_jupyter.runs.databricks.DatabricksBackend",
            # Sweeps of the EC2 family: the same class in the demo (the local Batch is
            # moto with demo/batch.py running its jobs).
            "batch": "ucdh_jupyter.runs.batch.BatchBackend",
        }

    @default("live_pricing")
    def _default_live_pricing(self) -> bool:
        # The demo's local AWS has no Price List API: its prices are the bundled snapshot's.
        return self.mode != "local"

    def __init__(self, **kwargs: Any) -> None:
        """Load the settings, then check those that only make sense together (a trait's
        own validator runs before the other trait is loaded)."""
        super().__init__(**kwargs)
        self._check_codeartifact()

    def public(self) -> dict[str, Any]:
        """The settings the browser may see: nothing secret, no key material."""
        return {
            "mode": self.mode,
            "region": self.region,
            "profile": self.profile,
            "locations": list(self.locations),
            "allowed_buckets": list(self.allowed_buckets),
            "sse_kms": bool(self.kms_key_id),
            "presigned_urls": self.allow_presigned_urls,
            "features": {
                "s3": self.enable_s3,
                "compute": self.enable_compute,
                "runs": self.enable_runs,
            },
            "runs": {
                "enabled": self.enable_runs,
                "configured": bool(self.runs_bucket),
                "default_max_hours": self.runs_default_max_hours,
                "max_hours_cap": self.max_runtime_hours,
                "budget_per_run_usd": self.runs_budget_per_run_usd,
                "max_notebook_mb": self.runs_max_notebook_mb,
                "max_files_mb": self.runs_max_files_mb,
                "heartbeat_seconds": self.runs_heartbeat_seconds,
                "sweep_max_size": self.runs_sweep_max_size,
                "sweep_max_parallel": self.runs_sweep_max_parallel,
                "schedule_max_per_user": self.runs_schedule_max_per_user,
                "schedule_min_interval_minutes": self.runs_schedule_min_interval_minutes,
                "volume_gb": self.runs_volume_gb,
                "notifications": bool(self.runs_notify_topic_arn and self.runs_bucket),
            },
        }
