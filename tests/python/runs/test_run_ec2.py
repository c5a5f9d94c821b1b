"""The RunInstances request carries every guardrail; refused or failed launches leave nothing."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path
from typing import Any

import pytest
from botocore.stub import Stubber

from ucdh_jupyter.aws import AwsClients
from ucdh_jupyter.config import UcdhConfig
from ucdh_jupyter.demo.localaws import DEMO_SECRET_KEY, LocalAws
from ucdh_jupyter.errors import UcdhError
from ucdh_jupyter.runs.ec2 import Ec2Backend
from ucdh_jupyter.runs.model import FailureKind, RunState, new_run_id
from ucdh_jupyter.runs.records import RunRecords
from ucdh_jupyter.runs.service import RunService

from .conftest import RUNS_BUCKET
from .helpers import instance as describe
from .helpers import make_run, submit

AL2023 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-{arch}"


@pytest.fixture
def network(local_aws: LocalAws, run_settings: dict[str, Any]) -> dict[str, str]:
    """An admin-configured subnet, security group and instance profile."""
    ec2, iam = local_aws.client("ec2"), local_aws.client("iam")
    subnet = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])
    subnet = subnet["Subnets"][0]
    suffix = new_run_id()[-8:].lower()
    group = ec2.create_security_group(
        GroupName=f"ucdh-runs-{suffix}", Description="egress only", VpcId=subnet["VpcId"]
    )["GroupId"]
    profile = f"ucdh-runner-{suffix}"
    iam.create_instance_profile(InstanceProfileName=profile)
    run_settings.update(
        runs_subnet_id=subnet["SubnetId"],
        runs_security_group_ids=[group],
        runs_instance_profile=profile,
    )
    return {"subnet": subnet["SubnetId"], "group": group, "profile": profile}


def test_run_instance_is_launched_with_every_guardrail(
    network: dict[str, str], run_config: UcdhConfig, ec2: Any, local_aws: LocalAws
) -> None:
    # Given the EC2 backend on its own (no local runner: only the launch is looked at)
    aws = AwsClients(run_config)
    records = RunRecords(aws.client("s3"), RUNS_BUCKET, run_config.runs_prefix, None)
    backend = Ec2Backend(run_config, aws, records)
    run = make_run(notebook_path="study/Secret cohort 2026.ipynb", instance_type="m5.large")
    # When the preflight passes and the run is launched
    plan = backend.plan(run)
    backend.preflight(run, plan)
    backend.launch(run, plan)
    assert run.instance_id
    instance = describe(ec2, run.instance_id)
    try:
        # Then user data arms the shutdown first, then fetches and starts the runner
        raw = ec2.describe_instance_attribute(InstanceId=run.instance_id, Attribute="userData")
        script = base64.b64decode(raw["UserData"]["Value"]).decode()
        commands = [line for line in script.splitlines()[1:] if not line.startswith("#")]
        assert script.startswith("#!/bin/bash\n")
        assert commands[0] == "shutdown -h +120"
        assert "input/runner.py" in script
        assert script.rstrip().endswith('"$RUN_HOME/venv/bin/python" "$RUN_HOME/runner.py"')
        assert len(script.encode()) < 16 * 1024
        assert DEMO_SECRET_KEY not in script and "AWS_SECRET" not in script
        syntax = subprocess.run(["bash", "-n"], input=script, text=True, capture_output=True)
        assert syntax.returncode == 0, syntax.stderr
        # and the machine terminates itself when it shuts down
        behaviour = ec2.describe_instance_attribute(
            InstanceId=run.instance_id, Attribute="instanceInitiatedShutdownBehavior"
        )
        assert behaviour["InstanceInitiatedShutdownBehavior"]["Value"] == "terminate"
        # and IMDSv2 is required, there is no public IP, the volume is encrypted
        assert instance["MetadataOptions"]["HttpTokens"] == "required"
        assert not instance.get("PublicIpAddress")
        assert not any(
            nic.get("Association", {}).get("PublicIp") for nic in instance["NetworkInterfaces"]
        )
        volumes = ec2.describe_volumes(
            Filters=[{"Name": "attachment.instance-id", "Values": [run.instance_id]}]
        )["Volumes"]
        assert volumes and all(volume["Encrypted"] for volume in volumes)
        # and the admin's subnet, security group and instance profile are used
        assert instance["SubnetId"] == network["subnet"]
        nic = instance["NetworkInterfaces"][0]
        assert [group["GroupId"] for group in nic["Groups"]] == [network["group"]]
        assert instance["IamInstanceProfile"]["Arn"].endswith(f"/{network['profile']}")
        # and the AMI is today's Amazon Linux 2023 from the SSM public parameter
        ssm = local_aws.client("ssm")
        expected = ssm.get_parameter(Name=AL2023.format(arch="x86_64"))["Parameter"]["Value"]
        assert instance["ImageId"] == expected
        # and the tags carry ids, owner and deadline, never the notebook's name
        tags = {tag["Key"]: tag["Value"] for tag in instance["Tags"]}
        assert tags["ucdh:run-id"] == run.id
        assert tags["ucdh:owner"] == "researcher"
        assert tags["ucdh:deadline"] == run.deadline
        assert tags["ucdh:managed"] == "true"
        assert not any("cohort" in value.lower() for value in tags.values())
        # and the run id was the idempotency token
        assert instance["ClientToken"] == run.id
    finally:
        backend.terminate([run.instance_id])


def test_arm_instance_types_boot_the_arm_image(run_config: UcdhConfig, local_aws: LocalAws) -> None:
    aws = AwsClients(run_config)
    records = RunRecords(aws.client("s3"), RUNS_BUCKET, run_config.runs_prefix, None)
    backend = Ec2Backend(run_config, aws, records)
    ssm = local_aws.client("ssm")
    arm = ssm.get_parameter(Name=AL2023.format(arch="arm64"))["Parameter"]["Value"]
    assert backend.image("t4g.micro") == arm


def _keys(s3: Any, prefix: str) -> list[str]:
    reply = s3.list_objects_v2(Bucket=RUNS_BUCKET, Prefix=prefix)
    return [item["Key"] for item in reply.get("Contents", [])]


def test_dry_run_denied_refuses_the_run_with_nothing_staged_or_launched(
    run_settings: dict[str, Any],
    network: dict[str, str],
    run_config: UcdhConfig,
    run_service: RunService,
    workspace: Path,
    s3: Any,
) -> None:
    # Given a role that may not launch instances (EC2 answers the DryRun with a denial)
    run_config.runs_ami_id = "ami-12345678"
    stubber = Stubber(run_service.aws.client("ec2"))
    # (the plan asks the type's GPUs: GPU types boot a GPU image and check their driver)
    t3 = {"InstanceType": "t3.micro", "ProcessorInfo": {"SupportedArchitectures": ["x86_64"]}}
    stubber.add_response("describe_instance_types", {"InstanceTypes": [t3]})
    stubber.add_client_error("describe_images", "InvalidAMIID.NotFound", http_status_code=400)
    stubber.add_client_error(
        "run_instances",
        "UnauthorizedOperation",
        "You are not authorized to perform this operation.",
        http_status_code=403,
    )
    # When the run is submitted
    with stubber, pytest.raises(UcdhError) as refused:
        submit(run_service, workspace, "analysis.ipynb")
    # Then it is refused as denied by AWS, and nothing was staged, recorded or launched
    assert refused.value.status == 403
    assert "RunInstances" in refused.value.message
    assert _keys(s3, run_config.runs_prefix) == []
    assert run_service.list_runs() == []


def test_failed_launch_leaves_a_failed_run_and_no_instance(
    run_settings: dict[str, Any], run_service: RunService, workspace: Path, ec2: Any
) -> None:
    # Given a subnet that does not exist (DryRun does not check it; the launch fails)
    run_service.config.runs_subnet_id = "subnet-0000000000000dead"
    run_id = new_run_id()
    # When the run is submitted
    with pytest.raises(UcdhError) as failed:
        submit(run_service, workspace, "analysis.ipynb", run_id=run_id)
    # Then the error reaches the user, the run is FAILED (infrastructure), no instance exists
    assert failed.value.status == 400
    run = run_service.get(run_id)
    assert run.state is RunState.FAILED
    assert run.failure_kind is FailureKind.INFRASTRUCTURE
    found = ec2.describe_instances(Filters=[{"Name": "tag:ucdh:run-id", "Values": [run_id]}])
    assert found["Reservations"] == []
