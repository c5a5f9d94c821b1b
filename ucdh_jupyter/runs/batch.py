"""The AWS Batch backend: a parameter sweep of the EC2 family as one array job (a child
per row), or one plain job (a sweep of one, a scheduled run).

Batch runs what the administrator set up (``runs_batch_job_queue`` on a compute
environment in private subnets, ``runs_batch_job_definition``); each job only overrides
the command, the environment and the resources, in one SubmitJob call:

- ``jobName`` ``ucdh-sweep-<id>`` and the ``ucdh:*`` tags (propagated to the tasks):
  ids and owner only, never a notebook name or a parameter value;
- ``timeout.attemptDurationSeconds`` = the per-child max runtime (Batch's own floor,
  60 s): AWS stops a child that overruns, whether or not Jupyter is running;
- the command is a short ``bash -c`` that fetches ``input/boot.sh`` (staged here beside
  the runner), checks it against the SHA-256 pinned in the environment and executes it:
  the container overrides are limited to a few KiB, too little for the boot script
  itself; the pin keeps its guarantee that nothing changed in S3 after submit runs;
- the environment is the boot script's settings (:func:`.userdata.batch_environment`):
  bucket, prefix, checksums; no credential (the job role) and no parameter value (each
  child reads its row from ``input/sweep.json``).

What each child did is read from its ``children/NNNNN/status.json``, which the runner
writes last: Batch's own view gives whether a child is queued, running or over, not how
its notebook ended (Batch reports no exit code worth trusting there, and an array
parent's status only once every child is over).
"""

from __future__ import annotations

import json
import logging
import math
from datetime import datetime, timezone
from typing import Any

from ..aws import AwsClients
from ..compute.catalog import region_catalog
from ..config import UcdhConfig
from ..errors import UcdhError, bad_request
from . import runner as protocol
from . import sweep
from .backend import (
    MACHINE_ABSENT,
    MACHINE_GONE,
    MACHINE_PENDING,
    MACHINE_RUNNING,
    TAG_MANAGED,
    TAG_OWNER,
    TAG_RUN_ID,
    BackendParts,
    Observation,
)
from .model import MINIMUM_BILLED_SECONDS, Run, iso
from .records import RunRecords
from .userdata import batch_environment, boot_script
from .wheels import WheelCache, package_source

log = logging.getLogger(__name__)

# AWS Batch's shortest attempt timeout.
MIN_ATTEMPT_SECONDS = 60
# Job states before the container runs, and after.
_WAITING = ("SUBMITTED", "PENDING", "RUNNABLE", "STARTING")
_OVER = ("SUCCEEDED", "FAILED")
_PHASES = {
    "succeeded": sweep.SUCCEEDED,
    "failed": sweep.FAILED,
    "cancelled": sweep.CANCELLED,
}
# The job's command: fetch the boot script, check its pinned checksum, execute it.
ENTRY = (
    'set -eu; boot="$(mktemp)"; '
    'aws s3 cp "$UCDH_BOOT_URI" "$boot" --only-show-errors; '
    'if ! echo "$UCDH_BOOT_SHA256  $boot" | sha256sum -c --status -; then '
    'echo "ucdh-jupyter: input/boot.sh does not match the checksum pinned at submit;'
    ' none of it was executed" >&2; exit 2; fi; '
    'exec bash "$boot"'
)
RELEASE_REASON = "ucdh-jupyter: the run was released (ended, cancelled or expired)"
TIMEOUT_MESSAGE = "The child reached its max runtime and AWS Batch stopped it."
LOST_MESSAGE = (
    "AWS Batch ended the child before its notebook reported (the job's log stream and "
    "the child's bootstrap.log have the details)."
)


def not_configured(setting: str, what: str) -> UcdhError:
    """A 400 naming the admin setting (or resource) sweeps need."""
    return UcdhError(
        400,
        "runs_not_configured",
        f"Sweeps on EC2 run as AWS Batch jobs and need {what}.",
        f"Ask your administrator to check UcdhConfig.{setting}.",
    )


def _iso_ms(value: Any) -> str | None:
    """Batch's epoch milliseconds as ISO 8601 UTC."""
    if not value:
        return None
    return iso(datetime.fromtimestamp(int(value) / 1000, tz=timezone.utc))


