"""The server of the S3 guardrail tests (issue 10).

Every test runs on a server whose runs location is ``ucdh-runs/`` in the test's own
bucket; ``BUCKET`` in a ``ucdh`` marker stands for that bucket. Requests carrying an
``X-Test-User`` header come from that user (see :class:`HeaderIdentity`).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from jupyter_server.auth.identity import IdentityProvider, User

from ucdh_jupyter.demo.localaws import DEMO_REGION, LocalAws

from ..conftest import server_settings

MiB = 1024 * 1024
RUN_KEY = "ucdh-runs/01JRUN/input/runner.py"
ALLOWED = [{"name": "Study", "bucket": "BUCKET", "prefix": "allowed/"}]
SECRET = "patient-MRN-0042"


class HeaderIdentity(IdentityProvider):
    """Two people on one test server: a request with the server's token is made by the
    user its ``X-Test-User`` header names (else by "researcher")."""

    async def get_user(self, handler: Any) -> User | None:  # type: ignore[override]
        user = await self._get_user(handler)
        name = handler.request.headers.get("X-Test-User") or "researcher"
        return User(username=name) if user is not None else None


@pytest.fixture
def ucdh_config(local_aws: LocalAws, request: pytest.FixtureRequest, bucket: str) -> dict:
    """The local settings with the runs in the test bucket, changed by a ``ucdh`` marker."""
    config: dict[str, Any] = {
        "mode": "local",
        "endpoint_url": local_aws.endpoint_url,
        "region": DEMO_REGION,
        "runs_bucket": bucket,
        "runs_prefix": "ucdh-runs/",
    }
    marker = request.node.get_closest_marker("ucdh")
    if marker:
        text = json.dumps(marker.kwargs).replace('"BUCKET"', json.dumps(bucket))
        config.update(json.loads(text))
    return config


@pytest.fixture
def jp_server_config(aws_env: dict[str, str], ucdh_config: dict[str, Any]) -> dict[str, Any]:
    """The conftest server, with people named by a header."""
    return server_settings(ucdh_config, identity_provider_class=HeaderIdentity)


@pytest.fixture
def server_port(http_server: Any, http_server_port: Any) -> int:
    """The port of the running test Jupyter server, for raw-socket clients."""
    return int(http_server_port[0].getsockname()[1])


def keys(s3: Any, bucket: str) -> list[str]:
    return [i["Key"] for i in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
