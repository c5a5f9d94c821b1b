"""boto3 sessions and clients: the only place the extension reaches AWS from.

Design notes:
- boto3 is imported on first use, not at import time, so loading the server
  extension costs no boto3 import and makes no network call.
- A session is cached and rebuilt after a credential error, so a user who runs
  ``aws sso login`` in a terminal is picked up without restarting Jupyter.
  Refreshable credentials (SSO, assume-role, SageMaker execution role) refresh
  themselves inside botocore.
- Every client uses adaptive retries and the app id in the user agent, so calls
  are identifiable in CloudTrail.
- The status check uses a "quick" client: one attempt, short timeouts. Retrying an
  unreachable endpoint is what made the sidebar's status take 8-15 s on botocore 1.34
  (its retry and backoff for connection errors); the status answers in about 2 s instead,
  on old and new botocore alike. Data calls keep their retries.
"""

from __future__ import annotations

import threading
from typing import Any

from .config import UcdhConfig
from .errors import UcdhError, translate


class AwsClients:
    """Builds and caches boto3 clients configured from :class:`UcdhConfig`."""

    def __init__(self, config: UcdhConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._session: Any = None
        self._clients: dict[tuple[str, str | None, bool], Any] = {}

    def session(self) -> Any:
        """The boto3 session, built on first use."""
        with self._lock:
            if self._session is None:
                import boto3

                self._session = boto3.Session(
                    profile_name=self.config.profile or None,
                    region_name=self.config.region or None,
                )
            return self._session

    def reset(self) -> None:
        """Forget the session and clients, e.g. after the user signed in again."""
        with self._lock:
            self._session = None
            self._clients.clear()

    @property
    def region(self) -> str:
        """The region in force (configured, or from the profile / environment), checked.

        A typo in the region otherwise surfaces as an obscure DNS failure.
        """
        session = self.session()
        region = self.config.region or session.region_name
        if not region:
            raise UcdhError(
                400,
                "no_region",
                "No AWS region is configured.",
                "Set UcdhConfig.region or AWS_REGION (for example us-east-1).",
            )
        known = {
            name
            for partition in session.get_available_partitions()
            for name in session.get_available_regions("ec2", partition_name=partition)
        }
        if region not in known:
            raise UcdhError(
                400,
                "unknown_region",
                f"{region!r} is not an AWS region.",
                "Check UcdhConfig.region or AWS_REGION (for example us-east-1 or us-gov-west-1).",
            )
        return str(region)

    def use_client(self, service: str, client: Any, region: str | None = None) -> None:
        """Answer ``client(service, region)`` with a client built elsewhere (a stubbed one
        for an API the local AWS lacks, or one an embedding application configured)."""
        with self._lock:
            self._clients[(service, region, False)] = client

    def client(self, service: str, region: str | None = None, quick: bool = False) -> Any:
        """A cached client for ``service`` (``region`` pins it, as Pricing needs).

        ``quick``: one attempt and a 2 s connect timeout, for checks that must answer
        fast (the status); an unreachable AWS then fails in about 2 s instead of
        retrying. The read timeout stays generous: an endpoint that accepted the
        connection is there, only busy (a cold local AWS building the instance catalog
        took over 5 s), and calling it unreachable would be wrong.
        """
        key = (service, region, quick)
        with self._lock:
            cached = self._clients.get(key)
        if cached is not None:
            return cached
        from botocore.config import Config

        endpoint = self.config.endpoint_url
        if service == "s3" and self.config.s3_endpoint_url:
            endpoint = self.config.s3_endpoint_url
        # total_max_attempts counts the first attempt, and botocore 1.34 knows it too.
        retries = (
            {"mode": "standard", "total_max_attempts": 1}
            if quick
            else {"mode": "adaptive", "max_attempts": 5}
        )
        client_config = Config(
            retries=retries,
            user_agent_appid=self.config.app_id,
            connect_timeout=2 if quick else 5,
            read_timeout=20 if quick else 60,
            max_pool_connections=32,
            signature_version="s3v4" if service == "s3" else None,
        )
        client = self.session().client(
            service,
            region_name=region or self.region,
            endpoint_url=endpoint or None,
            verify=self.config.ca_bundle or None,
            config=client_config,
        )
        with self._lock:
            self._clients.setdefault(key, client)
            return self._clients[key]

    def identity(self) -> dict[str, str]:
        """Who the credentials belong to (STS GetCallerIdentity)."""
        try:
            reply = self.client("sts", quick=True).get_caller_identity()
        except Exception as exc:
            error = translate(exc, self.config.profile)
            if error.status == 401:
                self.reset()
            raise error from exc
        return {"account": reply["Account"], "arn": reply["Arn"], "user_id": reply["UserId"]}
