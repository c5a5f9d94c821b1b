"""Every admin setting of the extension, in one traitlets ``Configurable``.

Admins set these in ``jupyter_server_config.py`` (``c.UcdhConfig.region = ...``)
or on the command line (``--UcdhConfig.region=...``). Only the non-secret part is
ever sent to the browser (see :meth:`UcdhConfig.public`).
"""

from __future__ import annotations

from typing import Any

from traitlets import Bool, Dict, List, Unicode, validate
from traitlets.config import Configurable


class UcdhConfig(Configurable):
    """Admin settings for ucdh-jupyter."""

    mode = Unicode(
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

    allowed_buckets = List(
        Unicode(),
        default_value=[],
        help=(
            "Buckets users may open. Empty: every bucket the credentials can list. "
            "Enforced on the server."
        ),
    ).tag(config=True)

    locations = List(
        Dict(),
        default_value=[],
        help=(
            "Named S3 locations shown to users who may not list all buckets: a list of "
            "{'name': 'Cardiology study', 'bucket': 'my-bucket', 'prefix': 'cardio/'}."
        ),
    ).tag(config=True)

    kms_key_id = Unicode(
        None,
        allow_none=True,
        help="KMS key id or ARN: every write to S3 uses SSE-KMS with this key when set.",
    ).tag(config=True)

    allow_presigned_urls = Bool(
        False,
        help="Allow short-lived presigned download URLs. Off: downloads stream through Jupyter.",
    ).tag(config=True)

    enable_s3 = Bool(True, help="Show the S3 browser.").tag(config=True)
    enable_compute = Bool(True, help="Show the instance-size picker.").tag(config=True)
    enable_runs = Bool(True, help="Allow running notebooks on EC2 / Databricks.").tag(config=True)

    app_id = Unicode(
        "ucdh-jupyter",
        help="User-agent app id added to every AWS call, so CloudTrail shows the caller.",
    ).tag(config=True)

    @validate("mode")
    def _validate_mode(self, proposal: dict[str, Any]) -> str:
        value = str(proposal["value"])
        if value not in ("aws", "local"):
            raise ValueError(f"UcdhConfig.mode must be 'aws' or 'local', not {value!r}")
        return value

    @validate("locations")
    def _validate_locations(self, proposal: dict[str, Any]) -> list[dict[str, str]]:
        cleaned = []
        for item in proposal["value"]:
            if not isinstance(item, dict) or not item.get("bucket"):
                raise ValueError("each UcdhConfig.locations entry needs at least a 'bucket'")
            cleaned.append(
                {
                    "name": str(item.get("name") or item["bucket"]),
                    "bucket": str(item["bucket"]),
                    "prefix": str(item.get("prefix") or ""),
                }
            )
        return cleaned

    def public(self) -> dict[str, Any]:
        """The settings the browser may see: nothing secret, no key material."""
        return {
            "mode": self.mode,
            "region": self.region,
            "profile": self.profile,
            "locations": list(self.locations),
            "allowed_buckets": list(self.allowed_buckets),
            "sse_kms": bool(self.kms_key_id),
            "presigned_urls": self.allow_presigned_urls,
            "features": {
                "s3": self.enable_s3,
                "compute": self.enable_compute,
                "runs": self.enable_runs,
            },
        }
