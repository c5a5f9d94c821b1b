"""What a transfer job will do, decided before it writes anything.

A plan lists every (source, target, size) item. Building it checks every name and
path, so a bad key or a path escape is a 400 answered at once, with nothing written.
The service then checks every key the plan touches against the allow-list
(:func:`touched`), reserves the names it creates (:func:`created`) and only then
refuses unconfirmed overwrites (:func:`refuse_existing`): a 403 or 409 before the job
starts.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import bad_request
from .listing import iter_objects
from .names import base_name, folder_prefix, s3_uri, validate_key
from .objects import conflict, head, iter_prefix_items, not_found
from .reservations import Name
from .workspace import Workspace


@dataclass
class Item:
    """One file or object to move: ``source`` and ``target`` are keys or local paths."""

    source: str
    target: str
    size: int


@dataclass
class Plan:
    """The items of a job and the endpoints it reports."""

    kind: str
    source: dict[str, Any]
    target: dict[str, Any]
    items: list[Item] = field(default_factory=list)
    folders: list[str] = field(default_factory=list)
    # The destination prefix that holds every target key (listed once for overwrites).
    dest_listing: str = ""


def touched(plan: Plan) -> Iterator[tuple[str, str]]:
    """Every (bucket, key) the job reads, writes or (a move) deletes in S3."""
    for item in plan.items:
        if plan.kind != "to_s3":
            yield plan.source["bucket"], item.source
        if plan.kind != "to_workspace":
            yield plan.target["bucket"], item.target


def created(plan: Plan) -> list[Name]:
    """The names the job writes: (bucket, key), or ("", path) for workspace files."""
    bucket = "" if plan.kind == "to_workspace" else plan.target["bucket"]
    return [(bucket, item.target) for item in plan.items]


def refuse_existing(client: Any, workspace: Workspace, plan: Plan) -> None:
    """A 409 naming the first target that exists already (an unconfirmed overwrite)."""
    if plan.kind == "to_workspace":
        for item in plan.items:
            if os.path.lexists(item.target):
                raise conflict(f"The workspace file {workspace.relative(Path(item.target))!r}")
        return
    if not plan.items:
        return
    bucket = plan.target["bucket"]
    taken = {item["Key"] for item in iter_objects(client, bucket, plan.dest_listing)}
    for item in plan.items:
        if item.target in taken:
            raise conflict(s3_uri(bucket, item.target))


def to_workspace(
    client: Any,
    workspace: Workspace,
    bucket: str,
    key: str | None,
    prefix: str | None,
    path: str,
) -> Plan:
    """S3 -> workspace: one key to a file (or into a folder), or a prefix into a folder."""
    target = workspace.resolve_target(path)
    plan = Plan("to_workspace", {"bucket": bucket, "key": key, "prefix": prefix}, {})
    if key:
        size = int(head(client, bucket, key).get("ContentLength", 0))
        if target.is_dir() or path.endswith("/") or path in ("", "."):
            target = workspace.below(target, base_name(key), key)
        plan.items.append(Item(key, str(target), size))
    else:
        folder = folder_prefix(prefix or "")
        if target.exists() and not target.is_dir():
            raise bad_request(f"The workspace path {path!r} is a file, not a folder.")
        for item in iter_objects(client, bucket, folder):
            relative = item["Key"][len(folder) :]
            if not relative or relative.endswith("/"):
                if relative:  # an explicit folder marker: recreate the folder
                    plan.folders.append(str(workspace.below(target, relative[:-1], item["Key"])))
                continue
            local = workspace.below(target, relative, item["Key"])
            plan.items.append(Item(item["Key"], str(local), int(item.get("Size", 0))))
        if not plan.items and not plan.folders:
            raise not_found(bucket, folder)
    plan.target = {"path": workspace.relative(target)}
    return plan


def to_s3(
    workspace: Workspace, path: str, bucket: str, key: str | None, prefix: str | None
) -> Plan:
    """Workspace -> S3: one file to a key (or into a prefix), or a folder under a prefix."""
    source = workspace.resolve(path)
    if not source.exists():
        raise bad_request(f"The workspace path {path!r} does not exist.")
    plan = Plan("to_s3", {"path": workspace.relative(source)}, {"bucket": bucket})
    if source.is_file():
        target_key = key or folder_prefix(prefix or "") + source.name
        plan.items.append(Item(str(source), validate_key(target_key), source.stat().st_size))
        plan.target.update(key=target_key, prefix=None)
        plan.dest_listing = target_key
    else:
        if key:
            raise bad_request("A folder is copied under a prefix, not to a single key.")
        folder = folder_prefix(prefix or "")
        for local, relative in workspace.walk(source):
            target_key = validate_key(folder + relative)
            plan.items.append(Item(str(local), target_key, local.stat().st_size))
        plan.target.update(key=None, prefix=folder)
        plan.dest_listing = folder
    return plan


def s3_copy(
    client: Any,
    kind: str,
    bucket: str,
    key: str | None,
    prefix: str | None,
    dest_bucket: str,
    dest_key: str | None,
    dest_prefix: str | None,
) -> Plan:
    """S3 -> S3 (``copy`` or ``move``): one key to a key, or a prefix under a prefix."""
    plan = Plan(
        kind,
        {"bucket": bucket, "key": key, "prefix": prefix},
        {"bucket": dest_bucket, "key": dest_key, "prefix": dest_prefix},
    )
    if key:
        if not dest_key:
            raise bad_request("The destination key (dest_key) is required to copy one object.")
        if (bucket, key) == (dest_bucket, dest_key):
            raise bad_request("The source and the destination are the same object.")
        size = int(head(client, bucket, key).get("ContentLength", 0))
        plan.items.append(Item(key, dest_key, size))
        plan.dest_listing = dest_key
    else:
        source = folder_prefix(prefix or "")
        target = folder_prefix(dest_prefix or "")
        if not source:
            raise bad_request("Copying or moving a whole bucket is not supported; pick a folder.")
        if bucket == dest_bucket and target.startswith(source):
            raise bad_request("A folder cannot be copied or moved into itself.")
        pairs = iter_prefix_items(client, bucket, source, target)
        plan.items = [Item(src, validate_key(dst), size) for src, dst, size in pairs]
        if not plan.items:
            raise not_found(bucket, source)
        plan.source["prefix"], plan.target["prefix"] = source, target
        plan.dest_listing = target
    return plan
