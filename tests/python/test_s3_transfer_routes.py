"""Browser upload and download: byte-exact, streamed, aborted cleanly when interrupted."""

from __future__ import annotations

import asyncio
import hashlib
import os
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from .patience import patient

MiB = 1024 * 1024
# 5 MiB parts x 2 in flight, so a 16 MiB body needs more parts than fit in flight at once.
SMALL_PARTS = {"s3_part_size": 5 * MiB, "s3_max_concurrency": 2}
ROUND_TRIP_SIZES = [0, 1, 5 * MiB - 1, 5 * MiB + 1, 16 * MiB, 64 * MiB]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def upload(ucdh_request: Any, bucket: str, key: str, data: bytes, **params: str) -> Any:
    return await ucdh_request(
        "PUT", "s3/upload", body=data, params={"bucket": bucket, "key": key, **params}
    )


@pytest.mark.ucdh(**SMALL_PARTS)
@pytest.mark.parametrize("size", ROUND_TRIP_SIZES, ids=lambda n: f"{n}B")
async def test_upload_then_download_returns_the_same_bytes(
    ucdh_request: Any, bucket: str, s3: Any, size: int
) -> None:
    # Given a file of this size
    data = os.urandom(size)
    # When the browser uploads it and downloads it again
    status, body = await upload(ucdh_request, bucket, "round/trip.bin", data)
    assert status == 201, body
    assert body["size"] == size
    status, downloaded = await ucdh_request(
        "GET", "s3/download", params={"bucket": bucket, "key": "round/trip.bin"}
    )
    # Then S3 holds exactly those bytes and the download returns them
    assert status == 200
    stored = s3.get_object(Bucket=bucket, Key="round/trip.bin")["Body"].read()
    assert sha256(stored) == sha256(data)
    assert sha256(downloaded) == sha256(data)
    # and big bodies went up in several parts
    assert body["parts"] == (0 if size < 5 * MiB else -(-size // (5 * MiB)))


async def test_upload_refuses_to_overwrite_unless_confirmed(
    ucdh_request: Any, bucket: str, s3: Any
) -> None:
    s3.put_object(Bucket=bucket, Key="notes.txt", Body=b"old")
    status, body = await upload(ucdh_request, bucket, "notes.txt", b"new")
    assert status == 409
    assert body["code"] == "exists"
    assert "overwrit" in body["hint"]
    assert s3.get_object(Bucket=bucket, Key="notes.txt")["Body"].read() == b"old"
    status, _ = await upload(ucdh_request, bucket, "notes.txt", b"new", overwrite="1")
    assert status == 201
    assert s3.get_object(Bucket=bucket, Key="notes.txt")["Body"].read() == b"new"


async def test_upload_guesses_the_content_type_and_keeps_odd_keys_literally(
    ucdh_request: Any, bucket: str, s3: Any
) -> None:
    key = "Mixed Case/Überblick 2026 (draft).csv"
    status, body = await upload(ucdh_request, bucket, key, b"a,b\n1,2\n")
    assert status == 201, body
    assert body["key"] == key
    assert s3.head_object(Bucket=bucket, Key=key)["ContentType"] == "text/csv"


@pytest.fixture
def server_port(http_server: Any, http_server_port: Any) -> int:
    """The port of the running test Jupyter server, for raw-socket clients."""
    return int(http_server_port[0].getsockname()[1])


async def raw_upload_then_disconnect(
    port: int, path: str, headers: dict[str, str], total: int, sent: int
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Start a PUT that announces ``total`` bytes but sends only ``sent``."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=MiB)
    head = [f"PUT {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {total}"]
    head += [f"{name}: {value}" for name, value in headers.items()]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
    block = os.urandom(MiB)
    for _ in range(sent // MiB):
        writer.write(block)
        await asyncio.wait_for(writer.drain(), timeout=patient(10))
    return reader, writer


async def until(check: Any, timeout: float = 10.0) -> Any:
    """Poll a blocking check off the event loop until it returns something truthy."""
    deadline = asyncio.get_running_loop().time() + patient(timeout)
    while True:
        result = await asyncio.to_thread(check)
        if result or asyncio.get_running_loop().time() > deadline:
            return result
        await asyncio.sleep(0.05)


@pytest.mark.ucdh(**SMALL_PARTS)
async def test_upload_aborts_multipart_on_disconnect(
    bucket: str,
    s3: Any,
    server_port: int,
    jp_base_url: str,
    jp_auth_header: dict[str, str],
) -> None:
    # Given a client that announces 40 MiB and starts sending
    port = server_port
    query = urlencode({"bucket": bucket, "key": "half.bin"}, quote_via=quote)
    path = f"{jp_base_url}ucdh-jupyter/s3/upload?{query}"
    _, writer = await raw_upload_then_disconnect(port, path, jp_auth_header, 40 * MiB, 16 * MiB)

    def uploads() -> list[Any]:
        return s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])

    # Then parts go to S3 while the body is still arriving (streamed, not buffered)
    assert await until(uploads), "no multipart upload started while the body streamed"
    # When the client goes away mid-body
    writer.close()
    # Then the multipart upload is aborted: no parts, and no object
    assert await until(lambda: not uploads()), uploads()
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0


async def test_upload_interrupted_before_one_part_leaves_nothing(
    bucket: str, s3: Any, server_port: int, jp_base_url: str, jp_auth_header: Any
) -> None:
    port = server_port
    path = f"{jp_base_url}ucdh-jupyter/s3/upload?bucket={bucket}&key=tiny.bin"
    _, writer = await raw_upload_then_disconnect(port, path, jp_auth_header, 3 * MiB, MiB)
    await asyncio.sleep(0.2)
    writer.close()
    await asyncio.sleep(0.3)
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0
    assert not s3.list_multipart_uploads(Bucket=bucket).get("Uploads")


async def test_anonymous_upload_is_refused_before_the_body_is_read(
    bucket: str, s3: Any, server_port: int, jp_base_url: str
) -> None:
    # Given a client without a Jupyter login that announces a large body
    port = server_port
    path = f"{jp_base_url}ucdh-jupyter/s3/upload?bucket={bucket}&key=x.bin"
    reader, writer = await raw_upload_then_disconnect(port, path, {}, 100 * MiB, 0)
    # Then the server answers 403 at once, without waiting for the body
    status_line = await asyncio.wait_for(reader.readline(), timeout=patient(5))
    writer.close()
    assert b" 403 " in status_line
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0


async def test_cookie_login_upload_needs_the_xsrf_header(
    bucket: str, s3: Any, jp_fetch: Any, jp_auth_header: dict[str, str]
) -> None:
    # Given a browser session (login cookie and _xsrf cookie, no token header)
    page = await jp_fetch("ucdh-jupyter", "config")
    cookies = {}
    for header in page.headers.get_list("Set-Cookie"):
        name, _, rest = header.partition("=")
        cookies[name] = rest.split(";", 1)[0]
    login = await jp_fetch(
        "login", raise_error=False, follow_redirects=False, headers={"Authorization": ""}
    )
    xsrf = login.headers.get_list("Set-Cookie")
    for header in xsrf:
        name, _, rest = header.partition("=")
        cookies[name] = rest.split(";", 1)[0]
    assert "_xsrf" in cookies
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    browser = {"Cookie": cookie, "Authorization": ""}
    params = {"bucket": bucket, "key": "from-browser.txt"}
    # When it uploads without the X-XSRFToken header, it is refused
    refused = await jp_fetch(
        "ucdh-jupyter",
        "s3/upload",
        method="PUT",
        body=b"x",
        params=params,
        headers=browser,
        raise_error=False,
    )
    assert refused.code == 403
    # and with the header (as JupyterLab's ServerConnection sends it), it is accepted
    accepted = await jp_fetch(
        "ucdh-jupyter",
        "s3/upload",
        method="PUT",
        body=b"x",
        params=params,
        headers={**browser, "X-XSRFToken": cookies["_xsrf"]},
        raise_error=False,
    )
    assert accepted.code == 201
    assert s3.get_object(Bucket=bucket, Key="from-browser.txt")["Body"].read() == b"x"


async def test_download_serves_byte_ranges(ucdh_request: Any, bucket: str, s3: Any) -> None:
    data = bytes(range(256)) * 40
    s3.put_object(Bucket=bucket, Key="r.bin", Body=data)
    params = {"bucket": bucket, "key": "r.bin"}
    status, part = await ucdh_request(
        "GET", "s3/download", params=params, headers={"Range": "bytes=100-199"}
    )
    assert status == 206
    assert part == data[100:200]
    status, tail = await ucdh_request(
        "GET", "s3/download", params=params, headers={"Range": "bytes=-10"}
    )
    assert (status, tail) == (206, data[-10:])
    status, body = await ucdh_request(
        "GET", "s3/download", params=params, headers={"Range": "bytes=999999-"}
    )
    assert status == 416
    assert body["code"] == "range_not_satisfiable"


async def test_download_names_the_file_for_every_browser(
    jp_fetch: Any, bucket: str, s3: Any
) -> None:
    key = "notes/Überblick 2026 (draft).txt"
    s3.put_object(Bucket=bucket, Key=key, Body=b"hello", ContentType="text/plain")
    response = await jp_fetch("ucdh-jupyter", "s3/download", params={"bucket": bucket, "key": key})
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="_berblick 2026 (draft).txt"')
    assert "filename*=UTF-8''%C3%9Cberblick%202026%20%28draft%29.txt" in disposition
    assert response.headers["Content-Length"] == "5"
    assert response.headers["Content-Type"] == "text/plain"
    assert response.body == b"hello"


async def test_download_of_a_missing_key_is_404(ucdh_request: Any, bucket: str) -> None:
    status, body = await ucdh_request(
        "GET", "s3/download", params={"bucket": bucket, "key": "nope.csv"}
    )
    assert status == 404
    assert f"s3://{bucket}/nope.csv" in body["message"]


async def test_presigned_urls_are_refused_unless_the_admin_allows_them(
    ucdh_request: Any, bucket: str, s3: Any
) -> None:
    s3.put_object(Bucket=bucket, Key="a.txt", Body=b"a")
    status, body = await ucdh_request(
        "GET", "s3/presign", params={"bucket": bucket, "key": "a.txt"}
    )
    assert status == 403
    assert "allow_presigned_urls" in body["hint"]


@pytest.mark.ucdh(allow_presigned_urls=True, s3_presign_expiry=120)
async def test_presigned_url_is_short_lived_sigv4_and_works(
    ucdh_request: Any, bucket: str, s3: Any
) -> None:
    s3.put_object(Bucket=bucket, Key="a.txt", Body=b"presigned")
    status, body = await ucdh_request(
        "GET", "s3/presign", params={"bucket": bucket, "key": "a.txt"}
    )
    assert status == 200
    assert body["expires_in"] == 120
    assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in body["url"]
    assert "X-Amz-Expires=120" in body["url"]
    import urllib.request

    with urllib.request.urlopen(body["url"]) as reply:
        assert await asyncio.to_thread(reply.read) == b"presigned"


@pytest.mark.ucdh(**SMALL_PARTS)
async def test_chunked_upload_without_content_length_is_stored_whole(
    bucket: str, s3: Any, server_port: int, jp_base_url: str, jp_auth_header: dict[str, str]
) -> None:
    # Given a client that streams 11 MiB with Transfer-Encoding: chunked (size unknown)
    data = os.urandom(11 * MiB)
    reader, writer = await asyncio.open_connection("127.0.0.1", server_port)
    head = [
        f"PUT {jp_base_url}ucdh-jupyter/s3/upload?bucket={bucket}&key=chunked.bin HTTP/1.1",
        "Host: 127.0.0.1",
        "Transfer-Encoding: chunked",
        *(f"{name}: {value}" for name, value in jp_auth_header.items()),
    ]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode())
    for start in range(0, len(data), MiB):
        piece = data[start : start + MiB]
        writer.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
        await writer.drain()
    writer.write(b"0\r\n\r\n")
    # Then it is stored byte for byte, in parts
    status_line = await asyncio.wait_for(reader.readline(), timeout=patient(20))
    writer.close()
    assert b" 201 " in status_line
    stored = s3.get_object(Bucket=bucket, Key="chunked.bin")
    assert stored["ETag"].strip('"').endswith("-3")
    assert sha256(stored["Body"].read()) == sha256(data)
