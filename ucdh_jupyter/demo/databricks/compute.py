"""What the stand-in's "cloud" offers: Databricks runtimes and AWS node types.

Node types carry real AWS sizes (vCPUs, memory, local NVMe disks) so cost estimates and
the SDK's node selection behave as on a real AWS workspace.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .errors import invalid

SPARK_VERSIONS = [
    ("17.0.x-scala2.13", "17.0 (includes Apache Spark 4.0.0, Scala 2.13)"),
    ("16.4.x-scala2.13", "16.4 LTS (includes Apache Spark 3.5.2, Scala 2.13)"),
    ("16.2.x-scala2.12", "16.2 (includes Apache Spark 3.5.2, Scala 2.12)"),
    ("15.4.x-scala2.12", "15.4 LTS (includes Apache Spark 3.5.0, Scala 2.12)"),
    ("15.4.x-cpu-ml-scala2.12", "15.4 LTS ML (includes Apache Spark 3.5.0, Scala 2.12)"),
    ("15.4.x-gpu-ml-scala2.12", "15.4 LTS ML (includes Apache Spark 3.5.0, GPU, Scala 2.12)"),
    ("15.4.x-photon-scala2.12", "15.4 LTS Photon (includes Apache Spark 3.5.0, Scala 2.12)"),
    ("14.3.x-scala2.12", "14.3 LTS (includes Apache Spark 3.5.0, Scala 2.12)"),
    ("13.3.x-scala2.12", "13.3 LTS (includes Apache Spark 3.4.1, Scala 2.12)"),
]

# (instance type, vCPUs, memory GiB, category, local NVMe disks x GB, GPUs), from AWS' specs.
_AWS_TYPES = [
    ("m5d.large", 2, 8, "General Purpose", (1, 75), 0),
    ("m5d.xlarge", 4, 16, "General Purpose", (1, 150), 0),
    ("m5d.2xlarge", 8, 32, "General Purpose", (1, 300), 0),
    ("m5.xlarge", 4, 16, "General Purpose", (0, 0), 0),
    ("m5.2xlarge", 8, 32, "General Purpose", (0, 0), 0),
    ("i3.xlarge", 4, 30.5, "Storage Optimized", (1, 950), 0),
    ("i3.2xlarge", 8, 61, "Storage Optimized", (1, 1900), 0),
    ("r5d.xlarge", 4, 32, "Memory Optimized", (1, 150), 0),
    ("c5d.xlarge", 4, 8, "Compute Optimized", (1, 100), 0),
    ("g4dn.xlarge", 4, 16, "GPU Accelerated", (1, 125), 1),
    ("r5.large", 2, 16, "Memory Optimized", (0, 0), 0),
]


def node_type(
    instance_type: str,
    vcpus: float,
    memory_gib: float,
    category: str = "General Purpose",
    nvme: tuple[int, int] = (0, 0),
    gpus: int = 0,
) -> dict[str, Any]:
    """A ``NodeType`` as list-node-types returns it (on AWS the id is the instance type)."""
    disks, disk_gb = nvme
    spec: dict[str, Any] = {
        "node_type_id": instance_type,
        "instance_type_id": instance_type,
        "memory_mb": int(memory_gib * 1024),
        "num_cores": float(vcpus),
        "description": instance_type,
        "category": category,
        "is_io_cache_enabled": disks > 0,
        "support_ebs_volumes": True,
        "support_cluster_tags": True,
        "node_instance_type": {
            "instance_type_id": instance_type,
            "local_nvme_disks": disks,
            "local_nvme_disk_size_gb": disk_gb,
        },
    }
    if gpus:
        spec["num_gpus"] = gpus
    return spec


DEFAULT_NODE_TYPES = [node_type(*spec) for spec in _AWS_TYPES]


class Compute:
    """The runtimes and node types on offer, and the check of a job's ``new_cluster``."""

    def __init__(self, node_types: Iterable[dict[str, Any]] | None = None) -> None:
        self.node_types = list(node_types if node_types is not None else DEFAULT_NODE_TYPES)
        self._node_ids = {spec["node_type_id"] for spec in self.node_types}

    def spark_versions(self) -> dict[str, Any]:
        """The ``GetSparkVersionsResponse``."""
        return {"versions": [{"key": key, "name": name} for key, name in SPARK_VERSIONS]}

    def list_node_types(self) -> dict[str, Any]:
        """The ``ListNodeTypesResponse``."""
        return {"node_types": self.node_types}

    def check_new_cluster(self, cluster: Any) -> None:
        """400 for what Databricks refuses at submit: an unknown runtime or node type."""
        if not isinstance(cluster, dict):
            raise invalid("new_cluster must be an object.")
        version = cluster.get("spark_version")
        if not version:
            raise invalid("Missing required field: new_cluster.spark_version.")
        if version not in dict(SPARK_VERSIONS):
            raise invalid(f"Invalid spark version {version}.")
        for field in ("node_type_id", "driver_node_type_id"):
            value = cluster.get(field)
            if value is None and field == "node_type_id":
                raise invalid("Missing required field: new_cluster.node_type_id.")
            if value is not None and value not in self._node_ids:
                raise invalid(f"Node type {value} is not supported.")
