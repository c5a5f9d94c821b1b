"""``GET status``'s ``workspace`` block: the machine this JupyterLab runs on, its $/h, how
long its kernels have idled, and the suggestion when a large machine idles.

SageMaker's DescribeApp/DescribeSpace and the Price List are not in the local AWS (moto):
those calls alone are stubbed. Instance metadata is a real HTTP stand-in that demands
an IMDSv2 token.
"""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from ucdh_jupyter.workspace_idle import kernel_activity
from ucdh_jupyter.workspace_machine import ec2_instance_type, studio_instance_type

from .aws_stubs import stubbed

STUDIO = {
    "AppType": "JupyterLab",
    "DomainId": "d-abc123example",
    "UserProfileName": "jdoe",
    "SpaceName": "cardio-study",
    "ResourceArn": (
        "arn:aws:sagemaker:us-east-1:123456789012:app/d-abc123example/cardio-study/"
        "JupyterLab/default"
    ),
    "ResourceName": "default",
}
DESCRIBE_APP = {
    "DomainId": STUDIO["DomainId"],
    "SpaceName": STUDIO["SpaceName"],
    "AppType": "JupyterLab",
    "AppName": "default",
}


def price_item(component: str, usd: str) -> str:
    """One AmazonSageMaker Price List product, as get_products returns it (a JSON string)."""
    return json.dumps(
        {
            "product": {
                "attributes": {
                    "instanceName": "ml.m5.4xlarge",
                    "regionCode": "us-east-1",
                    "component": component,
                }
            },
            "terms": {
                "OnDemand": {
                    "T1": {
                        "priceDimensions": {
                            "D1": {"unit": "Hrs", "beginRange": "0", "pricePerUnit": {"USD": usd}}
                        }
                    }
                }
            },
        }
    )


PRICE_QUERY = {
    "ServiceCode": "AmazonSageMaker",
    "Filters": [
        {"Type": "TERM_MATCH", "Field": "regionCode", "Value": "us-east-1"},
        {"Type": "TERM_MATCH", "Field": "instanceName", "Value": "ml.m5.4xlarge"},
    ],
    "FormatVersion": "aws_v1",
    "MaxResults": 100,
}


@pytest.fixture
def metadata_file(tmp_path: Path) -> Path:
    """Where this test's Studio metadata file would be (absent unless a test writes it)."""
    return tmp_path / "resource-metadata.json"


@pytest.fixture
def ucdh_config(ucdh_config: dict[str, Any], metadata_file: Path) -> dict[str, Any]:
    """The local settings, with the Studio metadata read from the test's own path, so
    the machine running the tests never counts as a Studio space."""
    return {"workspace_metadata_path": str(metadata_file), **ucdh_config}


def services_of(jp_serverapp: Any) -> Any:
    """The test server's service container."""
    return jp_serverapp.web_app.settings["ucdh"]


