"""Copies between S3 and the workspace: byte-exact, confined to the root, cancellable."""

from __future__ import annotations

import asyncio
import hashlib
import os
from pathlib import Path
from typing import Any

import pytest

from ucdh_jupyter.demo.localaws import LocalAws

from .patience import patient

MiB = 1024 * 1024
SMALL_PARTS = {"s3_part_size": 5 * MiB, "s3_max_concurrency": 2}
ROUND_TRIP_SIZES = [0, 1, 5 * MiB - 1, 5 * MiB + 1, 16 * MiB, 64 * MiB]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def finished(ucdh_request: Any, job: dict[str, Any], timeout: float = 30) -> dict[str, Any]:
    """Poll a transfer job until it ends."""
    deadline = asyncio.get_running_loop().time() + patient(timeout)
    while job["state"] not in ("succeeded", "failed", "cancelled"):
        assert asyncio.get_running_loop().time() < deadline, job
        await asyncio.sleep(0.05)
        status, job = await ucdh_request("GET", f"s3/transfers/{job['id']}")
        assert status == 200, job
    return job


def files_around(root: Path, data_dir: Path) -> set[Path]:
    """Everything in and next to the workspace, except Jupyter's data dir (the server's
    own files, such as the audit log, live there)."""
    return {p for p in root.parent.rglob("*") if p != data_dir and data_dir not in p.parents}


async def start(ucdh_request: Any, **body: Any) -> tuple[int, dict[str, Any]]:
    return await ucdh_request("POST", "s3/transfers", body=body)


@pytest.mark.ucdh(**SMALL_PARTS)
@pytest.mark.parametrize("size", ROUND_TRIP_SIZES, ids=lambda n: f"{n}B")
async def test_workspace_to_s3_and_back_is_byte_exact(
    ucdh_request: Any, bucket: str, jp_root_dir: Path, s3: Any, size: int
) -> None:
    # Given a file in the workspace
    source = jp_root_dir / "data" / "sample.bin"
    source.parent.mkdir()
    source.write_bytes(os.urandom(size))
    # When it is copied to S3 and back into another folder
    status, job = await start(
        ucdh_request, direction="to_s3", bucket=bucket, path="data/sample.bin", key="in/sample.bin"
    )
    assert status == 202, job
    job = await finished(ucdh_request, job)
    assert job["state"] == "succeeded", job
    assert (job["bytes_done"], job["bytes_total"]) == (size, size)
    assert (job["files_done"], job["files_total"]) == (1, 1)
    status, job = await start(
        ucdh_request, direction="to_workspace", bucket=bucket, key="in/sample.bin", path="back/"
    )
    assert status == 202, job
    job = await finished(ucdh_request, job)
    # Then S3 and the copy back hold exactly the original bytes
    assert job["state"] == "succeeded", job
    stored = s3.get_object(Bucket=bucket, Key="in/sample.bin")["Body"].read()
    assert hashlib.sha256(stored).hexdigest() == digest(source)
    assert digest(jp_root_dir / "back" / "sample.bin") == digest(source)


