"""With ``UcdhConfig.kms_key_id`` set, every write the extension makes uses SSE-KMS."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest

MiB = 1024 * 1024


@pytest.fixture(scope="module")
def kms_key_arn(local_aws: Any) -> str:
    """A customer-managed KMS key in the local AWS."""
    return str(local_aws.client("kms").create_key()["KeyMetadata"]["Arn"])


@pytest.fixture
def ucdh_config(ucdh_config: dict[str, Any], kms_key_arn: str) -> dict[str, Any]:
    """The shared test settings plus the KMS key and small parts."""
    return {**ucdh_config, "kms_key_id": kms_key_arn, "s3_part_size": 5 * MiB}


def assert_kms(s3: Any, bucket: str, key: str, arn: str) -> None:
    head = s3.head_object(Bucket=bucket, Key=key)
    assert head["ServerSideEncryption"] == "aws:kms", key
    assert head["SSEKMSKeyId"] == arn, key


@pytest.mark.parametrize("size", [10, 6 * MiB], ids=["single-put", "multipart"])
async def test_browser_uploads_are_encrypted_with_the_configured_key(
    ucdh_request: Any, bucket: str, s3: Any, kms_key_arn: str, size: int
) -> None:
    status, body = await ucdh_request(
        "PUT", "s3/upload", body=os.urandom(size), params={"bucket": bucket, "key": "f.bin"}
    )
    assert status == 201, body
    assert body["sse"] == "aws:kms"
    assert_kms(s3, bucket, "f.bin", kms_key_arn)


async def test_folders_copies_and_workspace_uploads_are_encrypted(
    ucdh_request: Any, bucket: str, s3: Any, kms_key_arn: str, jp_root_dir: Path
) -> None:
    await ucdh_request("POST", "s3/folder", body={"bucket": bucket, "prefix": "f"})
    (jp_root_dir / "w.txt").write_bytes(b"from the workspace")
    _, job = await ucdh_request(
        "POST",
        "s3/transfers",
        body={"direction": "to_s3", "bucket": bucket, "path": "w.txt", "key": "w.txt"},
    )
    while job["state"] not in ("succeeded", "failed"):
        await asyncio.sleep(0.05)
        _, job = await ucdh_request("GET", f"s3/transfers/{job['id']}")
    assert job["state"] == "succeeded", job
    s3.put_object(Bucket=bucket, Key="plain.txt", Body=b"p")
    status, _ = await ucdh_request(
        "POST", "s3/copy", body={"bucket": bucket, "key": "plain.txt", "dest_key": "c.txt"}
    )
    assert status == 200
    for key in ("f/", "w.txt", "c.txt"):
        assert_kms(s3, bucket, key, kms_key_arn)
