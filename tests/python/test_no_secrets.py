"""No credential ever appears in a response or a server log line."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from ucdh_jupyter.demo.localaws import DEMO_SECRET_KEY
from ucdh_jupyter.errors import redact


async def test_demo_secret_key_never_reaches_responses_or_logs(
    jp_fetch: Any, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given every logger at DEBUG, botocore's included
    caplog.set_level(logging.DEBUG)
    bodies = []
    # When the UI calls every read route, a missing route, and a failing status
    for path in ("status", "config", "no-such-route"):
        response = await jp_fetch("ucdh-jupyter", path, raise_error=False)
        bodies.append(response.body.decode())
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", DEMO_SECRET_KEY + "-wrong")
    response = await jp_fetch("ucdh-jupyter", "status", raise_error=False)
    bodies.append(response.body.decode())
    # Then the secret is in none of them
    assert json.loads(bodies[0])["identity"]["account"]
    for body in bodies:
        assert DEMO_SECRET_KEY not in body
    assert caplog.records, "the server logged nothing: the scan would prove nothing"
    assert DEMO_SECRET_KEY not in caplog.text


def test_redact_removes_key_material_from_messages() -> None:
    text = (
        "aws_secret_access_key = abc123 X-Amz-Signature=deadbeef&x=1 "
        "key AKIAABCDEFGHIJKLMNOP session_token: tok-value-9"
    )
    cleaned = redact(text)
    for secret in ("abc123", "deadbeef", "AKIAABCDEFGHIJKLMNOP", "tok-value-9"):
        assert secret not in cleaned
