"""botocore Stubber clients for AWS APIs the local AWS lacks or cannot shape (Pricing, pages)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.stub import Stubber


@contextmanager
def stubbed(service: str) -> Iterator[tuple[Any, Stubber]]:
    """A client of ``service`` that never touches the network, and its active Stubber."""
    import boto3

    client = boto3.client(
        service, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y"
    )
    with Stubber(client) as stubber:
        yield client, stubber
