"""One EC2 instance type as the picker shows it, parsed from ``describe_instance_types``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# A notebook runs on these; Mac types (Dedicated Hosts only) and i386 are left out.
RUNNABLE_ARCHES = ("x86_64", "arm64")


@dataclass(frozen=True)
class InstanceSpec:
    """What a researcher needs to know about an instance type, apart from its price."""

    name: str
    family: str
    vcpu: int
    memory_gib: float
    arch: tuple[str, ...]
    gpu_count: int
    gpu_model: str | None
    gpu_memory_gib: float | None
    local_nvme_gb: int | None
    network: str
    burstable: bool

    def to_json(self) -> dict[str, Any]:
        """The JSON fields of a catalog row that do not depend on prices or limits."""
        return {
            "name": self.name,
            "family": self.family,
            "vcpu": self.vcpu,
            "memory_gib": self.memory_gib,
            "arch": list(self.arch),
            "gpu_count": self.gpu_count,
            "gpu_model": self.gpu_model,
            "gpu_memory_gib": self.gpu_memory_gib,
            "local_nvme_gb": self.local_nvme_gb,
            "network": self.network,
            "burstable": self.burstable,
        }

    def natural_key(self) -> tuple[str, int, float, str]:
        """Family first, then size: m5.large before m5.xlarge before m5.2xlarge."""
        return (self.family, self.vcpu, self.memory_gib, self.name)


def family_of(name: str) -> str:
    """``m5.2xlarge`` → ``m5``; ``u7i-12tb.224xlarge`` → ``u7i-12tb``."""
    return name.split(".", 1)[0]


def parse_instance_type(item: dict[str, Any]) -> InstanceSpec | None:
    """The spec of one ``InstanceTypes`` entry, or None when a notebook cannot run on it.

    Left out: types with no on-demand usage class (capacity blocks only) and types with
    no x86_64/arm64 processor (Mac instances need a Dedicated Host).
    """
    if "on-demand" not in item.get("SupportedUsageClasses", ["on-demand"]):
        return None
    arches = item.get("ProcessorInfo", {}).get("SupportedArchitectures", [])
    arch = tuple(a for a in RUNNABLE_ARCHES if a in arches)
    if not arch:
        return None
    name = str(item["InstanceType"])
    gpus = item.get("GpuInfo", {}).get("Gpus", [])
    gpu_count = sum(int(g.get("Count", 0)) for g in gpus)
    first = gpus[0] if gpus else {}
    gpu_model = " ".join(p for p in (first.get("Manufacturer"), first.get("Name")) if p) or None
    gpu_mib = first.get("MemoryInfo", {}).get("SizeInMiB")
    storage = item.get("InstanceStorageInfo") or {}
    nvme_gb = storage.get("TotalSizeInGB")
    if storage.get("NvmeSupport") not in ("required", "supported"):
        nvme_gb = None
    return InstanceSpec(
        name=name,
        family=family_of(name),
        vcpu=int(item.get("VCpuInfo", {}).get("DefaultVCpus", 0)),
        memory_gib=round(int(item.get("MemoryInfo", {}).get("SizeInMiB", 0)) / 1024, 3),
        arch=arch,
        gpu_count=gpu_count,
        gpu_model=gpu_model if gpu_count else None,
        gpu_memory_gib=round(gpu_mib / 1024, 3) if gpu_count and gpu_mib else None,
        local_nvme_gb=int(nvme_gb) if nvme_gb else None,
        network=str(item.get("NetworkInfo", {}).get("NetworkPerformance", "")),
        burstable=bool(item.get("BurstablePerformanceSupported", False)),
    )