async def test_a_folder_goes_to_s3_and_back_with_its_tree(
    ucdh_request: Any, bucket: str, jp_root_dir: Path
) -> None:
    tree = {"study/a.csv": b"a", "study/raw/b.csv": b"bb", "study/raw/deep/c d.txt": b"ccc"}
    for name, body in tree.items():
        (jp_root_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (jp_root_dir / name).write_bytes(body)
    _, job = await start(ucdh_request, direction="to_s3", bucket=bucket, path="study", prefix="s/")
    job = await finished(ucdh_request, job)
    assert job["state"] == "succeeded", job
    assert (job["files_done"], job["bytes_total"]) == (3, 6)
    _, job = await start(
        ucdh_request, direction="to_workspace", bucket=bucket, prefix="s/", path="copy"
    )
    job = await finished(ucdh_request, job)
    assert job["state"] == "succeeded", job
    for name, body in tree.items():
        assert (jp_root_dir / "copy" / name.removeprefix("study/")).read_bytes() == body


@pytest.mark.parametrize("path", ["../outside.bin", "/etc/outside.bin", "a/../../outside.bin"])
async def test_workspace_path_outside_the_root_is_400_and_nothing_is_written(
    ucdh_request: Any, bucket: str, s3: Any, jp_root_dir: Path, jp_data_dir: Path, path: str
) -> None:
    s3.put_object(Bucket=bucket, Key="k.bin", Body=b"payload")
    before = files_around(jp_root_dir, jp_data_dir)
    status, body = await start(
        ucdh_request, direction="to_workspace", bucket=bucket, key="k.bin", path=path
    )
    assert status == 400
    assert "workspace" in body["message"]
    assert files_around(jp_root_dir, jp_data_dir) == before


@pytest.mark.parametrize("evil", ["../../x.txt", "sub/../../../x.txt", "/abs.txt", "./x.txt"])
async def test_keys_that_would_escape_the_target_folder_are_400_and_nothing_is_written(
    ucdh_request: Any, bucket: str, s3: Any, jp_root_dir: Path, jp_data_dir: Path, evil: str
) -> None:
    # Given a prefix holding a normal key and one whose name climbs out of the folder
    s3.put_object(Bucket=bucket, Key="p/fine.txt", Body=b"fine")
    s3.put_object(Bucket=bucket, Key="p/" + evil, Body=b"evil")
    before = files_around(jp_root_dir, jp_data_dir)
    # When the prefix is copied into the workspace
    status, body = await start(
        ucdh_request, direction="to_workspace", bucket=bucket, prefix="p/", path="dest"
    )
    # Then the whole copy is refused, naming the key, and nothing at all is written
    assert status == 400
    assert evil in body["message"]
    assert files_around(jp_root_dir, jp_data_dir) == before


async def test_a_symlink_cannot_lead_a_copy_out_of_the_workspace(
    ucdh_request: Any, bucket: str, s3: Any, jp_root_dir: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (jp_root_dir / "link").symlink_to(outside)
    s3.put_object(Bucket=bucket, Key="k.bin", Body=b"x")
    status, _ = await start(
        ucdh_request, direction="to_workspace", bucket=bucket, key="k.bin", path="link/k.bin"
    )
    assert status == 400
    (outside / "secret.txt").write_text("server file")
    status, _ = await start(
        ucdh_request, direction="to_s3", bucket=bucket, path="link/secret.txt", key="s.txt"
    )
    assert status == 400
    assert list(outside.iterdir()) == [outside / "secret.txt"]
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 1


async def test_copy_to_workspace_refuses_to_overwrite_unless_confirmed(
    ucdh_request: Any, bucket: str, s3: Any, jp_root_dir: Path
) -> None:
    s3.put_object(Bucket=bucket, Key="k.txt", Body=b"new")
    (jp_root_dir / "k.txt").write_bytes(b"mine")
    status, body = await start(
        ucdh_request, direction="to_workspace", bucket=bucket, key="k.txt", path="k.txt"
    )
    assert status == 409
    assert "k.txt" in body["message"]
    assert (jp_root_dir / "k.txt").read_bytes() == b"mine"
    _, job = await start(
        ucdh_request,
        direction="to_workspace",
        bucket=bucket,
        key="k.txt",
        path="k.txt",
        overwrite=True,
    )
    assert (await finished(ucdh_request, job))["state"] == "succeeded"
    assert (jp_root_dir / "k.txt").read_bytes() == b"new"


@pytest.mark.ucdh(s3_max_concurrency=1)
async def test_cancel_stops_a_transfer_and_leaves_no_partial_files(
    ucdh_request: Any, bucket: str, local_aws: LocalAws, jp_root_dir: Path
) -> None:
    # Given a folder of 400 objects being copied into the workspace
    local_aws.put_many(bucket, {f"many/{i:04d}.bin": os.urandom(4096) for i in range(400)})
    _, job = await start(
        ucdh_request, direction="to_workspace", bucket=bucket, prefix="many/", path="many"
    )
    while job["files_done"] < 1:
        await asyncio.sleep(0.01)
        _, job = await ucdh_request("GET", f"s3/transfers/{job['id']}")
    # When the user cancels it
    status, _ = await ucdh_request("DELETE", f"s3/transfers/{job['id']}")
    assert status == 202
    job = await finished(ucdh_request, job)
    # Then it ends cancelled before the end, with only whole files on disk
    assert job["state"] == "cancelled"
    assert 1 <= job["files_done"] < 400
    written = list((jp_root_dir / "many").iterdir())
    assert not [p for p in written if p.name.endswith(".ucdh-partial")]
    assert all(p.stat().st_size == 4096 for p in written)
    # And the job list shows it
    status, body = await ucdh_request("GET", "s3/transfers")
    assert body["transfers"][0]["id"] == job["id"]


async def test_a_failing_download_ends_failed_without_partial_files(
    ucdh_request: Any, bucket: str, s3: Any, jp_root_dir: Path
) -> None:
    # Given "clash" is both an object and a folder in S3, which a file system cannot hold
    s3.put_object(Bucket=bucket, Key="p/clash", Body=b"file")
    s3.put_object(Bucket=bucket, Key="p/clash/inner.txt", Body=b"inner")
    _, job = await start(
        ucdh_request, direction="to_workspace", bucket=bucket, prefix="p/", path="d"
    )
    job = await finished(ucdh_request, job)
    assert job["state"] == "failed"
    assert job["error"]["message"]
    assert not list((jp_root_dir / "d").rglob("*.ucdh-partial"))


async def test_unknown_transfer_job_is_404(ucdh_request: Any) -> None:
    status, body = await ucdh_request("GET", "s3/transfers/0123456789abcdef")
    assert (status, body["code"]) == (404, "not_found")
    status, _ = await ucdh_request("DELETE", "s3/transfers/nope")
    assert status == 404
