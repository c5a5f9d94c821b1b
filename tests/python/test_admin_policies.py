"""``ucdh-jupyter admin policies``: the IAM policies and the CloudFormation template an
administrator applies, generated from the server's own config, checked with the real AWS
tooling (cfn-lint, parliament) and against the server's own limits."""

from __future__ import annotations

import fnmatch
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ucdh_jupyter.admin.instance_types import bundled_gpus, derive_gpu_table
from ucdh_jupyter.aws import AwsClients
from ucdh_jupyter.compute.service import ComputeService
from ucdh_jupyter.config import UcdhConfig
from ucdh_jupyter.demo.cli import main as ucdh_jupyter
from ucdh_jupyter.demo.localaws import DEMO_REGION, LocalAws
from ucdh_jupyter.errors import UcdhError

BIN = Path(sys.executable).parent
ACCOUNT = "111122223333"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
# A realistic deployment: two study locations and a reference bucket, a few families and
# types, at most one GPU and $2.50/hour, a KMS key, a runs bucket and instance profile.
SETTINGS: dict[str, Any] = {
    "region": "us-east-1",
    "locations": [
        {"name": "Cardiology", "bucket": "ucdh-study-data", "prefix": "cardio/"},
        {"name": "Genomics", "bucket": "ucdh-study-data", "prefix": "genomics/"},
    ],
    "allowed_buckets": ["ucdh-reference"],
    "allowed_instance_families": ["t3", "m6i", "g5"],
    "allowed_instance_types": ["r6i.*", "p3.2xlarge"],
    "max_gpus": 1,
    "max_price_per_hour": 2.5,
    "kms_key_id": KEY,
    "runs_bucket": f"ucdh-runs-{ACCOUNT}",
    "runs_prefix": "runs/",
    "runs_instance_profile": f"arn:aws:iam::{ACCOUNT}:instance-profile/ucdh-run-instance",
    "runs_subnet_id": "subnet-0abc1234def567890",
    "runs_security_group_ids": ["sg-0abc1234def567890"],
}
RUN_INSTANCES_TYPES = ("instance", "volume", "network-interface", "security-group", "subnet")


def write_config(path: Path, settings: dict[str, Any]) -> Path:
    """A jupyter_server_config.py setting ``settings`` on UcdhConfig."""
    lines = [f"c.UcdhConfig.{name} = {value!r}" for name, value in settings.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def generate(tmp_path: Path, settings: dict[str, Any], *extra: str) -> dict[str, Any]:
    """Run ``ucdh-jupyter admin policies`` and read every file it wrote."""
    config = write_config(tmp_path / "jupyter_server_config.py", settings)
    out = tmp_path / "iam"
    code = ucdh_jupyter(["admin", "policies", "--out", str(out), "--config", str(config), *extra])
    assert code == 0
    return {path.name: json.loads(path.read_text()) for path in out.iterdir()}


def statement(policy: dict[str, Any], sid: str) -> dict[str, Any]:
    """The statement ``sid`` of ``policy``."""
    return next(item for item in policy["Statement"] if item.get("Sid") == sid)


@pytest.fixture(autouse=True)
def no_jupyter_config_of_the_developer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's own Jupyter config files must not leak into the generated policies."""
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path / "jupyter-config"))
    monkeypatch.setenv("JUPYTER_NO_CONFIG", "1")


def test_generated_template_passes_cfn_lint_without_errors_or_warnings(tmp_path: Path) -> None:
    # Given the files generated for a realistic config
    generate(tmp_path, SETTINGS)
    # When the real cfn-lint checks the template
    lint = subprocess.run(
        [str(BIN / "cfn-lint"), str(tmp_path / "iam" / "admin-stack.json")],
        capture_output=True,
        text=True,
        check=False,
    )
    # Then it finds nothing at all (no error, no warning, no informational finding)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert lint.stdout.strip() == ""


def parliament(path: Path) -> list[dict[str, Any]]:
    """The findings of the real ``parliament`` command on one policy file (JSON lines)."""
    with path.open() as policy:
        result = subprocess.run(
            [str(BIN / "parliament"), "--json"],
            stdin=policy,
            capture_output=True,
            text=True,
            check=False,
        )
    assert result.returncode in (0, 1), result.stderr
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def documented(finding: dict[str, Any], policy: dict[str, Any]) -> bool:
    """Whether ``finding`` is one of the two findings the README explains.

    RESOURCE_MISMATCH on ec2:RunInstances: parliament wants every resource type of
    RunInstances in each statement, while each type needs its own conditions (the instance
    type only exists on the instance, ``ec2:Encrypted`` only on the volume), so AWS's own
    examples use one statement per type. Accepted only if the policy, taken whole, covers
    every type. MISMATCHED_TYPE_BUT_USABLE: the S3 key ``...-aws-kms-key-id`` is a string
    holding the key's ARN, so a string operator with an ARN value is right.
    """
    if finding["issue"] == "RESOURCE_MISMATCH":
        if any(item["action"] != "ec2:RunInstances" for item in finding["detail"]):
            return False
        launch = [
            resource
            for item in policy["Statement"]
            if item["Effect"] == "Allow" and item["Action"] == "ec2:RunInstances"
            for resource in (
                [item["Resource"]] if isinstance(item["Resource"], str) else item["Resource"]
            )
        ]
        covered = all(any(f":{kind}/" in arn for arn in launch) for kind in RUN_INSTANCES_TYPES)
        return covered and any("::image/" in arn for arn in launch)
    return finding["issue"] == "MISMATCHED_TYPE_BUT_USABLE" and "kms-key-id" in json.dumps(policy)


