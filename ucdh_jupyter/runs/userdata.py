"""The runner's environment, and the EC2 user data that boots a run's instance: the
settings and exports in front of the boot script's body, ``boot.sh``; and for AWS Batch
(sweeps), the same settings as the container's environment (:func:`batch_environment`)
beside the boot script staged as ``input/boot.sh`` (:func:`boot_script`).

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

import hashlib
import math
import shlex

from ..config import UcdhConfig
from ..errors import bad_request
from . import runner as protocol
from .environment import runner_pins
from .model import Run
from .records import RunLocation
from .staging import runner_checksum

USER_DATA_LIMIT = 16 * 1024
# The unprivileged account the notebook runs as (created at boot when the image lacks it):
# it cannot cancel the armed shutdown, and its output reaches only the run's log in S3.
NOTEBOOK_USER = "ucdh-notebook"
CHECKSUM_MISMATCH = (
    "The runner script in the run's S3 folder does not match the checksum pinned when the "
    "run was submitted, so none of it was executed (input/runner.py was changed after "
    "staging)."
)


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


def instance_python(run: Run) -> str:
    """The interpreter the instance runs the notebook with: the run's Python minor
    version (the kernel's, chosen at submit), else the image's ``python3``."""
    version = getattr(run, "python_version", None)
    return f"python{version}" if version else "python3"


def endpoint_environment(config: UcdhConfig) -> dict[str, str]:
    """The AWS endpoints the administrator configured, for the instance's AWS CLI and
    boto3 (which read ``AWS_ENDPOINT_URL`` and ``AWS_ENDPOINT_URL_S3``): VPC interface
    or FIPS endpoints apply on the machine too, not only on the server."""
    env: dict[str, str] = {}
    if config.endpoint_url:
        env["AWS_ENDPOINT_URL"] = str(config.endpoint_url)
    if config.s3_endpoint_url:
        env["AWS_ENDPOINT_URL_S3"] = str(config.s3_endpoint_url)
    return env


def package_settings(config: UcdhConfig, run: Run, location: RunLocation) -> dict[str, str]:
    """Where the instance's pip gets packages: CodeArtifact, an index, the S3 wheel
    cache, or the public PyPI (first configured wins), and its label for messages."""
    from .wheels import CACHE_FOLDER, package_source

    source = package_source(config)
    env = {"UCDH_PACKAGES_FROM": source["kind"], "UCDH_PACKAGES_LABEL": source["label"]}
    if source["kind"] == "codeartifact":
        env["UCDH_CODEARTIFACT_DOMAIN"] = str(config.runs_codeartifact_domain)
        env["UCDH_CODEARTIFACT_REPOSITORY"] = str(config.runs_codeartifact_repository)
        if config.runs_codeartifact_domain_owner:
            env["UCDH_CODEARTIFACT_OWNER"] = str(config.runs_codeartifact_domain_owner)
    elif source["kind"] == "index":
        env["UCDH_PIP_INDEX_URL"] = str(config.runs_pip_index_url)
    elif source["kind"] == "wheel_cache":
        # The cache sits beside the runs: <runs prefix>wheels/.
        root = location.prefix.removesuffix(f"{run.id}/")
        env["UCDH_WHEELS_URI"] = f"s3://{location.bucket}/{root}{CACHE_FOLDER}"
        env["UCDH_WHEELS_LIST_URI"] = location.uri(protocol.WHEELS_KEY)
        env["UCDH_WHEELS_WAIT_SECONDS"] = str(protocol.WHEELS_WAIT_SECONDS)
    return env


def _ca_bundle(config: UcdhConfig) -> dict[str, str]:
    """The configured CA bundle's text, which the machine writes to a file: a proxy
    that re-signs TLS re-signs the instance's traffic too."""
    if not config.ca_bundle:
        return {}
    try:
        with open(str(config.ca_bundle), encoding="ascii") as bundle:
            return {"UCDH_CA_BUNDLE_PEM": bundle.read().strip()}
    except (OSError, ValueError):
        raise bad_request(
            "The CA bundle configured for AWS cannot be read, so run machines could not use it.",
            "Ask your administrator to check UcdhConfig.ca_bundle.",
        ) from None


def _body() -> str:
    from importlib.resources import files

    return files(__package__).joinpath("boot.sh").read_text(encoding="utf-8")


def boot_script() -> str:
    """``input/boot.sh`` of a Batch job: the boot script's body, whose settings are the
    container's environment (:func:`batch_environment`)."""
    return f"#!/bin/bash\n{_body()}"


def boot_checksum() -> str:
    """SHA-256 of :func:`boot_script`, pinned in the job's environment."""
    return hashlib.sha256(boot_script().encode()).hexdigest()


def _boot_settings(
    run: Run, location: RunLocation, config: UcdhConfig, gpu_type: str | None
) -> dict[str, str]:
    """What the boot script reads, on any host."""
    return {
        **runner_environment(run, location, config, gpu_type),
        **endpoint_environment(config),
        **package_settings(config, run, location),
        **_ca_bundle(config),
        "UCDH_PYTHON": instance_python(run),
        "UCDH_RUNNER_PINS": "\n".join(runner_pins()),
        "UCDH_NOTEBOOK_USER": NOTEBOOK_USER,
        "UCDH_RUNNER_URI": location.uri(protocol.RUNNER_KEY),
        "UCDH_CHECKSUM_MISMATCH": CHECKSUM_MISMATCH,
        "UCDH_UNREACHABLE": "|".join(protocol.UNREACHABLE_MARKERS),
    }


def batch_environment(
    run: Run,
    location: RunLocation,
    config: UcdhConfig,
    max_seconds: int,
    sweep: bool,
    gpu_type: str | None = None,
) -> dict[str, str]:
    """The environment of a run's AWS Batch container: the boot script's settings with
    ``UCDH_HOST=batch``, the pinned checksums of the runner and of ``input/boot.sh``,
    the max runtime from the container's own start and, for a sweep, child mode (each
    child's status and outputs go under its own folder). No credential, no parameter
    value (those are in the run's S3 inputs). The region is the container's own."""
    return {
        **_boot_settings(run, location, config, gpu_type),
        "UCDH_HOST": "batch",
        "UCDH_RUNNER_SHA256": runner_checksum(),
        "UCDH_BOOT_URI": location.uri(protocol.BOOT_KEY),
        "UCDH_BOOT_SHA256": boot_checksum(),
        "UCDH_MAX_SECONDS": str(max_seconds),
        **({"UCDH_SWEEP": "1"} if sweep else {}),
    }


def user_data(
    run: Run,
    location: RunLocation,
    config: UcdhConfig,
    region: str,
    gpu_type: str | None = None,
) -> str:
    """The instance's boot script (``boot.sh`` after the armed shutdown and its
    settings); refuses (400) a script over EC2's 16 KB limit."""
    sse: list[str] = []
    if config.kms_key_id:
        sse = ["--sse", "aws:kms", "--sse-kms-key-id", str(config.kms_key_id)]
    env = {
        **_boot_settings(run, location, config, gpu_type),
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        "UCDH_STATUS_URI": location.uri(protocol.STATUS_KEY),
        "UCDH_BOOT_LOG_URI": location.uri(protocol.BOOT_LOG_KEY),
    }
    exports = "\n".join(
        f"export {name}={shlex.quote(value)}" for name, value in sorted(env.items())
    )
    script = f"""#!/bin/bash
shutdown -h +{shutdown_minutes(run.max_hours)}
# ucdh-jupyter run {run.id}. The line above powers this machine off at its max
# runtime whatever happens next; shutting down terminates it.
{exports}
SSE=({" ".join(shlex.quote(arg) for arg in sse)})
UCDH_RUNNER_SHA256={runner_checksum()}
{_body()}"""
    if len(script.encode()) >= USER_DATA_LIMIT:
        raise bad_request(
            "The instance start-up script would exceed EC2's 16 KB user data limit.",
            "Shorten UcdhConfig.runs_prefix, kms_key_id or the CA bundle.",
        )
    return script
