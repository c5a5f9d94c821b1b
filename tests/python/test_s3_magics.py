"""``%s3`` and ``open_s3`` in a notebook: the server's S3 routes, with progress bars."""

from __future__ import annotations

import hashlib
import io
import os
import re
from pathlib import Path
from typing import Any

import pytest
from IPython.core.error import UsageError

from ucdh_jupyter import open_s3
from ucdh_jupyter.errors import UcdhError

from .conftest import NotebookKernel


@pytest.fixture
def s3_kernel(kernel: NotebookKernel, tmp_path: Path, monkeypatch: Any) -> NotebookKernel:
    """A kernel whose notebook sits in a scratch directory."""
    monkeypatch.chdir(tmp_path)
    return kernel


async def test_ls_lists_buckets_then_a_folder_page(s3_kernel: NotebookKernel, capsys: Any) -> None:
    await s3_kernel.magic("s3", "ls")
    assert "s3://ucdh-demo-genomics/" in capsys.readouterr().out
    await s3_kernel.magic("s3", "ls s3://ucdh-demo-genomics/reads/batch-001/")
    out = capsys.readouterr().out
    assert "read-00000.fastq" in out
    # size, local date and time to the minute as the sidebar shows them, name
    assert re.search(
        r"^\s+\d[\d.]* (?:B|KiB|MiB)  \d{4}-\d\d-\d\d \d\d:\d\d  read-00000\.fastq$", out, re.M
    )
    assert "... more: %s3 ls --all" in out
    await s3_kernel.magic("s3", "ls s3://ucdh-demo-cardiology/studies/echo-2025/")
    assert "PRE  derived/" in capsys.readouterr().out


async def test_put_get_round_trip_with_local_paths_outside_the_jupyter_root(
    s3_kernel: NotebookKernel, bucket: str, tmp_path: Path, capsys: Any
) -> None:
    # Given a file in the kernel's scratch folder, outside the Jupyter root
    data = os.urandom(6 * 1024 * 1024 + 7)
    (tmp_path / "local.bin").write_bytes(data)
    # When it goes up and comes back down
    await s3_kernel.magic("s3", f"put local.bin s3://{bucket}/in/local.bin")
    assert "succeeded: 1 file(s), 6.0 MiB" in capsys.readouterr().out
    await s3_kernel.magic("s3", f"get s3://{bucket}/in/local.bin copy.bin")
    # Then the bytes are the same, for one key and for a folder
    assert hashlib.sha256((tmp_path / "copy.bin").read_bytes()).digest() == (
        hashlib.sha256(data).digest()
    )
    await s3_kernel.magic("s3", f"get s3://{bucket}/in/")
    assert (tmp_path / "in" / "local.bin").read_bytes() == data
    # and a folder goes up under the prefix, file by file
    (tmp_path / "up" / "deep").mkdir(parents=True)
    (tmp_path / "up" / "deep" / "a.txt").write_bytes(b"a")
    (tmp_path / "up" / "b.txt").write_bytes(b"bb")
    await s3_kernel.magic("s3", f"put up s3://{bucket}/up/")
    assert "succeeded: 2 file(s), 3 B" in capsys.readouterr().out
    await s3_kernel.magic("s3", f"get s3://{bucket}/up/ down")
    assert (tmp_path / "down" / "deep" / "a.txt").read_bytes() == b"a"
    assert (tmp_path / "down" / "b.txt").read_bytes() == b"bb"


async def test_get_and_put_refuse_to_overwrite_without_the_flag(
    s3_kernel: NotebookKernel, bucket: str, s3: Any, tmp_path: Path
) -> None:
    s3.put_object(Bucket=bucket, Key="k.txt", Body=b"remote")
    (tmp_path / "k.txt").write_bytes(b"local")
    with pytest.raises(UsageError, match="already exists"):
        await s3_kernel.magic("s3", f"get s3://{bucket}/k.txt")
    assert (tmp_path / "k.txt").read_bytes() == b"local"
    with pytest.raises(UsageError, match="already exists"):
        await s3_kernel.magic("s3", f"put k.txt s3://{bucket}/k.txt")
    assert s3.get_object(Bucket=bucket, Key="k.txt")["Body"].read() == b"remote"
    await s3_kernel.magic("s3", f"get s3://{bucket}/k.txt --overwrite")
    assert (tmp_path / "k.txt").read_bytes() == b"remote"


