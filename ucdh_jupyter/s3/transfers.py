"""Background transfer jobs (S3 <-> workspace, S3 -> S3) with progress and cancel.

Each job runs a :class:`~.plans.Plan` through boto3's transfer manager
(``s3transfer``: multipart, concurrent, retried), counting bytes and files as they
go. Cancel stops the job between and inside files; a download is written to a
fresh ``<name>.<random>.ucdh-partial`` file (created exclusively, never through a
link) that replaces the target only when complete and is removed otherwise, and an
upload's multipart upload is aborted, so a cancelled or failed job leaves no
half-written file or object behind. Files finished before the cancel stay.

Each job belongs to the user who started it: others neither see nor cancel it.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import queue
import secrets
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Any

from ..errors import UcdhError, bad_request, translate
from .objects import DELETE_BATCH
from .plans import Item, Plan
from .workspace import check_write_target, make_folders

PARTIAL_SUFFIX = ".ucdh-partial"
FINAL_STATES = ("succeeded", "failed", "cancelled")
MAX_NAME = 255  # bytes in one file name on Linux and macOS
# Exclusive and never through a link: a planted <name>.ucdh-partial link is not followed.
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)


class TransferJob:
    """One job's plan, progress and final state; progress is updated from worker threads."""

    def __init__(
        self, plan: Plan, owner: str = "", on_end: Callable[[], None] | None = None
    ) -> None:
        self.id = uuid.uuid4().hex[:16]
        self.plan = plan
        self.owner = owner
        self._on_end = on_end
        self.state = "queued"
        self.bytes_total = sum(item.size for item in plan.items)
        self.bytes_done = 0
        self.files_done = 0
        self.error: dict[str, Any] | None = None
        self.created = time.time()
        self.started: float | None = None
        self.finished: float | None = None
        self.cancel_requested = threading.Event()
        self.done = threading.Event()
        self._lock = threading.Lock()

    def add_bytes(self, count: int) -> None:
        """Progress callback of the transfer manager (negative on a retried part)."""
        with self._lock:
            self.bytes_done = max(0, self.bytes_done + count)

    def add_file(self) -> None:
        """One more file or object completely transferred."""
        with self._lock:
            self.files_done += 1

    def start(self) -> None:
        """The runner picked the job up."""
        with self._lock:
            self.state, self.started = "running", time.time()

    def finish(self, state: str, error: UcdhError | None = None) -> None:
        """Record the final state once."""
        with self._lock:
            if self.state in FINAL_STATES:
                return
            self.state = state
            self.error = {**error.to_json(), "status": error.status} if error else None
            self.finished = time.time()
        if self._on_end is not None:
            self._on_end()  # e.g. free the names this job reserved
        self.done.set()

    def to_json(self) -> dict[str, Any]:
        """The job as ``GET s3/transfers/<id>`` shows it."""
        with self._lock:
            return {
                "id": self.id,
                "kind": self.plan.kind,
                "state": self.state,
                "source": self.plan.source,
                "target": self.plan.target,
                "bytes_done": min(self.bytes_done, self.bytes_total),
                "bytes_total": self.bytes_total,
                "files_done": self.files_done,
                "files_total": len(self.plan.items),
                "error": self.error,
                "created": _iso(self.created),
                "started": _iso(self.started),
                "finished": _iso(self.finished),
            }


