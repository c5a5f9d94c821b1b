"""The runner's environment, and the EC2 user data that boots a run's instance.

The user data's first command arms ``shutdown -h +MAX``: whatever fails later (no
network, a broken AMI, a runner bug), the machine powers off at its max runtime, and
``InstanceInitiatedShutdownBehavior=terminate`` turns that into a termination. It
carries no credential: the instance profile gives the runner its access.

It also pins the SHA-256 of the runner script staged at submit: the machine checks the
``input/runner.py`` it downloads against it and, if they differ, executes nothing of it,
records the run FAILED (infrastructure) with :data:`CHECKSUM_MISMATCH` and powers off.
Anyone able to overwrite objects in the runs bucket could otherwise run their code as
every later run's machine, with its instance profile.
"""

from __future__ import annotations

import json
import math
import re
import shlex
from typing import Any

from ..config import UcdhConfig
from ..errors import bad_request
from . import runner as protocol
from .model import Run
from .records import RunLocation
from .staging import runner_checksum

USER_DATA_LIMIT = 16 * 1024
RUN_HOME = "/opt/ucdh-run"
# What the runner itself needs; the notebook's own packages come from requirements.txt.
RUNNER_PACKAGES = ("boto3", "papermill", "ipykernel")
CHECKSUM_MISMATCH = (
    "The runner script in the run's S3 folder does not match the checksum pinned when the "
    "run was submitted, so none of it was executed (input/runner.py was changed after "
    "staging)."
)
# The line of the user data that pins the runner's checksum.
_PIN = re.compile(r"UCDH_RUNNER_SHA256=([0-9a-f]{64})")
_NOW = "__UCDH_NOW__"


def checksum_failure_status(now: str) -> dict[str, Any]:
    """The ``status.json`` a machine leaves when the runner's checksum does not match."""
    return {
        "phase": "failed",
        "failure_kind": "infrastructure",
        "failure_message": CHECKSUM_MISMATCH,
        "exit_code": protocol.EXIT_FAILED,
        "heartbeat_at": now,
        "finished_at": now,
    }


def pinned_checksum(script: str) -> str | None:
    """The runner checksum a boot script pins, or None when it pins none."""
    for line in script.splitlines():
        found = _PIN.fullmatch(line)
        if found:
            return found.group(1)
    return None


def runner_environment(
    run: Run, location: RunLocation, config: UcdhConfig, gpu_type: str | None = None
) -> dict[str, str]:
    """The ``UCDH_*`` variables the runner reads (see :mod:`.runner`), for any host;
    ``gpu_type``: the instance type when it has GPUs, whose driver the runner checks."""
    env = {
        "UCDH_RUN_ID": run.id,
        "UCDH_RUN_BUCKET": location.bucket,
        "UCDH_RUN_PREFIX": location.prefix,
        "UCDH_HEARTBEAT_SECONDS": f"{config.runs_heartbeat_seconds:g}",
        "UCDH_DEADLINE": run.deadline,
    }
    if config.kms_key_id:
        env["UCDH_KMS_KEY_ID"] = config.kms_key_id
    if gpu_type:
        env[protocol.GPU_TYPE_VARIABLE] = gpu_type
    return env


def shutdown_minutes(max_hours: float) -> int:
    """Minutes after boot at which the machine powers itself off."""
    return max(1, math.ceil(max_hours * 60))


def user_data(
    run: Run,
    location: RunLocation,
    config: UcdhConfig,
    region: str,
    gpu_type: str | None = None,
) -> str:
    """The instance's boot script; refuses (400) a script over EC2's 16 KB limit."""
    env = {
        **runner_environment(run, location, config, gpu_type),
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        "UCDH_WORKDIR": f"{RUN_HOME}/work",
        "UCDH_SHUTDOWN_WHEN_DONE": "1",
    }
    exports = "\n".join(
        f"export {name}={shlex.quote(value)}" for name, value in sorted(env.items())
    )
    sse = ""
    if config.kms_key_id:
        sse = f" --sse aws:kms --sse-kms-key-id {shlex.quote(config.kms_key_id)}"
    runner_uri = shlex.quote(location.uri(protocol.RUNNER_KEY))
    status_uri = shlex.quote(location.uri(protocol.STATUS_KEY))
    refused = shlex.quote(json.dumps(checksum_failure_status(_NOW)))
    boot_log = shlex.quote(location.uri("output/bootstrap.log"))
    script = f"""#!/bin/bash
shutdown -h +{shutdown_minutes(run.max_hours)}
# ucdh-jupyter run {run.id}. The line above powers this machine off at its max
# runtime whatever happens next; shutting down terminates it.
on_exit() {{
  aws s3 cp /var/log/cloud-init-output.log {boot_log}{sse} --only-show-errors || true
  shutdown -h now
}}
trap on_exit EXIT
set -euo pipefail
{exports}
mkdir -p {RUN_HOME}/work
dnf install -y -q python3.11 python3.11-pip || dnf install -y -q python3 python3-pip
PY=$(command -v python3.11 || command -v python3)
"$PY" -m venv {RUN_HOME}/venv
{RUN_HOME}/venv/bin/pip install -q --disable-pip-version-check {" ".join(RUNNER_PACKAGES)}
aws s3 cp {runner_uri} {RUN_HOME}/runner.py --only-show-errors
UCDH_RUNNER_SHA256={runner_checksum()}
if ! echo "$UCDH_RUNNER_SHA256  {RUN_HOME}/runner.py" | sha256sum -c --status -; then
  echo {refused} | sed "s/{_NOW}/$(date -u +%Y-%m-%dT%H:%M:%SZ)/g" >{RUN_HOME}/refused.json
  aws s3 cp {RUN_HOME}/refused.json {status_uri}{sse} --only-show-errors || true
  exit 1
fi
{RUN_HOME}/venv/bin/python {RUN_HOME}/runner.py
"""
    if len(script.encode()) >= USER_DATA_LIMIT:
        raise bad_request(
            "The instance start-up script would exceed EC2's 16 KB user data limit.",
            "Shorten UcdhConfig.runs_prefix or kms_key_id.",
        )
    return script
