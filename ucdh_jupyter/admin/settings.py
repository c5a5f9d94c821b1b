"""The server's own settings, read the way ``jupyter_server`` reads them, for the admin command.

The policies must describe the very limits the server enforces, so they are generated from
the same ``UcdhConfig``: the Jupyter config files on the config path (``jupyter_config``
and ``jupyter_server_config``), then the file given with ``--config``, then any
``--UcdhConfig.name=value`` arguments, later ones winning, as for the server.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from jupyter_core.application import JupyterApp
from traitlets.config import Application

from ..config import UcdhConfig


class _ConfigReader(JupyterApp):
    """A Jupyter application that only reads config (it never starts anything)."""

    name = "ucdh-jupyter-admin"
    description = "Reads the ucdh-jupyter settings of the Jupyter server."
    config_file_name = "jupyter_server_config"
    classes = [UcdhConfig]


def load_config(config_file: str | None, arguments: Sequence[str] = ()) -> UcdhConfig:
    """``UcdhConfig`` as a Jupyter server started with ``--config=config_file arguments``
    would see it (``arguments``: ``--UcdhConfig.name=value`` items)."""
    reader = _ConfigReader()
    reader.parse_command_line(list(arguments))
    cli_config = reader.cli_config
    reader.load_config_file()
    if config_file:
        folder, name = os.path.split(os.path.abspath(config_file))
        if not os.path.isfile(config_file):
            raise FileNotFoundError(f"config file not found: {config_file}")
        # Application's own loader (JupyterApp's would skip jupyter_server_config).
        Application.load_config_file(reader, name, path=[folder])
    reader.update_config(cli_config)
    return UcdhConfig(config=reader.config)


@dataclass(frozen=True)
class Account:
    """Where the policies apply: partition, region, account and the role names."""

    partition: str
    region: str
    account_id: str
    researcher_role: str
    run_role: str
    server_role: str | None
    backstop_role: str = "ucdh-run-backstop"
    schedule_role: str = "ucdh-run-schedule"
    batch_job_role: str = "ucdh-batch-job"

    def arn(self, service: str, resource: str, region: bool = True) -> str:
        """``arn:<partition>:<service>:<region>:<account>:<resource>``."""
        return (
            f"arn:{self.partition}:{service}:{self.region if region else ''}:"
            f"{self.account_id}:{resource}"
        )

    def role_arn(self, name: str) -> str:
        """The ARN of IAM role ``name`` in this account."""
        return f"arn:{self.partition}:iam::{self.account_id}:role/{name}"

    def s3(self, resource: str) -> str:
        """An S3 ARN (buckets and objects carry no region or account)."""
        return f"arn:{self.partition}:s3:::{resource}"


def partition_of(region: str) -> str:
    """``aws``, ``aws-us-gov`` or ``aws-cn`` after the region's name."""
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    if region.startswith("cn-"):
        return "aws-cn"
    return "aws"


def account_from_arn(value: str | None) -> str | None:
    """The account id inside an ARN (e.g. the configured instance profile's), else None."""
    if value and value.startswith("arn:"):
        parts = value.split(":")
        if len(parts) > 4 and parts[4].isdigit():
            return parts[4]
    return None


def profile_name(value: str | None) -> str:
    """The instance profile's name from ``runs_instance_profile`` (a name or an ARN)."""
    if not value:
        return "ucdh-run-instance"
    return value.rsplit("/", 1)[-1] if value.startswith("arn:") else value


def role_name(arn: str | None) -> str | None:
    """The name (with its path) of the role an ARN names, e.g. ``service-role/x``; else None."""
    if not arn or ":role/" not in arn:
        return None
    return arn.split(":role/", 1)[1]
