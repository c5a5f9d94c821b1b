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
from ucdh_jupyter.runs.ec2 import Ec2Backend
from ucdh_jupyter.runs.model import FailureKind, Run, RunState
from ucdh_jupyter.runs.notify import Notifier
from ucdh_jupyter.runs.records import RunRecords

from .runs.helpers import make_run

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
    "audit_cloudwatch_log_group": "ucdh-audit",
    "databricks_token_secret_id": "ucdh/databricks",
    "runs_notify_topic_arn": f"arn:aws:sns:us-east-1:{ACCOUNT}:ucdh-run-ends",
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


def cfn_lint(template: Path) -> subprocess.CompletedProcess[str]:
    """The real ``cfn-lint`` run on one template."""
    return subprocess.run(
        [str(BIN / "cfn-lint"), str(template)], capture_output=True, text=True, check=False
    )


def test_generated_template_passes_cfn_lint_without_errors_or_warnings(tmp_path: Path) -> None:
    # Given the files generated for a realistic config
    generate(tmp_path, SETTINGS)
    # When the real cfn-lint checks the template
    lint = cfn_lint(tmp_path / "iam" / "admin-stack.json")
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


def documented(finding: dict[str, Any], statements: list[dict[str, Any]]) -> bool:
    """Whether ``finding`` is one of the three findings the README explains.

    RESOURCE_MISMATCH on ec2:RunInstances: parliament wants every resource type of
    RunInstances in each statement, while each type needs its own conditions (the instance
    type only exists on the instance, ``ec2:Encrypted`` only on the volume), so AWS's own
    examples use one statement per type. Accepted only if the policy, taken whole, covers
    every type. MISMATCHED_TYPE_BUT_USABLE: the S3 key ``...-aws-kms-key-id`` is a string
    holding the key's ARN, so a string operator with an ARN value is right. And
    RESOURCE_MISMATCH on batch:SubmitJob: IAM matches a submission against the job
    definition's ``name:revision``, so AWS's documented resource is ``name:*``, a colon
    parliament's ARN check does not admit after a name; accepted only with that resource,
    the queue and the jobs in the statement.
    """
    if finding["issue"] == "RESOURCE_MISMATCH" and all(
        item["action"] == "batch:SubmitJob" for item in finding["detail"]
    ):
        return any(
            item["Action"] == "batch:SubmitJob"
            and any(
                ":job-definition/" in arn and ":" in arn.rsplit("/", 1)[1]
                for arn in item["Resource"]
            )
            and any(":job-queue/" in arn for arn in item["Resource"])
            and any(arn.endswith(":job/*") for arn in item["Resource"])
            for item in statements
        )
    if finding["issue"] == "RESOURCE_MISMATCH":
        if any(item["action"] != "ec2:RunInstances" for item in finding["detail"]):
            return False
        launch = [
            resource
            for item in statements
            if item["Effect"] == "Allow" and item["Action"] == "ec2:RunInstances"
            for resource in (
                [item["Resource"]] if isinstance(item["Resource"], str) else item["Resource"]
            )
        ]
        covered = all(any(f":{kind}/" in arn for arn in launch) for kind in RUN_INSTANCES_TYPES)
        return covered and any("::image/" in arn for arn in launch)
    kms = "kms-key-id" in json.dumps(statements)
    return finding["issue"] == "MISMATCHED_TYPE_BUT_USABLE" and kms


# Price and GPU limits without allow-lists: hundreds of types, spread over several policies.
UNLISTED = {**SETTINGS, "allowed_instance_families": [], "allowed_instance_types": []}


@pytest.mark.parametrize(
    ("settings", "server_role"),
    [(SETTINGS, None), (SETTINGS, "ucdh-server"), (UNLISTED, None), (UNLISTED, "ucdh-server")],
    ids=["shared-role", "server-role", "long-type-list", "long-type-list-server-role"],
)
def test_every_generated_policy_passes_parliament_but_for_documented_findings(
    tmp_path: Path, settings: dict[str, Any], server_role: str | None
) -> None:
    # Given the policies generated for a realistic config (shared or separate server role)
    extra = ("--server-role", server_role) if server_role else ()
    files = generate(tmp_path, settings, *extra)
    policies = [name for name in files if name.endswith("policy.json")]
    expected = {"researcher-policy.json", "run-instance-policy.json", "runs-bucket-policy.json"}
    assert expected | ({"server-policy.json"} if server_role else set()) <= set(policies)
    if settings is UNLISTED:
        assert [name for name in policies if "-types-" in name], "a long list is spread"
    for name in policies:
        # When the real parliament reviews each one
        findings = parliament(tmp_path / "iam" / name)
        # Then every finding is one the README documents, and explains
        role = name.split("-", 1)[0]
        together = role_statements(files, role) if role in ("researcher", "server") else []
        statements = together or files[name]["Statement"]
        unexplained = [f for f in findings if not documented(f, statements)]
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


def policy_allows(files: dict[str, Any], names: set[str]) -> set[str]:
    """The types whose launch the researcher policies' instance statements admit together
    (IAM's StringLike: ``*`` and ``?`` as in fnmatch; the generator never writes ``[``)."""
    patterns = [
        pattern
        for item in role_statements(files, "researcher")
        if item.get("Sid", "").startswith("LaunchOnlyAllowedTypesTaggedWithImdsV2")
        for pattern in item["Condition"]["StringLike"].get("ec2:InstanceType", ["*"])
    ]
    assert not [p for p in patterns if "[" in p]
    return {n for n in names if any(fnmatch.fnmatchcase(n, p) for p in patterns)}


def launch_rule(files: dict[str, Any], role: str = "researcher") -> dict[str, Any]:
    """The (first) launch statement of ``role``'s policies, whichever file holds it."""
    return next(
        item
        for item in role_statements(files, role)
        if item.get("Sid", "").startswith("LaunchOnlyAllowedTypesTaggedWithImdsV2")
    )


