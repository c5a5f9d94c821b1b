"""The admin allow-list: which buckets and prefixes users may open, enforced on the server.

``UcdhConfig.allowed_buckets`` grants whole buckets, ``UcdhConfig.locations`` grants
a prefix of a bucket. With both empty every bucket the credentials reach is allowed
(AWS IAM still decides). Anything else is a 403 with a hint, before any AWS call.

Two rules hold whatever the allow-list says:

* A location's prefix is a folder: ``variants`` grants ``variants/…``, never
  ``variantsSECRET/…`` (prefixes are compared on ``/`` boundaries).
* The runs location (``runs_bucket`` + ``runs_prefix``) belongs to the run service:
  run records, inputs the instance executes and executed notebooks of every user.
  No S3 route, magic or ``open_s3`` may read or write it, nor act on a folder that
  contains it; listings of a parent folder hide it.

Every S3 call of the server and of the kernels passes :meth:`AllowList.check`.
"""

from __future__ import annotations

from ..config import UcdhConfig
from ..errors import forbidden
from .names import folder_prefix, validate_bucket

RUNS_HINT = "Runs are private to their owner: open them from the Runs section."


class AllowList:
    """Answers "may the user touch ``bucket``/``key``?" from the admin configuration."""

    def __init__(self, config: UcdhConfig) -> None:
        self.config = config

    @property
    def restricted(self) -> bool:
        """Whether the admin limited access at all."""
        return bool(self.config.allowed_buckets or self.config.locations)

    @property
    def runs_place(self) -> tuple[str, str] | None:
        """(bucket, prefix) of the runs location, or None when runs are not set up."""
        if not self.config.runs_bucket:
            return None
        return self.config.runs_bucket, folder_prefix(self.config.runs_prefix or "")

    def _prefixes(self, bucket: str) -> list[str] | None:
        """Allowed folder prefixes in ``bucket``; ``[""]`` for the whole bucket, None for none."""
        if not self.restricted or bucket in self.config.allowed_buckets:
            return [""]
        found = [
            folder_prefix(str(loc["prefix"]).lstrip("/"))
            for loc in self.config.locations
            if loc["bucket"] == bucket
        ]
        return found or None

    def check_bucket(self, bucket: str) -> str:
        """Validate ``bucket`` and refuse it unless some part of it is allowed."""
        validate_bucket(bucket)
        runs = self.runs_place
        if runs is not None and runs == (bucket, ""):
            raise forbidden(f"The bucket {bucket!r} holds the notebook runs.", RUNS_HINT)
        if self._prefixes(bucket) is None:
            raise forbidden(
                f"The bucket {bucket!r} is not one your administrator allows here.",
                "Open one of the listed buckets or locations, or ask your administrator "
                "to add it to UcdhConfig.allowed_buckets.",
            )
        return bucket

    def hidden(self, bucket: str, key: str) -> bool:
        """Whether ``key`` (a listed key or folder) lies in the runs location."""
        runs = self.runs_place
        return runs is not None and bucket == runs[0] and key.startswith(runs[1])

    def check(self, bucket: str, key: str = "") -> str:
        """Refuse ``bucket``/``key`` (a key or a prefix) unless it lies in an allowed place
        outside the runs location."""
        prefixes = self._prefixes(self.check_bucket(bucket))
        assert prefixes is not None
        if self.hidden(bucket, key):
            raise forbidden(f"s3://{bucket}/{key} is in the private runs location.", RUNS_HINT)
        if any(key.startswith(prefix) for prefix in prefixes):
            return key
        allowed = ", ".join(f"s3://{bucket}/{prefix}" for prefix in prefixes)
        raise forbidden(
            f"s3://{bucket}/{key} is outside the locations your administrator allows.",
            f"Stay under {allowed}.",
        )

    def check_tree(self, bucket: str, prefix: str) -> str:
        """Like :meth:`check` for a prefix whose every key an action will touch (a folder
        deleted, copied, moved or transferred): it must not contain the runs location."""
        self.check(bucket, prefix)
        runs = self.runs_place
        if runs is not None and bucket == runs[0] and runs[1].startswith(prefix):
            raise forbidden(
                f"s3://{bucket}/{prefix} contains the private runs location.",
                f"Pick a folder that does not hold s3://{runs[0]}/{runs[1]}. {RUNS_HINT}",
            )
        return prefix
