"""Changing S3: delete with a count first, explicit folders, copy, rename and move."""

from __future__ import annotations

import hashlib
import os
from typing import Any

import pytest

from ucdh_jupyter.demo.localaws import LocalAws

MiB = 1024 * 1024


def keys(s3: Any, bucket: str, prefix: str = "") -> list[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


async def test_deleting_a_folder_counts_first_then_deletes_in_batches(
    ucdh_request: Any, bucket: str, s3: Any, local_aws: LocalAws
) -> None:
    # Given a folder of 2,500 objects (three DeleteObjects batches) next to one to keep
    local_aws.put_many(bucket, {f"old/{i:05d}.txt": b"12345" for i in range(2500)})
    s3.put_object(Bucket=bucket, Key="keep.txt", Body=b"k")
    # When the confirmation dialog asks for a dry run
    status, plan = await ucdh_request(
        "POST", "s3/delete", body={"bucket": bucket, "prefix": "old/", "dry_run": True}
    )
    # Then it learns how many objects and bytes would go, and nothing is deleted
    assert status == 200
    assert (plan["count"], plan["bytes"], plan["deleted"]) == (2500, 12500, 0)
    assert len(keys(s3, bucket, "old/")) == 2500
    # And when the user confirms, exactly that folder is deleted
    status, done = await ucdh_request(
        "POST", "s3/delete", body={"bucket": bucket, "prefix": "old/"}
    )
    assert status == 200
    assert (done["deleted"], done["errors"]) == (2500, [])
    assert keys(s3, bucket) == ["keep.txt"]


async def test_deleting_selected_objects_deletes_only_them(
    ucdh_request: Any, bucket: str, s3: Any
) -> None:
    for key in ("a.csv", "b.csv", "c.csv"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    status, body = await ucdh_request(
        "POST", "s3/delete", body={"bucket": bucket, "keys": ["a.csv", "c.csv"]}
    )
    assert status == 200
    assert body["deleted"] == 2
    assert keys(s3, bucket) == ["b.csv"]


async def test_delete_needs_keys_or_a_folder(ucdh_request: Any, bucket: str) -> None:
    status, body = await ucdh_request("POST", "s3/delete", body={"bucket": bucket})
    assert status == 400
    assert "prefix" in body["message"]
    status, body = await ucdh_request("POST", "s3/delete", body=b"not json")
    assert status == 400


async def test_create_folder_writes_one_marker_and_refuses_a_second_time(
    ucdh_request: Any, bucket: str, s3: Any
) -> None:
    status, body = await ucdh_request(
        "POST", "s3/folder", body={"bucket": bucket, "prefix": "new study"}
    )
    assert status == 201
    assert body["prefix"] == "new study/"
    assert keys(s3, bucket) == ["new study/"]
    status, page = await ucdh_request("GET", "s3/list", params={"bucket": bucket})
    assert [f["name"] for f in page["folders"]] == ["new study"]
    status, page = await ucdh_request(
        "GET", "s3/list", params={"bucket": bucket, "prefix": "new study/"}
    )
    assert page["objects"] == [] and page["folders"] == []
    status, body = await ucdh_request(
        "POST", "s3/folder", body={"bucket": bucket, "prefix": "new study/"}
    )
    assert status == 409


async def test_rename_moves_the_bytes_and_removes_the_old_key(
    ucdh_request: Any, bucket: str, s3: Any
) -> None:
    s3.put_object(Bucket=bucket, Key="draft.csv", Body=b"a,b\n", ContentType="text/csv")
    status, job = await ucdh_request(
        "POST", "s3/move", body={"bucket": bucket, "key": "draft.csv", "dest_key": "final.csv"}
    )
    assert status == 200, job
    assert job["state"] == "succeeded"
    assert keys(s3, bucket) == ["final.csv"]
    moved = s3.get_object(Bucket=bucket, Key="final.csv")
    assert (moved["Body"].read(), moved["ContentType"]) == (b"a,b\n", "text/csv")


async def test_copying_a_folder_keeps_the_source(
    ucdh_request: Any, bucket: str, s3: Any, local_aws: LocalAws
) -> None:
    local_aws.put_many(bucket, {f"src/{i}/f.txt": str(i).encode() for i in range(3)})
    status, job = await ucdh_request(
        "POST", "s3/copy", body={"bucket": bucket, "prefix": "src/", "dest_prefix": "dst/"}
    )
    assert status == 200, job
    assert (job["state"], job["files_done"]) == ("succeeded", 3)
    assert keys(s3, bucket, "dst/") == ["dst/0/f.txt", "dst/1/f.txt", "dst/2/f.txt"]
    assert len(keys(s3, bucket, "src/")) == 3
    assert s3.get_object(Bucket=bucket, Key="dst/2/f.txt")["Body"].read() == b"2"


async def test_moving_a_folder_into_itself_is_refused(ucdh_request: Any, bucket: str) -> None:
    status, body = await ucdh_request(
        "POST", "s3/move", body={"bucket": bucket, "prefix": "a/", "dest_prefix": "a/b/"}
    )
    assert status == 400
    assert "into itself" in body["message"]


async def test_copy_refuses_to_overwrite_unless_confirmed(
    ucdh_request: Any, bucket: str, s3: Any
) -> None:
    s3.put_object(Bucket=bucket, Key="a.txt", Body=b"a")
    s3.put_object(Bucket=bucket, Key="b.txt", Body=b"b")
    body = {"bucket": bucket, "key": "a.txt", "dest_key": "b.txt"}
    status, reply = await ucdh_request("POST", "s3/copy", body=body)
    assert status == 409
    assert "b.txt" in reply["message"]
    status, _ = await ucdh_request("POST", "s3/copy", body={**body, "overwrite": True})
    assert status == 200
    assert s3.get_object(Bucket=bucket, Key="b.txt")["Body"].read() == b"a"


async def test_copy_of_a_missing_key_is_404(ucdh_request: Any, bucket: str) -> None:
    status, body = await ucdh_request(
        "POST", "s3/copy", body={"bucket": bucket, "key": "ghost", "dest_key": "x"}
    )
    assert status == 404
    assert f"s3://{bucket}/ghost" in body["message"]


@pytest.mark.ucdh(s3_multipart_copy_threshold=5 * MiB, s3_part_size=5 * MiB)
async def test_large_objects_are_copied_part_by_part_byte_exact(
    ucdh_request: Any, bucket: str, s3: Any
) -> None:
    # Given an object above the multipart-copy threshold
    data = os.urandom(12 * MiB)
    s3.put_object(Bucket=bucket, Key="big.bin", Body=data, ContentType="application/x-demo")
    # When it is copied
    status, job = await ucdh_request(
        "POST", "s3/copy", body={"bucket": bucket, "key": "big.bin", "dest_key": "copy.bin"}
    )
    assert status == 200, job
    # Then the copy was made of parts (multipart ETag), holds the same bytes and type
    copy = s3.get_object(Bucket=bucket, Key="copy.bin")
    assert copy["ETag"].strip('"').endswith("-3")
    assert hashlib.sha256(copy["Body"].read()).digest() == hashlib.sha256(data).digest()
    assert copy["ContentType"] == "application/x-demo"
