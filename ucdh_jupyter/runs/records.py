"""The S3 side of runs: where a run's files live, its record (``run.json``) and its status.

The record written here plus the instances' tags are the source of truth; the
local store only caches them. Key names come from :mod:`.runner`, the other end
of the protocol.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import runner as protocol
from .model import RUN_ID_PATTERN, Run

log = logging.getLogger(__name__)

# cloud-init's output: every command of the user data (the only trace of a failure
# before the runner starts); the protocol's key.
BOOT_LOG_KEY = protocol.BOOT_LOG_KEY
# Databricks' own rendering of the run (its HTML export), next to the executed notebook.
RUN_HTML_KEY = "output/run.html"
# The most of a log a route returns: its end, where the cause of a failure is.
LOG_TAIL_BYTES = 256 * 1024


@dataclass(frozen=True)
class LogTail:
    """The end of a log object: ``text`` starts at a whole line when the log is longer
    than what was read (``truncated``); ``size`` is the whole object's, in bytes."""

    text: str
    size: int
    truncated: bool


@dataclass(frozen=True)
class RunLocation:
    """``s3://bucket/prefix`` of one run (``prefix`` ends with ``/``)."""

    bucket: str
    prefix: str

    def key(self, relative: str) -> str:
        """Full key of a file of the run."""
        return self.prefix + relative

    def uri(self, relative: str = "") -> str:
        """``s3://`` URI of a file of the run."""
        return f"s3://{self.bucket}/{self.key(relative)}"


def _error_code(exc: Exception) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))


def _missing(exc: Exception) -> bool:
    return _error_code(exc) in ("404", "NoSuchKey", "NotFound")


class RunRecords:
    """Reads and writes the objects of every run under ``s3://bucket/root_prefix``."""

    def __init__(self, s3: Any, bucket: str, root_prefix: str, kms_key_id: str | None) -> None:
        self.s3 = s3
        self.bucket = bucket
        self.root_prefix = root_prefix
        self.sse = protocol.sse_args(kms_key_id)

    def location(self, run_id: str) -> RunLocation:
        """Where the run with this id keeps its files."""
        return RunLocation(self.bucket, f"{self.root_prefix}{run_id}/")

    def put(self, run_id: str, relative: str, body: bytes, content_type: str) -> None:
        """Write one object of a run, encrypted as configured."""
        self.s3.put_object(
            Bucket=self.bucket,
            Key=self.location(run_id).key(relative),
            Body=body,
            ContentType=content_type,
            **self.sse,
        )

    def upload(self, run_id: str, relative: str, path: Path) -> None:
        """Upload a local file (multipart when large), encrypted as configured."""
        self.s3.upload_file(
            str(path), self.bucket, self.location(run_id).key(relative), ExtraArgs=dict(self.sse)
        )

    def get(self, run_id: str, relative: str) -> bytes | None:
        """One object of a run, or None when it does not exist (yet)."""
        try:
            reply = self.s3.get_object(Bucket=self.bucket, Key=self.location(run_id).key(relative))
        except Exception as exc:
            if _missing(exc):
                return None
            raise
        return bytes(reply["Body"].read())

    def tail(self, run_id: str, relative: str, max_bytes: int = LOG_TAIL_BYTES) -> LogTail | None:
        """The last ``max_bytes`` of one object of a run, or None when it does not exist.

        A ranged GET: a boot log that grew to gigabytes (a loop printing) costs the
        server ``max_bytes``, not the whole object."""
        key = self.location(run_id).key(relative)
        try:
            reply = self.s3.get_object(Bucket=self.bucket, Key=key, Range=f"bytes=-{max_bytes}")
        except Exception as exc:
            if _missing(exc):
                return None
            if _error_code(exc) == "InvalidRange":  # S3's answer for an empty object
                return LogTail("", 0, False)
            raise
        body = bytes(reply["Body"].read())
        # "bytes 100-199/200" when S3 honoured the range; a store that ignores it sends
        # the whole object, which is then cut here.
        whole = str(reply.get("ContentRange") or "").rpartition("/")[2]
        size = int(whole) if whole.isdigit() else len(body)
        body = body[-max_bytes:]
        truncated = size > len(body)
        if truncated and b"\n" in body:
            body = body[body.index(b"\n") + 1 :]  # no half line (or half character) first
        return LogTail(body.decode("utf-8", errors="replace"), size, truncated)

    def exists(self, run_id: str, relative: str) -> bool:
        """Whether an object of a run exists."""
        try:
            self.s3.head_object(Bucket=self.bucket, Key=self.location(run_id).key(relative))
        except Exception as exc:
            if _missing(exc):
                return False
            raise
        return True

    def download(self, run_id: str, relative: str, target: Path) -> None:
        """Copy one object of a run to a local file."""
        self.s3.download_file(self.bucket, self.location(run_id).key(relative), str(target))

    def write(self, run: Run) -> None:
        """Save the run record (``run.json``)."""
        body = json.dumps(run.to_json(), indent=1, sort_keys=True).encode()
        self.put(run.id, protocol.RECORD_KEY, body, "application/json")

    def read(self, run_id: str) -> Run | None:
        """The run record, or None when there is none (or it cannot be read)."""
        body = self.get(run_id, protocol.RECORD_KEY)
        if body is None:
            return None
        try:
            return Run.from_json(json.loads(body))
        except Exception:
            log.warning("ucdh-jupyter: unreadable run record for %s, skipped", run_id)
            return None

    def run_ids(self) -> Iterator[str]:
        """The id of every run that has a folder under the runs prefix."""
        paginator = self.s3.get_paginator("list_objects_v2")
        pages = paginator.paginate(Bucket=self.bucket, Prefix=self.root_prefix, Delimiter="/")
        for page in pages:
            for common in page.get("CommonPrefixes", []):
                name = common["Prefix"][len(self.root_prefix) :].rstrip("/")
                if RUN_ID_PATTERN.fullmatch(name):
                    yield name

    def all(self) -> Iterator[Run]:
        """Every readable run record."""
        for run_id in self.run_ids():
            run = self.read(run_id)
            if run is not None:
                yield run

    def status(self, run_id: str) -> dict[str, Any] | None:
        """The runner's last ``status.json``, or None before its first heartbeat."""
        body = self.get(run_id, protocol.STATUS_KEY)
        if body is None:
            return None
        try:
            status = json.loads(body)
        except ValueError:
            return None
        return status if isinstance(status, dict) else None

    def request_cancel(self, run_id: str) -> None:
        """Ask the runner to stop and save its partial output (it checks every heartbeat)."""
        self.put(run_id, protocol.CANCEL_KEY, b"cancel", "text/plain")
