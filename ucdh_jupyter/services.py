"""The service container built once when the server extension loads.

Handlers reach it through ``self.settings["ucdh"]``; magics build their own from
the same config. Building it makes no AWS call.
"""

from __future__ import annotations

import platform
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from . import __version__
from .aws import AwsClients
from .config import UcdhConfig
from .errors import translate


class UcdhServices:
    """Configuration, AWS clients and the worker pool that runs blocking boto3 calls."""

    def __init__(self, config: UcdhConfig) -> None:
        self.config = config
        self.aws = AwsClients(config)
        # boto3 calls block; they run here, never on the tornado event loop.
        self.executor = ThreadPoolExecutor(max_workers=16, thread_name_prefix="ucdh-aws")

    def status(self) -> dict[str, Any]:
        """Who the user is in AWS, which mode, versions, and any credential problem."""
        problem: dict[str, Any] | None = None
        identity: dict[str, str] | None = None
        region: str | None = None
        try:
            region = self.aws.region
            identity = self.aws.identity()
        except Exception as exc:
            error = translate(exc, self.config.profile)
            problem = {"status": error.status, **error.to_json()}
        return {
            "mode": self.config.mode,
            "region": region,
            "profile": self.config.profile,
            "endpoint_url": self.config.endpoint_url,
            "identity": identity,
            "problem": problem,
            "versions": self.versions(),
        }

    @staticmethod
    def versions() -> dict[str, str]:
        """Versions worth quoting in a support request."""
        from importlib.metadata import PackageNotFoundError, version

        found = {"ucdh_jupyter": __version__, "python": platform.python_version()}
        for name in ("jupyter_server", "jupyterlab", "boto3", "botocore"):
            try:
                found[name] = version(name)
            except PackageNotFoundError:
                continue
        return found

    def close(self) -> None:
        """Stop the worker pool at server shutdown."""
        self.executor.shutdown(wait=False, cancel_futures=True)
