"""The admin allow-list: which buckets and prefixes users may open, enforced on the server.

``UcdhConfig.allowed_buckets`` grants whole buckets, ``UcdhConfig.locations`` grants
a prefix of a bucket. With both empty every bucket the credentials reach is allowed
(AWS IAM still decides). Anything else is a 403 with a hint, before any AWS call.
"""

from __future__ import annotations

from ..config import UcdhConfig
from ..errors import forbidden
from .names import validate_bucket


class AllowList:
    """Answers "may the user touch ``bucket``/``key``?" from the admin configuration."""

    def __init__(self, config: UcdhConfig) -> None:
        self.config = config

    @property
    def restricted(self) -> bool:
        """Whether the admin limited access at all."""
        return bool(self.config.allowed_buckets or self.config.locations)

    def _prefixes(self, bucket: str) -> list[str] | None:
        """Allowed prefixes in ``bucket``; ``[""]`` for the whole bucket, None for none."""
        if not self.restricted or bucket in self.config.allowed_buckets:
            return [""]
        found = [loc["prefix"] for loc in self.config.locations if loc["bucket"] == bucket]
        return found or None

    def check_bucket(self, bucket: str) -> str:
        """Validate ``bucket`` and refuse it unless some part of it is allowed."""
        validate_bucket(bucket)
        if self._prefixes(bucket) is None:
            raise forbidden(
                f"The bucket {bucket!r} is not one your administrator allows here.",
                "Open one of the listed buckets or locations, or ask your administrator "
                "to add it to UcdhConfig.allowed_buckets.",
            )
        return bucket

    def check(self, bucket: str, key: str = "") -> str:
        """Refuse ``bucket``/``key`` (a key or a prefix) unless it lies in an allowed place."""
        prefixes = self._prefixes(self.check_bucket(bucket))
        assert prefixes is not None
        if any(key.startswith(prefix) for prefix in prefixes):
            return key
        allowed = ", ".join(f"s3://{bucket}/{prefix}" for prefix in prefixes)
        raise forbidden(
            f"s3://{bucket}/{key} is outside the locations your administrator allows.",
            f"Stay under {allowed}.",
        )
