"""The local stand-in of AWS Batch's container runs (``mode='local'`` only: demo and tests).

Local AWS (moto) keeps Batch's compute environments, queues, job definitions and jobs,
and would run each job in Docker; without a Docker daemon every job fails within half a
second. :class:`LocalBatch` replaces moto's ``Job.run`` (moto runs in this process, see
:class:`~.localaws.LocalAws`) so that each job, a single one or an array child, lives
as on AWS: SUBMITTED → PENDING → RUNNABLE, waits for room in its compute environment
(its vCPUs against ``maxvCpus``, the limit AWS applies), STARTING → RUNNING with the
container command (the job definition's, or the override) executed on a
:class:`~.machine.LocalMachine` with the container's environment and the ``AWS_BATCH_*``
variables AWS sets; the attempt timeout (``timeout.attemptDurationSeconds``) and
TerminateJob send SIGTERM, then SIGKILL 30 s later (ECS's stop timeout); the exit code
decides SUCCEEDED or FAILED. Terminating or cancelling an array parent reaches its
children, as on AWS (moto stops the parent alone).

It relies on moto's internals (``Job``, its ``stop``/``terminate``/``_start_attempt``/
``_mark_stopped``/``_child_jobs``, ``BatchBackend.terminate_job``/``cancel_job``);
``tests/python/test_batch_standin.py`` has a canary for them.
"""

from __future__ import annotations

import logging
import math
import signal
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from ..errors import log_unexpected
from .machine import InstanceImage, LocalMachine

log = logging.getLogger(__name__)

TIMEOUT_REASON = "Job attempt duration exceeded timeout"
# ECS's default stop timeout: SIGKILL this long after SIGTERM.
KILL_AFTER_SECONDS = 30.0
_TICK = 0.1

# The LocalBatch instances installed, latest last (moto's backends are per process).
_installed: list[LocalBatch] = []
_originals: dict[str, Callable[..., Any]] = {}


def _job_vcpus(job: Any) -> float:
    """The vCPUs a job reserves: the override's, else the job definition's."""
    for source in (job.container_overrides, job.job_definition.container_properties or {}):
        for requirement in source.get("resourceRequirements") or []:
            if requirement.get("type") == "VCPU":
                return float(requirement["value"])
        if source.get("vcpus"):
            return float(source["vcpus"])
    return 1.0


def _environment(job: Any) -> dict[str, str]:
    """The container's environment: the definition's, the override's, then AWS's own."""
    definition = (job.job_definition.container_properties or {}).get("environment") or []
    override = job.container_overrides.get("environment") or []
    env = {item["name"]: item["value"] for item in definition}
    env.update({item["name"]: item["value"] for item in override})
    env["AWS_BATCH_JOB_ID"] = job.job_id
    env["AWS_BATCH_JOB_ATTEMPT"] = "1"
    env["AWS_BATCH_JQ_NAME"] = job.job_queue.name
    # As ECS sets them in every container.
    env["AWS_REGION"] = env["AWS_DEFAULT_REGION"] = job.backend.region_name
    index = job.array_properties.get("index")
    if index is not None:
        env["AWS_BATCH_JOB_ARRAY_INDEX"] = str(index)
    return env


class _ComputeEnvironment:
    """The vCPUs in use in one compute environment."""

    def __init__(self) -> None:
        self.used = 0.0
        self.room = threading.Condition()


