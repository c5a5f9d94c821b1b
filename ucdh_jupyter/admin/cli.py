"""``ucdh-jupyter admin policies``: write the IAM policies and the CloudFormation template;
``ucdh-jupyter admin settings``: list every setting with its help and its value.

Everything is generated offline from the server's settings (see ``settings.load_config``):
no network, no AWS call. The files are for an administrator to review and apply.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from traitlets import TraitError

from .batch import DEFAULT_NAME
from .settings import Account, account_from_arn, load_config, partition_of, role_name

FILES = {
    "researcher-policy.json": "the role of the Jupyter server and the researcher's kernels",
    "server-policy.json": "the separate server role (only with --server-role)",
    "run-instance-policy.json": "the run instance profile's role",
    "runs-bucket-policy.json": "the runs bucket",
    "researcher-batch-policy.json": "the researcher's role too (the server submits sweeps "
    "and scheduled runs to AWS Batch, and manages recurring schedules)",
    "server-batch-policy.json": "the separate server role too (Batch and recurring schedules)",
    "batch-job-role-policy.json": "the AWS Batch job role (sweeps' and scheduled runs' "
    "containers; trust: ecs-tasks.amazonaws.com)",
    "schedule-role-policy.json": "the role EventBridge Scheduler assumes to start a recurring "
    "run (trust: scheduler.amazonaws.com)",
    "admin-stack.json": "CloudFormation: runs bucket, run role and profile, security group, "
    "backstop scheduler role; with Batch, schedule group and role (and, unless --no-batch, "
    "the Batch compute environment, job queue, job definition and job role)",
}


def parser() -> argparse.ArgumentParser:
    """The ``admin`` command line."""
    top = argparse.ArgumentParser(
        prog="ucdh-jupyter admin",
        description="Administrator tools. Extra --UcdhConfig.name=value arguments override "
        "the config files, as on the Jupyter server's command line.",
    )
    commands = top.add_subparsers(dest="command", required=True)
    policies = commands.add_parser(
        "policies", help="write IAM policies and a CloudFormation template"
    )
    policies.add_argument("--out", default="ucdh-iam", help="directory to write (default ucdh-iam)")
    policies.add_argument("--config", default=None, help="Jupyter server config file")
    policies.add_argument("--region", default=None, help="default: UcdhConfig.region, AWS_REGION")
    policies.add_argument(
        "--account-id", default=None, help="default: the account in runs_instance_profile's ARN"
    )
    policies.add_argument(
        "--researcher-role", default="ucdh-researcher", help="role name, with its path if any"
    )
    policies.add_argument("--run-role", default="ucdh-run-instance", help="role name")
    policies.add_argument(
        "--backstop-role",
        default="ucdh-run-backstop",
        help="role name for EventBridge Scheduler (default: runs_backstop_role_arn's, if set)",
    )
    policies.add_argument(
        "--schedule-role",
        default="ucdh-run-schedule",
        help="role name for recurring runs' schedules (default: runs_schedule_role_arn's, if set)",
    )
    policies.add_argument(
        "--batch-job-role", default="ucdh-batch-job", help="role name of the Batch jobs"
    )
    policies.add_argument(
        "--batch",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="create the Batch compute environment, job queue and job definition of sweeps "
        "and scheduled runs in the stack (default: when runs_batch_job_queue is unset, "
        f"named {DEFAULT_NAME!r}; set the settings to the stack's outputs)",
    )
    policies.add_argument(
        "--server-role",
        default=None,
        help="role name of a server that does not share the researcher's credentials",
    )
    policies.add_argument("--retention-days", type=int, default=90, help="runs kept (days)")
    settings = commands.add_parser(
        "settings", help="list every UcdhConfig setting with its help, and its value"
    )
    settings.add_argument("--config", default=None, help="Jupyter server config file")
    return top


def describe_settings(args: argparse.Namespace, extra: list[str]) -> str:
    """Every setting, grouped by area, with its help and the value in force (the
    defaults, the config file and ``--UcdhConfig.*`` arguments applied)."""
    from ..config import UcdhConfig

    config = load_config(args.config, extra)
    lines: list[str] = []
    for group in UcdhConfig.__mro__[1:]:
        names = [name for name in group.__dict__ if name in UcdhConfig.class_traits(config=True)]
        if not names:
            continue
        lines.append(f"# {group.__name__}: {(group.__doc__ or '').strip().splitlines()[0]}")
        for name in names:
            trait = UcdhConfig.class_traits()[name]
            lines.append(f"c.UcdhConfig.{name} = {getattr(config, name)!r}")
            lines += [f"    {line}" for line in (trait.help or "").strip().splitlines()]
        lines.append("")
    return "\n".join(lines)


def generate(args: argparse.Namespace, extra: list[str]) -> dict[str, Any]:
    """The documents to write, by file name, for the parsed command line."""
    from .batch import batch_in_use
    from .policies import (
        batch_job_policy,
        batch_policy,
        researcher_policy,
        run_instance_policy,
        runs_bucket_policy,
        schedule_role_policy,
        server_policy,
    )
    from .template import admin_template

    config = load_config(args.config, extra)
    region = args.region or config.region or os.environ.get("AWS_REGION")
    if not region:
        raise SystemExit("error: no region: set UcdhConfig.region, AWS_REGION or --region")
    account_id = args.account_id or account_from_arn(config.runs_instance_profile)
    if not account_id or not account_id.isdigit() or len(account_id) != 12:
        raise SystemExit("error: give --account-id (12 digits) of the account to deploy in")
    if not config.runs_bucket:
        raise SystemExit("error: UcdhConfig.runs_bucket is not set")
    account = Account(
        partition=partition_of(region),
        region=region,
        account_id=account_id,
        researcher_role=args.researcher_role,
        run_role=args.run_role,
        server_role=args.server_role,
        backstop_role=role_name(config.runs_backstop_role_arn) or args.backstop_role,
        schedule_role=role_name(config.runs_schedule_role_arn) or args.schedule_role,
        batch_job_role=args.batch_job_role,
    )
    batch = not config.runs_batch_job_queue if args.batch is None else args.batch
    if batch:
        # The policies then name what the stack creates, as the server will once the
        # settings are set to the stack's outputs.
        config.runs_batch_job_queue = config.runs_batch_job_queue or DEFAULT_NAME
        config.runs_batch_job_definition = config.runs_batch_job_definition or DEFAULT_NAME
    documents = {
        **_spread("researcher", researcher_policy(config, account)),
        "run-instance-policy.json": run_instance_policy(config, account),
        "runs-bucket-policy.json": runs_bucket_policy(config, account),
        "admin-stack.json": admin_template(config, account, args.retention_days, batch),
    }
    if batch_in_use(config):
        server = "server" if args.server_role else "researcher"
        documents[f"{server}-batch-policy.json"] = batch_policy(config, account)
        documents["batch-job-role-policy.json"] = batch_job_policy(config, account)
        documents["schedule-role-policy.json"] = schedule_role_policy(config, account)
    if args.server_role:
        documents.update(_spread("server", server_policy(config, account)))
    return documents


def _spread(role: str, policy: dict[str, Any]) -> dict[str, Any]:
    """``<role>-policy.json``, plus ``<role>-types-N-policy.json`` when the instance-type
    list is too long for one policy (see ``size.py``)."""
    from .launch import LAUNCH_SID
    from .size import split_types

    parts = split_types(policy, LAUNCH_SID)
    names = [f"{role}-policy.json", *(f"{role}-types-{n}-policy.json" for n in range(2, 99))]
    return dict(zip(names, parts, strict=False))


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``ucdh-jupyter admin``."""
    args, extra = parser().parse_known_args(sys.argv[2:] if argv is None else argv)
    unknown = [item for item in extra if not item.startswith("--UcdhConfig.")]
    if unknown:
        parser().error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        if args.command == "settings":
            print(describe_settings(args, extra))
            return 0
        documents = generate(args, extra)
    except (ValueError, TraitError) as error:  # TraitError: a setting outside its min/max
        raise SystemExit(f"error: {error}") from None
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, content in sorted(documents.items()):
        (out / name).write_text(json.dumps(content, indent=2) + "\n")
        what = FILES.get(name, "more instance types of the launch rule: attach it as well")
        print(f"{out / name}: {what}")
    return 0
