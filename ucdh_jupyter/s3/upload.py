"""A request body streamed into S3 as it arrives, with bounded memory.

:class:`StreamingUpload` receives the body chunk by chunk. Each full part is sent
with ``UploadPart`` on the worker pool while more bytes arrive; at most
``concurrency`` parts are in flight, and :meth:`StreamingUpload.write` hands back a
future to wait on when that limit is reached (the handler stops reading the socket
meanwhile). Memory is therefore about ``part_size x (concurrency + 1)`` whatever the
file size. A body smaller than one part is stored with a single ``PutObject``.

Any failure, and the client going away, ends in :meth:`StreamingUpload.abort`: it
waits for the parts in flight, then aborts the multipart upload, so neither the
object nor orphaned parts (which S3 bills for) remain. Either way the upload ends by
calling ``on_end`` once (the service frees the key it reserved).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, wait
from typing import Any

from ..errors import bad_request
from .names import s3_uri
from .objects import MAX_PARTS

CHECKSUM = "CRC32"


class StreamingUpload:
    """One object being written from a stream of chunks; not thread-safe for writers."""

    def __init__(
        self,
        client: Any,
        bucket: str,
        key: str,
        *,
        executor: Executor,
        part_size: int,
        concurrency: int,
        extra_args: dict[str, Any],
        overwrite: bool,
        on_end: Callable[[], None] | None = None,
    ) -> None:
        self.client = client
        self.bucket = bucket
        self.key = key
        self.part_size = part_size
        self.concurrency = concurrency
        self.extra_args = dict(extra_args)
        # S3 refuses the final write if the key appeared meanwhile (conditional write).
        self.condition = {} if overwrite else {"IfNoneMatch": "*"}
        self._executor = executor
        self._on_end = on_end
        # Part buffers are allocated once and reused: re-allocating 8 MiB blocks per part
        # fragments the heap and the server's RSS creeps up.
        self._current: bytearray | None = None
        self._fill = 0
        self._free: list[bytearray] = []
        self._in_flight: list[tuple[Future[None], bytearray]] = []
        self._parts: dict[int, dict[str, Any]] = {}
        self._next_part = 1
        self._upload_id: str | None = None
        self._lock = threading.Lock()
        self._state = "open"  # -> completing -> done | aborted
        self.received = 0

    @property
    def state(self) -> str:
        """``open``, ``completing``, ``done`` or ``aborted``."""
        return self._state

    def write(self, chunk: bytes) -> Future[None] | None:
        """Add body bytes. Returns a future to wait on before the next write, or None.

        Raises the error of a failed part, so the caller stops and aborts.
        """
        if self._state != "open":
            raise bad_request("The upload was already finished or cancelled.")
        view = memoryview(chunk)
        while view:
            if self._current is None:
                self._current = self._free.pop() if self._free else bytearray(self.part_size)
            count = min(len(view), self.part_size - self._fill)
            self._current[self._fill : self._fill + count] = view[:count]
            self._fill += count
            self.received += count
            view = view[count:]
            if self._fill == self.part_size:
                self._submit(self._current, self._current)
                self._current, self._fill = None, 0
        self._reap()
        if len(self._in_flight) >= self.concurrency:
            return self._in_flight[0][0]
        return None

    def _reap(self) -> None:
        """Recycle the buffers of finished parts; raise the first failure."""
        still = []
        for future, buffer in self._in_flight:
            if not future.done():
                still.append((future, buffer))
                continue
            self._free.append(buffer)
            if future.exception() is not None:
                raise future.exception()  # type: ignore[misc]
        self._in_flight = still

    def _tail(self) -> bytes:
        """The bytes of the last, partly filled buffer."""
        return bytes(memoryview(self._current)[: self._fill]) if self._current else b""

    def _submit(self, body: bytes | bytearray, buffer: bytearray) -> None:
        number = self._next_part
        if number > MAX_PARTS:
            raise bad_request(
                f"The upload exceeds S3's limit of {MAX_PARTS} parts of {self.part_size} bytes.",
                "Send the Content-Length header, or raise UcdhConfig.s3_part_size.",
            )
        self._next_part += 1
        future = self._executor.submit(self._upload_part, number, body)
        self._in_flight.append((future, buffer))

    def _ensure_upload_id(self) -> str:
        with self._lock:
            if self._state == "aborted":
                raise bad_request("The upload was cancelled.")
            if self._upload_id is None:
                reply = self.client.create_multipart_upload(
                    Bucket=self.bucket,
                    Key=self.key,
                    ChecksumAlgorithm=CHECKSUM,
                    **self.extra_args,
                )
                self._upload_id = str(reply["UploadId"])
            return self._upload_id

    def _upload_part(self, number: int, body: bytes | bytearray) -> None:
        upload_id = self._ensure_upload_id()
        reply = self.client.upload_part(
            Bucket=self.bucket,
            Key=self.key,
            UploadId=upload_id,
            PartNumber=number,
            Body=body,
            ChecksumAlgorithm=CHECKSUM,
            **_sse_customer_args(self.extra_args),
        )
        part = {"PartNumber": number, "ETag": reply["ETag"]}
        if reply.get("ChecksumCRC32"):
            part["ChecksumCRC32"] = reply["ChecksumCRC32"]
        self._parts[number] = part

    def complete(self) -> dict[str, Any]:
        """Finish the object after the last chunk (blocking). Aborts on any failure."""
        with self._lock:
            if self._state != "open":
                raise bad_request("The upload was already finished or cancelled.")
            self._state = "completing"
        try:
            if self._next_part == 1:
                reply = self.client.put_object(
                    Bucket=self.bucket,
                    Key=self.key,
                    Body=self._tail(),
                    **self.extra_args,
                    **self.condition,
                )
            else:
                if self._fill:
                    self._submit(self._tail(), bytearray())
                self._current, self._fill = None, 0
                wait([future for future, _ in self._in_flight])
                self._reap()
                reply = self.client.complete_multipart_upload(
                    Bucket=self.bucket,
                    Key=self.key,
                    UploadId=self._ensure_upload_id(),
                    MultipartUpload={"Parts": [self._parts[n] for n in sorted(self._parts)]},
                    **self.condition,
                )
        except BaseException:
            self._abort_now()
            raise
        self._state = "done"
        self._ended()
        return {
            "bucket": self.bucket,
            "key": self.key,
            "uri": s3_uri(self.bucket, self.key),
            "size": self.received,
            "etag": str(reply.get("ETag", "")).strip('"'),
            "parts": max(0, self._next_part - 1),
            "sse": reply.get("ServerSideEncryption"),
        }

    def abort(self) -> bool:
        """Give up (client gone, or an error): no object and no parts remain.

        Does nothing once the object is being completed or is complete. Returns
        whether an abort happened. Blocking; call it on a worker thread.
        """
        with self._lock:
            if self._state != "open":
                return False
            self._state = "completing"
        self._abort_now()
        return True

    def _abort_now(self) -> None:
        with self._lock:
            self._state = "aborted"
            upload_id = self._upload_id
        try:
            # A part still in flight could land after the abort and linger: wait for them.
            wait([future for future, _ in self._in_flight])
            self._current, self._fill, self._free = None, 0, []
            with self._lock:
                upload_id = self._upload_id or upload_id
            if upload_id is not None:
                self.client.abort_multipart_upload(
                    Bucket=self.bucket, Key=self.key, UploadId=upload_id
                )
        finally:
            self._ended()

    def _ended(self) -> None:
        if self._on_end is not None:
            self._on_end()


def _sse_customer_args(extra_args: dict[str, Any]) -> dict[str, Any]:
    """UploadPart repeats only the SSE-C arguments; SSE-KMS is set once at creation."""
    return {k: v for k, v in extra_args.items() if k.startswith("SSECustomer")}
