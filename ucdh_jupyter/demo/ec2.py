"""The demo's EC2 backend: EC2 runs on the local AWS whose instances boot on this host.

A peer of the real backends, chosen through ``UcdhConfig.run_backends`` (its default in
``mode='local'``): the run core never asks whether it is in a demo. Everything is the
real :class:`~ucdh_jupyter.runs.ec2.Ec2Backend` (the instance is created in the local
AWS with the real user data, tags and backstop); this class only adds what moto lacks,
a machine that executes the user data (:class:`~.instance.LocalInstances`), and shuts
it down when its instance is terminated (cancel, reaper, backstop).
"""

from __future__ import annotations

from ..aws import AwsClients
from ..config import UcdhConfig
from ..runs.ec2 import Ec2Backend
from ..runs.model import Run
from ..runs.records import RunRecords
from .instance import LocalInstances


class LocalEc2Backend(Ec2Backend):
    """EC2 runs whose instances are stand-ins on this host (demo and tests)."""

    def __init__(self, config: UcdhConfig, aws: AwsClients, records: RunRecords) -> None:
        super().__init__(config, aws, records)
        self.local = LocalInstances(config, lambda: aws.client("ec2"))

    def booted(self, run: Run) -> None:
        """Boot the stand-in machine, as EC2 boots the instance it just created."""
        self.local.start(run, self.terminate)

    def terminate(self, instance_ids: list[str]) -> None:
        super().terminate(instance_ids)
        self.local.stop_instances(instance_ids)

    def release(self, run: Run) -> None:
        super().release(run)
        self.local.stop(run.id)  # also a machine whose instance was already gone