def role_statements(files: dict[str, Any], role: str) -> list[dict[str, Any]]:
    """Every statement of the policies written for ``role`` (its long type list may be
    spread over several policies, see admin/size.py)."""
    return [
        item
        for name, policy in files.items()
        if name.startswith(f"{role}-") and name.endswith("policy.json")
        for item in policy["Statement"]
    ]


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
    files = generate(tmp_path, {**settings, "region": DEMO_REGION})
    # Then IAM lets the researcher's role launch exactly the types the server allows
    assert allowed, "the limits should allow some types"
    assert policy_allows(files, names) == allowed
    # And each policy fits IAM's 6,144 characters (a long list is spread over several)
    for name, policy in files.items():
        if name.endswith("policy.json"):
            assert len(json.dumps(policy, separators=(",", ":"))) <= 6144, name


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


def test_researcher_policy_holds_the_launch_guardrails_of_the_server(tmp_path: Path) -> None:
    # Given the researcher policy for a realistic config
    files = generate(tmp_path, SETTINGS)
    policy = files["researcher-policy.json"]
    # Then a launch needs IMDSv2 and every ucdh tag, and carries no other tag but Name
    instance = launch_rule(files)["Condition"]
    assert instance["StringEquals"]["ec2:MetadataHttpTokens"] == "required"
    assert instance["StringEquals"]["aws:RequestTag/ucdh:managed"] == "true"
    for tag in ("ucdh:run-id", "ucdh:owner", "ucdh:deadline"):
        assert instance["StringLike"][f"aws:RequestTag/{tag}"] == "?*"
    assert set(instance["ForAllValues:StringEquals"]["aws:TagKeys"]) == {
        "Name",
        "ucdh:run-id",
        "ucdh:owner",
        "ucdh:deadline",
        "ucdh:managed",
    }
    # And volumes must be encrypted, interfaces have no public IP (allowed only when false,
    # and denied outright when true), in the configured subnet and security group only
    volume = statement(policy, "LaunchOnlyEncryptedTaggedVolumes")
    assert volume["Condition"]["Bool"] == {"ec2:Encrypted": "true"}
    interface = statement(policy, "LaunchWithoutPublicIp")["Condition"]["Bool"]
    assert interface == {"ec2:AssociatePublicIpAddress": "false"}
    assert statement(policy, "DenyPublicIp")["Condition"]["Bool"] == {
        "ec2:AssociatePublicIpAddress": "true"
    }
    network = statement(policy, "LaunchInTheRunsNetwork")["Resource"]
    assert network == [
        f"arn:aws:ec2:us-east-1:{ACCOUNT}:subnet/{SETTINGS['runs_subnet_id']}",
        f"arn:aws:ec2:us-east-1:{ACCOUNT}:security-group/{SETTINGS['runs_security_group_ids'][0]}",
    ]
    # And only the run role may be passed, only to EC2; only managed instances terminated
    passing = statement(policy, "PassOnlyTheRunRole")
    assert passing["Resource"] == f"arn:aws:iam::{ACCOUNT}:role/ucdh-run-instance"
    assert passing["Condition"]["StringEquals"] == {"iam:PassedToService": "ec2.amazonaws.com"}
    terminate = statement(policy, "TerminateOnlyManagedInstances")["Condition"]
    assert terminate["StringEquals"] == {"aws:ResourceTag/ucdh:managed": "true"}
    # And the audit log group and the Databricks secret the server is configured with, only
    audit = statement(policy, "AuditRecordsToTheirLogGroup")["Resource"]
    assert audit == f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:ucdh-audit:log-stream:*"
    secret = statement(policy, "ReadTheDatabricksTokenSecret")["Resource"]
    assert secret == f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:ucdh/databricks-*"
    # And backstop schedules only in their group, passing only the backstop role to Scheduler
    schedules = statement(policy, "BackstopSchedulesInTheirGroupOnly")["Resource"]
    assert schedules == f"arn:aws:scheduler:us-east-1:{ACCOUNT}:schedule/ucdh-runs/*"
    backstop = statement(policy, "PassOnlyTheBackstopRoleToScheduler")
    assert backstop["Resource"] == f"arn:aws:iam::{ACCOUNT}:role/ucdh-run-backstop"
    assert backstop["Condition"]["StringEquals"] == {
        "iam:PassedToService": "scheduler.amazonaws.com"
    }


def test_a_configured_backstop_role_is_the_one_passed_and_created(tmp_path: Path) -> None:
    # Given the backstop role the server is configured with, under a path
    arn = f"arn:aws:iam::{ACCOUNT}:role/service-role/ucdh-backstop"
    files = generate(tmp_path, {**SETTINGS, "runs_backstop_role_arn": arn})
    # Then the researcher policy passes exactly that role, and the stack creates it there
    passing = statement(files["researcher-policy.json"], "PassOnlyTheBackstopRoleToScheduler")
    assert passing["Resource"] == arn
    role = files["admin-stack.json"]["Resources"]["BackstopSchedulerRole"]["Properties"]
    assert (role["RoleName"], role["Path"]) == ("ucdh-backstop", "/service-role/")
    terminate = role["Policies"][0]["PolicyDocument"]["Statement"][0]
    assert terminate["Action"] == "ec2:TerminateInstances"
    assert terminate["Condition"] == {"StringEquals": {"aws:ResourceTag/ucdh:managed": "true"}}


