"""S3 for researchers, without tornado: browse, stream up and down, copy, delete, search.

:class:`~.service.S3Service` is the entry point used by the handlers and the magics;
the modules below it each do one thing with a boto3 S3 client.
"""

from __future__ import annotations

from .service import S3Service

__all__ = ["S3Service"]
