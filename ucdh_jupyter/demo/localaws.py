"""A moto server on 127.0.0.1 that stands in for S3, EC2, STS, SSM, SNS and Batch.

It runs in this process (moto's threaded server: a real HTTP endpoint on a free
port), so the extension talks to it through its normal ``endpoint_url`` setting —
the production code path — while seeding can bypass HTTP for big prefixes.
"""

from __future__ import annotations

import logging
import os
import socket
import tempfile
from contextlib import closing
from pathlib import Path
from typing import Any

from .batch import LocalBatch

DEMO_REGION = "us-east-1"
DEMO_ACCOUNT = "123456789012"
# Throw-away credentials: moto accepts anything. The secret is distinctive so the
# secret-scan test can prove it never appears in a response or a log line.
DEMO_ACCESS_KEY = "ucdh-demo-access-key"
DEMO_SECRET_KEY = "ucdh-demo-SECRET-never-show-0b9f2c"  # noqa: S105 - fake, for moto


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def demo_environment(endpoint_url: str) -> dict[str, str]:
    """Environment for processes that must only ever see the local AWS.

    The user's real ``~/.aws`` files are hidden behind empty ones, profiles and
    instance metadata are switched off, so nothing can reach a real account.
    """
    empty = Path(tempfile.mkdtemp(prefix="ucdh-demo-aws-"))
    (empty / "config").write_text("")
    (empty / "credentials").write_text("")
    return {
        "AWS_ACCESS_KEY_ID": DEMO_ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": DEMO_SECRET_KEY,
        "AWS_DEFAULT_REGION": DEMO_REGION,
        "AWS_REGION": DEMO_REGION,
        "AWS_CONFIG_FILE": str(empty / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(empty / "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "UCDH_JUPYTER_MODE": "local",
        "UCDH_JUPYTER_ENDPOINT_URL": endpoint_url,
    }


def apply_demo_environment(endpoint_url: str) -> None:
    """Put :func:`demo_environment` into this process's environment."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(name, None)
    os.environ.update(demo_environment(endpoint_url))


class LocalAws:
    """Start/stop the moto server; use as a context manager."""

    def __init__(self, port: int = 0) -> None:
        # 0: the server binds a free port itself and :meth:`start` reads which (a port
        # picked beforehand could be taken by then, and moto would wait forever).
        self.port = port
        self._server: Any = None
        self.batch: LocalBatch | None = None

    @property
    def endpoint_url(self) -> str:
        """The URL to configure as ``UcdhConfig.endpoint_url`` (once started)."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LocalAws:
        """Start serving; returns at once when the socket listens."""
        from moto.server import ThreadedMotoServer

        # One access-log line per AWS call drowns the Jupyter log.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()
        self.port = int(self._server.get_host_and_port()[1])
        # moto would run Batch jobs in Docker; they run on local machines instead.
        self.batch = LocalBatch(self.endpoint_url).install()
        return self

    def stop(self) -> None:
        """Stop serving (and running Batch jobs)."""
        if self.batch is not None:
            self.batch.uninstall()
            self.batch = None
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> LocalAws:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def client(self, service: str) -> Any:
        """A boto3 client against this server with the demo credentials."""
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.endpoint_url,
            region_name=DEMO_REGION,
            aws_access_key_id=DEMO_ACCESS_KEY,
            aws_secret_access_key=DEMO_SECRET_KEY,
        )

    @staticmethod
    def put_public_parameter(name: str, value: str) -> None:
        """Add an AWS-owned public SSM parameter (an AMI id) to moto's in-process backend:
        PutParameter refuses names under ``/aws``, as AWS does, and moto ships only the
        Amazon Linux ones."""
        from datetime import datetime, timezone

        from moto.ssm.models import Parameter, ssm_backends

        parameters = ssm_backends[DEMO_ACCOUNT][DEMO_REGION]._parameters
        parameters[name].append(
            Parameter(  # type: ignore[abstract]  # moto's class, complete at run time
                account_id=DEMO_ACCOUNT,
                name=name,
                value=value,
                parameter_type="String",
                description=None,
                allowed_pattern=None,
                keyid=None,
                last_modified_date=datetime.now(timezone.utc),
                version=len(parameters[name]) + 1,
                data_type="aws:ec2:image",
            )
        )

    @staticmethod
    def put_many(bucket: str, items: dict[str, bytes]) -> None:
        """Write many objects straight into moto's in-process backend.

        Over HTTP moto takes ~150 PutObject/s; prefixes with thousands of keys are
        seeded here instead. Listing them still goes through the HTTP endpoint.
        """
        from moto.s3.models import s3_backends

        backend = s3_backends[DEMO_ACCOUNT]["aws"]
        for key, body in items.items():
            backend.put_object(bucket, key, body)
