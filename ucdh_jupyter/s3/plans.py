"""What a transfer job will do, decided before it writes anything.

A plan lists every (source, target, size) item. Building it checks every name and
path and every overwrite, so a bad key, a path escape or an unconfirmed overwrite
is a 400/409 answered at once, with nothing written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import bad_request
from .listing import iter_objects
from .names import base_name, folder_prefix, s3_uri, validate_key
from .objects import conflict, head, iter_prefix_items, not_found
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


def _existing_keys(client: Any, bucket: str, prefix: str) -> set[str]:
    return {item["Key"] for item in iter_objects(client, bucket, prefix)}


def _refuse_existing_keys(
    client: Any, bucket: str, prefix: str, items: list[Item], overwrite: bool
) -> None:
    if overwrite or not items:
        return
    taken = _existing_keys(client, bucket, prefix)
    for item in items:
        if item.target in taken:
            raise conflict(s3_uri(bucket, item.target))


def to_workspace(
    client: Any,
    workspace: Workspace,
    bucket: str,
    key: str | None,
    prefix: str | None,
    path: str,
    overwrite: bool,
) -> Plan:
    """S3 -> workspace: one key to a file (or into a folder), or a prefix into a folder."""
    target = workspace.resolve(path)
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
    if not overwrite:
        for item in plan.items:
            if Path(item.target).exists():
                raise conflict(f"The workspace file {workspace.relative(Path(item.target))!r}")
    plan.target = {"path": workspace.relative(target)}
    return plan


def to_s3(
    client: Any,
    workspace: Workspace,
    path: str,
    bucket: str,
    key: str | None,
    prefix: str | None,
    overwrite: bool,
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
        check_prefix = target_key
    else:
        if key:
            raise bad_request("A folder is copied under a prefix, not to a single key.")
        folder = folder_prefix(prefix or "")
        for local, relative in workspace.walk(source):
            target_key = validate_key(folder + relative)
            plan.items.append(Item(str(local), target_key, local.stat().st_size))
        plan.target.update(key=None, prefix=folder)
        check_prefix = folder
    _refuse_existing_keys(client, bucket, check_prefix, plan.items, overwrite)
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
    overwrite: bool,
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
        check_prefix = dest_key
    else:
        source = folder_prefix(prefix or "")
        target = folder_prefix(dest_prefix or "")
        if not source:
            raise bad_request("Copying or moving a whole bucket is not supported; pick a folder.")
        if bucket == dest_bucket and target.startswith(source):
            raise bad_request("A folder cannot be copied or moved into itself.")
        pairs = iter_prefix_items(client, bucket, source, target)
        plan.items = [Item(src, dst, size) for src, dst, size in pairs]
        if not plan.items:
            raise not_found(bucket, source)
        plan.source["prefix"], plan.target["prefix"] = source, target
        check_prefix = target
    _refuse_existing_keys(client, dest_bucket, check_prefix, plan.items, overwrite)
    return plan