async def test_rm_deletes_a_key_and_counts_a_folder_first(
    s3_kernel: NotebookKernel, bucket: str, s3: Any, capsys: Any
) -> None:
    for key in ("a.txt", "dir/1.txt", "dir/2.txt"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"12")
    await s3_kernel.magic("s3", f"rm s3://{bucket}/a.txt")
    assert "deleted 1 object(s)" in capsys.readouterr().out
    await s3_kernel.magic("s3", f"rm -r --dry-run s3://{bucket}/dir/")
    assert "would delete 2 object(s) (4 B)" in capsys.readouterr().out
    with pytest.raises(UsageError, match="rm -r"):
        await s3_kernel.magic("s3", f"rm s3://{bucket}/dir/")
    await s3_kernel.magic("s3", f"rm -r s3://{bucket}/dir/")
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


async def test_uri_returns_the_checked_s3_uri(s3_kernel: NotebookKernel) -> None:
    assert await s3_kernel.magic("s3", "uri ucdh-demo-shared/notes/no-extension") == (
        "s3://ucdh-demo-shared/notes/no-extension"
    )
    with pytest.raises(UsageError, match="lowercase"):
        await s3_kernel.magic("s3", "uri Bad_Bucket/x")


async def test_bare_s3_shows_the_usage(s3_kernel: NotebookKernel) -> None:
    with pytest.raises(UsageError, match="%s3 ls"):
        await s3_kernel.magic("s3", "")


async def test_open_s3_reads_objects_into_pandas_through_the_server(
    s3_kernel: NotebookKernel,
) -> None:
    import pandas as pd

    # The sidebar's snippets: read through the server's download route, no s3fs needed.
    visits = await s3_kernel.call(
        lambda: pd.read_csv(
            open_s3("s3://ucdh-demo-cardiology/studies/echo-2025/raw/site-a/visits.csv")
        )
    )
    # Parquet seeks to its footer: ranged reads of the same route
    cohort = await s3_kernel.call(
        lambda: pd.read_parquet(
            open_s3("s3://ucdh-demo-cardiology/studies/echo-2025/derived/cohort.parquet")
        )
    )
    assert len(visits) == 200 and len(cohort) == 300
    assert visits["subject_id"][0] == "FAKE-00000"


@pytest.mark.ucdh(allowed_buckets=["ucdh-demo-shared"])
async def test_open_s3_obeys_the_servers_allow_list(s3_kernel: NotebookKernel) -> None:
    # Given a server that allows only the shared bucket
    # When notebook code opens an object of another bucket
    with pytest.raises(UcdhError) as raised:
        await s3_kernel.call(
            open_s3, "s3://ucdh-demo-cardiology/studies/echo-2025/raw/site-a/visits.csv"
        )
    # Then the server's refusal is what the notebook gets
    assert raised.value.status == 403


async def test_open_s3_is_a_seekable_file_read_in_ranges(
    s3_kernel: NotebookKernel, bucket: str, s3: Any
) -> None:
    # Given an object of 100 kB and an empty one
    data = os.urandom(100_000)
    s3.put_object(Bucket=bucket, Key="blob.bin", Body=data)
    s3.put_object(Bucket=bucket, Key="empty.bin", Body=b"")

    def read_parts() -> tuple[bytes, ...]:
        with open_s3(f"s3://{bucket}/blob.bin") as blob:
            blob.seek(-10, io.SEEK_END)
            tail = blob.read()
            blob.seek(5)
            middle = blob.read(20)
            blob.seek(0)
            whole = blob.read()
            past = blob.read(10)
        with open_s3(f"s3://{bucket}/empty.bin") as empty:
            nothing = empty.read()
            end = empty.seek(0, io.SEEK_END)
        return tail, middle, whole, past, nothing, bytes([end])

    # When notebook code seeks and reads parts of them
    tail, middle, whole, past, nothing, end = await s3_kernel.call(read_parts)
    # Then each read has exactly the object's bytes there
    assert (tail, middle, whole) == (data[-10:], data[5:25], data)
    assert (past, nothing, end) == (b"", b"", b"\x00")


