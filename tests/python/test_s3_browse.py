"""Browsing S3: buckets, one folder page at a time, details, search, allow-list and bad names."""

from __future__ import annotations

from typing import Any

import pytest

from ucdh_jupyter.demo.seed import BIG_PREFIX, BIG_PREFIX_KEYS

GENOMICS = "ucdh-demo-genomics"


async def test_bucket_list_shows_the_demo_buckets(ucdh_request: Any) -> None:
    status, body = await ucdh_request("GET", "s3/buckets")
    assert status == 200
    assert body["source"] == "aws"
    names = [entry["bucket"] for entry in body["buckets"]]
    assert {"ucdh-demo-cardiology", GENOMICS, "ucdh-demo-shared"} <= set(names)


@pytest.mark.ucdh(
    locations=[{"name": "Echo study", "bucket": "ucdh-demo-cardiology", "prefix": "studies/"}],
    allowed_buckets=["ucdh-demo-shared"],
)
async def test_bucket_list_shows_only_configured_locations(ucdh_request: Any) -> None:
    status, body = await ucdh_request("GET", "s3/buckets")
    assert status == 200
    assert body["source"] == "config"
    assert [(e["name"], e["bucket"], e["prefix"]) for e in body["buckets"]] == [
        ("Echo study", "ucdh-demo-cardiology", "studies/"),
        ("ucdh-demo-shared", "ucdh-demo-shared", ""),
    ]


async def test_big_folder_comes_in_pages_of_1000_with_a_cursor(ucdh_request: Any) -> None:
    # Given the demo prefix with 5,200 keys
    params = {"bucket": GENOMICS, "prefix": BIG_PREFIX}
    # When the browser lists it page by page
    status, first = await ucdh_request("GET", "s3/list", params=params)
    assert status == 200
    assert len(first["objects"]) == 1000
    assert first["next_cursor"]
    status, second = await ucdh_request(
        "GET", "s3/list", params={**params, "cursor": first["next_cursor"]}
    )
    # Then the second page continues where the first ended, without repeats
    assert status == 200
    assert len(second["objects"]) == 1000
    first_keys = {o["key"] for o in first["objects"]}
    assert not first_keys & {o["key"] for o in second["objects"]}
    assert second["objects"][0]["key"] > first["objects"][-1]["key"]
    assert first["objects"][0]["name"] == "read-00000.fastq"
    assert first["objects"][0]["size"] > 0
    assert first["objects"][0]["storage_class"] == "STANDARD"


async def test_walking_every_page_sees_every_key_once(ucdh_request: Any) -> None:
    params: dict[str, str] = {"bucket": GENOMICS, "prefix": BIG_PREFIX}
    seen: list[str] = []
    pages = 0
    while True:
        _, page = await ucdh_request("GET", "s3/list", params=params)
        pages += 1
        seen += [o["key"] for o in page["objects"]]
        if not page["next_cursor"]:
            break
        params["cursor"] = page["next_cursor"]
    assert pages == 6
    assert len(seen) == len(set(seen)) == BIG_PREFIX_KEYS


async def test_folders_are_common_prefixes_and_no_marker_is_written(
    ucdh_request: Any, bucket: str, s3: Any
) -> None:
    for key in ("a/x.csv", "a/b/y.csv", "a/../up.txt", "a/No Extension", "a/ÜBER.txt"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"1")
    status, page = await ucdh_request("GET", "s3/list", params={"bucket": bucket, "prefix": "a/"})
    assert status == 200
    assert [(f["name"], f["prefix"]) for f in page["folders"]] == [
        ("..", "a/../"),
        ("b", "a/b/"),
    ]
    assert sorted(o["name"] for o in page["objects"]) == ["No Extension", "x.csv", "ÜBER.txt"]
    # Listing never creates "folder" marker objects
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert not [k for k in keys if k.endswith("/")]


async def test_object_details_show_encryption_tags_and_versions(
    ucdh_request: Any, bucket: str, s3: Any
) -> None:
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=bucket, Key="cohort.csv", Body=b"v1")
    s3.put_object(
        Bucket=bucket,
        Key="cohort.csv",
        Body=b"v2!",
        ServerSideEncryption="AES256",
        ContentType="text/csv",
        Tagging="study=echo&phase=2",
    )
    status, info = await ucdh_request(
        "GET", "s3/object", params={"bucket": bucket, "key": "cohort.csv"}
    )
    assert status == 200
    assert info["size"] == 3
    assert info["content_type"] == "text/csv"
    assert info["storage_class"] == "STANDARD"
    assert info["sse"]["type"] == "AES256"
    assert info["tags"] == {"study": "echo", "phase": "2"}
    assert info["versioning"] == "Enabled"
    assert [v["size"] for v in info["versions"]] == [3, 2]
    assert info["versions"][0]["is_latest"] is True
    assert info["uri"] == f"s3://{bucket}/cohort.csv"
    assert info["etag"] and '"' not in info["etag"]


async def test_details_of_a_missing_object_is_404(ucdh_request: Any, bucket: str) -> None:
    status, body = await ucdh_request("GET", "s3/object", params={"bucket": bucket, "key": "x"})
    assert status == 404
    assert body["code"] == "not_found"


async def test_search_is_paged_and_resumable(ucdh_request: Any) -> None:
    # Given 5,200 keys and a search budget of 5,000 keys per request
    params = {"bucket": GENOMICS, "prefix": BIG_PREFIX, "q": "9.FASTQ"}
    # When the first page is asked for
    status, first = await ucdh_request("GET", "s3/search", params=params)
    # Then it stops at the budget with a cursor, having found the matches so far
    assert status == 200
    assert first["scanned"] == 5000
    assert [m["name"] for m in first["matches"]][:2] == ["read-00009.fastq", "read-00019.fastq"]
    assert len(first["matches"]) == 500
    assert first["next_cursor"]
    # And the next page finishes the scan
    status, rest = await ucdh_request(
        "GET", "s3/search", params={**params, "cursor": first["next_cursor"]}
    )
    assert rest["scanned"] == 200
    assert rest["next_cursor"] is None
    assert len(rest["matches"]) == 20


