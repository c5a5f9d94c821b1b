"""The audit log: who changed what, read which object, ran what, and how it ended.

One JSON object per line, in a rotated file (``UcdhConfig.audit_log_path``, mode 0600)
and, when ``UcdhConfig.audit_cloudwatch_log_group`` is set, in CloudWatch Logs (sent in
batches on the worker pool: a request never waits for it, and never fails because of it).

What is recorded:

- every request with a verb that may change something (POST, PUT, PATCH, DELETE), whether
  it succeeded or not, refused ones included (not logged in, switched off, bad input);
- ``GET s3/download`` and ``GET s3/presign``: reading an object's content may be reading
  PHI, so who read it is worth keeping. Other GETs (listings, details, run state) change
  nothing and are not recorded;
- every run state change the run service records (submitted = ``STAGING``, then each
  state; cancelling, cancelled, expired by the reaper), from whatever started the run.

Fields of a request record (``"event": "request"``); absent when they do not apply:

``time`` (UTC, ISO 8601, milliseconds), ``event``, ``user`` (whose runs and jobs the request
belongs to; null when not logged in), ``client_ip``, ``user_agent``, ``method``, ``route``
(the path below ``ucdh-jupyter/``), ``status`` (HTTP status), ``code`` (error code, null on
success), ``bucket``, ``key``, ``keys`` (the list, at most 1,000) and ``keys_count``,
``prefix``, ``dest_bucket``, ``dest_key``, ``dest_prefix``, ``direction``, ``path`` (workspace
path), ``notebook_path``, ``overwrite``, ``dry_run``, ``run_id``, ``job_id``, ``backend``,
``instance_type``, ``cluster_mode``, ``max_hours``, ``workers``, ``count``, ``max_cost_usd``,
``state`` (of the run or transfer job answered), ``bytes`` (uploaded), ``deleted``.

Fields of a run record (``"event": "run"``): ``time``, ``event``, ``user`` (the run's owner),
``run_id``, ``backend``, ``instance_type``, ``cluster_mode``, ``count``, ``workers``,
``max_hours``, ``deadline``, ``state``, ``previous_state`` (null when first seen),
``failure_kind``, ``rate_usd_per_hour``, ``max_cost_usd``, ``cost_usd`` (so far, final once
the run is over), ``notebook_path``, ``instance_id``.

Never recorded: object content, notebook output or messages, parameter values, request
bodies beyond the fields above, tokens, cookies, credentials, presigned URLs.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import threading
from collections.abc import Iterable, Mapping
from concurrent.futures import Executor
from datetime import datetime, timezone
from io import TextIOWrapper
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import UcdhConfig

if TYPE_CHECKING:
    from .aws import AwsClients
    from .runs.model import Run

log = logging.getLogger(__name__)

# Verbs that may change something; GETs are read-only (XSRF is checked on these).
MUTATING_VERBS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Read-only routes that still hand out object content.
AUDITED_READS = frozenset({"s3/download", "s3/presign"})
# The only request fields (JSON body or query) that reach a record: names, never content.
REQUEST_FIELDS = (
    "bucket",
    "key",
    "prefix",
    "dest_bucket",
    "dest_key",
    "dest_prefix",
    "direction",
    "path",
    "notebook_path",
    "overwrite",
    "dry_run",
    "run_id",
    "backend",
    "instance_type",
    "cluster_mode",
    "max_hours",
    "workers",
    "count",
)
MAX_KEYS_LISTED = 1000
# S3 keys are at most 1,024 bytes; anything longer is not a name worth keeping whole.
MAX_TEXT = 2048
# Bodies above this are not JSON requests of ours (uploads stream their bodies).
MAX_PARSED_BODY = 1024 * 1024
# CloudWatch Logs: at most 10,000 events and 1 MiB (with 26 bytes per event) per call.
CLOUDWATCH_MAX_EVENTS = 10_000
CLOUDWATCH_MAX_BYTES = 1_000_000
# Records waiting for CloudWatch beyond this are dropped (the file keeps them).
CLOUDWATCH_MAX_QUEUE = 50_000


def default_audit_path() -> Path:
    """``<Jupyter data dir>/ucdh_jupyter/audit.log``."""
    from jupyter_core.paths import jupyter_data_dir

    return Path(jupyter_data_dir()) / "ucdh_jupyter" / "audit.log"


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _scalar(value: Any) -> Any:
    """A value fit for a record (a name, number or flag), else None."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        return value[:MAX_TEXT]
    return None


def pick(source: Mapping[str, Any], names: Iterable[str] = REQUEST_FIELDS) -> dict[str, Any]:
    """The whitelisted fields of a request body or query: scalars only (an object or list
    where a name belongs is dropped, not serialised), plus ``keys`` with their count."""
    picked: dict[str, Any] = {}
    for name in names:
        value = _scalar(source.get(name))
        if value is not None:
            picked[name] = value
    keys = source.get("keys")
    if isinstance(keys, list):
        names_only = [key[:MAX_TEXT] for key in keys if isinstance(key, str)]
        picked["keys_count"] = len(keys)
        picked["keys"] = names_only[:MAX_KEYS_LISTED]
    return picked