def child_index(job_id: str) -> int:
    """``<parent>:<i>`` → i; a plain job is child 0."""
    _, colon, index = job_id.rpartition(":")
    return int(index) if colon and index.isdigit() else 0


class BatchBackend:
    """Submits, follows and terminates a run's AWS Batch job."""

    name = "batch"
    # A child is billed at least a minute, and Batch's timeout is at least one.
    min_max_hours = MINIMUM_BILLED_SECONDS / 3600

    def __init__(self, config: UcdhConfig, aws: AwsClients, records: RunRecords) -> None:
        self.config = config
        self.aws = aws
        self.records = records
        self.wheels = WheelCache(config, records)

    @classmethod
    def create(cls, parts: BackendParts) -> BatchBackend:
        return cls(parts.config, parts.aws, parts.records())

    @classmethod
    def unavailable(cls, parts: BackendParts) -> UcdhError | None:
        if not parts.config.runs_batch_job_queue:
            return not_configured("runs_batch_job_queue", "a job queue")
        if not parts.config.runs_batch_job_definition:
            return not_configured("runs_batch_job_definition", "a job definition")
        return None

    @property
    def batch(self) -> Any:
        """The Batch client."""
        return self.aws.client("batch")

    @property
    def queue(self) -> str:
        return str(self.config.runs_batch_job_queue)

    @property
    def definition(self) -> str:
        return str(self.config.runs_batch_job_definition)

    # -- planning -----------------------------------------------------------

    @staticmethod
    def job_name(run: Run) -> str:
        """Ids only: the name shows in the console, in events and in mails."""
        kind = "sweep" if run.kind == "sweep" else "run"
        return f"ucdh-{kind}-{run.id}"

    @staticmethod
    def max_seconds(run: Run) -> int:
        """The per-child max runtime in seconds."""
        return max(1, math.ceil(run.max_hours * 3600))

    def resources(self, run: Run) -> list[dict[str, str]]:
        """The chosen instance type's vCPUs, memory and GPUs, as each child's share."""
        catalog = region_catalog(
            lambda: self.aws.client("ec2"), self.aws.region, self.config.endpoint_url
        )
        spec = catalog.by_name.get(run.instance_type)
        if spec is None:
            raise bad_request(
                f"The instance type {run.instance_type} is not offered in {self.aws.region}.",
                "Choose another machine.",
            )
        needs = [
            {"type": "VCPU", "value": str(spec.vcpu)},
            {"type": "MEMORY", "value": str(int(spec.memory_gib * 1024))},
        ]
        if spec.gpu_count:
            needs.append({"type": "GPU", "value": str(spec.gpu_count)})
        return needs

    def plan(self, run: Run) -> dict[str, Any]:
        """The complete SubmitJob request for ``run``."""
        max_seconds = self.max_seconds(run)
        location = self.records.location(run.id)
        env = batch_environment(run, location, self.config, max_seconds, sweep=run.kind == "sweep")
        request: dict[str, Any] = {
            "jobName": self.job_name(run),
            "jobQueue": self.queue,
            "jobDefinition": self.definition,
            "timeout": {"attemptDurationSeconds": max(MIN_ATTEMPT_SECONDS, max_seconds)},
            "tags": {
                TAG_MANAGED: "true",
                TAG_OWNER: run.owner[:256],
                TAG_RUN_ID: run.id,
            },
            "propagateTags": True,
            "containerOverrides": {
                "command": ["bash", "-c", ENTRY],
                "environment": [{"name": k, "value": v} for k, v in sorted(env.items())],
                "resourceRequirements": self.resources(run),
            },
        }
        if run.size >= 2:
            request["arrayProperties"] = {"size": run.size}
        return request

    def preflight(self, run: Run, plan: dict[str, Any]) -> None:
        """The queue is enabled, its compute environments too, and the job definition
        is active and gives no public IP; a 400 naming what is wrong otherwise."""
        queues = self.batch.describe_job_queues(jobQueues=[self.queue])["jobQueues"]
        if not queues:
            raise not_configured("runs_batch_job_queue", f"the job queue {self.queue}")
        queue = queues[0]
        if queue.get("state") != "ENABLED":
            raise not_configured(
                "runs_batch_job_queue", f"the job queue {self.queue} enabled (it is disabled)"
            )
        environments = [o["computeEnvironment"] for o in queue["computeEnvironmentOrder"]]
        described = self.batch.describe_compute_environments(computeEnvironments=environments)
        for environment in described["computeEnvironments"]:
            self._check_environment(environment)
        self._check_definition(self._job_definition())

    def _job_definition(self) -> dict[str, Any]:
        """The newest active revision the setting names (a name, name:revision or ARN)."""
        if ":" in self.definition:
            found = self.batch.describe_job_definitions(jobDefinitions=[self.definition])
        else:
            found = self.batch.describe_job_definitions(
                jobDefinitionName=self.definition, status="ACTIVE"
            )
        active = [d for d in found["jobDefinitions"] if d.get("status", "ACTIVE") == "ACTIVE"]
        if not active:
            raise not_configured(
                "runs_batch_job_definition", f"the active job definition {self.definition}"
            )
        return max(active, key=lambda d: int(d.get("revision") or 0))

    def architecture(self) -> str:
        """``x86_64`` or ``arm64``: what the job definition's containers run on."""
        platform = self._job_definition().get("runtimePlatform") or {}
        return "arm64" if platform.get("cpuArchitecture") == "ARM64" else "x86_64"

    def _check_definition(self, definition: dict[str, Any]) -> None:
        container = definition.get("containerProperties") or {}
        network = container.get("networkConfiguration") or {}
        # Fargate's default is DISABLED; a public IP would put the notebook on the internet.
        if network.get("assignPublicIp") == "ENABLED":
            raise not_configured(
                "runs_batch_job_definition",
                f"a job definition without public IP ({self.definition} has "
                "networkConfiguration.assignPublicIp ENABLED)",
            )

    def _check_environment(self, environment: dict[str, Any]) -> None:
        name = environment.get("computeEnvironmentName", "")
        if environment.get("state") != "ENABLED":
            raise not_configured("runs_batch_job_queue", f"the compute environment {name} enabled")
        resources = environment.get("computeResources") or {}
        if resources.get("type") in ("EC2", "SPOT") and resources.get("subnets"):
            subnets = self.aws.client("ec2").describe_subnets(SubnetIds=resources["subnets"])
            public = [s["SubnetId"] for s in subnets["Subnets"] if s.get("MapPublicIpOnLaunch")]
            if public:
                raise not_configured(
                    "runs_batch_job_queue",
                    f"private subnets (the compute environment {name} launches into "
                    f"{', '.join(public)}, which assigns public IPs)",
                )

    # -- life ---------------------------------------------------------------

    def _existing(self, run: Run) -> dict[str, Any] | None:
        """The run's job if one was submitted already (a launch repeated after a crash)."""
        name = self.job_name(run)
        reply = self.batch.list_jobs(
            jobQueue=self.queue, filters=[{"name": "JOB_NAME", "values": [name]}]
        )
        found = [job for job in reply.get("jobSummaryList", []) if job.get("jobName") == name]
        return found[0] if found else None

    def launch(self, run: Run, plan: dict[str, Any]) -> None:
        """Stage ``input/boot.sh`` and SubmitJob, unless the run's job exists already."""
        existing = self._existing(run)
        if existing is not None:
            run.batch_job_id = existing["jobId"]
        else:
            self.records.put(
                run.id, protocol.BOOT_KEY, boot_script().encode(), "text/x-shellscript"
            )
            run.batch_job_id = self.batch.submit_job(**plan)["jobId"]
            if package_source(self.config)["kind"] == "wheel_cache":
                self.wheels.fill_for(run, self.architecture())
        run.started_at = run.started_at or iso(datetime.now(timezone.utc))

    def _jobs(self, run: Run) -> list[dict[str, Any]]:
        """The children's job summaries (a plain job: itself)."""
        if run.size < 2:
            return list(self.batch.describe_jobs(jobs=[run.batch_job_id])["jobs"])
        jobs: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            page = self.batch.list_jobs(
                arrayJobId=run.batch_job_id, **({"nextToken": token} if token else {})
            )
            jobs += page.get("jobSummaryList", [])
            token = page.get("nextToken")
            if not token:
                return jobs

    def _child_status(self, run: Run, index: int) -> dict[str, Any] | None:
        prefix = sweep.child_prefix(index) if run.kind == "sweep" else ""
        body = self.records.get(run.id, prefix + protocol.STATUS_KEY)
        try:
            status = json.loads(body) if body else None
        except ValueError:
            return None
        return status if isinstance(status, dict) else None

    def _scraps(self, run: Run, index: int) -> dict[str, Any]:
        body = self.records.get(run.id, sweep.child_prefix(index) + protocol.SCRAPS_KEY)
        try:
            scraps = json.loads(body) if body else {}
        except ValueError:
            return {}
        return scraps if isinstance(scraps, dict) else {}

    def _child(
        self, run: Run, job: dict[str, Any], known: dict[int, dict[str, Any]]
    ) -> dict[str, Any]:
        """One child as seen now: Batch says where it is, its runner how it ended."""
        index = child_index(job["jobId"]) if run.size >= 2 else 0
        before = known.get(index)
        if before is not None and before["state"] in sweep.FINAL_CHILD_STATES:
            return before  # final: nothing to read again
        child = sweep.new_child(index)
        child["engine_id"] = job["jobId"]
        child["started_at"] = _iso_ms(job.get("startedAt"))
        state = job.get("status", "SUBMITTED")
        status = self._child_status(run, index) if state not in _WAITING else None
        phase = (status or {}).get("phase")
        if state in _WAITING:
            return child
        child["started_at"] = (status or {}).get("started_at") or child["started_at"]
        if phase not in _PHASES:
            if state == "RUNNING":
                child["state"] = sweep.RUNNING
                return child
            # Over, and its runner never reported: Batch stopped it (timeout, terminated)
            # or the boot failed before the runner could write anything.
            child["ended_at"] = _iso_ms(job.get("stoppedAt"))
            if state == "SUCCEEDED":
                child["state"] = sweep.SUCCEEDED
                return child
            if job.get("statusReason") == RELEASE_REASON:
                child["state"] = sweep.CANCELLED  # terminated by the release: never ran on
                return child
            timed_out = "timeout" in str(job.get("statusReason") or "").lower()
            child.update(
                state=sweep.FAILED,
                failure_kind="timeout" if timed_out else "infrastructure",
                failure_message=TIMEOUT_MESSAGE if timed_out else LOST_MESSAGE,
            )
            return child
        assert status is not None
        child.update(
            state=_PHASES[str(phase)],
            ended_at=status.get("finished_at") or _iso_ms(job.get("stoppedAt")),
            failure_kind=status.get("failure_kind"),
            failure_message=status.get("failure_message"),
            output_key=sweep.child_output_key(index),
            scraps=self._scraps(run, index),
        )
        return child

    def observe(self, run: Run) -> Observation:
        """The children's jobs, then (for the live ones) their runners' status."""
        if not run.batch_job_id:
            existing = self._existing(run)
            if existing is None:
                return Observation(MACHINE_ABSENT, children=[] if run.kind == "sweep" else None)
            run.batch_job_id = existing["jobId"]
        jobs = self._jobs(run)
        states = [job.get("status") for job in jobs]
        if any(state == "RUNNING" for state in states):
            machine = MACHINE_RUNNING
        elif any(state in _WAITING for state in states) or not jobs:
            machine = MACHINE_PENDING if jobs else MACHINE_GONE
        else:
            machine = MACHINE_GONE
        started = [_iso_ms(job.get("startedAt")) for job in jobs if job.get("startedAt")]
        first = min((s for s in started if s), default=None)
        if run.kind != "sweep":
            return Observation(machine, self.records.status(run.id), first)
        known = {child["index"]: child for child in run.children}
        children = [self._child(run, job, known) for job in jobs]
        return Observation(machine, None, first, children)

    def request_cancel(self, run: Run) -> None:
        """Leave the cancel flag every child's runner checks at each heartbeat."""
        self.records.request_cancel(run.id)

    def release(self, run: Run) -> None:
        """TerminateJob on the parent: Batch terminates its children with it (those still
        queued never start). A job already over is no error."""
        if not run.batch_job_id:
            return
        from botocore.exceptions import ClientError

        try:
            self.batch.terminate_job(jobId=run.batch_job_id, reason=RELEASE_REASON)
        except ClientError as exc:
            log.info("ucdh-jupyter: job of run %s not terminated (%s)", run.id, exc)

    # -- recovery -----------------------------------------------------------

    def adopt(self, recorded: dict[str, Run]) -> list[Run]:
        """Recorded runs carry their job id; one whose launch was cut short before it was
        saved is found by name (``_existing``) when it is next observed."""
        return []