class LocalBatch:
    """Executes moto's Batch jobs on this host while installed."""

    def __init__(self, endpoint_url: str, image: InstanceImage | None = None) -> None:
        self.endpoint_url = endpoint_url
        self.image = image or InstanceImage()
        self.keep_roots = False
        self.kill_after = KILL_AFTER_SECONDS
        self.machines: dict[str, LocalMachine] = {}
        self._environments: dict[str, _ComputeEnvironment] = {}
        self._lock = threading.Lock()

    # -- installing ---------------------------------------------------------------

    def install(self) -> LocalBatch:
        """Patch moto so that its jobs run here (until :meth:`uninstall`)."""
        from moto.batch import models

        if not _installed:
            for owner, name, patch in _patches(models):
                _originals[name] = getattr(owner, name)
                setattr(owner, name, patch)
        _installed.append(self)
        return self

    def uninstall(self) -> None:
        """Stop every job's machine and give moto back its own ``Job.run``."""
        from moto.batch import models

        if self in _installed:
            _installed.remove(self)
        for machine in list(self.machines.values()):
            machine.signal(signal.SIGTERM)
        if not _installed and _originals:
            for owner, name, _patch in _patches(models):
                setattr(owner, name, _originals.pop(name))

    # -- one job ------------------------------------------------------------------

    def run(self, job: Any) -> None:
        """A job's life: wait for room, run its command, report how it ended."""
        job.status = "PENDING"
        if job.depends_on and not job._wait_for_dependencies():
            return
        job.status = "RUNNABLE"
        environment = job.job_queue.environments[0]
        vcpus = _job_vcpus(job)
        if not self._acquire(environment, vcpus, job):
            job._mark_stopped(success=False)  # cancelled or terminated while waiting
            self._settle_parent(job)
            return
        try:
            job.status = "STARTING"
            code, stopped = self._execute(job, environment.name)
        finally:
            self._release(environment, vcpus)
        job.exit_code = code
        job._mark_stopped(success=code == 0 and not stopped)
        self._settle_parent(job)

    def _acquire(self, environment: Any, vcpus: float, job: Any) -> bool:
        """Wait until the compute environment has ``vcpus`` free; False when the job
        is stopped first."""
        with self._lock:
            room = self._environments.setdefault(environment.arn, _ComputeEnvironment())
        with room.room:
            while not job.stop:
                limit = (environment.compute_resources or {}).get("maxvCpus") or math.inf
                if room.used + vcpus <= limit:
                    room.used += vcpus
                    return True
                room.room.wait(_TICK)
        return False

    def _release(self, environment: Any, vcpus: float) -> None:
        room = self._environments[environment.arn]
        with room.room:
            room.used -= vcpus
            room.room.notify_all()

    def _execute(self, job: Any, environment_name: str) -> tuple[int, bool]:
        """Run the container's command; (exit code, whether it was stopped)."""
        env = {**_environment(job), "AWS_BATCH_CE_NAME": environment_name}
        safe = job.job_id.replace(":", "-")
        machine = LocalMachine(
            f"ucdh-batch-{safe}-", self.image, "var/log/container.log", self.endpoint_url
        )
        with self._lock:
            self.machines[job.job_id] = machine
        try:
            if self.image.baked and env.get("UCDH_RUNNER_PINS"):
                self._bake(machine, env)
            command = job._add_parameters_to_command(job._get_container_property("command", []))
            job.job_started_at = datetime.now()
            job._start_attempt()
            started = machine.execute(list(command), env)
            # RUNNING once the container's process exists (as Batch reports it), never before.
            job.status = "RUNNING"
            if not started:
                return 137, True
            assert machine.process is not None
            return self._follow(job, machine), bool(job.stop)
        finally:
            machine.wait_for_the_rest(self.kill_after)
            machine.powered_off.set()
            if not self.keep_roots:
                machine.discard()

    def _bake(self, machine: LocalMachine, env: dict[str, str]) -> None:
        from .wheelhouse import wheelhouse

        try:
            python = env.get("UCDH_PYTHON", "python3")
            machine.bake(python, env["UCDH_RUNNER_PINS"].splitlines(), wheelhouse())
        except Exception as exc:  # an image without it: the script installs for real
            log.info("ucdh-jupyter: local Batch image not baked (%s)", exc)

    def _follow(self, job: Any, machine: LocalMachine) -> int:
        """Wait for the command; SIGTERM at the attempt timeout or a stop, SIGKILL later."""
        process = machine.process
        assert process is not None
        duration = job._get_attempt_duration()
        started = time.monotonic()
        kill_at: float | None = None
        while process.poll() is None:
            if kill_at is None and duration and time.monotonic() - started > duration:
                job.terminate(TIMEOUT_REASON)
            if kill_at is None and job.stop:
                machine.signal(signal.SIGTERM)
                kill_at = time.monotonic() + self.kill_after
            if kill_at is not None and time.monotonic() > kill_at:
                machine.signal(signal.SIGKILL)
            time.sleep(_TICK)
        return int(process.returncode)

    @staticmethod
    def _settle_parent(job: Any) -> None:
        """An array parent ends when its last child does: SUCCEEDED if all did, else
        FAILED (moto only ever marks it SUCCEEDED)."""
        parent_id, _, index = job.job_id.rpartition(":")
        if not index.isdigit():
            return
        parent = job.backend.get_job_by_id(parent_id)
        children = (parent._child_jobs or []) if parent is not None else []
        if children and all(child.job_stopped for child in children):
            parent._mark_stopped(success=all(c.status == "SUCCEEDED" for c in children))


def _patches(models: Any) -> list[tuple[type, str, Callable[..., Any]]]:
    """What the stand-in replaces in moto's Batch."""
    return [
        (models.Job, "run", _run),
        (models.BatchBackend, "terminate_job", _terminate_job),
        (models.BatchBackend, "cancel_job", _cancel_job),
    ]


def _current() -> LocalBatch:
    return _installed[-1]


def _run(job: Any) -> None:
    """``Job.run`` while installed."""
    try:
        if not _installed:
            raise RuntimeError("the local Batch stand-in is not installed")
        _current().run(job)
    except Exception as exc:
        log_unexpected(log, exc, "local Batch job failed to run")
        job._mark_stopped(success=False)


def _terminate_job(backend: Any, job_id: str, reason: str) -> None:
    """TerminateJob: a parent's children too."""
    _originals["terminate_job"](backend, job_id, reason)
    job = backend.get_job_by_id(job_id)
    for child in (job._child_jobs or []) if job is not None else []:
        child.terminate(reason)


def _cancel_job(backend: Any, job_id: str, reason: str) -> None:
    """CancelJob: a parent's children that have not started too."""
    _originals["cancel_job"](backend, job_id, reason)
    job = backend.get_job_by_id(job_id)
    for child in (job._child_jobs or []) if job is not None else []:
        _originals["cancel_job"](backend, child.job_id, reason)