def max_cost(rate: Any, hours: Any, count: Any) -> float | None:
    """Rate x hours x machines, or None when a figure is unknown."""
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (rate, hours)):
        return None
    machines = count if isinstance(count, int) and not isinstance(count, bool) else 1
    return round(float(rate) * float(hours) * machines, 6)


def reply_fields(reply: Mapping[str, Any]) -> dict[str, Any]:
    """What the answer adds: the run or job created, its state and maximum cost."""
    fields: dict[str, Any] = {}
    if "owner" in reply and "deadline" in reply:  # a run
        fields["run_id"] = _scalar(reply.get("id"))
        for name in ("backend", "instance_type", "cluster_mode", "max_hours", "state"):
            if _scalar(reply.get(name)) is not None:
                fields[name] = _scalar(reply[name])
        count = (reply.get("count") or 1) * max(1, len(reply.get("sweep_rows") or ()))
        cost = max_cost(reply.get("rate_usd_per_hour"), count, reply.get("max_hours"))
        if cost is not None:
            fields["max_cost_usd"] = cost
    elif "kind" in reply and "files_total" in reply:  # a transfer job
        fields["job_id"] = _scalar(reply.get("id"))
        fields["state"] = _scalar(reply.get("state"))
    cost_block = reply.get("cost")
    if isinstance(cost_block, Mapping) and _scalar(cost_block.get("max_cost_usd")) is not None:
        fields["max_cost_usd"] = cost_block["max_cost_usd"]
    if "deleted" in reply and "dry_run" in reply:
        fields["deleted"] = _scalar(reply.get("deleted"))
    if "parts" in reply and "size" in reply:  # an upload
        fields["bytes"] = _scalar(reply.get("size"))
    return {name: value for name, value in fields.items() if value is not None}


class _PrivateRotatingFile(RotatingFileHandler):
    """A rotating file whose every generation is created 0600 in a 0700 folder."""

    def _open(self) -> TextIOWrapper:
        folder = Path(self.baseFilename).parent
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        return open(fd, "a", encoding="utf-8")

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        # The record itself may carry keys: only say that writing failed.
        log.warning("ucdh-jupyter: could not write the audit log %s", self.baseFilename)


class CloudWatchSink:
    """Sends audit lines to one CloudWatch Logs stream in batches, on the worker pool."""

    def __init__(self, aws: AwsClients, group: str, stream: str, executor: Executor) -> None:
        self.aws = aws
        self.group = group
        self.stream = stream
        self.executor = executor
        self._queue: list[tuple[int, str]] = []
        self._lock = threading.Lock()
        self._sending = threading.Lock()
        self._scheduled = False
        self._stream_ready = False

    def put(self, moment: datetime, line: str) -> None:
        """Queue one line and make sure a flush is on its way; never blocks on AWS."""
        with self._lock:
            if len(self._queue) >= CLOUDWATCH_MAX_QUEUE:
                self._queue.pop(0)
            self._queue.append((int(moment.timestamp() * 1000), line))
            if self._scheduled:
                return
            self._scheduled = True
        try:
            self.executor.submit(self.flush)
        except RuntimeError:  # the pool is shut down: close() flushes what is left
            with self._lock:
                self._scheduled = False

    def flush(self) -> None:
        """Send everything queued (one call per 10,000 events / 1 MB); failures are
        logged once per batch without their content, and the batch is dropped."""
        with self._sending:
            with self._lock:
                events, self._queue = self._queue, []
                self._scheduled = False
            for batch in _batches(sorted(events)):
                try:
                    self._send(batch)
                except Exception as exc:
                    code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
                    log.warning(
                        "ucdh-jupyter: %d audit records not sent to CloudWatch Logs group "
                        "%s (%s); the audit file has them",
                        len(batch),
                        self.group,
                        code or type(exc).__name__,
                    )

    def _send(self, batch: list[tuple[int, str]]) -> None:
        client = self.aws.client("logs")
        if not self._stream_ready:
            with contextlib.suppress(client.exceptions.ResourceAlreadyExistsException):
                client.create_log_stream(logGroupName=self.group, logStreamName=self.stream)
            self._stream_ready = True
        client.put_log_events(
            logGroupName=self.group,
            logStreamName=self.stream,
            logEvents=[{"timestamp": stamp, "message": line} for stamp, line in batch],
        )


