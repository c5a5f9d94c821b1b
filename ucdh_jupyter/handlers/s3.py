"""S3 routes: parse the request, call :class:`~ucdh_jupyter.s3.S3Service`, finish.

Query values are read raw (not through ``get_argument``, which trims spaces and
turns control characters into spaces), so a key reaches the service exactly as
sent and a bad one is refused with the rule it breaks. Bodies are parsed strictly
(:mod:`ucdh_jupyter.s3.models`, imported on first use). Transfer jobs belong to the
user who started them. Nothing here logs a key, a prefix or a path.
"""

from __future__ import annotations

import asyncio
from typing import Any

from jupyter_core.utils import ensure_async
from jupyter_server.auth.decorator import authorized
from tornado import web
from tornado.iostream import StreamClosedError

from ..errors import UcdhError, bad_request, translate
from ..s3 import S3Service
from ..s3.download import CHUNK, RangeNotSatisfiableError, parse_range
from ..s3.service import MAX_OBJECT_BYTES
from ..s3.transfers import TransferJob
from ..s3.upload import StreamingUpload
from .base import UcdhHandler

# How long copy/move wait for their job before answering 202 with it still running.
QUICK_JOB_SECONDS = 5.0


class S3Handler(UcdhHandler):
    """Shared parsing for the S3 routes."""

    feature = "s3"

    @property
    def s3(self) -> S3Service:
        """The S3 service built at load time."""
        return self.services.s3

    def required(self, name: str) -> str:
        """A query parameter that must be present and non-empty."""
        value = self.query(name)
        if not value:
            raise bad_request(f"The query parameter {name!r} is required.")
        return value

    def flag(self, name: str) -> bool:
        """A boolean query parameter: absent, ``false`` or ``0`` is off, ``true`` or ``1``
        on; anything else is a 400 (a typo must not mean "overwrite")."""
        value = self.query(name)
        if value is None or value in ("false", "0"):
            return False
        if value in ("true", "1"):
            return True
        raise bad_request(f"The parameter {name!r} must be true, false, 1 or 0.")


class BucketsHandler(S3Handler):
    """``GET s3/buckets``: the configured locations, or every bucket the role can list."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """List buckets or locations."""
        from ..s3.models import S3Buckets

        self.reply(S3Buckets, await self.call(self.s3.buckets))


class ListHandler(S3Handler):
    """``GET s3/list``: one page of one folder."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """List a page; pass ``next_cursor`` back as ``cursor`` for the next one."""
        from ..s3.models import S3Listing

        limit = self.query_int("limit", 1000, 1, 1000)
        self.reply(
            S3Listing,
            await self.call(
                self.s3.list_folder,
                self.required("bucket"),
                self.query("prefix", "") or "",
                self.query("cursor"),
                limit,
            ),
        )


class SearchHandler(S3Handler):
    """``GET s3/search``: keys containing a text, one bounded page at a time."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """Search a page; stop asking to cancel."""
        from ..s3.models import S3SearchPage

        self.reply(
            S3SearchPage,
            await self.call(
                self.s3.search,
                self.required("bucket"),
                self.query("prefix", "") or "",
                self.required("q"),
                self.query("cursor"),
            ),
        )


class ObjectHandler(S3Handler):
    """``GET s3/object``: the details of one object."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """Show size, dates, class, type, encryption, tags, versions."""
        from ..s3.models import S3ObjectDetails

        details = await self.call(self.s3.details, self.required("bucket"), self.required("key"))
        self.reply(S3ObjectDetails, details)


class PresignHandler(S3Handler):
    """``GET s3/presign``: a short-lived download URL, if the admin allows them."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """Return the URL; it is never logged and must not be cached."""
        reply = await self.call(self.s3.presign, self.required("bucket"), self.required("key"))
        from ..s3.models import S3Presigned

        self.set_header("Cache-Control", "no-store")
        self.reply(S3Presigned, reply)


class DownloadHandler(S3Handler):
    """``GET s3/download``: the object's bytes, streamed, with Range support."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """Stream one chunk at a time; the next chunk is read while this one is sent."""
        byte_range = parse_range(self.request.headers.get("Range"))
        stream = await self.call(
            self.s3.open_download, self.required("bucket"), self.required("key"), byte_range
        )
        loop = asyncio.get_running_loop()
        pending: asyncio.Future[bytes] | None = None
        try:
            self.set_status(stream.status)
            for name, value in stream.headers.items():
                self.set_header(name, value)
            pending = loop.run_in_executor(self.services.executor, stream.read, CHUNK)
            while chunk := await pending:
                pending = loop.run_in_executor(self.services.executor, stream.read, CHUNK)
                self.write(chunk)
                await self.flush()
            pending = None
            self.finish(set_content_type=stream.headers["Content-Type"])
        except StreamClosedError:
            self.log.info("ucdh-jupyter: a download was stopped by the client")
        finally:
            if pending is not None:
                await asyncio.gather(pending, return_exceptions=True)
            stream.close()

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """A 416 also says how big the object is (``Content-Range: bytes */size``)."""
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, RangeNotSatisfiableError):
            self.set_header("Content-Range", f"bytes */{exc.size}")
        super().write_error(status_code, **kwargs)


