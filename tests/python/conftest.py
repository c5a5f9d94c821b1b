"""Shared fixtures: one seeded local AWS (moto server mode) per session, a Jupyter server per test.

The extension is pointed at the local AWS only through its normal settings
(``UcdhConfig.endpoint_url``) — the production code path.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from jupyter_server.auth.authorizer import Authorizer

from ucdh_jupyter.demo.localaws import DEMO_REGION, LocalAws, demo_environment
from ucdh_jupyter.demo.seed import seed

pytest_plugins = ["pytest_jupyter.jupyter_server"]


@pytest.fixture(scope="session")
def local_aws() -> Iterator[LocalAws]:
    """A seeded moto server on 127.0.0.1, shared by the whole session."""
    with LocalAws() as local:
        seed(local)
        yield local


@pytest.fixture
def aws_env(local_aws: LocalAws, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Throw-away demo credentials; the developer's real AWS config is hidden."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    env = demo_environment(local_aws.endpoint_url)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@pytest.fixture
def ucdh_config(local_aws: LocalAws) -> dict[str, Any]:
    """The extension's settings for a test; override this fixture to change them."""
    return {"mode": "local", "endpoint_url": local_aws.endpoint_url, "region": DEMO_REGION}


@pytest.fixture
def jp_server_config(aws_env: dict[str, str], ucdh_config: dict[str, Any]) -> dict[str, Any]:
    """A server with the extension enabled and no unauthenticated access at all."""
    return {
        "ServerApp": {
            "jpserver_extensions": {"ucdh_jupyter": True},
            "allow_unauthenticated_access": False,
        },
        "UcdhConfig": ucdh_config,
    }


@pytest.fixture
def get_json(jp_fetch: Any) -> Any:
    """GET a ucdh-jupyter route; returns (status, JSON body) without raising on 4xx/5xx."""

    async def fetch(path: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
        response = await jp_fetch("ucdh-jupyter", path, raise_error=False, **kwargs)
        return response.code, json.loads(response.body or b"{}")

    return fetch


class DenyUcdhAuthorizer(Authorizer):
    """An authorizer that refuses the ucdh-jupyter resource and allows everything else."""

    def is_authorized(self, handler: Any, user: Any, action: str, resource: str) -> bool:
        return resource != "ucdh-jupyter"
