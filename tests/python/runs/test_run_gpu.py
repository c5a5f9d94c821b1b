"""GPU runs boot the Deep Learning Base AMI, and the runner checks the GPU driver first."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from ucdh_jupyter.aws import AwsClients
from ucdh_jupyter.config import UcdhConfig
from ucdh_jupyter.demo.ec2 import LocalEc2Backend
from ucdh_jupyter.demo.instance import InstanceImage
from ucdh_jupyter.demo.localaws import LocalAws
from ucdh_jupyter.runs.ec2 import Ec2Backend
from ucdh_jupyter.runs.images import images_preview
from ucdh_jupyter.runs.model import FailureKind, RunState
from ucdh_jupyter.runs.records import RunRecords
from ucdh_jupyter.runs.service import RunService

from .conftest import RUNS_BUCKET
from .helpers import make_run, submit, wait_for

AL2023 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-{arch}"
DLAMI = (
    "/aws/service/deeplearning/ami/{arch}/base-oss-nvidia-driver-gpu-amazon-linux-2023/"
    "latest/ami-id"
)
SMI_OK = """#!/bin/sh
[ "$1" = "-L" ] || exit 64
echo "GPU 0: NVIDIA A10G (UUID: GPU-00000000-fake-0000-0000-000000000000)"
"""
SMI_NO_DRIVER = """#!/bin/sh
echo "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver." >&2
exit 9
"""


@pytest.fixture
def dlami(local_aws: LocalAws) -> dict[str, str]:
    """The Deep Learning Base AMI parameters the local AWS was seeded with (images other
    than Amazon Linux's): ``{arch: image id}``."""
    ssm = local_aws.client("ssm")
    chosen = {
        arch: ssm.get_parameter(Name=DLAMI.format(arch=arch))["Parameter"]["Value"]
        for arch in ("x86_64", "arm64")
    }
    plain = ssm.get_parameter(Name=AL2023.format(arch="x86_64"))["Parameter"]["Value"]
    assert plain not in chosen.values()
    return chosen


def _backend(config: UcdhConfig) -> Ec2Backend:
    aws = AwsClients(config)
    records = RunRecords(aws.client("s3"), RUNS_BUCKET, config.runs_prefix, None)
    return Ec2Backend(config, aws, records)


def _user_data(ec2: Any, instance_id: str) -> str:
    raw = ec2.describe_instance_attribute(InstanceId=instance_id, Attribute="userData")
    return base64.b64decode(raw["UserData"]["Value"]).decode()


def test_gpu_run_boots_the_deep_learning_ami_and_a_cpu_run_amazon_linux(
    run_config: UcdhConfig, dlami: dict[str, str], local_aws: LocalAws, ec2: Any
) -> None:
    backend = _backend(run_config)
    ssm = local_aws.client("ssm")
    gpu, graviton_gpu, cpu = (
        make_run(instance_type=name) for name in ("g5.xlarge", "g5g.xlarge", "t3.micro")
    )
    # When a g5.xlarge (x86_64, NVIDIA A10G) run is launched
    backend.launch(gpu, backend.plan(gpu))
    # Then RunInstances used the image the x86_64 DLAMI parameter names
    launched = ec2.describe_instances(InstanceIds=[gpu.instance_id])["Reservations"][0]
    assert launched["Instances"][0]["ImageId"] == dlami["x86_64"]
    # and its runner is told to check the driver of this type
    assert "export UCDH_GPU_INSTANCE_TYPE=g5.xlarge" in _user_data(ec2, str(gpu.instance_id))
    # and an arm64 GPU type (g5g) resolves the arm64 parameter
    assert backend.plan(graviton_gpu)["ImageId"] == dlami["arm64"]
    # and a type without GPUs boots Amazon Linux 2023, with no driver check
    plan = backend.plan(cpu)
    al2023 = ssm.get_parameter(Name=AL2023.format(arch="x86_64"))["Parameter"]["Value"]
    assert plan["ImageId"] == al2023
    assert "UCDH_GPU_INSTANCE_TYPE" not in plan["UserData"]
    backend.release(gpu)


def test_administrator_image_wins_for_gpu_types_too(
    run_settings: dict[str, Any], aws_env: dict[str, str], dlami: dict[str, str], ec2: Any
) -> None:
    # Given an administrator who pins one AMI for every run
    pinned = sorted(i["ImageId"] for i in ec2.describe_images(Owners=["amazon"])["Images"])[-1]
    run_settings.update(runs_ami_id=pinned)
    config = UcdhConfig(**run_settings)
    # When a GPU run is planned, Then it boots that AMI (and still checks its driver)
    plan = _backend(config).plan(make_run(instance_type="g5.xlarge"))
    assert plan["ImageId"] == pinned
    assert "UCDH_GPU_INSTANCE_TYPE=g5.xlarge" in plan["UserData"]
    # and the run dialog says so, without asking AWS
    assert images_preview(config)["gpu"] == {
        "name": "The administrator's image",
        "source": f"ami:{pinned}",
    }


def test_run_dialog_names_the_image_each_kind_of_type_boots(
    run_service: RunService, workspace: Path
) -> None:
    # Given the default settings, When the run dialog is prepared
    images = run_service.prepare("study/analysis.ipynb", workspace)["images"]
    # Then types without GPUs boot Amazon Linux 2023 and GPU types the DLAMI
    assert images["standard"] == {"name": "Amazon Linux 2023", "source": f"ssm:{AL2023}"}
    assert images["gpu"]["name"].startswith("Deep Learning Base AMI")
    assert images["gpu"]["source"] == f"ssm:{DLAMI}"


@pytest.fixture
def image(run_service: RunService) -> InstanceImage:
    """The image of the stand-in machines (its GPU driver tool is set per test)."""
    backend = run_service.backend("ec2")
    assert isinstance(backend, LocalEc2Backend)
    return backend.local.image


def test_gpu_run_logs_its_gpus_when_the_driver_works(
    run_service: RunService, workspace: Path, dlami: dict[str, str], image: InstanceImage
) -> None:
    # Given a machine whose driver sees one GPU
    image.nvidia_smi = SMI_OK
    # When a g5.xlarge run is submitted and followed to its end
    run = submit(
        run_service, workspace, "analysis.ipynb", instance_type="g5.xlarge", files=["data"]
    )
    run = wait_for(run_service, run.id, lambda r: r.final)
    # Then it succeeded and its log lists the GPU
    assert run.state is RunState.SUCCEEDED, run.failure_message
    assert "gpu: GPU 0: NVIDIA A10G" in run_service.read_log(run.id)


@pytest.mark.parametrize("driver", ["absent", "broken"])
def test_gpu_run_without_a_usable_driver_fails_with_a_clear_message(
    run_service: RunService,
    workspace: Path,
    dlami: dict[str, str],
    image: InstanceImage,
    driver: str,
) -> None:
    # Given a GPU machine with no nvidia-smi at all, or one that cannot reach the driver
    if driver == "broken":
        image.nvidia_smi = SMI_NO_DRIVER
    # When a g5.xlarge run is submitted
    run = submit(run_service, workspace, "analysis.ipynb", instance_type="g5.xlarge")
    run = wait_for(run_service, run.id, lambda r: r.final)
    # Then it failed as infrastructure, saying why, before the notebook ran
    assert run.state is RunState.FAILED
    assert run.failure_kind is FailureKind.INFRASTRUCTURE
    message = run.failure_message or ""
    assert message.startswith("This g5.xlarge has no usable GPU driver: ")
    if driver == "broken":
        assert "exited 9" in message and "couldn't communicate with the NVIDIA driver" in message
    else:
        assert "nvidia-smi could not run" in message
    assert run.progress.cell == 0