async def test_a_trailing_comment_is_no_argument_but_a_hash_inside_a_key_is_kept(
    s3_kernel: NotebookKernel, bucket: str, s3: Any, tmp_path: Path, capsys: Any
) -> None:
    # Given README-style magic lines with trailing comments (one even names a flag)
    await s3_kernel.magic("s3", "ls s3://ucdh-demo-genomics/reads/batch-001/  # one page; --all")
    # Then the comment is not read: one page, not every page
    assert "... more: %s3 ls --all" in capsys.readouterr().out
    await s3_kernel.magic("ucdh_estimate", "t3.micro --hours 2-4   # table, cheapest first")
    assert "t3.micro on EC2, 1 machine(s), 2-4 hours" in capsys.readouterr().out
    uri = await s3_kernel.magic("s3", "uri ucdh-demo-shared/notes/no-extension # for pandas")
    assert uri == "s3://ucdh-demo-shared/notes/no-extension"
    # When a key or a quoted local name holds a '#' that does not follow a space
    (tmp_path / "notes #1.txt").write_bytes(b"n")
    await s3_kernel.magic("s3", f'put "notes #1.txt" s3://{bucket}/a#b.txt  # upload')
    # Then it is part of the name
    assert s3.get_object(Bucket=bucket, Key="a#b.txt")["Body"].read() == b"n"


async def test_ls_of_a_missing_bucket_is_one_line(s3_kernel: NotebookKernel) -> None:
    with pytest.raises(UsageError) as raised:
        await s3_kernel.magic("s3", "ls s3://ucdh-no-such-bucket-here/")
    assert str(raised.value) == (
        "The specified bucket does not exist. Check the name and that it still exists."
    )


async def test_put_names_the_local_path_exactly_as_given(
    s3_kernel: NotebookKernel, bucket: str, tmp_path: Path
) -> None:
    # Given an absolute path that does not exist
    missing = tmp_path / "out" / "results.csv"
    # When it is sent to S3
    with pytest.raises(UsageError) as raised:
        await s3_kernel.magic("s3", f"put {missing} s3://{bucket}/results/")
    # Then the message shows it with its leading slash
    assert str(raised.value) == f"{missing} does not exist."


@pytest.mark.ucdh(endpoint_url="http://127.0.0.1:9")
async def test_unreachable_aws_is_one_line_in_a_magic(s3_kernel: NotebookKernel) -> None:
    # Given a server whose AWS endpoint does not answer
    # When a magic needs AWS
    with pytest.raises(UsageError) as raised:
        await s3_kernel.magic("s3", "ls s3://ucdh-demo-genomics/reads/")
    # Then the server's translation is the one line shown
    assert str(raised.value).startswith("AWS could not be reached. Check the network")
    assert "\n" not in str(raised.value)


# -- one-line errors of the notebook side ----------------------------------------------


class CutServer:
    """A server that answers every request with a 200 promising 1,000 bytes of ``body``
    and hangs up after the first ones (a server stopped mid-download, a proxy cut)."""

    def __init__(self, body: bytes) -> None:
        import socket
        import threading

        self.body = body
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/"
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        """Answer requests until the listener closes."""
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 1000\r\n\r\n" + self.body
                )


def test_a_reply_cut_midway_is_one_line() -> None:
    from ucdh_jupyter.notebook.remote_file import RemoteObject
    from ucdh_jupyter.server_client import ServerClient

    # Given a server that hangs up in the middle of its answers
    cut = CutServer(b'{"buckets": [')
    client = ServerClient(cut.url, "token")
    try:
        # When a download streams from it, or a JSON reply is read
        with pytest.raises(UcdhError) as streamed:
            b"".join(client.stream("s3/download", {"bucket": "b", "key": "k"}))
        with pytest.raises(UcdhError) as listed:
            client.get("s3/buckets")
        with pytest.raises(UcdhError) as opened:
            RemoteObject(client, "b", "k").read(5)
    finally:
        cut.listener.close()
    # Then each is the one line of a server that cannot be reached, no traceback
    for raised in (streamed, listed, opened):
        assert raised.value.code == "no_server"
        assert raised.value.message.startswith(f"The Jupyter server at {cut.url} cannot be")
        assert "\n" not in raised.value.message


async def test_a_picker_that_cannot_reload_says_so_on_the_widget(
    s3_kernel: NotebookKernel,
) -> None:
    from ucdh_jupyter.server_client import ServerClient
    from ucdh_jupyter.widgets import InstancePicker

    # Given a picker built while the server answered
    picker = await s3_kernel.call(InstancePicker)
    # When the server is gone and the researcher clicks another preset
    picker._client = ServerClient("http://127.0.0.1:9/", "token")
    await s3_kernel.call(setattr, picker.preset, "value", "gpu")
    # Then the widget shows one line instead of a callback traceback
    assert picker.summary.value.startswith(
        "<b>The Jupyter server at http://127.0.0.1:9/ cannot be reached"
    )
