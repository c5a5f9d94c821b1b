"""The EC2 backend: one fresh instance per run, which exists only while the notebook runs.

Guardrails, every one set in the single RunInstances call: ``ClientToken`` = run id
(a double submit launches once), ``InstanceInitiatedShutdownBehavior=terminate``,
user data that arms ``shutdown -h +MAX`` first, IMDSv2 required, no public IP,
encrypted EBS, and the ``ucdh:*`` tags (no PHI, no notebook names) that the reaper
and the rebuild after a restart rely on. A DryRun preflight comes first. Right after
RunInstances, an EventBridge Scheduler backstop is armed (:mod:`.backstop`); if that
fails the instance is terminated and the run fails: no machine runs unguarded.
GPU types boot the Deep Learning Base AMI and check their driver (:mod:`.images`).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from ..aws import AwsClients
from ..config import UcdhConfig
from ..errors import UcdhError
from . import runner as protocol
from .backend import (
    MACHINE_ABSENT,
    MACHINE_GONE,
    MACHINE_PENDING,
    MACHINE_RUNNING,
    TAG_DEADLINE,
    TAG_MANAGED,
    TAG_OWNER,
    TAG_RUN_ID,
    BackendParts,
    Observation,
)
from .backstop import Backstop
from .images import MachineType, image_parameter, machine_type
from .lookups import remembered
from .model import MINIMUM_BILLED_SECONDS, RUN_ID_PATTERN, Run, RunState, iso, parse_iso
from .records import RunRecords
from .userdata import user_data
from .wheels import WheelCache, package_source

log = logging.getLogger(__name__)

LIVE_STATES = ("pending", "running", "stopping", "stopped", "shutting-down")
_MACHINE = {
    "pending": MACHINE_PENDING,
    "running": MACHINE_RUNNING,
}
DEFAULT_ROOT_DEVICE = "/dev/xvda"


def not_configured(setting: str, what: str) -> UcdhError:
    """A 400 naming the admin setting that runs need."""
    return UcdhError(
        400,
        "runs_not_configured",
        f"Runs on EC2 need {what}, and none is configured.",
        f"Ask your administrator to set UcdhConfig.{setting}.",
    )


def tag_value(instance: dict[str, Any], key: str) -> str | None:
    """The value of one tag of a DescribeInstances item."""
    for tag in instance.get("Tags", []):
        if tag.get("Key") == key:
            return str(tag.get("Value"))
    return None


class Ec2Backend:
    """Plans, launches, observes and terminates run instances."""

    name = "ec2"
    # Linux EC2 bills at least 60 s per instance, and the instance's own power-off
    # (``shutdown -h +MINUTES``) counts in whole minutes: one minute is the least that
    # means what it says.
    min_max_hours = MINIMUM_BILLED_SECONDS / 3600

    def __init__(self, config: UcdhConfig, aws: AwsClients, records: RunRecords) -> None:
        self.config = config
        self.aws = aws
        self.records = records
        self.backstop = Backstop(config, aws)
        self.wheels = WheelCache(config, records)
        self._types: dict[str, MachineType] = {}

    @classmethod
    def create(cls, parts: BackendParts) -> Ec2Backend:
        return cls(parts.config, parts.aws, parts.records())

    @classmethod
    def unavailable(cls, parts: BackendParts) -> UcdhError | None:
        return None  # the runs bucket is checked when it is built

    @property
    def ec2(self) -> Any:
        """The EC2 client."""
        return self.aws.client("ec2")

    # -- planning -----------------------------------------------------------

    def tags(self, run: Run) -> list[dict[str, str]]:
        """The run's tags: ids, owner and deadline only, never what the notebook is about."""
        return [
            {"Key": "Name", "Value": f"ucdh-run-{run.id}"},
            {"Key": TAG_RUN_ID, "Value": run.id},
            {"Key": TAG_OWNER, "Value": run.owner[:256]},
            {"Key": TAG_DEADLINE, "Value": run.deadline},
            {"Key": TAG_MANAGED, "Value": "true"},
        ]

    def machine_type(self, instance_type: str) -> MachineType:
        """The type's architecture and GPU count (described once per type)."""
        known = self._types.get(instance_type)
        if known is None:
            reply = self.ec2.describe_instance_types(InstanceTypes=[instance_type])
            known = self._types[instance_type] = machine_type(reply["InstanceTypes"][0])
        return known

    def architecture(self, instance_type: str) -> str:
        """``x86_64`` or ``arm64``: which AMI flavour the type boots."""
        return self.machine_type(instance_type).architecture

    @remembered()  # the AMI a parameter names changes every few weeks, not per submit
    def image(self, instance_type: str) -> str:
        """The configured AMI, else the one the SSM public parameter names today (the
        Deep Learning Base AMI for GPU types, Amazon Linux 2023 for the others)."""
        if self.config.runs_ami_id:
            return str(self.config.runs_ami_id)
        kind = self.machine_type(instance_type)
        name = image_parameter(self.config, kind.gpus).format(arch=kind.architecture)
        return str(self.aws.client("ssm").get_parameter(Name=name)["Parameter"]["Value"])

    def gpu_type(self, run: Run) -> str | None:
        """The run's instance type when it has GPUs (the runner then checks the driver)."""
        return run.instance_type if self.machine_type(run.instance_type).gpus else None

    def root_device(self, image_id: str) -> str:
        """The AMI's root device name, which the encrypted volume mapping must use."""
        try:
            images = self.ec2.describe_images(ImageIds=[image_id])["Images"]
        except Exception as exc:
            log.info("ucdh-jupyter: root device of %s unknown (%s)", image_id, exc)
            return DEFAULT_ROOT_DEVICE
        found = images[0].get("RootDeviceName") if images else None
        return str(found or DEFAULT_ROOT_DEVICE)

    @remembered()  # the default VPC's subnets do not change between submits
    def subnet(self) -> str:
        """The configured subnet, else a default-VPC subnet, else a 400."""
        if self.config.runs_subnet_id:
            return str(self.config.runs_subnet_id)
        subnets = self.ec2.describe_subnets(
            Filters=[{"Name": "default-for-az", "Values": ["true"]}]
        )["Subnets"]
        if not subnets:
            raise not_configured("runs_subnet_id", "a subnet")
        return str(sorted(subnets, key=lambda subnet: subnet["SubnetId"])[0]["SubnetId"])

    def plan(self, run: Run) -> dict[str, Any]:
        """The complete RunInstances request for ``run``."""
        profile = self.config.runs_instance_profile
        if not profile and self.config.mode == "aws":
            raise not_configured("runs_instance_profile", "an instance profile")
        self.backstop.role_arn()  # no backstop role in 'aws' mode: refused before anything
        gpu_type = self.gpu_type(run)
        image = self.image(run.instance_type)
        interface: dict[str, Any] = {
            "DeviceIndex": 0,
            "SubnetId": self.subnet(),
            "AssociatePublicIpAddress": False,
            "DeleteOnTermination": True,
        }
        if self.config.runs_security_group_ids:
            interface["Groups"] = list(self.config.runs_security_group_ids)
        tags = self.tags(run)
        request: dict[str, Any] = {
            "ImageId": image,
            "InstanceType": run.instance_type,
            "MinCount": 1,
            "MaxCount": 1,
            "ClientToken": run.id,
            "InstanceInitiatedShutdownBehavior": "terminate",
            "MetadataOptions": {
                "HttpTokens": "required",
                "HttpEndpoint": "enabled",
                "HttpPutResponseHopLimit": 1,
            },
            "NetworkInterfaces": [interface],
            "BlockDeviceMappings": [
                {
                    "DeviceName": self.root_device(image),
                    "Ebs": {
                        "Encrypted": True,
                        "VolumeSize": int(self.config.runs_volume_gb),
                        "VolumeType": "gp3",
                        "DeleteOnTermination": True,
                    },
                }
            ],
            "UserData": user_data(
                run,
                self.records.location(run.id),
                self.config,
                self.aws.region,
                gpu_type=gpu_type,
            ),
            "TagSpecifications": [
                {"ResourceType": "instance", "Tags": tags},
                {"ResourceType": "volume", "Tags": tags},
            ],
        }
        if profile:
            key = "Arn" if profile.startswith("arn:") else "Name"
            request["IamInstanceProfile"] = {key: profile}
        return request

    def preflight(self, run: Run, plan: dict[str, Any]) -> None:
        """RunInstances with DryRun: ``DryRunOperation`` means it would be allowed."""
        from botocore.exceptions import ClientError

        try:
            reply = self.ec2.run_instances(DryRun=True, **plan)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "DryRunOperation":
                return
            raise
        # A DryRun never launches; if an endpoint ignored the flag, undo it at once.
        launched = [item["InstanceId"] for item in reply.get("Instances", [])]
        if launched:
            self.terminate(launched)
        raise UcdhError(502, "dry_run_ignored", "The EC2 endpoint ignored DryRun.", "")

    # -- life ---------------------------------------------------------------

    def instances_of(self, run_id: str) -> list[dict[str, Any]]:
        """Every instance tagged with this run id, any state."""
        pages = self.ec2.get_paginator("describe_instances").paginate(
            Filters=[{"Name": f"tag:{TAG_RUN_ID}", "Values": [run_id]}]
        )
        return [
            instance
            for page in pages
            for reservation in page["Reservations"]
            for instance in reservation["Instances"]
        ]

    def launch(self, run: Run, plan: dict[str, Any]) -> None:
        """RunInstances, unless an instance of this run already exists."""
        existing = self.instances_of(run.id)
        instance = existing[0] if existing else self.ec2.run_instances(**plan)["Instances"][0]
        run.instance_id = instance["InstanceId"]
        run.started_at = iso(instance.get("LaunchTime"))
        try:
            self.backstop.arm(run, [instance["InstanceId"]])
        except Exception:
            # An instance without its AWS-side backstop is not left running: the run
            # fails (infrastructure) with the scheduler's error, and nothing is billed on.
            log.warning("ucdh-jupyter: backstop of run %s not created; terminating", run.id)
            self.terminate([instance["InstanceId"]])
            raise
        if existing:
            return
        if package_source(self.config)["kind"] == "wheel_cache":
            self.wheels.fill_for(run, self.architecture(run.instance_type))
        try:
            self.booted(run)
        except Exception:
            self.terminate([instance["InstanceId"]])
            raise

    def booted(self, run: Run) -> None:
        """The run's new instance was created; EC2 boots it (the demo's backend boots a
        stand-in here, :class:`ucdh_jupyter.demo.ec2.LocalEc2Backend`)."""

    def _instance(self, run: Run) -> dict[str, Any] | None:
        if run.instance_id:
            reply = self.ec2.describe_instances(InstanceIds=[run.instance_id])
            found = [i for r in reply["Reservations"] for i in r["Instances"]]
        else:
            found = self.instances_of(run.id)
        if found and not run.instance_id:
            run.instance_id = found[0]["InstanceId"]
        return found[0] if found else None

    def observe(self, run: Run) -> Observation:
        """The instance's state, then the runner's status (in that order, so a status
        written just before the machine went away is always seen)."""
        instance = self._instance(run)
        if instance is None:
            return Observation(MACHINE_ABSENT, self.records.status(run.id))
        machine = _MACHINE.get(instance["State"]["Name"], MACHINE_GONE)
        return Observation(machine, self.records.status(run.id), iso(instance.get("LaunchTime")))

    def request_cancel(self, run: Run) -> None:
        """Leave the cancel flag that the runner checks at every heartbeat."""
        self.records.request_cancel(run.id)

    def release(self, run: Run) -> None:
        """Terminate the run's instance(s) that still exist, and delete its backstop."""
        live = [
            item["InstanceId"]
            for item in self.instances_of(run.id)
            if item["State"]["Name"] in LIVE_STATES
        ]
        if live:
            self.terminate(live)
        # Nothing left to guard: the schedule goes. Should that fail, it fires later on
        # a terminated instance, which is harmless: the release itself still holds.
        try:
            self.backstop.disarm(run)
        except Exception as exc:
            log.warning("ucdh-jupyter: backstop of run %s not deleted (%s)", run.id, exc)

    def terminate(self, instance_ids: list[str]) -> None:
        """TerminateInstances; an instance already gone is no error."""
        from botocore.exceptions import ClientError

        try:
            self.ec2.terminate_instances(InstanceIds=instance_ids)
        except ClientError as exc:
            # Two terminations racing (the runner's end and a cancel, say): one loses.
            if not str(exc.response.get("Error", {}).get("Code", "")).endswith(".NotFound"):
                raise
            if len(instance_ids) > 1:
                # One missing id fails the whole call: the others must still go.
                for instance_id in instance_ids:
                    self.terminate([instance_id])
                return
        log.info("ucdh-jupyter: terminated %s", ", ".join(instance_ids))

    # -- recovery -----------------------------------------------------------

    def managed_instances(self, live_only: bool = True) -> list[dict[str, Any]]:
        """Every instance this extension launched (tag ``ucdh:managed=true``)."""
        filters = [{"Name": f"tag:{TAG_MANAGED}", "Values": ["true"]}]
        if live_only:
            filters.append({"Name": "instance-state-name", "Values": list(LIVE_STATES)})
        pages = self.ec2.get_paginator("describe_instances").paginate(Filters=filters)
        return [i for page in pages for r in page["Reservations"] for i in r["Instances"]]

    def run_from_tags(self, instance: dict[str, Any]) -> Run | None:
        """A run rebuilt from an instance's tags alone (its record was never written)."""
        run_id = tag_value(instance, TAG_RUN_ID)
        deadline = parse_iso(tag_value(instance, TAG_DEADLINE))
        launched: datetime | None = instance.get("LaunchTime")
        if not run_id or not RUN_ID_PATTERN.fullmatch(run_id) or not deadline or not launched:
            return None
        location = self.records.location(run_id)
        return Run(
            id=run_id,
            backend=self.name,
            owner=tag_value(instance, TAG_OWNER) or "",
            notebook_path="",
            instance_type=instance.get("InstanceType", ""),
            max_hours=round((deadline - launched).total_seconds() / 3600, 3),
            created_at=str(iso(launched)),
            deadline=str(iso(deadline)),
            state=RunState.SUBMITTED,
            instance_id=instance["InstanceId"],
            started_at=iso(launched),
            bucket=location.bucket,
            prefix=location.prefix,
        )

    def adopt(self, recorded: dict[str, Run]) -> list[Run]:
        """Fill missing instance ids of recorded runs; return live runs known only by tags
        (staged under this runs prefix, but whose record was never written)."""
        adopted: list[Run] = []
        for instance in self.managed_instances(live_only=False):
            run_id = tag_value(instance, TAG_RUN_ID)
            known = recorded.get(str(run_id))
            if known is not None:
                known.instance_id = known.instance_id or instance["InstanceId"]
            elif instance["State"]["Name"] in LIVE_STATES:
                run = self.run_from_tags(instance)
                # Other servers' instances share the account: only runs staged here count.
                if run is not None and self.records.exists(run.id, protocol.MANIFEST_KEY):
                    adopted.append(run)
        return adopted
