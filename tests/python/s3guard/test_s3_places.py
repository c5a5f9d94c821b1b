"""S3 guardrails on places (issue 10): the allow-list on every key a copy, move,
transfer or delete touches, the private runs location, links in the workspace, and
location prefixes that are folders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ..test_s3_workspace import finished
from .conftest import ALLOWED, RUN_KEY, keys

# -- 1. every key a copy, move, transfer or delete touches is allowed -----------------


@pytest.mark.ucdh(locations=ALLOWED)
@pytest.mark.parametrize("route", ["s3/copy", "s3/move"])
async def test_folder_move_never_writes_outside_the_allowed_location(
    ucdh_request: Any, bucket: str, s3: Any, route: str
) -> None:
    # Given a folder inside the one allowed location
    for name in ("a.csv", "b.csv"):
        s3.put_object(Bucket=bucket, Key=f"allowed/src/{name}", Body=b"x")
    before = keys(s3, bucket)
    # When it is copied or moved with a destination key inside the location but no
    # destination folder, or into the top of the bucket, or with mixed fields
    bodies = [
        {"bucket": bucket, "prefix": "allowed/src/", "dest_key": "allowed/dst/"},
        {"bucket": bucket, "prefix": "allowed/src/", "dest_prefix": ""},
        {"bucket": bucket, "key": "allowed/src/a.csv", "dest_prefix": "allowed/dst/"},
        {"bucket": bucket, "key": "allowed/src/a.csv", "dest_key": "x", "prefix": "allowed/"},
    ]
    statuses = [(await ucdh_request("POST", route, body=body))[0] for body in bodies]
    # Then each is refused, and nothing was written or deleted anywhere
    assert statuses == [400, 403, 400, 400]
    assert keys(s3, bucket) == before


async def test_a_workspace_folder_cannot_be_copied_into_the_runs_location(
    ucdh_request: Any, bucket: str, s3: Any, jp_root_dir: Path
) -> None:
    # Given a workspace folder whose files would land in the runs location at the top
    (jp_root_dir / "up" / "ucdh-runs" / "01JRUN" / "input").mkdir(parents=True)
    (jp_root_dir / "up" / "ucdh-runs" / "01JRUN" / "input" / "runner.py").write_text("evil")
    (jp_root_dir / "up" / "fine.txt").write_text("fine")
    # When the folder is copied to the top of the runs bucket
    status, body = await ucdh_request(
        "POST",
        "s3/transfers",
        body={"direction": "to_s3", "bucket": bucket, "path": "up", "prefix": ""},
    )
    # Then the whole job is refused before a single object is written
    assert (status, body["code"]) == (403, "not_allowed"), body
    assert "runs" in body["message"]
    assert keys(s3, bucket) == []


# -- 3. the runs location is private whatever the allow-list says ---------------------


def runs_requests(bucket: str) -> list[tuple[str, str, dict[str, Any]]]:
    """Every S3 route, aimed at the runs location (or at a folder containing it)."""
    key = {"bucket": bucket, "key": RUN_KEY}
    move = {"bucket": bucket, "prefix": "ucdh-runs/", "dest_prefix": "mine/"}
    return [
        ("GET", "s3/list", {"params": {"bucket": bucket, "prefix": "ucdh-runs/"}}),
        ("GET", "s3/search", {"params": {"bucket": bucket, "prefix": "ucdh-runs/", "q": "r"}}),
        ("GET", "s3/object", {"params": key}),
        ("GET", "s3/download", {"params": key}),
        ("GET", "s3/presign", {"params": key}),
        ("PUT", "s3/upload", {"params": {**key, "overwrite": "1"}, "body": b"evil"}),
        ("POST", "s3/delete", {"body": {"bucket": bucket, "keys": [RUN_KEY]}}),
        ("POST", "s3/delete", {"body": {"bucket": bucket, "prefix": "ucdh"}}),
        ("POST", "s3/folder", {"body": {"bucket": bucket, "prefix": "ucdh-runs/new"}}),
        ("POST", "s3/copy", {"body": {**key, "dest_key": "mine.py"}}),
        ("POST", "s3/copy", {"body": {"bucket": bucket, "key": "top.txt", "dest_key": RUN_KEY}}),
        ("POST", "s3/move", {"body": move}),
        ("POST", "s3/move", {"body": {**move, "prefix": "", "dest_prefix": "mine/"}}),
        ("POST", "s3/transfers", {"body": {**key, "direction": "to_workspace", "path": "r.py"}}),
        ("POST", "s3/transfers", {"body": {**key, "direction": "to_s3", "path": "top.txt"}}),
        (
            "POST",
            "s3/transfers",
            {"body": {"bucket": bucket, "prefix": "", "direction": "to_workspace", "path": "all"}},
        ),
    ]


@pytest.mark.ucdh(allow_presigned_urls=True)
async def test_the_runs_location_is_unreachable_through_every_s3_route(
    ucdh_request: Any, bucket: str, s3: Any, jp_root_dir: Path
) -> None:
    # Given a run's files in the runs location, and files of the user next to it
    s3.put_object(Bucket=bucket, Key=RUN_KEY, Body=b"print('runner')")
    s3.put_object(Bucket=bucket, Key="top.txt", Body=b"mine")
    (jp_root_dir / "top.txt").write_text("mine")
    # When any S3 route is aimed at it, or at a folder holding it
    for method, path, kwargs in runs_requests(bucket):
        status, body = await ucdh_request(method, path, **kwargs)
        # Then it is refused with a clear message
        assert (status, body["code"]) == (403, "not_allowed"), (method, path, kwargs, body)
        assert "runs location" in body["message"]
    # And the run's files are untouched, nothing was copied out of them
    assert s3.get_object(Bucket=bucket, Key=RUN_KEY)["Body"].read() == b"print('runner')"
    assert sorted(keys(s3, bucket)) == ["top.txt", RUN_KEY]
    assert sorted(p.name for p in jp_root_dir.iterdir()) == ["top.txt"]


async def test_listing_and_search_of_a_parent_hide_the_runs_location(
    ucdh_request: Any, bucket: str, s3: Any
) -> None:
    # Given the runs location next to the user's own files
    for key in (RUN_KEY, "ucdh-runs/01JRUN/run.json", "ucdh-other/run.txt", "run-notes.txt"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    # When the top of the bucket is listed and searched
    _, page = await ucdh_request("GET", "s3/list", params={"bucket": bucket})
    _, found = await ucdh_request("GET", "s3/search", params={"bucket": bucket, "q": "run"})
    # Then the runs folder and its keys are not shown; everything else is
    assert [f["prefix"] for f in page["folders"]] == ["ucdh-other/"]
    assert [o["key"] for o in page["objects"]] == ["run-notes.txt"]
    assert [m["key"] for m in found["matches"]] == ["run-notes.txt", "ucdh-other/run.txt"]


@pytest.mark.ucdh(runs_prefix="")
async def test_a_runs_bucket_without_prefix_is_off_limits_entirely(
    ucdh_request: Any, bucket: str, s3: Any
) -> None:
    s3.put_object(Bucket=bucket, Key="run.json", Body=b"{}")
    status, body = await ucdh_request("GET", "s3/list", params={"bucket": bucket})
    assert (status, body["code"]) == (403, "not_allowed")
    status, body = await ucdh_request("GET", "s3/buckets")
    assert bucket not in [entry["bucket"] for entry in body["buckets"]]


# -- 7. downloads never write through a link ------------------------------------------


async def test_a_planted_partial_file_link_is_never_followed(
    ucdh_request: Any, bucket: str, s3: Any, jp_root_dir: Path, tmp_path: Path
) -> None:
    # Given a file outside the Jupyter root and a link to it named like a partial download
    outside = tmp_path / "outside.txt"
    outside.write_text("server file")
    (jp_root_dir / "data.csv.ucdh-partial").symlink_to(outside)
    s3.put_object(Bucket=bucket, Key="data.csv", Body=b"a,b\n")
    # When the object is copied to the workspace
    _, job = await ucdh_request(
        "POST",
        "s3/transfers",
        body={"direction": "to_workspace", "bucket": bucket, "key": "data.csv", "path": ""},
    )
    job = await finished(ucdh_request, job)
    # Then the copy lands in the workspace and the outside file is untouched
    assert job["state"] == "succeeded", job
    assert (jp_root_dir / "data.csv").read_bytes() == b"a,b\n"
    assert not (jp_root_dir / "data.csv").is_symlink()
    assert outside.read_text() == "server file"


@pytest.mark.parametrize("body", [{"key": "k.txt", "path": "k.txt"}, {"prefix": "p/", "path": ""}])
async def test_a_download_target_that_is_a_link_is_refused(
    ucdh_request: Any, bucket: str, s3: Any, jp_root_dir: Path, body: dict[str, str]
) -> None:
    # Given workspace files that are links (even to a file inside the workspace)
    (jp_root_dir / "real.txt").write_text("mine")
    (jp_root_dir / "k.txt").symlink_to(jp_root_dir / "real.txt")
    s3.put_object(Bucket=bucket, Key="k.txt", Body=b"new")
    s3.put_object(Bucket=bucket, Key="p/k.txt", Body=b"new")
    # When an object would be written at the link, overwrite confirmed
    status, reply = await ucdh_request(
        "POST",
        "s3/transfers",
        body={"direction": "to_workspace", "bucket": bucket, "overwrite": True, **body},
    )
    # Then the copy is refused and the link's target keeps its content
    assert status == 400, reply
    assert "link" in reply["message"]
    assert (jp_root_dir / "real.txt").read_text() == "mine"


def test_a_folder_swapped_for_a_link_after_planning_is_not_written_through(
    tmp_path: Path,
) -> None:
    from ucdh_jupyter.errors import UcdhError
    from ucdh_jupyter.s3.workspace import check_write_target

    # Given a planned target whose folder was replaced by a link to elsewhere
    root, elsewhere = tmp_path / "root", tmp_path / "elsewhere"
    root.mkdir()
    elsewhere.mkdir()
    (root / "sub").symlink_to(elsewhere)
    # When the download is about to write it, Then it is refused and nothing is created
    with pytest.raises(UcdhError) as refused:
        check_write_target(str(root / "sub" / "deeper" / "f.txt"))
    assert refused.value.status == 400
    assert list(elsewhere.iterdir()) == []


# -- 8. a location prefix is a folder --------------------------------------------------


@pytest.mark.ucdh(locations=[{"name": "Variants", "bucket": "BUCKET", "prefix": "/variants"}])
async def test_a_location_prefix_without_slash_grants_only_its_folder(
    ucdh_request: Any, bucket: str, s3: Any
) -> None:
    # Given a location configured as "/variants" and a neighbour sharing its first letters
    s3.put_object(Bucket=bucket, Key="variants/ok.csv", Body=b"ok")
    s3.put_object(Bucket=bucket, Key="variantsSECRET/phi.csv", Body=b"phi")
    # When the user opens both
    ok, _ = await ucdh_request(
        "GET", "s3/object", params={"bucket": bucket, "key": "variants/ok.csv"}
    )
    status, body = await ucdh_request(
        "GET", "s3/object", params={"bucket": bucket, "key": "variantsSECRET/phi.csv"}
    )
    # Then only the folder itself is open, and the location reads as a folder
    assert (ok, status, body["code"]) == (200, 403, "not_allowed")
    _, listed = await ucdh_request("GET", "s3/buckets")
    assert listed["buckets"][0]["prefix"] == "variants/"
