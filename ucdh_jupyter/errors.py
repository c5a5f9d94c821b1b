"""The one error type of the service layer, and the translator from botocore errors.

Every service function raises :class:`UcdhError`; handlers and magics turn it into
an HTTP status or a readable message. Keeping the mapping in one place is what makes
"expired SSO token" read the same everywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# Anything that looks like key material is cut out of messages before they are shown
# or logged: AWS error texts can echo request fragments.
_SECRET_PATTERNS = [
    (
        re.compile(
            r"(?i)\b(aws_secret_access_key|secret_access_key|aws_session_token|session_token)"
            r"(\s*[=:]\s*)\S+"
        ),
        r"\1\2[redacted]",
    ),
    (re.compile(r"(?i)(X-Amz-(?:Security-Token|Signature|Credential)=)[^&\s]+"), r"\1[redacted]"),
    (re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{12,}\b"), "[redacted]"),
]


def redact(text: str) -> str:
    """Remove credential-looking fragments from a message."""
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


@dataclass
class UcdhError(Exception):
    """An error a user can act on: an HTTP status, a stable code, a message and a hint."""

    status: int
    code: str
    message: str
    hint: str = ""

    def __post_init__(self) -> None:
        super().__init__(self.message)
        self.message = redact(self.message)
        self.hint = redact(self.hint)

    def to_json(self) -> dict[str, Any]:
        """The JSON body every failing route returns."""
        return {"message": self.message, "code": self.code, "hint": self.hint}


def log_unexpected(logger: Any, exc: BaseException, what: str) -> None:
    """Log an unexpected error for the administrator: its type and where it was raised
    (file, line, function of every frame), never its message — exception texts quote
    object keys, paths and values (``KeyError('patient-0042/…')``), which the server
    log must not carry."""
    import traceback

    frames = "; ".join(
        f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno} {frame.name}"
        for frame in traceback.extract_tb(exc.__traceback__)
    )
    logger.error("ucdh-jupyter: %s: %s at %s", what, type(exc).__name__, frames or "?")


def bad_request(message: str, hint: str = "") -> UcdhError:
    """A 400 for input that breaks a rule; the message names the rule."""
    return UcdhError(400, "bad_request", message, hint)


def forbidden(message: str, hint: str = "Ask your administrator to allow it.") -> UcdhError:
    """A 403 decided by the admin configuration, not by AWS."""
    return UcdhError(403, "not_allowed", message, hint)


def feature_disabled(feature: str) -> UcdhError:
    """The 403 of every route of a feature the administrator switched off."""
    names = {"s3": "The S3 browser", "compute": "The instance picker", "runs": "Running notebooks"}
    return UcdhError(
        403,
        "feature_disabled",
        f"{names.get(feature, feature)} is switched off on this server.",
        f"Ask your administrator (UcdhConfig.enable_{feature}).",
    )


_EXPIRED_CODES = {
    "ExpiredToken",
    "ExpiredTokenException",
    "RequestExpired",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "AuthFailure",
}
_DENIED_CODES = {
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "Forbidden",
    "AllAccessDisabled",
    "KMS.AccessDeniedException",
}
_THROTTLE_CODES = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "SlowDown",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "RequestThrottled",
    "ServiceUnavailable",
    "503",
}
_REGION_CODES = {
    "AuthorizationHeaderMalformed",
    "PermanentRedirect",
    "IllegalLocationConstraintException",
}


def login_hint(profile: str | None) -> str:
    """The command that renews credentials for this setup."""
    if profile:
        return f"Run `aws sso login --profile {profile}` in a terminal, then retry."
    return (
        "Run `aws sso login --profile <your-profile>` in a terminal (or ask your "
        "administrator which profile to use), then retry."
    )


def translate(exc: BaseException, profile: str | None = None) -> UcdhError:
    """Map any exception from boto3/botocore to a :class:`UcdhError`.

    Unknown exceptions become a 500 with a generic message: their text may hold
    internals, so it is logged by the caller but never shown.
    """
    if isinstance(exc, UcdhError):
        return exc
    from botocore import exceptions as bx

    if isinstance(
        exc,
        (
            bx.SSOTokenLoadError,
            bx.UnauthorizedSSOTokenError,
            bx.TokenRetrievalError,
            bx.SSOError,
        ),
    ):
        return UcdhError(
            401,
            "sso_token_expired",
            "Your AWS sign-in (IAM Identity Center / SSO) has expired or is missing.",
            login_hint(profile),
        )
    if isinstance(exc, bx.ProfileNotFound):
        return UcdhError(
            401,
            "profile_not_found",
            f"The AWS profile {profile!r} does not exist.",
            "Check ~/.aws/config or the UcdhConfig.profile setting.",
        )
    if isinstance(exc, (bx.NoCredentialsError, bx.PartialCredentialsError)):
        return UcdhError(
            401, "no_credentials", "No AWS credentials were found.", login_hint(profile)
        )
    if isinstance(exc, bx.NoRegionError):
        return UcdhError(
            400,
            "no_region",
            "No AWS region is configured.",
            "Set AWS_REGION or UcdhConfig.region (for example us-east-1).",
        )
    if isinstance(
        exc,
        (
            bx.EndpointConnectionError,
            bx.ConnectTimeoutError,
            bx.ConnectionClosedError,
            bx.ReadTimeoutError,
            bx.ProxyConnectionError,
        ),
    ):
        return UcdhError(
            502,
            "aws_unreachable",
            "AWS could not be reached.",
            "Check the network, the region name and UcdhConfig.endpoint_url.",
        )
    if isinstance(exc, bx.ParamValidationError):
        return bad_request(f"Invalid request to AWS: {exc}")
    if isinstance(exc, bx.ClientError):
        return _from_client_error(exc, profile)
    if isinstance(exc, bx.BotoCoreError):
        return UcdhError(502, "aws_error", f"AWS call failed: {exc}", "Retry in a moment.")
    return UcdhError(
        500, "internal_error", "Unexpected server error.", "The Jupyter server log has the details."
    )


def _from_client_error(exc: Any, profile: str | None) -> UcdhError:
    error = exc.response.get("Error", {})
    code = str(error.get("Code", ""))
    message = str(error.get("Message") or code or "AWS refused the request")
    http = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
    operation = getattr(exc, "operation_name", "")
    if code in _EXPIRED_CODES:
        return UcdhError(
            401,
            "credentials_expired",
            f"AWS did not accept the credentials: {message}",
            login_hint(profile),
        )
    if code in _DENIED_CODES or http == 403:
        return UcdhError(
            403,
            "access_denied",
            f"AWS denied {operation or 'the request'}: {message}",
            "Your role lacks this permission; ask your administrator.",
        )
    if code.startswith("NoSuch") or code in {"NotFound", "404"} or http == 404:
        return UcdhError(404, "not_found", message, "Check the name and that it still exists.")
    if code in _THROTTLE_CODES or http in (429, 503):
        return UcdhError(503, "throttled", f"AWS is busy: {message}", "Retry in a minute.")
    if code in _REGION_CODES:
        return UcdhError(
            400,
            "wrong_region",
            message,
            "The resource lives in another region; check UcdhConfig.region.",
        )
    if code in {
        "BucketAlreadyOwnedByYou",
        "BucketAlreadyExists",
        "IdempotentParameterMismatch",
        "PreconditionFailed",
        "412",
        "409",
    } or http in (409, 412):
        return UcdhError(409, "conflict", message, "Reload and try again.")
    if 400 <= http < 500:
        return bad_request(message)
    return UcdhError(502, "aws_error", f"AWS error {code}: {message}", "Retry in a moment.")
