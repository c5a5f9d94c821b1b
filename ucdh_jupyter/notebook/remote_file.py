"""``ucdh_jupyter.open_s3("s3://bucket/key")``: an S3 object as a seekable binary file.

The sidebar's read snippets use it rather than ``pd.read_csv("s3://…")``, which needs
s3fs and knows nothing of the admin's settings. Every byte comes through the server's
``GET s3/download`` route (with ``Range`` for the part asked for), so the allow-list, the
runs-location privacy and the feature switch hold for notebook code as for the sidebar.
Nothing is held whole: a Parquet reader seeks to the footer, a CSV reader streams.
"""

from __future__ import annotations

import io
from typing import IO

from ..errors import UcdhError
from ..s3.names import parse_s3_uri
from ..server_client import ServerClient, kernel_client

# One request per this many bytes read in order (a reader asking for 8 KiB at a time
# is served from the buffer).
BUFFER_BYTES = 8 * 1024 * 1024


class RemoteObject(io.RawIOBase):
    """Raw reads of one S3 object, by ``Range`` requests to the download route. The size
    comes from the first answer's ``Content-Range`` (no extra request for a reader that
    starts at the beginning)."""

    def __init__(self, client: ServerClient, bucket: str, key: str) -> None:
        super().__init__()
        self._client, self._query = client, {"bucket": bucket, "key": key}
        self._size: int | None = None
        self._position = 0
        self.name = f"s3://{bucket}/{key}"

    @property
    def size(self) -> int:
        """The object's size in bytes (asked with a one-byte range if not yet known)."""
        if self._size is None:
            try:
                self._fetch(0, 0)
            except UcdhError as error:
                if error.status != 416:  # only an empty object has no byte 0
                    raise
                self._size = 0
        assert self._size is not None
        return self._size

    def readable(self) -> bool:
        """Always: it is a file to read."""
        return True

    def seekable(self) -> bool:
        """Always: any byte can be asked for."""
        return True

    def tell(self) -> int:
        """The current position."""
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Move to ``offset`` from the start, the current position or the end."""
        if whence == io.SEEK_END:
            base = self.size
        else:
            base = self._position if whence == io.SEEK_CUR else 0
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._position = base + offset
        return self._position

    def _fetch(self, start: int, end: int | None) -> bytes:
        """Bytes ``start..end`` (inclusive; to the end when None), in one request."""
        headers = {"Range": f"bytes={start}-{'' if end is None else end}"}
        with self._client.open("GET", "s3/download", self._query, headers=headers) as reply:
            total = (reply.headers.get("Content-Range") or "").rpartition("/")[2]
            if total.isdigit():
                self._size = int(total)
            with self._client.transport():  # a body cut short: one line, no traceback
                return bytes(reply.read())

    def _read_range(self, end: int | None) -> bytes:
        """From the current position to ``end`` (inclusive; the end when None); empty
        past the end of the object."""
        if self._size is not None and self._position >= self._size:
            return b""
        try:
            data = self._fetch(self._position, end)
        except UcdhError as error:
            if error.status != 416:  # 416: nothing there (past the end, or empty)
                raise
            if self._position == 0:
                self._size = 0
            return b""
        self._position += len(data)
        return data

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        """Fill ``buffer`` from the current position; 0 at the end."""
        if len(buffer) == 0:
            return 0
        data = self._read_range(self._position + len(buffer) - 1)
        buffer[: len(data)] = data
        return len(data)

    def readall(self) -> bytes:
        """The rest of the object, in one streamed request."""
        return self._read_range(None)


def open_s3(uri: str, client: ServerClient | None = None) -> IO[bytes]:
    """The object at ``uri`` as a seekable, buffered binary file (every pandas reader,
    Parquet and Excel included, can take one). Raises the server's
    :class:`~ucdh_jupyter.errors.UcdhError` (e.g. 403 outside the allow-list)."""
    bucket, key = parse_s3_uri(uri)
    if not key or key.endswith("/"):
        raise UcdhError(400, "bad_request", f"{uri} is a folder, not an object.")
    raw = RemoteObject(client or kernel_client(), bucket, key)
    reader = io.BufferedReader(raw, buffer_size=BUFFER_BYTES)
    # The first part now: a refused or missing object fails here, at the open, and the
    # reader then starts from the buffer.
    reader.peek(1)
    return reader