def test_researcher_policy_reaches_s3_only_in_the_configured_places(tmp_path: Path) -> None:
    # Given two locations in one bucket, an allowed bucket, a KMS key and a runs location
    policy = generate(tmp_path, SETTINGS)["researcher-policy.json"]
    # Then objects are reachable under each configured prefix, the whole allowed bucket,
    # and the runs prefix (shared role: the server needs it), nowhere else
    runs = f"arn:aws:s3:::{SETTINGS['runs_bucket']}/runs/*"
    assert sorted(statement(policy, "LocationsObjects")["Resource"]) == sorted(
        [
            "arn:aws:s3:::ucdh-reference/*",
            "arn:aws:s3:::ucdh-study-data/cardio/*",
            "arn:aws:s3:::ucdh-study-data/genomics/*",
            runs,
        ]
    )
    # And listing a bucket with locations is limited to their prefixes
    listing = ["s3:ListBucket", "s3:ListBucketVersions"]
    listings = [item for item in policy["Statement"] if item.get("Action") == listing]
    study = next(item for item in listings if item["Resource"].endswith(":ucdh-study-data"))
    assert study["Condition"]["StringLike"]["s3:prefix"] == [
        "cardio/",
        "cardio/*",
        "genomics/",
        "genomics/*",
    ]
    reference = next(item for item in listings if item["Resource"].endswith(":ucdh-reference"))
    assert "Condition" not in reference
    # And writes naming another algorithm or another key are denied, plain HTTP too
    algorithm = statement(policy, "DenyWritesNotSseKms")["Condition"]
    assert algorithm["StringNotEqualsIfExists"] == {"s3:x-amz-server-side-encryption": "aws:kms"}
    key = statement(policy, "DenyWritesWithAnotherKey")["Condition"]["StringNotEqualsIfExists"]
    assert key["s3:x-amz-server-side-encryption-aws-kms-key-id"] == [KEY]
    assert statement(policy, "DenyS3WithoutTls")["Condition"]["Bool"] == {
        "aws:SecureTransport": "false"
    }


def test_with_a_separate_server_role_researchers_are_denied_the_runs_location(
    tmp_path: Path,
) -> None:
    # Given a server that runs with its own role
    files = generate(tmp_path, SETTINGS, "--server-role", "ucdh-server")
    researcher, server = files["researcher-policy.json"], files["server-policy.json"]
    runs_bucket = f"arn:aws:s3:::{SETTINGS['runs_bucket']}"
    # Then the researcher's role may neither launch nor touch the runs location
    deny = statement(researcher, "DenyTheRunsLocation")
    assert deny["Effect"] == "Deny"
    assert deny["Resource"] == [runs_bucket, f"{runs_bucket}/runs/*"]
    assert not [item for item in researcher["Statement"] if "ec2:RunInstances" in item["Action"]]
    # And the server's role launches under the guardrails and reaches the runs prefix
    assert launch_rule(files, "server")["Effect"] == "Allow"
    assert statement(server, "RunsLocationObjects")["Resource"] == [f"{runs_bucket}/runs/*"]
    # And the runs bucket admits the server's, the run instances' and the Batch jobs' roles only
    bucket = files["runs-bucket-policy.json"]
    others = statement(bucket, "DenyDataAccessToOtherPrincipals")["Condition"]["ArnNotLike"]
    assert others["aws:PrincipalArn"] == [
        f"arn:aws:iam::{ACCOUNT}:role/ucdh-server",
        f"arn:aws:iam::{ACCOUNT}:role/ucdh-run-instance",
        f"arn:aws:iam::{ACCOUNT}:role/ucdh-batch-job",
    ]


def test_run_instances_reach_only_run_files_from_their_own_vpc(tmp_path: Path) -> None:
    # Given the run instance profile's policy
    policy = generate(tmp_path, SETTINGS)["run-instance-policy.json"]
    # Then it reads and writes run files only, with instance credentials only
    files = statement(policy, "RunFilesOnlyWithInstanceCredentials")
    assert files["Action"] == ["s3:GetObject", "s3:PutObject"]
    assert files["Resource"] == f"arn:aws:s3:::{SETTINGS['runs_bucket']}/runs/*"
    assert files["Condition"] == {"Null": {"ec2:SourceInstanceARN": "false"}}
    # And its credentials are refused outside the instance's VPC
    vpc = statement(policy, "DenyUseOutsideTheInstanceVpc")["Condition"]
    assert vpc["StringNotEquals"] == {"aws:SourceVpc": "${aws:ec2InstanceSourceVPC}"}
    allows = [item for item in policy["Statement"] if item["Effect"] == "Allow"]
    assert {a for item in allows for a in item["Action"]} == {
        "s3:GetObject",
        "s3:PutObject",
        "kms:GenerateDataKey",
        "kms:Decrypt",
    }


def test_command_line_settings_override_the_config_file_like_on_the_server(
    tmp_path: Path,
) -> None:
    # Given a config file allowing one GPU, and --UcdhConfig.max_gpus=0 on the command line
    files = generate(tmp_path, SETTINGS, "--UcdhConfig.max_gpus=0")
    allowed = policy_allows(files, set(bundled_gpus()))
    # Then no GPU type is allowed, as the server would refuse them
    assert allowed and not [name for name in allowed if bundled_gpus()[name]]
    assert "m6i.large" in allowed


def test_template_creates_a_key_when_none_is_configured(tmp_path: Path) -> None:
    # Given no KMS key in the config
    settings = {key: value for key, value in SETTINGS.items() if key != "kms_key_id"}
    template = generate(tmp_path, settings)["admin-stack.json"]
    resources = template["Resources"]
    # Then the stack makes one (rotated), encrypts the runs bucket with it, lets the run
    # role use it through S3, and outputs it for UcdhConfig.kms_key_id
    assert resources["RunsKey"]["Properties"]["EnableKeyRotation"] is True
    default = resources["RunsBucket"]["Properties"]["BucketEncryption"]
    rule = default["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert rule == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Fn::GetAtt": ["RunsKey", "Arn"]}}
    role = resources["RunInstanceRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    assert statement(role, "UseTheRunsKeyThroughS3")["Resource"] == {
        "Fn::GetAtt": ["RunsKey", "Arn"]
    }
    assert template["Outputs"]["RunsKmsKeyArn"]["Value"] == {"Fn::GetAtt": ["RunsKey", "Arn"]}
    # And cfn-lint still finds nothing
    lint = cfn_lint(tmp_path / "iam" / "admin-stack.json")
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_the_command_refuses_a_config_without_runs_bucket_and_names_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a config without a runs bucket
    settings = {key: value for key, value in SETTINGS.items() if key != "runs_bucket"}
    # When the policies are asked for
    with pytest.raises(SystemExit) as refused:
        generate(tmp_path, settings)
    # Then the command stops and names the missing setting, writing nothing
    assert "UcdhConfig.runs_bucket" in str(refused.value)
    assert not (tmp_path / "iam").exists()


