"""Server extension loading: build the services from config, register the routes."""

from __future__ import annotations

from typing import Any

from .config import UcdhConfig
from .handlers.routes import route_table
from .services import UcdhServices


def load(server_app: Any) -> None:
    """Called by jupyter-server once at start-up. Makes no network call."""
    config = UcdhConfig(parent=server_app)
    services = UcdhServices(config, root_dir=getattr(server_app, "root_dir", None))
    web_app = server_app.web_app
    web_app.settings["ucdh"] = services
    base_url = web_app.settings["base_url"]
    web_app.add_handlers(".*$", route_table(base_url))
    server_app.log.info(
        "ucdh-jupyter loaded (mode=%s, region=%s)", config.mode, config.region or "from profile"
    )