@web.stream_request_body
class UploadHandler(S3Handler):
    """``PUT s3/upload``: the request body streamed into S3 (multipart), never held whole."""

    upload: StreamingUpload | None = None
    _client_gone = False

    async def prepare(self) -> None:  # type: ignore[override]
        """Decide before a byte of the body is read: login, XSRF, authorization, names."""
        await super().prepare()  # login and, for cookie logins, the XSRF token header
        if self._finished:
            return
        # The verb's decorators run only after the body; check them here first too.
        if not self.current_user:
            raise web.HTTPError(403)
        allowed = await ensure_async(
            self.authorizer.is_authorized(self, self.current_user, "write", self.auth_resource)
        )
        if not allowed:
            raise web.HTTPError(403)
        length = self.request.headers.get("Content-Length")
        size = int(length) if length and length.isdigit() else None
        # Tornado's default cap (jupyter's max_body_size) is far below S3's; parts bound memory.
        self.request.connection.set_max_body_size(MAX_OBJECT_BYTES)  # type: ignore[union-attr]
        self.upload = await self.call(
            self.s3.start_upload,
            self.required("bucket"),
            self.required("key"),
            self.flag("overwrite"),
            size,
        )

    async def data_received(self, chunk: bytes) -> None:
        """Feed the upload; wait while too many parts are in flight (back-pressure)."""
        if self.upload is None or self._finished or self._client_gone:
            return
        try:
            capacity = self.upload.write(chunk)
            if capacity is not None:
                await asyncio.wrap_future(capacity)
        except Exception as exc:
            await self._fail(exc)

    async def _fail(self, exc: Exception) -> None:
        upload, self.upload = self.upload, None
        assert upload is not None
        try:
            await self.call(upload.abort)
        except UcdhError as abort_error:
            self.log.warning("ucdh-jupyter: aborting an upload failed (%s)", abort_error.code)
        error = translate(exc, self.services.config.profile)
        if error.status == 500:
            # The type only: an exception's text can quote the key.
            self.log.error("ucdh-jupyter: an upload failed (%s)", type(exc).__name__)
        if not self._client_gone and not self._finished:
            self.send_error(error.status, exc_info=(type(error), error, None))

    def on_connection_close(self) -> None:
        """The client went away mid-body: abort, so no object or part remains."""
        self._client_gone = True
        upload = self.upload
        if upload is not None and upload.state == "open":
            self.log.info("ucdh-jupyter: an upload was interrupted by the client")
            self._abort_in_background(upload)
        super().on_connection_close()

    def on_finish(self) -> None:
        """However the request ended, an upload left open is aborted (and its key freed)."""
        upload = self.upload
        if upload is not None and upload.state == "open":
            self._abort_in_background(upload)

    def _abort_in_background(self, upload: StreamingUpload) -> None:
        future = self.services.executor.submit(upload.abort)
        future.add_done_callback(self._log_abort_failure)

    def _log_abort_failure(self, future: Any) -> None:
        error = future.exception()
        if error is not None:
            self.log.warning(
                "ucdh-jupyter: aborting an interrupted upload failed (%s)",
                translate(error).code,
            )

    @web.authenticated
    @authorized
    async def put(self) -> None:
        """The body is complete: finish the object (201) or abort it (error)."""
        if self.upload is None or self._finished:
            return
        from ..s3.models import S3Uploaded

        result = await self.call(self.upload.complete)
        self.reply(S3Uploaded, result, 201)


