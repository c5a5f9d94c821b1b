"""The S3 service: every S3 action of the browser and the magics, checked and delegated.

Each method validates names, applies the admin allow-list (which also keeps the
runs location out of reach), then calls the module that does the work with a boto3
client from :class:`~ucdh_jupyter.aws.AwsClients`. Jobs, deletes and copies check
every key they will touch once their plan is known, and writes with overwrite off
reserve their names first (:mod:`.reservations`), so the existence check and the
write cannot be raced by a second request. Methods block (boto3 is synchronous):
handlers run them on the worker pool.
"""

from __future__ import annotations

import functools
import mimetypes
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from ..aws import AwsClients
from ..config import UcdhConfig
from ..errors import bad_request, forbidden
from . import listing, objects, plans
from .access import AllowList
from .download import ObjectStream, open_object
from .names import folder_prefix, s3_uri, validate_key, validate_prefix
from .reservations import Reservations
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
        self.writing = Reservations()
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

    def _place(
        self, bucket: str, key: str | None = None, prefix: str | None = None, tree: bool = False
    ) -> str:
        """Validate a key (or prefix) and apply the allow-list to it; ``tree``: every key
        under the prefix will be touched, so it must not contain the runs location."""
        if key is not None:
            return self.allow.check(bucket, validate_key(key))
        name = validate_prefix(prefix)
        return self.allow.check_tree(bucket, name) if tree else self.allow.check(bucket, name)

    def _visible(self, bucket: str, entries: list[dict[str, Any]], field: str) -> list[Any]:
        """Listed entries without those in the runs location."""
        return [e for e in entries if not self.allow.hidden(bucket, e[field])]

    # -- browsing ----------------------------------------------------------------

    def buckets(self) -> dict[str, Any]:
        """The configured locations and buckets, or every bucket the role can list."""
        if not self.allow.restricted:
            found = listing.list_buckets(self.client)
            # A runs location that is a whole bucket is not one users can open.
            runs = self.allow.runs_place
            found = [b for b in found if runs is None or (b["bucket"], "") != runs]
            return {"source": "aws", "buckets": found}
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
        page = listing.list_folder(self.client, bucket, prefix, cursor, limit)
        page["folders"] = self._visible(bucket, page["folders"], "prefix")
        page["objects"] = self._visible(bucket, page["objects"], "key")
        return page

    def search(
        self, bucket: str, prefix: str, query: str, cursor: str | None = None
    ) -> dict[str, Any]:
        """One bounded page of keys under ``prefix`` containing ``query``."""
        self._place(bucket, prefix=prefix)
        if not query:
            raise bad_request("Type something to search for.")
        budget = self.config.s3_search_keys_per_request
        page = listing.search(self.client, bucket, prefix, query, cursor, budget)
        page["matches"] = self._visible(bucket, page["matches"], "key")
        return page

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
        release = self._reserve_new([(bucket, key)], overwrite)
        try:
            if not overwrite and objects.exists(self.client, bucket, key):
                raise objects.conflict(s3_uri(bucket, key))
        except BaseException:
            release()
            raise
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
            on_end=release,
        )

    def _reserve_new(self, names: list[tuple[str, str]], overwrite: bool) -> Callable[[], None]:
        """Reserve names a write with overwrite off is about to create (409 if another
        write of this server is creating one); returns the release function."""
        return (lambda: None) if overwrite else self.writing.reserve(names)

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
        marker = self._place(bucket, prefix=folder_prefix(prefix))
        release = self._reserve_new([(bucket, marker)], overwrite=False)
        try:
            return objects.create_folder(self.client, bucket, prefix, self.write_args())
        finally:
            release()

    def delete(
        self, bucket: str, keys: list[str], prefix: str | None, dry_run: bool
    ) -> dict[str, Any]:
        """Delete objects and/or a whole folder; ``dry_run`` only counts."""
        prefix = prefix or None
        if not keys and not prefix:
            raise bad_request("Name the objects (keys) or the folder (prefix) to delete.")
        for key in keys:
            self._place(bucket, key)
        if prefix is not None:
            self._place(bucket, prefix=prefix, tree=True)
        # Every key, listed ones included, is checked before the first is deleted.
        check = functools.partial(self.allow.check, bucket)
        return objects.delete(self.client, bucket, keys, prefix, dry_run, check)

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

    def _source(self, bucket: str, key: str | None, prefix: str | None) -> str | None:
        """Exactly one of key / prefix names what to copy; it is checked and allowed (a
        prefix as the folder whose every key the job reads)."""
        if (key is None) == (prefix is None):
            raise bad_request("Give either a key or a prefix, not both.")
        if key is not None:
            self._place(bucket, key)
        else:
            self._place(bucket, prefix=folder_prefix(prefix or ""), tree=True)
        return key

    def _start(self, plan: plans.Plan, overwrite: bool, owner: str) -> TransferJob:
        """Start a planned job once every key it touches is allowed, the names it creates
        are reserved (overwrite off) and none of them exists yet (else 403 / 409)."""
        for bucket, key in plans.touched(plan):
            self.allow.check(bucket, key)
        release = self._reserve_new(plans.created(plan), overwrite)
        try:
            if not overwrite:
                plans.refuse_existing(self.client, self.workspace, plan)
            return self.transfers.start(plan, owner, on_end=release)
        except BaseException:
            release()
            raise

    def transfer(
        self,
        direction: str,
        bucket: str,
        path: str,
        key: str | None = None,
        prefix: str | None = None,
        overwrite: bool = False,
        owner: str = "",
    ) -> TransferJob:
        """Start copying a key or a prefix between S3 and the workspace."""
        if direction not in ("to_workspace", "to_s3"):
            raise bad_request("direction must be 'to_workspace' or 'to_s3'.")
        if direction == "to_workspace":
            key = self._source(bucket, key, prefix)
            plan = plans.to_workspace(self.client, self.workspace, bucket, key, prefix, path)
        else:
            if (key is None) == (prefix is None):
                raise bad_request("Give either a key or a prefix, not both.")
            self._place(bucket, key, prefix)
            plan = plans.to_s3(self.workspace, path, bucket, key, prefix)
        return self._start(plan, overwrite, owner)

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
        owner: str = "",
    ) -> TransferJob:
        """Start copying (``copy``) or renaming (``move``) a key or a folder inside S3:
        ``key`` to ``dest_key``, or ``prefix`` to ``dest_prefix``, nothing else."""
        if key is not None and (prefix is not None or dest_prefix is not None):
            raise bad_request("One object is copied from key to dest_key, without prefixes.")
        if prefix is not None and (key is not None or dest_key is not None):
            raise bad_request("A folder is copied from prefix to dest_prefix, without keys.")
        if key is not None and not dest_key:
            raise bad_request("The destination key (dest_key) is required to copy one object.")
        if prefix is not None and dest_prefix is None:
            raise bad_request(
                "The destination folder (dest_prefix) is required to copy a folder.",
                'Use "" for the top of the destination bucket.',
            )
        key = self._source(bucket, key, prefix)
        if dest_key is not None:
            self._place(dest_bucket, dest_key)
        else:
            self._place(dest_bucket, prefix=folder_prefix(dest_prefix or ""))
        plan = plans.s3_copy(
            self.client, kind, bucket, key, prefix, dest_bucket, dest_key, dest_prefix
        )
        return self._start(plan, overwrite, owner)

    def close(self) -> None:
        """Cancel transfer jobs at shutdown."""
        if self._transfers is not None:
            self._transfers.close()
