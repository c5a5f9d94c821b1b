"""Where schedules live in S3, beside the runs they fire.

``<runs_prefix>schedules/<schedule id>/schedule.json`` is the schedule;
``schedules/<id>/<snapshot id>/`` a snapshot of its inputs, staged like a run's (a new
folder at each edit, so a fire never mixes two versions); ``schedules/<id>/runs/<run
id>`` an empty marker per fired run, written by the run itself, which the server reads
to find runs fired while it was stopped. The folder name ``schedules`` is no run id, so
the run records never list it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

from ..runs import runner as protocol
from ..runs.model import RUN_ID_PATTERN
from ..runs.records import RunRecords
from .model import Schedule

log = logging.getLogger(__name__)

FOLDER = "schedules/"
RECORD = "schedule.json"
FIRED = "runs/"
# The run record a fire copies, in each snapshot (the runner fills in its id, times, job).
TEMPLATE_KEY = "template.json"


class ScheduleRecords:
    """The schedules under ``s3://bucket/<runs_prefix>schedules/``."""

    def __init__(self, s3: Any, bucket: str, runs_prefix: str, kms_key_id: str | None) -> None:
        self.s3 = s3
        self.bucket = bucket
        self.runs_prefix = runs_prefix
        self.root = f"{runs_prefix}{FOLDER}"
        self.kms_key_id = kms_key_id
        self.sse = protocol.sse_args(kms_key_id)

    def key(self, schedule_id: str, relative: str = "") -> str:
        """An object of one schedule."""
        return f"{self.root}{schedule_id}/{relative}"

    def snapshots(self, schedule_id: str) -> RunRecords:
        """The records the snapshots of one schedule are staged in (a snapshot is staged
        as a run whose id is the snapshot's)."""
        return RunRecords(self.s3, self.bucket, self.key(schedule_id), self.kms_key_id)

    def write(self, schedule: Schedule) -> None:
        """Save the schedule."""
        self.s3.put_object(
            Bucket=self.bucket,
            Key=self.key(schedule.id, RECORD),
            Body=json.dumps(schedule.to_json(), indent=1).encode(),
            ContentType="application/json",
            **self.sse,
        )

    def read(self, schedule_id: str) -> Schedule | None:
        """One schedule, or None."""
        try:
            body = self.s3.get_object(Bucket=self.bucket, Key=self.key(schedule_id, RECORD))
        except Exception as exc:
            if getattr(exc, "response", {}).get("Error", {}).get("Code") in (
                "NoSuchKey",
                "404",
            ):
                return None
            raise
        try:
            return Schedule.from_json(json.loads(body["Body"].read()))
        except (ValueError, TypeError):
            log.warning("ucdh-jupyter: unreadable schedule record %s, skipped", schedule_id)
            return None

    def ids(self) -> Iterator[str]:
        """Every schedule's id."""
        paginator = self.s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.root, Delimiter="/"):
            for common in page.get("CommonPrefixes", []):
                name = common["Prefix"][len(self.root) :].rstrip("/")
                if RUN_ID_PATTERN.fullmatch(name):
                    yield name

    def all(self) -> Iterator[Schedule]:
        """Every readable schedule."""
        for schedule_id in self.ids():
            schedule = self.read(schedule_id)
            if schedule is not None:
                yield schedule

    def fired(self, schedule_id: str) -> list[str]:
        """The ids of the runs the schedule fired (their markers), oldest first."""
        prefix = self.key(schedule_id, FIRED)
        paginator = self.s3.get_paginator("list_objects_v2")
        found = []
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                name = item["Key"][len(prefix) :]
                if RUN_ID_PATTERN.fullmatch(name):
                    found.append(name)
        return sorted(found)

    def mark_fired(self, schedule_id: str, run_id: str) -> None:
        """The marker a fired run leaves (the Databricks side writes it from the server)."""
        self.s3.put_object(
            Bucket=self.bucket, Key=self.key(schedule_id, FIRED + run_id), Body=b"", **self.sse
        )

    def delete(self, schedule_id: str) -> None:
        """Delete the schedule and its snapshots; its markers and its runs' records stay
        (past runs keep their results)."""
        paginator = self.s3.get_paginator("list_objects_v2")
        keep = self.key(schedule_id, FIRED)
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.key(schedule_id)):
            doomed = [
                {"Key": item["Key"]}
                for item in page.get("Contents", [])
                if not item["Key"].startswith(keep)
            ]
            if doomed:
                self.s3.delete_objects(Bucket=self.bucket, Delete={"Objects": doomed})
