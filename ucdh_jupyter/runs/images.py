"""Which AMI a run's machine boots: Amazon Linux 2023, or for GPU types the AWS Deep
Learning Base AMI, whose NVIDIA driver the plain image lacks (a ``g5.xlarge`` on AL2023
pays for a GPU it cannot use).

Both come from AWS's public SSM parameters, by architecture, so a run always boots the
latest patched image without the administrator tracking AMI ids; ``runs_ami_id`` pins
one image for every type instead. The run dialog is told which image without any AWS
call (:func:`images_preview`): names and parameter paths are known from the config, and
the id is resolved at submit, when RunInstances needs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..config import UcdhConfig

# The defaults' names, as the AWS console shows them.
KNOWN_IMAGES = {
    "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-{arch}": "Amazon Linux 2023",
    "/aws/service/deeplearning/ami/{arch}/base-oss-nvidia-driver-gpu-amazon-linux-2023/"
    "latest/ami-id": "Deep Learning Base AMI with NVIDIA driver (Amazon Linux 2023)",
}


@dataclass(frozen=True)
class MachineType:
    """What the image choice needs to know of an instance type."""

    name: str
    architecture: str  # x86_64 or arm64
    gpus: int


def machine_type(described: dict[str, Any]) -> MachineType:
    """A :class:`MachineType` from one item of ``DescribeInstanceTypes``."""
    arches = described["ProcessorInfo"]["SupportedArchitectures"]
    gpus = sum(int(gpu.get("Count", 0)) for gpu in described.get("GpuInfo", {}).get("Gpus", []))
    return MachineType(
        name=str(described["InstanceType"]),
        architecture="x86_64" if "x86_64" in arches else "arm64",
        gpus=gpus,
    )


def image_parameter(config: UcdhConfig, gpus: int) -> str:
    """The SSM parameter (with ``{arch}``) naming the image of a type with ``gpus`` GPUs."""
    if gpus > 0:
        return str(config.runs_gpu_ami_ssm_parameter)
    return str(config.runs_ami_ssm_parameter)


def image_description(config: UcdhConfig, gpus: int) -> dict[str, str]:
    """``{"name", "source"}`` of the image a type with ``gpus`` GPUs boots (no AWS call)."""
    if config.runs_ami_id:
        return {"name": "The administrator's image", "source": f"ami:{config.runs_ami_id}"}
    parameter = image_parameter(config, gpus)
    name = KNOWN_IMAGES.get(parameter, "The image the administrator's SSM parameter names")
    return {"name": name, "source": f"ssm:{parameter}"}


def images_preview(config: UcdhConfig) -> dict[str, dict[str, str]]:
    """What the run dialog shows: the image of types without GPUs and of GPU types."""
    return {"standard": image_description(config, 0), "gpu": image_description(config, 1)}
