"""Reading an S3 object from notebook code: ``ucdh_jupyter.open_s3("s3://bucket/key")``.

The sidebar's read snippets use it rather than ``pd.read_csv("s3://…")``, which needs
s3fs and knows nothing of the admin's settings: the endpoint (VPC endpoints, the demo's
local AWS), the bucket allow-list, the credentials profile. This goes through the same
S3 service as ``%s3`` and the sidebar.
"""

from __future__ import annotations

import tempfile
from typing import IO, TYPE_CHECKING

from .names import parse_s3_uri

if TYPE_CHECKING:
    from ..services import UcdhServices

# Objects up to this size stay in memory; larger ones spill to a temporary file, so a
# 20 GB object never has to fit in the kernel's memory.
IN_MEMORY_BYTES = 64 * 1024 * 1024


def open_s3(uri: str, services: UcdhServices | None = None) -> IO[bytes]:
    """The object at ``uri`` as a seekable binary file (every pandas reader, Parquet and
    Excel included, can take one), downloaded in a stream."""
    if services is None:
        from ..kernel import kernel_services

        services = kernel_services()
    bucket, key = parse_s3_uri(uri)
    stream = services.s3.open_download(bucket, key, None)
    spool = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_BYTES)  # noqa: SIM115 - returned
    try:
        while chunk := stream.read():
            spool.write(chunk)
    except BaseException:
        spool.close()
        raise
    finally:
        stream.close()
    spool.seek(0)
    return spool