@pytest.mark.parametrize("server_role", [None, "ucdh-server"])
def test_every_generated_policy_passes_parliament_but_for_documented_findings(
    tmp_path: Path, server_role: str | None
) -> None:
    # Given the policies generated for a realistic config (shared or separate server role)
    extra = ("--server-role", server_role) if server_role else ()
    files = generate(tmp_path, SETTINGS, *extra)
    policies = [name for name in files if name.endswith("policy.json")]
    assert len(policies) == (4 if server_role else 3)
    for name in policies:
        # When the real parliament reviews each one
        findings = parliament(tmp_path / "iam" / name)
        # Then every finding is one the README documents, and explains
        unexplained = [f for f in findings if not documented(f, files[name])]
        assert unexplained == [], name


def server_allows(config: UcdhConfig) -> tuple[set[str], set[str]]:
    """The types of the server's catalog, and those its check_allowed lets through."""
    compute = ComputeService(config, AwsClients(config))
    names = {spec.name for spec in compute.region_catalog().specs}
    allowed = set()
    for name in names:
        try:
            compute.check_allowed(name)
        except UcdhError:
            continue
        allowed.add(name)
    return names, allowed


def policy_allows(policy: dict[str, Any], names: set[str]) -> set[str]:
    """The types whose launch the researcher policy's instance statement admits (IAM's
    StringLike: ``*`` and ``?`` as in fnmatch, which the generator never mixes with ``[``)."""
    condition = statement(policy, "LaunchOnlyAllowedTypesTaggedWithImdsV2")["Condition"]
    patterns = condition["StringLike"].get("ec2:InstanceType", ["*"])
    return {n for n in names if any(fnmatch.fnmatchcase(n, p) for p in patterns)}


@pytest.mark.parametrize(
    "limits",
    [
        {key: SETTINGS[key] for key in ("allowed_instance_families", "allowed_instance_types")},
        {
            key: SETTINGS[key]
            for key in ("allowed_instance_families", "allowed_instance_types", "max_gpus")
        },
        {key: SETTINGS[key] for key in ("max_gpus", "max_price_per_hour")},
        {"max_gpus": 0, "allowed_instance_types": ["c[56].large"]},
    ],
    ids=["lists", "lists-and-gpus", "gpus-and-price", "no-gpu-and-a-class-pattern"],
)
def test_policy_allows_exactly_the_instance_types_the_server_allows(
    tmp_path: Path, local_aws: LocalAws, aws_env: dict[str, str], limits: dict[str, Any]
) -> None:
    # Given the admin's limits, as the server and the policy generator both read them
    unset = {"max_gpus": None, "max_price_per_hour": None}
    settings = {**SETTINGS, **unset, "allowed_instance_families": [], "allowed_instance_types": []}
    settings.update(limits)
    server = UcdhConfig(
        mode="local",
        endpoint_url=local_aws.endpoint_url,
        region=DEMO_REGION,
        pricing_cache_dir=str(tmp_path / "prices"),
        **{key: settings[key] for key in limits},
    )
    # When the server checks every type of its catalog, and the policy is generated
    names, allowed = server_allows(server)
    policy = generate(tmp_path, {**settings, "region": DEMO_REGION})["researcher-policy.json"]
    # Then IAM lets the researcher's role launch exactly the types the server allows
    assert allowed, "the limits should allow some types"
    assert policy_allows(policy, names) == allowed


def test_bundled_gpu_counts_match_the_catalog_the_server_reads(local_aws: LocalAws) -> None:
    # Given the local AWS's describe_instance_types (what the server's catalog is built from)
    ec2 = local_aws.client("ec2")
    items = [
        item
        for page in ec2.get_paginator("describe_instance_types").paginate()
        for item in page["InstanceTypes"]
    ]
    # When the GPU table is derived from it the way the bundled one was
    # Then it is the bundled table: the policy's GPU limit reads the server's figures
    assert derive_gpu_table(items) == dict(bundled_gpus())