def _batches(events: list[tuple[int, str]]) -> Iterable[list[tuple[int, str]]]:
    batch: list[tuple[int, str]] = []
    size = 0
    for event in events:
        cost = len(event[1].encode()) + 26
        if batch and (len(batch) >= CLOUDWATCH_MAX_EVENTS or size + cost > CLOUDWATCH_MAX_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(event)
        size += cost
    if batch:
        yield batch


class AuditLog:
    """Writes audit records to the file and, if configured, to CloudWatch Logs.

    Building it touches nothing: the file is opened at the first record, CloudWatch is
    called from the worker pool only.
    """

    def __init__(self, config: UcdhConfig, aws: AwsClients, executor: Executor) -> None:
        self.config = config
        self.path = Path(config.audit_log_path or default_audit_path())
        self._file = _PrivateRotatingFile(
            str(self.path),
            maxBytes=int(config.audit_log_max_mb * 1024 * 1024),
            backupCount=config.audit_log_backups,
            encoding="utf-8",
            delay=True,
        )
        self._file.setFormatter(logging.Formatter("%(message)s"))
        self.cloudwatch: CloudWatchSink | None = None
        if config.audit_cloudwatch_log_group:
            stream = config.audit_cloudwatch_log_stream.format(
                host=socket.gethostname(), started=_now().strftime("%Y-%m-%dT%H-%M-%SZ")
            )
            self.cloudwatch = CloudWatchSink(
                aws, config.audit_cloudwatch_log_group, stream, executor
            )
        # Last state recorded per run: a run saved again in the same state is no event.
        self._run_states: dict[str, str] = {}
        self._lock = threading.Lock()

    def write(self, event: str, fields: Mapping[str, Any]) -> None:
        """Record one event; never raises (an audit failure must not fail the action)."""
        moment = _now()
        record = {"time": _stamp(moment), "event": event, **fields}
        try:
            line = json.dumps(record, default=str, separators=(",", ":"))
        except ValueError:
            log.warning("ucdh-jupyter: an audit record could not be serialised")
            return
        self._file.handle(logging.makeLogRecord({"msg": line, "args": None}))
        if self.cloudwatch is not None:
            self.cloudwatch.put(moment, line)

    def request(self, fields: Mapping[str, Any]) -> None:
        """Record one HTTP request (see :func:`request_fields`)."""
        self.write("request", fields)

    def run_event(self, run: Run) -> None:
        """Record a run's state when it differs from the last one recorded for it
        (the run service calls this after saving each state change)."""
        state = run.state.value
        with self._lock:
            previous = self._run_states.get(run.id)
            if previous == state:
                return
            self._run_states[run.id] = state
        cost = run.cost_final_usd if run.final else run.cost_so_far_usd
        self.write(
            "run",
            {
                "user": run.owner,
                "run_id": run.id,
                "backend": run.backend,
                "instance_type": run.instance_type,
                "cluster_mode": run.cluster_mode,
                "count": run.count,
                "workers": run.workers,
                "max_hours": run.max_hours,
                "deadline": run.deadline,
                "state": state,
                "previous_state": previous,
                "failure_kind": run.failure_kind.value if run.failure_kind else None,
                "rate_usd_per_hour": run.rate_usd_per_hour,
                "max_cost_usd": max_cost(
                    run.rate_usd_per_hour, run.count * run.size, run.max_hours
                ),
                "cost_usd": cost,
                "notebook_path": run.notebook_path,
                "instance_id": run.instance_id,
            },
        )

    def close(self) -> None:
        """Send what CloudWatch still waits for and close the file (server shutdown)."""
        if self.cloudwatch is not None:
            self.cloudwatch.flush()
        self._file.close()


def audited(method: str, route: str) -> bool:
    """Whether a request is recorded: any verb that may change something, and the GETs
    that hand out object content."""
    return method in MUTATING_VERBS or (method == "GET" and route in AUDITED_READS)


def request_fields(
    *,
    user: str | None,
    client_ip: str | None,
    user_agent: str | None,
    method: str,
    route: str,
    status: int,
    code: str | None,
    body: bytes | None,
    query: Mapping[str, list[bytes]],
    path_id: str | None,
    reply: Mapping[str, Any] | None,
    extra: Mapping[str, Any],
) -> dict[str, Any]:
    """The fields of a request record, from what the handler saw and answered."""
    fields: dict[str, Any] = {
        "user": user,
        "client_ip": client_ip,
        "user_agent": (user_agent or "")[:256] or None,
        "method": method,
        "route": route[:MAX_TEXT],
        "status": status,
        "code": code,
    }
    values = {name: items[-1].decode("utf-8", "replace") for name, items in query.items() if items}
    fields.update(pick(values))
    if body and len(body) <= MAX_PARSED_BODY:
        try:
            parsed = json.loads(body)
        except (ValueError, RecursionError):
            parsed = None
        if isinstance(parsed, dict):
            fields.update(pick(parsed))
    if path_id is not None:
        fields["job_id" if route.startswith("s3/transfers/") else "run_id"] = path_id[:MAX_TEXT]
    if reply:
        fields.update(reply_fields(reply))
    fields.update({name: _scalar(value) for name, value in extra.items()})
    return fields
