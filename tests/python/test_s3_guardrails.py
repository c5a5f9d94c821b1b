"""Guardrails of the S3 routes that must hold on every path (issue 10): the allow-list on
every key a job touches, the private runs location, links in the workspace, folder
prefixes, strict bodies, jobs per user, one winner of concurrent writes, keys kept
out of the server log.

Every test runs on a server whose runs location is ``ucdh-runs/`` in the test's own
bucket; ``BUCKET`` in a ``ucdh`` marker stands for that bucket. Requests carrying an
``X-Test-User`` header come from that user (see :class:`HeaderIdentity`).
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from jupyter_server.auth.identity import IdentityProvider, User

from ucdh_jupyter.demo.localaws import DEMO_REGION, LocalAws

from .test_s3_transfer_routes import raw_upload_then_disconnect, until
from .test_s3_workspace import finished

MiB = 1024 * 1024
RUN_KEY = "ucdh-runs/01JRUN/input/runner.py"
ALLOWED = [{"name": "Study", "bucket": "BUCKET", "prefix": "allowed/"}]
SECRET = "patient-MRN-0042"


class HeaderIdentity(IdentityProvider):
    """Two people on one test server: a request with the server's token is made by the
    user its ``X-Test-User`` header names (else by "researcher")."""

    async def get_user(self, handler: Any) -> User | None:  # type: ignore[override]
        user = await self._get_user(handler)
        name = handler.request.headers.get("X-Test-User") or "researcher"
        return User(username=name) if user is not None else None


@pytest.fixture
def ucdh_config(local_aws: LocalAws, request: pytest.FixtureRequest, bucket: str) -> dict:
    """The local settings with the runs in the test bucket, changed by a ``ucdh`` marker."""
    config: dict[str, Any] = {
        "mode": "local",
        "endpoint_url": local_aws.endpoint_url,
        "region": DEMO_REGION,
        "runs_bucket": bucket,
        "runs_prefix": "ucdh-runs/",
    }
    marker = request.node.get_closest_marker("ucdh")
    if marker:
        text = json.dumps(marker.kwargs).replace('"BUCKET"', json.dumps(bucket))
        config.update(json.loads(text))
    return config


@pytest.fixture
def jp_server_config(aws_env: dict[str, str], ucdh_config: dict[str, Any]) -> dict[str, Any]:
    """The conftest server, with people named by a header."""
    return {
        "ServerApp": {
            "jpserver_extensions": {"ucdh_jupyter": True},
            "allow_unauthenticated_access": False,
            "identity_provider_class": HeaderIdentity,
        },
        "UcdhConfig": ucdh_config,
    }


@pytest.fixture
def server_port(http_server: Any, http_server_port: Any) -> int:
    """The port of the running test Jupyter server, for raw-socket clients."""
    return int(http_server_port[0].getsockname()[1])


def keys(s3: Any, bucket: str) -> list[str]:
    return [i["Key"] for i in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


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