def test_settings_in_the_jupyter_config_directory_are_read_like_the_server_reads_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the settings in jupyter_server_config.py of the Jupyter config directory
    # (JUPYTER_CONFIG_DIR, set by the autouse fixture), and no --config file
    monkeypatch.delenv("JUPYTER_NO_CONFIG")
    folder = tmp_path / "jupyter-config"
    folder.mkdir()
    write_config(folder / "jupyter_server_config.py", {**SETTINGS, "runs_prefix": "from-dir/"})
    out = tmp_path / "iam"
    # When the policies are generated
    assert ucdh_jupyter(["admin", "policies", "--out", str(out)]) == 0
    # Then they follow that file, as the Jupyter server would
    policy = json.loads((out / "run-instance-policy.json").read_text())
    files = statement(policy, "RunFilesOnlyWithInstanceCredentials")
    assert files["Resource"] == f"arn:aws:s3:::{SETTINGS['runs_bucket']}/from-dir/*"


def test_the_tags_the_server_launches_with_are_exactly_those_the_policy_admits(
    tmp_path: Path, local_aws: LocalAws, aws_env: dict[str, str]
) -> None:
    # Given the tags the server's EC2 backend puts on a run's instance and volume
    config = UcdhConfig(mode="local", endpoint_url=local_aws.endpoint_url, region=DEMO_REGION)
    aws = AwsClients(config)
    backend = Ec2Backend(config, aws, RunRecords(aws.client("s3"), "runs", "runs/", None))
    run = Run(
        id="r-20261205-abcdef",
        backend="ec2",
        owner="ada",
        notebook_path="analysis.ipynb",
        instance_type="m6i.large",
        max_hours=1.0,
        created_at="2026-12-05T00:00:00Z",
        deadline="2026-12-05T01:00:00Z",
    )
    tags = {tag["Key"]: tag["Value"] for tag in backend.tags(run)}
    # When the researcher policy is generated
    condition = launch_rule(generate(tmp_path, SETTINGS))["Condition"]
    # Then the policy admits exactly those keys, and every value the server sends matches
    assert set(condition["ForAllValues:StringEquals"]["aws:TagKeys"]) == set(tags)
    for key, value in condition["StringEquals"].items():
        if key.startswith("aws:RequestTag/"):
            assert tags[key.removeprefix("aws:RequestTag/")] == value
    for key, pattern in condition["StringLike"].items():
        if key.startswith("aws:RequestTag/"):
            assert fnmatch.fnmatchcase(tags[key.removeprefix("aws:RequestTag/")], pattern)


def test_a_policy_too_long_for_iam_is_refused_with_the_reason(tmp_path: Path) -> None:
    # Given so many locations that their S3 rules alone exceed IAM's 6,144 characters
    many = [{"bucket": "ucdh-study-data", "prefix": f"study-{n:03d}/"} for n in range(150)]
    # When the policies are asked for
    with pytest.raises(SystemExit) as refused:
        generate(tmp_path, {**SETTINGS, "locations": many})
    # Then the command says why instead of writing a policy IAM would reject
    assert "6144 characters" in str(refused.value)
    assert not (tmp_path / "iam").exists()


def test_a_launch_rule_with_no_room_beside_the_rest_moves_wholly_to_the_extra_policies() -> None:
    # Given a policy whose other rules leave no room for even one instance type
    from ucdh_jupyter.admin.size import MANAGED_POLICY_LIMIT, policy_size, split_types

    sid = "LaunchOnlyAllowedTypesTaggedWithImdsV2"
    types = [f"m6i.{n}xlarge" for n in range(1, 400)]
    launch = {
        "Sid": sid,
        "Effect": "Allow",
        "Action": "ec2:RunInstances",
        "Resource": "*",
        "Condition": {"StringLike": {"ec2:InstanceType": types}},
    }
    filler = {"Sid": "Filler", "Effect": "Allow", "Action": "s3:GetObject", "Resource": []}
    policy = {"Version": "2012-10-17", "Statement": [launch, filler]}
    while policy_size({"Version": "2012-10-17", "Statement": [filler]}) < MANAGED_POLICY_LIMIT - 60:
        filler["Resource"].append("arn:aws:s3:::b/k")
    # When it is split for IAM
    parts = split_types(policy, sid)
    # Then every part fits, no launch rule has an empty list, and together they list every type
    assert all(policy_size(part) <= MANAGED_POLICY_LIMIT for part in parts)
    rules = [item for part in parts for item in part["Statement"] if item["Sid"].startswith(sid)]
    lists = [rule["Condition"]["StringLike"]["ec2:InstanceType"] for rule in rules]
    assert all(lists)
    assert [name for chunk in lists for name in chunk] == types
    assert [item["Sid"] for item in parts[0]["Statement"]] == ["Filler"]


# Runs installing packages with no internet: the S3 wheel cache, or a CodeArtifact repository.
PACKAGES = {
    **SETTINGS,
    "runs_wheel_cache": True,
    "runs_codeartifact_domain": "ucdh",
    "runs_codeartifact_domain_owner": "444455556666",
    "runs_codeartifact_repository": "pypi-mirror",
}


def admits(resources: str | list[str], arn: str) -> bool:
    """Whether an S3 resource pattern (IAM's ``*`` as fnmatch's) covers ``arn``."""
    patterns = [resources] if isinstance(resources, str) else resources
    return any(fnmatch.fnmatchcase(arn, pattern) for pattern in patterns)


