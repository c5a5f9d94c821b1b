"""The one translator from botocore errors to status + code + hint."""

from __future__ import annotations

import pytest
from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    SSOTokenLoadError,
)

from ucdh_jupyter.errors import translate


def client_error(code: str, http: int, operation: str = "GetObject") -> ClientError:
    return ClientError(
        {
            "Error": {"Code": code, "Message": f"{code} happened"},
            "ResponseMetadata": {"HTTPStatusCode": http},
        },
        operation,
    )


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (client_error("AccessDenied", 403), 403, "access_denied"),
        (client_error("UnauthorizedOperation", 403, "RunInstances"), 403, "access_denied"),
        (client_error("NoSuchKey", 404), 404, "not_found"),
        (client_error("NoSuchBucket", 404), 404, "not_found"),
        (client_error("SlowDown", 503), 503, "throttled"),
        (client_error("ThrottlingException", 400), 503, "throttled"),
        (client_error("ExpiredToken", 400), 401, "credentials_expired"),
        (client_error("AuthorizationHeaderMalformed", 400), 400, "wrong_region"),
        (client_error("BucketAlreadyOwnedByYou", 409), 409, "conflict"),
        (client_error("InternalError", 500), 502, "aws_error"),
        (NoCredentialsError(), 401, "no_credentials"),
        (SSOTokenLoadError(error_msg="token missing"), 401, "sso_token_expired"),
        (EndpointConnectionError(endpoint_url="http://x"), 502, "aws_unreachable"),
        (RuntimeError("boom /etc/secret"), 500, "internal_error"),
    ],
)
def test_translate_maps_aws_errors_to_status_and_code(
    exc: Exception, status: int, code: str
) -> None:
    error = translate(exc, profile="research")
    assert (error.status, error.code) == (status, code)
    assert error.message
    assert "/etc/secret" not in error.message


def test_expired_credentials_hint_names_the_profile() -> None:
    error = translate(client_error("ExpiredToken", 400), profile="cardio")
    assert "aws sso login --profile cardio" in error.hint


def test_denied_message_names_the_operation() -> None:
    error = translate(client_error("AccessDenied", 403, "ListObjectsV2"))
    assert "ListObjectsV2" in error.message


def test_an_unexpected_error_is_logged_without_its_text(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from ucdh_jupyter.errors import log_unexpected

    # Given an unexpected error whose text quotes an object key
    try:
        {}["patient-MRN-0042/visits.csv"]
    except KeyError as exc:
        error = exc
    # When the server logs it
    logger = logging.getLogger("ucdh-test")
    with caplog.at_level(logging.DEBUG, logger="ucdh-test"):
        log_unexpected(logger, error, "unexpected error")
    # Then the administrator sees its type and where it was raised, never the key
    text = caplog.text
    assert "KeyError" in text and "test_errors.py" in text
    assert "MRN-0042" not in text
