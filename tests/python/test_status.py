"""``GET status`` and ``GET config``: who the user is in AWS, and what is wrong when it fails."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ucdh_jupyter import __version__
from ucdh_jupyter.demo.localaws import DEMO_ACCOUNT, free_port


async def test_status_shows_the_demo_account_role_and_region(get_json: Any) -> None:
    # Given the extension points at the local AWS with demo credentials
    # When the sidebar asks for the status
    status, body = await get_json("status")
    # Then it shows the account, the caller ARN, the region and local mode
    assert status == 200
    assert body["problem"] is None
    assert body["identity"]["account"] == DEMO_ACCOUNT
    assert body["identity"]["arn"].startswith(f"arn:aws:sts::{DEMO_ACCOUNT}:")
    assert body["region"] == "us-east-1"
    assert body["mode"] == "local"
    assert body["versions"]["ucdh_jupyter"] == __version__
    assert "boto3" in body["versions"]


async def test_status_without_credentials_says_how_to_sign_in(
    get_json: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given no credentials anywhere
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    # When the status is asked for
    status, body = await get_json("status")
    # Then the route answers and names the problem with the fix
    assert status == 200
    assert body["identity"] is None
    assert body["problem"]["status"] == 401
    assert body["problem"]["code"] == "no_credentials"
    assert "aws sso login" in body["problem"]["hint"]


@pytest.fixture
def sso_profile(aws_env: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An IAM Identity Center profile whose token was never fetched (or has expired)."""
    config = tmp_path / "aws-config"
    config.write_text(
        "[profile research]\n"
        "sso_session = ucdh\n"
        "sso_account_id = 123456789012\n"
        "sso_role_name = Researcher\n"
        "region = us-east-1\n"
        "[sso-session ucdh]\n"
        "sso_start_url = https://ucdh.awsapps.com/start/#\n"
        "sso_region = us-east-1\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("HOME", str(tmp_path))  # no cached SSO token under ~/.aws/sso/cache
    return "research"


@pytest.mark.ucdh(profile="research")
async def test_status_with_expired_sso_token_tells_the_login_command(
    sso_profile: str, get_json: Any
) -> None:
    # Given an SSO profile with no valid token
    # When the status is asked for
    status, body = await get_json("status")
    # Then the fix names that very profile
    assert status == 200
    assert body["problem"]["status"] == 401
    assert body["problem"]["code"] == "sso_token_expired"
    assert "aws sso login --profile research" in body["problem"]["hint"]


@pytest.mark.ucdh(endpoint_url=f"http://127.0.0.1:{free_port()}")
async def test_status_with_unreachable_endpoint_reports_502(get_json: Any) -> None:
    # Given an endpoint nothing listens on
    status, body = await get_json("status")
    # Then the problem is "unreachable" with a hint about network and endpoint
    assert status == 200
    assert body["problem"]["status"] == 502
    assert body["problem"]["code"] == "aws_unreachable"
    assert "endpoint" in body["problem"]["hint"]


@pytest.mark.ucdh(region="us-east-9")
async def test_status_with_unknown_region_names_the_region(get_json: Any) -> None:
    status, body = await get_json("status")
    assert status == 200
    assert body["problem"]["status"] == 400
    assert body["problem"]["code"] == "unknown_region"
    assert "us-east-9" in body["problem"]["message"]


@pytest.mark.ucdh(
    kms_key_id="arn:aws:kms:us-east-1:123456789012:key/secret-key-id",
    locations=[{"name": "Cardio", "bucket": "ucdh-demo-cardiology", "prefix": "studies/"}],
)
async def test_config_exposes_only_non_secret_settings(get_json: Any) -> None:
    # When the UI asks for the configuration
    status, body = await get_json("config")
    # Then it learns that writes are encrypted, but not the key, and sees the locations
    assert status == 200
    assert body["sse_kms"] is True
    assert "secret-key-id" not in str(body)
    assert body["locations"] == [
        {"name": "Cardio", "bucket": "ucdh-demo-cardiology", "prefix": "studies/"}
    ]
    assert body["features"] == {"s3": True, "compute": True, "runs": True}


class CountingDeadEndpoint:
    """A local port that accepts every connection and closes it unanswered, counting them:
    AWS unreachable, as a retrying client would keep finding it."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.connections = 0
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def dead_endpoint() -> Iterator[CountingDeadEndpoint]:
    endpoint = CountingDeadEndpoint()
    yield endpoint
    endpoint.close()


@pytest.fixture
def ucdh_config(ucdh_config: dict[str, Any], request: pytest.FixtureRequest) -> dict[str, Any]:
    """The local settings; a test using ``dead_endpoint`` sends AWS calls there."""
    if "dead_endpoint" in request.fixturenames:
        endpoint = request.getfixturevalue("dead_endpoint")
        return {**ucdh_config, "endpoint_url": endpoint.url}
    return ucdh_config


async def test_status_with_aws_unreachable_answers_after_one_attempt(
    dead_endpoint: CountingDeadEndpoint, get_json: Any
) -> None:
    # Given an endpoint that drops every connection (botocore 1.34 retried it for 8-15 s)
    # When the status is asked for
    status, body = await get_json("status")
    # Then it says AWS could not be reached, after a single attempt, not a retry storm
    assert status == 200
    assert body["problem"]["code"] == "aws_unreachable"
    assert body["problem"]["message"] == "AWS could not be reached."
    assert dead_endpoint.connections == 1