class ImdsStandIn(BaseHTTPRequestHandler):
    """EC2 instance metadata as IMDSv2 serves it: PUT a token, then GET with it."""

    token = "imds-token-1"
    instance_type = "m5.4xlarge"

    def do_PUT(self) -> None:
        if self.path != "/latest/api/token" or not self.headers.get(
            "X-aws-ec2-metadata-token-ttl-seconds"
        ):
            self.send_error(400)
            return
        self.reply(200, self.token)

    def do_GET(self) -> None:
        if self.headers.get("X-aws-ec2-metadata-token") != self.token:
            self.reply(401, "")
        elif self.path == "/latest/meta-data/instance-type":
            self.reply(200, self.instance_type)
        else:
            self.reply(404, "")

    def reply(self, status: int, body: str) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def imds(monkeypatch: pytest.MonkeyPatch, aws_env: Any) -> Iterator[str]:
    """A metadata service on a free local port, where botocore would look for it."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), ImdsStandIn)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.delenv("AWS_EC2_METADATA_DISABLED", raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", endpoint)
    yield endpoint
    server.shutdown()
    server.server_close()


# -- SageMaker Studio ------------------------------------------------------------------


async def test_studio_space_shows_its_instance_type_and_studio_price(
    get_json: Any, jp_serverapp: Any, metadata_file: Path
) -> None:
    # Given JupyterLab runs in a Studio space whose app runs on ml.m5.4xlarge, and the
    # Price List prices that type for training and for Studio differently
    # (live prices on, as in AWS: the local mode's default is off)
    metadata_file.write_text(json.dumps(STUDIO))
    services = services_of(jp_serverapp)
    services.config.live_pricing = True
    with stubbed("sagemaker") as (sagemaker, sm_stub), stubbed("pricing") as (pricing, p_stub):
        sm_stub.add_response(
            "describe_app",
            {**DESCRIBE_APP, "ResourceSpec": {"InstanceType": "ml.m5.4xlarge"}},
            DESCRIBE_APP,
        )
        p_stub.add_response(
            "get_products",
            {
                "PriceList": [
                    price_item("Training", "0.922"),
                    price_item("studio-jupyterlab", "0.806"),
                ]
            },
            PRICE_QUERY,
        )
        services.aws.use_client("sagemaker", sagemaker)
        services.aws.use_client("pricing", pricing, region="us-east-1")
        # When the sidebar asks for the status
        status, body = await get_json("status")
    # Then it names the space and its type, priced as a Studio app (not as training)
    assert status == 200
    workspace = body["workspace"]
    assert workspace["platform"] == "sagemaker"
    assert workspace["where"] == "SageMaker Studio space cardio-study"
    assert workspace["instance_type"] == "ml.m5.4xlarge"
    assert workspace["price_per_hour"] == 0.806
    assert workspace["vcpu"] == 16


async def test_studio_type_without_a_studio_price_shows_no_figure(
    get_json: Any, jp_serverapp: Any, metadata_file: Path
) -> None:
    # Given the Price List knows the type only for training
    metadata_file.write_text(json.dumps(STUDIO))
    services = services_of(jp_serverapp)
    with stubbed("sagemaker") as (sagemaker, sm_stub), stubbed("pricing") as (pricing, p_stub):
        sm_stub.add_response(
            "describe_app", {"ResourceSpec": {"InstanceType": "ml.m5.4xlarge"}}, DESCRIBE_APP
        )
        p_stub.add_response(
            "get_products", {"PriceList": [price_item("Training", "0.922")]}, PRICE_QUERY
        )
        services.aws.use_client("sagemaker", sagemaker)
        services.aws.use_client("pricing", pricing, region="us-east-1")
        status, body = await get_json("status")
    # Then the type is shown without a price: the training figure is not passed off as it
    assert status == 200
    assert body["workspace"]["instance_type"] == "ml.m5.4xlarge"
    assert body["workspace"]["price_per_hour"] is None
    assert body["workspace"]["price_source"] is None


def test_studio_app_without_an_instance_type_falls_back_to_the_space_default() -> None:
    # Given an app that reports no instance type, in a space whose default is ml.t3.medium
    with stubbed("sagemaker") as (sagemaker, stub):
        stub.add_response("describe_app", {"AppName": "default"}, DESCRIBE_APP)
        stub.add_response(
            "describe_space",
            {
                "SpaceSettings": {
                    "JupyterLabAppSettings": {
                        "DefaultResourceSpec": {"InstanceType": "ml.t3.medium"}
                    }
                }
            },
            {"DomainId": STUDIO["DomainId"], "SpaceName": STUDIO["SpaceName"]},
        )
        # When the instance type is looked up
        found = studio_instance_type(STUDIO, sagemaker)
        stub.assert_no_pending_responses()
    # Then it is the space's default
    assert found == "ml.t3.medium"


# -- EC2 -------------------------------------------------------------------------------


def test_instance_metadata_is_read_with_an_imdsv2_token(imds: str) -> None:
    # Given a metadata service that refuses requests without a session token
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{imds}/latest/meta-data/instance-type", timeout=2)
    assert refused.value.code == 401
    # When the instance type is asked for
    # Then it is read (the token was fetched and sent)
    assert ec2_instance_type(imds) == "m5.4xlarge"


async def test_ec2_instance_shows_its_type_vcpus_and_ec2_price(
    imds: str, get_json: Any, jp_serverapp: Any
) -> None:
    # Given JupyterLab runs on an EC2 m5.4xlarge
    # When the status is asked for
    status, body = await get_json("status")
    # Then the header learns the type, its vCPUs and its price from the price table
    table = services_of(jp_serverapp).compute.price_table()
    workspace = body["workspace"]
    assert status == 200
    assert workspace["platform"] == "ec2"
    assert workspace["instance_type"] == "m5.4xlarge"
    assert workspace["vcpu"] == 16
    assert workspace["price_per_hour"] == round(table.price("m5.4xlarge"), 4)
    assert workspace["price_source"].startswith("EC2 on-demand")


async def test_neither_studio_nor_ec2_says_nothing_about_the_machine(get_json: Any) -> None:
    # Given no Studio metadata and no instance metadata service
    status, body = await get_json("status")
    # Then the status answers, silent about the machine
    assert status == 200
    assert body["problem"] is None
    assert body["workspace"] is None


# -- idle time and the suggestion ---------------------------------------------------------


@pytest.mark.ucdh(workspace_instance_type="m5.4xlarge", workspace_idle_minutes=0)
async def test_large_idle_machine_suggests_a_run_and_says_why(get_json: Any) -> None:
    # Given the stand-in m5.4xlarge (16 vCPUs) and an idle threshold of 0 minutes
    status, body = await get_json("status")
    # Then the suggestion names a run and a smaller machine, and why it is made
    workspace = body["workspace"]
    assert status == 200
    assert workspace["platform"] == "configured"
    assert workspace["large"] is True
    assert "run on AWS" in workspace["suggestion"]["message"]
    assert "smaller machine" in workspace["suggestion"]["message"]
    assert "16 vCPUs" in workspace["suggestion"]["reason"]


@pytest.mark.ucdh(workspace_instance_type="t3.medium", workspace_idle_minutes=0)
async def test_small_idle_machine_gets_no_suggestion(get_json: Any) -> None:
    status, body = await get_json("status")
    assert status == 200
    assert body["workspace"]["large"] is False
    assert body["workspace"]["suggestion"] is None


@pytest.mark.ucdh(workspace_instance_type="m5.4xlarge")
async def test_status_counts_the_running_kernels(get_json: Any, jp_fetch: Any) -> None:
    # Given a kernel started in this JupyterLab
    reply = await jp_fetch("api", "kernels", method="POST", body=json.dumps({"name": "python3"}))
    kernel_id = json.loads(reply.body)["id"]
    try:
        # When the status is asked for
        status, body = await get_json("status")
    finally:
        await jp_fetch("api", "kernels", kernel_id, method="DELETE")
    # Then it counts the kernel, and a fresh server is not yet idle for 30 minutes
    kernels = body["workspace"]["kernels"]
    assert status == 200
    assert kernels["running"] == 1
    assert kernels["idle_seconds"] < 30 * 60
    assert body["workspace"]["suggestion"] is None


def test_idle_time_is_zero_while_a_kernel_is_busy_else_since_the_last_activity() -> None:
    now = datetime(2026, 12, 5, 12, 0, tzinfo=timezone.utc)
    started = now - timedelta(hours=3)
    quiet = [("idle", now - timedelta(minutes=50)), ("idle", now - timedelta(minutes=40))]
    # A busy kernel: the machine is working
    assert (
        kernel_activity([*quiet, ("busy", now - timedelta(hours=1))], started, now).idle_seconds
        == 0
    )
    # Only idle kernels: since the most recent activity of any of them
    assert kernel_activity(quiet, started, now).idle_seconds == 40 * 60
    # No kernel at all: since the server started
    assert kernel_activity([], started, now).idle_seconds == 3 * 3600


@pytest.mark.ucdh(workspace_instance_type="m5.4xlarge", workspace_idle_minutes=0)
async def test_the_workspace_route_follows_the_idle_time_and_the_kernels(
    get_json: Any, jp_fetch: Any
) -> None:
    # Given the header asking for the workspace block alone
    status, first = await get_json("status/workspace")
    assert status == 200
    assert set(first) == {"workspace"}
    assert first["workspace"]["instance_type"] == "m5.4xlarge"
    assert first["workspace"]["suggestion"] is not None
    # When time passes, the idle time it answers grows
    await asyncio.sleep(1.2)
    _, later = await get_json("status/workspace")
    assert (
        later["workspace"]["kernels"]["idle_seconds"]
        > first["workspace"]["kernels"]["idle_seconds"]
    )
    # and a kernel started since is counted at the next ask
    reply = await jp_fetch("api", "kernels", method="POST", body=json.dumps({"name": "python3"}))
    kernel_id = json.loads(reply.body)["id"]
    try:
        _, with_kernel = await get_json("status/workspace")
    finally:
        await jp_fetch("api", "kernels", kernel_id, method="DELETE")
    assert with_kernel["workspace"]["kernels"]["running"] == 1