class TransferJobs:
    """The registry and runner of transfer jobs for one server (or one kernel)."""

    def __init__(
        self,
        client_factory: Any,
        *,
        part_size: int,
        concurrency: int,
        copy_threshold: int,
        extra_args: dict[str, Any],
        max_running: int = 2,
        keep: int = 200,
    ) -> None:
        self._client = client_factory
        self.part_size = part_size
        self.concurrency = concurrency
        self.copy_threshold = copy_threshold
        self.extra_args = dict(extra_args)
        self._jobs: OrderedDict[str, TransferJob] = OrderedDict()
        self._keep = keep
        self._lock = threading.Lock()
        self._runner = ThreadPoolExecutor(max_workers=max_running, thread_name_prefix="ucdh-xfer")
        # Worker threads are joined when the process exits, so a running multi-gigabyte copy
        # would hold Jupyter's shutdown until it finished: cancel the jobs first. This hook
        # is the one concurrent.futures itself uses; it runs before threads are joined.
        getattr(threading, "_register_atexit", atexit.register)(self.close)

    def start(
        self, plan: Plan, owner: str = "", on_end: Callable[[], None] | None = None
    ) -> TransferJob:
        """Queue a job of ``owner`` for ``plan`` and return it at once; ``on_end`` is called
        once when the job ends, whichever way."""
        job = TransferJob(plan, owner, on_end)
        with self._lock:
            self._jobs[job.id] = job
            finished = [j for j in self._jobs.values() if j.state in FINAL_STATES]
            for old in finished[: max(0, len(self._jobs) - self._keep)]:
                del self._jobs[old.id]
        self._runner.submit(self._run, job)
        return job

    def get(self, job_id: str, owner: str | None = None) -> TransferJob:
        """The job ``job_id`` (of ``owner``, when given), or a 404: another user's job is
        "not found", so nothing about it leaks."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None or (owner is not None and job.owner != owner):
            raise UcdhError(404, "not_found", f"No transfer job {job_id!r}.", "Reload the list.")
        return job

    def list_jobs(self, owner: str | None = None) -> list[dict[str, Any]]:
        """Every known job (of ``owner``, when given), newest first."""
        with self._lock:
            jobs = [j for j in self._jobs.values() if owner is None or j.owner == owner]
        return [job.to_json() for job in reversed(jobs)]

    def cancel(self, job_id: str, owner: str | None = None) -> TransferJob:
        """Ask job ``job_id`` to stop; it ends ``cancelled`` (or already ended)."""
        job = self.get(job_id, owner)
        job.cancel_requested.set()
        if job.state == "queued":
            job.finish("cancelled")
        return job

    def close(self) -> None:
        """Cancel every job (server shutdown)."""
        with self._lock:
            jobs = list(self._jobs.values())
        for job in jobs:
            job.cancel_requested.set()
        self._runner.shutdown(wait=False, cancel_futures=True)

    # -- running -----------------------------------------------------------------

    def _manager(self, copy: bool) -> tuple[Any, dict[str, str]]:
        """A transfer manager, and the temporary file of each download target it writes."""
        from boto3.s3.transfer import TransferConfig, create_transfer_manager
        from s3transfer.utils import OSUtils

        partials: dict[str, str] = {}

        class PartialFiles(OSUtils):
            """Temporary download files that no one can plant a link for: an unguessable
            name, created exclusively without following links, next to the target (same
            file system), then atomically renamed over it."""

            def get_temp_filename(self, filename: str) -> str:
                folder, name = os.path.split(filename)
                suffix = f".{secrets.token_hex(6)}{PARTIAL_SUFFIX}"
                room = MAX_NAME - len(suffix.encode())
                short = name.encode()[:room].decode("utf-8", "ignore")
                partials[filename] = os.path.join(folder, short + suffix)
                return partials[filename]

            def open(self, filename: str, mode: str) -> Any:
                if "w" not in mode:
                    return super().open(filename, mode)
                return os.fdopen(os.open(filename, _CREATE, 0o666), mode)

            def rename_file(self, current_filename: str, new_filename: str) -> None:
                check_write_target(new_filename)
                os.replace(current_filename, new_filename)

        threshold = self.copy_threshold if copy else self.part_size
        config = TransferConfig(
            multipart_threshold=threshold,
            multipart_chunksize=self.part_size,
            max_concurrency=self.concurrency,
            preferred_transfer_client="classic",
        )
        return create_transfer_manager(self._client(), config, osutil=PartialFiles()), partials

    def _submit(self, manager: Any, job: TransferJob, item: Item, done: queue.Queue[Any]) -> Any:
        from boto3.s3.transfer import ProgressCallbackInvoker
        from s3transfer.subscribers import BaseSubscriber

        class Done(BaseSubscriber):
            def on_done(self, future: Any, **kwargs: Any) -> None:
                done.put((future, item))

        subscribers = [ProgressCallbackInvoker(job.add_bytes), Done()]
        plan = job.plan
        if plan.kind == "to_workspace":
            check_write_target(item.target)
            return manager.download(
                plan.source["bucket"], item.source, item.target, subscribers=subscribers
            )
        if plan.kind == "to_s3":
            extra = {**self.extra_args, **_content_type(item.target)}
            return manager.upload(
                item.source, plan.target["bucket"], item.target, extra, subscribers=subscribers
            )
        source = {"Bucket": plan.source["bucket"], "Key": item.source}
        extra = dict(self.extra_args)
        if item.size > self.copy_threshold:
            # A multipart copy does not carry the source's type and metadata by itself.
            info = self._client().head_object(**source)
            extra["Metadata"] = dict(info.get("Metadata") or {})
            if info.get("ContentType"):
                extra["ContentType"] = info["ContentType"]
        return manager.copy(
            source, plan.target["bucket"], item.target, extra, subscribers=subscribers
        )

    def _run(self, job: TransferJob) -> None:
        try:
            self._execute(job)
        except Exception as exc:  # a job must always end, whatever went wrong
            job.finish("failed", translate(exc))

    def _execute(self, job: TransferJob) -> None:
        if job.cancel_requested.is_set():
            job.finish("cancelled")
            return
        job.start()
        manager, partials = self._manager(copy=job.plan.kind in ("copy", "move"))
        done: queue.Queue[Any] = queue.Queue()
        submitted: list[Item] = []
        finished: list[Item] = []
        active: list[Any] = []  # transfer futures not known to be done
        error: UcdhError | None = None
        try:
            for folder in job.plan.folders:
                make_folders(folder)
            # A bounded window of files in flight: 100,000 files are not 100,000 futures.
            window, items = self.concurrency * 4, iter(job.plan.items)
            while not job.cancel_requested.is_set():
                while len(submitted) - len(finished) < window:
                    item = next(items, None)
                    if item is None:
                        break
                    active.append(self._submit(manager, job, item, done))
                    submitted.append(item)
                active = [future for future in active if not future.done()]
                if len(submitted) == len(finished):
                    break
                try:
                    future, item = done.get(timeout=0.2)
                except queue.Empty:
                    continue
                future.result()
                finished.append(item)
                job.add_file()
        except Exception as exc:
            error = translate(exc)
        finally:
            if error is not None or job.cancel_requested.is_set():
                # TransferManager.shutdown(cancel=True) is broken in s3transfer (boto/s3transfer
                # #215: TypeError); cancelling each future is the public equivalent.
                for future in active:
                    future.cancel()
            manager.shutdown()
            if job.plan.kind == "to_workspace" and len(finished) < len(submitted):
                for item in submitted:
                    if item.target in partials:
                        _remove(partials[item.target])
        complete = len(finished) == len(job.plan.items)
        if error is None and complete and job.plan.kind == "move":
            error = self._delete_sources(job, finished)
        if job.cancel_requested.is_set() and not complete:
            job.finish("cancelled")  # errors caused by the cancel itself are not failures
        elif error is not None:
            job.finish("failed", error)
        else:
            job.finish("succeeded")

    def _delete_sources(self, job: TransferJob, items: list[Item]) -> UcdhError | None:
        """The second half of a move: delete what was copied, 1,000 keys per call."""
        client = self._client()
        keys = [item.source for item in items]
        for start in range(0, len(keys), DELETE_BATCH):
            batch = keys[start : start + DELETE_BATCH]
            try:
                reply = client.delete_objects(
                    Bucket=job.plan.source["bucket"],
                    Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True},
                )
            except Exception as exc:
                return translate(exc)
            if reply.get("Errors"):
                first = reply["Errors"][0]
                return bad_request(
                    f"Copied, but could not delete {first.get('Key')!r}: {first.get('Message')}"
                )
        return None


def _iso(seconds: float | None) -> str | None:
    """Epoch seconds as ISO 8601 UTC, like every other time in the API."""
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, tz=timezone.utc).isoformat()


def _content_type(key: str) -> dict[str, str]:
    import mimetypes

    guessed, _ = mimetypes.guess_type(key)
    return {"ContentType": guessed} if guessed else {}


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)
