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

from .errors import UcdhError
from .s3.names import parse_s3_uri
from .server_client import ServerClient, kernel_client

# One request per this many bytes read in order (a reader asking for 8 KiB at a time
# is served from the buffer).
BUFFER_BYTES = 8 * 1024 * 1024


class RemoteObject(io.RawIOBase):
    """Raw reads of one S3 object, by ``Range`` requests to the download route."""

    def __init__(self, client: ServerClient, bucket: str, key: str) -> None:
        super().__init__()
        self._client, self._query = client, {"bucket": bucket, "key": key}
        self.size = int(client.get("s3/object", bucket=bucket, key=key).get("size") or 0)
        self._position = 0
        self.name = f"s3://{bucket}/{key}"

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
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self.size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._position = base + offset
        return self._position

    def _fetch(self, start: int, end: int) -> bytes:
        """Bytes ``start..end`` (inclusive) of the object, in one request."""
        headers = {"Range": f"bytes={start}-{end}"}
        return b"".join(self._client.stream("s3/download", self._query, headers))

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        """Fill ``buffer`` from the current position; 0 at the end."""
        wanted = min(len(buffer), self.size - self._position)
        if wanted <= 0:
            return 0
        data = self._fetch(self._position, self._position + wanted - 1)
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)

    def readall(self) -> bytes:
        """The rest of the object, in one streamed request."""
        if self._position >= self.size:
            return b""
        data = self._fetch(self._position, self.size - 1)
        self._position += len(data)
        return data


def open_s3(uri: str, client: ServerClient | None = None) -> IO[bytes]:
    """The object at ``uri`` as a seekable, buffered binary file (every pandas reader,
    Parquet and Excel included, can take one). Raises the server's
    :class:`~ucdh_jupyter.errors.UcdhError` (e.g. 403 outside the allow-list)."""
    bucket, key = parse_s3_uri(uri)
    if not key or key.endswith("/"):
        raise UcdhError(400, "bad_request", f"{uri} is a folder, not an object.")
    raw = RemoteObject(client or kernel_client(), bucket, key)
    return io.BufferedReader(raw, buffer_size=BUFFER_BYTES)