class DeleteHandler(S3Handler):
    """``POST s3/delete``: objects and/or a whole folder; ``dry_run`` only counts."""

    @web.authenticated
    @authorized
    async def post(self) -> None:
        """Delete (or count) in batches of 1,000."""
        from ..s3.models import S3DeleteBody, S3DeleteResult

        body = self.parse_body(S3DeleteBody)
        reply = await self.call(
            self.s3.delete, body.bucket, list(body.keys), body.prefix, body.dry_run
        )
        self.reply(S3DeleteResult, reply)


class FolderHandler(S3Handler):
    """``POST s3/folder``: create an empty folder (its ``prefix/`` marker object)."""

    @web.authenticated
    @authorized
    async def post(self) -> None:
        """Create the folder; 409 if anything already lives under that name."""
        from ..s3.models import S3FolderBody, S3FolderCreated

        body = self.parse_body(S3FolderBody)
        reply = await self.call(self.s3.create_folder, body.bucket, body.prefix)
        self.reply(S3FolderCreated, reply, 201)


class CopyHandler(S3Handler):
    """``POST s3/copy``: copy one key or a whole folder inside S3."""

    kind = "copy"

    @web.authenticated
    @authorized
    async def post(self) -> None:
        """Start the job; answer with it finished (200) or still running (202)."""
        from ..s3.models import S3CopyBody

        body = self.parse_body(S3CopyBody)
        job = await self.call(
            self.s3.copy,
            self.kind,
            body.bucket,
            body.dest_bucket or body.bucket,
            key=body.key,
            prefix=body.prefix,
            dest_key=body.dest_key,
            dest_prefix=body.dest_prefix,
            overwrite=body.overwrite,
            owner=self.owner,
        )
        deadline = asyncio.get_running_loop().time() + QUICK_JOB_SECONDS
        while not job.done.is_set() and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)
        finish_job(self, job)


class MoveHandler(CopyHandler):
    """``POST s3/move``: rename or move (copy, then delete the source)."""

    kind = "move"


def finish_job(handler: UcdhHandler, job: TransferJob) -> None:
    """Answer with a job: 200 when it ended well, 202 while it runs, its error if it failed."""
    state = job.to_json()
    if state["state"] == "failed" and state["error"]:
        error = state["error"]
        raise UcdhError(error["status"], error["code"], error["message"], error["hint"])
    from ..s3.models import S3TransferJob

    handler.reply(S3TransferJob, state, 200 if job.done.is_set() else 202)


class TransfersHandler(S3Handler):
    """``POST s3/transfers`` starts an S3 <-> workspace copy; ``GET`` lists the jobs."""

    @web.authenticated
    @authorized
    async def get(self) -> None:
        """Every known job of this user, newest first."""
        from ..s3.models import S3TransferList

        self.reply(S3TransferList, {"transfers": self.s3.transfers.list_jobs(self.owner)})

    @web.authenticated
    @authorized
    async def post(self) -> None:
        """Plan (400/403/409 before writing anything) and start the job (202)."""
        from ..s3.models import S3TransferBody

        body = self.parse_body(S3TransferBody)
        job = await self.call(
            self.s3.transfer,
            body.direction,
            body.bucket,
            body.path,
            key=body.key,
            prefix=body.prefix,
            overwrite=body.overwrite,
            owner=self.owner,
        )
        from ..s3.models import S3TransferJob

        self.reply(S3TransferJob, job.to_json(), 202)


class TransferHandler(S3Handler):
    """``GET s3/transfers/<id>``: progress; ``DELETE``: cancel. Another user's job is 404."""

    @web.authenticated
    @authorized
    async def get(self, job_id: str) -> None:
        """The job's progress and state."""
        from ..s3.models import S3TransferJob

        self.reply(S3TransferJob, self.s3.transfers.get(job_id, self.owner).to_json())

    @web.authenticated
    @authorized
    async def delete(self, job_id: str) -> None:
        """Ask the job to stop; it ends ``cancelled`` with partial files removed."""
        from ..s3.models import S3TransferJob

        self.reply(S3TransferJob, self.s3.transfers.cancel(job_id, self.owner).to_json(), 202)
