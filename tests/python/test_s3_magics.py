"""``%s3`` in a notebook: the same S3 service as the sidebar, with progress bars."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.core.error import UsageError

from ucdh_jupyter.config import UcdhConfig
from ucdh_jupyter.demo.localaws import DEMO_REGION
from ucdh_jupyter.s3_magics import S3Magics
from ucdh_jupyter.services import UcdhServices


@pytest.fixture
def magic(aws_env: Any, local_aws: Any, tmp_path: Path, monkeypatch: Any) -> Iterator[Any]:
    """``%s3`` bound to services on the local AWS, run from a scratch directory."""
    monkeypatch.chdir(tmp_path)
    services = UcdhServices(
        UcdhConfig(mode="local", endpoint_url=local_aws.endpoint_url, region=DEMO_REGION)
    )
    yield S3Magics(None, lambda: services).s3
    services.close()


def test_ls_lists_buckets_then_a_folder_page(magic: Any, capsys: Any) -> None:
    magic("ls")
    assert "s3://ucdh-demo-genomics/" in capsys.readouterr().out
    magic("ls s3://ucdh-demo-genomics/reads/batch-001/")
    out = capsys.readouterr().out
    assert "read-00000.fastq" in out
    assert "... more: %s3 ls --all" in out
    magic("ls s3://ucdh-demo-cardiology/studies/echo-2025/")
    assert "PRE  derived/" in capsys.readouterr().out


def test_put_get_round_trip_with_progress(
    magic: Any, bucket: str, s3: Any, tmp_path: Path, capsys: Any
) -> None:
    data = os.urandom(6 * 1024 * 1024 + 7)
    (tmp_path / "local.bin").write_bytes(data)
    magic(f"put local.bin s3://{bucket}/in/local.bin")
    assert "succeeded: 1 file(s), 6.0 MiB" in capsys.readouterr().out
    magic(f"get s3://{bucket}/in/local.bin copy.bin")
    assert hashlib.sha256((tmp_path / "copy.bin").read_bytes()).digest() == (
        hashlib.sha256(data).digest()
    )
    magic(f"get s3://{bucket}/in/")
    assert (tmp_path / "in" / "local.bin").read_bytes() == data


def test_get_refuses_to_overwrite_without_the_flag(
    magic: Any, bucket: str, s3: Any, tmp_path: Path
) -> None:
    s3.put_object(Bucket=bucket, Key="k.txt", Body=b"remote")
    (tmp_path / "k.txt").write_bytes(b"local")
    with pytest.raises(UsageError, match="already exists"):
        magic(f"get s3://{bucket}/k.txt")
    magic(f"get s3://{bucket}/k.txt --overwrite")
    assert (tmp_path / "k.txt").read_bytes() == b"remote"


def test_rm_deletes_a_key_and_counts_a_folder_first(
    magic: Any, bucket: str, s3: Any, capsys: Any
) -> None:
    for key in ("a.txt", "dir/1.txt", "dir/2.txt"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"12")
    magic(f"rm s3://{bucket}/a.txt")
    assert "deleted 1 object(s)" in capsys.readouterr().out
    magic(f"rm -r --dry-run s3://{bucket}/dir/")
    assert "would delete 2 object(s) (4 B)" in capsys.readouterr().out
    with pytest.raises(UsageError, match="rm -r"):
        magic(f"rm s3://{bucket}/dir/")
    magic(f"rm -r s3://{bucket}/dir/")
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_uri_returns_the_checked_s3_uri(magic: Any) -> None:
    assert magic("uri ucdh-demo-shared/notes/no-extension") == (
        "s3://ucdh-demo-shared/notes/no-extension"
    )
    with pytest.raises(UsageError, match="lowercase"):
        magic("uri Bad_Bucket/x")


def test_bare_s3_shows_the_usage(magic: Any) -> None:
    with pytest.raises(UsageError, match="%s3 ls"):
        magic("")


def test_load_ext_registers_s3_next_to_the_other_magics(loaded_shell: Any, capsys: Any) -> None:
    loaded_shell.run_line_magic("s3", "ls s3://ucdh-demo-shared/notes/")
    assert "Überblick 2026 (draft).txt" in capsys.readouterr().out


def test_open_s3_reads_objects_into_pandas_through_the_extension_settings(
    aws_env: Any, local_aws: Any
) -> None:
    import pandas as pd

    from ucdh_jupyter.errors import UcdhError
    from ucdh_jupyter.s3.reading import open_s3

    # The sidebar's snippets: the endpoint is the extension's, no s3fs needed.
    services = UcdhServices(
        UcdhConfig(mode="local", endpoint_url=local_aws.endpoint_url, region=DEMO_REGION)
    )
    try:
        visits = pd.read_csv(
            open_s3("s3://ucdh-demo-cardiology/studies/echo-2025/raw/site-a/visits.csv", services)
        )
        cohort = pd.read_parquet(
            open_s3("s3://ucdh-demo-cardiology/studies/echo-2025/derived/cohort.parquet", services)
        )
        assert len(visits) == 200 and len(cohort) == 300
        assert visits["subject_id"][0] == "FAKE-00000"
    finally:
        services.close()
    # The admin's allow-list holds here too.
    limited = UcdhServices(
        UcdhConfig(
            mode="local",
            endpoint_url=local_aws.endpoint_url,
            region=DEMO_REGION,
            allowed_buckets=["ucdh-demo-shared"],
        )
    )
    try:
        with pytest.raises(UcdhError) as raised:
            open_s3("s3://ucdh-demo-cardiology/studies/echo-2025/raw/site-a/visits.csv", limited)
        assert raised.value.status == 403
    finally:
        limited.close()
