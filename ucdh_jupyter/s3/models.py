"""The bodies of the S3 routes: what a request sends and what the server answers.

Part of the wire contract (see :mod:`ucdh_jupyter.contract`). Requests are typed only:
``"overwrite": "false"`` or ``"dry_run": 0`` is a 400 naming the field, and a field a
route does not know is refused rather than ignored. Names (buckets, keys, prefixes,
paths) are checked by the S3 service, which the magics call too, and which also decides
whether the fields fit the kind of copy; the named schemas document those rules.
Imported on first use: pydantic must not load at server start.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..contract import (
    PRINTABLE,
    Absent,
    BucketName,
    DateTime,
    KeyPrefix,
    ObjectKey,
    Reply,
    StrictModel,
)
from ..models import Problem

# A folder to delete or create: a prefix that is not "" (the bucket's root).
_FOLDER: dict[str, int | str] = {"minLength": 1, "pattern": PRINTABLE}


class S3DeleteBody(StrictModel):
    """``POST s3/delete``: delete ``keys`` and/or every object under ``prefix``;
    ``dry_run`` only counts."""

    bucket: BucketName
    keys: list[ObjectKey] = Field([], description="Objects to delete")
    prefix: str | None = Field(
        None,
        description='A folder: every object under it (not "")',
        json_schema_extra={**_FOLDER, "maxLength": 1024},
    )
    dry_run: bool = Field(False, description="Count only; delete nothing")


class S3FolderBody(StrictModel):
    """``POST s3/folder``: create the empty folder ``prefix``."""

    bucket: BucketName
    prefix: str = Field(
        description='The new folder, e.g. "studies/new" (a / is added)',
        json_schema_extra={**_FOLDER, "maxLength": 1023},
    )


class S3CopyBody(StrictModel):
    """``POST s3/copy|move``: one object (``key`` -> ``dest_key``) or a folder (``prefix``
    -> ``dest_prefix``) inside S3."""

    bucket: BucketName
    dest_bucket: BucketName | None = Field(None, description="Defaults to bucket")
    key: ObjectKey | None = None
    prefix: KeyPrefix | None = None
    dest_key: ObjectKey | None = None
    dest_prefix: KeyPrefix | None = None
    overwrite: bool = Field(False, description="Replace existing keys (else 409)")


class S3TransferBody(StrictModel):
    """``POST s3/transfers``: copy an object (``key``) or a folder (``prefix``) between S3
    and the workspace file or folder ``path``."""

    direction: Literal["to_workspace", "to_s3"]
    bucket: BucketName
    path: str = Field(
        "",
        description=(
            "Workspace path relative to the Jupyter root, '/'-separated, no '..'. to_workspace"
            " with a key: the file to write, or an existing folder / a path ending in '/' to"
            " write into; with a prefix: the folder that receives its contents. to_s3: the"
            " file or folder to send."
        ),
    )
    key: ObjectKey | None = Field(
        None,
        description=(
            "to_workspace: the object to copy; to_s3: the key to write (default: prefix +"
            " file name)"
        ),
    )
    prefix: KeyPrefix | None = Field(
        None,
        description=(
            "to_workspace: the folder to copy (its contents land in `path`); to_s3: where to"
            " put the file or the folder's contents"
        ),
    )
    overwrite: bool = Field(False, description="Replace existing files / keys (else 409)")


class S3Location(Reply):
    name: str = Field(description="Display name (the bucket name for plain buckets)")
    bucket: str
    prefix: str = Field(description='Where to open the bucket ("" for its root)')
    created: DateTime | None


class S3Buckets(Reply):
    source: Literal["aws", "config"] = Field(
        description="aws: ListBuckets; config: the admin's locations and allowed_buckets",
    )
    buckets: list[S3Location]


class S3FolderEntry(Reply):
    prefix: str = Field(description="Full prefix to list next, ends with /")
    name: str = Field(description="The part below the listed prefix, without the slash")


class S3ObjectEntry(Reply):
    key: str = Field(description="The key exactly as stored (spaces, unicode, ../ kept)")
    name: str = Field(description="The key below the listed prefix")
    size: int
    last_modified: DateTime | None
    storage_class: str = Field(examples=["STANDARD"])
    etag: str = Field(description="Without quotes")


class S3Listing(Reply):
    bucket: str
    prefix: str
    folders: list[S3FolderEntry]
    objects: list[S3ObjectEntry] = Field(
        description=(
            "At most `limit` (1,000) entries together with folders; never the folder marker"
        ),
    )
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page",
    )


class S3SearchPage(Reply):
    bucket: str
    prefix: str
    query: str
    matches: list[S3ObjectEntry]
    scanned: int = Field(description="Keys looked at by this request")
    next_cursor: str | None = Field(
        description="Pass as `cursor` to scan on; null when the whole prefix was scanned",
    )


class S3Encryption(Reply):
    type: Literal["AES256", "aws:kms", "aws:kms:dsse"] | None
    kms_key_id: str | None


class S3ObjectVersion(Reply):
    version_id: str | None
    size: int | None
    last_modified: DateTime | None
    is_latest: bool
    delete_marker: bool


class S3ObjectDetails(Reply):
    bucket: str
    key: str
    name: str = Field(description="Last path segment of the key")
    uri: str = Field(examples=["s3://bucket/key"])
    size: int
    last_modified: DateTime | None
    storage_class: str
    content_type: str | None
    etag: str
    version_id: str | None
    sse: S3Encryption
    metadata: dict[str, str]
    tags: dict[str, str] | None = Field(description="null when the role may not read tags")
    versioning: Literal["Enabled", "Suspended"] | None = Field(
        description="null when never enabled (or not readable)",
    )
    versions: list[S3ObjectVersion] | None = Field(
        description="Newest first, at most 100; null unless the bucket is versioned",
    )


class S3Uploaded(Reply):
    bucket: str
    key: str
    uri: str
    size: int = Field(description="Bytes received and stored")
    etag: str
    parts: int = Field(description="Multipart parts (0 for a single PutObject)")
    sse: str | None = Field(description="aws:kms when UcdhConfig.kms_key_id is set")


class S3Presigned(Reply):
    url: str = Field(description="SigV4 GET URL; never logged by the server")
    expires_in: int = Field(description="Seconds (UcdhConfig.s3_presign_expiry)")


class S3DeleteError(Reply):
    key: str
    code: str
    message: str


class S3DeleteResult(Reply):
    bucket: str
    dry_run: bool
    count: int = Field(description="Objects that are (or would be) deleted")
    bytes: int | None = Field(description="Their size (prefix only)")
    deleted: int = Field(description="0 on a dry run")
    errors: list[S3DeleteError]


class S3FolderCreated(Reply):
    bucket: str
    prefix: str = Field(description="Ends with /")
    uri: str


class S3TransferEnd(Reply):
    """{bucket, key, prefix} for S3, {path} for the workspace"""

    bucket: str | Absent = None
    key: str | None = None
    prefix: str | None = None
    path: str | Absent = None


class S3TransferJob(Reply):
    id: str
    kind: Literal["to_workspace", "to_s3", "copy", "move"]
    state: Literal["queued", "running", "succeeded", "failed", "cancelled"] = Field(
        description="succeeded, failed and cancelled are final",
    )
    source: S3TransferEnd = Field(
        description="{bucket, key, prefix} for S3, {path} for the workspace",
    )
    target: S3TransferEnd = Field(
        description="{bucket, key, prefix} for S3, {path} for the workspace",
    )
    bytes_done: int
    bytes_total: int
    files_done: int
    files_total: int
    error: Problem | None = Field(
        description="Why the job failed (with the HTTP status it maps to)",
    )
    created: DateTime
    started: DateTime | None
    finished: DateTime | None


class S3TransferList(Reply):
    transfers: list[S3TransferJob]
