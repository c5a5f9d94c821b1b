"""How the server reaches AWS: the real one or the demo's, credentials, region, endpoints.

A ``HasTraits`` mixin of :class:`~ucdh_jupyter.config.UcdhConfig`, not a ``Configurable``:
its traits are set as ``c.UcdhConfig.<name>``, like every other setting.
"""

from __future__ import annotations

from traitlets import Enum, HasTraits, Unicode


class ConnectionSettings(HasTraits):
    """Which AWS the server talks to, and how it identifies itself there."""

    mode = Enum(
        ["aws", "local"],
        "aws",
        help=(
            "'aws' for a real AWS account, 'local' for the embedded local AWS of the demo "
            "and tests. In 'local' mode the user's AWS config and credential files are "
            "never read."
        ),
    ).tag(config=True)

    profile = Unicode(
        None,
        allow_none=True,
        help=(
            "Named AWS profile (for example an IAM Identity Center / SSO profile). "
            "Unset: the default credential chain (environment, ~/.aws, SageMaker "
            "execution role, instance profile)."
        ),
    ).tag(config=True)

    region = Unicode(
        None,
        allow_none=True,
        help="AWS region, e.g. us-east-1 or us-gov-west-1. Unset: from the profile or AWS_REGION.",
    ).tag(config=True)

    endpoint_url = Unicode(
        None,
        allow_none=True,
        help=(
            "Endpoint URL used for every AWS service (local AWS in the demo, VPC "
            "endpoints). Unset: AWS's public endpoints."
        ),
    ).tag(config=True)

    s3_endpoint_url = Unicode(
        None,
        allow_none=True,
        help="Endpoint URL for S3 only (S3-compatible stores). Overrides endpoint_url for S3.",
    ).tag(config=True)

    ca_bundle = Unicode(
        None,
        allow_none=True,
        help="Path to a CA bundle for TLS to AWS (corporate proxies that re-sign traffic).",
    ).tag(config=True)

    app_id = Unicode(
        "ucdh-jupyter",
        help="User-agent app id added to every AWS call, so CloudTrail shows the caller.",
    ).tag(config=True)
