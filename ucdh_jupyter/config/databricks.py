"""The Databricks workspace runs may use: connection, token, compute modes, workers, DBU prices.

A ``HasTraits`` mixin of :class:`~ucdh_jupyter.config.UcdhConfig`, not a ``Configurable``:
its traits are set as ``c.UcdhConfig.<name>``, like every other setting.
"""

from __future__ import annotations

from typing import Any

from traitlets import Bool, Dict, Float, HasTraits, Int, List, Unicode, validate

# How a Databricks run gets its compute (see databricks_cluster_modes).
CLUSTER_MODES = ("new_cluster", "serverless", "existing_cluster")


class DatabricksSettings(HasTraits):
    """Where Databricks runs go, how they authenticate, what compute they get and cost."""

    databricks_dbu_per_hour = Dict(
        value_trait=Float(),
        default_value={
            "m5.xlarge": 0.69,
            "m5.2xlarge": 1.37,
            "m5.4xlarge": 2.74,
            "i3.xlarge": 1.0,
            "i3.2xlarge": 2.0,
            "i3.4xlarge": 4.0,
        },
        help=(
            "DBUs per hour that one Databricks node of each instance type consumes. The "
            "defaults are examples only: copy the figures of your workspace's pricing page. "
            "Types not listed use databricks_dbu_per_vcpu_hour x vCPUs."
        ),
    ).tag(config=True)

    databricks_dbu_per_vcpu_hour = Float(
        0.25,
        min=0.0,
        help=(
            "DBUs per vCPU-hour assumed for instance types missing from "
            "databricks_dbu_per_hour (example default 0.25, on the high side on purpose)."
        ),
    ).tag(config=True)

    databricks_price_per_dbu = Float(
        0.15,
        min=0.0,
        help=(
            "USD per DBU of your Databricks contract (example default 0.15: Jobs Compute "
            "list price on the Premium tier). A Databricks node costs its EC2 price plus "
            "DBUs/hour x this, driver included."
        ),
    ).tag(config=True)

    databricks_host = Unicode(
        None,
        allow_none=True,
        help=(
            "URL of the Databricks workspace runs may use (https://dbc-….cloud.databricks.com). "
            "Unset: the Databricks SDK's own configuration (DATABRICKS_HOST or the "
            "~/.databrickscfg profile), and no Databricks when there is none."
        ),
    ).tag(config=True)

    databricks_profile = Unicode(
        None,
        allow_none=True,
        help="Profile of ~/.databrickscfg to authenticate with (the SDK's unified config).",
    ).tag(config=True)

    databricks_token_file = Unicode(
        None,
        allow_none=True,
        help=(
            "File holding a Databricks personal access token (read at each connection, so a "
            "rotated token is picked up). Never sent to the browser or logged."
        ),
    ).tag(config=True)

    databricks_token_secret_id = Unicode(
        None,
        allow_none=True,
        help=(
            "AWS Secrets Manager secret (name or ARN) holding the Databricks token, as the "
            "plain secret string or as JSON with a 'token' key."
        ),
    ).tag(config=True)

    databricks_runs_folder = Unicode(
        "/Users/{user}/.ucdh-runs",
        help=(
            "Workspace folder under which each run's notebook is imported, one sub-folder per "
            "run id; {user} is the Databricks user name."
        ),
    ).tag(config=True)

    databricks_cleanup = Bool(
        True,
        help="Delete a run's workspace folder once its results are fetched.",
    ).tag(config=True)

    databricks_cluster_modes = List(
        Unicode(),
        default_value=["new_cluster"],
        help=(
            "How Databricks runs may get compute: 'new_cluster' (a job cluster that exists "
            "only for the run), 'serverless', 'existing_cluster' (needs "
            "databricks_existing_cluster_id). The first is the default."
        ),
    ).tag(config=True)

    databricks_existing_cluster_id = Unicode(
        None,
        allow_none=True,
        help="The all-purpose cluster that 'existing_cluster' runs use.",
    ).tag(config=True)

    databricks_spark_version = Unicode(
        None,
        allow_none=True,
        help="Databricks runtime of job clusters. Unset: the latest LTS, asked at run time.",
    ).tag(config=True)

    databricks_max_workers = Int(
        8,
        min=0,
        max=1000,
        help="Most workers a Databricks job cluster may have (the driver comes on top).",
    ).tag(config=True)

    databricks_default_workers = Int(
        1, min=0, max=1000, help="Workers the run dialog proposes for a Databricks job cluster."
    ).tag(config=True)

    @validate("databricks_cluster_modes")
    def _validate_cluster_modes(self, proposal: dict[str, Any]) -> list[str]:
        # Stays a validator: the list must be non-empty and hold known modes, and its
        # message lists them (List(Enum(...), minlen=1) would say "1 <= L <= 2**63-1").
        modes = [str(mode) for mode in proposal["value"]]
        unknown = sorted(set(modes) - set(CLUSTER_MODES))
        if unknown or not modes:
            raise ValueError(
                "UcdhConfig.databricks_cluster_modes must list some of "
                f"{', '.join(CLUSTER_MODES)}; unknown: {', '.join(unknown) or 'none listed'}"
            )
        return modes