def test_run_instances_read_the_wheel_cache_but_never_write_it(tmp_path: Path) -> None:
    # Given runs installing from the S3 wheel cache
    policy = generate(tmp_path, {**SETTINGS, "runs_wheel_cache": True})["run-instance-policy.json"]
    wheel = f"arn:aws:s3:::{SETTINGS['runs_bucket']}/runs/wheels/pandas-2.2.3-cp311-none-any.whl"
    output = f"arn:aws:s3:::{SETTINGS['runs_bucket']}/runs/01J3ZM0000PPPPQQQQRRRRSSSS/status.json"
    # Then an instance may read a cached wheel, and list the cache (aws s3 sync), no more
    assert admits(statement(policy, "RunFilesOnlyWithInstanceCredentials")["Resource"], wheel)
    listing = statement(policy, "ListTheWheelCacheOnlyWithInstanceCredentials")
    assert listing["Resource"] == f"arn:aws:s3:::{SETTINGS['runs_bucket']}"
    assert listing["Condition"] == {
        "StringLike": {"s3:prefix": ["runs/wheels/", "runs/wheels/*"]},
        "Null": {"ec2:SourceInstanceARN": "false"},
    }
    findings = parliament(tmp_path / "iam" / "run-instance-policy.json")
    assert [f for f in findings if not documented(f, policy["Statement"])] == []
    # And may not replace or delete one (later runs install them), yet still writes its run
    deny = statement(policy, "DenyWritesToTheWheelCache")
    assert deny["Effect"] == "Deny" and "s3:PutObject" in deny["Action"]
    assert admits(deny["Resource"], wheel) and not admits(deny["Resource"], output)


@pytest.mark.parametrize("server_role", [None, "ucdh-server"], ids=["shared-role", "server-role"])
def test_the_server_may_fill_the_wheel_cache(tmp_path: Path, server_role: str | None) -> None:
    # Given runs installing from the S3 wheel cache, with a shared or a separate server role
    extra = ("--server-role", server_role) if server_role else ()
    files = generate(tmp_path, {**SETTINGS, "runs_wheel_cache": True}, *extra)
    # Then the role the server runs with may write and list the cache
    policy = files["server-policy.json" if server_role else "researcher-policy.json"]
    sid = "RunsLocation" if server_role else "Locations"
    wheel = f"arn:aws:s3:::{SETTINGS['runs_bucket']}/runs/wheels/toy-1.0-py3-none-any.whl"
    objects = statement(policy, f"{sid}Objects")
    assert "s3:PutObject" in objects["Action"] and admits(objects["Resource"], wheel)
    listing = next(
        item
        for item in policy["Statement"]
        if item.get("Sid", "").startswith(f"{sid}List")
        and item["Resource"] == f"arn:aws:s3:::{SETTINGS['runs_bucket']}"
    )
    prefixes = listing.get("Condition", {}).get("StringLike", {}).get("s3:prefix", ["*"])
    assert any(fnmatch.fnmatchcase("runs/wheels/", pattern) for pattern in prefixes)


def test_a_codeartifact_source_lets_the_instance_read_that_repository_only(
    tmp_path: Path,
) -> None:
    # Given runs installing from a CodeArtifact repository of another account's domain
    files = generate(tmp_path, PACKAGES)
    policy = files["run-instance-policy.json"]
    # Then the instance may get a token for that domain and read that repository only
    token = statement(policy, "CodeArtifactTokenOfTheDomain")
    assert token["Action"] == "codeartifact:GetAuthorizationToken"
    assert token["Resource"] == "arn:aws:codeartifact:us-east-1:444455556666:domain/ucdh"
    read = statement(policy, "CodeArtifactReadTheRepository")
    assert "codeartifact:ReadFromRepository" in read["Action"]
    assert read["Resource"] == (
        "arn:aws:codeartifact:us-east-1:444455556666:repository/ucdh/pypi-mirror"
    )
    # And the bearer token GetAuthorizationToken needs is CodeArtifact's only
    bearer = statement(policy, "BearerTokenForCodeArtifactOnly")
    assert bearer["Action"] == "sts:GetServiceBearerToken"
    assert bearer["Condition"] == {
        "StringEquals": {"sts:AWSServiceName": "codeartifact.amazonaws.com"}
    }
    # And parliament finds nothing unexplained, cfn-lint nothing at all in the stack
    findings = parliament(tmp_path / "iam" / "run-instance-policy.json")
    assert [f for f in findings if not documented(f, policy["Statement"])] == []
    lint = cfn_lint(tmp_path / "iam" / "admin-stack.json")
    assert lint.returncode == 0 and lint.stdout.strip() == "", lint.stdout + lint.stderr


def test_a_codeartifact_domain_in_this_account_needs_no_owner(tmp_path: Path) -> None:
    # Given a CodeArtifact domain without runs_codeartifact_domain_owner
    settings = {k: v for k, v in PACKAGES.items() if k != "runs_codeartifact_domain_owner"}
    policy = generate(tmp_path, settings)["run-instance-policy.json"]
    # Then the domain is the deployment account's
    token = statement(policy, "CodeArtifactTokenOfTheDomain")["Resource"]
    assert token == f"arn:aws:codeartifact:us-east-1:{ACCOUNT}:domain/ucdh"


def test_without_codeartifact_the_instance_gets_no_codeartifact_or_sts_right(
    tmp_path: Path,
) -> None:
    # Given runs installing from the wheel cache only
    policy = generate(tmp_path, {**SETTINGS, "runs_wheel_cache": True})["run-instance-policy.json"]
    # Then the instance may call neither CodeArtifact nor STS
    actions = json.dumps([item["Action"] for item in policy["Statement"]])
    assert "codeartifact:" not in actions and "sts:" not in actions


def test_half_a_codeartifact_setting_is_refused_by_the_command_too(tmp_path: Path) -> None:
    # Given a CodeArtifact domain without its repository
    settings = {k: v for k, v in PACKAGES.items() if k != "runs_codeartifact_repository"}
    # When the policies are asked for
    with pytest.raises(SystemExit) as refused:
        generate(tmp_path, settings)
    # Then the command names both settings and writes nothing
    assert "runs_codeartifact_domain and runs_codeartifact_repository" in str(refused.value)
    assert not (tmp_path / "iam").exists()


def test_a_setting_outside_its_bounds_is_refused_by_the_command_naming_it(
    tmp_path: Path,
) -> None:
    # Given a setting beyond its bound (a traitlets min/max, not one of our own rules)
    # When the policies are asked for
    with pytest.raises(SystemExit) as refused:
        generate(tmp_path, {**SETTINGS, "s3_max_concurrency": 65})
    # Then the command stops with the setting and its bound, not a traceback
    assert "'s3_max_concurrency' trait" in str(refused.value)
    assert "greater than 64" in str(refused.value)
    assert not (tmp_path / "iam").exists()


