"""The S3 service: every S3 action of the browser and the magics, checked and delegated.

Each method validates names, applies the admin allow-list, then calls the module
that does the work with a boto3 client from :class:`~ucdh_jupyter.aws.AwsClients`.
Methods block (boto3 is synchronous): handlers run them on the worker pool.
"""

from __future__ import annotations

import mimetypes
from concurrent.futures import Executor
from typing import Any

from ..aws import AwsClients
from ..config import UcdhConfig
from ..errors import bad_request, forbidden
from . import listing, objects, plans
from .access import AllowList
from .download import ObjectStream, open_object
from .names import s3_uri, validate_key, validate_prefix
from .transfers import TransferJob, TransferJobs
from .upload import StreamingUpload
from .workspace import Workspace

MAX_OBJECT_BYTES = 5 * 1024**4  # S3's largest object: 5 TiB


class S3Service:
    """S3 for one server (or one kernel): allow-list, workspace root, transfer jobs."""

    def __init__(
        self, config: UcdhConfig, aws: AwsClients, executor: Executor, root_dir: str
    ) -> None:
        self.config = config
        self.aws = aws
        self.executor = executor
        self.allow = AllowList(config)
        self.workspace = Workspace(root_dir)
        self._transfers: TransferJobs | None = None

    @property
    def client(self) -> Any:
        """The S3 client (built on first use)."""
        return self.aws.client("s3")

    def write_args(self) -> dict[str, Any]:
        """Arguments every write carries: SSE-KMS with the configured key, if any."""
        if self.config.kms_key_id:
            return {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": self.config.kms_key_id}
        return {}

    def _place(self, bucket: str, key: str | None = None, prefix: str | None = None) -> str:
        """Validate a key (or prefix) and apply the allow-list to it."""
        name = validate_key(key) if key is not None else validate_prefix(prefix)
        return self.allow.check(bucket, name)

    # -- browsing ----------------------------------------------------------------

    def buckets(self) -> dict[str, Any]:
        """The configured locations and buckets, or every bucket the role can list."""
        if not self.allow.restricted:
            return {"source": "aws", "buckets": listing.list_buckets(self.client)}
        entries = [{**location, "created": None} for location in self.config.locations]
        entries += [
            {"name": name, "bucket": name, "prefix": "", "created": None}
            for name in self.config.allowed_buckets
        ]
        return {"source": "config", "buckets": entries}

    def list_folder(
        self, bucket: str, prefix: str = "", cursor: str | None = None, limit: int = 1000
    ) -> dict[str, Any]:
        """One page of one folder."""
        self._place(bucket, prefix=prefix)
        return listing.list_folder(self.client, bucket, prefix, cursor, limit)

    def search(
        self, bucket: str, prefix: str, query: str, cursor: str | None = None
    ) -> dict[str, Any]:
        """One bounded page of keys under ``prefix`` containing ``query``."""
        self._place(bucket, prefix=prefix)
        if not query:
            raise bad_request("Type something to search for.")
        budget = self.config.s3_search_keys_per_request
        return listing.search(self.client, bucket, prefix, query, cursor, budget)

    def details(self, bucket: str, key: str) -> dict[str, Any]:
        """Size, dates, class, type, encryption, tags and versions of one object."""
        self._place(bucket, key)
        return objects.details(self.client, bucket, key)

    # -- browser upload / download -------------------------------------------------

    def start_upload(
        self, bucket: str, key: str, overwrite: bool, size: int | None
    ) -> StreamingUpload:
        """Check an upload before its body is read; 409 if it would overwrite unasked."""
        self._place(bucket, key)
        if size is not None and size > MAX_OBJECT_BYTES:
            raise bad_request("S3 objects can be at most 5 TiB.")
        if not overwrite and objects.exists(self.client, bucket, key):
            raise objects.conflict(s3_uri(bucket, key))
        content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
        return StreamingUpload(
            self.client,
            bucket,
            key,
            executor=self.executor,
            part_size=objects.part_size_for(size or 0, self.config.s3_part_size),
            concurrency=self.config.s3_max_concurrency,
            extra_args={"ContentType": content_type, **self.write_args()},
            overwrite=overwrite,
        )

    def open_download(self, bucket: str, key: str, byte_range: str | None) -> ObjectStream:
        """Start streaming ``key`` (or one byte range of it)."""
        self._place(bucket, key)
        return open_object(self.client, bucket, key, byte_range)

    def presign(self, bucket: str, key: str) -> dict[str, Any]:
        """A short-lived download URL, only where the admin allows them."""
        if not self.config.allow_presigned_urls:
            raise forbidden(
                "Presigned download URLs are switched off.",
                "Download through Jupyter instead; an administrator can allow them with "
                "UcdhConfig.allow_presigned_urls.",
            )
        self._place(bucket, key)
        return objects.presign(self.client, bucket, key, self.config.s3_presign_expiry)

    # -- changes -------------------------------------------------------------------

    def create_folder(self, bucket: str, prefix: str) -> dict[str, Any]:
        """Write the marker of a new, empty folder."""
        self._place(bucket, prefix=prefix)
        return objects.create_folder(self.client, bucket, prefix, self.write_args())

    def delete(
        self, bucket: str, keys: list[str], prefix: str | None, dry_run: bool
    ) -> dict[str, Any]:
        """Delete objects and/or a whole folder; ``dry_run`` only counts."""
        if not keys and not prefix:
            raise bad_request("Name the objects (keys) or the folder (prefix) to delete.")
        for key in keys:
            self._place(bucket, key)
        if prefix is not None:
            self._place(bucket, prefix=prefix)
        return objects.delete(self.client, bucket, keys, prefix, dry_run)

    @property
    def transfers(self) -> TransferJobs:
        """The transfer-job registry (created on first use)."""
        if self._transfers is None:
            self._transfers = TransferJobs(
                lambda: self.client,
                part_size=self.config.s3_part_size,
                concurrency=self.config.s3_max_concurrency,
                copy_threshold=self.config.s3_multipart_copy_threshold,
                extra_args=self.write_args(),
            )
        return self._transfers

    def _key_or_prefix(self, bucket: str, key: str | None, prefix: str | None) -> str | None:
        """Exactly one of key / prefix names what to copy; both are checked and allowed."""
        key = key or None
        if (key is None) == (prefix is None):
            raise bad_request("Give either a key or a prefix, not both.")
        self._place(bucket, key, prefix)
        return key

    def transfer(
        self,
        direction: str,
        bucket: str,
        path: str,
        key: str | None = None,
        prefix: str | None = None,
        overwrite: bool = False,
    ) -> TransferJob:
        """Start copying a key or a prefix between S3 and the workspace."""
        key = self._key_or_prefix(bucket, key, prefix)
        if direction == "to_workspace":
            plan = plans.to_workspace(
                self.client, self.workspace, bucket, key, prefix, path, overwrite
            )
        elif direction == "to_s3":
            plan = plans.to_s3(self.client, self.workspace, path, bucket, key, prefix, overwrite)
        else:
            raise bad_request("direction must be 'to_workspace' or 'to_s3'.")
        return self.transfers.start(plan)

    def copy(
        self,
        kind: str,
        bucket: str,
        dest_bucket: str,
        key: str | None = None,
        prefix: str | None = None,
        dest_key: str | None = None,
        dest_prefix: str | None = None,
        overwrite: bool = False,
    ) -> TransferJob:
        """Start copying (``copy``) or renaming (``move``) a key or a folder inside S3."""
        key = self._key_or_prefix(bucket, key, prefix)
        self._place(dest_bucket, dest_key, dest_prefix or "")
        plan = plans.s3_copy(
            self.client, kind, bucket, key, prefix, dest_bucket, dest_key, dest_prefix, overwrite
        )
        return self.transfers.start(plan)

    def close(self) -> None:
        """Cancel transfer jobs at shutdown."""
        if self._transfers is not None:
            self._transfers.close()
