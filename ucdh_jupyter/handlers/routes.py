"""The route table: every URL of the extension, under ``{base_url}ucdh-jupyter/``."""

from __future__ import annotations

from typing import Any

from jupyter_server.utils import url_path_join

from .compute import CatalogHandler, EstimateHandler
from .runs import (
    CancelHandler,
    ChildOutputHandler,
    ChildrenExportHandler,
    LogHandler,
    NotificationsHandler,
    OutputHandler,
    PrepareHandler,
    RunHandler,
    RunsHandler,
)
from .s3 import (
    BucketsHandler,
    CopyHandler,
    DeleteHandler,
    DownloadHandler,
    FolderHandler,
    ListHandler,
    MoveHandler,
    ObjectHandler,
    PresignHandler,
    SearchHandler,
    TransferHandler,
    TransfersHandler,
    UploadHandler,
)
from .schedules import ScheduleHandler, SchedulesHandler
from .status import ConfigHandler, StatusHandler, WorkspaceHandler

NAMESPACE = "ucdh-jupyter"

ROUTES: list[tuple[str, Any]] = [
    ("status", StatusHandler),
    ("status/workspace", WorkspaceHandler),
    ("config", ConfigHandler),
    ("compute/catalog", CatalogHandler),
    ("compute/estimate", EstimateHandler),
    ("s3/buckets", BucketsHandler),
    ("s3/list", ListHandler),
    ("s3/search", SearchHandler),
    ("s3/object", ObjectHandler),
    ("s3/download", DownloadHandler),
    ("s3/presign", PresignHandler),
    ("s3/upload", UploadHandler),
    ("s3/delete", DeleteHandler),
    ("s3/folder", FolderHandler),
    ("s3/copy", CopyHandler),
    ("s3/move", MoveHandler),
    ("s3/transfers", TransfersHandler),
    ("s3/transfers/([^/]+)", TransferHandler),
    ("runs", RunsHandler),
    ("runs/prepare", PrepareHandler),  # before runs/<id>, which would match it
    ("runs/notifications", NotificationsHandler),  # likewise
    ("runs/([^/]+)", RunHandler),
    ("runs/([^/]+)/cancel", CancelHandler),
    ("runs/([^/]+)/output", OutputHandler),
    ("runs/([^/]+)/children/export", ChildrenExportHandler),
    ("runs/([^/]+)/children/([^/]+)/output", ChildOutputHandler),
    ("runs/([^/]+)/log", LogHandler),
    ("schedules", SchedulesHandler),
    ("schedules/([^/]+)", ScheduleHandler),
]


def route_table(base_url: str) -> list[tuple[str, Any]]:
    """Tornado URL specs for every route, joined to the server's base URL."""
    return [(url_path_join(base_url, NAMESPACE, path), handler) for path, handler in ROUTES]