def test_admin_settings_lists_every_setting_by_area_with_its_help_and_value(
    tmp_path: Path, capsys: Any
) -> None:
    # Given a config file that sets one setting, and one more on the command line
    config = tmp_path / "jupyter_server_config.py"
    config.write_text("c.UcdhConfig.runs_bucket = 'ucdh-runs-123'\n")
    # When the administrator lists the settings
    code = ucdh_jupyter(
        ["admin", "settings", "--config", str(config), "--UcdhConfig.max_runtime_hours=12"]
    )
    # Then every setting is there once, under its area, with its help and the value in force
    assert code == 0
    text = capsys.readouterr().out
    listed = [line.split(" = ")[0] for line in text.splitlines() if line.startswith("c.")]
    assert sorted(listed) == sorted(
        f"c.UcdhConfig.{n}" for n in UcdhConfig.class_traits(config=True)
    )
    assert "c.UcdhConfig.runs_bucket = 'ucdh-runs-123'" in text
    assert "c.UcdhConfig.max_runtime_hours = 12.0" in text
    assert "# S3Settings:" in text and "# RunLimitSettings:" in text
    assert "Buckets users may open." in text


def test_the_run_mail_topic_is_granted_to_the_server_and_only_that_topic(tmp_path: Path) -> None:
    # Given a run-end topic, shared and separate server roles
    for extra in ((), ("--server-role", "ucdh-server")):
        place = tmp_path / str(len(extra))
        place.mkdir()
        files = generate(place, SETTINGS, *extra)
        role = "server" if extra else "researcher"
        statements = {s["Sid"]: s for s in files[f"{role}-policy.json"]["Statement"]}
        # Then the server may publish and subscribe on that topic alone
        mail = statements["MailRunEndsThroughTheTopic"]
        assert mail["Resource"] == SETTINGS["runs_notify_topic_arn"]
        assert sorted(mail["Action"]) == ["sns:Publish", "sns:Subscribe"]
        # and read or end subscriptions, which IAM scopes to "*" only
        assert statements["ReadAndEndRunMailSubscriptions"]["Action"] == [
            "sns:Unsubscribe",
            "sns:GetSubscriptionAttributes",
        ]
    # And with a separate server role, the researcher's role cannot publish at all
    researcher = json.dumps(files["researcher-policy.json"])
    assert "sns:" not in researcher


def allows(policy: dict[str, Any] | list[dict[str, Any]], action: str, resource: str) -> bool:
    """Whether an Allow statement names ``action`` on a resource pattern covering ``resource``
    (IAM's ``*`` as fnmatch's; conditions are checked by the tests that care)."""
    statements = policy if isinstance(policy, list) else policy["Statement"]
    for item in statements:
        actions = [item["Action"]] if isinstance(item["Action"], str) else item["Action"]
        if item["Effect"] == "Allow" and action in actions and admits(item["Resource"], resource):
            return True
    return False


QUEUE = f"arn:aws:batch:us-east-1:{ACCOUNT}:job-queue/ucdh-runs"
DEFINITION = f"arn:aws:batch:us-east-1:{ACCOUNT}:job-definition/ucdh-runs:*"
JOBS = f"arn:aws:batch:us-east-1:{ACCOUNT}:job/*"


@pytest.mark.parametrize("server_role", [None, "ucdh-server"], ids=["shared-role", "server-role"])
def test_the_server_submits_to_the_runs_queue_only_and_ends_only_managed_batch_jobs(
    tmp_path: Path, server_role: str | None
) -> None:
    # Given the policies of a deployment whose stack creates the Batch queue (the default)
    extra = ("--server-role", server_role) if server_role else ()
    files = generate(tmp_path, SETTINGS, *extra)
    role = "server" if server_role else "researcher"
    policy = files[f"{role}-batch-policy.json"]
    # Then the server's role submits to that queue and job definition (any revision) only
    submit = statement(policy, "BatchSubmitToTheRunsQueueOnly")
    assert submit["Action"] == "batch:SubmitJob"
    assert submit["Resource"] == [QUEUE, DEFINITION, JOBS]
    assert not allows(policy, "batch:SubmitJob", QUEUE.replace("ucdh-runs", "other-queue"))
    # And tags a job only as ucdh:managed, and terminates only jobs tagged so
    tag = statement(policy, "BatchTagJobsOnlyAsManaged")
    assert (tag["Action"], tag["Resource"]) == ("batch:TagResource", JOBS)
    assert tag["Condition"] == {"StringEquals": {"aws:RequestTag/ucdh:managed": "true"}}
    terminate = statement(policy, "TerminateOnlyManagedBatchJobs")
    assert (terminate["Action"], terminate["Resource"]) == ("batch:TerminateJob", JOBS)
    assert terminate["Condition"] == {"StringEquals": {"aws:ResourceTag/ucdh:managed": "true"}}
    # And follows jobs and checks the queue (IAM has no resource for these: "*")
    for action in ("DescribeJobs", "ListJobs", "DescribeJobQueues", "DescribeJobDefinitions"):
        assert allows(policy, f"batch:{action}", "*")
    assert allows(role_statements(files, role), "ec2:DescribeSubnets", "*")  # preflight
    # And needs no PassRole for Batch: the job definition names the job role
    passes = [item for item in policy["Statement"] if item["Action"] == "iam:PassRole"]
    assert [item["Sid"] for item in passes] == ["PassOnlyTheScheduleRoleToScheduler"]
    # And the researcher's role gets none of it when the server has its own
    if server_role:
        assert "researcher-batch-policy.json" not in files
        assert "batch:" not in json.dumps(role_statements(files, "researcher"))


