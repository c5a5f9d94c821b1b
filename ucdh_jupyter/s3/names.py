"""Rules for bucket names, keys and prefixes, checked before any AWS call.

A broken rule is a 400 whose message names the rule, so the user can fix the name.
Keys are otherwise taken literally: spaces, capitals, unicode, no extension and
``../`` are all legal S3 keys and are shown and used as they are. Only the local
side of a workspace copy is path-checked (see :mod:`.workspace`).
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from urllib.parse import quote

from ..errors import bad_request

MAX_KEY_BYTES = 1024

_BUCKET_CHARS = re.compile(r"[a-z0-9.-]+")
_BUCKET_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_BUCKET_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


def validate_bucket(bucket: str) -> str:
    """Return ``bucket`` if it follows S3's naming rules, else raise a 400 naming the rule."""
    if not isinstance(bucket, str) or not bucket:
        raise bad_request("A bucket name is required.")
    shown = bucket[:80]
    if not 3 <= len(bucket) <= 63:
        raise bad_request(f"Bucket name {shown!r} must be 3 to 63 characters long.")
    if not _BUCKET_CHARS.fullmatch(bucket):
        raise bad_request(
            f"Bucket name {shown!r} may only contain lowercase letters, digits, dots and hyphens."
        )
    if not (bucket[0].isalnum() and bucket[-1].isalnum()):
        raise bad_request(f"Bucket name {shown!r} must begin and end with a letter or digit.")
    if ".." in bucket or ".-" in bucket or "-." in bucket:
        raise bad_request(f"Bucket name {shown!r} must not have two adjacent dots or a dot-hyphen.")
    try:
        ipaddress.IPv4Address(bucket)
    except ValueError:
        pass
    else:
        raise bad_request(f"Bucket name {shown!r} must not look like an IP address.")
    if bucket.startswith(_BUCKET_RESERVED_PREFIXES) or bucket.endswith(_BUCKET_RESERVED_SUFFIXES):
        raise bad_request(f"Bucket name {shown!r} uses a prefix or suffix that S3 reserves.")
    return bucket


def _check_text(value: str, what: str) -> None:
    if len(value.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
        raise bad_request(f"The {what} is longer than S3's limit of {MAX_KEY_BYTES} bytes (UTF-8).")
    for position, char in enumerate(value):
        if unicodedata.category(char) == "Cc":
            raise bad_request(
                f"The {what} contains a control character (U+{ord(char):04X} at position "
                f"{position}); S3 keys must not contain control characters."
            )
        if 0xD800 <= ord(char) <= 0xDFFF:
            raise bad_request(f"The {what} is not valid UTF-8 text.")


def validate_key(key: str) -> str:
    """Return ``key`` if S3 can store it: 1 to 1,024 UTF-8 bytes, no control characters."""
    if not isinstance(key, str) or not key:
        raise bad_request("An object key is required.")
    _check_text(key, "object key")
    return key


def validate_prefix(prefix: str | None) -> str:
    """Like :func:`validate_key`, but the empty prefix (the bucket root) is allowed."""
    if prefix is None or prefix == "":
        return ""
    if not isinstance(prefix, str):
        raise bad_request("The prefix must be text.")
    _check_text(prefix, "prefix")
    return prefix


def folder_prefix(prefix: str) -> str:
    """A prefix that names a folder ends with ``/`` (the bucket root stays empty)."""
    return prefix if not prefix or prefix.endswith("/") else prefix + "/"


def base_name(key: str) -> str:
    """The last path segment of a key (of a folder key, the folder's name)."""
    stripped = key[:-1] if key.endswith("/") else key
    return stripped.rsplit("/", 1)[-1]


def s3_uri(bucket: str, key: str = "") -> str:
    """``s3://bucket/key`` exactly as the AWS CLI and pandas expect it (no escaping)."""
    return f"s3://{bucket}/{key}"


def parse_s3_uri(uri: str) -> tuple[str, str]:
    """Split ``s3://bucket/key`` (or ``bucket/key``) into a checked bucket and a key."""
    rest = uri[5:] if uri.startswith("s3://") else uri
    bucket, _, key = rest.partition("/")
    return validate_bucket(bucket), validate_prefix(key)


def content_disposition(filename: str) -> str:
    """An ``attachment`` header with an ASCII fallback name and the RFC 5987 UTF-8 name."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\;%' else "_" for c in filename)
    encoded = quote(filename, safe="")
    return f"attachment; filename=\"{fallback.strip() or 'download'}\"; filename*=UTF-8''{encoded}"
