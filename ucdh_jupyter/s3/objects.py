"""One object at a time: details, presigned URL, explicit folders, delete, copy and move."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..errors import UcdhError, bad_request, translate
from .listing import iso, iter_objects
from .names import base_name, content_disposition, folder_prefix, s3_uri

DELETE_BATCH = 1000
MAX_PARTS = 10_000


def not_found(bucket: str, key: str) -> UcdhError:
    """The 404 a user sees for a key (or folder) that is not there."""
    return UcdhError(
        404,
        "not_found",
        f"{s3_uri(bucket, key)} does not exist.",
        "It may have been deleted or renamed; reload the folder.",
    )


def is_missing(exc: BaseException) -> bool:
    """Whether an AWS error means "no such key / bucket"."""
    return translate(exc).status == 404


def head(client: Any, bucket: str, key: str) -> dict[str, Any]:
    """``HeadObject``, with a readable 404."""
    try:
        return dict(client.head_object(Bucket=bucket, Key=key))
    except Exception as exc:
        if is_missing(exc):
            raise not_found(bucket, key) from exc
        raise


def exists(client: Any, bucket: str, key: str) -> bool:
    """Whether ``key`` exists (a 404 is an answer, not an error)."""
    try:
        client.head_object(Bucket=bucket, Key=key)
    except Exception as exc:
        if is_missing(exc):
            return False
        raise
    return True


def prefix_has_objects(client: Any, bucket: str, prefix: str) -> bool:
    """Whether any key starts with ``prefix`` (one ``ListObjectsV2`` of one key)."""
    reply = client.list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=1)
    return bool(reply.get("KeyCount") or reply.get("Contents"))


def conflict(uri: str) -> UcdhError:
    """The 409 for a write that would replace data the user did not agree to replace."""
    return UcdhError(
        409,
        "exists",
        f"{uri} already exists.",
        "Choose another name, or confirm that it should be overwritten.",
    )


def _optional(call: Any) -> Any:
    """Run a best-effort call: details the role may not read become None, not a failure."""
    try:
        return call()
    except Exception as exc:
        if translate(exc).status in (403, 404, 501):
            return None
        raise


def details(client: Any, bucket: str, key: str) -> dict[str, Any]:
    """Everything the Properties dialog shows about one object."""
    info = head(client, bucket, key)
    tag_set = _optional(lambda: client.get_object_tagging(Bucket=bucket, Key=key)["TagSet"])
    versioning = _optional(lambda: client.get_bucket_versioning(Bucket=bucket).get("Status"))
    versions = None
    if versioning:
        versions = _optional(lambda: list(_versions(client, bucket, key)))
    return {
        "bucket": bucket,
        "key": key,
        "name": base_name(key),
        "uri": s3_uri(bucket, key),
        "size": int(info.get("ContentLength", 0)),
        "last_modified": iso(info.get("LastModified")),
        "storage_class": info.get("StorageClass") or "STANDARD",
        "content_type": info.get("ContentType"),
        "etag": str(info.get("ETag", "")).strip('"'),
        "version_id": info.get("VersionId"),
        "sse": {
            "type": info.get("ServerSideEncryption"),
            "kms_key_id": info.get("SSEKMSKeyId"),
        },
        "metadata": dict(info.get("Metadata") or {}),
        "tags": None if tag_set is None else {t["Key"]: t["Value"] for t in tag_set},
        "versioning": versioning,
        "versions": versions,
    }


def _versions(client: Any, bucket: str, key: str, limit: int = 100) -> Iterator[dict[str, Any]]:
    reply = client.list_object_versions(Bucket=bucket, Prefix=key, MaxKeys=limit)
    entries = [(v, False) for v in reply.get("Versions", [])]
    entries += [(m, True) for m in reply.get("DeleteMarkers", [])]
    entries.sort(key=lambda pair: pair[0]["LastModified"], reverse=True)
    for item, marker in entries:
        if item["Key"] == key:
            yield {
                "version_id": item.get("VersionId"),
                "size": None if marker else int(item.get("Size", 0)),
                "last_modified": iso(item.get("LastModified")),
                "is_latest": bool(item.get("IsLatest")),
                "delete_marker": marker,
            }


def presign(client: Any, bucket: str, key: str, expiry: int) -> dict[str, Any]:
    """A SigV4 GET URL for ``key`` that lives ``expiry`` seconds. Never log the result."""
    head(client, bucket, key)

    url = client.generate_presigned_url(
        "get_object",
        Params={
            "Bucket": bucket,
            "Key": key,
            "ResponseContentDisposition": content_disposition(base_name(key)),
        },
        ExpiresIn=expiry,
    )
    return {"url": url, "expires_in": expiry}


def create_folder(
    client: Any, bucket: str, prefix: str, extra_args: dict[str, Any]
) -> dict[str, Any]:
    """Write the ``prefix/`` marker object: an explicit "new folder", never implicit."""
    folder = folder_prefix(prefix)
    if not folder:
        raise bad_request("A folder name is required.")
    if prefix_has_objects(client, bucket, folder):
        raise conflict(s3_uri(bucket, folder))
    client.put_object(Bucket=bucket, Key=folder, Body=b"", **extra_args)
    return {"bucket": bucket, "prefix": folder, "uri": s3_uri(bucket, folder)}


def _batches(keys: Iterable[str], size: int = DELETE_BATCH) -> Iterator[list[str]]:
    batch: list[str] = []
    for key in keys:
        batch.append(key)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def delete(
    client: Any,
    bucket: str,
    keys: list[str],
    prefix: str | None,
    dry_run: bool,
    check: Callable[[str], object] | None = None,
) -> dict[str, Any]:
    """Delete ``keys`` and/or every object under ``prefix``, 1,000 per ``DeleteObjects``.

    With ``dry_run`` nothing is deleted: the count (and, for a prefix, the bytes) is
    what the confirmation dialog shows. ``check`` is called with every key before
    the first one is deleted, and may refuse the whole delete by raising.
    """
    size = 0
    listed: list[str] = []
    if prefix:
        for item in iter_objects(client, bucket, prefix):
            listed.append(item["Key"])
            size += int(item.get("Size", 0))
    targets = list(dict.fromkeys([*keys, *listed]))
    if check is not None:
        for key in targets:
            check(key)
    result: dict[str, Any] = {
        "bucket": bucket,
        "dry_run": dry_run,
        "count": len(targets),
        "bytes": size if prefix else None,
        "deleted": 0,
        "errors": [],
    }
    if dry_run:
        return result
    for batch in _batches(targets):
        reply = client.delete_objects(
            Bucket=bucket, Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True}
        )
        failed = reply.get("Errors", [])
        result["deleted"] += len(batch) - len(failed)
        result["errors"] += [
            {"key": e.get("Key"), "code": e.get("Code"), "message": e.get("Message")}
            for e in failed
        ]
    return result


def part_size_for(size: int, part_size: int) -> int:
    """A part size that keeps ``size`` within S3's 10,000 parts."""
    return max(part_size, math.ceil(size / MAX_PARTS))


def iter_prefix_items(
    client: Any, bucket: str, prefix: str, dest_prefix: str
) -> Iterator[tuple[str, str, int]]:
    """(source key, destination key, size) for every object under ``prefix``."""
    for item in iter_objects(client, bucket, prefix):
        yield item["Key"], dest_prefix + item["Key"][len(prefix) :], int(item.get("Size", 0))
