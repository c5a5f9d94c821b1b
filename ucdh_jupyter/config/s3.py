"""What users may open in S3, how writes are encrypted and how transfers are cut up.

A ``HasTraits`` mixin of :class:`~ucdh_jupyter.config.UcdhConfig`, not a ``Configurable``:
its traits are set as ``c.UcdhConfig.<name>``, like every other setting.
"""

from __future__ import annotations

from typing import Any

from traitlets import Bool, Dict, HasTraits, Int, List, Unicode, validate


class S3Settings(HasTraits):
    """The S3 browser's reach (buckets, locations) and its transfer sizes."""

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
            "{'name': 'Cardiology study', 'bucket': 'my-bucket', 'prefix': 'cardio/'}. "
            "When set (or allowed_buckets is), users may only open keys under these "
            "prefixes or in allowed_buckets. Enforced on the server."
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

    s3_part_size = Int(
        8 * 1024 * 1024,
        min=5 * 1024**2,  # S3's own limits on a part
        max=5 * 1024**3,
        help=(
            "Part size in bytes of multipart uploads through the server (5 MiB to 5 GiB). "
            "Server memory per browser upload is about part size x (concurrency + 1)."
        ),
    ).tag(config=True)

    s3_max_concurrency = Int(
        4,
        min=1,
        max=64,
        help="Parts of one upload or transfer sent to or fetched from S3 at the same time.",
    ).tag(config=True)

    s3_multipart_copy_threshold = Int(
        5 * 1024**3,
        help="Objects larger than this (bytes) are copied part by part (S3 copies 5 GiB at most).",
    ).tag(config=True)

    s3_presign_expiry = Int(
        300,
        min=1,
        max=3600,
        help="Lifetime in seconds of a presigned download URL (1 to 3600).",
    ).tag(config=True)

    s3_search_keys_per_request = Int(
        5000,
        help=(
            "Keys one search request scans at most; the browser asks for the next page to "
            "go on, or stops asking to cancel."
        ),
    ).tag(config=True)

    @validate("locations")
    def _validate_locations(self, proposal: dict[str, Any]) -> list[dict[str, str]]:
        # Stays a validator: it checks each entry's keys and normalises its prefix.
        cleaned = []
        for item in proposal["value"]:
            if not isinstance(item, dict) or not item.get("bucket"):
                raise ValueError("each UcdhConfig.locations entry needs at least a 'bucket'")
            # A prefix names a folder: "variants" must not also grant "variantsSECRET/".
            prefix = str(item.get("prefix") or "").lstrip("/")
            cleaned.append(
                {
                    "name": str(item.get("name") or item["bucket"]),
                    "bucket": str(item["bucket"]),
                    "prefix": prefix if not prefix or prefix.endswith("/") else prefix + "/",
                }
            )
        return cleaned
