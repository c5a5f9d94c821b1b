"""Listing buckets and one "folder" at a time, and searching keys page by page.

Nothing here loads a whole prefix: every call is one ``ListObjectsV2`` page (or a
fixed budget of pages for search) and hands S3's continuation token back to the
caller as a cursor, so a folder of 100,000 keys costs the same as one of ten.

A cursor is S3's token sealed with an HMAC of this server over the listing it
belongs to: a made-up or foreign cursor is a 400 here instead of reaching S3, which
answers some tokens it cannot read with a server error.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from typing import Any

from ..errors import UcdhError

MAX_PAGE = 1000
# Per server process: after a restart an old cursor is refused and the folder reloads.
_CURSOR_SECRET = secrets.token_bytes(32)


def _tag(kind: str, bucket: str, prefix: str, token: str) -> str:
    message = "\x00".join((kind, bucket, prefix, token)).encode("utf-8", "surrogatepass")
    return hmac.new(_CURSOR_SECRET, message, hashlib.sha256).hexdigest()[:32]


def seal(kind: str, bucket: str, prefix: str, token: str | None) -> str | None:
    """The cursor handed out for S3's continuation ``token`` of one listing."""
    return None if token is None else f"{_tag(kind, bucket, prefix, token)}.{token}"


def unseal(kind: str, bucket: str, prefix: str, cursor: str | None) -> str | None:
    """S3's continuation token from a cursor this server handed out for this very
    listing, or a 400."""
    if not cursor:
        return None
    tag, _, token = cursor.partition(".")
    expected = _tag(kind, bucket, prefix, token).encode()
    if not token or not hmac.compare_digest(tag.encode("utf-8", "surrogatepass"), expected):
        raise UcdhError(
            400,
            "bad_cursor",
            "This page cursor is not one the server gave for this folder, or it is out of date.",
            "Reload the folder (or start the search again).",
        )
    return token


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC, as the browser's ``Date`` parses it."""
    return value.isoformat() if value is not None else None


def object_entry(item: dict[str, Any], prefix: str) -> dict[str, Any]:
    """One listed object, shaped for the UI (keys taken literally)."""
    key = item["Key"]
    return {
        "key": key,
        "name": key[len(prefix) :] if key.startswith(prefix) else key,
        "size": int(item.get("Size", 0)),
        "last_modified": iso(item.get("LastModified")),
        "storage_class": item.get("StorageClass") or "STANDARD",
        "etag": str(item.get("ETag", "")).strip('"'),
    }


def list_buckets(client: Any) -> list[dict[str, Any]]:
    """Every bucket the credentials can list (``ListBuckets``), by name."""
    reply = client.list_buckets()
    return sorted(
        (
            {
                "name": bucket["Name"],
                "bucket": bucket["Name"],
                "prefix": "",
                "created": iso(bucket.get("CreationDate")),
            }
            for bucket in reply.get("Buckets", [])
        ),
        key=lambda entry: entry["name"],
    )


def list_folder(
    client: Any, bucket: str, prefix: str, cursor: str | None = None, limit: int = MAX_PAGE
) -> dict[str, Any]:
    """One page of a folder: sub-folders (common prefixes) and objects directly in it.

    The folder's own marker object (``prefix`` itself, written by "create folder")
    is not listed as a child. No marker is ever written here.
    """
    kwargs: dict[str, Any] = {
        "Bucket": bucket,
        "Prefix": prefix,
        "Delimiter": "/",
        "MaxKeys": max(1, min(int(limit), MAX_PAGE)),
    }
    token = unseal("list", bucket, prefix, cursor)
    if token:
        kwargs["ContinuationToken"] = token
    reply = client.list_objects_v2(**kwargs)
    folders = [
        # With Delimiter='/' the part below the prefix ends in its only slash.
        {"prefix": item["Prefix"], "name": item["Prefix"][len(prefix) : -1]}
        for item in reply.get("CommonPrefixes", [])
    ]
    objects = [
        object_entry(item, prefix) for item in reply.get("Contents", []) if item["Key"] != prefix
    ]
    return {
        "bucket": bucket,
        "prefix": prefix,
        "folders": folders,
        "objects": objects,
        "next_cursor": seal(
            "list",
            bucket,
            prefix,
            reply.get("NextContinuationToken") if reply.get("IsTruncated") else None,
        ),
    }


def search(
    client: Any,
    bucket: str,
    prefix: str,
    query: str,
    cursor: str | None = None,
    budget: int = 5000,
) -> dict[str, Any]:
    """Keys under ``prefix`` whose part below it contains ``query`` (case-insensitive).

    Scans whole pages until ``budget`` keys were looked at, then returns what it
    found with a cursor to resume. The caller cancels by not asking again, so no
    server work outlives a request.
    """
    needle = query.casefold()
    matches: list[dict[str, Any]] = []
    scanned = 0
    next_token = unseal("search", bucket, prefix, cursor)
    while True:
        kwargs: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix, "MaxKeys": MAX_PAGE}
        if next_token:
            kwargs["ContinuationToken"] = next_token
        reply = client.list_objects_v2(**kwargs)
        for item in reply.get("Contents", []):
            if needle in item["Key"][len(prefix) :].casefold():
                matches.append(object_entry(item, prefix))
        scanned += int(reply.get("KeyCount", len(reply.get("Contents", []))))
        next_token = reply.get("NextContinuationToken") if reply.get("IsTruncated") else None
        if next_token is None or scanned >= budget:
            break
    return {
        "bucket": bucket,
        "prefix": prefix,
        "query": query,
        "matches": matches,
        "scanned": scanned,
        "next_cursor": seal("search", bucket, prefix, next_token),
    }


def iter_objects(client: Any, bucket: str, prefix: str) -> Any:
    """Every object under ``prefix`` (recursively), one page at a time."""
    paginator = client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        yield from page.get("Contents", [])
