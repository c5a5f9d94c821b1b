"""Strict request bodies of the S3 routes (``POST s3/delete|folder|copy|move|transfers``).

Types only: ``"overwrite": "false"`` or ``"dry_run": 0`` is a 400 naming the field, and a
field a route does not know is refused rather than ignored. Names (buckets, keys,
prefixes, paths) are checked by the S3 service, which the magics call too, and which
also decides whether the fields fit the kind of copy. Imported on first use: pydantic
must not load at server start.
"""

from __future__ import annotations

from typing import Literal

from ..contract import StrictModel


class DeleteRequest(StrictModel):
    """Delete ``keys`` and/or every object under ``prefix``; ``dry_run`` only counts."""

    bucket: str
    keys: list[str] = []
    prefix: str | None = None
    dry_run: bool = False


class FolderRequest(StrictModel):
    """Create the empty folder ``prefix``."""

    bucket: str
    prefix: str


class CopyRequest(StrictModel):
    """Copy or move one object (``key`` -> ``dest_key``) or a folder (``prefix`` ->
    ``dest_prefix``) inside S3; ``dest_bucket`` defaults to ``bucket``."""

    bucket: str
    dest_bucket: str | None = None
    key: str | None = None
    prefix: str | None = None
    dest_key: str | None = None
    dest_prefix: str | None = None
    overwrite: bool = False


class TransferRequest(StrictModel):
    """Copy an object (``key``) or a folder (``prefix``) between S3 and the workspace
    file or folder ``path``."""

    direction: Literal["to_workspace", "to_s3"]
    bucket: str
    path: str = ""
    key: str | None = None
    prefix: str | None = None
    overwrite: bool = False
