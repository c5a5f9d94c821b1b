"""S3 guardrails on requests (issue 10): strict bodies and queries, transfer jobs per
user, one winner of concurrent writes, and keys kept out of the server log."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest

from ..test_s3_transfer_routes import raw_upload_then_disconnect, until
from ..test_s3_workspace import finished
from .conftest import SECRET, MiB

# -- 9/10. strict bodies and queries ---------------------------------------------------


@pytest.mark.parametrize(
    ("route", "body", "field"),
    [
        ("s3/copy", {"key": "a.txt", "dest_key": "b.txt", "overwrite": "false"}, "overwrite"),
        ("s3/move", {"key": "a.txt", "dest_key": "b.txt", "overwrite": 1}, "overwrite"),
        ("s3/delete", {"keys": ["a.txt"], "dry_run": "true"}, "dry_run"),
        ("s3/delete", {"keys": "a.txt"}, "keys"),
        ("s3/delete", {"keys": ["a.txt", 7]}, "keys[1]"),
        ("s3/folder", {"prefix": 5}, "prefix"),
        (
            "s3/transfers",
            {"direction": "to_s3", "path": "b.txt", "key": "b.txt", "overwrite": "no"},
            "overwrite",
        ),
        ("s3/transfers", {"direction": "sideways", "path": "b.txt", "key": "b.txt"}, "direction"),
        ("s3/copy", {"key": "a.txt", "dest_key": "b.txt", "recursive": True}, "recursive"),
    ],
)
async def test_loosely_typed_fields_are_400_naming_the_field_and_change_nothing(
    ucdh_request: Any, bucket: str, s3: Any, jp_root_dir: Path, route: str, body: dict, field: str
) -> None:
    # Given two objects and a workspace file
    s3.put_object(Bucket=bucket, Key="a.txt", Body=b"a")
    s3.put_object(Bucket=bucket, Key="b.txt", Body=b"b")
    (jp_root_dir / "b.txt").write_text("local")
    # When a body carries a wrongly typed (or unknown) field
    status, reply = await ucdh_request("POST", route, body={"bucket": bucket, **body})
    # Then it is a 400 naming the field, and S3 is unchanged
    assert status == 400, reply
    assert reply["message"].startswith(f"{field}:"), reply
    assert [s3.get_object(Bucket=bucket, Key=k)["Body"].read() for k in ("a.txt", "b.txt")] == [
        b"a",
        b"b",
    ]


async def test_upload_flags_accept_only_true_false_1_0(
    ucdh_request: Any, bucket: str, s3: Any
) -> None:
    s3.put_object(Bucket=bucket, Key="k.txt", Body=b"old")
    params = {"bucket": bucket, "key": "k.txt"}
    for flag, expected in [("yes", 400), ("False", 400), ("", 400), ("false", 409), ("0", 409)]:
        status, _ = await ucdh_request(
            "PUT", "s3/upload", body=b"new", params={**params, "overwrite": flag}
        )
        assert status == expected, flag
    assert s3.get_object(Bucket=bucket, Key="k.txt")["Body"].read() == b"old"
    status, _ = await ucdh_request(
        "PUT", "s3/upload", body=b"new", params={**params, "overwrite": "true"}
    )
    assert status == 201


def deep(levels: int) -> Any:
    value: Any = "x"
    for _ in range(levels):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("method", "route", "kwargs"),
    [
        ("GET", "s3/list", {"params": {"limit": "²"}}),
        ("GET", "s3/list", {"params": {"prefix": "a\x00"}}),
        ("GET", "s3/search", {"params": {"q": "a\x00"}}),
        ("GET", "s3/object", {"params": {"key": "a\x00b"}}),
        ("GET", "s3/download", {"params": {"key": "a\x00b"}}),
        ("PUT", "s3/upload", {"params": {"key": "a\x00b"}, "body": b"x"}),
        ("POST", "s3/delete", {"body": {"keys": ["ok", "a\x00b"]}}),
        ("POST", "s3/delete", {"body": {"keys": deep(40)}}),
        ("POST", "s3/folder", {"body": {"prefix": "a\x00/"}}),
        ("POST", "s3/copy", {"body": {"key": "a", "dest_key": "b\x00"}}),
        ("POST", "s3/move", {"body": {"key": deep(40), "dest_key": "b"}}),
        ("POST", "s3/transfers", {"body": {"direction": "to_s3", "key": "k", "path": "a\x00"}}),
        ("POST", "s3/transfers", {"body": {"direction": "to_s3", "key": "k", "path": deep(40)}}),
    ],
)
async def test_nul_bytes_unicode_digits_and_deep_json_are_400_on_every_route(
    ucdh_request: Any, bucket: str, method: str, route: str, kwargs: dict[str, Any]
) -> None:
    if "params" in kwargs:
        kwargs = {**kwargs, "params": {"bucket": bucket, "key": "k", "q": "k", **kwargs["params"]}}
    else:
        kwargs = {**kwargs, "body": {"bucket": bucket, **kwargs["body"]}}
    status, body = await ucdh_request(method, route, **kwargs)
    assert status == 400, body
    assert body["message"]


async def test_a_bucket_name_with_a_trailing_newline_is_refused(
    ucdh_request: Any, bucket: str
) -> None:
    # Given a bucket that exists, named with a trailing newline
    # When it is listed
    status, body = await ucdh_request("GET", "s3/list", params={"bucket": bucket + "\n"})
    # Then the name is refused for what it is, not quietly matched
    assert status == 400, body
    assert "may only contain" in body["message"]


# -- 12. transfer jobs belong to their user --------------------------------------------


async def test_another_user_can_neither_see_nor_cancel_my_transfer_jobs(
    ucdh_request: Any, bucket: str, s3: Any
) -> None:
    alice, bob = {"X-Test-User": "alice"}, {"X-Test-User": "bob"}
    s3.put_object(Bucket=bucket, Key="k.txt", Body=b"k")
    # Given a job Alice started
    status, job = await ucdh_request(
        "POST",
        "s3/transfers",
        body={"direction": "to_workspace", "bucket": bucket, "key": "k.txt", "path": "k.txt"},
        headers=alice,
    )
    assert status == 202, job
    # When Bob lists, reads and cancels it
    _, bobs = await ucdh_request("GET", "s3/transfers", headers=bob)
    read, _ = await ucdh_request("GET", f"s3/transfers/{job['id']}", headers=bob)
    cancel, _ = await ucdh_request("DELETE", f"s3/transfers/{job['id']}", headers=bob)
    # Then he sees no job, and hers is "not found" to him
    assert (bobs["transfers"], read, cancel) == ([], 404, 404)
    # And Alice still sees hers, not cancelled
    _, hers = await ucdh_request("GET", "s3/transfers", headers=alice)
    assert [j["id"] for j in hers["transfers"]] == [job["id"]]
    status, mine = await ucdh_request("GET", f"s3/transfers/{job['id']}", headers=alice)
    assert status == 200 and mine["state"] != "cancelled"


# -- 13. one of concurrent writes with overwrite off wins -------------------------------


@pytest.mark.ucdh(s3_part_size=5 * MiB, s3_max_concurrency=2)
async def test_concurrent_uploads_of_one_key_let_exactly_one_win(
    ucdh_request: Any, bucket: str, s3: Any
) -> None:
    # Given four different 11 MiB bodies (multipart, so each upload takes a while)
    bodies = [bytes([n]) * (11 * MiB) for n in range(4)]
    # When they are uploaded to one key at once, overwrite off
    replies = await asyncio.gather(
        *(
            ucdh_request("PUT", "s3/upload", body=b, params={"bucket": bucket, "key": "one.bin"})
            for b in bodies
        )
    )
    # Then exactly one is stored, whole; the others are told the key is taken
    statuses = [status for status, _ in replies]
    assert sorted(statuses) == [201, 409, 409, 409], replies
    winner = bodies[statuses.index(201)]
    assert s3.get_object(Bucket=bucket, Key="one.bin")["Body"].read() == winner
    assert all(body["code"] == "exists" for status, body in replies if status == 409)


async def test_concurrent_folder_creations_and_copies_let_exactly_one_win(
    ucdh_request: Any, bucket: str, s3: Any, jp_root_dir: Path
) -> None:
    folder = {"bucket": bucket, "prefix": "new"}
    created = await asyncio.gather(
        *(ucdh_request("POST", "s3/folder", body=folder) for _ in range(4))
    )
    assert sorted(status for status, _ in created) == [201, 409, 409, 409]
    # Given four different workspace files, copied at once to one key
    for n in range(4):
        (jp_root_dir / f"f{n}.bin").write_bytes(bytes([n]) * MiB)
    started = await asyncio.gather(
        *(
            ucdh_request(
                "POST",
                "s3/transfers",
                body={"direction": "to_s3", "bucket": bucket, "path": f"f{n}.bin", "key": "c.bin"},
            )
            for n in range(4)
        )
    )
    # Then one job starts and the others are refused; the object is the winner's file
    statuses = [status for status, _ in started]
    assert sorted(statuses) == [202, 409, 409, 409], started
    job = await finished(ucdh_request, started[statuses.index(202)][1])
    assert job["state"] == "succeeded"
    stored = s3.get_object(Bucket=bucket, Key="c.bin")["Body"].read()
    assert stored == bytes([statuses.index(202)]) * MiB


# -- 14. object keys never reach the server log -----------------------------------------

THIRD_PARTY = ("botocore", "boto3", "s3transfer", "urllib3", "werkzeug", "moto", "asyncio")


@pytest.mark.ucdh(s3_part_size=5 * MiB)
async def test_object_keys_never_reach_the_server_log(
    ucdh_request: Any,
    bucket: str,
    s3: Any,
    jp_serverapp: Any,
    jp_root_dir: Path,
    jp_base_url: str,
    jp_auth_header: dict[str, str],
    server_port: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    key = f"{SECRET}/secret.csv"
    server_log = jp_serverapp.log
    server_log.addHandler(caplog.handler)
    level = server_log.level
    server_log.setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    try:
        # Given every kind of S3 traffic with a key that carries a patient id
        params = {"bucket": bucket, "key": key}
        assert (await ucdh_request("PUT", "s3/upload", body=b"a,b\n", params=params))[0] == 201
        folder = {"bucket": bucket, "prefix": f"{SECRET}/", "q": SECRET}
        assert (await ucdh_request("GET", "s3/list", params=folder))[0] == 200
        assert (await ucdh_request("GET", "s3/search", params=folder))[0] == 200
        assert (await ucdh_request("GET", "s3/list", params={**folder, "limit": "x"}))[0] == 400
        assert (await ucdh_request("PUT", "s3/upload", body=b"x", params=params))[0] == 409
        assert (await ucdh_request("GET", "s3/download", params=params))[0] == 200
        assert (await ucdh_request("GET", "s3/download", params={**params, "key": key + "x"}))[
            0
        ] == 404
        copy = {"bucket": bucket, "key": key, "dest_key": f"{SECRET}/copy.csv"}
        assert (await ucdh_request("POST", "s3/copy", body=copy))[0] == 200
        assert (await ucdh_request("POST", "s3/copy", body={**copy, "key": key + "x"}))[0] == 404
        assert (await ucdh_request("POST", "s3/copy", body=copy))[0] == 409
        _, job = await ucdh_request(
            "POST",
            "s3/transfers",
            body={
                "direction": "to_workspace",
                "bucket": bucket,
                "prefix": f"{SECRET}/",
                "path": SECRET,
            },
        )
        assert (await finished(ucdh_request, job))["state"] == "succeeded"
        # and an upload the client abandons halfway
        path = f"{jp_base_url}ucdh-jupyter/s3/upload?bucket={bucket}&key={SECRET}/half.bin"
        _, writer = await raw_upload_then_disconnect(
            server_port, path, jp_auth_header, 12 * MiB, 6 * MiB
        )
        assert await until(lambda: s3.list_multipart_uploads(Bucket=bucket).get("Uploads"))
        writer.close()
        assert await until(lambda: not s3.list_multipart_uploads(Bucket=bucket).get("Uploads"))
        await asyncio.sleep(0.2)
    finally:
        server_log.removeHandler(caplog.handler)
        server_log.setLevel(level)
    # Then the server logged all that without the key anywhere
    ours = [r for r in caplog.records if not r.name.startswith(THIRD_PARTY)]
    assert any("interrupted" in r.getMessage() for r in ours)
    assert any("GET " in r.getMessage() and "s3/list?" in r.getMessage() for r in ours)
    leaks = [r.getMessage() for r in ours if SECRET in r.getMessage() + str(r.exc_text or "")]
    assert leaks == []
