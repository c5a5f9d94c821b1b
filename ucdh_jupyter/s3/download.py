"""Streaming an object to the browser: byte ranges, headers, and a blocking chunk reader.

The handler pulls one chunk at a time from :class:`ObjectStream` on a worker thread
and flushes it to the client, so memory stays at a chunk or two whatever the size.
"""

from __future__ import annotations

import re
from datetime import timezone
from email.utils import format_datetime
from typing import Any

from ..errors import UcdhError, translate
from .names import base_name, content_disposition, s3_uri
from .objects import head, not_found

CHUNK = 1024 * 1024

_RANGE = re.compile(r"bytes=([0-9]*)-([0-9]*)")


class RangeNotSatisfiableError(UcdhError):
    """A 416: the requested byte range lies beyond the end of the object."""

    def __init__(self, size: int) -> None:
        super().__init__(
            416,
            "range_not_satisfiable",
            f"The requested byte range is outside the object ({size} bytes).",
            "Ask for a range that starts before the end of the object.",
        )
        self.size = size


def parse_range(header: str | None) -> str | None:
    """The single byte range to ask S3 for, or None for the whole object.

    Multi-range and malformed headers are ignored (RFC 9110 lets a server answer
    them with the full 200), so only ``bytes=a-b``, ``bytes=a-`` and ``bytes=-n``
    are passed on.
    """
    if not header:
        return None
    match = _RANGE.fullmatch(header.strip().replace(" ", ""))
    if not match or match.groups() == ("", ""):
        return None
    start, end = match.groups()
    if start and end and int(end) < int(start):
        return None
    return f"bytes={start}-{end}"


class ObjectStream:
    """An open ``GetObject``: the response status and headers, and a blocking reader."""

    def __init__(self, reply: dict[str, Any], bucket: str, key: str) -> None:
        self._body = reply["Body"]
        self.size = int(reply.get("ContentLength", 0))
        self.status = 206 if reply.get("ContentRange") else 200
        headers = {
            "Content-Type": reply.get("ContentType") or "application/octet-stream",
            "Content-Length": str(self.size),
            "Content-Disposition": content_disposition(base_name(key)),
            "Accept-Ranges": "bytes",
            "ETag": str(reply.get("ETag", "")),
            "Cache-Control": "no-store",
        }
        if reply.get("LastModified") is not None:
            modified = reply["LastModified"].astimezone(timezone.utc)
            headers["Last-Modified"] = format_datetime(modified, usegmt=True)
        if reply.get("ContentRange"):
            headers["Content-Range"] = str(reply["ContentRange"])
        self.headers = headers
        self.uri = s3_uri(bucket, key)

    def read(self, size: int = CHUNK) -> bytes:
        """The next chunk (blocking); empty at the end."""
        return bytes(self._body.read(size))

    def close(self) -> None:
        """Release the connection to S3."""
        self._body.close()


def open_object(client: Any, bucket: str, key: str, byte_range: str | None) -> ObjectStream:
    """Start a ``GetObject`` (optionally ranged) and return its stream."""
    kwargs: dict[str, Any] = {"Bucket": bucket, "Key": key}
    if byte_range:
        kwargs["Range"] = byte_range
    try:
        reply = client.get_object(**kwargs)
    except Exception as exc:
        error = translate(exc)
        if error.status == 404:
            raise not_found(bucket, key) from exc
        code = getattr(exc, "response", {}).get("Error", {}).get("Code")
        if byte_range and code == "InvalidRange":
            size = int(head(client, bucket, key).get("ContentLength", 0))
            raise RangeNotSatisfiableError(size) from exc
        raise
    return ObjectStream(reply, bucket, key)