def test_recurring_schedules_stay_in_their_group_and_pass_only_the_schedule_role(
    tmp_path: Path,
) -> None:
    # Given the policies of a deployment with recurring runs in their own group
    files = generate(tmp_path, {**SETTINGS, "runs_schedule_group": "study-schedules"})
    policy = files["researcher-batch-policy.json"]
    schedule = f"arn:aws:scheduler:us-east-1:{ACCOUNT}:schedule/study-schedules/ucdh-sched-1"
    # Then the server creates, changes, reads and deletes schedules of that group only
    for action in ("Create", "Update", "Get", "Delete"):
        assert allows(policy, f"scheduler:{action}Schedule", schedule)
        assert not allows(policy, f"scheduler:{action}Schedule", schedule.replace("study", "x"))
    assert allows(policy, "scheduler:ListSchedules", "*")  # no resource level in IAM
    group = f"arn:aws:scheduler:us-east-1:{ACCOUNT}:schedule-group/study-schedules"
    assert allows(policy, "scheduler:CreateScheduleGroup", group)
    assert allows(policy, "scheduler:GetScheduleGroup", group)
    # And passes the schedule role, to EventBridge Scheduler only
    passing = statement(policy, "PassOnlyTheScheduleRoleToScheduler")
    assert passing["Resource"] == f"arn:aws:iam::{ACCOUNT}:role/ucdh-run-schedule"
    assert passing["Condition"] == {
        "StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}
    }
    # And the stack creates that group (as it does the backstop's)
    resources = files["admin-stack.json"]["Resources"]
    assert resources["RecurringScheduleGroup"]["Properties"] == {"Name": "study-schedules"}


def test_the_schedule_role_trusts_scheduler_of_this_account_and_may_only_submit_runs(
    tmp_path: Path,
) -> None:
    # Given a configured schedule role, under a path
    arn = f"arn:aws:iam::{ACCOUNT}:role/service-role/ucdh-schedules"
    files = generate(tmp_path, {**SETTINGS, "runs_schedule_role_arn": arn})
    # Then the server passes exactly that role, and the stack creates it there
    passing = statement(files["researcher-batch-policy.json"], "PassOnlyTheScheduleRoleToScheduler")
    assert passing["Resource"] == arn
    role = files["admin-stack.json"]["Resources"]["ScheduleRole"]["Properties"]
    assert (role["RoleName"], role["Path"]) == ("ucdh-schedules", "/service-role/")
    # And only EventBridge Scheduler acting for this account may assume it
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    # And it may submit to the runs queue, tagging the job as managed, and nothing else
    policy = role["Policies"][0]["PolicyDocument"]
    assert policy == files["schedule-role-policy.json"]
    assert {a for item in policy["Statement"] for a in [item["Action"]]} == {
        "batch:SubmitJob",
        "batch:TagResource",
    }
    assert statement(policy, "ScheduleSubmitToTheRunsQueueOnly")["Resource"] == [
        QUEUE,
        DEFINITION,
        JOBS,
    ]
    tag = statement(policy, "ScheduleTagJobsOnlyAsManaged")
    assert tag["Condition"] == {"StringEquals": {"aws:RequestTag/ucdh:managed": "true"}}
    findings = parliament(tmp_path / "iam" / "schedule-role-policy.json")
    assert [f for f in findings if not documented(f, policy["Statement"])] == []


def test_the_stack_creates_a_private_fargate_queue_whose_max_vcpus_limits_a_sweep(
    tmp_path: Path,
) -> None:
    # Given a deployment without a Batch queue of its own: the stack creates one
    settings = {**SETTINGS, "runs_sweep_max_parallel": 6, "max_runtime_hours": 12}
    template = generate(tmp_path, settings)["admin-stack.json"]
    resources, parameters = template["Resources"], template["Parameters"]
    # Then a Fargate compute environment in the runs subnet and security groups, whose
    # maxvCpus (default: runs_sweep_max_parallel) the description says limits children
    environment = resources["BatchComputeEnvironment"]["Properties"]
    assert environment["ComputeEnvironmentName"] == "ucdh-runs"
    compute = environment["ComputeResources"]
    assert compute["Type"] == "FARGATE"
    assert compute["Subnets"] == [SETTINGS["runs_subnet_id"]]
    assert compute["SecurityGroupIds"] == SETTINGS["runs_security_group_ids"]
    assert compute["MaxvCpus"] == {"Ref": "BatchMaxvCpus"}
    assert parameters["BatchMaxvCpus"]["Default"] == 6
    assert "maxvCpus" in template["Description"] and "children at once" in template["Description"]
    # And a queue on it, and a job definition with no public IP, the max runtime as its
    # timeout, the job role and an image the admin gives (the description says what it needs)
    queue = resources["BatchJobQueue"]["Properties"]
    assert queue["JobQueueName"] == "ucdh-runs"
    assert queue["ComputeEnvironmentOrder"][0]["ComputeEnvironment"] == {
        "Ref": "BatchComputeEnvironment"
    }
    definition = resources["BatchJobDefinition"]["Properties"]
    assert definition["PlatformCapabilities"] == ["FARGATE"]
    assert definition["Timeout"] == {"AttemptDurationSeconds": 12 * 3600}
    container = definition["ContainerProperties"]
    assert container["NetworkConfiguration"] == {"AssignPublicIp": "DISABLED"}
    assert container["JobRoleArn"] == {"Fn::GetAtt": ["BatchJobRole", "Arn"]}
    assert container["Image"] == {"Ref": "BatchImage"}
    needs = parameters["BatchImage"]["Description"]
    assert all(tool in needs for tool in ("bash", "AWS CLI", "python3 with venv", "useradd"))
    # And the queue and definition are what the server's policy submits to, and outputs
    assert {"BatchJobQueueArn", "BatchJobDefinitionArn", "ScheduleRoleArn"} <= set(
        template["Outputs"]
    )
    # And cfn-lint finds nothing at all
    lint = cfn_lint(tmp_path / "iam" / "admin-stack.json")
    assert lint.returncode == 0 and lint.stdout.strip() == "", lint.stdout + lint.stderr


