"""The runner's environment, and the EC2 user data that boots a run's instance.

The user data's first command arms ``shutdown -h +MAX``: whatever fails later (no
network, a broken AMI, a runner bug), the machine powers off at its max runtime, and
``InstanceInitiatedShutdownBehavior=terminate`` turns that into a termination. It
carries no credential: the instance profile gives the runner its access.
"""

from __future__ import annotations

import math
import shlex

from ..config import UcdhConfig
from ..errors import bad_request
from . import runner as protocol
from .model import Run
from .records import RunLocation

USER_DATA_LIMIT = 16 * 1024
RUN_HOME = "/opt/ucdh-run"
# What the runner itself needs; the notebook's own packages come from requirements.txt.
RUNNER_PACKAGES = ("boto3", "papermill", "ipykernel")


def runner_environment(run: Run, location: RunLocation, config: UcdhConfig) -> dict[str, str]:
    """The ``UCDH_*`` variables the runner reads (see :mod:`.runner`), for any host."""
    env = {
        "UCDH_RUN_ID": run.id,
        "UCDH_RUN_BUCKET": location.bucket,
        "UCDH_RUN_PREFIX": location.prefix,
        "UCDH_HEARTBEAT_SECONDS": f"{config.runs_heartbeat_seconds:g}",
        "UCDH_DEADLINE": run.deadline,
    }
    if config.kms_key_id:
        env["UCDH_KMS_KEY_ID"] = config.kms_key_id
    return env


def shutdown_minutes(max_hours: float) -> int:
    """Minutes after boot at which the machine powers itself off."""
    return max(1, math.ceil(max_hours * 60))


def user_data(run: Run, location: RunLocation, config: UcdhConfig, region: str) -> str:
    """The instance's boot script; refuses (400) a script over EC2's 16 KB limit."""
    env = {
        **runner_environment(run, location, config),
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
{RUN_HOME}/venv/bin/python {RUN_HOME}/runner.py
"""
    if len(script.encode()) >= USER_DATA_LIMIT:
        raise bad_request(
            "The instance start-up script would exceed EC2's 16 KB user data limit.",
            "Shorten UcdhConfig.runs_prefix or kms_key_id.",
        )
    return script
