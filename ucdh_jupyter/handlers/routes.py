"""The route table: every URL of the extension, under ``{base_url}ucdh-jupyter/``."""

from __future__ import annotations

from typing import Any

from jupyter_server.utils import url_path_join

from .status import ConfigHandler, StatusHandler

NAMESPACE = "ucdh-jupyter"

ROUTES: list[tuple[str, Any]] = [
    ("status", StatusHandler),
    ("config", ConfigHandler),
]


def route_table(base_url: str) -> list[tuple[str, Any]]:
    """Tornado URL specs for every route, joined to the server's base URL."""
    return [(url_path_join(base_url, NAMESPACE, path), handler) for path, handler in ROUTES]
