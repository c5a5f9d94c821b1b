"""The bodies of the compute routes: the catalog, and the estimate asked for and answered.

Part of the wire contract (see :mod:`ucdh_jupyter.contract`). ``"hours_low": "2"`` or
``"count": true`` in an estimate request is a 400 naming the field, and a field the
estimate does not know is refused rather than ignored. The ranges (hours above 0 and
within the admin's cap, counts, disk sizes) are documented here and checked by
:class:`~.estimate.EstimateRequest`, which the magics and widgets call with the same body,
in the UI's words. Imported on first use: pydantic must not load at server start.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..contract import Absent, Finite, InstanceTypeName, Reply, StrictModel

Backend = Literal["ec2", "databricks"]


class PriceSource(Reply):
    source: Literal["live", "cached", "bundled", "unknown"] = Field(
        description=(
            "live: fetched from the AWS Price List API by this server within the TTL; cached: the "
            "disk cache (fresh, or stale when live fetching fails); bundled: the snapshot"
            " shipped in "
            "the package; unknown: no prices for this region (never guessed from another region)"
        ),
    )
    as_of: str | None = Field(description="ISO 8601 time of the price data; null when unknown")
    detail: str = Field(description="Where the prices come from and why, for a tooltip")


class SpotSource(Reply):
    source: Literal["live", "fake", "unavailable"] = Field(
        description="fake in the local demo, whose AWS answers a constant spot price",
    )
    as_of: str | None
    detail: str


class CatalogQuery(Reply):
    """The query parameters of ``GET compute/catalog`` as an object (a preset's filters);
    every field is optional, and a field left out is absent, not null."""

    min_vcpu: float | Absent = Field(None, json_schema_extra={"minimum": 0})
    min_memory_gib: float | Absent = Field(None, json_schema_extra={"minimum": 0})
    gpu: Literal["any", "yes", "no"] | Absent = None
    gpu_model: str | Absent = None
    arch: Literal["x86_64", "arm64"] | Absent = None
    family: str | Absent = None
    max_price: float | Absent = Field(None, json_schema_extra={"minimum": 0})
    sort: (
        Literal["name", "price", "vcpu", "memory", "price_per_vcpu", "price_per_gib", "gpu_memory"]
        | Absent
    ) = None
    order: Literal["asc", "desc"] | Absent = None
    backend: Backend | Absent = None


class ComputeLimits(Reply):
    max_price_per_hour: float | None
    max_gpus: int | None
    allowed_families: list[str] = Field(description="Empty with allowed_types empty = all")
    allowed_types: list[str] = Field(description="Names or patterns such as r6i.*")
    max_runtime_hours: float


class ComputePreset(Reply):
    key: Literal["small", "medium", "large", "bigmem", "gpu"]
    label: str
    description: str = Field(description="What the preset is good for")
    filters: CatalogQuery
    instance_type: str | None = Field(
        description="The suggested type; null when no allowed type with a known price matches",
    )


class InstanceType(Reply):
    name: str = Field(examples=["m5.2xlarge"])
    family: str = Field(examples=["m5"])
    vcpu: int
    memory_gib: float
    arch: list[Literal["x86_64", "arm64"]]
    gpu_count: int
    gpu_model: str | None = Field(examples=["NVIDIA T4"])
    gpu_memory_gib: float | None = Field(description="Memory of each GPU")
    local_nvme_gb: int | None
    network: str = Field(examples=["Up to 10 Gigabit"])
    burstable: bool
    price_per_hour: float | None = Field(
        description="On-demand USD per hour of one node; Databricks backend includes DBUs",
    )
    price_per_vcpu_hour: float | None
    price_per_gib_hour: float | None
    spot_price_per_hour: float | None = Field(description="Lowest zone; see spot")
    allowed: bool
    reason: str | None = Field(description="Why the admin's limits exclude it")


class Catalog(Reply):
    region: str
    backend: Backend
    prices: PriceSource
    spot: SpotSource
    total: int = Field(
        description="Types offered in the region (Databricks: and the workspace) before filtering",
    )
    count: int = Field(description="Types matching the query")
    workspace_node_types: bool = Field(
        description="Databricks: only the node types the configured workspace offers are listed",
    )
    limits: ComputeLimits
    presets: list[ComputePreset]
    types: list[InstanceType]


class EstimateItem(Reply):
    item: str
    rate_per_hour: float
    low: float
    high: float


class Estimate(Reply):
    currency: Literal["USD"]
    backend: Backend
    instance_type: str
    nodes: int = Field(description="Machines billed (Databricks - workers + driver)")
    hours_low: float
    hours_high: float
    low: float | None = Field(description="null when the price is unknown")
    high: float | None
    breakdown: list[EstimateItem]
    billing: str = Field(description="Billing rules applied (Linux per second, 60 s minimum)")
    excludes: list[str]
    prices: PriceSource
    allowed: bool
    reason: str | None


class EstimateBody(StrictModel):
    """``POST compute/estimate``: what to price. The ranges are checked by the estimate,
    which names the field in the UI's words."""

    backend: str | Absent = Field(
        None, json_schema_extra={"enum": ["ec2", "databricks"], "default": "ec2"}
    )
    instance_type: InstanceTypeName | Absent = None
    count: int | Absent = Field(
        None,
        description="Instances on EC2; workers on Databricks (the driver is added)",
        json_schema_extra={"minimum": 1, "maximum": 200, "default": 1},
    )
    hours_low: Finite | Absent = Field(
        None, json_schema_extra={"minimum": 0, "exclusiveMinimum": True}
    )
    hours_high: Finite | Absent = Field(
        None,
        description="Defaults to hours_low; at most max_runtime_hours",
    )
    ebs_gb: int | Absent = Field(
        None,
        description="Per node",
        json_schema_extra={"minimum": 0, "maximum": 16384, "default": 0},
    )