def test_the_batch_job_role_has_the_run_instance_rights_from_the_runs_vpc_only(
    tmp_path: Path,
) -> None:
    # Given the policies, with the wheel cache on
    files = generate(tmp_path, {**SETTINGS, "runs_wheel_cache": True})
    job, instance = files["batch-job-role-policy.json"], files["run-instance-policy.json"]

    # Then the job role may do what the run instance role may (the same runner), on the
    # same resources, without the instance-only conditions a container cannot meet
    def granted(policy: dict[str, Any]) -> list[tuple[Any, Any]]:
        return sorted(
            (json.dumps(item["Action"]), json.dumps(item["Resource"]))
            for item in policy["Statement"]
        )

    assert granted(job) == granted(instance)
    assert "ec2:SourceInstanceARN" not in json.dumps(job)
    # And S3 only through a VPC endpoint; in the stack, only from the runs VPC
    assert statement(job, "DenyUseNotThroughAVpcEndpoint")["Condition"] == {
        "Null": {"aws:SourceVpc": "true"}
    }
    role = files["admin-stack.json"]["Resources"]["BatchJobRole"]["Properties"]
    stacked = role["Policies"][0]["PolicyDocument"]
    assert statement(stacked, "DenyUseOutsideTheRunsVpc")["Condition"] == {
        "StringNotEquals": {"aws:SourceVpc": {"Ref": "VpcId"}}
    }
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    # And the runs bucket admits it
    bucket = statement(files["runs-bucket-policy.json"], "DenyDataAccessToOtherPrincipals")
    assert (
        f"arn:aws:iam::{ACCOUNT}:role/ucdh-batch-job"
        in bucket["Condition"]["ArnNotLike"]["aws:PrincipalArn"]
    )


def test_without_batch_the_stack_and_policies_hold_nothing_of_it(tmp_path: Path) -> None:
    # Given an administrator who wants no Batch resources and names no queue
    files = generate(tmp_path, SETTINGS, "--no-batch")
    template = files["admin-stack.json"]
    # Then no Batch resource, schedule role or image parameter, and no Batch right
    types = {item["Type"] for item in template["Resources"].values()}
    assert not [kind for kind in types if kind.startswith("AWS::Batch::")]
    assert (
        "ScheduleRole" not in template["Resources"] and "BatchImage" not in template["Parameters"]
    )
    assert not [name for name in files if "batch" in name or "schedule" in name]
    assert "batch:" not in json.dumps(files)
    # And cfn-lint still finds nothing
    lint = cfn_lint(tmp_path / "iam" / "admin-stack.json")
    assert lint.returncode == 0 and lint.stdout.strip() == "", lint.stdout + lint.stderr


def test_an_own_batch_queue_is_named_in_the_policies_and_not_created(tmp_path: Path) -> None:
    # Given the administrator's own queue (an ARN) and a pinned job definition revision
    queue = f"arn:aws:batch:us-east-1:{ACCOUNT}:job-queue/study-sweeps"
    settings = {**SETTINGS, "runs_batch_job_queue": queue, "runs_batch_job_definition": "nb:4"}
    files = generate(tmp_path, settings)
    # Then the server and the schedule role submit there, with that revision only
    for policy, sid in (
        (files["researcher-batch-policy.json"], "Batch"),
        (files["schedule-role-policy.json"], "Schedule"),
    ):
        assert statement(policy, f"{sid}SubmitToTheRunsQueueOnly")["Resource"] == [
            queue,
            f"arn:aws:batch:us-east-1:{ACCOUNT}:job-definition/nb:4",
            JOBS,
        ]
    # And the stack creates the schedule role but no Batch resource (the queue is theirs)
    resources = files["admin-stack.json"]["Resources"]
    assert "ScheduleRole" in resources and "BatchJobQueue" not in resources
    # And asking the stack to create a queue named by an ARN is refused, naming why
    (tmp_path / "again").mkdir()
    with pytest.raises(SystemExit) as refused:
        generate(tmp_path / "again", settings, "--batch")
    assert "no ARN, no revision" in str(refused.value)


def test_half_a_batch_setting_is_refused_by_the_command(tmp_path: Path) -> None:
    # Given a job queue without its job definition
    settings = {**SETTINGS, "runs_batch_job_queue": "study-sweeps"}
    # When the policies are asked for
    with pytest.raises(SystemExit) as refused:
        generate(tmp_path, settings)
    # Then the command names both settings and writes nothing
    assert "runs_batch_job_queue and runs_batch_job_definition" in str(refused.value)
    assert not (tmp_path / "iam").exists()


def test_the_run_mail_policy_allows_every_sns_call_the_server_makes(
    tmp_path: Path, local_aws: LocalAws, aws_env: dict[str, str]
) -> None:
    # Given the server's notifier on the local AWS, with every SNS call it makes recorded
    topic = local_aws.client("sns").create_topic(Name="ucdh-policy-calls")["TopicArn"]
    config = UcdhConfig(
        mode="local",
        endpoint_url=local_aws.endpoint_url,
        region=DEMO_REGION,
        runs_bucket="ucdh-demo-runs",
        runs_prefix="tests/policy-calls/",
        runs_notify_topic_arn=topic,
    )
    aws = AwsClients(config)
    calls: list[tuple[str, dict[str, Any]]] = []

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        calls.append((model.name, dict(params)))

    aws.client("sns").meta.events.register("provide-client-params.sns.*", record)
    notifier = Notifier(config, aws)
    # When a user subscribes, a run of theirs ends, they change address, then turn it off
    notifier.subscribe("jdoe", "jdoe@hospital.example")
    run = make_run(owner="jdoe")
    for state in (RunState.SUBMITTED, RunState.PROVISIONING, RunState.RUNNING, RunState.FAILED):
        run.move_to(state, failure_kind=FailureKind.NOTEBOOK_ERROR)
    assert notifier.run_ended(run)
    notifier.subscribe("jdoe", "j.doe@hospital.example")
    notifier.unsubscribe("jdoe")
    # Then the generated policy allows each of those calls on what it names
    policy = generate(tmp_path, {**SETTINGS, "runs_notify_topic_arn": topic})
    statements = role_statements(policy, "researcher")
    made = {name for name, _ in calls}
    assert {"Subscribe", "Publish", "Unsubscribe", "GetSubscriptionAttributes"} <= made
    for name, params in calls:
        assert allows(statements, f"sns:{name}", params.get("TopicArn", "*")), name
