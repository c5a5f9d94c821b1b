"""Shared fixtures: one seeded local AWS (moto server mode) per session, a Jupyter server per test.

The extension is pointed at the local AWS only through its normal settings
(``UcdhConfig.endpoint_url``) — the production code path.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from jupyter_server.auth.authorizer import Authorizer

from ucdh_jupyter.demo.localaws import DEMO_REGION, LocalAws, demo_environment
from ucdh_jupyter.demo.scheduler import LocalScheduler
from ucdh_jupyter.demo.seed import seed

from .patience import patient
from .spec_check import check_response

pytest_plugins = ["pytest_jupyter.jupyter_server"]


@pytest.fixture(scope="session")
def local_aws() -> Iterator[LocalAws]:
    """A seeded moto server on 127.0.0.1, shared by the whole session."""
    with LocalAws() as local:
        seed(local)
        yield local


@pytest.fixture
def local_scheduler(local_aws: LocalAws) -> LocalScheduler:
    """EventBridge Scheduler's clock on the local AWS, not started: the test calls
    ``tick(now)`` with the moments it chooses. Its backstop and schedule groups are new
    for each test, so other tests' schedules never fire here."""
    scheduler = local_aws.client("scheduler")
    suffix = uuid.uuid4().hex[:8]
    backstop, schedules = f"test-backstop-{suffix}", f"test-schedules-{suffix}"
    for group in (backstop, schedules):
        scheduler.create_schedule_group(Name=group)
    return LocalScheduler(local_aws.client, backstop, [schedules])


@pytest.fixture
def aws_env(local_aws: LocalAws, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Throw-away demo credentials; the developer's real AWS config is hidden."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    env = demo_environment(local_aws.endpoint_url)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def marked(settings: dict[str, Any], request: pytest.FixtureRequest) -> dict[str, Any]:
    """``settings`` changed by the test's ``ucdh`` marker, if it has one."""
    marker = request.node.get_closest_marker("ucdh")
    return {**settings, **(marker.kwargs if marker else {})}


@pytest.fixture
def ucdh_config(local_aws: LocalAws, request: pytest.FixtureRequest) -> dict[str, Any]:
    """The extension's settings for a test: the local ones, changed by a ``ucdh`` marker."""
    local = {"mode": "local", "endpoint_url": local_aws.endpoint_url, "region": DEMO_REGION}
    return marked(local, request)


def server_settings(ucdh_config: dict[str, Any], **server_app: Any) -> dict[str, Any]:
    """A server with the extension enabled, no unauthenticated access at all, and any
    other ``ServerApp`` settings given (an identity provider, an authorizer)."""
    return {
        "ServerApp": {
            "jpserver_extensions": {"ucdh_jupyter": True},
            "allow_unauthenticated_access": False,
            **server_app,
        },
        "UcdhConfig": ucdh_config,
    }


@pytest.fixture
def jp_server_config(aws_env: dict[str, str], ucdh_config: dict[str, Any]) -> dict[str, Any]:
    """A server with the extension enabled and no unauthenticated access at all."""
    return server_settings(ucdh_config)


@pytest.fixture
def jp_fetch(jp_fetch: Any) -> Any:
    """pytest-jupyter's ``jp_fetch``, waiting as long as a slow machine needs (its own
    default is 20 s: a route staging a run on a loaded CI machine took longer)."""

    def fetch(*parts: str, **kwargs: Any) -> Any:
        kwargs.setdefault("request_timeout", patient(30))
        return jp_fetch(*parts, **kwargs)

    return fetch


@pytest.fixture
def get_json(jp_fetch: Any) -> Any:
    """GET a ucdh-jupyter route; returns (status, JSON body) without raising on 4xx/5xx."""

    async def fetch(path: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
        response = await jp_fetch("ucdh-jupyter", path, raise_error=False, **kwargs)
        body = json.loads(response.body or b"{}")
        check_response("GET", path, response.code, response.headers.get("Content-Type", ""), body)
        return response.code, body

    return fetch


class DenyUcdhAuthorizer(Authorizer):
    """An authorizer that refuses the ucdh-jupyter resource and allows everything else."""

    def is_authorized(self, handler: Any, user: Any, action: str, resource: str) -> bool:
        return resource != "ucdh-jupyter"


# -- S3 ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def s3(local_aws: LocalAws) -> Any:
    """A plain boto3 S3 client on the local AWS, to arrange data and check outcomes."""
    return local_aws.client("s3")


@pytest.fixture
def bucket(s3: Any) -> Iterator[str]:
    """A fresh, empty bucket for one test, emptied and removed afterwards."""
    name = f"ucdh-test-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    yield name
    for upload in s3.list_multipart_uploads(Bucket=name).get("Uploads", []):
        s3.abort_multipart_upload(Bucket=name, Key=upload["Key"], UploadId=upload["UploadId"])
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=name):
        items = page.get("Versions", []) + page.get("DeleteMarkers", [])
        if items:
            objects = [{"Key": i["Key"], "VersionId": i["VersionId"]} for i in items]
            s3.delete_objects(Bucket=name, Delete={"Objects": objects, "Quiet": True})
    s3.delete_bucket(Bucket=name)


@pytest.fixture
def ucdh_request(jp_fetch: Any) -> Any:
    """Call a ucdh-jupyter route with any verb; returns (status, JSON body or raw bytes)."""

    async def fetch(method: str, path: str, body: Any = None, **kwargs: Any) -> tuple[int, Any]:
        if body is not None and not isinstance(body, bytes):
            body = json.dumps(body)
        response = await jp_fetch(
            "ucdh-jupyter",
            path,
            method=method,
            body=body,
            raise_error=False,
            allow_nonstandard_methods=True,
            **kwargs,
        )
        content_type = response.headers.get("Content-Type", "")
        answer = response.body
        if content_type.startswith("application/json"):
            answer = json.loads(response.body or b"{}")
        check_response(method, path, response.code, content_type, answer)
        return response.code, answer

    return fetch


class NotebookKernel:
    """An IPython shell standing for a kernel of the test server. Its magics run in a
    worker thread: they block on HTTP calls that the server answers on the test's loop."""

    def __init__(self, shell: Any) -> None:
        self.shell = shell
        self.loaded = False

    async def load(self) -> None:
        """``%load_ext ucdh_jupyter`` (it asks the server which features are on)."""
        await asyncio.to_thread(self.shell.run_line_magic, "load_ext", "ucdh_jupyter")
        self.loaded = True

    async def magic(self, name: str, line: str = "") -> Any:
        """``%name line`` (after loading the extension); its value, or its UsageError."""
        if not self.loaded:
            await self.load()
        return await asyncio.to_thread(self.shell.run_line_magic, name, line)

    async def call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Any notebook-side call (a widget, ``open_s3``) in a worker thread."""
        return await asyncio.to_thread(fn, *args, **kwargs)


@pytest.fixture
def kernel(jp_serverapp: Any, http_server_client: Any) -> Iterator[NotebookKernel]:
    """A kernel of the test server, finding it through the environment the extension
    published at load (no settings of its own)."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    from ucdh_jupyter import server_client

    server_client.reset()
    InteractiveShell.clear_instance()
    config = Config()
    config.HistoryManager.enabled = False
    yield NotebookKernel(InteractiveShell.instance(config=config))
    InteractiveShell.clear_instance()
    server_client.reset()
    for name in (server_client.ENV_URL, server_client.ENV_TOKEN, server_client.ENV_ROOT):
        os.environ.pop(name, None)