async def test_search_for_a_key_past_the_first_page_answers_no_match_yet_and_a_cursor_that_finds_it(
    ucdh_request: Any,
) -> None:
    # Given the last of 5,200 keys, past the 5,000 keys one request scans
    last = f"read-{BIG_PREFIX_KEYS - 1:05d}"
    params = {"bucket": GENOMICS, "prefix": BIG_PREFIX, "q": last}
    # When the first page is asked for
    status, first = await ucdh_request("GET", "s3/search", params=params)
    # Then it has no match yet but says the scan is not over (the browser goes on)
    assert status == 200
    assert (first["matches"], first["scanned"]) == ([], 5000)
    assert first["next_cursor"]
    # And following the cursor finds the key and ends the scan
    status, rest = await ucdh_request(
        "GET", "s3/search", params={**params, "cursor": first["next_cursor"]}
    )
    assert status == 200
    assert [m["key"] for m in rest["matches"]] == [f"{BIG_PREFIX}{last}.fastq"]
    assert rest["next_cursor"] is None


@pytest.mark.ucdh(allowed_buckets=["ucdh-demo-shared"])
async def test_bucket_outside_the_allow_list_is_403_with_a_hint(ucdh_request: Any) -> None:
    for method, path, kwargs in [
        ("GET", "s3/list", {"params": {"bucket": GENOMICS}}),
        ("GET", "s3/object", {"params": {"bucket": GENOMICS, "key": "variants/x"}}),
        ("GET", "s3/download", {"params": {"bucket": GENOMICS, "key": "variants/x"}}),
        ("PUT", "s3/upload", {"params": {"bucket": GENOMICS, "key": "x"}, "body": b"x"}),
        ("POST", "s3/delete", {"body": {"bucket": GENOMICS, "prefix": "reads/"}}),
        (
            "POST",
            "s3/transfers",
            {
                "body": {
                    "direction": "to_workspace",
                    "bucket": GENOMICS,
                    "key": "variants/x",
                    "path": "x",
                }
            },
        ),
    ]:
        status, body = await ucdh_request(method, path, **kwargs)
        assert status == 403, (method, path, body)
        assert body["code"] == "not_allowed"
        assert "allowed_buckets" in body["hint"]
    status, _ = await ucdh_request("GET", "s3/list", params={"bucket": "ucdh-demo-shared"})
    assert status == 200


@pytest.mark.ucdh(
    locations=[{"name": "Echo", "bucket": "ucdh-demo-cardiology", "prefix": "studies/"}]
)
async def test_location_allows_only_its_prefix(ucdh_request: Any) -> None:
    bucket = "ucdh-demo-cardiology"
    status, _ = await ucdh_request(
        "GET", "s3/list", params={"bucket": bucket, "prefix": "studies/"}
    )
    assert status == 200
    status, body = await ucdh_request(
        "GET", "s3/object", params={"bucket": bucket, "key": "README.txt"}
    )
    assert status == 403
    assert "s3://ucdh-demo-cardiology/studies/" in body["hint"]


@pytest.mark.parametrize(
    ("bucket", "key", "rule"),
    [
        ("ab", "k", "3 to 63 characters"),
        ("Upper-Case", "k", "lowercase letters"),
        ("my_bucket", "k", "lowercase letters"),
        ("-dash-first", "k", "begin and end"),
        ("two..dots", "k", "adjacent dots"),
        ("192.168.1.1", "k", "IP address"),
        ("ucdh-demo-shared", "x" * 1025, "1024 bytes"),
        ("ucdh-demo-shared", "é" * 513, "1024 bytes"),
        ("ucdh-demo-shared", "bad\x01key", "control character"),
        ("ucdh-demo-shared", "tab\tkey", "control character"),
    ],
    ids=["short", "upper", "underscore", "dash", "dots", "ip", "long", "long-utf8", "ctl", "tab"],
)
async def test_bad_names_are_400_naming_the_rule(
    ucdh_request: Any, bucket: str, key: str, rule: str
) -> None:
    status, body = await ucdh_request("GET", "s3/object", params={"bucket": bucket, "key": key})
    assert status == 400
    assert rule in body["message"]


async def test_a_key_of_exactly_1024_bytes_is_fine(ucdh_request: Any, bucket: str) -> None:
    status, body = await ucdh_request(
        "GET", "s3/object", params={"bucket": bucket, "key": "é" * 512}
    )
    assert status == 404, body


@pytest.mark.parametrize("route", ["s3/list", "s3/search"])
async def test_a_cursor_the_server_did_not_give_is_a_400_that_says_reload(
    ucdh_request: Any, route: str
) -> None:
    # Given a page cursor made up by the caller, and one handed out for another folder
    params = {"bucket": GENOMICS, "prefix": BIG_PREFIX, "q": "csv"}
    _, first = await ucdh_request("GET", "s3/list", params=params)
    for cursor in ("abc", "Ṱo.ï", first["next_cursor"]):
        # When a page of another listing is asked for with it
        other = {**params, "prefix": "", "cursor": cursor}
        status, body = await ucdh_request("GET", route, params=other)
        # Then it never reaches S3: a 400 that says to reload
        assert status == 400, body
        assert body["code"] == "bad_cursor"
        assert "Reload" in body["hint"]
